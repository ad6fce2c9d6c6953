// Scenarios 10-12 of domain.md §6 through the real binary: IEP/504 support letters reach a school only
// under the family's authorization. The child's record (tests/mappers/disclosure/sofia_record.hpp) is
// stored before the gateway starts, as earlier messages would have left it; the family's Consents and the
// letter requests are the fixtures of tests/fixtures/scenarios/1{0,1,2}-*; the school is the test FHIR
// server (tests/tools/medical-home-server.mjs, strict R4 validation), and every assertion about what
// reached the school reads that server's request log.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <future>
#include <set>
#include <thread>

#include "gateway/store/sqlite_store.hpp"
#include "mappers/model/record_codec.hpp"
#include "tests/integration/gateway_harness.hpp"
#include "tests/mappers/disclosure/sofia_record.hpp"

namespace homebase::testing {
namespace {

namespace fs = std::filesystem;

const std::string scenarios = "fixtures/scenarios/";
// The letters' AuditEvents (sent: Export, blocked: Security Alert); the Consents' own are RESTful ones.
const std::string audit_query = "/fhir/AuditEvent?patient:identifier=" + std::string(sofia_mrn_system) + "|" +
                                sofia_mrn + "&type=110106,110113";

// The fixtures' authorizations run to 2027-08-31; a run after that date moves the expiry a year past now.
std::string with_future_expiry(std::string text) {
  std::time_t t = std::time(nullptr) + 365 * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[16];
  std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
  if (std::string(date) < "2027-08-31") return text;
  for (auto at = text.find("2027-08-31"); at != std::string::npos; at = text.find("2027-08-31", at))
    text.replace(at, 10, date);
  return text;
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

std::string fhir_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return b.GetString();
}

// Every request the school server logged.
std::vector<rapidjson::Document> school_requests(const medical_home_server& school) {
  std::vector<rapidjson::Document> out;
  auto log = read_file(school.log);
  std::size_t start = 0;
  while (start < log.size()) {
    auto end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    if (end > start) out.push_back(parse(log.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

// The letters (document Bundles) the school server received.
std::vector<std::string> letters_received(const medical_home_server& school) {
  std::vector<std::string> out;
  for (const auto& r : school_requests(school)) {
    if (!r.IsObject() || std::string(r["method"].GetString()) != "POST") continue;
    out.push_back(fhir_text(r["body"]));
  }
  return out;
}

std::set<std::string> section_codes(const std::string& bundle) {
  std::set<std::string> codes;
  auto doc = parse(bundle);
  for (const auto& s : doc["entry"][0]["resource"]["section"].GetArray())
    codes.insert(s["code"]["coding"][0]["code"].GetString());
  return codes;
}

class school_disclosure : public ::testing::Test {
 protected:
  temp_dir dir;
  temp_dir school_dir;
  medical_home_server school;
  gateway_process gw;

  // Stores Sofia's record, as the gateway would have after earlier messages.
  void seed_child() {
    gateway::store::sqlite_store store({(dir.path() / "homebase.db").string(), 16});
    std::promise<bool> done;
    auto record = mappers::model::encode(sofia_record());
    store.submit(
        [&record](gateway::store::write_tx& tx) {
          auto id = tx.save_child(std::nullopt, record, {{sofia_mrn_system, sofia_mrn}});
          tx.set_child_home(id, "meadowbrook");  // Sofia's practice: its app may post her Consents
          return tx.ok();
        },
        [&done](bool committed) { done.set_value(committed); });
    ASSERT_TRUE(done.get_future().get());
    store.stop();
  }

  void start_school(unsigned short port = 0) {
    std::string error;
    ASSERT_TRUE(school.start(school_dir, {0, 0, port}, error)) << error;
  }

  void start_gateway(const std::string& school_base) {
    seed_child();
    gateway_options options;
    options.medical_home_base = "http://127.0.0.1:9/fhir";  // no message is ingested here
    options.max_attempts = 60;                              // a school that is down keeps the letter queued
    // Both schools point at the one test server: a letter wrongly let through would show up in its log.
    options.extra_config =
        "schools:\n"
        "  - id: lincoln-usd\n    name: Lincoln Unified School District\n    fhir_base_url: " +
        school_base + "\n    organization_identifiers:\n      - system: " + school_system +
        "\n        value: lincoln-usd\n"
        "  - id: riverside-charter\n    name: Riverside Charter Academy\n    fhir_base_url: " +
        school_base + "\n    organization_identifiers:\n      - system: " + school_system +
        "\n        value: riverside-charter\n";
    std::string error;
    ASSERT_TRUE(gw.start(dir, options, error)) << error;
  }

  http_reply post_fixture(const std::string& path, const std::string& fixture,
                          const std::string& method = "POST", const std::string& id = {}) {
    auto text = with_future_expiry(read_file(test_data(scenarios + fixture)));
    if (!id.empty()) text.insert(text.find('{') + 1, "\"id\": \"" + id + "\",");
    auto file = dir.path() / ("body-" + std::to_string(++bodies_) + ".json");
    write_file(file, text);
    return http_call(method, gw.url(path), file);
  }

  // POSTs a letter request; returns the letter id when queued (200), else 0.
  std::string request_letter(const std::string& fixture, http_reply* reply_out = nullptr) {
    auto reply = post_fixture("/fhir/$school-letter", fixture);
    if (reply_out != nullptr) *reply_out = reply;
    if (reply.status != 200) return {};
    auto doc = parse(reply.body);
    return doc["parameter"][0]["valueIdentifier"]["value"].GetString();
  }

  rapidjson::Document letter(const std::string& id) {
    return parse(http_call("GET", gw.url("/admin/school-letters/" + id)).body);
  }

  bool letter_status_is(const std::string& id, const std::string& status) {
    auto doc = letter(id);
    return doc.IsObject() && doc.HasMember("status") && status == doc["status"].GetString();
  }

  rapidjson::Document audit_events() { return parse(http_call("GET", gw.url(audit_query)).body); }

  // The child's record as stored, after the gateway stopped.
  mappers::model::coordination_record stored_record() {
    gw.process.stop(SIGTERM);
    gateway::store::sqlite_store store({gw.db.string(), 16});
    std::string json;
    store.read([&json](sqlite3* db) {
      sqlite3_stmt* s = nullptr;
      sqlite3_prepare_v2(db, "SELECT record FROM children LIMIT 1", -1, &s, nullptr);
      if (sqlite3_step(s) == SQLITE_ROW) json = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      sqlite3_finalize(s);
    });
    store.stop();
    return mappers::model::decode(json).value_or(mappers::model::coordination_record{});
  }

 private:
  int bodies_ = 0;
};

// Scenario 10: the letter goes, with exactly the sections the family allowed, and the send is audited.
TEST_F(school_disclosure, scenario10_letter_reaches_the_school_with_only_the_authorized_sections) {
  start_school();
  start_gateway(school.base());
  auto consent = post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json");
  ASSERT_EQ(consent.status, 201) << consent.body;
  EXPECT_NE(consent.headers.find("/fhir/Consent/1/_history/1"), std::string::npos) << consent.headers;
  EXPECT_EQ(http_call("GET", gw.url("/fhir/Consent/1")).status, 200);

  auto id = request_letter("10-school-letter/letter-504-request.json");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return letter_status_is(id, "sent"); })) << fhir_text(letter(id));

  auto letters = letters_received(school);
  ASSERT_EQ(letters.size(), 1U);
  EXPECT_EQ(section_codes(letters[0]),
            (std::set<std::string>{"diagnoses", "functional_impact", "accommodations",
                                   "school_hours_medications", "emergency_plan"}));
  EXPECT_NE(letters[0].find("G40.209"), std::string::npos);
  EXPECT_NE(letters[0].find("Midazolam"), std::string::npos);
  EXPECT_EQ(letters[0].find("F90.2"), std::string::npos);  // behavioral health: excluded by the family
  EXPECT_EQ(letters[0].find("ethylphenidate"), std::string::npos);  // not a school-hours medication
  EXPECT_EQ(letters[0].find(sofia_mrn), std::string::npos);         // the hospital MRN stays with us
  // The school's (strict, independent) server accepted it.
  auto requests = school_requests(school);
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0]["status"].GetInt(), 201);
  EXPECT_STREQ(requests[0]["path"].GetString(), "/fhir/Bundle");

