// auth_table: the authorization tables (migration 8 in store/sqlite_store.cpp) behind a domain interface.
//   auth_keys(name, key)               secrets the gateway made for itself, by name: "access_token_hs256",
//                                      the 32 random bytes that sign the access tokens (auth/token_key)
//   auth_jti(iss, jti, expires_ms)     client assertions already used, per issuer, until they expire
//                                      (SMART-06); kept in the store so that a replay is refused also after
//                                      a restart
// read_secret takes the read connection (any thread); keep_secret and remember_jti run inside a store job
// (writer thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::store::auth_table {

// The secret kept under `name`; empty when there is none (or the store failed).
[[nodiscard]] std::string read_secret(sqlite_store& store, std::string_view name);

// Keeps `secret` under `name` unless a secret is kept there already (that one wins: another replica that
// made its secret first). false when the store failed (the job then rolls back).
[[nodiscard]] bool keep_secret(write_tx& tx, std::string_view name, const std::string& secret);

// Records that `iss` used `jti`, valid until `expires_ms` (unix ms). false when that jti was already
// recorded for `iss` and has not expired by `now_ms` (a replay), or when the store failed (the job then
// rolls back). Deletes a bounded number of expired rows as it goes.
[[nodiscard]] bool remember_jti(write_tx& tx, const std::string& iss, const std::string& jti,
                                std::int64_t expires_ms, std::int64_t now_ms = store::now_ms());

}  // namespace homebase::gateway::store::auth_table
