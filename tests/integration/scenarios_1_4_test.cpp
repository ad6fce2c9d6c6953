// Scenarios 1-4 of domain.md §6 end to end (tests/fixtures/scenarios/01-..04-*/README.md): what the
// hospital and the specialists send is posted to the running gateway in order, and what the medical home
// ends up with is read back through the gateway's FHIR read API and from the medical-home server.
// The coordinator's Tasks are found by their business key (`<rule>|<subject>`, system .../sid/action-item)
// and Task.code (action-type system).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/integration/scenario_test_support.hpp"

namespace homebase::testing {
namespace {

const std::string action_item_sid = "http://homebase.example.org/fhir/sid/action-item";
const std::string conference_sid = "http://homebase.example.org/fhir/sid/conference-item";
const std::string version_url = "http://homebase.example.org/fhir/StructureDefinition/care-plan-version";
const std::string replaces_url = "http://homebase.example.org/fhir/StructureDefinition/appointment-replaces";
const std::string replaced_by_url =
    "http://homebase.example.org/fhir/StructureDefinition/appointment-replaced-by";

// The coordinator Task with that key (`<rule>|<subject>`), or nullptr.
const rapidjson::Value* task(const fhir_result& tasks, const std::string& key) {
  auto found = with_identifier(tasks, key, action_item_sid);
  return found.size() == 1 ? found.front() : nullptr;
}

// key -> "status due": what the coordinator's list looks like, to compare before and after a message.
std::map<std::string, std::string> task_list(const fhir_result& tasks) {
  std::map<std::string, std::string> out;
  for (const auto* t : tasks.resources) {
    auto key = str(*t, "identifier.0.value");
    if (str(*t, "identifier.0.system") == action_item_sid || str(*t, "identifier.0.system") == conference_sid)
      out[key] = str(*t, "status") + " " + str(*t, "restriction.period.end");
  }
  return out;
}

const rapidjson::Value* by_identifier(const fhir_result& r, const std::string& value) {
  auto found = with_identifier(r, value);
  return found.size() == 1 ? found.front() : nullptr;
}

// The value[x] of the extension `url` as text ("Appointment/<id>" for a reference, the number for an int).
std::string extension(const rapidjson::Value& resource, const std::string& url) {
  const auto* list = at(resource, "extension");
  if (list == nullptr || !list->IsArray()) return {};
  for (const auto& e : list->GetArray()) {
    if (str(e, "url") != url) continue;
    if (const auto* n = at(e, "valuePositiveInt"); n != nullptr && n->IsInt())
      return std::to_string(n->GetInt());
    return str(e, "valueReference.reference");
  }
  return {};
}

std::string ref_to(const rapidjson::Value& resource) {
  return str(resource, "resourceType") + "/" + str(resource, "id");
}

// The action-type code of a Task.
std::string code_of(const rapidjson::Value& t) {
  return str(t, "code.coding.0.code");
}

class scenarios_1_4 : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(s.start()) << s.error(); }
  std::string child(const std::string& mrn) {
    auto id = s.patient_id(st_elsewhere_mrn, mrn);
    EXPECT_FALSE(id.empty()) << s.error();
    return id;
  }
  scenario_gateway s;
};

// ---- Scenario 1: the discharge of twin A, then twin B ----

