// Scenario 15 (tests/fixtures/scenarios/15-transfer/README.md): a child changes medical home, through the
// real binary with two test medical homes (Meadowbrook Pediatrics and Lakeside Family Pediatrics, each a
// medical-home-server and a medical_home client). Message-driven: Meadowbrook is down (nothing listens on
// its port) while 01 and 02 wait, then 03 names Lakeside; Meadowbrook comes up afterwards and gets only its
// farewell. Operator: $transfer, then a message still naming Meadowbrook. Every wait polls with a deadline.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/scenario_fixture.hpp"
#include "tests/integration/scenario_test_support.hpp"

namespace homebase::testing {
namespace {

constexpr const char* scenario = "15-transfer";
constexpr const char* twin_a = "SEC-0071406";
constexpr const char* twin_b = "SEC-0071407";
constexpr const char* lakeside_npi = "1679576722";
const std::string transfer_reason = "transferred to another medical home";

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  return d;
}

class scenario_15 : public ::testing::Test {
 protected:
  // Lakeside up; Meadowbrook up only when `meadowbrook_up`, else its port is reserved for later.
  void start(bool meadowbrook_up) {
    std::string error;
    meadowbrook_port_ = free_port();
    ASSERT_TRUE(lakeside_.start(dir_, {}, error)) << error;
    if (meadowbrook_up) start_meadowbrook();
    gateway_options g;
    g.medical_home_base = "http://127.0.0.1:" + std::to_string(meadowbrook_port_) + "/fhir";
    g.second_home_base = lakeside_.base();
    g.second_home_npi = lakeside_npi;
    g.second_home_id = "lakeside";
    g.second_home_name = "Lakeside Family Pediatrics";
    g.max_attempts = 0;  // Meadowbrook's outage must not dead-letter anything
    g.max_backoff_ms = 300;
    ASSERT_TRUE(gw_.start(dir_, g, error)) << error;
  }
  void start_meadowbrook() {
    std::string error;
    medical_home_options o;
    o.port = meadowbrook_port_;
    ASSERT_TRUE(meadowbrook_.start(dir_, o, error)) << error;
  }

  int post(const std::string& file) {
    auto text = fixture_.load(scenario_fixture_dir() / file);
    EXPECT_TRUE(text.ok) << text.error;
    auto expanded = dir_.path() / ("posted-" + file);
    write_file(expanded, text.text);
    auto reply = http_call("POST", gw_.url("/fhir/$process-message"), expanded);
    EXPECT_EQ(reply.status, 200) << file << ": " << reply.body.substr(0, 1000);
    return reply.status;
  }
  static std::filesystem::path scenario_fixture_dir() {
    return test_data(std::string("fixtures/scenarios/") + scenario);
  }

  // Every message's (destination, status), from the admin API.
  std::vector<std::pair<std::string, std::string>> messages() const {
    auto d = parse(http_call("GET", gw_.url("/admin/messages?limit=1000"), {}, "").body);
    std::vector<std::pair<std::string, std::string>> out;
    if (!d.IsObject() || !d.HasMember("messages")) return out;
    for (const auto& m : d["messages"].GetArray()) out.emplace_back(str(m, "destination"), str(m, "status"));
    return out;
  }
  std::int64_t child_id() const {
    auto d = parse(http_call("GET", gw_.url("/admin/messages?limit=1"), {}, "").body);
    const auto* id = at(d, "messages.0.child_id");
    return id != nullptr && id->IsInt64() ? id->GetInt64() : 0;
  }
  // Every message is sent to `home`.
  bool messages_sent_to(const std::string& home) const {
    auto list = messages();
    if (list.empty()) return false;
    for (const auto& [destination, status] : list)
      if (destination != home || status != "sent") return false;
    return true;
  }
  // ... and nothing waits for delivery anywhere (an old home's farewell included).
  bool all_sent_to(const std::string& home) const {
    if (!messages_sent_to(home)) return false;
    auto d = parse(http_call("GET", gw_.url("/admin/status"), {}, "").body);
    const auto* queued = at(d, "deliveries.queued");
    const auto* retrying = at(d, "deliveries.retrying");
    return queued != nullptr && queued->IsInt64() && queued->GetInt64() == 0 && retrying != nullptr &&
           retrying->IsInt64() && retrying->GetInt64() == 0;
  }

