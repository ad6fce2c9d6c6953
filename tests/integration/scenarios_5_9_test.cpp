// Scenarios 5-9 of domain.md §6 end to end (issue 4 item 8): the real gateway and the test medical home,
// the fixtures of tests/fixtures/scenarios/05-* .. 09-* posted in order (dated relative to today), then what
// the gateway holds read back through its FHIR read API (coordinator Tasks by their action-type code, the
// referral's ServiceRequest and BSeR Task) and what the medical home received. Each scenario's README says
// what must (and must not) come out; the comments below name the points asserted.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <algorithm>
#include <map>
#include <thread>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/scenario_fixture.hpp"

namespace homebase::testing {
namespace {

const std::string mrn_system = "http://st-elsewhere-childrens.example.org/fhir/sid/mrn";
const std::string mrn = "SEC-0071406";
const std::string action_type_system = "http://homebase.example.org/fhir/CodeSystem/action-type";
const std::string bser_status_system = "http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS";

// The fields of a Task the scenarios are about.
struct task_view {
  std::string code;    // action-type code, or "fulfill" for a referral Task
  std::string status;  // Task.status
  std::string priority;
  std::string business_status;
  std::string description;
  std::string key;                       // first identifier's value
  std::vector<std::string> identifiers;  // every identifier's value
  std::string focus;                     // focus.reference or focus.identifier.value
  bool has_output = false;
};

std::string str(const rapidjson::Value& v, const char* name) {
  return v.IsObject() && v.HasMember(name) && v[name].IsString() ? v[name].GetString() : "";
}

std::string first_code(const rapidjson::Value& concept_value) {
  if (!concept_value.IsObject() || !concept_value.HasMember("coding")) return {};
  for (const auto& c : concept_value["coding"].GetArray()) return str(c, "code");
  return {};
}

class scenario : public ::testing::Test {
 protected:
  // Starts the medical home and the gateway that accepts the three partners of the fixtures.
  void start(const std::string& coordination_config = {}) {
    std::string error;
    ASSERT_TRUE(home.start(dir, {}, error)) << error;
    options.medical_home_base = home.base();
    options.extra_partner_endpoints = {"https://ehr.riverside-peds-pulm.example.org/fhir",
                                       "https://partc.county-ei.example.org/fhir"};
    options.extra_config = coordination_config;
    ASSERT_TRUE(gw.start(dir, options, error)) << error;
  }

  void restart() {
    ASSERT_EQ(gw.process.stop(SIGTERM), 0);
    std::string error;
    ASSERT_TRUE(gw.start(dir, options, error, false)) << error;
  }

  static std::filesystem::path scenario_dir(const std::string& name) {
    return test_data("fixtures/scenarios/" + name);
  }

  // Posts one fixture file (expanded for today) and expects it accepted.
  void post(const std::filesystem::path& file) {
    auto text = fixture.load(file);
    ASSERT_TRUE(text.ok) << text.error;
    auto expanded = dir.path() / ("posted-" + std::to_string(++posted_) + ".json");
    write_file(expanded, text.text);
    bool document = text.text.find(R"("type": "document")") != std::string::npos ||
                    text.text.find(R"("type":"document")") != std::string::npos;
    auto reply = http_call("POST", gw.url(document ? "/fhir/Bundle" : "/fhir/$process-message"), expanded);
    ASSERT_EQ(reply.status, 200) << file << ": " << reply.body.substr(0, 2000);
  }

  // Posts the scenario's message files whose names start with one of `prefixes` ("01", "02", ...).
  void post_in_order(const std::string& name, const std::vector<std::string>& prefixes) {
    auto files = scenario_message_files(scenario_dir(name));
    for (const auto& prefix : prefixes) {
      auto it = std::find_if(files.begin(), files.end(), [&](const std::filesystem::path& f) {
        return f.filename().string().rfind(prefix + "-", 0) == 0;
      });
      ASSERT_NE(it, files.end()) << name << " has no file " << prefix;
      post(*it);
    }
  }