void expect_twin_a_discharge(scenario_gateway& s, const std::string& patient) {
  auto p = s.read("Patient/" + patient);
  ASSERT_EQ(p.status, 200) << p.body;
  const auto& pt = *p.doc;
  EXPECT_EQ(str(pt, "birthDate"), s.day(-64));
  EXPECT_EQ(at(pt, "multipleBirthInteger") != nullptr ? at(pt, "multipleBirthInteger")->GetInt() : 0, 1);
  std::set<std::string> uses;
  for (const auto& n : at(pt, "name")->GetArray()) uses.insert(str(n, "use") + ":" + str(n, "text"));
  EXPECT_TRUE(std::any_of(uses.begin(), uses.end(), [](const std::string& u) {
    return u.starts_with("temp:");
  })) << "the temporary hospital name is lost";
  EXPECT_TRUE(
      std::any_of(uses.begin(), uses.end(), [](const std::string& u) { return u.starts_with("official:"); }));
  EXPECT_EQ(str(pt, "communication.0.language.coding.0.code"), "es");
  EXPECT_EQ(str(pt, "generalPractitioner.0.identifier.value"), "1234567893");  // Meadowbrook's NPI

  EXPECT_EQ(s.for_patient("RelatedPerson", patient).total(), 3);  // the grandmother too
  auto team = s.for_patient("CareTeam", patient);
  ASSERT_EQ(team.total(), 1);
  EXPECT_EQ(str(*team.resources[0], "status"), "active");
  EXPECT_GE(at(*team.resources[0], "participant")->Size(), 8u);
  auto plan = s.for_patient("CarePlan", patient);
  ASSERT_EQ(plan.total(), 1);
  EXPECT_EQ(str(*plan.resources[0], "status"), "active");
  EXPECT_EQ(extension(*plan.resources[0], version_url), "1");
  EXPECT_EQ(at(*plan.resources[0], "goal")->Size(), 3u);

  auto requests = s.for_patient("ServiceRequest", patient);
  EXPECT_EQ(requests.total(), 9);
  for (const auto* r : requests.resources)
    EXPECT_EQ(str(*r, "status"), "active") << str(*r, "identifier.0.value");
  auto appointments = s.for_patient("Appointment", patient);
  EXPECT_EQ(appointments.total(), 5);
  const std::map<std::string, std::string> starts{
      {"APT-0071406-ophthalmology", s.day(5) + "T09:30:00Z"},
      {"RPP-APT-0071406-1", s.day(12) + "T14:00:00Z"},
      {"APT-0071406-cardiology", s.day(21) + "T10:00:00Z"},
      {"APT-0071406-neurosurgery", s.day(19) + "T14:00:00Z"},
      {"APT-0071406-neonatal-follow-up", s.day(56) + "T09:00:00Z"}};
  for (const auto& [key, start] : starts) {
    const auto* a = by_identifier(appointments, key);
    ASSERT_NE(a, nullptr) << key;
    EXPECT_EQ(str(*a, "status"), "booked") << key;
    EXPECT_EQ(str(*a, "start"), start) << key;
  }

  auto tasks = s.for_patient("Task", patient);
  auto summary = task_summary(tasks);
  // 1. PCP visit within 2 days of discharge.
  const auto* t = task(tasks, "pcp-visit|ENC-0071406");
  ASSERT_NE(t, nullptr) << summary;
  EXPECT_EQ(str(*t, "restriction.period.end").substr(0, 10), s.day(1));
  EXPECT_EQ(str(*t, "performerType.0.coding.0.code"), "care-coordinator");
  // 2. Parent-partner outreach.
  t = task(tasks, "parent-partner-outreach|ENC-0071406");
  ASSERT_NE(t, nullptr) << summary;
  EXPECT_EQ(code_of(*t), "parent_partner_outreach");
  EXPECT_EQ(str(*t, "performerType.0.coding.0.code"), "parent-partner");
  // 3. The early intervention referral, 7 days from identification at discharge (D-1 + 7).
  t = task(tasks, "ei-referral|REF-0071406-early-intervention");
  ASSERT_NE(t, nullptr) << summary;
  EXPECT_EQ(code_of(*t), "ei_followup");
  EXPECT_EQ(str(*t, "restriction.period.end").substr(0, 10), s.day(6));
  // 4.-5. schedule_followup for the two "to be scheduled" referrals, by their window ends.
  t = task(tasks, "schedule-followup|REF-0071406-audiology");
  ASSERT_NE(t, nullptr) << summary;
  EXPECT_LE(str(*t, "restriction.period.end").substr(0, 10), s.day(59));
  t = task(tasks, "schedule-followup|REF-0071406-gi-nutrition");
  ASSERT_NE(t, nullptr) << summary;
  EXPECT_LE(str(*t, "restriction.period.end").substr(0, 10), s.day(27));
  // None for the PCP referral either: its visit is the pcp-visit task's (1.).
  for (const char* booked : {"ophthalmology", "pulmonology", "cardiology", "neonatal-follow-up",
                             "neurosurgery", "early-intervention", "primary-care"})
    EXPECT_EQ(task(tasks, std::string("schedule-followup|REF-0071406-") + booked), nullptr)
        << booked << summary;
  // 6.-8. book_interpreter for the three appointments without a TRANS participant, none for the two with.
  EXPECT_EQ(count_code(tasks, "book_interpreter"), 3) << summary;
  for (const char* missing :
       {"RPP-APT-0071406-1", "APT-0071406-neurosurgery", "APT-0071406-neonatal-follow-up"})
    EXPECT_NE(task(tasks, std::string("interpreter|") + missing), nullptr) << missing << summary;
  // The case-conference agenda item, on a coming conference day.
  auto agenda = with_identifier(tasks, "case-conference|ENC-0071406", conference_sid);
  ASSERT_EQ(agenda.size(), 1u) << summary;
  EXPECT_EQ(code_of(*agenda[0]), "case-conference-item");
  EXPECT_GE(str(*agenda[0], "executionPeriod.start"), s.day(0));
  EXPECT_EQ(count_code(tasks, "case-conference-item"), 1);
  // 9. The first weekly weight check, a week after the discharge (D-1).
  t = task(tasks, "weight-check|ENC-0071406|week-1");
  ASSERT_NE(t, nullptr) << summary;
  EXPECT_EQ(str(*t, "restriction.period.end").substr(0, 10), s.day(6));
  EXPECT_EQ(count_code(tasks, "weight_check"), 1) << summary;

  // The medical home holds the child once, with the discharge weight.
  auto at_home = s.home("Patient?identifier=" + std::string(st_elsewhere_mrn) + "%7CSEC-0071406");
  EXPECT_EQ(at_home.total(), 1) << at_home.body.substr(0, 500);
  auto weights = s.home("Observation?code=http://loinc.org%7C29463-7&subject=Patient/" +
                        (at_home.size() == 1 ? str(*at_home.resources[0], "id") : std::string("none")));
  ASSERT_EQ(weights.size(), 1u) << weights.body.substr(0, 500);
  EXPECT_EQ(at(*weights.resources[0], "valueQuantity.value")->GetDouble(), 2350.0);
}