  // Reads through the gateway's FHIR API as the medical home's own client.
  http_reply as_meadowbrook(const std::string& path) const {
    return http_call("GET", gw_.url("/fhir/" + path), {}, "");
  }
  http_reply as_lakeside(const std::string& path) const {
    return http_call("GET", gw_.url("/fhir/" + path), {}, "", bearer(access_token(gw_, "riverside-app")));
  }
  std::string patient_id(const std::string& mrn) const {
    auto d = parse(
        http_call("GET", gw_.url("/fhir/Patient?identifier=" + std::string(st_elsewhere_mrn) + "%7C" + mrn),
                  {}, "", bearer(access_token(gw_, "operator")))
            .body);
    return str(d, "entry.0.resource.id");
  }

  fhir_result at_home(const medical_home_server& home, const std::string& path) const {
    fhir_result out;
    auto reply = http_call("GET", home.base() + "/" + path);
    out.status = reply.status;
    out.body = reply.body;
    out.doc = std::make_shared<rapidjson::Document>();
    out.doc->Parse(out.body.c_str());
    if (const auto* entries = out.doc->IsObject() ? at(*out.doc, "entry") : nullptr;
        entries && entries->IsArray())
      for (const auto& e : entries->GetArray())
        if (e.HasMember("resource")) out.resources.push_back(&e["resource"]);
    return out;
  }

  // What Meadowbrook must show after its farewell (README "What must happen").
  void expect_farewell_at_meadowbrook() const {
    auto teams = at_home(meadowbrook_, "CareTeam?_count=100");
    ASSERT_EQ(teams.size(), 1U) << teams.body.substr(0, 500);
    const auto& team = *teams.resources[0];
    EXPECT_EQ(str(team, "status"), "inactive");
    int ended = 0;
    for (const auto& p : team["participant"].GetArray())
      if (str(p, "onBehalfOf.identifier.value") == "1234567893" ||
          str(p, "onBehalfOf.display") == "Meadowbrook Pediatrics")
        ended += str(p, "period.end").empty() ? 0 : 1;
    EXPECT_GE(ended, 2) << teams.body.substr(0, 2000);  // Brooks (PCP) and Chen (care coordinator)

    auto tasks = at_home(meadowbrook_, "Task?_count=200");
    ASSERT_GT(tasks.size(), 0U);
    int cancelled = 0;
    for (const auto* t : tasks.resources) {
      auto status = str(*t, "status");
      EXPECT_TRUE(status == "cancelled" || status == "completed" || status == "rejected" ||
                  status == "failed")
          << status << " " << str(*t, "identifier.0.value");
      if (status == "cancelled" && str(*t, "statusReason.text") == transfer_reason) ++cancelled;
    }
    EXPECT_GT(cancelled, 0);

    auto provenances = at_home(meadowbrook_, "Provenance?_count=200");
    int transfers = 0;
    for (const auto* p : provenances.resources)
      for (const auto& c : (*p)["activity"]["coding"].GetArray())
        if (str(c, "code") == "MedicalHomeTransfer") ++transfers;
    EXPECT_EQ(transfers, 1);
    // Nothing at Meadowbrook names the new practice.
    for (const char* type : {"Patient", "CareTeam", "Task", "Provenance", "Organization", "Practitioner"}) {
      auto all = at_home(meadowbrook_, std::string(type) + "?_count=200");
      EXPECT_EQ(all.body.find("Lakeside Family"), std::string::npos) << type;
      EXPECT_EQ(all.body.find(lakeside_npi), std::string::npos) << type;
    }
  }