  auto audit = audit_events();
  ASSERT_EQ(audit["total"].GetInt(), 1);
  const auto& event = audit["entry"][0]["resource"];
  EXPECT_STREQ(event["type"]["code"].GetString(), "110106");
  EXPECT_STREQ(event["outcome"].GetString(), "0");
  EXPECT_STREQ(event["agent"][1]["who"]["identifier"]["value"].GetString(), "lincoln-usd");

  auto record = stored_record();
  bool sent_event = false;
  for (const auto& e : record.events) sent_event = sent_event || e.kind == "SchoolLetterSent";
  EXPECT_TRUE(sent_event);
}

// Scenario 11: a written revocation while the letter waits (the school is down) cancels it; the school
// never sees it, the coordinator gets a Task, and later requests are blocked.
TEST_F(school_disclosure, scenario11_revoked_while_queued_never_reaches_the_school) {
  auto port = free_port();
  start_gateway("http://127.0.0.1:" + std::to_string(port) + "/fhir");
  ASSERT_EQ(post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json").status, 201);
  auto id = request_letter("11-consent-revoked/letter-504-request.json");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return letter(id)["attempts"].GetInt() >= 1; }));  // tried: the school is down

  auto revoked = post_fixture("/fhir/Consent/1", "11-consent-revoked/consent-revocation.json", "PUT", "1");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_NE(revoked.body.find("\"status\":\"inactive\""), std::string::npos);
  ASSERT_TRUE(eventually([&] { return letter_status_is(id, "cancelled"); })) << fhir_text(letter(id));

  start_school(port);  // the school is back
  http_reply blocked;
  EXPECT_TRUE(request_letter("11-consent-revoked/letter-504-request.json", &blocked).empty());
  EXPECT_EQ(blocked.status, 422);
  EXPECT_NE(blocked.body.find("not_active"), std::string::npos) << blocked.body;
  // Longer than two backoff periods (max 400 ms): a letter still queued would have been sent by now.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_TRUE(letters_received(school).empty());

  auto audit = audit_events();
  ASSERT_EQ(audit["total"].GetInt(), 2);
  for (const auto& e : audit["entry"].GetArray())
    EXPECT_STREQ(e["resource"]["type"]["code"].GetString(), "110113");

  auto record = stored_record();
  auto task = std::find_if(record.actions.begin(), record.actions.end(),
                           [](const auto& a) { return a.type == "review_school_letter"; });
  ASSERT_NE(task, record.actions.end());
  EXPECT_EQ(task->owner_role, "care_coordinator");
  EXPECT_EQ(task->priority, "urgent");
}

