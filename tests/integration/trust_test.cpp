// Trust through the real binary (issue 9 item 8): every refusal the issue lists, each asserting the HTTP
// status, that nothing of the refused request was stored or sent, and that it left a Security Alert
// AuditEvent. Client assertions and bad tokens are minted by npm jose (tests/tools/smart-client.mjs), never
// by the gateway's own code. Two medical homes (Meadowbrook and Riverside), two partners (St. Elsewhere,
// which may send every event, and Lakeside Cardiology, which may send only visit summaries), an operator
// and a school client.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

const std::string pm = "/fhir/$process-message";
const std::string lakeside_endpoint = "https://emr.lakeside-cardiology.example.org/fhir";

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  return doc;
}

std::string header(const std::string& headers, const std::string& name) {
  for (std::size_t at = 0; (at = headers.find('\n', at)) != std::string::npos;) {
    ++at;
    if (headers.compare(at, name.size() + 1, name + ":") == 0 ||
        (headers.size() > at + name.size() &&
         std::equal(name.begin(), name.end(), headers.begin() + static_cast<std::ptrdiff_t>(at),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); }) &&
         headers[at + name.size()] == ':')) {
      auto end = headers.find("\r\n", at);
      auto value = headers.substr(at + name.size() + 1, end - at - name.size() - 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      return value;
    }
  }
  return {};
}

