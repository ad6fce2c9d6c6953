// token_key: the key that signs our access tokens (auth/access_token): 32 random bytes made with RAND_bytes
// at the first start and kept in the store (store/auth_table, auth_keys "access_token_hs256"), so tokens
// stay valid across a restart and every replica signs with the same key.
// Start-up only: it waits for the store's writer.
#pragma once

#include <string>

#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::auth {

// The access token signing key: read from the store, or made and kept there at the first start. Throws
// std::runtime_error when the store or the random generator fails, or the kept key is damaged.
[[nodiscard]] std::string load_or_create_token_key(store::sqlite_store& store);

}  // namespace homebase::gateway::auth
