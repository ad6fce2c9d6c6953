// jwt_fuzzer: bytes -> gateway/auth's JWT decoder (compact JWS: base64url header.payload.signature, the
// header and claims JSON) and its JWKS parser (a client's key set: RSA and EC P-384 keys through OpenSSL).
// Both answer bad input with nullopt and a reason; a crash, a leak or a sanitizer report is a finding.
// The same bytes go to both: a JWKS is JSON, and a JWT's segments are base64url of JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/auth/jwk_set.hpp"
#include "gateway/auth/jwt.hpp"

namespace auth = homebase::gateway::auth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  std::string error;
  (void)auth::decode_jwt(text, &error);
  error.clear();
  (void)auth::jwk_set::parse(text, &error);
  return 0;
}
