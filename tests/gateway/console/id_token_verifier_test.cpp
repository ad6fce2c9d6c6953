// The console's ID token check with keys generated here through OpenSSL (RSA 2048 for RS256, EC P-256 for
// ES256): the provider's JWK Set is built from the public keys, tokens are signed with EVP_DigestSign.
#include "gateway/console/id_token_verifier.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <vector>

#include "gateway/auth/base64url.hpp"

namespace homebase::gateway::console {
namespace {

struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

constexpr std::int64_t now = 1'800'000'000;
const std::string issuer = "https://idp.example/realms/practice";
const std::string client_id = "homebase-console";

std::string b64(const std::string& bytes) {
  return auth::base64url_encode(bytes);
}

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &bn), 1);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

std::string rsa_jwk(EVP_PKEY* key, const std::string& kid) {
  return R"({"kty":"RSA","kid":")" + kid + R"(","use":"sig","alg":"RS256","n":")" +
         b64(bn_param(key, OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
         b64(bn_param(key, OSSL_PKEY_PARAM_RSA_E)) + R"("})";
}

std::string ec_jwk(EVP_PKEY* key, const std::string& kid) {
  auto pad = [](std::string s) { return std::string(32 - s.size(), '\0') + s; };
  return R"({"kty":"EC","kid":")" + kid + R"(","crv":"P-256","x":")" +
         b64(pad(bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X))) + R"(","y":")" +
         b64(pad(bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y))) + R"("})";
}

std::string sign(EVP_PKEY* key, const std::string& alg, const std::string& kid, const std::string& claims) {
  std::string input =
      b64(R"({"alg":")" + alg + R"(","kid":")" + kid + R"(","typ":"JWT"})") + "." + b64(claims);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key), 1);
  std::size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size()), 1);
  std::string sig(size, '\0');
  EXPECT_EQ(
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &size, data, input.size()), 1);
  sig.resize(size);
  if (alg == "ES256") {  // DER -> JOSE r||s
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* der = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(der), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(der), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(der);
    sig = raw;
  }
  return input + "." + b64(sig);
}

struct claims_text {
  std::string iss = issuer;
  std::string aud = "\"" + client_id + "\"";
  std::string azp;
  std::string nonce = "n-0S6_WzA2Mj";
  std::int64_t exp = now + 300;
  std::int64_t iat = now - 5;
  std::string sub = "248289761001";
  std::string extra = R"("email":"Jane@North.example","email_verified":true,"name":"Jane Doe")";

  [[nodiscard]] std::string json() const {
    std::string out = R"({"iss":")" + iss + R"(","sub":")" + sub + R"(","aud":)" + aud + R"(,"nonce":")" +
                      nonce + R"(","exp":)" + std::to_string(exp) + R"(,"iat":)" + std::to_string(iat);
    if (!azp.empty()) out += R"(,"azp":")" + azp + "\"";
    if (!extra.empty()) out += "," + extra;
    return out + "}";
  }
};

class id_token_verifier_test : public ::testing::Test {
 protected:
  // The keys are made once for the suite (an RSA key takes a while).
  static void SetUpTestSuite() {
    rsa_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
    ec_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  }
  static void TearDownTestSuite() {
    rsa_.reset();
    ec_.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(rsa_ && ec_);
    // A provider's set also carries keys we cannot use: an encryption key is skipped, not fatal.
    std::string jwks = R"({"keys":[)" + rsa_jwk(rsa_.get(), "rsa-1") + "," + ec_jwk(ec_.get(), "ec-1") +
                       R"(,{"kty":"RSA","kid":"enc-1","use":"enc","alg":"RSA-OAEP","n":"AQAB","e":"AQAB"}]})";
    std::string error;
    auto set = auth::jwk_set::parse(jwks, &error, auth::jwk_source::openid_provider);
    ASSERT_TRUE(set.has_value()) << error;
    keys_ = std::make_unique<auth::jwk_set>(std::move(*set));
    expect_ = {issuer, client_id, "n-0S6_WzA2Mj", now, 60};
  }

  std::variant<id_token_claims, id_token_refusal> verify(const std::string& token) {
    return verify_id_token(token, *keys_, expect_);
  }
  id_token_problem problem(const std::string& token) {
    auto r = verify(token);
    EXPECT_TRUE(std::holds_alternative<id_token_refusal>(r)) << "accepted: " << token;
    return std::holds_alternative<id_token_refusal>(r) ? std::get<id_token_refusal>(r).problem
                                                       : id_token_problem::malformed;
  }
  std::string rs256(const claims_text& c) { return sign(rsa_.get(), "RS256", "rsa-1", c.json()); }

  static inline pkey_ptr rsa_, ec_;
  std::unique_ptr<auth::jwk_set> keys_;
  id_token_expectations expect_;
};

