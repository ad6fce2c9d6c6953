// coordinator_view on a real store filled through the real intake (pipeline/message_intake): the seed story
// (Anjali, discharged to Meadowbrook with seven specialist appointments and weekly weight checks) and
// scenario 5 (Sofía, Spanish-speaking parents, a pulmonology referral whose report is overdue), routed to
// another medical home. Each view shows one home's children only.
#include "gateway/console/coordinator_view.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <future>
#include <map>

#include "fhir/fhir_time.hpp"
#include "gateway/pipeline/message_intake.hpp"
#include "gateway/store/letter_table.hpp"
#include "tests/integration/scenario_fixture.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::gateway::console {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;
using namespace std::chrono;

constexpr const char* config_text = R"(server:
  public_base_url: http://127.0.0.1:8080/fhir
partners:
  - id: st-elsewhere-nicu
    source_endpoints:
      - https://ehr.st-elsewhere-childrens.example.org/fhir
      - https://ehr.riverside-peds-pulm.example.org/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "1203984756"}]
auth:
  development_mode: true
medical_homes:
  - id: meadowbrook
    name: Meadowbrook Pediatrics
    fhir_base_url: http://127.0.0.1:9/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "1234567893"}]
  - id: riverbend
    name: Riverbend Family Medicine
    fhir_base_url: http://127.0.0.1:9/riverbend
    patients: [{system: "http://st-elsewhere-childrens.example.org/fhir/sid/mrn", value: SEC-0071406}]
schools:
  - id: lincoln-usd
    name: Lincoln Unified School District
    fhir_base_url: http://127.0.0.1:9/school
    organization_identifiers: [{system: "http://homebase.example.org/fhir/sid/school-district", value: lincoln-usd}]
)";

class coordinator_view_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pattern = (fs::temp_directory_path() / "hb-coordinator-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    dir_ = mkdtemp(buffer.data());
    config_ = config::load_text(config_text);
    store_ = new store::sqlite_store(store::sqlite_store::options{(dir_ / "t.db").string(), 16});
    pipeline::message_intake intake(config_, *store_, [](const std::string&) {});
    post(intake, mappers::testing::read_text(mappers::testing::data_path(mappers::testing::seed_fixture)));
    testing::scenario_fixture scenario(testing::utc_today());
    for (const auto& file : testing::scenario_message_files(fs::path(HOMEBASE_TEST_DATA_DIR) /
                                                            "fixtures/scenarios/05-referral-loop-overdue")) {
      if (file.filename().string().starts_with("03")) break;  // the report stays out: the loop is open
      auto text = scenario.load(file);
      ASSERT_TRUE(text.ok) << text.error;
      post(intake, text.text);
    }
  }
  static void TearDownTestSuite() {
    delete store_;
    store_ = nullptr;
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static void post(pipeline::message_intake& intake, std::string body) {
    asio::io_context ioc{1};
    auto guard = asio::make_work_guard(ioc);  // the store's completions arrive from its writer thread
    http::request req{bhttp::verb::post, "/fhir/$process-message", 11};
    req.set(bhttp::field::content_type, "application/fhir+json");
    req.body() = std::move(body);
    auth::principal dev;
    dev.method = auth::auth_method::development;
    std::optional<http::response> out;
    asio::co_spawn(ioc, intake.process(req, dev), [&](std::exception_ptr error, http::response res) {
      EXPECT_FALSE(error);
      out = std::move(res);
    });
    while (!out) ioc.run_one();
    ASSERT_EQ(out->result_int(), 200U) << out->body();
  }

  static coordinator_request as(const std::string& home) { return {home, store::now_ms()}; }

  static rapidjson::Document parse(const coordinator_answer& a) {
    rapidjson::Document d;
    d.Parse(a.json.c_str());
    EXPECT_FALSE(d.HasParseError()) << a.json;
    return d;
  }

  // The Patient id of the one child of `home` called `name`.
  static std::string patient_of(const std::string& home, const std::string& name) {
    auto answer = coordinator_children(*store_, *config_, as(home));
    auto d = parse(answer);
    for (const auto& c : d["children"].GetArray())
      if (std::string(c["name"].GetString()) == name) return c["patient_id"].GetString();
    return {};
  }

  static inline fs::path dir_;
  static inline config::config_ptr config_;
  static inline store::sqlite_store* store_ = nullptr;
};

