// The read API against the real binary: the seed message is posted once, then what the gateway built
// for the child is read and searched as plain FHIR R4 REST (api/fhir_rest_api), including by a real
// client (npm fhir-kit-client, tests/tools/read-api-client.mjs).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <set>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

const std::string mrn_system = "http://st-elsewhere-childrens.example.org/fhir/sid/mrn";
const std::string mrn = "SEC-0048213";

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  EXPECT_FALSE(doc.HasParseError()) << body.substr(0, 300);
  return doc;
}

std::string header(const std::string& headers, const std::string& name) {
  auto at = headers.find(name + ": ");
  if (at == std::string::npos) return {};
  auto end = headers.find("\r\n", at);
  return headers.substr(at + name.size() + 2, end - at - name.size() - 2);
}

class fhir_read_api : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new temp_dir();
    gw_ = new gateway_process();
    std::string error;
    ASSERT_TRUE(gw_->start(*dir_, {.medical_home_base = "http://127.0.0.1:9/fhir"}, error)) << error;
    auto seed = dir_->path() / "seed.json";
    write_file(seed, seed_text());
    auto reply = http_call("POST", gw_->url("/fhir/$process-message"), seed);
    ASSERT_EQ(reply.status, 200) << reply.body;
    // Right after the 200: the index was written in the same transaction.
    auto found = http_call("GET", gw_->url("/fhir/Patient?identifier=" + mrn_system + "%7C" + mrn));
    ASSERT_EQ(found.status, 200) << found.body;
    auto bundle = parse(found.body);
    ASSERT_EQ(bundle["total"].GetInt(), 1) << found.body;
    patient_id_ = bundle["entry"][0]["resource"]["id"].GetString();
  }
  static void TearDownTestSuite() {
    delete gw_;
    delete dir_;
  }
  static int total(const std::string& path_and_query, const std::vector<std::string>& extra = {}) {
    auto reply = http_call("GET", gw_->url(path_and_query), {}, "", extra);
    EXPECT_EQ(reply.status, 200) << path_and_query << ": " << reply.body;
    auto doc = parse(reply.body);
    if (!doc.IsObject() || !doc.HasMember("total")) return -1;
    EXPECT_STREQ(doc["type"].GetString(), "searchset");
    return doc["total"].GetInt();
  }
  static void expect_outcome(const http_reply& reply, int status, const std::string& text) {
    EXPECT_EQ(reply.status, status) << reply.body;
    EXPECT_NE(reply.body.find(R"("resourceType":"OperationOutcome")"), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find(text), std::string::npos) << reply.body;
  }
  static temp_dir* dir_;
  static gateway_process* gw_;
  static std::string patient_id_;
};
temp_dir* fhir_read_api::dir_ = nullptr;
gateway_process* fhir_read_api::gw_ = nullptr;
std::string fhir_read_api::patient_id_;

TEST_F(fhir_read_api, reads_a_resource_with_version_headers) {
  auto reply = http_call("GET", gw_->url("/fhir/Patient/" + patient_id_));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(header(reply.headers, "ETag"), "W/\"1\"");
  EXPECT_TRUE(header(reply.headers, "Last-Modified").ends_with(" GMT")) << reply.headers;
  EXPECT_NE(reply.headers.find("application/fhir+json"), std::string::npos);
  auto patient = parse(reply.body);
  EXPECT_STREQ(patient["id"].GetString(), patient_id_.c_str());
  EXPECT_STREQ(patient["meta"]["versionId"].GetString(), "1");
  EXPECT_TRUE(patient["meta"].HasMember("lastUpdated"));
  // Types that are read but not searched: every reference between the child's resources resolves by read.
  auto team = parse(http_call("GET", gw_->url("/fhir/CareTeam?patient=" + patient_id_)).body);
  int practitioners = 0;
  for (const auto& member : team["entry"][0]["resource"]["participant"].GetArray()) {
    if (!member.HasMember("member") || !member["member"].HasMember("reference")) continue;
    std::string ref = member["member"]["reference"].GetString();
    auto read = http_call("GET", gw_->url("/fhir/" + ref));
    EXPECT_EQ(read.status, 200) << ref << ": " << read.body;
    if (ref.starts_with("Practitioner/")) ++practitioners;
  }
  EXPECT_GT(practitioners, 0);
  expect_outcome(http_call("GET", gw_->url("/fhir/Observation?_count=1")), 404,
                 "search is not served for Observation");
}