// A client assertion for `client_id` signed by npm jose; `more` are smart-client.mjs options (--aud,
// --exp-in, --jti, --kid, --forge ...).
std::string assertion(const gateway_process& gw, const std::string& client_id,
                      const std::vector<std::string>& more = {}) {
  auto jwks = read_file(auth_fixture(client_id + ".jwks.json"));
  std::string alg = jwks.find("ES384") != std::string::npos ? "ES384" : "RS384";
  std::vector<std::string> argv{node_binary(),
                                test_data("tools/smart-client.mjs").string(),
                                "assertion",
                                "--key",
                                auth_fixture(client_id + ".pem").string(),
                                "--alg",
                                alg,
                                "--iss",
                                client_id};
  bool has_kid = false, has_aud = false;
  for (const auto& m : more) {
    has_kid = has_kid || m == "--kid";
    has_aud = has_aud || m == "--aud";
  }
  if (!has_kid) argv.insert(argv.end(), {"--kid", client_id + "-test-1"});
  if (!has_aud) argv.insert(argv.end(), {"--aud", gw.url("/auth/token")});
  argv.insert(argv.end(), more.begin(), more.end());
  std::string out;
  EXPECT_EQ(run(argv, out), 0) << out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

http_reply token_request(const gateway_process& gw, const std::string& client_assertion,
                         const std::string& scope = "system/*.rs") {
  return http_call(
      "POST", gw.url("/auth/token"), {}, "",
      {"-H", "Content-Type: application/x-www-form-urlencoded", "--data-urlencode",
       "grant_type=client_credentials", "--data-urlencode",
       "client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "--data-urlencode",
       "client_assertion=" + client_assertion, "--data-urlencode", "scope=" + scope});
}

class trust : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new temp_dir();
    home_ = new medical_home_server();
    riverside_ = new medical_home_server();
    gw_ = new gateway_process();
    std::string error;
    ASSERT_TRUE(home_->start(*dir_, {}, error)) << error;
    ASSERT_TRUE(riverside_->start(*dir_, {}, error)) << error;
    gateway_options options{.medical_home_base = home_->base(),
                            .second_home_base = riverside_->base(),
                            .second_home_npi = "5555555555"};
    options.extra_partners = "  - id: lakeside-cardiology\n    source_endpoints: [" + lakeside_endpoint +
                             "]\n    jwks_file: " + auth_fixture("lakeside-cardiology.jwks.json").string() +
                             "\n    events: [specialist-visit-summary]\n";
    // lincoln-usd (a school client) comes with its school in extra_config (gateway_harness).
    options.extra_clients =
        "  - id: limited-operator\n    kind: operator\n    jwks_file: " +
        auth_fixture("limited-operator.jwks.json").string() +
        "\n    scopes: [system/Patient.rs]\n    rate_limit: {per_second: 0.01, burst: 3}\n";
    options.auth_extra = "  audit_refusals_per_minute: 1000\n";
    options.extra_config =
        "schools:\n  - id: lincoln-usd\n    name: Lincoln USD\n    fhir_base_url: http://127.0.0.1:9/fhir\n"
        "    organization_identifiers:\n      - {system: "
        "http://homebase.example.org/fhir/sid/school-district, "
        "value: lincoln-usd}\n";
    ASSERT_TRUE(gw_->start(*dir_, options, error)) << error;
    // Anjali goes to Meadowbrook; a second child goes to Riverside.
    auto seed = dir_->path() / "seed.json";
    write_file(seed, seed_text());
    ASSERT_EQ(http_call("POST", gw_->url(pm), seed).status, 200);
    auto other = dir_->path() / "riverside-child.json";
    write_file(other, make_variant(seed_text(), {.bundle_id = "d4d4d4d4-0000-4000-8000-000000000004",
                                                 .header_id = "d5d5d5d5-0000-4000-8000-000000000005",
                                                 .mrn = "RIV-0001",
                                                 .gp_npi = "5555555555"}));
    ASSERT_EQ(http_call("POST", gw_->url(pm), other).status, 200);
    anjali_ = patient_id("SEC-0048213", "operator");
    riverside_child_ = patient_id("RIV-0001", "operator");
    ASSERT_FALSE(anjali_.empty());
    ASSERT_FALSE(riverside_child_.empty());
  }
  static void TearDownTestSuite() {
    delete gw_;
    delete riverside_;
    delete home_;
    delete dir_;
  }
  static std::string patient_id(const std::string& mrn, const std::string& client) {
    auto reply = http_call(
        "GET",
        gw_->url("/fhir/Patient?identifier=http://st-elsewhere-childrens.example.org/fhir/sid/mrn%7C" + mrn),
        {}, "", bearer(access_token(*gw_, client)));
    auto doc = parse(reply.body);
    if (!doc.IsObject() || !doc.HasMember("entry")) return {};
    return doc["entry"][0]["resource"]["id"].GetString();
  }
  static int messages() {
    auto doc = parse(http_call("GET", gw_->url("/admin/messages?limit=1000")).body);
    if (!doc.IsObject() || !doc.HasMember("entry")) return 0;
    return static_cast<int>(doc["entry"].Size());
  }
  static int security_alerts() {
    auto reply = http_call("GET", gw_->url("/fhir/AuditEvent?type=110113&_count=0"), {}, "",
                           bearer(access_token(*gw_, "operator")));
    auto doc = parse(reply.body);
    if (!doc.IsObject() || !doc.HasMember("total")) return -1;
    return doc["total"].GetInt();
  }
  // The refusal left its Security Alert (written asynchronously: waited for).
  static void expect_alert_after(int before) {
    EXPECT_TRUE(eventually([&] { return security_alerts() > before; }, std::chrono::seconds(10)))
        << "no Security Alert AuditEvent was recorded";
  }
  static void expect_refused(const http_reply& reply, int status) {
    EXPECT_EQ(reply.status, status) << reply.body;
  }
  static temp_dir* dir_;
  static medical_home_server* home_;
  static medical_home_server* riverside_;
  static gateway_process* gw_;
  static std::string anjali_;
  static std::string riverside_child_;
};
temp_dir* trust::dir_ = nullptr;
medical_home_server* trust::home_ = nullptr;
medical_home_server* trust::riverside_ = nullptr;
gateway_process* trust::gw_ = nullptr;
std::string trust::anjali_;
std::string trust::riverside_child_;