TEST_F(coordinator_view_test, each_home_lists_only_its_own_children) {
  auto meadowbrook = coordinator_children(*store_, *config_, as("meadowbrook"));
  ASSERT_EQ(meadowbrook.result, coordinator_answer::outcome::ok) << meadowbrook.json;
  auto d = parse(meadowbrook);
  ASSERT_EQ(d["children"].Size(), 1U) << meadowbrook.json;
  const auto& anjali = d["children"][0];
  EXPECT_STREQ(anjali["name"].GetString(), "Anjali Sharma");
  EXPECT_STREQ(anjali["birth_date"].GetString(), "2024-01-17");
  EXPECT_EQ(anjali["open_referrals"].GetInt(), 7);
  EXPECT_GT(anjali["open_tasks"].GetInt(), 0);
  EXPECT_EQ(meadowbrook.patients, std::vector<std::string>{anjali["patient_id"].GetString()});

  auto riverbend = parse(coordinator_children(*store_, *config_, as("riverbend")));
  ASSERT_EQ(riverbend["children"].Size(), 1U);
  EXPECT_STREQ(riverbend["children"][0]["name"].GetString(), "Sofía Reyes");
  EXPECT_STREQ(riverbend["children"][0]["interpreter_language"].GetString(), "es");

  EXPECT_EQ(coordinator_children(*store_, *config_, as("nowhere")).result,
            coordinator_answer::outcome::not_found);
}

