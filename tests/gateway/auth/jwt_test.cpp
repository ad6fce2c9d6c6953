#include "gateway/auth/jwt.hpp"

#include <gtest/gtest.h>

#include "gateway/auth/base64url.hpp"
#include "smart_client.hpp"

namespace homebase::gateway::auth {
namespace {

using testing::es384_key;
using testing::mint;
using testing::rs384_key;

// The keys npm jose wrote. When the node helper cannot run, the tests fail with its reason; they never
// dereference a set or a key that is not there.
const jwk_set& keys() {
  static const jwk_set set = [] {
    std::string error;
    auto parsed = jwk_set::parse(testing::combined_jwks(rs384_key(), es384_key()), &error);
    EXPECT_TRUE(parsed.has_value()) << error;
    return parsed ? std::move(*parsed) : jwk_set{};
  }();
  return set;
}

// The key `kid` that fits `alg`; a missing one fails the test and stands in as a key that verifies nothing.
const jwk& key_for(std::string_view kid, std::string_view alg) {
  static const jwk none{};
  const jwk* found = keys().find(kid, alg);
  EXPECT_NE(found, nullptr) << kid << " for " << alg;
  return found ? *found : none;
}

decoded_jwt decoded(const std::string& compact) {
  std::string error;
  auto jwt = decode_jwt(compact, &error);
  EXPECT_TRUE(jwt.has_value()) << error;
  return jwt ? *jwt : decoded_jwt{};
}

TEST(jwt, decodes_the_header_and_claims_jose_wrote) {
  auto jwt = decoded(mint(rs384_key(), {"--iss", "care-app", "--aud", "https://gw.test/auth/token", "--jti",
                                        "j-1", "--exp-in", "120"}));
  EXPECT_EQ(jwt.alg, "RS384");
  EXPECT_EQ(jwt.kid, "rs-1");
  EXPECT_EQ(jwt.typ, std::optional<std::string>("JWT"));
  EXPECT_FALSE(jwt.jku.has_value());
  EXPECT_EQ(jwt.iss, "care-app");
  EXPECT_EQ(jwt.sub, "care-app");
  EXPECT_EQ(jwt.aud, std::vector<std::string>{"https://gw.test/auth/token"});
  EXPECT_EQ(jwt.jti, "j-1");
  ASSERT_TRUE(jwt.exp && jwt.iat);
  EXPECT_EQ(*jwt.exp - *jwt.iat, 120);
  EXPECT_FALSE(jwt.nbf.has_value());
  EXPECT_EQ(jwt.signature.size(), 256u);
}

TEST(jwt, verifies_rs384_and_es384_signatures) {
  auto rs = decoded(mint(rs384_key(), {"--iss", "c", "--aud", "u"}));
  auto es = decoded(mint(es384_key(), {"--iss", "c", "--aud", "u"}));
  EXPECT_TRUE(verify_signature(rs, key_for("rs-1", "RS384")));
  EXPECT_EQ(es.signature.size(), 96u);
  EXPECT_TRUE(verify_signature(es, key_for("es-1", "ES384")));
}

TEST(jwt, refuses_a_changed_signature_or_content) {
  auto es = decoded(mint(es384_key(), {"--iss", "c", "--aud", "u"}));
  const jwk& key = key_for("es-1", "ES384");
  ASSERT_EQ(es.signature.size(), 96u);  // ES384: r and s, 48 bytes each
  auto flipped = es;
  flipped.signature[10] = static_cast<char>(flipped.signature[10] ^ 1);
  EXPECT_FALSE(verify_signature(flipped, key));
  auto changed = es;
  changed.signing_input += "x";
  EXPECT_FALSE(verify_signature(changed, key));
  auto shortened = es;
  shortened.signature.pop_back();
  EXPECT_FALSE(verify_signature(shortened, key));
  auto rs = decoded(mint(rs384_key(), {"--iss", "c", "--aud", "u"}));
  ASSERT_FALSE(rs.signature.empty());
  rs.signature[0] = static_cast<char>(rs.signature[0] ^ 0x40);
  EXPECT_FALSE(verify_signature(rs, key_for("rs-1", "RS384")));
}

TEST(jwt, refuses_an_alg_that_does_not_fit_the_key) {
  auto rs = decoded(mint(rs384_key(), {"--iss", "c", "--aud", "u"}));
  auto es = decoded(mint(es384_key(), {"--iss", "c", "--aud", "u"}));
  EXPECT_FALSE(verify_signature(rs, key_for("es-1", "ES384")));  // RS384 token, EC key
  EXPECT_FALSE(verify_signature(es, key_for("rs-1", "RS384")));  // ES384 token, RSA key
  auto relabelled = es;
  relabelled.alg = "RS384";
  EXPECT_FALSE(verify_signature(relabelled, key_for("es-1", "ES384")));
}

TEST(jwt, refuses_alg_none_and_hs256_with_the_public_key) {
  auto none = decoded(mint(rs384_key(), {"--iss", "c", "--aud", "u", "--forge", "none"}));
  EXPECT_EQ(none.alg, "none");
  EXPECT_TRUE(none.signature.empty());
  EXPECT_FALSE(verify_signature(none, key_for("rs-1", "RS384")));
  auto hs = decoded(mint(rs384_key(), {"--iss", "c", "--aud", "u", "--forge", "hs256-public-key", "--jwks",
                                       rs384_key().jwks_file.string()}));
  EXPECT_EQ(hs.alg, "HS256");
  EXPECT_FALSE(verify_signature(hs, key_for("rs-1", "RS384")));
  EXPECT_EQ(keys().find("rs-1", "HS256"), nullptr);
}

TEST(jwt, reads_an_audience_array) {
  auto header = base64url_encode(R"({"alg":"ES384","kid":"k","jku":"https://evil.test/jwks"})");
  auto claims = base64url_encode(R"({"iss":"c","aud":["a","b"],"exp":1.9e9,"nbf":5})");
  auto jwt = decode_jwt(header + "." + claims + ".", nullptr);
  ASSERT_TRUE(jwt.has_value());
  EXPECT_EQ(jwt->aud, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(jwt->exp, std::optional<std::int64_t>(1'900'000'000));
  EXPECT_EQ(jwt->nbf, std::optional<std::int64_t>(5));
  EXPECT_EQ(jwt->jku, std::optional<std::string>("https://evil.test/jwks"));
  EXPECT_FALSE(jwt->typ.has_value());
}

TEST(jwt, refuses_malformed_tokens) {
  auto h = base64url_encode(R"({"alg":"ES384","kid":"k"})");
  auto c = base64url_encode(R"({"iss":"c"})");
  auto refused = [](const std::string& compact) {
    std::string error;
    bool ok = decode_jwt(compact, &error).has_value();
    EXPECT_FALSE(ok) << compact;
    EXPECT_FALSE(ok || error.empty());
  };
  refused("");
  refused("abc");
  refused(h + "." + c);
  refused(h + "." + c + ".x.y");
  refused(h + "." + c + ".a");                                  // impossible base64 length
  refused(h + "." + c + ".a+b/");                               // not the URL alphabet
  refused(base64url_encode("[1]") + "." + c + ".");             // header not an object
  refused(h + "." + base64url_encode("not json") + ".");        // claims not JSON
  refused(base64url_encode(R"({"kid":"k"})") + "." + c + ".");  // no alg
  refused(base64url_encode(R"({"alg":5})") + "." + c + ".");    // alg not a string
  refused(base64url_encode(R"({"alg":"ES384","crit":["b64"]})") + "." + c + ".");
  refused(h + "." + base64url_encode(R"({"exp":"tomorrow"})") + ".");
  refused(h + "." + base64url_encode(R"({"exp":1e300})") + ".");
  refused(h + "." + base64url_encode(R"({"aud":["a",1]})") + ".");
  refused(h + "." + base64url_encode(R"({"iss":7})") + ".");
  refused(h + "." + base64url_encode(std::string(5000, '[')) + ".");
  refused(h + "." + c + "." + std::string(20000, 'A'));  // too large
}

}  // namespace
}  // namespace homebase::gateway::auth