TEST_F(id_token_verifier_test, accepts_a_good_rs256_token_and_reads_its_claims) {
  auto r = verify(rs256({}));
  ASSERT_TRUE(std::holds_alternative<id_token_claims>(r)) << std::get<id_token_refusal>(r).detail;
  const auto& c = std::get<id_token_claims>(r);
  EXPECT_EQ(c.sub, "248289761001");
  EXPECT_EQ(c.email, "Jane@North.example");
  EXPECT_TRUE(c.email_verified);
  EXPECT_EQ(c.name, "Jane Doe");
}

TEST_F(id_token_verifier_test, accepts_a_good_es256_token) {
  auto r = verify(sign(ec_.get(), "ES256", "ec-1", claims_text{}.json()));
  EXPECT_TRUE(std::holds_alternative<id_token_claims>(r)) << std::get<id_token_refusal>(r).detail;
}

TEST_F(id_token_verifier_test, refuses_a_wrong_nonce) {
  claims_text c;
  c.nonce = "someone-elses-nonce";
  EXPECT_EQ(problem(rs256(c)), id_token_problem::wrong_nonce);
  c.extra.clear();
  EXPECT_EQ(problem(sign(rsa_.get(), "RS256", "rsa-1",
                         R"({"iss":")" + issuer + R"(","sub":"x","aud":")" + client_id + R"(","exp":)" +
                             std::to_string(now + 60) + R"(,"iat":)" + std::to_string(now) + "}")),
            id_token_problem::wrong_nonce)
      << "a token without nonce";
}

TEST_F(id_token_verifier_test, refuses_a_wrong_audience_or_azp) {
  claims_text c;
  c.aud = R"("another-client")";
  EXPECT_EQ(problem(rs256(c)), id_token_problem::wrong_audience);
  c.aud = R"(["another-client",")" + client_id + "\"]";
  EXPECT_EQ(problem(rs256(c)), id_token_problem::wrong_audience) << "several audiences need azp";
  c.azp = "another-client";
  EXPECT_EQ(problem(rs256(c)), id_token_problem::wrong_audience);
  c.azp = client_id;
  EXPECT_TRUE(std::holds_alternative<id_token_claims>(verify(rs256(c))));
}

TEST_F(id_token_verifier_test, refuses_a_wrong_issuer) {
  claims_text c;
  c.iss = "https://idp.example/realms/other";
  EXPECT_EQ(problem(rs256(c)), id_token_problem::wrong_issuer);
}

TEST_F(id_token_verifier_test, checks_exp_and_iat_with_the_skew) {
  claims_text c;
  c.exp = now - 30;  // within the 60 s skew
  EXPECT_TRUE(std::holds_alternative<id_token_claims>(verify(rs256(c))));
  c.exp = now - 61;
  EXPECT_EQ(problem(rs256(c)), id_token_problem::expired);
  c = {};
  c.iat = now + 120;
  EXPECT_EQ(problem(rs256(c)), id_token_problem::not_yet_valid);
}

TEST_F(id_token_verifier_test, refuses_a_changed_token_and_a_stranger_key) {
  auto token = rs256({});
  auto tampered = token;
  tampered[tampered.find('.') + 5] ^= 1;  // one character of the claims
  auto p = problem(tampered);
  EXPECT_TRUE(p == id_token_problem::bad_signature || p == id_token_problem::malformed);
  pkey_ptr stranger(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
  EXPECT_EQ(problem(sign(stranger.get(), "RS256", "rsa-1", claims_text{}.json())),
            id_token_problem::bad_signature);
  EXPECT_EQ(problem(sign(stranger.get(), "RS256", "rsa-2", claims_text{}.json())),
            id_token_problem::unknown_key);
}

TEST_F(id_token_verifier_test, refuses_alg_none_and_hs256) {
  auto claims = b64(claims_text{}.json());
  EXPECT_EQ(problem(b64(R"({"alg":"none"})") + "." + claims + "."), id_token_problem::unsupported_alg);
  EXPECT_EQ(problem(b64(R"({"alg":"HS256","kid":"rsa-1"})") + "." + claims + "." + b64("mac")),
            id_token_problem::unsupported_alg);
  // ES256 named on the RSA key's kid: no key fits.
  EXPECT_EQ(problem(sign(ec_.get(), "ES256", "rsa-1", claims_text{}.json())), id_token_problem::unknown_key);
}

TEST_F(id_token_verifier_test, refuses_malformed_tokens) {
  EXPECT_EQ(problem("not-a-token"), id_token_problem::malformed);
  EXPECT_EQ(problem("a.b.c"), id_token_problem::malformed);
  claims_text c;
  c.extra = R"("email_verified":"maybe","email":42)";
  EXPECT_EQ(problem(rs256(c)), id_token_problem::malformed);
}

}  // namespace
}  // namespace homebase::gateway::console