TEST_F(scenarios_1_4, s1_nicu_discharge_of_twins_makes_two_children_with_their_coordination_work) {
  const std::string scenario = "01-nicu-discharge";
  auto first = s.post(scenario_gateway::scenario_dir(scenario) / "01-nicu-discharge-twin-a.json");
  ASSERT_EQ(first.status, 200) << first.body.substr(0, 2000);
  ASSERT_TRUE(s.wait_delivered()) << s.error();
  auto a = child("SEC-0071406");
  ASSERT_FALSE(a.empty());
  expect_twin_a_discharge(s, a);
  auto a_tasks = task_list(s.for_patient("Task", a));

  // A repeat of the same message: the original answer, nothing new.
  auto again = s.post(scenario_gateway::scenario_dir(scenario) / "01-nicu-discharge-twin-a.json");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(s.message_count(), 1);

  // Twin B: a second child (new MRN, birth order 2), never merged into A nor held for triage.
  ASSERT_TRUE(s.post_one(scenario, "02-nicu-discharge-twin-b.json")) << s.error();
  auto b = child("SEC-0071407");
  ASSERT_FALSE(b.empty());
  EXPECT_NE(a, b);
  EXPECT_EQ(s.read("Patient?_count=0").total(), 2);
  auto bp = s.read("Patient/" + b);
  EXPECT_EQ(at(*bp.doc, "multipleBirthInteger")->GetInt(), 2);
  EXPECT_EQ(s.for_patient("RelatedPerson", b).total(), 3);
  EXPECT_EQ(s.for_patient("CareTeam", b).total(), 1);
  EXPECT_EQ(s.for_patient("CarePlan", b).total(), 1);
  EXPECT_EQ(s.for_patient("ServiceRequest", b).total(), 5);
  EXPECT_EQ(s.for_patient("Appointment", b).total(), 2);
  auto b_tasks = s.for_patient("Task", b);
  auto summary = task_summary(b_tasks);
  for (const char* key :
       {"pcp-visit|ENC-0071407", "parent-partner-outreach|ENC-0071407",
        "ei-referral|REF-0071407-early-intervention", "schedule-followup|REF-0071407-audiology",
        "interpreter|APT-0071407-neonatal-follow-up"})
    EXPECT_NE(task(b_tasks, key), nullptr) << key << "\n" << summary;
  EXPECT_EQ(count_code(b_tasks, "book_interpreter"), 1) << summary;  // ophthalmology has its interpreter
  EXPECT_EQ(count_code(b_tasks, "case-conference-item"), 1) << summary;
  // Twin A's record is unchanged.
  EXPECT_EQ(task_list(s.for_patient("Task", a)), a_tasks);
  EXPECT_EQ(s.for_patient("ServiceRequest", a).total(), 9);
  EXPECT_EQ(s.home("Patient?_summary=count").total(), 2);
}