TEST_F(trust, only_the_public_routes_answer_without_credentials) {
  for (const auto* path : {"/fhir/metadata", "/.well-known/smart-configuration", "/healthz", "/readyz"}) {
    auto reply = http_call("GET", gw_->url(path), {}, "", {"-H", "Authorization: "});
    EXPECT_EQ(reply.status, 200) << path << ": " << reply.body;
  }
  auto metadata = parse(http_call("GET", gw_->url("/fhir/metadata")).body);
  ASSERT_TRUE(metadata.IsObject());
  EXPECT_TRUE(metadata["rest"][0].HasMember("security"));
  auto before_alerts = security_alerts();
  auto before_messages = messages();
  auto seed = dir_->path() / "unauthenticated.json";
  write_file(seed, make_variant(seed_text(), {.bundle_id = "e1e1e1e1-0000-4000-8000-000000000001",
                                              .header_id = "e2e2e2e2-0000-4000-8000-000000000002"}));
  // "Authorization: " with an empty value makes curl send no Authorization header at all.
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"POST", pm},
                                                        {"GET", "/fhir/Patient/" + anjali_},
                                                        {"GET", "/fhir/Patient"},
                                                        {"GET", "/admin/messages"},
                                                        {"POST", "/fhir/Consent"},
                                                        {"GET", "/fhir/AuditEvent"},
                                                        {"GET", "/fhir/nothing-here"},
                                                        {"POST", "/fhir/$validate"}}) {
    auto reply = http_call(method, gw_->url(path), method == "POST" ? seed : std::filesystem::path(),
                           "application/fhir+json", {"-H", "Authorization: "});
    EXPECT_EQ(reply.status, 401) << method << " " << path << ": " << reply.body;
    EXPECT_NE(header(reply.headers, "WWW-Authenticate").find("Bearer"), std::string::npos) << reply.headers;
    EXPECT_NE(reply.body.find("OperationOutcome"), std::string::npos);
  }
  EXPECT_EQ(messages(), before_messages);
  expect_alert_after(before_alerts);
}

TEST_F(trust, the_token_endpoint_refuses_every_bad_assertion) {
  struct bad {
    const char* what;
    std::vector<std::string> options;
  };
  std::vector<bad> cases = {
      {"expired", {"--exp-in", "-60"}},
      {"exp too far ahead", {"--exp-in", "3600"}},
      {"wrong aud", {"--aud", "https://elsewhere.example.org/auth/token"}},
      {"unknown kid", {"--kid", "meadowbrook-app-test-9"}},
      {"alg none", {"--forge", "none", "--jwks", auth_fixture("meadowbrook-app.jwks.json").string()}},
      {"HS256 signed with the public key",
       {"--forge", "hs256-public-key", "--jwks", auth_fixture("meadowbrook-app.jwks.json").string()}},
      {"sub is another client", {"--sub", "operator"}},
  };
  for (const auto& c : cases) {
    auto before = security_alerts();
    auto reply = token_request(*gw_, assertion(*gw_, "meadowbrook-app", c.options));
    EXPECT_EQ(reply.status, 401) << c.what << ": " << reply.body;
    EXPECT_NE(reply.body.find("invalid_client"), std::string::npos) << c.what << ": " << reply.body;
    EXPECT_EQ(reply.body.find("access_token"), std::string::npos) << c.what;
    expect_alert_after(before);
  }
  // A scope the client was never given.
  auto reply = token_request(*gw_, assertion(*gw_, "lincoln-usd"), "system/Consent.c");
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_NE(reply.body.find("invalid_scope"), std::string::npos) << reply.body;
}