TEST_F(coordinator_view_test, anjalis_six_weeks_show_seven_specialists_and_the_weight_checks) {
  auto patient = patient_of("meadowbrook", "Anjali Sharma");
  ASSERT_FALSE(patient.empty());
  auto answer =
      coordinator_timeline(*store_, *config_, as("meadowbrook"), patient, sys_days(2024y / March / 6));
  ASSERT_EQ(answer.result, coordinator_answer::outcome::ok) << answer.json;
  EXPECT_EQ(answer.patients, std::vector<std::string>{patient});
  auto d = parse(answer);
  EXPECT_STREQ(d["from"].GetString(), "2024-03-06");
  EXPECT_STREQ(d["to"].GetString(), "2024-04-16");
  ASSERT_EQ(d["weeks"].Size(), 6U);

  // The seven specialist visits, each by its specialty, on the day and at the time the hospital booked.
  std::map<std::string, std::string> specialists;  // specialty -> "date time"
  std::vector<std::string> weight_visits;
  for (const auto& week : d["weeks"].GetArray())
    for (const auto& v : week["visits"].GetArray()) {
      std::string when = std::string(v["date"].GetString()) + " " + v["time"].GetString();
      if (std::string(v["kind"].GetString()) == "specialist") specialists[v["specialty"].GetString()] = when;
      if (std::string(v["kind"].GetString()) == "weight-check") weight_visits.push_back(when);
      EXPECT_FALSE(v.HasMember("interpreter")) << "the family speaks English";
    }
  EXPECT_EQ(specialists, (std::map<std::string, std::string>{{"ophthalmology", "2024-03-12 09:00"},
                                                             {"audiology", "2024-03-14 13:00"},
                                                             {"pulmonology", "2024-03-18 10:00"},
                                                             {"cardiology", "2024-03-20 08:30"},
                                                             {"gi-nutrition", "2024-03-21 11:00"},
                                                             {"neurosurgery", "2024-03-25 14:00"},
                                                             {"neonatal-follow-up", "2024-03-27 09:00"}}));
  EXPECT_EQ(d["summary"]["specialist_visits"].GetInt(), 7);
  EXPECT_EQ(weight_visits, std::vector<std::string>{"2024-03-13 10:00"});

  // Weekly weight checks after the discharge on 6 March: five fall in the window (13 March .. 10 April),
  // the first one booked at the practice.
  EXPECT_EQ(d["summary"]["weight_checks"].GetInt(), 5);
  std::vector<std::string> dues;
  for (const auto& week : d["weeks"].GetArray())
    for (const auto& c : week["weight_checks"].GetArray()) dues.push_back(c["due"].GetString());
  EXPECT_EQ(dues,
            (std::vector<std::string>{"2024-03-13", "2024-03-20", "2024-03-27", "2024-04-03", "2024-04-10"}));
  const auto& first = d["weeks"][1]["weight_checks"][0];
  EXPECT_STREQ(first["status"].GetString(), "booked");
  EXPECT_EQ(std::string(first["detail"].GetString()).find("2024-03-13 10:00"), 0U);

  // Four visits at two sites from 12 to 18 March: more than three in 7 days is a cluster.
  ASSERT_EQ(d["clusters"].Size(), 1U) << answer.json;
  EXPECT_STREQ(d["clusters"][0]["first"].GetString(), "2024-03-12");
  EXPECT_STREQ(d["clusters"][0]["last"].GetString(), "2024-03-18");
  EXPECT_EQ(d["clusters"][0]["visits"].GetInt(), 4);

  // Seven open referrals; their loop-closure clocks start at the visit.
  ASSERT_EQ(d["referrals"].Size(), 7U);
  for (const auto& ref : d["referrals"].GetArray()) {
    EXPECT_STREQ(ref["loop_clock"]["state"].GetString(), "not-started");
    EXPECT_TRUE(ref.HasMember("appointment")) << ref["specialty"].GetString();
  }

  // The Medical Home Checklist with its evidence: the 11 items of the $medical-home-checklist operation.
  ASSERT_EQ(d["checklist"]["items"].Size(), 11U);
  EXPECT_EQ(d["checklist"]["items"][6]["number"].GetInt(), 7);
  EXPECT_GT(d["checklist"]["items"][6]["evidence"].Size(), 0U);
}

TEST_F(coordinator_view_test, sofias_timeline_marks_the_interpreter_and_the_overdue_report_clock) {
  auto patient = patient_of("riverbend", "Sofía Reyes");
  ASSERT_FALSE(patient.empty());
  auto today = testing::utc_today();
  // Scenario 5: discharged D-45, pulmonology seen D-32 with an interpreter; the report was due D-2.
  auto answer = coordinator_timeline(*store_, *config_, as("riverbend"), patient, today - days(45));
  ASSERT_EQ(answer.result, coordinator_answer::outcome::ok) << answer.json;
  auto d = parse(answer);
  EXPECT_STREQ(d["child"]["interpreter_language"].GetString(), "es");
  int interpreted = 0;
  for (const auto& week : d["weeks"].GetArray())
    for (const auto& v : week["visits"].GetArray())
      if (v.HasMember("interpreter")) {
        ++interpreted;
        EXPECT_TRUE(v["interpreter"]["required"].GetBool() || v["interpreter"]["booked"].GetBool());
      }
  EXPECT_GT(interpreted, 0) << answer.json;

  const rapidjson::Value* pulmonology = nullptr;
  for (const auto& ref : d["referrals"].GetArray())
    if (std::string(ref["specialty"].GetString()) == "pulmonology") pulmonology = &ref;
  ASSERT_NE(pulmonology, nullptr) << answer.json;
  const auto& clock = (*pulmonology)["loop_clock"];
  EXPECT_STREQ(clock["state"].GetString(), "overdue");
  EXPECT_EQ(std::string(clock["due"].GetString()).substr(0, 10), testing::fhir_date(today - days(2)));
  EXPECT_EQ(clock["days_left"].GetInt(), -2);

  // Its obtain_report Task is open for the care coordinator, and overdue-ness is judged against today.
  auto tasks = parse(coordinator_tasks(*store_, *config_, as("riverbend")));
  ASSERT_GT(tasks["groups"].Size(), 0U);
  EXPECT_STREQ(tasks["groups"][0]["owner_role"].GetString(), "care_coordinator");
  bool obtain_report = false;
  for (const auto& t : tasks["groups"][0]["tasks"].GetArray())
    if (std::string(t["type"].GetString()) == "obtain_report") obtain_report = true;
  EXPECT_TRUE(obtain_report) << tasks["groups"][0]["tasks"].Size();
}

