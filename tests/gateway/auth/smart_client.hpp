// smart_client: the auth unit tests' access to tests/tools/smart-client.mjs (npm jose), so that every key,
// JWKS and client assertion they use is made by an independent JOSE implementation, never by the code
// under test. Each call is a child process (node); keys are made once per test binary.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace homebase::gateway::auth::testing {

struct client_key {
  std::string alg;  // RS384 | ES384
  std::string kid;
  std::filesystem::path private_pem;
  std::filesystem::path jwks_file;
  std::string jwks_json;  // {"keys":[one public key]}
};

// Made by `smart-client.mjs keygen` on first use and kept for the rest of the test binary.
const client_key& rs384_key();
const client_key& es384_key();

// `smart-client.mjs assertion --key K --alg A --kid KID <args...>`: the compact JWS it prints (empty, with a
// test failure, when it fails).
std::string mint(const client_key& key, const std::vector<std::string>& args);

// Both keys' public JWKs in one set.
std::string combined_jwks(const client_key& a, const client_key& b);

}  // namespace homebase::gateway::auth::testing
