#include "gateway/auth/token_key.hpp"

#include <openssl/rand.h>

#include <future>
#include <stdexcept>

#include "gateway/store/auth_table.hpp"

namespace homebase::gateway::auth {
namespace {

constexpr std::string_view token_key_name = "access_token_hs256";
constexpr std::size_t token_key_bytes = 32;

}  // namespace

std::string load_or_create_token_key(store::sqlite_store& store) {
  auto key = store::auth_table::read_secret(store, token_key_name);
  if (key.size() == token_key_bytes) return key;
  if (!key.empty()) throw std::runtime_error("auth_keys: the access token key is damaged (not 32 bytes)");

  std::string fresh(token_key_bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(fresh.data()), static_cast<int>(fresh.size())) != 1)
    throw std::runtime_error("cannot make the access token key: the random generator failed");
  // Kept only when no key is there yet: another replica that made its key first wins; everyone then reads
  // the same one.
  auto job = [fresh](store::write_tx& tx) {
    return store::auth_table::keep_secret(tx, token_key_name, fresh);
  };
  std::promise<bool> done;
  auto committed = done.get_future();
  if (!store.submit(std::move(job), [&done](bool ok) { done.set_value(ok); }))
    throw std::runtime_error("cannot keep the access token key: the store is stopping");
  if (!committed.get()) throw std::runtime_error("cannot keep the access token key: the store failed");
  key = store::auth_table::read_secret(store, token_key_name);
  if (key.size() != token_key_bytes) throw std::runtime_error("cannot read back the access token key");
  return key;
}

}  // namespace homebase::gateway::auth
