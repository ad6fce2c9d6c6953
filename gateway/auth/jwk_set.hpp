// jwk_set: a client's JSON Web Key Set (RFC 7517) as OpenSSL public keys, for checking the signature of
// its SMART Backend Services assertions (../shared/research/fhir-rules.md §6.2, SMART-08).
// Accepted: RSA keys (n, e; 2048 to 8192 bits) and EC keys on P-384 (crv, x, y), each with kty and a kid
// unique in the set. Refused (the whole set): symmetric (`oct`) keys, private members (d, p, q, ...), other
// curves and key types, a `use` other than "sig", sizes out of range, duplicate kids, malformed JSON.
// Parsed once at start-up (token_endpoint) and immutable after: any thread may read it.
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
  std::string alg;  // as written; empty when absent
  std::string use;  // as written; empty when absent
  evp_pkey_ptr key;
};

class jwk_set {
 public:
  // nullopt (and why in `error`) for anything but a well-formed set of acceptable public keys.
  [[nodiscard]] static std::optional<jwk_set> parse(std::string_view json, std::string* error);

  // SMART-08: the single key whose kid matches and whose kty fits `alg` (RSA for RS384, EC P-384 for
  // ES384; a key that names another alg does not fit). nullptr when none or more than one matches, and
  // for any other `alg`.
  [[nodiscard]] const jwk* find(std::string_view kid, std::string_view alg) const;
  [[nodiscard]] const std::vector<jwk>& keys() const { return keys_; }

 private:
  std::vector<jwk> keys_;
};

}  // namespace homebase::gateway::auth
