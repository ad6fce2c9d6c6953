// client_assertion_signer: Homebase as a SMART Backend Services *client* (fhir-rules.md §6.2). Holds our
// private key for one destination and signs the authentication JWT that Homebase posts to that
// destination's token URL (private_key_jwt):
//   header = {"alg": "RS384" | "ES384", "kid": <key_id>, "typ": "JWT"}
//   claims = {"iss": client_id, "sub": client_id, "aud": token_url, "exp": now + 240, "iat": now,
//             "jti": <128 random bits, base64url>}
// The signature is EVP_DigestSign with SHA-384: RSASSA-PKCS1-v1_5 for RS384 (RSA key, >= 2048 bits), ECDSA
// on P-384 for ES384, whose DER signature is converted to JOSE's fixed-size r || s (RFC 7518 §3.4).
// Also prints the public JWK Set of the key, which an operator registers at the destination
// (`homebase jwks`, gateway/cli/jwks_command.hpp).
// Constructed at start-up (throws config::config_error when the key is unusable); afterwards immutable and
// safe to use from any thread (each signature uses its own EVP_MD_CTX).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/gateway_config.hpp"

namespace homebase::gateway::auth {

class client_assertion_signer {
 public:
  // The assertion's lifetime: SMART-02 allows at most five minutes; less leaves room for clock skew.
  static constexpr std::int64_t assertion_lifetime_s = 240;

  // Loads a PEM private key (PKCS#8 or traditional, unencrypted). `algorithm` is "RS384" or "ES384"; empty
  // takes the one that fits the key (RSA -> RS384, EC -> ES384). Throws config::config_error naming
  // `key_file` when the file cannot be read, is not a private key, or does not fit the algorithm.
  client_assertion_signer(const std::string& key_file, std::string key_id, std::string algorithm = {});
  ~client_assertion_signer();
  client_assertion_signer(const client_assertion_signer&) = delete;
  client_assertion_signer& operator=(const client_assertion_signer&) = delete;

  // A signed authentication JWT (compact JWS), or nullopt when OpenSSL fails (never seen in practice; the
  // caller records the attempt as failed).
  [[nodiscard]] std::optional<std::string> sign(std::string_view client_id, std::string_view token_url,
                                                std::int64_t now_s) const;

  // {"keys":[{"kty":"RSA","kid":..,"use":"sig","alg":"RS384","n":..,"e":..}]} or, for EC,
  // {"keys":[{"kty":"EC","kid":..,"use":"sig","alg":"ES384","crv":"P-384","x":..,"y":..}]}.
  [[nodiscard]] std::string public_jwks() const;

  [[nodiscard]] const std::string& algorithm() const { return algorithm_; }
  [[nodiscard]] const std::string& key_id() const { return key_id_; }

 private:
  struct key;
  std::unique_ptr<key> key_;
  std::string key_id_;
  std::string algorithm_;
};

// 16 random bytes (OpenSSL RAND_bytes) as base64url: a JWT ID.
[[nodiscard]] std::optional<std::string> random_jwt_id();

}  // namespace homebase::gateway::auth