TEST_F(scenarios_1_4, s1_the_discharge_as_a_document_gives_the_same_record) {
  const std::string scenario = "01-nicu-discharge";
  auto document =
      s.post(scenario_gateway::scenario_dir(scenario) / "alt-01-nicu-discharge-twin-a.document.json");
  ASSERT_EQ(document.status, 201) << document.body.substr(0, 2000);
  ASSERT_TRUE(s.wait_delivered()) << s.error();
  auto a = child("SEC-0071406");
  ASSERT_FALSE(a.empty());
  expect_twin_a_discharge(s, a);
  auto before = task_list(s.for_patient("Task", a));
  auto plan_version = str(*s.for_patient("CarePlan", a).resources.at(0), "meta.versionId");

  // The same discharge as a message afterwards: nothing new but the event.
  ASSERT_TRUE(s.post_one(scenario, "01-nicu-discharge-twin-a.json")) << s.error();
  EXPECT_EQ(task_list(s.for_patient("Task", a)), before);
  EXPECT_EQ(s.for_patient("ServiceRequest", a).total(), 9);
  EXPECT_EQ(s.for_patient("Appointment", a).total(), 5);
  EXPECT_EQ(s.for_patient("RelatedPerson", a).total(), 3);
  auto plan = s.for_patient("CarePlan", a);
  EXPECT_EQ(extension(*plan.resources.at(0), version_url), "1");
  EXPECT_EQ(s.read("Patient?_count=0").total(), 1);
  (void)plan_version;
}

// ---- Scenario 2: the amended discharge summary ----