  rapidjson::Document get(const std::string& path_and_query) {
    auto reply = http_call("GET", gw.url(path_and_query));
    EXPECT_EQ(reply.status, 200) << path_and_query << ": " << reply.body.substr(0, 500);
    rapidjson::Document doc;
    doc.Parse(reply.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << reply.body.substr(0, 300);
    return doc;
  }

  // The one child (the St. Elsewhere MRN); every partner's naming must land on it.
  std::string patient_id() {
    auto bundle = get("/fhir/Patient?identifier=" + mrn_system + "%7C" + mrn);
    if (!bundle.IsObject() || !bundle.HasMember("total") || bundle["total"].GetInt() != 1) return {};
    return bundle["entry"][0]["resource"]["id"].GetString();
  }

  int patients() {
    auto bundle = get("/fhir/Patient?_count=100");
    return bundle.IsObject() && bundle.HasMember("total") ? bundle["total"].GetInt() : -1;
  }

  std::vector<task_view> tasks() {
    std::vector<task_view> out;
    auto id = patient_id();
    if (id.empty()) return out;
    auto bundle = get("/fhir/Task?patient=" + id + "&_count=100");
    if (!bundle.IsObject() || !bundle.HasMember("entry")) return out;
    EXPECT_LE(bundle["total"].GetInt(), 100);
    for (const auto& e : bundle["entry"].GetArray()) {
      const auto& t = e["resource"];
      task_view v;
      v.code = t.HasMember("code") ? first_code(t["code"]) : "";
      v.status = str(t, "status");
      v.priority = str(t, "priority");
      v.business_status = t.HasMember("businessStatus") ? first_code(t["businessStatus"]) : "";
      v.description = str(t, "description");
      if (t.HasMember("identifier") && t["identifier"].Size() > 0) v.key = str(t["identifier"][0], "value");
      if (t.HasMember("identifier"))
        for (const auto& ident : t["identifier"].GetArray()) v.identifiers.push_back(str(ident, "value"));
      if (t.HasMember("focus")) {
        v.focus = str(t["focus"], "reference");
        if (v.focus.empty() && t["focus"].HasMember("identifier"))
          v.focus = str(t["focus"]["identifier"], "value");
      }
      v.has_output = t.HasMember("output");
      out.push_back(std::move(v));
    }
    return out;
  }

  // Every Task as "key code status business-status focus", one a line: for failure messages.
  std::string summary() {
    std::string out;
    for (const auto& t : tasks())
      out += t.key + " " + t.code + " " + t.status + " " + t.business_status + " " + t.focus + "\n";
    return out;
  }

  // Tasks of an action-type code, optionally only those with a Task.status.
  int count(const std::string& code, const std::string& status = {}) {
    auto all = tasks();
    return static_cast<int>(std::count_if(all.begin(), all.end(), [&](const task_view& t) {
      return t.code == code && (status.empty() || t.status == status);
    }));
  }

  std::optional<task_view> task_keyed(const std::string& key_prefix) {
    for (auto& t : tasks())
      if (t.key.rfind(key_prefix, 0) == 0) return t;
    return std::nullopt;
  }

  // The referral's ServiceRequest (by its business identifier value) as the gateway serves it.
  rapidjson::Document service_request(const std::string& identifier_value) {
    auto bundle = get("/fhir/ServiceRequest?identifier=" + identifier_value);
    rapidjson::Document out;
    if (bundle.IsObject() && bundle.HasMember("total") && bundle["total"].GetInt() == 1)
      out.CopyFrom(bundle["entry"][0]["resource"], out.GetAllocator());
    return out;
  }
  int service_requests() {
    auto id = patient_id();
    auto bundle = get("/fhir/ServiceRequest?patient=" + id + "&_count=100");
    return bundle.IsObject() && bundle.HasMember("total") ? bundle["total"].GetInt() : -1;
  }

  // The BSeR referral Task (code fulfill) whose focus is the ServiceRequest `identifier_value`; with
  // `task_key`, the one that carries that business identifier (St. Elsewhere's PLAC id, kept as a second
  // identifier of the Task the discharge made, so there is one referral Task per referral).
  std::optional<task_view> referral_task(const std::string& identifier_value,
                                         const std::string& task_key = {}) {
    auto sr = service_request(identifier_value);
    if (!sr.IsObject() || !sr.HasMember("id")) return std::nullopt;
    std::string ref = std::string("ServiceRequest/") + sr["id"].GetString();
    for (auto& t : tasks())
      if (t.code == "fulfill" && (t.focus == ref || t.focus == identifier_value) &&
          (task_key.empty() ||
           std::find(t.identifiers.begin(), t.identifiers.end(), task_key) != t.identifiers.end()))
        return t;
    return std::nullopt;
  }

  // How many referral Tasks the ServiceRequest `identifier_value` has: one, whoever sent updates.
  int referral_tasks(const std::string& identifier_value) {
    auto sr = service_request(identifier_value);
    if (!sr.IsObject() || !sr.HasMember("id")) return -1;
    std::string ref = std::string("ServiceRequest/") + sr["id"].GetString();
    auto all = tasks();
    return static_cast<int>(std::count_if(all.begin(), all.end(), [&](const task_view& t) {
      return t.code == "fulfill" && (t.focus == ref || t.focus == identifier_value);
    }));
  }

  // A search on the medical-home server (what it received and kept): its Bundle.total.
  int home_total(const std::string& path_and_query) {
    auto reply = http_call("GET", home.base() + "/" + path_and_query);
    EXPECT_EQ(reply.status, 200) << path_and_query << ": " << reply.body.substr(0, 300);
    rapidjson::Document doc;
    doc.Parse(reply.body.c_str());
    return !doc.HasParseError() && doc.IsObject() && doc.HasMember("total") ? doc["total"].GetInt() : -1;
  }

  // The medical home holds what the gateway holds for the child: everything delivered (the delivery path
  // validates each transaction with zero errors before sending it).
  void expect_delivered() {
    auto expected = static_cast<int>(tasks().size());
    EXPECT_TRUE(eventually([&] { return home.count("Task") == expected; }))
        << "medical home Tasks " << home.count("Task") << ", gateway " << expected;
    EXPECT_EQ(home.count("Patient"), 1);
  }

  temp_dir dir;
  medical_home_server home;
  gateway_options options;
  gateway_process gw;
  scenario_fixture fixture{utc_today()};
  int posted_ = 0;
};

const std::string pulmonology = "REF-0071406-pulmonology";
const std::string pulmonology_task = "RT-0071406-pulmonology";

// Scenario 5: pulmonology seen D-32, no report: the loop is overdue (due D-2) -> one obtain_report Task,
// the loop stays open; a restart or a re-post adds nothing; the report closes the loop and the Task.
TEST_F(scenario, s5_referral_loop_overdue_then_closed_by_the_report) {
  start();
  const std::string name = "05-referral-loop-overdue";
  post_in_order(name, {"01"});
  EXPECT_EQ(count("obtain_report"), 0);  // not before the visit
  post_in_order(name, {"02"});
  ASSERT_TRUE(eventually([&] { return count("obtain_report") == 1; })) << "no obtain_report Task";
  auto item = task_keyed("referral-loop|" + pulmonology);
  ASSERT_TRUE(item);
  EXPECT_EQ(item->code, "obtain_report");
  EXPECT_EQ(item->status, "requested");
  EXPECT_EQ(item->priority, "urgent");
  // Computed from the visit date (D-32), not the receive time: the description names the visit.
  EXPECT_NE(item->description.find(fhir_date(fixture.today() - std::chrono::days(32))), std::string::npos)
      << item->description;
  // The visit alone does not close the loop.
  auto sr = service_request(pulmonology);
  ASSERT_TRUE(sr.IsObject() && sr.HasMember("status"));
  EXPECT_STREQ(sr["status"].GetString(), "active");
  auto loop = referral_task(pulmonology, pulmonology_task);
  ASSERT_TRUE(loop) << summary();
  // The update changed the Task the discharge made (it now also carries the sender's id), no second one.
  EXPECT_EQ(referral_tasks(pulmonology), 1) << summary();
  EXPECT_EQ(loop->status, "in-progress");
  EXPECT_EQ(loop->business_status, "5.1.4");
  EXPECT_FALSE(loop->has_output);

  // Once: across a restart (the scheduler runs again) and a re-post of 02.
  restart();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  post_in_order(name, {"02"});
  EXPECT_EQ(count("obtain_report"), 1);

  // The report: flow report_received/closed, ServiceRequest completed, the Task done, nothing new.
  post_in_order(name, {"03"});
  ASSERT_TRUE(eventually([&] { return count("obtain_report", "completed") == 1; }));
  EXPECT_EQ(count("obtain_report"), 1);
  sr = service_request(pulmonology);
  EXPECT_STREQ(sr["status"].GetString(), "completed");
  loop = referral_task(pulmonology, pulmonology_task);
  ASSERT_TRUE(loop) << summary();
  EXPECT_EQ(loop->status, "completed");
  EXPECT_EQ(loop->business_status, "7.0");
  EXPECT_TRUE(loop->has_output);
  EXPECT_EQ(patients(), 1);  // Riverside's own MRN matched on the secondary St. Elsewhere MRN
  expect_delivered();
}

// Scenario 6: a Riverside visit summary: the same child, the referral's report arrived (no obtain_report),
// the PT referral kept although it has no performer, and one schedule_followup Task for it.
TEST_F(scenario, s6_visit_summary_with_recommendations) {
  start();
  const std::string name = "06-visit-summary-recommendations";
  post_in_order(name, {"01"});
  auto service_requests_before = service_requests();
  post_in_order(name, {"02"});
  EXPECT_EQ(patients(), 1);
  // The PT referral is new (no performer organisation), nothing else duplicated.
  EXPECT_EQ(service_requests(), service_requests_before + 1);
  auto pt = service_request("RPP-REF-22871-PT");
  ASSERT_TRUE(pt.IsObject() && pt.HasMember("status")) << "the PT referral was lost";
  EXPECT_STREQ(pt["status"].GetString(), "active");
  auto pt_task = task_keyed("schedule-followup|RPP-REF-22871-PT");
  ASSERT_TRUE(pt_task) << "no schedule_followup Task for the PT referral";
  EXPECT_EQ(pt_task->code, "schedule_followup");
  EXPECT_EQ(pt_task->status, "requested");
  // The pulmonology visit happened and no overdue clock runs: the specialist's visit summary IS the report
  // (flow report_received, ServiceRequest completed, BSeR 7.0).
  auto sr = service_request(pulmonology);
  ASSERT_TRUE(sr.IsObject() && sr.HasMember("status"));
  EXPECT_STREQ(sr["status"].GetString(), "completed");
  auto loop = referral_task(pulmonology);
  ASSERT_TRUE(loop) << summary();
  EXPECT_EQ(loop->status, "completed");
  EXPECT_EQ(loop->business_status, "7.0");
  EXPECT_EQ(count("obtain_report"), 0);
  // The PCP reviews the summary (one Task); furosemide daily (St. Elsewhere) vs every other day
  // (Riverside): one med_reconciliation Task naming both, both instructions kept.
  EXPECT_EQ(count("review_visit_summary", "requested"), 1) << summary();
  ASSERT_EQ(count("med_reconciliation", "requested"), 1) << summary();
  auto reconcile = task_keyed("medication-conflict|");
  ASSERT_TRUE(reconcile);
  EXPECT_NE(reconcile->description.find("once daily"), std::string::npos) << reconcile->description;
  EXPECT_NE(reconcile->description.find("every other day"), std::string::npos) << reconcile->description;
  auto id = patient_id();
  // 27 g/day since discharge: no growth alert.
  EXPECT_EQ(count("growth_review"), 0);
  // A re-post changes nothing.
  auto before = tasks().size();
  post_in_order(name, {"02"});
  EXPECT_EQ(tasks().size(), before);
  EXPECT_EQ(service_requests(), service_requests_before + 1);
  EXPECT_EQ(count("med_reconciliation"), 1);
  expect_delivered();
  // What the medical home holds: still 2 devices (the oxygen's setting updated in place, not a third
  // device), both furosemide instructions.
  EXPECT_EQ(home_total("Device?_summary=count"), 2);
  EXPECT_EQ(home_total("MedicationRequest?code=4603&_summary=count") +
                home_total("MedicationStatement?code=4603&_summary=count"),
            2);
  (void)id;
}

// Scenario 7: 5 visits at 3 sites in D+8..D+12: one burden alert (clustering Task + agenda item), first
// raised with the 4th visit (after 04), still one after 05 and on re-posts; audiology and GI bookings
// fulfil the existing referrals.
TEST_F(scenario, s7_appointment_overload_raises_one_burden_alert) {
  start();
  const std::string name = "07-appointment-overload";
  post_in_order(name, {"01"});
  auto service_requests_before = service_requests();
  EXPECT_EQ(count("schedule_followup", "requested") > 0, true);
  post_in_order(name, {"02", "03"});
  EXPECT_EQ(count("cluster_appointments"), 0) << "burden alert before the 4th visit";
  post_in_order(name, {"04"});
  EXPECT_EQ(count("cluster_appointments"), 1) << "no burden alert with 4 visits in 7 days";
  EXPECT_GE(count("case-conference-item"), 2);  // the discharge's introduction + the burden
  auto agenda_after_04 = count("case-conference-item");
  auto check_in = task_keyed("appointment-burden-family|");
  ASSERT_TRUE(check_in) << "no parent-partner check-in\n" << summary();
  EXPECT_EQ(check_in->code, "parent_partner_outreach");
  EXPECT_NE(check_in->description.find("(in es)"), std::string::npos) << check_in->description;
  post_in_order(name, {"05"});
  post_in_order(name, {"04", "05"});
  EXPECT_EQ(count("cluster_appointments"), 1);
  EXPECT_EQ(count("case-conference-item"), agenda_after_04);
  EXPECT_EQ(task_keyed("appointment-burden-family|")->key, check_in->key);
  EXPECT_EQ(count("parent_partner_outreach"), 2);  // the discharge's outreach + the one check-in
  // Audiology and GI booked: their schedule_followup Tasks are done and no referral was added.
  auto audiology = task_keyed("schedule-followup|REF-0071406-audiology");
  ASSERT_TRUE(audiology);
  EXPECT_EQ(audiology->status, "completed");
  auto gi = task_keyed("schedule-followup|REF-0071406-gi-nutrition");
  ASSERT_TRUE(gi);
  EXPECT_EQ(gi->status, "completed");
  EXPECT_EQ(service_requests(), service_requests_before);
  // 9 appointments, one cancelled; interpreter Tasks for the two bookings that have none.
  auto id = patient_id();
  auto appointments = get("/fhir/Appointment?patient=" + id + "&_count=100");
  EXPECT_EQ(appointments["total"].GetInt(), 9);
  auto cancelled = get("/fhir/Appointment?patient=" + id + "&status=cancelled");
  EXPECT_EQ(cancelled["total"].GetInt(), 1);
  for (const auto* key : {"interpreter|APT-0071406-audiology-2", "interpreter|APT-0071406-gi-nutrition-2"}) {
    auto t = task_keyed(key);
    ASSERT_TRUE(t) << key;
    EXPECT_EQ(t->code, "book_interpreter");
    EXPECT_EQ(t->status, "requested");
  }
  for (const auto* key :
       {"interpreter|APT-0071406-cardiology-2", "interpreter|APT-0071406-ophthalmology-2"}) {
    auto t = task_keyed(key);
    EXPECT_TRUE(!t || t->status == "completed") << key << " has an open interpreter Task";
  }
  expect_delivered();
}

// Scenario 8: 2,350 -> 2,440 -> 2,530 g (12.9 g/day): no alert after week 1; one growth alert after week 2,
// once on a re-post and a restart; the plan's review becomes due.
TEST_F(scenario, s8_weight_below_target_alerts_once) {
  start();
  const std::string name = "08-weight-below-target";
  post_in_order(name, {"01", "02"});
  EXPECT_EQ(count("growth_review"), 0) << "a growth alert after one week only";
  auto service_requests_before = service_requests();
  post_in_order(name, {"03"});
  ASSERT_TRUE(eventually([&] { return count("growth_review") == 1; }));
  auto alert = task_keyed("weight-gain|" + mrn);
  ASSERT_TRUE(alert);
  EXPECT_EQ(alert->priority, "urgent");
  // 2,350 g (D-15 06:00) to 2,530 g (D-1 09:10): 12.7 g/day over the real 14.1 days (the README's 12.9
  // counts whole days); not from the birth weight.
  EXPECT_NE(alert->description.find("12.7 g/day over 14 days"), std::string::npos) << alert->description;
  // The plan of care: review due today.
  auto id = patient_id();
  auto plans = get("/fhir/CarePlan?patient=" + id);
  ASSERT_TRUE(plans.HasMember("entry"));
  EXPECT_NE(http_call("GET", gw.url("/fhir/CarePlan?patient=" + id)).body.find(fhir_date(fixture.today())),
            std::string::npos);
  // Once: re-post and restart; the clinic visits made no referral.
  post_in_order(name, {"03"});
  restart();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(count("growth_review"), 1);
  EXPECT_EQ(service_requests(), service_requests_before);
  expect_delivered();
  // The medical home got the three body weights as vital signs.
  EXPECT_EQ(home_total("Observation?code=29463-7&_summary=count"), 3);
  EXPECT_EQ(home_total("Observation?code=29463-7&category=vital-signs&_summary=count"), 3);
}

const std::string early_intervention = "REF-0071406-early-intervention";
const std::string early_intervention_task = "RT-0071406-early-intervention";

// Scenario 9, main path: referred on day 3 (referral clock met), no acknowledgement by day 10 -> one
// escalation, once across a restart and a re-post; the late acceptance closes it; the IFSP held on day 40
// meets the IFSP clock and closes the referral.
TEST_F(scenario, s9_early_intervention_loop) {
  start();
  const std::string name = "09-early-intervention-loop";
  post_in_order(name, {"01"});
  auto referral_item = task_keyed("ei-referral|" + early_intervention);
  ASSERT_TRUE(referral_item) << summary();
  EXPECT_EQ(referral_item->code, "ei_followup");
  EXPECT_EQ(referral_item->status, "requested");
  EXPECT_FALSE(task_keyed("ei-acknowledgement|" + early_intervention).has_value())
      << "the discharge's referral is not yet sent: nothing to acknowledge";
  post_in_order(name, {"02"});
  referral_item = task_keyed("ei-referral|" + early_intervention);
  ASSERT_TRUE(referral_item);
  EXPECT_EQ(referral_item->status, "completed") << "the referral clock is met by the day-3 referral";
  ASSERT_TRUE(eventually([&] { return task_keyed("ei-acknowledgement|" + early_intervention).has_value(); }))
      << "no escalation for the missing acknowledgement";
  auto escalation = task_keyed("ei-acknowledgement|" + early_intervention);
  EXPECT_EQ(escalation->code, "ei_followup");
  EXPECT_EQ(escalation->priority, "urgent");
  EXPECT_EQ(escalation->status, "requested");
  auto ei_task = referral_task(early_intervention, early_intervention_task);
  ASSERT_TRUE(ei_task);
  EXPECT_EQ(ei_task->status, "received");  // sent, not acknowledged
  EXPECT_EQ(ei_task->business_status, "2.0");
  // Once.
  restart();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  post_in_order(name, {"02"});
  EXPECT_EQ(count("ei_followup"), 2);  // the referral item (done) and the one escalation

  post_in_order(name, {"03"});
  EXPECT_EQ(patients(), 1);  // the county's own id matched on the secondary MRN
  escalation = task_keyed("ei-acknowledgement|" + early_intervention);
  ASSERT_TRUE(escalation);
  EXPECT_EQ(escalation->status, "completed");
  ei_task = referral_task(early_intervention, early_intervention_task);
  ASSERT_TRUE(ei_task);
  EXPECT_EQ(ei_task->status, "accepted");
  EXPECT_EQ(ei_task->business_status, "3.0");

  post_in_order(name, {"04"});
  ei_task = referral_task(early_intervention, early_intervention_task);
  ASSERT_TRUE(ei_task);
  EXPECT_EQ(ei_task->status, "completed");
  EXPECT_EQ(ei_task->business_status, "7.0");
  EXPECT_TRUE(ei_task->has_output);
  auto sr = service_request(early_intervention);
  ASSERT_TRUE(sr.IsObject() && sr.HasMember("status"));
  EXPECT_STREQ(sr["status"].GetString(), "completed");
  EXPECT_FALSE(task_keyed("ei-ifsp|" + early_intervention).has_value()) << "an IFSP-overdue Task";
  EXPECT_EQ(count("ei_followup", "requested"), 0) << "an open early intervention Task";
  expect_delivered();
}

// Scenario 9, the family declines: recorded, the clocks stop (no IFSP escalation even when the IFSP clock
// is long past), the escalation closed, one parent-partner follow-up.
TEST_F(scenario, s9_variant_family_declines) {
  // The IFSP clock (D+7) cannot come due within the test (it counts from the referral on D-38): the
  // stopped clock is shown by the closed items and the absence of any new one after a restart.
  start();
  const std::string name = "09-early-intervention-loop";
  post_in_order(name, {"01", "02"});
  ASSERT_TRUE(eventually([&] { return task_keyed("ei-acknowledgement|" + early_intervention).has_value(); }));
  post(scenario_dir(name) / "variant-family-declines" / "03-ei-family-declined.json");
  auto escalation = task_keyed("ei-acknowledgement|" + early_intervention);
  ASSERT_TRUE(escalation);
  EXPECT_EQ(escalation->status, "cancelled");
  auto follow_up = task_keyed("ei-declined|" + early_intervention);
  ASSERT_TRUE(follow_up) << "no parent-partner follow-up\n" << summary();
  EXPECT_EQ(follow_up->code, "parent_partner_outreach");
  EXPECT_EQ(follow_up->status, "requested");
  auto ei_task = referral_task(early_intervention, early_intervention_task);
  ASSERT_TRUE(ei_task);
  EXPECT_EQ(ei_task->status, "rejected");
  EXPECT_EQ(ei_task->business_status, "4.0");
  auto sr = service_request(early_intervention);
  ASSERT_TRUE(sr.IsObject() && sr.HasMember("status"));
  EXPECT_STREQ(sr["status"].GetString(), "revoked");
  // The clocks stay stopped across a restart and a re-post.
  restart();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  post(scenario_dir(name) / "variant-family-declines" / "03-ei-family-declined.json");
  EXPECT_FALSE(task_keyed("ei-ifsp|" + early_intervention).has_value()) << "an IFSP-overdue Task";
  EXPECT_EQ(count("parent_partner_outreach", "requested"), 2);  // the discharge outreach + the follow-up
  expect_delivered();
}

}  // namespace
}  // namespace homebase::testing
