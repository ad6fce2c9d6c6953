#include "gateway/auth/token_endpoint.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cctype>
#include <ctime>
#include <optional>

#include "gateway/auth/access_token.hpp"
#include "smart_client.hpp"
#include "tests/integration/gateway_harness.hpp"

namespace homebase::gateway::auth {
namespace {

using testing::es384_key;
using testing::mint;
using testing::rs384_key;
namespace bhttp = boost::beast::http;

constexpr const char* token_url = "https://gw.test/auth/token";

std::string form_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string token_form(const std::string& assertion, const std::string& scope,
                       const std::string& grant_type = "client_credentials") {
  return "grant_type=" + form_encode(grant_type) +
         "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
         "&client_assertion=" +
         form_encode(assertion) + "&scope=" + form_encode(scope);
}

config::config_ptr make_config(const std::string& care_app_jwks = {}) {
  auto cfg = std::make_shared<config::gateway_config>();
  cfg->server.public_base_url = "https://gw.test/fhir/";
  config::client care;
  care.id = "care-app";
  care.kind = config::client_kind::medical_home;
  care.credentials.jwks_json =
      care_app_jwks.empty() ? testing::combined_jwks(rs384_key(), es384_key()) : care_app_jwks;
  care.credentials.jwks_origin = "homebase.yaml:40: clients[0].jwks";
  care.scopes = {"system/Patient.read", "system/Task.rs", "system/Consent.cru"};
  care.medical_home_id = "sunrise";
  cfg->clients.push_back(care);
  config::client nicu;
  nicu.id = "nicu";
  nicu.kind = config::client_kind::partner;
  nicu.partner_id = "nicu";
  nicu.credentials.jwks_json = es384_key().jwks_json;
  nicu.credentials.jwks_origin = "homebase.yaml:10: partners[0].jwks";
  cfg->clients.push_back(nicu);
  config::client certified;  // certificate only: no JWKS
  certified.id = "cert-only";
  certified.kind = config::client_kind::operator_;
  certified.scopes = {"system/*.*"};
  certified.credentials.certificates.push_back({"ab", "", ""});
  cfg->clients.push_back(certified);
  return cfg;
}

struct reply {
  int status = 0;
  rapidjson::Document json;
  std::string body;
  http::response raw;
};

reply read_reply(http::response res) {
  reply r;
  r.status = static_cast<int>(res.result_int());
  r.body = res.body();
  r.json.Parse(r.body.c_str());
  r.raw = std::move(res);
  return r;
}

std::string text(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return "<not an object>";
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : "<absent>";
}

struct token_endpoint_test : ::testing::Test {
  homebase::testing::temp_dir dir;
  std::string db = (dir.path() / "auth.db").string();
  std::optional<store::sqlite_store> gateway_store{std::in_place, store::sqlite_store::options{db, 16}};
  access_token_codec codec{std::string(32, 'k'), "https://gw.test/fhir"};
  config::config_ptr config = make_config();
  std::vector<token_refusal> refusals;
  std::optional<token_endpoint> endpoint;
  http::connection_info peer{"192.0.2.7", true, std::nullopt};

  void SetUp() override { make_endpoint(); }

  void make_endpoint() {
    endpoint.emplace(config, *gateway_store, codec,
                     [this](const token_refusal& r, const http::connection_info& who) {
                       EXPECT_EQ(who.address, "192.0.2.7");
                       refusals.push_back(r);
                     });
  }

  // Stops the store and opens the file again: what a restart of the gateway does.
  void restart() {
    endpoint.reset();
    gateway_store.reset();
    gateway_store.emplace(store::sqlite_store::options{db, 16});
    make_endpoint();
  }

  reply post(const std::string& path, std::string body,
             std::string content_type = "application/x-www-form-urlencoded") {
    http::request req{bhttp::verb::post, path, 11};
    req.set(bhttp::field::content_type, content_type);
    req.body() = std::move(body);
    req.prepare_payload();
    if (path == "/auth/introspect") return read_reply(endpoint->introspect(req));
    boost::asio::io_context io;
    // The store job completes on the writer thread: keep run() waiting for it.
    auto work = boost::asio::make_work_guard(io);
    std::optional<http::response> res;
    boost::asio::co_spawn(io, endpoint->token(req, peer), [&](std::exception_ptr e, http::response r) {
      EXPECT_FALSE(e);
      res = std::move(r);
      work.reset();
    });
    io.run();
    EXPECT_TRUE(res.has_value());
    return read_reply(res ? std::move(*res) : http::response{});
  }