TEST_F(trust, a_replayed_assertion_is_refused_also_after_a_restart) {
  auto once = assertion(*gw_, "operator", {"--jti", "replay-" + std::to_string(::getpid())});
  auto first = token_request(*gw_, once);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(header(first.headers, "Cache-Control"), "no-store");
  auto second = token_request(*gw_, once);
  EXPECT_EQ(second.status, 401) << second.body;

  // The same assertion after a restart of a gateway on the same store.
  temp_dir dir;
  gateway_process gw;
  std::string error;
  ASSERT_TRUE(gw.start(dir, {.medical_home_base = "http://127.0.0.1:9/fhir"}, error)) << error;
  auto fresh = assertion(gw, "operator", {"--jti", "restart-" + std::to_string(::getpid())});
  ASSERT_EQ(token_request(gw, fresh).status, 200);
  ASSERT_EQ(gw.process.stop(SIGTERM), 0);
  ASSERT_TRUE(gw.start(dir, {.medical_home_base = "http://127.0.0.1:9/fhir"}, error, false)) << error;
  // The assertion's aud names the old port's token URL: re-sign the same jti for the new one.
  auto replay = assertion(gw, "operator", {"--jti", "restart-" + std::to_string(::getpid())});
  auto after = token_request(gw, replay);
  EXPECT_EQ(after.status, 401) << after.body;
  EXPECT_NE(after.body.find("invalid_client"), std::string::npos) << after.body;
}

TEST_F(trust, an_expired_or_forged_access_token_is_refused) {
  temp_dir dir;
  gateway_process gw;
  std::string error;
  ASSERT_TRUE(gw.start(
      dir, {.medical_home_base = "http://127.0.0.1:9/fhir", .auth_extra = "  token_lifetime: 1s\n"}, error))
      << error;
  auto token = access_token(gw, "operator");
  ASSERT_FALSE(token.empty());
  // Valid now; refused once it has expired (waited for, not slept on).
  EXPECT_TRUE(eventually(
      [&] { return http_call("GET", gw.url("/admin/messages"), {}, "", bearer(token)).status == 401; },
      std::chrono::seconds(10)));
  auto reply = http_call("GET", gw.url("/admin/messages"), {}, "", bearer(token));
  EXPECT_NE(header(reply.headers, "WWW-Authenticate").find("invalid_token"), std::string::npos)
      << reply.headers;
  // A token whose signature does not match.
  auto forged = token.substr(0, token.rfind('.') + 1) + "AAAA";
  EXPECT_EQ(http_call("GET", gw_->url("/admin/messages"), {}, "", bearer(forged)).status, 401);
  EXPECT_EQ(
      http_call("GET", gw_->url("/admin/messages"), {}, "", {"-H", "Authorization: Basic b3A6cHc="}).status,
      401);
}

TEST_F(trust, a_partner_cannot_send_as_another_or_an_event_it_may_not_send) {
  auto before_messages = messages();
  auto before_posts = home_->transaction_posts();
  // St. Elsewhere's token with Lakeside's source.endpoint.
  auto before = security_alerts();
  auto spoofed = dir_->path() / "spoofed.json";
  write_file(spoofed, make_variant(seed_text(), {.bundle_id = "f1f1f1f1-0000-4000-8000-000000000001",
                                                 .header_id = "f2f2f2f2-0000-4000-8000-000000000002",
                                                 .source_endpoint = lakeside_endpoint}));
  expect_refused(http_call("POST", gw_->url(pm), spoofed, "application/fhir+json",
                           bearer(access_token(*gw_, "st-elsewhere-nicu"))),
                 403);
  expect_alert_after(before);
  // Lakeside's own endpoint and token, but a NICU discharge, which it may not send.
  before = security_alerts();
  auto reply = http_call("POST", gw_->url(pm), spoofed, "application/fhir+json",
                         bearer(access_token(*gw_, "lakeside-cardiology")));
  expect_refused(reply, 403);
  EXPECT_NE(reply.body.find("may not send"), std::string::npos) << reply.body;
  expect_alert_after(before);
  // Neither was kept, and nothing went to a medical home.
  EXPECT_EQ(messages(), before_messages);
  EXPECT_EQ(home_->transaction_posts(), before_posts);
}

