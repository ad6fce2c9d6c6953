// auth_store: the rows of the authorization tables (migration 8 in store/sqlite_store.cpp) and the SQL
// that reads and writes them.
//   auth_keys(name, key)               secrets the gateway made for itself: "access_token_hs256", the 32
//                                      random bytes that sign the access tokens (access_token_codec)
//   auth_jti(iss, jti, expires_ms)     client assertions already used, per issuer, until they expire
//                                      (SMART-06); kept in the store so that a replay is refused also after
//                                      a restart
// load_or_create_token_key runs once at start-up (it waits for the writer and may throw); remember_jti
// runs inside a store job (writer thread).
#pragma once

#include <cstdint>
#include <string>

#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::auth {

// The access token signing key: read from auth_keys, or made with RAND_bytes and kept there at the first
// start. Start-up only; throws std::runtime_error when the store or the random generator fails.
[[nodiscard]] std::string load_or_create_token_key(store::sqlite_store& store);

// Records that `iss` used `jti`, valid until `expires_ms` (unix ms). false when that jti was already
// recorded for `iss` and has not expired by `now_ms` (a replay), or when the store failed (the job then
// rolls back). Deletes a bounded number of expired rows as it goes.
[[nodiscard]] bool remember_jti(store::write_tx& tx, const std::string& iss, const std::string& jti,
                                std::int64_t expires_ms, std::int64_t now_ms = store::now_ms());

}  // namespace homebase::gateway::auth
