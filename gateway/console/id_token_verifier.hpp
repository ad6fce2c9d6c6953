// id_token_verifier: checks an OpenID Connect ID token (OpenID Connect Core 1.0 §3.1.3.7) that the
// provider's token endpoint returned to the console's callback (oidc_sign_in):
//   - a compact JWS whose alg is RS256, RS384, RS512, ES256 or ES384 (never none or HS*), signed by a key
//     of the provider's published JWK Set (gateway/auth/jwk_set, source openid_provider), found by kid;
//   - iss equals the configured issuer exactly; aud contains our client_id, and when it names more than one
//     audience, azp is our client_id (an azp, when present, must be ours in any case);
//   - exp is in the future and iat not in the future, each within `skew`; nbf, when present, has passed;
//   - nonce equals the one this sign-in sent (replay of a token from another flow is refused);
//   - sub is present.
// A token signed by a key the set does not hold is refused as unknown_key, so that the caller can fetch
// the provider's keys again (key rotation) and try once more. Pure function over OpenSSL; no exceptions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "gateway/auth/jwk_set.hpp"

namespace homebase::gateway::console {

struct id_token_expectations {
  std::string issuer;
  std::string client_id;
  std::string nonce;
  std::int64_t now_s = 0;
  std::int64_t skew_s = 60;
};

// What the console takes from a verified ID token.
struct id_token_claims {
  std::string sub;
  std::string email;  // as given; empty when absent
  bool email_verified = false;
  std::string name;  // name, else preferred_username; empty when neither
};

enum class id_token_problem {
  malformed,        // not a JWS of a JSON object, or a claim of the wrong type
  unsupported_alg,  // none, HS*, or anything we do not verify
  unknown_key,      // no key of the set fits kid and alg (fetch the keys again)
  bad_signature,
  wrong_issuer,
  wrong_audience,  // aud without our client_id, or azp not ours
  expired,
  not_yet_valid,  // iat (or nbf) in the future beyond the skew
  wrong_nonce,
  no_subject,
};

struct id_token_refusal {
  id_token_problem problem = id_token_problem::malformed;
  std::string detail;  // for the log and the audit trail (no token content beyond claim names)
};

// A short, stable name for the audit trail: "id-token-expired", ...
[[nodiscard]] std::string_view reason_of(id_token_problem problem);

[[nodiscard]] std::variant<id_token_claims, id_token_refusal> verify_id_token(
    std::string_view compact, const auth::jwk_set& keys, const id_token_expectations& expect);

}  // namespace homebase::gateway::console