// The gate runs again right before each send: the family narrows its authorization (still active, but no
// longer allowing the emergency plan) while the letter waits for the school; the next attempt cancels it.
TEST_F(school_disclosure, scenario11_narrowed_while_queued_is_checked_again_before_sending) {
  auto port = free_port();
  start_gateway("http://127.0.0.1:" + std::to_string(port) + "/fhir");
  ASSERT_EQ(post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json").status, 201);
  auto id = request_letter("10-school-letter/letter-504-request.json");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return letter(id)["attempts"].GetInt() >= 1; }));

  auto text = with_future_expiry(read_file(test_data(scenarios + "10-school-letter/consent-hipaa-504.json")));
  auto plan = text.find("\"code\": \"emergency_plan\"");
  ASSERT_NE(plan, std::string::npos);
  text.replace(plan, 26, "\"code\": \"functional_impact\"");
  auto file = dir.path() / "narrowed.json";
  write_file(file, text);
  auto narrowed = http_call("PUT", gw.url("/fhir/Consent/1"), file);
  ASSERT_EQ(narrowed.status, 200) << narrowed.body;
  // Not a revocation: the update itself cancelled nothing (a revocation's answer names what it cancelled).
  // The letter's status is not checked here: the sender may already have re-checked it and cancelled it.
  EXPECT_EQ(narrowed.headers.find("X-Homebase-Disclosure"), std::string::npos) << narrowed.headers;

  ASSERT_TRUE(eventually([&] { return letter_status_is(id, "cancelled"); })) << fhir_text(letter(id));
  EXPECT_NE(std::string(letter(id)["reason"].GetString()).find("section_not_permitted"), std::string::npos);
  start_school(port);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_TRUE(letters_received(school).empty());
}