TEST_F(fhir_read_api, searches_by_patient_in_its_r4_forms) {
  EXPECT_EQ(total("/fhir/Appointment?patient=" + patient_id_), 8);
  EXPECT_EQ(total("/fhir/Appointment?patient=Patient/" + patient_id_), 8);
  EXPECT_EQ(total("/fhir/ServiceRequest?subject=Patient/" + patient_id_), 7);
  EXPECT_EQ(total("/fhir/RelatedPerson?patient=" + patient_id_), 2);
  EXPECT_EQ(total("/fhir/CareTeam?subject=" + patient_id_), 1);
  EXPECT_EQ(total("/fhir/CarePlan?patient=Patient/" + patient_id_), 1);
  EXPECT_EQ(total("/fhir/Appointment?patient=Patient/someone-else"), 0);
  // The coordination rules' work for the seed child (PCP visit, outreach, interpreter, agenda, ...).
  EXPECT_GT(total("/fhir/Task?patient=" + patient_id_), 0);
  EXPECT_EQ(total("/fhir/Task?patient=Patient/someone-else"), 0);
  EXPECT_EQ(total("/fhir/Patient?_id=" + patient_id_), 1);
}

TEST_F(fhir_read_api, searches_by_status_and_identifier) {
  EXPECT_EQ(total("/fhir/Appointment?status=booked"), 8);
  EXPECT_EQ(total("/fhir/Appointment?status=cancelled,noshow"), 0);
  EXPECT_EQ(total("/fhir/ServiceRequest?status=active&patient=" + patient_id_), 7);
  EXPECT_EQ(total("/fhir/Appointment?identifier=APT-0048213-cardiology"), 1);
  EXPECT_EQ(total("/fhir/Appointment?identifier=http://st-elsewhere-childrens.example.org/fhir/sid/"
                  "appointment%7CAPT-0048213-cardiology"),
            1);
  EXPECT_EQ(total("/fhir/Appointment?identifier=http://other.example.org%7CAPT-0048213-cardiology"), 0);
}

TEST_F(fhir_read_api, date_ranges_follow_the_r4_prefixes) {
  // Starts: 03-12 ophthalmology, 03-13 weight check, 03-14, 03-18, 03-20, 03-21, 03-25, 03-27 (all -04:00).
  EXPECT_EQ(total("/fhir/Appointment?date=2024-03"), 8);
  EXPECT_EQ(total("/fhir/Appointment?date=2024-03-13"), 1);
  EXPECT_EQ(total("/fhir/Appointment?date=ge2024-03-20"), 4);
  EXPECT_EQ(total("/fhir/Appointment?date=ge2024-03-14&date=lt2024-03-21"), 3);
  EXPECT_EQ(total("/fhir/Appointment?date=sa2024-03-25"), 1);
  EXPECT_EQ(total("/fhir/Appointment?date=eb2024-03-13"), 1);
  EXPECT_EQ(total("/fhir/Appointment?date=ne2024-03"), 0);
  EXPECT_EQ(total("/fhir/Appointment?date=2024-03-12,2024-03-27"), 2);
  EXPECT_EQ(total("/fhir/Appointment?date=2024-03-12T09:00:00-04:00"), 1);
  EXPECT_EQ(total("/fhir/Appointment?date=2024-03-12T13:00:00Z"), 1);  // the same instant in UTC
  EXPECT_EQ(total("/fhir/ServiceRequest?authored=2024-03-05"), 7);
  EXPECT_EQ(total("/fhir/ServiceRequest?authored=gt2024-03-06"), 0);
  EXPECT_EQ(total("/fhir/CareTeam?date=2024"), 0);  // its period has no end: not within 2024
  EXPECT_EQ(total("/fhir/Patient?birthdate=2024-01-17"), 1);
}

TEST_F(fhir_read_api, last_updated_is_when_the_gateway_stored_the_content) {
  EXPECT_EQ(total("/fhir/Appointment?_lastUpdated=gt2099"), 0);
  EXPECT_EQ(total("/fhir/Appointment?_lastUpdated=lt2099"), 8);
  EXPECT_EQ(total("/fhir/Appointment?_lastUpdated=le2000"), 0);
}

