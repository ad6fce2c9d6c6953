#include "gateway/auth/client_assertion_signer.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>
#include <vector>

#include "gateway/auth/base64url.hpp"

namespace homebase::gateway::auth {
namespace {

constexpr int p384_coordinate_bytes = 48;  // RFC 7518 §3.4: ES384 r and s, §6.2.1.2: x and y

struct bio_deleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct md_ctx_deleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct bn_deleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct ecdsa_sig_deleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;

// Never prompt on a terminal for a passphrase: an encrypted key is refused.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

std::string bn_bytes(const BIGNUM* bn, int width) {
  int size = width > 0 ? width : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(size), '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size) != size) return {};
  return out;
}

bn_ptr bn_param(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) return nullptr;
  return bn_ptr(bn);
}

std::string json_object(std::initializer_list<std::pair<const char*, std::string_view>> strings,
                        std::initializer_list<std::pair<const char*, std::int64_t>> numbers = {}) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& [name, value] : strings) {
    w.Key(name);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  for (const auto& [name, value] : numbers) {
    w.Key(name);
    w.Int64(value);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

struct client_assertion_signer::key {
  EVP_PKEY* pkey = nullptr;
  bool ec = false;
  ~key() { EVP_PKEY_free(pkey); }
};

client_assertion_signer::client_assertion_signer(const std::string& key_file, std::string key_id,
                                                 std::string algorithm)
    : key_(std::make_unique<key>()), key_id_(std::move(key_id)), algorithm_(std::move(algorithm)) {
  auto fail = [&](const std::string& why) {
    throw config::config_error("private key '" + key_file + "': " + why);
  };
  std::unique_ptr<BIO, bio_deleter> bio(BIO_new_file(key_file.c_str(), "r"));
  if (!bio) fail("cannot be read");
  key_->pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (key_->pkey == nullptr) fail("is not an unencrypted PEM private key");
  if (key_id_.empty()) fail("needs a key id (kid)");
  if (EVP_PKEY_is_a(key_->pkey, "RSA")) {
    if (algorithm_.empty()) algorithm_ = "RS384";
    if (algorithm_ != "RS384") fail("an RSA key signs RS384, not " + algorithm_);
    if (EVP_PKEY_get_bits(key_->pkey) < 2048) fail("an RSA key needs at least 2048 bits");
  } else if (EVP_PKEY_is_a(key_->pkey, "EC")) {
    key_->ec = true;
    if (algorithm_.empty()) algorithm_ = "ES384";
    if (algorithm_ != "ES384") fail("an EC key signs ES384, not " + algorithm_);
    char group[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key_->pkey, group, sizeof group, &length) != 1 ||
        (std::strcmp(group, "secp384r1") != 0 && std::strcmp(group, "P-384") != 0))
      fail("ES384 needs an EC key on P-384 (secp384r1)");
  } else {
    fail("must be an RSA (RS384) or EC P-384 (ES384) key");
  }
  // Sign once now, so that a key OpenSSL cannot use fails at start-up and not at the first delivery.
  if (!sign("start-up-check", "https://localhost/token", 0)) fail("cannot sign with it");
}

client_assertion_signer::~client_assertion_signer() = default;

std::optional<std::string> client_assertion_signer::sign(std::string_view client_id,
                                                         std::string_view token_url,
                                                         std::int64_t now_s) const {
  auto jti = random_jwt_id();
  if (!jti) return std::nullopt;
  std::string header = json_object({{"alg", algorithm_}, {"kid", key_id_}, {"typ", "JWT"}});
  std::string claims =
      json_object({{"iss", client_id}, {"sub", client_id}, {"aud", token_url}, {"jti", *jti}},
                  {{"exp", now_s + assertion_lifetime_s}, {"iat", now_s}});
  std::string input = base64url_encode(header) + "." + base64url_encode(claims);

  std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key_->pkey) != 1)
    return std::nullopt;
  std::size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size()) != 1) return std::nullopt;
  std::vector<unsigned char> signature(size);
  if (EVP_DigestSign(ctx.get(), signature.data(), &size, data, input.size()) != 1) return std::nullopt;
  signature.resize(size);

  std::string jose_signature;
  if (key_->ec) {
    // DER SEQUENCE { r INTEGER, s INTEGER } -> r || s, each left-padded to 48 bytes.
    const unsigned char* p = signature.data();
    std::unique_ptr<ECDSA_SIG, ecdsa_sig_deleter> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(size)));
    if (!sig) return std::nullopt;
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    auto r_bytes = bn_bytes(r, p384_coordinate_bytes);
    auto s_bytes = bn_bytes(s, p384_coordinate_bytes);
    if (r_bytes.empty() || s_bytes.empty()) return std::nullopt;
    jose_signature = r_bytes + s_bytes;
  } else {
    jose_signature.assign(reinterpret_cast<const char*>(signature.data()), signature.size());
  }
  return input + "." + base64url_encode(jose_signature);
}

std::string client_assertion_signer::public_jwks() const {
  std::string jwk;
  if (key_->ec) {
    auto x = bn_param(key_->pkey, OSSL_PKEY_PARAM_EC_PUB_X);
    auto y = bn_param(key_->pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
    if (!x || !y) return {};
    jwk = json_object({{"kty", "EC"},
                       {"kid", key_id_},
                       {"use", "sig"},
                       {"alg", algorithm_},
                       {"crv", "P-384"},
                       {"x", base64url_encode(bn_bytes(x.get(), p384_coordinate_bytes))},
                       {"y", base64url_encode(bn_bytes(y.get(), p384_coordinate_bytes))}});
  } else {
    auto n = bn_param(key_->pkey, OSSL_PKEY_PARAM_RSA_N);
    auto e = bn_param(key_->pkey, OSSL_PKEY_PARAM_RSA_E);
    if (!n || !e) return {};
    jwk = json_object({{"kty", "RSA"},
                       {"kid", key_id_},
                       {"use", "sig"},
                       {"alg", algorithm_},
                       {"n", base64url_encode(bn_bytes(n.get(), 0))},
                       {"e", base64url_encode(bn_bytes(e.get(), 0))}});
  }
  return R"({"keys":[)" + jwk + "]}";
}

std::optional<std::string> random_jwt_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return std::nullopt;
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace homebase::gateway::auth
