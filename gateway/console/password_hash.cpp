#include "gateway/console/password_hash.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <charconv>
#include <memory>
#include <vector>

#include "gateway/auth/base64url.hpp"

namespace homebase::gateway::console {
namespace {

constexpr std::size_t salt_bytes = 16;
constexpr std::size_t key_bytes = 32;
constexpr std::string_view prefix = "$scrypt$";

bool in_bounds(const scrypt_cost& c) {
  // 128 * N * r bytes of memory: at most 2^20 * 8 * 128 = 1 GiB at the extreme; p bounds the time.
  return c.log2_n >= 10 && c.log2_n <= 20 && c.r >= 1 && c.r <= 16 && c.p >= 1 && c.p <= 16 &&
         (std::uint64_t{128} << c.log2_n) * static_cast<std::uint64_t>(c.r) <= (std::uint64_t{1} << 30);
}

std::optional<std::string> derive(std::string_view password, std::string_view salt, const scrypt_cost& c) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr),
                                                        &EVP_KDF_free);
  if (!kdf) return std::nullopt;
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf.get()),
                                                                &EVP_KDF_CTX_free);
  if (!ctx) return std::nullopt;
  std::uint64_t n = std::uint64_t{1} << c.log2_n;
  std::uint32_t r = static_cast<std::uint32_t>(c.r);
  std::uint32_t p = static_cast<std::uint32_t>(c.p);
  std::uint64_t maxmem = (std::uint64_t{128} << c.log2_n) * r + (std::uint64_t{16} << 20);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(password.data()),
                                        password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end()};
  std::string key(key_bytes, '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(key.data()), key.size(), params) != 1)
    return std::nullopt;
  return key;
}

struct parsed_hash {
  scrypt_cost cost;
  std::string salt;
  std::string key;
};

// "ln=15,r=8,p=3" -> cost
bool parse_cost(std::string_view text, scrypt_cost& out) {
  auto number = [&text](std::string_view name, int& value) {
    if (!text.starts_with(name)) return false;
    text.remove_prefix(name.size());
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || p == text.data()) return false;
    text.remove_prefix(static_cast<std::size_t>(p - text.data()));
    return true;
  };
  if (!number("ln=", out.log2_n) || !text.starts_with(',')) return false;
  text.remove_prefix(1);
  if (!number("r=", out.r) || !text.starts_with(',')) return false;
  text.remove_prefix(1);
  return number("p=", out.p) && text.empty();
}

std::optional<parsed_hash> parse(std::string_view encoded) {
  if (!encoded.starts_with(prefix)) return std::nullopt;
  encoded.remove_prefix(prefix.size());
  auto d1 = encoded.find('$');
  if (d1 == std::string_view::npos) return std::nullopt;
  auto d2 = encoded.find('$', d1 + 1);
  if (d2 == std::string_view::npos || encoded.find('$', d2 + 1) != std::string_view::npos)
    return std::nullopt;
  parsed_hash out;
  if (!parse_cost(encoded.substr(0, d1), out.cost) || !in_bounds(out.cost)) return std::nullopt;
  auto salt = auth::base64url_decode(encoded.substr(d1 + 1, d2 - d1 - 1));
  auto key = auth::base64url_decode(encoded.substr(d2 + 1));
  if (!salt || !key || salt->size() < 8 || salt->size() > 64 || key->size() != key_bytes) return std::nullopt;
  out.salt = std::move(*salt);
  out.key = std::move(*key);
  return out;
}

}  // namespace

std::optional<std::string> hash_password(std::string_view password, const scrypt_cost& cost) {
  if (!in_bounds(cost)) return std::nullopt;
  std::string salt(salt_bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
    return std::nullopt;
  auto key = derive(password, salt, cost);
  if (!key) return std::nullopt;
  std::string out(prefix);
  out.append("ln=").append(std::to_string(cost.log2_n));
  out.append(",r=").append(std::to_string(cost.r));
  out.append(",p=").append(std::to_string(cost.p));
  out.append("$").append(auth::base64url_encode(salt));
  out.append("$").append(auth::base64url_encode(*key));
  return out;
}

bool is_password_hash(std::string_view encoded) {
  return parse(encoded).has_value();
}

bool verify_password(std::string_view password, std::string_view encoded) {
  auto h = parse(encoded);
  if (!h) return false;
  auto key = derive(password, h->salt, h->cost);
  return key && key->size() == h->key.size() && CRYPTO_memcmp(key->data(), h->key.data(), key->size()) == 0;
}

}  // namespace homebase::gateway::console