TEST_F(fhir_read_api, next_links_walk_every_match_once) {
  std::string url = gw_->url("/fhir/Appointment?patient=" + patient_id_ + "&_count=3");
  std::set<std::string> ids;
  int pages = 0, total_seen = -1;
  while (!url.empty() && pages < 10) {
    auto reply = http_call("GET", url);
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto doc = parse(reply.body);
    total_seen = doc["total"].GetInt();
    ++pages;
    if (doc.HasMember("entry"))
      for (const auto& e : doc["entry"].GetArray()) {
        std::string id = e["resource"]["id"].GetString();
        EXPECT_TRUE(ids.insert(id).second) << "repeated " << id;
        EXPECT_EQ(std::string(e["fullUrl"].GetString()), gw_->url("/fhir/Appointment/" + id));
        EXPECT_STREQ(e["search"]["mode"].GetString(), "match");
      }
    url.clear();
    std::string self;
    for (const auto& link : doc["link"].GetArray()) {
      if (std::string(link["relation"].GetString()) == "next") url = link["url"].GetString();
      if (std::string(link["relation"].GetString()) == "self") self = link["url"].GetString();
    }
    EXPECT_NE(self.find("_count=3"), std::string::npos) << self;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(total_seen, 8);
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_EQ(total("/fhir/Appointment?_count=0"), 8);  // the total alone
}

TEST_F(fhir_read_api, include_adds_the_patient_once) {
  auto reply = http_call("GET", gw_->url("/fhir/Appointment?_include=Appointment:patient&_count=5"));
  ASSERT_EQ(reply.status, 200);
  auto doc = parse(reply.body);
  int matches = 0, includes = 0;
  for (const auto& e : doc["entry"].GetArray()) {
    std::string mode = e["search"]["mode"].GetString();
    if (mode == "match") ++matches;
    if (mode == "include") {
      ++includes;
      EXPECT_STREQ(e["resource"]["resourceType"].GetString(), "Patient");
      EXPECT_STREQ(e["resource"]["id"].GetString(), patient_id_.c_str());
    }
  }
  EXPECT_EQ(matches, 5);
  EXPECT_EQ(includes, 1);
  EXPECT_EQ(doc["total"].GetInt(), 8);  // includes do not count
}

TEST_F(fhir_read_api, post_search_takes_a_form_body) {
  auto form = dir_->path() / "form.txt";
  write_file(form, "status=booked&date=ge2024-03-20");
  auto reply =
      http_call("POST", gw_->url("/fhir/Appointment/_search"), form, "application/x-www-form-urlencoded");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(parse(reply.body)["total"].GetInt(), 4);
  auto json = http_call("POST", gw_->url("/fhir/Appointment/_search"), form, "application/fhir+json");
  expect_outcome(json, 415, "x-www-form-urlencoded");
}

TEST_F(fhir_read_api, bad_requests_get_an_operation_outcome) {
  expect_outcome(http_call("GET", gw_->url("/fhir/Patient/not-there")), 404, "not known");
  expect_outcome(http_call("GET", gw_->url("/fhir/Basic/abc")), 404, "not known");
  expect_outcome(http_call("GET", gw_->url("/fhir/Patient/bad$id")), 400, "is not an R4 id");
  expect_outcome(http_call("GET", gw_->url("/fhir/Patient/" + std::string(65, 'a'))), 400, "is not an R4 id");
  expect_outcome(http_call("GET", gw_->url("/fhir/Appointment?date=2024-13")), 400, "'date'");
  expect_outcome(http_call("GET", gw_->url("/fhir/Appointment?_count=many")), 400, "'_count'");
  expect_outcome(http_call("GET", gw_->url("/fhir/Appointment?_lastUpdated=soon")), 400, "'_lastUpdated'");
  expect_outcome(http_call("GET", gw_->url("/fhir/Appointment?patient=a%20b")), 400, "'patient'");
  expect_outcome(http_call("GET", gw_->url("/fhir/Appointment?status:not=booked")), 400, "'status:not'");
  expect_outcome(http_call("GET", gw_->url("/fhir/Practitioner")), 404, "search is not served");
  expect_outcome(http_call("DELETE", gw_->url("/fhir/Patient/" + patient_id_)), 405, "not allowed");
  expect_outcome(http_call("PUT", gw_->url("/fhir/Appointment")), 405, "not allowed");
  // Unknown parameters: ignored, or refused when the client asks for strict handling.
  EXPECT_EQ(total("/fhir/Appointment?_sort=date&color=blue"), 8);
  expect_outcome(
      http_call("GET", gw_->url("/fhir/Appointment?color=blue"), {}, "", {"-H", "Prefer: handling=strict"}),
      400, "'color'");
  EXPECT_EQ(total("/fhir/Appointment?status=booked", {"-H", "Prefer: handling=strict"}), 8);
}

TEST_F(fhir_read_api, the_capability_statement_lists_read_and_search) {
  auto reply = http_call("GET", gw_->url("/fhir/metadata"));
  auto cs = parse(reply.body);
  std::set<std::string> searched;
  for (const auto& r : cs["rest"][0]["resource"].GetArray()) {
    for (const auto& i : r["interaction"].GetArray())
      if (std::string(i["code"].GetString()) == "search-type") searched.insert(r["type"].GetString());
  }
  // The seven types of the resource index, the school letters kept as DocumentReferences, and the
  // disclosure audit trail (gateway/disclosure).
  EXPECT_EQ(searched,
            (std::set<std::string>{"Appointment", "AuditEvent", "CarePlan", "CareTeam", "DocumentReference",
                                   "Patient", "RelatedPerson", "ServiceRequest", "Task"}));
}

TEST_F(fhir_read_api, a_real_fhir_client_reads_searches_and_pages) {
  std::string output;
  // As the practice's care-coordination app would: with its SMART access token.
  auto token = access_token(*gw_, "meadowbrook-app");
  ASSERT_FALSE(token.empty());
  int status = run({"env", "ACCESS_TOKEN=" + token, node_binary(),
                    test_data("tools/read-api-client.mjs").string(), gw_->url("/fhir"), mrn_system, mrn},
                   output);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("PASS page through Appointments: total=8 seen=8 pages=3"), std::string::npos)
      << output;
}