TEST_F(trust, a_medical_home_sees_only_its_own_children) {
  auto meadowbrook = bearer(access_token(*gw_, "meadowbrook-app"));
  auto riverside = bearer(access_token(*gw_, "riverside-app"));
  EXPECT_EQ(http_call("GET", gw_->url("/fhir/Patient/" + anjali_), {}, "", meadowbrook).status, 200);
  auto before = security_alerts();
  // Read: as if it did not exist.
  EXPECT_EQ(http_call("GET", gw_->url("/fhir/Patient/" + riverside_child_), {}, "", meadowbrook).status, 404);
  EXPECT_EQ(http_call("GET", gw_->url("/fhir/Patient/" + anjali_), {}, "", riverside).status, 404);
  EXPECT_EQ(http_call("GET", gw_->url("/fhir/Patient/" + riverside_child_ + "/$medical-home-checklist"), {},
                      "", meadowbrook)
                .status,
            404);
  // Search and _include: absent.
  auto all = parse(http_call("GET", gw_->url("/fhir/Patient"), {}, "", meadowbrook).body);
  ASSERT_TRUE(all.IsObject());
  EXPECT_EQ(all["total"].GetInt(), 1);
  EXPECT_EQ(std::string(all["entry"][0]["resource"]["id"].GetString()), anjali_);
  auto included = http_call("GET", gw_->url("/fhir/CarePlan?_include=CarePlan:subject"), {}, "", meadowbrook);
  EXPECT_EQ(included.body.find(riverside_child_), std::string::npos) << included.body.substr(0, 400);
  auto theirs =
      http_call("GET", gw_->url("/fhir/CareTeam?patient=" + riverside_child_ + "&_include=CareTeam:patient"),
                {}, "", meadowbrook);
  EXPECT_EQ(parse(theirs.body)["total"].GetInt(), 0) << theirs.body.substr(0, 400);
  // The operator sees both.
  EXPECT_EQ(parse(http_call("GET", gw_->url("/fhir/Patient"), {}, "", bearer(access_token(*gw_, "operator")))
                      .body)["total"]
                .GetInt(),
            2);
  // Posting a Consent for the other home's child: refused, nothing stored.
  auto consent = dir_->path() / "consent.json";
  auto consent_text = read_file(test_data("fixtures/scenarios/10-school-letter/consent-hipaa-504.json"));
  consent_text.replace(consent_text.find("SE-448812"), 9, "RIV-0001");
  write_file(consent, consent_text);
  auto posted = http_call("POST", gw_->url("/fhir/Consent"), consent, "application/fhir+json", meadowbrook);
  EXPECT_EQ(posted.status, 403) << posted.body;
  EXPECT_EQ(header(posted.headers, "Location"), "");
  expect_alert_after(before);
}

TEST_F(trust, schools_read_nothing_and_only_operators_reach_admin) {
  auto before = security_alerts();
  expect_refused(http_call("GET", gw_->url("/fhir/Patient/" + anjali_), {}, "",
                           bearer(access_token(*gw_, "lincoln-usd"))),
                 403);
  for (const auto* client : {"meadowbrook-app", "st-elsewhere-nicu", "lincoln-usd"}) {
    auto reply = http_call("GET", gw_->url("/admin/messages"), {}, "", bearer(access_token(*gw_, client)));
    EXPECT_EQ(reply.status, 403) << client << ": " << reply.body;
    auto retry =
        http_call("POST", gw_->url("/admin/messages/1/retry"), {}, "", bearer(access_token(*gw_, client)));
    EXPECT_EQ(retry.status, 403) << client << ": " << retry.body;
  }
  // A partner cannot read the FHIR API either.
  expect_refused(
      http_call("GET", gw_->url("/fhir/Patient"), {}, "", bearer(access_token(*gw_, "st-elsewhere-nicu"))),
      403);
  expect_alert_after(before);
  // Introspection is for operators: it tells an operator what a token is.
  auto token = access_token(*gw_, "meadowbrook-app");
  auto introspected =
      http_call("POST", gw_->url("/auth/introspect"), {}, "",
                {"-H", "Content-Type: application/x-www-form-urlencoded", "--data-urlencode",
                 "token=" + token, "-H", "Authorization: Bearer " + access_token(*gw_, "operator")});
  ASSERT_EQ(introspected.status, 200) << introspected.body;
  auto doc = parse(introspected.body);
  EXPECT_TRUE(doc["active"].GetBool());
  EXPECT_EQ(std::string(doc["client_id"].GetString()), "meadowbrook-app");
  EXPECT_EQ(http_call("POST", gw_->url("/auth/introspect"), {}, "",
                      {"-H", "Content-Type: application/x-www-form-urlencoded", "--data-urlencode",
                       "token=" + token, "-H", "Authorization: Bearer " + token})
                .status,
            403);
}

