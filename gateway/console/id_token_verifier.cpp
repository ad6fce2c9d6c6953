#include "gateway/console/id_token_verifier.hpp"

#include <rapidjson/document.h>

#include <algorithm>

#include "gateway/auth/jwt.hpp"

namespace homebase::gateway::console {
namespace {

id_token_refusal refuse(id_token_problem problem, std::string detail) {
  return {problem, std::move(detail)};
}

// false: present and not a string.
bool string_claim(const rapidjson::Document& claims, const char* name, std::string& out) {
  auto it = claims.FindMember(name);
  if (it == claims.MemberEnd()) return true;
  if (!it->value.IsString()) return false;
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

bool supported(std::string_view alg) {
  return alg == "RS256" || alg == "RS384" || alg == "RS512" || alg == "ES256" || alg == "ES384";
}

}  // namespace

std::string_view reason_of(id_token_problem problem) {
  switch (problem) {
    case id_token_problem::malformed:
      return "id-token-malformed";
    case id_token_problem::unsupported_alg:
      return "id-token-alg";
    case id_token_problem::unknown_key:
      return "id-token-unknown-key";
    case id_token_problem::bad_signature:
      return "id-token-signature";
    case id_token_problem::wrong_issuer:
      return "id-token-issuer";
    case id_token_problem::wrong_audience:
      return "id-token-audience";
    case id_token_problem::expired:
      return "id-token-expired";
    case id_token_problem::not_yet_valid:
      return "id-token-not-yet-valid";
    case id_token_problem::wrong_nonce:
      return "id-token-nonce";
    case id_token_problem::no_subject:
      return "id-token-no-subject";
  }
  return "id-token-malformed";
}

std::variant<id_token_claims, id_token_refusal> verify_id_token(std::string_view compact,
                                                                const auth::jwk_set& keys,
                                                                const id_token_expectations& expect) {
  std::string why;
  auto jwt = auth::decode_jwt(compact, &why);
  if (!jwt) return refuse(id_token_problem::malformed, why);
  if (!supported(jwt->alg))
    return refuse(id_token_problem::unsupported_alg, "alg " + jwt->alg + " is not accepted");
  const auth::jwk* key = keys.find(jwt->kid, jwt->alg);
  if (key == nullptr)
    return refuse(id_token_problem::unknown_key,
                  "no key of the provider fits kid '" + jwt->kid + "' and " + jwt->alg);
  if (!auth::verify_signature(*jwt, *key))
    return refuse(id_token_problem::bad_signature, "the signature is not valid");
  // Only a token whose signature holds is read any further.
  if (jwt->iss != expect.issuer)
    return refuse(id_token_problem::wrong_issuer, "iss '" + jwt->iss + "' is not '" + expect.issuer + "'");
  if (std::find(jwt->aud.begin(), jwt->aud.end(), expect.client_id) == jwt->aud.end())
    return refuse(id_token_problem::wrong_audience, "aud does not name client_id '" + expect.client_id + "'");

  rapidjson::Document claims;
  claims.Parse(jwt->claims_json.data(), jwt->claims_json.size());
  if (claims.HasParseError() || !claims.IsObject()) return refuse(id_token_problem::malformed, "claims");
  std::string azp, nonce;
  id_token_claims out;
  if (!string_claim(claims, "azp", azp) || !string_claim(claims, "nonce", nonce) ||
      !string_claim(claims, "email", out.email) || !string_claim(claims, "name", out.name))
    return refuse(id_token_problem::malformed, "azp, nonce, email and name must be strings");
  if (out.name.empty() && !string_claim(claims, "preferred_username", out.name))
    return refuse(id_token_problem::malformed, "preferred_username must be a string");
  if ((jwt->aud.size() > 1 || !azp.empty()) && azp != expect.client_id)
    return refuse(id_token_problem::wrong_audience, "azp is not client_id '" + expect.client_id + "'");

  if (!jwt->exp) return refuse(id_token_problem::malformed, "exp is required");
  if (!jwt->iat) return refuse(id_token_problem::malformed, "iat is required");
  if (*jwt->exp + expect.skew_s <= expect.now_s) return refuse(id_token_problem::expired, "exp has passed");
  if (*jwt->iat - expect.skew_s > expect.now_s)
    return refuse(id_token_problem::not_yet_valid, "iat is in the future");
  if (jwt->nbf && *jwt->nbf - expect.skew_s > expect.now_s)
    return refuse(id_token_problem::not_yet_valid, "nbf is in the future");
  // The nonce binds the token to this browser's sign-in (Core §3.1.2.1); we always send one.
  if (expect.nonce.empty() || nonce != expect.nonce)
    return refuse(id_token_problem::wrong_nonce, "nonce is not the one this sign-in sent");
  if (jwt->sub.empty()) return refuse(id_token_problem::no_subject, "sub is required");
  out.sub = jwt->sub;
  auto verified = claims.FindMember("email_verified");
  if (verified != claims.MemberEnd()) {
    // Some providers write the boolean as a string.
    if (verified->value.IsBool())
      out.email_verified = verified->value.GetBool();
    else if (verified->value.IsString())
      out.email_verified = std::string_view(verified->value.GetString()) == "true";
    else
      return refuse(id_token_problem::malformed, "email_verified must be a boolean");
  }
  return out;
}

}  // namespace homebase::gateway::console