  reply request_token(const std::string& assertion, const std::string& scope = "system/Patient.rs") {
    return post("/auth/token", token_form(assertion, scope));
  }

  void expect_invalid_client(const reply& r, const std::string& assertion, const std::string& reason) {
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(text(r.json, "error"), "invalid_client");
    EXPECT_NE(text(r.json, "error_description").find(reason), std::string::npos) << r.body;
    EXPECT_EQ(r.raw[bhttp::field::www_authenticate].substr(0, 6), "Bearer");
    EXPECT_EQ(r.raw[bhttp::field::cache_control], "no-store");
    if (!assertion.empty()) {
      EXPECT_EQ(r.body.find(assertion.substr(0, 40)), std::string::npos);  // never echoed
    }
    ASSERT_FALSE(refusals.empty());
    EXPECT_EQ(refusals.back().error, "invalid_client");
  }
};

TEST_F(token_endpoint_test, token_url_is_the_base_without_fhir) {
  EXPECT_EQ(token_endpoint::token_url(*config), token_url);
  config::gateway_config plain;
  plain.server.public_base_url = "http://127.0.0.1:8080";
  EXPECT_EQ(token_endpoint::token_url(plain), "http://127.0.0.1:8080/auth/token");
}

TEST_F(token_endpoint_test, an_rs384_assertion_gets_a_bearer_token) {
  auto r = request_token(mint(rs384_key(), {"--iss", "care-app", "--aud", token_url}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(text(r.json, "token_type"), "bearer");
  EXPECT_EQ(text(r.json, "scope"), "system/Patient.rs");
  ASSERT_TRUE(r.json["expires_in"].IsInt());
  EXPECT_EQ(r.json["expires_in"].GetInt(), 300);
  EXPECT_EQ(r.raw[bhttp::field::cache_control], "no-store");
  EXPECT_EQ(r.raw[bhttp::field::pragma], "no-cache");
  EXPECT_TRUE(refusals.empty());

  auto claims = codec.verify(text(r.json, "access_token"), std::time(nullptr));
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->client_id, "care-app");
  EXPECT_EQ(claims->scope, "system/Patient.rs");
  EXPECT_LE(claims->expires_at - claims->issued_at, 300);

  auto intro = post("/auth/introspect", "token=" + form_encode(text(r.json, "access_token")));
  ASSERT_EQ(intro.status, 200) << intro.body;
  EXPECT_TRUE(intro.json["active"].GetBool());
  EXPECT_EQ(text(intro.json, "client_id"), "care-app");
  EXPECT_EQ(text(intro.json, "scope"), "system/Patient.rs");
  EXPECT_EQ(text(intro.json, "token_type"), "Bearer");
  EXPECT_TRUE(intro.json["exp"].IsInt64());
}

TEST_F(token_endpoint_test, an_es384_assertion_gets_its_scopes_mediated) {
  auto r = request_token(mint(es384_key(), {"--iss", "care-app", "--aud", token_url}),
                         "system/*.read system/Consent.cruds system/Observation.rs");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(text(r.json, "scope"), "system/Consent.cru system/Patient.rs system/Task.rs");
}

TEST_F(token_endpoint_test, a_partner_gets_the_message_scopes) {
  auto r = request_token(mint(es384_key(), {"--iss", "nicu", "--aud", token_url}), "system/*.*");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(text(r.json, "scope"), "system/Bundle.c system/MessageHeader.c");
}

TEST_F(token_endpoint_test, refuses_an_expired_assertion) {
  auto a = mint(rs384_key(), {"--iss", "care-app", "--aud", token_url, "--exp-in", "-60"});
  expect_invalid_client(request_token(a), a, "expired");
  EXPECT_EQ(refusals.back().client_id, "care-app");
}

TEST_F(token_endpoint_test, refuses_an_exp_too_far_ahead) {
  auto a = mint(rs384_key(), {"--iss", "care-app", "--aud", token_url, "--exp-in", "3600"});
  expect_invalid_client(request_token(a), a, "too far ahead");
}

TEST_F(token_endpoint_test, refuses_the_wrong_audience) {
  auto a = mint(rs384_key(), {"--iss", "care-app", "--aud", "https://gw.test/fhir"});
  expect_invalid_client(request_token(a), a, "aud");
}

TEST_F(token_endpoint_test, refuses_iss_and_sub_that_differ) {
  auto a = mint(rs384_key(), {"--iss", "care-app", "--sub", "nicu", "--aud", token_url});
  expect_invalid_client(request_token(a), a, "iss and sub");
}

TEST_F(token_endpoint_test, refuses_an_unknown_client_and_one_without_keys) {
  auto a = mint(rs384_key(), {"--iss", "stranger", "--aud", token_url});
  expect_invalid_client(request_token(a), a, "unknown client");
  EXPECT_EQ(refusals.back().client_id, "stranger");
  auto b = mint(rs384_key(), {"--iss", "cert-only", "--aud", token_url});
  expect_invalid_client(request_token(b), b, "no registered JWKS");
}

TEST_F(token_endpoint_test, refuses_an_unknown_kid_and_a_kid_of_the_wrong_kty) {
  auto rs = rs384_key();
  rs.kid = "rs-unknown";
  auto a = mint(rs, {"--iss", "care-app", "--aud", token_url});
  expect_invalid_client(request_token(a), a, "no single key");
  rs.kid = "es-1";  // signed RS384 by the RSA key, naming the client's EC key
  auto b = mint(rs, {"--iss", "care-app", "--aud", token_url});
  expect_invalid_client(request_token(b), b, "no single key");
}

TEST_F(token_endpoint_test, refuses_a_key_the_client_does_not_have) {
  // The partner registered only its EC key: an assertion signed with another key has no key to match.
  auto a = mint(rs384_key(), {"--iss", "nicu", "--aud", token_url});
  expect_invalid_client(request_token(a), a, "no single key");
}

TEST_F(token_endpoint_test, refuses_alg_none) {
  auto a = mint(rs384_key(), {"--iss", "care-app", "--aud", token_url, "--forge", "none"});
  expect_invalid_client(request_token(a), a, "RS384 or ES384");
}

TEST_F(token_endpoint_test, refuses_hs256_signed_with_the_public_key) {
  auto a = mint(rs384_key(), {"--iss", "care-app", "--aud", token_url, "--forge", "hs256-public-key",
                              "--jwks", rs384_key().jwks_file.string()});
  expect_invalid_client(request_token(a), a, "RS384 or ES384");
}

TEST_F(token_endpoint_test, refuses_a_bad_signature_and_a_wrong_typ) {
  auto a = mint(es384_key(), {"--iss", "care-app", "--aud", token_url});
  auto tampered = a;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  expect_invalid_client(request_token(tampered), "", "signature");
  auto b = mint(es384_key(), {"--iss", "care-app", "--aud", token_url, "--typ", "at+jwt"});
  expect_invalid_client(request_token(b), b, "typ");
  expect_invalid_client(request_token("not-a-jwt"), "", "malformed");
}

TEST_F(token_endpoint_test, refuses_a_replayed_jti_also_after_a_restart) {
  auto jti = "replay-" + std::to_string(std::time(nullptr));
  auto first = mint(rs384_key(), {"--iss", "care-app", "--aud", token_url, "--jti", jti});
  ASSERT_EQ(request_token(first).status, 200);
  expect_invalid_client(request_token(first), first, "already used");
  // A fresh assertion with the same jti is a replay too.
  auto again = mint(es384_key(), {"--iss", "care-app", "--aud", token_url, "--jti", jti});
  expect_invalid_client(request_token(again), again, "already used");

  restart();
  expect_invalid_client(request_token(first), first, "already used");
  // Another client may use the same jti (replay is per issuer).
  auto other = mint(es384_key(), {"--iss", "nicu", "--aud", token_url, "--jti", jti});
  EXPECT_EQ(request_token(other, "system/Bundle.c").status, 200);
}

TEST_F(token_endpoint_test, a_refused_assertion_does_not_use_up_its_jti) {
  auto jti = "scope-" + std::to_string(std::time(nullptr));
  auto a = mint(rs384_key(), {"--iss", "care-app", "--aud", token_url, "--jti", jti});
  auto refused = request_token(a, "system/Observation.rs");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(text(refused.json, "error"), "invalid_scope");
  ASSERT_FALSE(refusals.empty());
  EXPECT_EQ(refusals.back().error, "invalid_scope");
  EXPECT_EQ(request_token(a).status, 200);
}

TEST_F(token_endpoint_test, refuses_a_bad_grant_type_and_missing_parameters) {
  auto a = mint(rs384_key(), {"--iss", "care-app", "--aud", token_url});
  auto r = post("/auth/token", token_form(a, "system/Patient.rs", "authorization_code"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(text(r.json, "error"), "unsupported_grant_type");
  EXPECT_EQ(refusals.back().error, "unsupported_grant_type");

  r = post("/auth/token", "grant_type=client_credentials&scope=system%2FPatient.rs");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(text(r.json, "error"), "invalid_request");
  r = post("/auth/token", token_form(a, ""));
  EXPECT_EQ(text(r.json, "error"), "invalid_request");
  r = post("/auth/token", token_form(a, "system/Patient.rs") + "&scope=system%2FTask.rs");  // repeated
  EXPECT_EQ(text(r.json, "error"), "invalid_request");
  r = post("/auth/token", token_form(a, "system/Patient.rs"), "application/json");
  EXPECT_EQ(text(r.json, "error"), "invalid_request");
  r = post("/auth/token", "grant_type=%zz");
  EXPECT_EQ(text(r.json, "error"), "invalid_request");
  r = post("/auth/token", std::string(70 * 1024, 'a'));
  EXPECT_EQ(text(r.json, "error"), "invalid_request");
  auto wrong_type = token_form(a, "system/Patient.rs");
  wrong_type.replace(wrong_type.find("jwt-bearer"), 10, "saml2-bearer");
  r = post("/auth/token", wrong_type);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(text(r.json, "error"), "invalid_client");
  // None of these used the assertion up.
  EXPECT_EQ(request_token(a).status, 200);
}

TEST_F(token_endpoint_test, refuses_scopes_outside_the_allowed_ones) {
  auto a = mint(rs384_key(), {"--iss", "care-app", "--aud", token_url});
  auto r = request_token(a, "system/Observation.rs system/Patient.d patient/Patient.rs");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(text(r.json, "error"), "invalid_scope");
  EXPECT_EQ(r.raw[bhttp::field::cache_control], "no-store");
}

TEST_F(token_endpoint_test, introspection_of_a_foreign_or_bad_token_is_inactive) {
  access_token_codec other{std::string(32, 'o'), "https://gw.test/fhir"};
  auto foreign =
      other.issue({"care-app", "system/*.cruds", std::time(nullptr), std::time(nullptr) + 300, "x"});
  for (const auto& token : {foreign, std::string("garbage")}) {
    auto r = post("/auth/introspect", "token=" + form_encode(token));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"active":false})");
  }
  EXPECT_EQ(post("/auth/introspect", "tok=1").status, 400);
}

TEST_F(token_endpoint_test, smart_configuration_advertises_the_endpoints) {
  auto r = read_reply(endpoint->smart_configuration(11));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.raw[bhttp::field::content_type], "application/json");
  EXPECT_EQ(text(r.json, "token_endpoint"), token_url);
  EXPECT_EQ(text(r.json, "introspection_endpoint"), "https://gw.test/auth/introspect");
  auto has = [&](const char* member, const char* value) {
    for (const auto& v : r.json[member].GetArray())
      if (std::string_view(v.GetString()) == value) return true;
    return false;
  };
  EXPECT_TRUE(has("token_endpoint_auth_methods_supported", "private_key_jwt"));
  EXPECT_TRUE(has("token_endpoint_auth_signing_alg_values_supported", "RS384"));
  EXPECT_TRUE(has("token_endpoint_auth_signing_alg_values_supported", "ES384"));
  EXPECT_TRUE(has("grant_types_supported", "client_credentials"));
  EXPECT_TRUE(has("capabilities", "client-confidential-asymmetric"));
  EXPECT_TRUE(has("capabilities", "permission-v2"));
  EXPECT_TRUE(has("scopes_supported", "system/Patient.rs"));
  EXPECT_TRUE(has("scopes_supported", "system/Bundle.c"));
}

TEST_F(token_endpoint_test, an_invalid_configured_jwks_stops_the_start) {
  auto bad = make_config(R"({"keys":[{"kty":"oct","kid":"s","k":"c2VjcmV0"}]})");
  try {
    token_endpoint broken(bad, *gateway_store, codec);
    FAIL() << "constructed with an invalid JWKS";
  } catch (const config::config_error& e) {
    EXPECT_NE(std::string(e.what()).find("homebase.yaml:40: clients[0].jwks"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace homebase::gateway::auth