  temp_dir dir_;
  medical_home_server lakeside_;
  medical_home_server meadowbrook_;
  gateway_process gw_;
  scenario_fixture fixture_{utc_today()};
  unsigned short meadowbrook_port_ = 0;
};

TEST_F(scenario_15, a_message_naming_a_new_practice_moves_the_child_and_what_was_queued_follows_it) {
  ASSERT_NO_FATAL_FAILURE(start(false));
  ASSERT_EQ(post("01-nicu-discharge.json"), 200);
  ASSERT_EQ(post("02-nicu-discharge-amended.json"), 200);
  auto patient = patient_id(twin_a);
  ASSERT_FALSE(patient.empty());
  // Before: Meadowbrook's client reads the child, Lakeside's does not.
  EXPECT_EQ(as_meadowbrook("Patient/" + patient).status, 200);
  EXPECT_EQ(as_lakeside("Patient/" + patient).status, 404);
  for (const auto& [destination, status] : messages()) EXPECT_EQ(destination, "meadowbrook") << status;

  ASSERT_EQ(post("03-nicu-discharge-new-practice.json"), 200);
  // From the commit: Meadowbrook's client loses the child (read and search), Lakeside's has it.
  EXPECT_EQ(as_meadowbrook("Patient/" + patient).status, 404);
  auto search =
      parse(as_meadowbrook("Patient?identifier=" + std::string(st_elsewhere_mrn) + "%7C" + twin_a).body);
  EXPECT_EQ(at(search, "total") != nullptr ? at(search, "total")->GetInt() : -1, 0);
  auto tasks = parse(as_meadowbrook("Task?patient=" + patient).body);
  EXPECT_EQ(at(tasks, "entry.0"), nullptr);
  EXPECT_EQ(as_meadowbrook("Patient/" + patient + "/$medical-home-checklist").status, 404);
  EXPECT_EQ(as_lakeside("Patient/" + patient).status, 200);

  // Lakeside gets everything, the re-targeted 01 and 02 included, while Meadowbrook is still down (its
  // farewell waits for it).
  ASSERT_TRUE(eventually([&] { return messages_sent_to("lakeside"); }, std::chrono::seconds(60)))
      << http_call("GET", gw_.url("/admin/messages?limit=10"), {}, "").body.substr(0, 3000);
  EXPECT_EQ(messages().size(), 3U);
  EXPECT_EQ(at_home(lakeside_, "Patient?identifier=" + std::string(twin_a)).size(), 1U);
  EXPECT_GT(at_home(lakeside_, "Task?_count=200").size(), 0U);

  // Meadowbrook comes back: one last transaction, its farewell.
  ASSERT_NO_FATAL_FAILURE(start_meadowbrook());
  ASSERT_TRUE(eventually([&] { return meadowbrook_.transaction_posts() >= 1; }, std::chrono::seconds(60)));
  ASSERT_TRUE(
      eventually([&] { return all_sent_to("lakeside") && at_home(meadowbrook_, "CareTeam").size() == 1; },
                 std::chrono::seconds(30)));
  expect_farewell_at_meadowbrook();
  EXPECT_EQ(meadowbrook_.transaction_posts(), 1);

  // A later message reaches Lakeside only.
  ASSERT_EQ(post("04-nicu-discharge-furosemide.json"), 200);
  ASSERT_TRUE(eventually([&] { return messages().size() == 4U && all_sent_to("lakeside"); },
                         std::chrono::seconds(60)));
  EXPECT_EQ(at_home(lakeside_, "MedicationStatement?_count=100").size(), 3U);
  EXPECT_EQ(meadowbrook_.transaction_posts(), 1);
  auto provenances = at_home(lakeside_, "Provenance?_count=200");
  EXPECT_NE(provenances.body.find("MedicalHomeTransfer"), std::string::npos);

  // The transfer's AuditEvent names the partner's message as the cause.
  auto audit = http_call("GET", gw_.url("/fhir/AuditEvent?subtype=transfer"), {}, "",
                         bearer(access_token(gw_, "operator")));
  ASSERT_EQ(audit.status, 200) << audit.body.substr(0, 500);
  auto events = parse(audit.body);
  ASSERT_NE(at(events, "entry.0.resource"), nullptr) << audit.body.substr(0, 500);
  EXPECT_EQ(at(events, "entry.1"), nullptr);
  EXPECT_NE(audit.body.find("st-elsewhere-nicu"), std::string::npos);
}

TEST_F(scenario_15, an_operator_transfer_sticks_against_a_message_naming_the_old_practice) {
  ASSERT_NO_FATAL_FAILURE(start(true));
  ASSERT_EQ(post("alt-01-nicu-discharge-twin-b.json"), 200);
  ASSERT_TRUE(eventually([&] { return all_sent_to("meadowbrook"); }, std::chrono::seconds(60)));
  ASSERT_EQ(meadowbrook_.transaction_posts(), 1);
  auto child = child_id();
  ASSERT_GT(child, 0);
  auto patient = patient_id(twin_b);
  ASSERT_FALSE(patient.empty());
  EXPECT_EQ(as_meadowbrook("Patient/" + patient).status, 200);

  // Unknown home, unknown child: refused, nothing moved.
  auto bad = dir_.path() / "bad.json";
  write_file(bad, R"({"medical_home":"nowhere"})");
  EXPECT_EQ(http_call("POST", gw_.url("/admin/children/" + std::to_string(child) + "/$transfer"), bad,
                      "application/json")
                .status,
            400);
  auto body = dir_.path() / "transfer.json";
  write_file(body,
             R"({"resourceType":"Parameters","parameter":[{"name":"medical-home","valueId":"lakeside"},)"
             R"({"name":"reason","valueString":"family moved to the lake district"}]})");
  EXPECT_EQ(http_call("POST", gw_.url("/admin/children/999999/$transfer"), body).status, 404);
  // A medical home's client may not transfer.
  EXPECT_EQ(http_call("POST", gw_.url("/admin/children/" + std::to_string(child) + "/$transfer"), body,
                      "application/fhir+json", bearer(access_token(gw_, "meadowbrook-app")))
                .status,
            403);
  EXPECT_EQ(as_meadowbrook("Patient/" + patient).status, 200);

  auto reply = http_call("POST", gw_.url("/admin/children/" + std::to_string(child) + "/$transfer"), body);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find(R"("name":"transferred","valueBoolean":true)"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find(R"("name":"to","valueString":"lakeside")"), std::string::npos) << reply.body;
  EXPECT_EQ(as_meadowbrook("Patient/" + patient).status, 404);
  EXPECT_EQ(as_lakeside("Patient/" + patient).status, 200);

  ASSERT_TRUE(eventually([&] { return meadowbrook_.transaction_posts() == 2; }, std::chrono::seconds(60)));
  ASSERT_TRUE(
      eventually([&] { return at_home(lakeside_, "Patient?identifier=" + std::string(twin_b)).size() == 1U; },
                 std::chrono::seconds(60)));
  expect_farewell_at_meadowbrook();

  // The hospital still names Meadowbrook: the pin holds, Lakeside only.
  ASSERT_EQ(post("alt-02-nicu-discharge-twin-b-amended.json"), 200);
  ASSERT_TRUE(eventually(
      [&] {
        auto list = messages();
        return list.size() == 2U && list[0] == std::make_pair(std::string("lakeside"), std::string("sent"));
      },
      std::chrono::seconds(60)));
  ASSERT_TRUE(eventually([&] { return at_home(lakeside_, "MedicationStatement?_count=100").size() == 3U; },
                         std::chrono::seconds(30)));
  EXPECT_EQ(meadowbrook_.transaction_posts(), 2);
  EXPECT_EQ(as_meadowbrook("Patient/" + patient).status, 404);
  auto audit = http_call("GET", gw_.url("/fhir/AuditEvent?subtype=transfer"), {}, "",
                         bearer(access_token(gw_, "operator")));
  EXPECT_NE(audit.body.find("family moved to the lake district"), std::string::npos)
      << audit.body.substr(0, 500);
}

}  // namespace
}  // namespace homebase::testing