TEST_F(coordinator_view_test, another_homes_child_is_not_found) {
  auto anjali = patient_of("meadowbrook", "Anjali Sharma");
  auto answer = coordinator_timeline(*store_, *config_, as("riverbend"), anjali, sys_days(2024y / March / 6));
  EXPECT_EQ(answer.result, coordinator_answer::outcome::not_found);
  EXPECT_TRUE(answer.patients.empty());
  // Said exactly as for an id nobody has: the answer does not tell that the child exists.
  auto unknown =
      coordinator_timeline(*store_, *config_, as("riverbend"), "no-such-id", sys_days(2024y / March / 6));
  EXPECT_EQ(unknown.result, coordinator_answer::outcome::not_found);
  EXPECT_EQ(answer.json.find(anjali) != std::string::npos,
            unknown.json.find("no-such-id") != std::string::npos);
  EXPECT_EQ(answer.json.find("Anjali"), std::string::npos);

  for (auto* view : {&coordinator_agenda, &coordinator_tasks, &coordinator_letters}) {
    auto other = (*view)(*store_, *config_, as("riverbend"));
    ASSERT_EQ(other.result, coordinator_answer::outcome::ok) << other.json;
    EXPECT_EQ(other.json.find("Anjali"), std::string::npos) << other.json;
    for (const auto& p : other.patients) EXPECT_NE(p, anjali);
  }
}

TEST_F(coordinator_view_test, the_agenda_is_the_next_conference_with_what_the_rules_put_on_it) {
  auto answer = coordinator_agenda(*store_, *config_, as("meadowbrook"));
  ASSERT_EQ(answer.result, coordinator_answer::outcome::ok) << answer.json;
  auto d = parse(answer);
  EXPECT_STREQ(d["conference_weekday"].GetString(), "Wednesday");
  const auto& next = d["conferences"][0];
  EXPECT_TRUE(next["next"].GetBool());
  auto date = fhir::written_date(next["date"].GetString());
  ASSERT_TRUE(date);
  EXPECT_EQ(weekday(*date), Wednesday);
  EXPECT_GE(*date, testing::utc_today());
  EXPECT_LT(*date, testing::utc_today() + days(7));
  // Anjali's discharge put her on the conference after the day she came home (the intake ran today).
  bool introduced = false;
  for (const auto& conference : d["conferences"].GetArray())
    for (const auto& item : conference["items"].GetArray())
      if (std::string(item["added_by"].GetString()) == "case-conference") {
        introduced = true;
        EXPECT_STREQ(item["child"]["name"].GetString(), "Anjali Sharma");
        EXPECT_GT(item["open_tasks"].GetInt(), 0);
      }
  EXPECT_TRUE(introduced) << answer.json;
}

