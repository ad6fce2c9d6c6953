// access_token: the bearer tokens Homebase issues from POST /auth/token and checks on every request
// (SMART-13). A token is a compact JWS (HS256 over OpenSSL HMAC) whose claims are
//   {"iss": <public base URL>, "sub": <client_id>, "client_id": ..., "scope": "<v2 scopes>",
//    "iat": s, "exp": s, "jti": <random>}
// signed with a 256-bit key that the store keeps (table auth_keys), so tokens stay valid across a restart
// and need no lookup per request. Tokens are short-lived (auth.token_lifetime, at most 300 s).
// Thread-safe after construction (immutable key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace homebase::gateway::auth {

struct token_claims {
  std::string client_id;
  std::string scope;            // space-separated, v2 spelling
  std::int64_t issued_at = 0;   // unix seconds
  std::int64_t expires_at = 0;  // unix seconds
  std::string jti;
};

enum class token_error { malformed, bad_signature, expired, wrong_issuer };
[[nodiscard]] const char* describe(token_error e);

class access_token_codec {
 public:
  // `key`: 32 random bytes (from the store); `issuer`: the gateway's public base URL.
  access_token_codec(std::string key, std::string issuer);

  [[nodiscard]] std::string issue(const token_claims& claims) const;
  // The claims of a token this gateway issued, unexpired at `now_s`; otherwise why not.
  [[nodiscard]] std::optional<token_claims> verify(std::string_view token, std::int64_t now_s,
                                                   token_error* why = nullptr) const;

 private:
  std::string key_;
  std::string issuer_;
};

}  // namespace homebase::gateway::auth
