#include "gateway/auth/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <rapidjson/document.h>

#include <cmath>
#include <limits>
#include <memory>

#include "gateway/auth/base64url.hpp"

namespace homebase::gateway::auth {
namespace {

bool fail(std::string* error, std::string why) {
  if (error != nullptr) *error = std::move(why);
  return false;
}

bool parse_object(std::string_view json, rapidjson::Document& doc) {
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  return !doc.HasParseError() && doc.IsObject();
}

// false: present but not a string.
bool read_string(const rapidjson::Value& object, const char* name, std::string& out,
                 bool* present = nullptr) {
  auto it = object.FindMember(name);
  if (present != nullptr) *present = it != object.MemberEnd();
  if (it == object.MemberEnd()) return true;
  if (!it->value.IsString()) return false;
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

bool read_optional_string(const rapidjson::Value& object, const char* name, std::optional<std::string>& out) {
  bool present = false;
  std::string value;
  if (!read_string(object, name, value, &present)) return false;
  if (present) out = std::move(value);
  return true;
}

// A NumericDate (RFC 7519 §2); false when present but not a number within range.
bool read_date(const rapidjson::Value& object, const char* name, std::optional<std::int64_t>& out) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return true;
  const auto& v = it->value;
  if (v.IsInt64()) {
    out = v.GetInt64();
    return true;
  }
  if (v.IsDouble()) {
    double d = v.GetDouble();
    constexpr double limit = 1e15;  // far beyond any date, well within int64
    if (!std::isfinite(d) || d > limit || d < -limit) return false;
    out = static_cast<std::int64_t>(std::floor(d));
    return true;
  }
  return false;
}

bool read_audience(const rapidjson::Value& object, std::vector<std::string>& out) {
  auto it = object.FindMember("aud");
  if (it == object.MemberEnd()) return true;
  const auto& v = it->value;
  if (v.IsString()) {
    out.emplace_back(v.GetString(), v.GetStringLength());
    return true;
  }
  if (!v.IsArray()) return false;
  for (const auto& a : v.GetArray()) {
    if (!a.IsString()) return false;
    out.emplace_back(a.GetString(), a.GetStringLength());
  }
  return true;
}

struct md_ctx_free {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct ecdsa_sig_free {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

bool digest_verify(EVP_PKEY* key, const EVP_MD* md, std::string_view input, const unsigned char* sig,
                   std::size_t sig_len) {
  std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), sig, sig_len, reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

// JOSE's r||s (RFC 7518 §3.4), `half` bytes each, as the DER ECDSA-Sig-Value OpenSSL verifies.
std::optional<std::string> ecdsa_der(std::string_view raw, int half) {
  if (raw.size() != static_cast<std::size_t>(2 * half)) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(bytes, half, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + half, half, nullptr);
  std::unique_ptr<ECDSA_SIG, ecdsa_sig_free> sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || !sig || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int n = i2d_ECDSA_SIG(sig.get(), &der);
  if (n <= 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

}  // namespace

std::optional<decoded_jwt> decode_jwt(std::string_view compact, std::string* error) {
  if (compact.size() > max_jwt_bytes) return fail(error, "the token is too large"), std::nullopt;
  auto first = compact.find('.');
  auto second = first == std::string_view::npos ? first : compact.find('.', first + 1);
  if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos)
    return fail(error, "not a compact JWS (three parts)"), std::nullopt;
  auto header_text = base64url_decode(compact.substr(0, first));
  auto claims_text = base64url_decode(compact.substr(first + 1, second - first - 1));
  auto signature = base64url_decode(compact.substr(second + 1));
  if (!header_text || !claims_text || !signature) return fail(error, "a part is not base64url"), std::nullopt;

  decoded_jwt out;
  rapidjson::Document header;
  if (!parse_object(*header_text, header))
    return fail(error, "the header is not a JSON object"), std::nullopt;
  bool has_alg = false;
  if (!read_string(header, "alg", out.alg, &has_alg) || !has_alg || out.alg.empty())
    return fail(error, "the header needs alg (a string)"), std::nullopt;
  if (!read_string(header, "kid", out.kid) || !read_optional_string(header, "typ", out.typ) ||
      !read_optional_string(header, "jku", out.jku))
    return fail(error, "kid, typ and jku must be strings"), std::nullopt;
  if (header.HasMember("crit")) return fail(error, "crit header parameters are not supported"), std::nullopt;

  rapidjson::Document claims;
  if (!parse_object(*claims_text, claims))
    return fail(error, "the claims are not a JSON object"), std::nullopt;
  if (!read_string(claims, "iss", out.iss) || !read_string(claims, "sub", out.sub) ||
      !read_string(claims, "jti", out.jti))
    return fail(error, "iss, sub and jti must be strings"), std::nullopt;
  if (!read_audience(claims, out.aud)) return fail(error, "aud must be a string or strings"), std::nullopt;
  if (!read_date(claims, "exp", out.exp) || !read_date(claims, "nbf", out.nbf) ||
      !read_date(claims, "iat", out.iat))
    return fail(error, "exp, nbf and iat must be numbers"), std::nullopt;
  out.claims_json = std::move(*claims_text);
  out.signing_input = std::string(compact.substr(0, second));
  out.signature = std::move(*signature);
  return out;
}

bool verify_signature(const decoded_jwt& jwt, const jwk& key) {
  if (!key.key) return false;
  const auto* sig = reinterpret_cast<const unsigned char*>(jwt.signature.data());
  const EVP_MD* md = nullptr;
  if (jwt.alg == "RS256" || jwt.alg == "ES256")
    md = EVP_sha256();
  else if (jwt.alg == "RS384" || jwt.alg == "ES384")
    md = EVP_sha384();
  else if (jwt.alg == "RS512")
    md = EVP_sha512();
  else
    return false;  // none, HS*, anything else: never with a key
  if (jwt.alg.starts_with("RS")) {
    if (key.kty != "RSA" || EVP_PKEY_is_a(key.key.get(), "RSA") != 1) return false;
    if (jwt.signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.key.get()))) return false;
    return digest_verify(key.key.get(), md, jwt.signing_input, sig, jwt.signature.size());
  }
  const bool p256 = jwt.alg == "ES256";
  if (key.kty != "EC" || EVP_PKEY_is_a(key.key.get(), "EC") != 1) return false;
  char group[64] = {};
  if (EVP_PKEY_get_group_name(key.key.get(), group, sizeof group, nullptr) != 1) return false;
  if (std::string_view(group) != (p256 ? "prime256v1" : "secp384r1")) return false;
  auto der = ecdsa_der(jwt.signature, p256 ? 32 : 48);
  if (!der) return false;
  return digest_verify(key.key.get(), md, jwt.signing_input,
                       reinterpret_cast<const unsigned char*>(der->data()), der->size());
}

}  // namespace homebase::gateway::auth
