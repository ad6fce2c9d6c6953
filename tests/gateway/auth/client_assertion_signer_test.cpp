// The SMART client assertion Homebase signs: its header and claims, a signature that OpenSSL verifies with
// the public key (ES384 in JOSE's r || s form), the JWKS it publishes, and keys refused at start-up.
// (tests/integration/outbound_credentials_test.cpp has npm jose, an independent implementation, verify
// the same assertions against the JWKS `homebase jwks` prints.)
#include "gateway/auth/client_assertion_signer.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <vector>

#include "gateway/auth/base64url.hpp"

namespace homebase::gateway::auth {
namespace {

namespace fs = std::filesystem;

struct pkey_deleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;

class client_assertion_signer_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("homebase-signer-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string write_key(const std::string& name, EVP_PKEY* key) {
    auto path = (dir_ / name).string();
    FILE* f = std::fopen(path.c_str(), "w");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
    std::fclose(f);
    return path;
  }
  std::string write_text(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
    return path;
  }
  fs::path dir_;
};

pkey_ptr rsa_key(unsigned bits = 2048) {
  return pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{bits}));
}
pkey_ptr ec_key(const char* curve) {
  return pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}

struct jwt_parts {
  rapidjson::Document header;
  rapidjson::Document claims;
  std::string signing_input;
  std::string signature;
};

bool split(const std::string& jwt, jwt_parts& out) {
  auto first = jwt.find('.');
  auto second = jwt.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos) return false;
  auto header = base64url_decode(std::string_view(jwt).substr(0, first));
  auto claims = base64url_decode(std::string_view(jwt).substr(first + 1, second - first - 1));
  auto signature = base64url_decode(std::string_view(jwt).substr(second + 1));
  if (!header || !claims || !signature) return false;
  out.header.Parse(header->c_str());
  out.claims.Parse(claims->c_str());
  out.signing_input = jwt.substr(0, second);
  out.signature = *signature;
  return !out.header.HasParseError() && !out.claims.HasParseError();
}

bool verify(EVP_PKEY* key, const std::string& input, const std::string& der_or_raw) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der_or_raw.data()),
                          der_or_raw.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

// JOSE r || s (48 + 48 bytes) -> DER, as OpenSSL verifies it.
std::string to_der(const std::string& raw) {
  if (raw.size() != 96) return {};
  ECDSA_SIG* sig = ECDSA_SIG_new();
  auto* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 48, nullptr);
  auto* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 48, 48, nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  int size = i2d_ECDSA_SIG(sig, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(size));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

std::string bn_param(EVP_PKEY* key, const char* name, int width = 0) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<std::size_t>(width ? width : BN_num_bytes(bn)), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
  BN_free(bn);
  return out;
}

std::string member(const rapidjson::Value& v, const char* name) {
  return v.HasMember(name) && v[name].IsString() ? v[name].GetString() : "";
}

