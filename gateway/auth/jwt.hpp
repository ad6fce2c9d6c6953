// jwt: reading a compact JWS (RFC 7515 §7.1) carrying a JWT (RFC 7519): a SMART client assertion or an
// OpenID Connect ID token, and checking its signature with a key of a jwk_set. Accepted algorithms:
// RS256, RS384, RS512 (RSASSA-PKCS1-v1_5 with SHA-256/384/512), ES256 (ECDSA P-256 with SHA-256) and ES384
// (ECDSA P-384 with SHA-384); JOSE writes ECDSA's r||s (64 or 96 bytes), converted here to the DER that
// OpenSSL verifies. `none`, every HS* and any other alg are refused before any key is used. Callers narrow
// further: the token endpoint takes only RS384 and ES384 (SMART-04); a SMART client's jwk_set holds no
// key that fits the others.
// Grammar: BASE64URL(header JSON) "." BASE64URL(claims JSON) "." BASE64URL(signature), at most 16 KiB.
// Pure functions over OpenSSL 3 EVP; no exceptions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/auth/jwk_set.hpp"

namespace homebase::gateway::auth {

struct decoded_jwt {
  // Header (JOSE). Absent strings are empty; typ and jku keep whether they were present.
  std::string alg;
  std::string kid;
  std::optional<std::string> typ;
  std::optional<std::string> jku;
  // Claims. Numeric dates are unix seconds (a fraction is dropped).
  std::string iss;
  std::string sub;
  std::vector<std::string> aud;  // a string or an array of strings in the token
  std::optional<std::int64_t> exp;
  std::optional<std::int64_t> nbf;
  std::optional<std::int64_t> iat;
  std::string jti;
  // The claims as decoded JSON text, for the members a caller reads itself (an ID token's nonce, azp, ...).
  std::string claims_json;
  // What the signature covers ("header.claims" as received) and the signature's bytes.
  std::string signing_input;
  std::string signature;
};

inline constexpr std::size_t max_jwt_bytes = 16 * 1024;

// nullopt (and why in `error`) when `compact` is not three base64url parts of JSON objects whose
// registered members have the right types, or is too large.
[[nodiscard]] std::optional<decoded_jwt> decode_jwt(std::string_view compact, std::string* error);

// Whether the signature is valid for `key`: RS256/RS384/RS512 with an RSA key, ES256 with an EC P-256 key,
// ES384 with an EC P-384 key; false for anything else.
[[nodiscard]] bool verify_signature(const decoded_jwt& jwt, const jwk& key);

}  // namespace homebase::gateway::auth