// Scenario 11, variant: revoked after the letter was sent: no recall, reliance noted, future letters blocked.
TEST_F(school_disclosure, scenario11_revoked_after_sending_blocks_only_future_letters) {
  start_school();
  start_gateway(school.base());
  ASSERT_EQ(post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json").status, 201);
  auto id = request_letter("10-school-letter/letter-504-request.json");
  ASSERT_TRUE(eventually([&] { return letter_status_is(id, "sent"); }));

  auto revoked = post_fixture("/fhir/Consent/1", "11-consent-revoked/consent-revocation.json", "PUT", "1");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_NE(revoked.headers.find("not recalled"), std::string::npos) << revoked.headers;
  EXPECT_TRUE(letter_status_is(id, "sent"));

  http_reply blocked;
  EXPECT_TRUE(request_letter("10-school-letter/letter-504-request.json", &blocked).empty());
  EXPECT_EQ(blocked.status, 422);
  EXPECT_EQ(letters_received(school).size(), 1U);

  auto record = stored_record();
  bool reliance = false;
  for (const auto& e : record.events) reliance = reliance || e.kind == "DisclosedInReliance";
  EXPECT_TRUE(reliance);
}

// Scenario 12: each mismatch ends in blocked(reason), a 422 naming it, an AuditEvent, and nothing sent.
struct blocked_case {
  const char* name;
  std::vector<const char*> consents;
  const char* request;
  const char* reason;
};

void PrintTo(const blocked_case& c, std::ostream* out) {
  *out << c.name;
}

class scenario12 : public school_disclosure, public ::testing::WithParamInterface<blocked_case> {};

TEST_P(scenario12, disclosure_blocked) {
  start_school();
  start_gateway(school.base());
  for (const auto* c : GetParam().consents) ASSERT_EQ(post_fixture("/fhir/Consent", c).status, 201) << c;
  http_reply reply;
  EXPECT_TRUE(request_letter(GetParam().request, &reply).empty());
  EXPECT_EQ(reply.status, 422);
  EXPECT_NE(reply.body.find(GetParam().reason), std::string::npos) << reply.body;
  auto audit = audit_events();
  ASSERT_EQ(audit["total"].GetInt(), 1);
  EXPECT_STREQ(audit["entry"][0]["resource"]["outcome"].GetString(), "4");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_TRUE(letters_received(school).empty());
}

INSTANTIATE_TEST_SUITE_P(
    variants, scenario12,
    ::testing::Values(blocked_case{"expired",
                                   {"12-disclosure-blocked/consent-expired.json"},
                                   "12-disclosure-blocked/letter-504-request.json",
                                   "expired"},
                      blocked_case{"different_school",
                                   {"10-school-letter/consent-hipaa-504.json"},
                                   "12-disclosure-blocked/letter-other-school.json",
                                   "recipient_mismatch"},
                      blocked_case{"excluded_class",
                                   {"10-school-letter/consent-hipaa-504.json"},
                                   "12-disclosure-blocked/letter-with-behavioral-health.json",
                                   "section_excluded"},
                      blocked_case{"foster_parent_without_documentation",
                                   {"12-disclosure-blocked/consent-foster-parent.json"},
                                   "12-disclosure-blocked/letter-504-request.json",
                                   "grantor_lacks_authority"},
                      blocked_case{"agreement_is_not_an_authorization",
                                   {"12-disclosure-blocked/consent-immunization-agreement.json"},
                                   "12-disclosure-blocked/letter-504-request.json",
                                   "purpose_mismatch"},
                      blocked_case{"no_authorization",
                                   {},
                                   "12-disclosure-blocked/letter-504-request.json",
                                   "no_authorization"}),
    [](const auto& test) { return std::string(test.param.name); });

// Scenario 12, the separate check: immunization proof under a documented parental agreement goes, alone.
TEST_F(school_disclosure, scenario12_immunization_proof_with_parental_agreement_is_sent) {
  start_school();
  start_gateway(school.base());
  ASSERT_EQ(post_fixture("/fhir/Consent", "12-disclosure-blocked/consent-immunization-agreement.json").status,
            201);
  auto id = request_letter("12-disclosure-blocked/letter-immunization-proof.json");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return letter_status_is(id, "sent"); })) << fhir_text(letter(id));
  auto letters = letters_received(school);
  ASSERT_EQ(letters.size(), 1U);
  EXPECT_EQ(section_codes(letters[0]), std::set<std::string>{"immunizations"});
  EXPECT_EQ(letters[0].find("G40.209"), std::string::npos);
}