TEST_F(client_assertion_signer_test, rs384_assertion_carries_the_smart_header_and_claims_and_verifies) {
  auto key = rsa_key();
  client_assertion_signer signer(write_key("rsa.pem", key.get()), "homebase-2026");
  EXPECT_EQ(signer.algorithm(), "RS384");  // from the key
  auto jwt = signer.sign("homebase", "https://ehr.meadowbrook.example/auth/token", 1'800'000'000);
  ASSERT_TRUE(jwt);
  jwt_parts parts;
  ASSERT_TRUE(split(*jwt, parts)) << *jwt;
  EXPECT_EQ(member(parts.header, "alg"), "RS384");
  EXPECT_EQ(member(parts.header, "kid"), "homebase-2026");
  EXPECT_EQ(member(parts.header, "typ"), "JWT");
  EXPECT_EQ(member(parts.claims, "iss"), "homebase");
  EXPECT_EQ(member(parts.claims, "sub"), "homebase");
  EXPECT_EQ(member(parts.claims, "aud"), "https://ehr.meadowbrook.example/auth/token");
  EXPECT_EQ(parts.claims["iat"].GetInt64(), 1'800'000'000);
  auto exp = parts.claims["exp"].GetInt64();
  EXPECT_GT(exp, 1'800'000'000);
  EXPECT_LE(exp, 1'800'000'000 + 300);  // SMART: no more than five minutes ahead
  EXPECT_GE(member(parts.claims, "jti").size(), 20u);
  EXPECT_TRUE(verify(key.get(), parts.signing_input, parts.signature));
  EXPECT_FALSE(verify(key.get(), parts.signing_input + "x", parts.signature));
}

TEST_F(client_assertion_signer_test, es384_signature_is_jose_raw_r_and_s_and_verifies) {
  auto key = ec_key("P-384");
  client_assertion_signer signer(write_key("ec.pem", key.get()), "ec-1", "ES384");
  // ECDSA signatures are random: several, so that short r or s values (which DER writes shorter) occur
  // with some probability and are padded.
  for (int i = 0; i < 20; ++i) {
    auto jwt = signer.sign("homebase", "https://x.example/token", 1'800'000'000);
    ASSERT_TRUE(jwt);
    jwt_parts parts;
    ASSERT_TRUE(split(*jwt, parts));
    EXPECT_EQ(member(parts.header, "alg"), "ES384");
    ASSERT_EQ(parts.signature.size(), 96u);
    EXPECT_TRUE(verify(key.get(), parts.signing_input, to_der(parts.signature)));
  }
}

TEST_F(client_assertion_signer_test, every_assertion_has_its_own_jti) {
  auto key = ec_key("P-384");
  client_assertion_signer signer(write_key("ec.pem", key.get()), "ec-1");
  jwt_parts a, b;
  ASSERT_TRUE(split(*signer.sign("c", "https://x.example/token", 1), a));
  ASSERT_TRUE(split(*signer.sign("c", "https://x.example/token", 1), b));
  EXPECT_NE(member(a.claims, "jti"), member(b.claims, "jti"));
}

TEST_F(client_assertion_signer_test, claims_are_json_escaped) {
  auto key = ec_key("P-384");
  client_assertion_signer signer(write_key("ec.pem", key.get()), "k\"1");
  jwt_parts parts;
  ASSERT_TRUE(split(*signer.sign("a\"b\\c", "https://x.example/token", 1), parts));
  EXPECT_EQ(member(parts.claims, "iss"), "a\"b\\c");
  EXPECT_EQ(member(parts.header, "kid"), "k\"1");
}

TEST_F(client_assertion_signer_test, rsa_jwks_carries_the_modulus_and_exponent) {
  auto key = rsa_key();
  client_assertion_signer signer(write_key("rsa.pem", key.get()), "rsa-1");
  rapidjson::Document jwks;
  jwks.Parse(signer.public_jwks().c_str());
  ASSERT_TRUE(jwks.IsObject() && jwks["keys"].IsArray() && jwks["keys"].Size() == 1u) << signer.public_jwks();
  const auto& jwk = jwks["keys"][0];
  EXPECT_EQ(member(jwk, "kty"), "RSA");
  EXPECT_EQ(member(jwk, "kid"), "rsa-1");
  EXPECT_EQ(member(jwk, "alg"), "RS384");
  EXPECT_EQ(member(jwk, "use"), "sig");
  EXPECT_EQ(base64url_decode(member(jwk, "n")), bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N));
  EXPECT_EQ(member(jwk, "e"), "AQAB");
  EXPECT_FALSE(jwk.HasMember("d"));  // never the private part
  EXPECT_EQ(signer.public_jwks().find("\"d\""), std::string::npos);
}

TEST_F(client_assertion_signer_test, ec_jwks_carries_the_p384_point) {
  auto key = ec_key("P-384");
  client_assertion_signer signer(write_key("ec.pem", key.get()), "ec-1");
  rapidjson::Document jwks;
  jwks.Parse(signer.public_jwks().c_str());
  ASSERT_TRUE(jwks.IsObject() && jwks["keys"].IsArray() && jwks["keys"].Size() == 1u);
  const auto& jwk = jwks["keys"][0];
  EXPECT_EQ(member(jwk, "kty"), "EC");
  EXPECT_EQ(member(jwk, "crv"), "P-384");
  EXPECT_EQ(member(jwk, "alg"), "ES384");
  EXPECT_EQ(base64url_decode(member(jwk, "x")), bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_X, 48));
  EXPECT_EQ(base64url_decode(member(jwk, "y")), bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 48));
  EXPECT_FALSE(jwk.HasMember("d"));
}

TEST_F(client_assertion_signer_test, unusable_keys_are_refused_at_start_up) {
  auto rsa = rsa_key();
  auto rsa_file = write_key("rsa.pem", rsa.get());
  auto p256 = ec_key("P-256");
  auto small = rsa_key(1024);
  EXPECT_THROW(client_assertion_signer((dir_ / "missing.pem").string(), "k"), config::config_error);
  EXPECT_THROW(client_assertion_signer(write_text("junk.pem", "not a key\n"), "k"), config::config_error);
  EXPECT_THROW(client_assertion_signer(rsa_file, "k", "ES384"), config::config_error);  // RSA cannot ES384
  EXPECT_THROW(client_assertion_signer(write_key("p256.pem", p256.get()), "k", "ES384"),
               config::config_error);
  EXPECT_THROW(client_assertion_signer(write_key("small.pem", small.get()), "k"), config::config_error);
  EXPECT_THROW(client_assertion_signer(rsa_file, ""), config::config_error);  // no kid
  {  // an encrypted key is refused, without asking for a passphrase on a terminal
    auto path = (dir_ / "encrypted.pem").string();
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    unsigned char passphrase[] = "secret";
    EXPECT_EQ(PEM_write_PrivateKey(f, rsa.get(), EVP_aes_256_cbc(), passphrase, 6, nullptr, nullptr), 1);
    std::fclose(f);
    EXPECT_THROW(client_assertion_signer(path, "k"), config::config_error);
  }
  // The public key alone signs nothing.
  std::string public_pem;
  {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, rsa.get());
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    public_pem.assign(data, static_cast<std::size_t>(size));
    BIO_free(bio);
  }
  EXPECT_THROW(client_assertion_signer(write_text("public.pem", public_pem), "k"), config::config_error);
  try {
    client_assertion_signer(rsa_file, "k", "ES384");
  } catch (const config::config_error& e) {
    EXPECT_NE(std::string(e.what()).find(rsa_file), std::string::npos) << e.what();  // names the file
  }
}

}  // namespace
}  // namespace homebase::gateway::auth