// Its own gateway: versions move only when content does.
TEST(fhir_read_api_versions, a_repeat_of_the_same_content_keeps_the_version) {
  temp_dir dir;
  gateway_process gw;
  std::string error;
  ASSERT_TRUE(gw.start(dir, {.medical_home_base = "http://127.0.0.1:9/fhir"}, error)) << error;
  auto first = dir.path() / "first.json";
  auto second = dir.path() / "second.json";
  write_file(first, seed_text());
  // Another message (new ids) with the same clinical content merges into the same child.
  write_file(second, make_variant(seed_text(), {.bundle_id = "b-again", .header_id = "h-again"}));
  ASSERT_EQ(http_call("POST", gw.url("/fhir/$process-message"), first).status, 200);
  auto search = http_call("GET", gw.url("/fhir/Appointment?identifier=APT-0048213-cardiology"));
  auto id = std::string(parse(search.body)["entry"][0]["resource"]["id"].GetString());
  auto before = http_call("GET", gw.url("/fhir/Appointment/" + id));
  ASSERT_EQ(http_call("POST", gw.url("/fhir/$process-message"), second).status, 200);
  auto after = http_call("GET", gw.url("/fhir/Appointment/" + id));
  EXPECT_EQ(header(after.headers, "ETag"), "W/\"1\"");
  EXPECT_EQ(after.body, before.body);
  EXPECT_NE(http_call("GET", gw.url("/fhir/Appointment?_lastUpdated=lt2099")).body.find(R"("total":8)"),
            std::string::npos);
}

// Issue 4 item 7: the seed story's child answered against the Medical Homes Checklist, from its record.
TEST_F(fhir_read_api, the_medical_home_checklist_answers_for_the_seed_story) {
  auto reply = http_call("GET", gw_->url("/fhir/Patient/" + patient_id_ + "/$medical-home-checklist"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto p = parse(reply.body);
  ASSERT_STREQ(p["resourceType"].GetString(), "Parameters");
  std::map<int, std::string> status;
  std::map<int, std::vector<std::string>> evidence;
  for (const auto& param : p["parameter"].GetArray()) {
    if (std::string(param["name"].GetString()) != "item") continue;
    int number = 0;
    for (const auto& part : param["part"].GetArray()) {
      std::string name = part["name"].GetString();
      if (name == "number") number = part["valueInteger"].GetInt();
      if (name == "status") status[number] = part["valueCode"].GetString();
      if (name == "evidence") evidence[number].push_back(part["valueString"].GetString());
    }
  }
  ASSERT_EQ(status.size(), 11u);
  EXPECT_EQ(status[3], "not-derivable");
  EXPECT_EQ(status[5], "not-derivable");
  EXPECT_NE(status[7], "no-evidence");  // seven referrals tracked
  ASSERT_FALSE(evidence[7].empty());
  EXPECT_NE(evidence[7][0].find("7 referrals tracked to closure"), std::string::npos) << evidence[7][0];
  EXPECT_EQ(status[10], "evidence");    // the shared plan of care exists
  EXPECT_NE(status[9], "no-evidence");  // parent partner outreach is on the coordinator's list
  // The answer is valid R4.
  auto file = dir_->path() / "checklist.json";
  write_file(file, reply.body);
  auto checked = http_call("POST", gw_->url("/fhir/$validate"), file);
  EXPECT_EQ(checked.body.find(R"("severity":"error")"), std::string::npos) << checked.body;

  expect_outcome(http_call("GET", gw_->url("/fhir/Patient/nobody/$medical-home-checklist")), 404,
                 "no Patient");
  EXPECT_EQ(http_call("POST", gw_->url("/fhir/Patient/" + patient_id_ + "/$medical-home-checklist")).status,
            405);
}

}  // namespace
}  // namespace homebase::testing
