// jwt: reading a client assertion (a compact JWS, RFC 7515 §7.1, carrying a JWT, RFC 7519) and checking
// its signature with a client's key (jwk_set). Only RS384 (RSASSA-PKCS1-v1_5 with SHA-384) and ES384
// (ECDSA P-384 with SHA-384; JOSE writes r||s, 96 bytes, converted here to the DER that OpenSSL verifies)
// are accepted (SMART-04); `none`, every HS* and any other alg are refused before any key is used.
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
  // What the signature covers ("header.claims" as received) and the signature's bytes.
  std::string signing_input;
  std::string signature;
};

inline constexpr std::size_t max_jwt_bytes = 16 * 1024;

// nullopt (and why in `error`) when `compact` is not three base64url parts of JSON objects whose
// registered members have the right types, or is too large.
[[nodiscard]] std::optional<decoded_jwt> decode_jwt(std::string_view compact, std::string* error);

// Whether the signature is valid for `key`: RS384 with an RSA key or ES384 with an EC P-384 key only.
[[nodiscard]] bool verify_signature(const decoded_jwt& jwt, const jwk& key);

}  // namespace homebase::gateway::auth
