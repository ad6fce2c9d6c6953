#include "gateway/auth/jwk_set.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/auth/base64url.hpp"
#include "smart_client.hpp"

namespace homebase::gateway::auth {
namespace {

using testing::es384_key;
using testing::rs384_key;

// The key set `jwks` with its first key changed by `edit`.
template <typename Edit>
std::string edited(const std::string& jwks, Edit edit) {
  rapidjson::Document doc;
  doc.Parse(jwks.c_str());
  auto& key = doc["keys"][0];
  edit(key, doc.GetAllocator());
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  doc.Accept(w);
  return buffer.GetString();
}

std::string with(const std::string& jwks, const char* name, const std::string& value) {
  return edited(jwks, [&](rapidjson::Value& key, auto& alloc) {
    key.RemoveMember(name);
    key.AddMember(rapidjson::Value(name, alloc), rapidjson::Value(value.c_str(), alloc), alloc);
  });
}

std::string without(const std::string& jwks, const char* name) {
  return edited(jwks, [&](rapidjson::Value& key, auto&) { key.RemoveMember(name); });
}

void expect_refused(const std::string& json, const std::string& because) {
  std::string error;
  EXPECT_FALSE(jwk_set::parse(json, &error).has_value()) << json;
  EXPECT_NE(error.find(because), std::string::npos) << "error: " << error;
}

TEST(jwk_set, reads_rsa_and_ec_keys_made_by_jose) {
  auto set = jwk_set::parse(testing::combined_jwks(rs384_key(), es384_key()), nullptr);
  ASSERT_TRUE(set.has_value());
  ASSERT_EQ(set->keys().size(), 2u);
  const jwk* rs = set->find("rs-1", "RS384");
  const jwk* es = set->find("es-1", "ES384");
  ASSERT_NE(rs, nullptr);
  ASSERT_NE(es, nullptr);
  EXPECT_EQ(rs->kty, "RSA");
  EXPECT_EQ(es->kty, "EC");
  EXPECT_EQ(es->use, "sig");
  EXPECT_TRUE(rs->key && es->key);
}

TEST(jwk_set, find_needs_the_kid_and_a_kty_that_fits_the_alg) {
  auto set = jwk_set::parse(testing::combined_jwks(rs384_key(), es384_key()), nullptr);
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->find("rs-1", "ES384"), nullptr);
  EXPECT_EQ(set->find("es-1", "RS384"), nullptr);
  EXPECT_EQ(set->find("nope", "RS384"), nullptr);
  EXPECT_EQ(set->find("rs-1", "HS256"), nullptr);
  EXPECT_EQ(set->find("rs-1", "none"), nullptr);
  EXPECT_EQ(set->find("rs-1", "RS256"), nullptr);
}

TEST(jwk_set, a_key_without_alg_still_fits_by_kty) {
  auto set = jwk_set::parse(without(rs384_key().jwks_json, "alg"), nullptr);
  ASSERT_TRUE(set.has_value());
  EXPECT_NE(set->find("rs-1", "RS384"), nullptr);
}

TEST(jwk_set, refuses_what_is_not_a_key_set) {
  expect_refused("", "JSON");
  expect_refused("[]", "JSON object");
  expect_refused("{\"keys\": 1}", "keys array");
  expect_refused("{}", "keys array");
  expect_refused("{\"keys\": []}", "no keys");
  expect_refused("{\"keys\": [1]}", "JSON object");
  expect_refused(std::string(100000, '[') + std::string(100000, ']'), "JSON");
  expect_refused(std::string(300 * 1024, ' '), "too large");
  expect_refused("{\"keys\": [{\"kty\": \"\xff\"}]}", "JSON");
}

TEST(jwk_set, every_key_needs_kty_and_kid) {
  expect_refused(without(rs384_key().jwks_json, "kty"), "kty");
  expect_refused(without(es384_key().jwks_json, "kid"), "kid");
  expect_refused(with(es384_key().jwks_json, "kid", ""), "kid");
}

TEST(jwk_set, refuses_symmetric_and_private_keys) {
  expect_refused(R"({"keys":[{"kty":"oct","kid":"s","k":"c2VjcmV0"}]})", "symmetric");
  expect_refused(with(rs384_key().jwks_json, "d", "AQAB"), "private");
  expect_refused(with(es384_key().jwks_json, "d", "AQAB"), "private");
  expect_refused(with(rs384_key().jwks_json, "p", "AQAB"), "private");
}

TEST(jwk_set, refuses_duplicate_kids) {
  auto a = rs384_key();
  auto b = es384_key();
  b.jwks_json = with(b.jwks_json, "kid", "rs-1");
  expect_refused(testing::combined_jwks(a, b), "unique");
}

TEST(jwk_set, refuses_unsupported_curves_and_types) {
  expect_refused(with(es384_key().jwks_json, "crv", "P-256"), "P-256");
  expect_refused(with(es384_key().jwks_json, "crv", "secp256k1"), "not supported");
  expect_refused(without(es384_key().jwks_json, "crv"), "crv");
  expect_refused(with(es384_key().jwks_json, "kty", "OKP"), "not supported");
}

TEST(jwk_set, refuses_bad_members_and_absurd_sizes) {
  expect_refused(with(es384_key().jwks_json, "x", base64url_encode(std::string(32, '\x01'))), "48 bytes");
  expect_refused(with(es384_key().jwks_json, "y", "not base64!"), "x and y");
  // 48-byte coordinates that are not a point on the curve.
  expect_refused(with(es384_key().jwks_json, "y", base64url_encode(std::string(48, '\x07'))),
                 "OpenSSL refuses");
  expect_refused(with(rs384_key().jwks_json, "n", base64url_encode(std::string(128, '\xc3'))),
                 "2048 to 8192");
  expect_refused(with(rs384_key().jwks_json, "n", base64url_encode(std::string(2000, '\xc3'))),
                 "2048 to 8192");
  expect_refused(with(rs384_key().jwks_json, "e", "AQAA"), "exponent");  // even
  expect_refused(with(rs384_key().jwks_json, "e", "AQ"), "exponent");    // 1
  expect_refused(with(rs384_key().jwks_json, "e", base64url_encode(std::string(40, '\x01'))), "exponent");
  expect_refused(without(rs384_key().jwks_json, "n"), "n and e");
  expect_refused(edited(rs384_key().jwks_json, [](rapidjson::Value& key, auto&) { key["kid"].SetInt(3); }),
                 "kid");
}

TEST(jwk_set, refuses_keys_for_other_uses_and_algs) {
  expect_refused(with(rs384_key().jwks_json, "use", "enc"), "use");
  expect_refused(with(rs384_key().jwks_json, "alg", "RS256"), "RS384");
  expect_refused(with(es384_key().jwks_json, "alg", "ES256"), "ES384");
  expect_refused(with(rs384_key().jwks_json, "alg", "ES384"), "RS384");
}

// An OpenID provider's published set (gateway/console/oidc_provider): keys we cannot use are skipped.
TEST(jwk_set, a_provider_set_skips_keys_it_cannot_use) {
  const auto& rs = rs384_key();
  auto enc = rs384_key();
  enc.jwks_json = with(with(with(enc.jwks_json, "use", "enc"), "alg", "RSA-OAEP"), "kid", "enc-1");
  auto okp = es384_key();
  okp.jwks_json = with(with(okp.jwks_json, "kty", "OKP"), "kid", "ed-1");
  std::string error;
  auto set = jwk_set::parse(testing::combined_jwks(rs, enc), &error, jwk_source::openid_provider);
  ASSERT_TRUE(set.has_value()) << error;
  EXPECT_EQ(set->keys().size(), 1u);
  EXPECT_FALSE(jwk_set::parse(testing::combined_jwks(rs, enc), &error).has_value()) << "a SMART set: fatal";
  EXPECT_FALSE(jwk_set::parse(enc.jwks_json, &error, jwk_source::openid_provider).has_value());
  EXPECT_NE(error.find("no usable signing key"), std::string::npos) << error;
  EXPECT_TRUE(
      jwk_set::parse(testing::combined_jwks(rs, okp), &error, jwk_source::openid_provider).has_value());
}

TEST(jwk_set, a_provider_set_fits_rs256_and_a_token_without_kid) {
  const auto& rs = rs384_key();
  auto json = without(with(rs.jwks_json, "alg", "RS256"), "kid");
  std::string error;
  auto set = jwk_set::parse(json, &error, jwk_source::openid_provider);
  ASSERT_TRUE(set.has_value()) << error;
  EXPECT_NE(set->find("", "RS256"), nullptr) << "the one key that fits";
  EXPECT_EQ(set->find("", "RS384"), nullptr) << "the key names RS256";
  EXPECT_EQ(set->find("other", "RS256"), nullptr);
  EXPECT_EQ(set->find("", "HS256"), nullptr);
  auto smart = jwk_set::parse(rs.jwks_json, &error);
  ASSERT_TRUE(smart.has_value());
  EXPECT_EQ(smart->find("", "RS384"), nullptr) << "a SMART assertion needs its kid";
  EXPECT_EQ(smart->find("rs-1", "RS256"), nullptr) << "a SMART set fits RS384 only";
}

}  // namespace
}  // namespace homebase::gateway::auth
