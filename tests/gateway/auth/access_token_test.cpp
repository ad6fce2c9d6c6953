#include "gateway/auth/access_token.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "gateway/auth/base64url.hpp"

namespace homebase::gateway::auth {
namespace {

const std::string key(32, 'k');
constexpr std::int64_t now = 1'800'000'000;

token_claims claims() {
  return {"care-app", "system/Patient.rs", now, now + 300, "t-1"};
}

TEST(access_token, issued_tokens_verify_with_their_claims) {
  access_token_codec codec(key, "https://gw.test/fhir");
  auto token = codec.issue(claims());
  ASSERT_FALSE(token.empty());
  token_error why{};
  auto back = codec.verify(token, now + 10, &why);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->client_id, "care-app");
  EXPECT_EQ(back->scope, "system/Patient.rs");
  EXPECT_EQ(back->issued_at, now);
  EXPECT_EQ(back->expires_at, now + 300);
  EXPECT_EQ(back->jti, "t-1");
}

TEST(access_token, a_token_without_jti_gets_a_random_one) {
  access_token_codec codec(key, "https://gw.test/fhir");
  auto c = claims();
  c.jti.clear();
  auto a = codec.verify(codec.issue(c), now);
  auto b = codec.verify(codec.issue(c), now);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(a->jti.empty());
  EXPECT_NE(a->jti, b->jti);
}

TEST(access_token, expired_tokens_are_refused) {
  access_token_codec codec(key, "https://gw.test/fhir");
  auto token = codec.issue(claims());
  token_error why{};
  EXPECT_FALSE(codec.verify(token, now + 300, &why));
  EXPECT_EQ(why, token_error::expired);
}

TEST(access_token, another_key_or_issuer_is_refused) {
  access_token_codec codec(key, "https://gw.test/fhir");
  auto token = codec.issue(claims());
  token_error why{};
  EXPECT_FALSE(access_token_codec(std::string(32, 'x'), "https://gw.test/fhir").verify(token, now, &why));
  EXPECT_EQ(why, token_error::bad_signature);
  EXPECT_FALSE(access_token_codec(key, "https://other.test/fhir").verify(token, now, &why));
  EXPECT_EQ(why, token_error::wrong_issuer);
}

TEST(access_token, tampered_tokens_are_refused) {
  access_token_codec codec(key, "https://gw.test/fhir");
  auto token = codec.issue(claims());
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  token_error why{};

  // A wider scope in the payload, the old signature kept.
  auto payload = *base64url_decode(token.substr(first + 1, second - first - 1));
  auto at = payload.find("Patient.rs");
  payload.replace(at, 10, "*.cruds");
  auto forged = token.substr(0, first + 1) + base64url_encode(payload) + token.substr(second);
  EXPECT_FALSE(codec.verify(forged, now, &why));
  EXPECT_EQ(why, token_error::bad_signature);

  // alg none, no signature.
  auto none = base64url_encode(R"({"alg":"none","typ":"JWT"})") + token.substr(first, second - first) + ".";
  EXPECT_FALSE(codec.verify(none, now, &why));
  EXPECT_EQ(why, token_error::malformed);

  // A flipped signature bit.
  auto flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(codec.verify(flipped, now, &why));
  EXPECT_EQ(why, token_error::bad_signature);
}

TEST(access_token, garbage_is_malformed) {
  access_token_codec codec(key, "https://gw.test/fhir");
  token_error why{};
  for (const std::string& bad :
       std::vector<std::string>{"", ".", "..", "a.b.c", "a.b", "a.b.c.d", std::string(20000, 'a')}) {
    EXPECT_FALSE(codec.verify(bad, now, &why)) << bad;
  }
  EXPECT_NE(describe(token_error::expired), nullptr);
}

TEST(access_token, the_key_must_be_32_bytes) {
  EXPECT_THROW(access_token_codec(std::string(16, 'k'), "x"), std::invalid_argument);
}

}  // namespace
}  // namespace homebase::gateway::auth