TEST_F(school_disclosure, bad_consents_and_requests_are_answered_not_obeyed) {
  start_school();
  start_gateway(school.base());
  // Unknown child.
  auto file = dir.path() / "other-child.json";
  auto text = read_file(test_data(scenarios + "10-school-letter/consent-hipaa-504.json"));
  text.replace(text.find("SE-448812"), 9, "SE-000001");
  write_file(file, text);
  // The practice's app cannot tell an unknown child from another practice's: both are not its own (403).
  auto unknown = http_call("POST", gw.url("/fhir/Consent"), file);
  EXPECT_EQ(unknown.status, 403) << unknown.body;
  // An operator sees every child, so it is told that there is none.
  auto for_operator = http_call("POST", gw.url("/fhir/Consent"), file, "application/fhir+json",
                                bearer(access_token(gw, "operator")));
  EXPECT_EQ(for_operator.status, 422);
  EXPECT_NE(for_operator.body.find("no child"), std::string::npos) << for_operator.body;
  // Not valid R4.
  write_file(file, R"({"resourceType":"Consent","status":"revoked"})");
  EXPECT_EQ(http_call("POST", gw.url("/fhir/Consent"), file).status, 422);
  // Not a Parameters the operation knows.
  write_file(file,
             R"({"resourceType":"Parameters","parameter":[{"name":"kind","valueCode":"report_card"}]})");
  EXPECT_EQ(http_call("POST", gw.url("/fhir/$school-letter"), file).status, 422);
  EXPECT_EQ(http_call("PUT", gw.url("/fhir/Consent/99"),
                      test_data(scenarios + "11-consent-revoked/consent-revocation.json"))
                .status,
            404);
  // A search without parameters is the whole trail (an operator's view; gateway/audit/audit_api).
  auto everything = http_call("GET", gw.url("/fhir/AuditEvent"));
  EXPECT_EQ(everything.status, 200);
  EXPECT_STREQ(parse(everything.body)["type"].GetString(), "searchset");
  EXPECT_EQ(http_call("GET", gw.url("/fhir/AuditEvent?date=yesterday")).status, 400);
  // Consent/$validate is still the validate operation, not a Consent id.
  auto validated = http_call("POST", gw.url("/fhir/Consent/$validate"),
                             test_data(scenarios + "10-school-letter/consent-hipaa-504.json"));
  EXPECT_EQ(validated.status, 200) << validated.body;
  EXPECT_EQ(validated.body.find(R"("severity":"error")"), std::string::npos) << validated.body;
  auto metadata = http_call("GET", gw.url("/fhir/metadata"));
  EXPECT_NE(metadata.body.find(R"("name":"school-letter")"), std::string::npos);
  EXPECT_NE(metadata.body.find(R"("type":"Consent")"), std::string::npos);
  EXPECT_TRUE(letters_received(school).empty());
}

}  // namespace
}  // namespace homebase::testing