TEST_F(scenarios_1_4, s2_an_amended_discharge_updates_in_place_and_bumps_the_plan_version) {
  const std::string scenario = "02-amended-discharge";
  auto first = s.post(scenario_gateway::scenario_dir(scenario) / "01-nicu-discharge.json");
  ASSERT_EQ(first.status, 200) << first.body.substr(0, 2000);
  ASSERT_TRUE(s.wait_delivered()) << s.error();
  auto a = child("SEC-0071406");
  ASSERT_FALSE(a.empty());
  auto before = task_list(s.for_patient("Task", a));
  ASSERT_EQ(extension(*s.for_patient("CarePlan", a).resources.at(0), version_url), "1");

  auto amended = s.post(scenario_gateway::scenario_dir(scenario) / "02-nicu-discharge-amended.json");
  ASSERT_EQ(amended.status, 200) << amended.body.substr(0, 2000);
  ASSERT_TRUE(s.wait_delivered()) << s.error();
  // Everything once.
  EXPECT_EQ(s.read("Patient?_count=0").total(), 1);
  EXPECT_EQ(s.for_patient("RelatedPerson", a).total(), 3);
  auto team = s.for_patient("CareTeam", a);
  ASSERT_EQ(team.total(), 1);
  auto members = at(*team.resources[0], "participant")->Size();
  EXPECT_EQ(s.for_patient("ServiceRequest", a).total(), 9);
  EXPECT_EQ(s.for_patient("Appointment", a).total(), 5);
  // The plan's content changed (furosemide added): version 2.
  auto plan = s.for_patient("CarePlan", a);
  ASSERT_EQ(plan.total(), 1);
  EXPECT_EQ(extension(*plan.resources[0], version_url), "2");
  // The added diuretic: the PCP reconciles the medication list, once.
  auto amended_tasks = s.for_patient("Task", a);
  EXPECT_EQ(count_code(amended_tasks, "med_reconciliation"), 1) << task_summary(amended_tasks);
  // The coordinator's list of scenario 1: same keys, same due dates, not re-created.
  auto after = task_list(s.for_patient("Task", a));
  for (const auto& [key, state] : before) {
    ASSERT_TRUE(after.contains(key)) << key;
    EXPECT_EQ(after[key], state) << key;
  }

  // At the medical home: one discharge weight, corrected in place to 2,350 g; three medications; the
  // problems and devices once.
  auto home_patient = s.home("Patient?identifier=" + std::string(st_elsewhere_mrn) + "%7CSEC-0071406");
  ASSERT_EQ(home_patient.size(), 1u);
  auto subject = "Patient/" + str(*home_patient.resources[0], "id");
  auto weights = s.home("Observation?code=http://loinc.org%7C29463-7&subject=" + subject);
  ASSERT_EQ(weights.size(), 1u) << weights.body.substr(0, 800);
  EXPECT_EQ(at(*weights.resources[0], "valueQuantity.value")->GetDouble(), 2350.0);
  // Not asserted: Observation.status `corrected` (the model keeps no measurement status; see the report).
  auto birth_weight = s.home("Observation?code=http://loinc.org%7C8339-4&subject=" + subject);
  ASSERT_EQ(birth_weight.size(), 1u);
  EXPECT_EQ(at(*birth_weight.resources[0], "valueQuantity.value")->GetDouble(), 1150.0);
  auto meds = s.home("MedicationStatement?subject=" + subject);
  EXPECT_EQ(meds.size(), 3u) << meds.body.substr(0, 500);
  EXPECT_EQ(with_identifier(meds, "SEC-0071406-furosemide").size(), 1u);
  EXPECT_EQ(s.home("Condition?subject=" + subject + "&category=problem-list-item").size(), 8u);
  EXPECT_EQ(s.home("Device?patient=" + subject).size(), 2u);
  EXPECT_EQ(s.home("RelatedPerson?patient=" + subject).size(), 3u);
  auto home_team = s.home("CareTeam?subject=" + subject);
  ASSERT_EQ(home_team.size(), 1u);
  EXPECT_EQ(at(*home_team.resources[0], "participant")->Size(), members);

  // The record events as Provenance at the home: the discharge once, the amendment once.
  auto provenance = s.home("Provenance?_count=200");
  auto with_activity = [&](const std::string& kind) {
    int n = 0;
    for (const auto* p : provenance.resources) {
      const auto* codings = at(*p, "activity.coding");
      if (codings == nullptr || !codings->IsArray()) continue;
      for (const auto& c : codings->GetArray()) n += str(c, "code") == kind ? 1 : 0;
    }
    return n;
  };
  EXPECT_EQ(with_activity("DischargeRecordReceived"), 1) << provenance.body.substr(0, 500);
  EXPECT_EQ(with_activity("DischargeRecordAmended"), 1);

  // Replays (02 again, then 01 again): the original answers, nothing changes, no version bump.
  auto tasks_now = task_list(s.for_patient("Task", a));
  auto replay = s.post(scenario_gateway::scenario_dir(scenario) / "02-nicu-discharge-amended.json");
  EXPECT_EQ(replay.body, amended.body);
  auto old = s.post(scenario_gateway::scenario_dir(scenario) / "01-nicu-discharge.json");
  EXPECT_EQ(old.body, first.body);
  ASSERT_TRUE(s.wait_delivered()) << s.error();
  EXPECT_EQ(s.message_count(), 2);
  EXPECT_EQ(extension(*s.for_patient("CarePlan", a).resources.at(0), version_url), "2");
  EXPECT_EQ(task_list(s.for_patient("Task", a)), tasks_now);
}

