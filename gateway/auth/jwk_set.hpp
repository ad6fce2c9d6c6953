// jwk_set: a JSON Web Key Set (RFC 7517) as OpenSSL public keys, from one of two sources:
//   - a SMART client's set, for checking the signature of its Backend Services assertions
//     (../shared/research/fhir-rules.md §6.2, SMART-08). Accepted: RSA keys (n, e; 2048 to 8192 bits) and
//     EC keys on P-384 (crv, x, y), each with kty and a kid unique in the set. Refused (the whole set):
//     symmetric (`oct`) keys, private members (d, p, q, ...), other curves and key types, a `use` other
//     than "sig", sizes out of range, duplicate kids, malformed JSON.
//   - an OpenID provider's published set (jwks_uri), for checking ID tokens (gateway/console/oidc_sign_in).
//     Such a set also carries keys we do not use (encryption keys, other algorithms, certificates), so a
//     key that is not acceptable is skipped, not fatal; the kid may be absent; RSA keys fit RS256, RS384
//     and RS512, EC keys P-256 (ES256) and P-384 (ES384). The set is refused only when no key is usable.
// A client's set is parsed once at start-up (token_endpoint); a provider's when fetched. Immutable after:
// any thread may read it.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace homebase::gateway::auth {

struct evp_pkey_free {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using evp_pkey_ptr = std::unique_ptr<EVP_PKEY, evp_pkey_free>;

// One public key of the set. Owns its EVP_PKEY.
struct jwk {
  std::string kid;
  std::string kty;  // "RSA" or "EC"
  std::string crv;  // EC: "P-256" or "P-384"; empty for RSA
  std::string alg;  // as written; empty when absent
  std::string use;  // as written; empty when absent
  evp_pkey_ptr key;
};

enum class jwk_source { smart_client, openid_provider };

class jwk_set {
 public:
  // nullopt (and why in `error`) for anything but a well-formed set of acceptable public keys
  // (smart_client), or a set without one usable key (openid_provider).
  [[nodiscard]] static std::optional<jwk_set> parse(std::string_view json, std::string* error,
                                                    jwk_source source = jwk_source::smart_client);

  // SMART-08: the single key whose kid matches and whose kty fits `alg` (RSA for RS384, EC P-384 for
  // ES384; a key that names another alg does not fit). nullptr when none or more than one matches, and
  // for any other `alg`. An openid_provider set also fits RS256, RS512 (RSA) and ES256 (EC P-256), and
  // an empty `kid` finds the one key that fits `alg` when there is exactly one (OpenID Connect Core §10.1).
  [[nodiscard]] const jwk* find(std::string_view kid, std::string_view alg) const;
  [[nodiscard]] const std::vector<jwk>& keys() const { return keys_; }

 private:
  std::vector<jwk> keys_;
  jwk_source source_ = jwk_source::smart_client;
};

}  // namespace homebase::gateway::auth