TEST_F(coordinator_view_test, open_tasks_are_grouped_by_owner_role_earliest_due_first) {
  auto answer = coordinator_tasks(*store_, *config_, as("meadowbrook"));
  ASSERT_EQ(answer.result, coordinator_answer::outcome::ok) << answer.json;
  auto d = parse(answer);
  std::vector<std::string> roles;
  int total = 0;
  for (const auto& g : d["groups"].GetArray()) {
    roles.push_back(g["owner_role"].GetString());
    std::string previous;
    for (const auto& t : g["tasks"].GetArray()) {
      ++total;
      EXPECT_STREQ(t["owner_role"].GetString(), g["owner_role"].GetString());
      std::string due = t.HasMember("due") ? std::string(t["due"].GetString()).substr(0, 10) : "9999";
      EXPECT_LE(previous, due);
      previous = due;
      EXPECT_TRUE(t["child"].HasMember("patient_id"));
    }
  }
  EXPECT_EQ(total, d["total"].GetInt());
  ASSERT_FALSE(roles.empty());
  EXPECT_EQ(roles.front(), "care_coordinator");
  EXPECT_NE(std::find(roles.begin(), roles.end(), "parent_partner"), roles.end());
  // Discharged in 2024: the first weight check (due 13 March 2024) is long overdue.
  EXPECT_GT(d["overdue"].GetInt(), 0);
}

TEST_F(coordinator_view_test, letters_in_flight_are_the_homes_unsettled_school_letters) {
  // A queued letter about Anjali and a blocked one about Sofía, written as the letter workflow writes them.
  auto anjali_child = store_->get_indexed("Patient", patient_of("meadowbrook", "Anjali Sharma"))->child_id;
  auto sofia_child = store_->get_indexed("Patient", patient_of("riverbend", "Sofía Reyes"))->child_id;
  std::promise<bool> done;
  ASSERT_TRUE(store_->submit(
      [&](store::write_tx& tx) {
        store::letter_row l;
        l.child_id = anjali_child;
        l.school_id = "lincoln-usd";
        l.kind = "504-plan";
        l.request = "{}";
        l.status = store::letter_status::queued;
        l.created_at = l.updated_at = "2026-12-01T10:00:00Z";
        store::letter_table::insert(tx, l);
        l.child_id = sofia_child;
        l.status = store::letter_status::blocked;
        l.reason = "no authorization names this school";
        store::letter_table::insert(tx, l);
        l.status = store::letter_status::sent;
        l.child_id = anjali_child;
        store::letter_table::insert(tx, l);
        return tx.ok();
      },
      [&](bool committed) { done.set_value(committed); }));
  ASSERT_TRUE(done.get_future().get());

  auto answer = coordinator_letters(*store_, *config_, as("meadowbrook"));
  ASSERT_EQ(answer.result, coordinator_answer::outcome::ok) << answer.json;
  auto d = parse(answer);
  ASSERT_EQ(d["letters"].Size(), 1U) << answer.json;  // the sent one is settled
  EXPECT_STREQ(d["letters"][0]["status"].GetString(), "queued");
  EXPECT_STREQ(d["letters"][0]["child"]["name"].GetString(), "Anjali Sharma");
  EXPECT_STREQ(d["letters"][0]["school"]["name"].GetString(), "Lincoln Unified School District");
  EXPECT_NE(std::string(d["approval"].GetString()).find("issue 12"), std::string::npos);

  auto riverbend = parse(coordinator_letters(*store_, *config_, as("riverbend")));
  ASSERT_EQ(riverbend["letters"].Size(), 1U);
  EXPECT_STREQ(riverbend["letters"][0]["status"].GetString(), "blocked");
  EXPECT_EQ(riverbend["counts"]["blocked"].GetInt(), 1);
}

TEST(coordinator_view, from_dates_are_whole_days) {
  EXPECT_EQ(parse_from_date("2024-03-06"), sys_days(2024y / March / 6));
  EXPECT_FALSE(parse_from_date("2024-02-30"));
  EXPECT_FALSE(parse_from_date("2024-03"));
  EXPECT_FALSE(parse_from_date("2024-03-06T10:00:00Z"));
  EXPECT_FALSE(parse_from_date("yesterday"));
}

}  // namespace
}  // namespace homebase::gateway::console