TEST_F(trust, a_client_over_its_rate_limit_gets_429_with_retry_after) {
  auto token = access_token(*gw_, "limited-operator", "system/Patient.rs");
  ASSERT_FALSE(token.empty());
  http_reply last;
  for (int i = 0; i < 10 && last.status != 429; ++i)
    last = http_call("GET", gw_->url("/fhir/Patient/" + anjali_), {}, "", bearer(token));
  EXPECT_EQ(last.status, 429) << last.body;
  EXPECT_FALSE(header(last.headers, "Retry-After").empty()) << last.headers;
}

TEST_F(trust, every_audit_event_recorded_is_valid_r4) {
  // Make sure the trail has each kind: a receipt (SetUp), a read, a search, a refusal.
  auto meadowbrook = bearer(access_token(*gw_, "meadowbrook-app"));
  ASSERT_EQ(http_call("GET", gw_->url("/fhir/Patient/" + anjali_), {}, "", meadowbrook).status, 200);
  ASSERT_EQ(http_call("GET", gw_->url("/fhir/CarePlan?patient=" + anjali_), {}, "", meadowbrook).status, 200);
  auto before = security_alerts();
  EXPECT_EQ(http_call("GET", gw_->url("/admin/messages"), {}, "", meadowbrook).status, 403);
  expect_alert_after(before);
  auto page = parse(http_call("GET", gw_->url("/fhir/AuditEvent?_count=100"), {}, "",
                              bearer(access_token(*gw_, "operator")))
                        .body);
  ASSERT_TRUE(page.IsObject() && page.HasMember("entry"));
  std::vector<std::string> argv{homebase_binary(), "validate"};
  std::set<std::string> kinds;
  int n = 0;
  for (const auto& e : page["entry"].GetArray()) {
    rapidjson::StringBuffer text;
    rapidjson::Writer<rapidjson::StringBuffer> w(text);
    e["resource"].Accept(w);
    auto file = dir_->path() / ("audit-" + std::to_string(n++) + ".json");
    write_file(file, text.GetString());
    argv.push_back(file.string());
    kinds.insert(e["resource"]["type"]["code"].GetString());
  }
  EXPECT_GE(n, 5);
  // rest (create, read, search) and the Security Alert are all there.
  EXPECT_TRUE(kinds.contains("rest")) << n;
  EXPECT_TRUE(kinds.contains("110113")) << n;
  std::string out;
  EXPECT_EQ(run(argv, out), 0) << out.substr(0, 3000);
  // A medical home searching the trail sees only its own children's events.
  auto theirs = parse(
      http_call("GET", gw_->url("/fhir/AuditEvent?patient=" + riverside_child_), {}, "", meadowbrook).body);
  ASSERT_TRUE(theirs.IsObject()) << "AuditEvent search";
  EXPECT_EQ(theirs["total"].GetInt(), 0);
}

}  // namespace
}  // namespace homebase::testing