// ---- Scenario 3: cardiology reschedules, then again past the clinical window ----

TEST_F(scenarios_1_4, s3_a_reschedule_keeps_the_chain_and_asks_for_an_interpreter_each_time) {
  const std::string scenario = "03-specialist-reschedules";
  ASSERT_TRUE(s.post_all(scenario, "02")) << s.error();
  auto a = child("SEC-0071406");
  ASSERT_FALSE(a.empty());
  auto appointments = s.for_patient("Appointment", a);
  EXPECT_EQ(appointments.total(), 6);
  const auto* first = by_identifier(appointments, "APT-0071406-cardiology");
  const auto* second = by_identifier(appointments, "APT-0071406-cardiology-2");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(str(*first, "status"), "cancelled");
  EXPECT_EQ(str(*first, "cancelationReason.coding.0.code"), "prov");
  EXPECT_EQ(str(*second, "status"), "booked");
  EXPECT_EQ(str(*second, "start"), s.day(42) + "T10:00:00Z");
  EXPECT_EQ(extension(*first, replaced_by_url), ref_to(*second));
  EXPECT_EQ(extension(*second, replaces_url), ref_to(*first));
  auto requests = s.for_patient("ServiceRequest", a);
  EXPECT_EQ(requests.total(), 9);  // the new booking is not a new referral
  const auto* cardiology = by_identifier(requests, "REF-0071406-cardiology");
  ASSERT_NE(cardiology, nullptr);
  EXPECT_EQ(str(*cardiology, "status"), "active");
  EXPECT_EQ(str(*second, "basedOn.0.reference"), ref_to(*cardiology));

  auto tasks = s.for_patient("Task", a);
  auto summary = task_summary(tasks);
  // The family needs Spanish and B has no interpreter; A's interpreter does not carry over. None was ever
  // needed for A (it had one).
  const auto* interpreter_b = task(tasks, "interpreter|APT-0071406-cardiology-2");
  ASSERT_NE(interpreter_b, nullptr) << summary;
  EXPECT_EQ(str(*interpreter_b, "status"), "requested");
  EXPECT_EQ(task(tasks, "interpreter|APT-0071406-cardiology"), nullptr) << summary;
  // D+42 is inside the window (D+49): nothing urgent about cardiology; four visits over the weeks: no
  // burden alert.
  for (const auto* t : tasks.resources) {
    auto priority = str(*t, "priority");
    if (priority == "urgent" || priority == "asap") {
      EXPECT_EQ(str(*t, "identifier.0.value").find("cardiology"), std::string::npos) << summary;
    }
  }
  EXPECT_EQ(count_code(tasks, "cluster_appointments"), 0) << summary;
  // The family is told B's date; within the window (D+49): no escalation.
  ASSERT_NE(task(tasks, "reschedule-notice|APT-0071406-cardiology-2"), nullptr) << summary;
  EXPECT_EQ(task(tasks, "window-escalation|APT-0071406-cardiology-2"), nullptr) << summary;

  // 03: B cancelled too, C booked D+55 (past the window end D+49).
  ASSERT_TRUE(s.post_one(scenario, "03-cardiology-rescheduled-past-window.json")) << s.error();
  appointments = s.for_patient("Appointment", a);
  EXPECT_EQ(appointments.total(), 7);
  first = by_identifier(appointments, "APT-0071406-cardiology");
  second = by_identifier(appointments, "APT-0071406-cardiology-2");
  const auto* third = by_identifier(appointments, "APT-0071406-cardiology-3");
  ASSERT_TRUE(first != nullptr && second != nullptr && third != nullptr);
  EXPECT_EQ(str(*first, "status"), "cancelled");
  EXPECT_EQ(str(*second, "status"), "cancelled");
  EXPECT_EQ(str(*second, "cancelationReason.coding.0.code"), "prov");
  EXPECT_EQ(str(*third, "status"), "booked");
  EXPECT_EQ(str(*third, "start"), s.day(55) + "T08:30:00Z");
  // C traceable back to A.
  EXPECT_EQ(extension(*third, replaces_url), ref_to(*second));
  EXPECT_EQ(extension(*second, replaces_url), ref_to(*first));
  EXPECT_EQ(extension(*second, replaced_by_url), ref_to(*third));
  EXPECT_EQ(s.for_patient("ServiceRequest", a).total(), 9);
  tasks = s.for_patient("Task", a);
  summary = task_summary(tasks);
  const auto* interpreter_c = task(tasks, "interpreter|APT-0071406-cardiology-3");
  ASSERT_NE(interpreter_c, nullptr) << summary;
  EXPECT_EQ(str(*interpreter_c, "status"), "requested");
  interpreter_b = task(tasks, "interpreter|APT-0071406-cardiology-2");
  ASSERT_NE(interpreter_b, nullptr) << summary;
  EXPECT_NE(str(*interpreter_b, "status"), "requested") << "B's interpreter Task left open\n" << summary;
  EXPECT_EQ(count_code(tasks, "book_interpreter", "requested"), 4) << summary;  // 3 from discharge + C
  // The family is told C's date; B's notice is moot; C lies past the window: escalated the same day.
  const auto* notice_c = task(tasks, "reschedule-notice|APT-0071406-cardiology-3");
  ASSERT_NE(notice_c, nullptr) << summary;
  EXPECT_EQ(str(*notice_c, "status"), "requested");
  EXPECT_EQ(str(*task(tasks, "reschedule-notice|APT-0071406-cardiology-2"), "status"), "cancelled");
  const auto* late = task(tasks, "window-escalation|APT-0071406-cardiology-3");
  ASSERT_NE(late, nullptr) << summary;
  EXPECT_EQ(str(*late, "priority"), "asap");

  // A repeat of 03 changes nothing.
  auto list = task_list(tasks);
  auto repeat =
      s.post(scenario_gateway::scenario_dir(scenario) / "03-cardiology-rescheduled-past-window.json");
  EXPECT_EQ(repeat.status, 200);
  EXPECT_EQ(s.message_count(), 3);
  EXPECT_EQ(task_list(s.for_patient("Task", a)), list);
  EXPECT_EQ(s.for_patient("Appointment", a).total(), 7);
}

