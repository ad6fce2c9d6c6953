#include "gateway/auth/jwk_set.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <rapidjson/document.h>

#include <algorithm>

#include "gateway/auth/base64url.hpp"

namespace homebase::gateway::auth {
namespace {

constexpr std::size_t max_jwks_bytes = 256 * 1024;
constexpr std::size_t max_keys = 64;
constexpr std::size_t max_kid_length = 256;
constexpr std::size_t min_rsa_bytes = 2048 / 8;
constexpr std::size_t max_rsa_bytes = 8192 / 8;
constexpr std::size_t max_exponent_bytes = 8;

struct bn_free {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct param_bld_free {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct param_free {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct pkey_ctx_free {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

bool fail(std::string* error, std::string why) {
  if (error != nullptr) *error = std::move(why);
  return false;
}

// A member that must be a string, when present. false: present but not a string.
bool string_member(const rapidjson::Value& object, const char* name, std::string& out) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return true;
  if (!it->value.IsString()) return false;
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

std::optional<std::string> bytes_member(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return base64url_decode(std::string_view(it->value.GetString(), it->value.GetStringLength()));
}

std::string_view strip_leading_zeros(std::string_view bytes) {
  while (!bytes.empty() && bytes.front() == '\0') bytes.remove_prefix(1);
  return bytes;
}

// Builds a public EVP_PKEY of `type` ("RSA", "EC") from parameters, then checks it as OpenSSL sees it.
evp_pkey_ptr from_params(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, param_free> params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return nullptr;
  std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return nullptr;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) return nullptr;
  evp_pkey_ptr key(raw);
  std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
  return key;
}

evp_pkey_ptr rsa_key(const rapidjson::Value& object, std::string* error) {
  auto n = bytes_member(object, "n");
  auto e = bytes_member(object, "e");
  if (!n || !e) return fail(error, "an RSA key needs n and e (base64url)"), nullptr;
  auto modulus = strip_leading_zeros(*n);
  auto exponent = strip_leading_zeros(*e);
  if (modulus.size() < min_rsa_bytes || modulus.size() > max_rsa_bytes)
    return fail(error, "an RSA key must have 2048 to 8192 bits"), nullptr;
  if (exponent.empty() || exponent.size() > max_exponent_bytes || (exponent.back() & 1) == 0 ||
      (exponent.size() == 1 && static_cast<unsigned char>(exponent.front()) < 3))
    return fail(error, "an RSA key's exponent e is not acceptable"), nullptr;
  std::unique_ptr<BIGNUM, bn_free> bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(modulus.data()),
                                                  static_cast<int>(modulus.size()), nullptr));
  std::unique_ptr<BIGNUM, bn_free> bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(exponent.data()),
                                                  static_cast<int>(exponent.size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, param_bld_free> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
    return fail(error, "cannot build the RSA key"), nullptr;
  auto key = from_params("RSA", bld.get());
  if (!key) fail(error, "OpenSSL refuses the RSA key");
  return key;
}

// The curve of an EC key and the size of its coordinates; nullptr for a curve we do not take from `source`.
struct curve {
  const char* jose_name;
  const char* openssl_name;
  std::size_t coordinate_bytes;
  const char* alg;
};
constexpr curve p256{"P-256", "prime256v1", 32, "ES256"};
constexpr curve p384{"P-384", "secp384r1", 48, "ES384"};

const curve* curve_named(std::string_view crv, jwk_source source) {
  if (crv == p384.jose_name) return &p384;
  if (crv == p256.jose_name && source == jwk_source::openid_provider) return &p256;
  return nullptr;
}

evp_pkey_ptr ec_key(const rapidjson::Value& object, const curve& c, std::string* error) {
  auto x = bytes_member(object, "x");
  auto y = bytes_member(object, "y");
  if (!x || !y) return fail(error, "an EC key needs x and y (base64url)"), nullptr;
  if (x->size() != c.coordinate_bytes || y->size() != c.coordinate_bytes)
    return fail(error, std::string("a ") + c.jose_name + " key's x and y are " +
                           std::to_string(c.coordinate_bytes) + " bytes each"),
           nullptr;
  std::string point = "\x04" + *x + *y;  // uncompressed SEC 1 point
  std::unique_ptr<OSSL_PARAM_BLD, param_bld_free> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, c.openssl_name, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
    return fail(error, "cannot build the EC key"), nullptr;
  auto key = from_params("EC", bld.get());
  if (!key) fail(error, std::string("OpenSSL refuses the EC key (not a point on ") + c.jose_name + ")");
  return key;
}

bool is_rsa_alg(std::string_view alg, jwk_source source) {
  if (alg == "RS384") return true;
  return source == jwk_source::openid_provider && (alg == "RS256" || alg == "RS512");
}

bool read_key(const rapidjson::Value& object, jwk& out, jwk_source source, std::string* error) {
  if (!object.IsObject()) return fail(error, "a key must be a JSON object");
  if (!string_member(object, "kty", out.kty) || out.kty.empty()) return fail(error, "a key needs kty");
  if (!string_member(object, "kid", out.kid)) return fail(error, "kid must be a string");
  if (out.kid.empty() && source == jwk_source::smart_client) return fail(error, "a key needs kid");
  if (out.kid.size() > max_kid_length) return fail(error, "kid is too long");
  if (!string_member(object, "alg", out.alg)) return fail(error, "alg must be a string");
  if (!string_member(object, "use", out.use)) return fail(error, "use must be a string");
  const std::string where = "key '" + out.kid + "': ";
  if (out.kty == "oct") return fail(error, where + "symmetric (oct) keys are refused");
  for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
    if (object.HasMember(secret))
      return fail(error, where + "has the private member '" + secret + "'; give only public keys");
  if (!out.use.empty() && out.use != "sig") return fail(error, where + "use must be sig");
  std::string why;
  if (out.kty == "RSA") {
    if (!out.alg.empty() && !is_rsa_alg(out.alg, source))
      return fail(error, where + "alg " + out.alg +
                             (source == jwk_source::smart_client ? " is not RS384"
                                                                 : " is not RS256, RS384 or RS512"));
    out.key = rsa_key(object, &why);
  } else if (out.kty == "EC") {
    if (!string_member(object, "crv", out.crv) || out.crv.empty())
      return fail(error, where + "an EC key needs crv");
    const curve* c = curve_named(out.crv, source);
    if (c == nullptr)
      return fail(error, where + "EC curve '" + out.crv + "' is not supported (only " +
                             (source == jwk_source::smart_client ? "P-384)" : "P-256 and P-384)"));
    if (!out.alg.empty() && out.alg != c->alg)
      return fail(error, where + "alg " + out.alg + " is not " + c->alg);
    out.key = ec_key(object, *c, &why);
  } else {
    return fail(error, where + "kty '" + out.kty + "' is not supported (RSA or EC)");
  }
  if (!out.key) return fail(error, where + why);
  return true;
}

}  // namespace

std::optional<jwk_set> jwk_set::parse(std::string_view json, std::string* error, jwk_source source) {
  if (json.size() > max_jwks_bytes) return fail(error, "the JWK Set is too large"), std::nullopt;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return fail(error, "not a JSON object"), std::nullopt;
  auto keys = doc.FindMember("keys");
  if (keys == doc.MemberEnd() || !keys->value.IsArray())
    return fail(error, "a JWK Set needs a keys array"), std::nullopt;
  if (keys->value.Empty()) return fail(error, "the JWK Set has no keys"), std::nullopt;
  if (keys->value.Size() > max_keys) return fail(error, "the JWK Set has too many keys"), std::nullopt;
  jwk_set out;
  out.source_ = source;
  std::string skipped;  // openid_provider: why the last unusable key was skipped
  for (const auto& value : keys->value.GetArray()) {
    jwk key;
    std::string why;
    bool unique = true;
    if (read_key(value, key, source, &why))
      unique = key.kid.empty() || std::none_of(out.keys_.begin(), out.keys_.end(),
                                               [&](const jwk& k) { return k.kid == key.kid; });
    else
      key.key.reset();
    if (!unique) why = "kid '" + key.kid + "' is not unique";
    if (key.key && unique) {
      out.keys_.push_back(std::move(key));
      continue;
    }
    if (source == jwk_source::smart_client) return fail(error, why), std::nullopt;
    skipped = why;
  }
  if (out.keys_.empty()) return fail(error, "no usable signing key (" + skipped + ")"), std::nullopt;
  return out;
}

const jwk* jwk_set::find(std::string_view kid, std::string_view alg) const {
  std::string_view kty;
  std::string_view crv;
  const bool provider = source_ == jwk_source::openid_provider;
  if (alg == "RS384" || (provider && (alg == "RS256" || alg == "RS512"))) {
    kty = "RSA";
  } else if (alg == "ES384") {
    kty = "EC";
    crv = "P-384";
  } else if (provider && alg == "ES256") {
    kty = "EC";
    crv = "P-256";
  } else {
    return nullptr;
  }
  if (kid.empty() && !provider) return nullptr;
  const jwk* found = nullptr;
  for (const auto& k : keys_) {
    if ((!kid.empty() && k.kid != kid) || k.kty != kty || k.crv != crv || (!k.alg.empty() && k.alg != alg))
      continue;
    if (found != nullptr) return nullptr;  // more than one: the verification fails (SMART-08)
    found = &k;
  }
  return found;
}

}  // namespace homebase::gateway::auth