// ---- Scenario 4: ROP exam no-show for lack of transportation ----

TEST_F(scenarios_1_4, s4_a_no_show_for_lack_of_transport_escalates_once_and_records_the_need) {
  const std::string scenario = "04-rop-no-show-transport";
  ASSERT_TRUE(s.post_all(scenario, "02")) << s.error();
  auto a = child("SEC-0071406");
  ASSERT_FALSE(a.empty());
  auto appointments = s.for_patient("Appointment", a);
  const auto* missed = by_identifier(appointments, "APT-0071406-ophthalmology");
  ASSERT_NE(missed, nullptr);
  EXPECT_EQ(str(*missed, "status"), "noshow");
  // The referral stays open: a no-show is not "seen".
  auto requests = s.for_patient("ServiceRequest", a);
  const auto* rop = by_identifier(requests, "REF-0071406-ophthalmology");
  ASSERT_NE(rop, nullptr);
  EXPECT_EQ(str(*rop, "status"), "active");

  // One same-day escalation for the care coordinator.
  auto tasks = s.for_patient("Task", a);
  auto summary = task_summary(tasks);
  const auto* urgent = task(tasks, "rop-escalation|APT-0071406-ophthalmology");
  ASSERT_NE(urgent, nullptr) << summary;
  EXPECT_EQ(str(*urgent, "priority"), "asap");
  EXPECT_EQ(str(*urgent, "status"), "requested");
  EXPECT_EQ(str(*urgent, "restriction.period.end").substr(0, 10), s.day(0));
  EXPECT_EQ(str(*urgent, "performerType.0.coding.0.code"), "care-coordinator");
  EXPECT_EQ(count_code(tasks, "arrange_transport"), 0) << summary;  // the reason is not known yet

  // 03: the reason, lack of transportation. The same escalation (not a second), a transportation need
  // and a Task to arrange transport.
  ASSERT_TRUE(s.post_one(scenario, "03-rop-exam-noshow-reason.json")) << s.error();
  tasks = s.for_patient("Task", a);
  summary = task_summary(tasks);
  EXPECT_EQ(with_identifier(tasks, "rop-escalation|APT-0071406-ophthalmology").size(), 1u) << summary;
  EXPECT_EQ(count_code(tasks, "call_family", "requested"), 1) << summary;
  EXPECT_EQ(count_code(tasks, "arrange_transport", "requested"), 1) << summary;
  auto home_patient = s.home("Patient?identifier=" + std::string(st_elsewhere_mrn) + "%7CSEC-0071406");
  ASSERT_EQ(home_patient.size(), 1u);
  auto subject = "Patient/" + str(*home_patient.resources[0], "id");
  auto needs = s.home("Condition?subject=" + subject + "&code=http://snomed.info/sct%7C713458007");
  ASSERT_EQ(needs.size(), 1u) << needs.body.substr(0, 800);
  EXPECT_EQ(str(*needs.resources[0], "category.0.coding.0.code"), "health-concern");
  appointments = s.for_patient("Appointment", a);
  missed = by_identifier(appointments, "APT-0071406-ophthalmology");
  ASSERT_NE(missed, nullptr);
  EXPECT_EQ(str(*missed, "cancelationReason.coding.0.code"), "pat-lt");
  // The reason repeated: nothing new.
  auto list = task_list(tasks);
  EXPECT_EQ(s.post(scenario_gateway::scenario_dir(scenario) / "03-rop-exam-noshow-reason.json").status, 200);
  EXPECT_EQ(task_list(s.for_patient("Task", a)), list);

  // 04: rebooked D+2, inside the window (D+6), interpreter booked: the escalation is done, no new one;
  // the ride is still needed for the new date; no interpreter Task.
  ASSERT_TRUE(s.post_one(scenario, "04-rop-exam-rebooked.json")) << s.error();
  appointments = s.for_patient("Appointment", a);
  missed = by_identifier(appointments, "APT-0071406-ophthalmology");
  const auto* rebooked = by_identifier(appointments, "APT-0071406-ophthalmology-2");
  ASSERT_TRUE(missed != nullptr && rebooked != nullptr);
  EXPECT_EQ(str(*missed, "status"), "noshow");
  EXPECT_EQ(str(*rebooked, "status"), "booked");
  EXPECT_EQ(str(*rebooked, "start"), s.day(2) + "T08:45:00Z");
  EXPECT_EQ(extension(*rebooked, replaces_url), ref_to(*missed));
  EXPECT_EQ(extension(*missed, replaced_by_url), ref_to(*rebooked));
  tasks = s.for_patient("Task", a);
  summary = task_summary(tasks);
  urgent = task(tasks, "rop-escalation|APT-0071406-ophthalmology");
  ASSERT_NE(urgent, nullptr) << summary;
  EXPECT_EQ(str(*urgent, "status"), "completed");
  EXPECT_EQ(task(tasks, "rop-escalation|APT-0071406-ophthalmology-2"), nullptr) << summary;
  // The one call left is telling the family the new date; no new escalation (within the window).
  EXPECT_EQ(count_code(tasks, "call_family", "requested"), 1) << summary;
  ASSERT_NE(task(tasks, "reschedule-notice|APT-0071406-ophthalmology-2"), nullptr) << summary;
  EXPECT_EQ(task(tasks, "interpreter|APT-0071406-ophthalmology-2"), nullptr) << summary;
  const auto* ride = task(tasks, "transport|APT-0071406-ophthalmology-2");
  ASSERT_NE(ride, nullptr) << "the transport need was lost with the rebooking\n" << summary;
  EXPECT_EQ(str(*ride, "status"), "requested");
  EXPECT_EQ(s.home("Condition?subject=" + subject + "&code=http://snomed.info/sct%7C713458007").size(), 1u);
}

}  // namespace
}  // namespace homebase::testing
