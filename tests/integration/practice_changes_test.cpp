// The practice's changes at its own FHIR server survive Homebase's later deliveries (issue 11 item 1,
// docs/ARCHITECTURE.md "Who owns which field"), end to end: the real gateway, the test medical home
// (medplum, versioned, If-Match honoured), and the practice's EHR played by the test with plain PUTs.
//   - versioned_delivery: scenario 2's amended discharge after the practice completed a Task and cancelled
//     an Appointment: both stay so at the practice and in Homebase's read API; the delivery's attempts
//     show the 412 and the retry, the medical home's log one read-back between them.
//   - scenario_13 (tests/fixtures/scenarios/13-practice-changes-kept): the parent-partner outreach done
//     and a duplicate appointment cancelled at the practice, then the specialist's visit summary and a
//     weight check: neither change is undone, the model shows both, no rule reopens them.
#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "tests/integration/scenario_test_support.hpp"

namespace homebase::testing {
namespace {

const std::string action_item_sid = "http://homebase.example.org/fhir/sid/action-item";

std::string to_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return {b.GetString(), b.GetSize()};
}

// The practice's EHR changes `resource` at its server: GET it, apply `edit`, PUT it back (no If-Match: the
// EHR is not Homebase). Returns the PUT's status.
template <typename Edit>
int practice_edit(const scenario_gateway& s, const temp_dir& dir, const std::string& type,
                  const std::string& id, Edit edit) {
  auto current = s.home(type + "/" + id);
  if (current.status != 200 || !current.doc->IsObject()) return current.status;
  auto& doc = *current.doc;
  edit(doc, doc.GetAllocator());
  if (doc.HasMember("meta")) doc.RemoveMember("meta");
  auto file = dir.path() / ("practice-" + type + "-" + id + ".json");
  write_file(file, to_text(doc));
  return http_call("PUT", s.medical_home().base() + "/" + type + "/" + id, file).status;
}

void set_string(rapidjson::Value& obj, const char* name, const std::string& value,
                rapidjson::Document::AllocatorType& a) {
  if (obj.HasMember(name)) obj.RemoveMember(name);
  obj.AddMember(rapidjson::Value(name, a), rapidjson::Value(value.c_str(), a), a);
}

// The practice completes a Task: status, a business status, a note of its own.
int complete_task(const scenario_gateway& s, const temp_dir& dir, const std::string& id) {
  return practice_edit(s, dir, "Task", id, [](rapidjson::Document& t, auto& a) {
    set_string(t, "status", "completed", a);
    if (t.HasMember("businessStatus")) t.RemoveMember("businessStatus");
    rapidjson::Value bs(rapidjson::kObjectType);
    bs.AddMember("text", "family reached by phone", a);
    t.AddMember("businessStatus", bs, a);
    if (!t.HasMember("note")) t.AddMember("note", rapidjson::Value(rapidjson::kArrayType), a);
    rapidjson::Value note(rapidjson::kObjectType);
    note.AddMember("text", "Called Ms Reyes; home visit set up by the parent partner", a);
    t["note"].PushBack(note, a);
  });
}

// The practice cancels an Appointment (a duplicate booking).
int cancel_appointment(const scenario_gateway& s, const temp_dir& dir, const std::string& id) {
  return practice_edit(s, dir, "Appointment", id, [](rapidjson::Document& r, auto& a) {
    set_string(r, "status", "cancelled", a);
    if (r.HasMember("cancelationReason")) r.RemoveMember("cancelationReason");
    rapidjson::Value reason(rapidjson::kObjectType);
    reason.AddMember("text", "duplicate booking", a);
    r.AddMember("cancelationReason", reason, a);
  });
}

// The resource of the practice's server with that identifier value (searching every one of the type:
// medplum cannot match a token value containing `|`).
const rapidjson::Value* at_home(const fhir_result& all, const std::string& value) {
  auto found = with_identifier(all, value);
  return found.size() == 1 ? found.front() : nullptr;
}

// The key (identifier value) of the one coordinator Task with that code, "" when not exactly one.
std::string task_key(const fhir_result& tasks, const std::string& code) {
  auto found = with_code(tasks, code);
  return found.size() == 1 ? str(*found.front(), "identifier.0.value") : std::string();
}

// The delivery history of message `id` through the admin API: "status:http_status" per attempt, in order.
std::vector<int> attempt_statuses(const scenario_gateway& s, int id) {
  auto reply = http_call("GET", s.gateway().url("/admin/messages/" + std::to_string(id)), {}, "");
  rapidjson::Document d;
  d.Parse(reply.body.c_str());
  std::vector<int> out;
  const auto* deliveries = d.HasParseError() ? nullptr : at(d, "deliveries");
  if (deliveries == nullptr || !deliveries->IsArray()) return out;
  for (const auto& del : deliveries->GetArray())
    for (const auto& a : del["history"].GetArray()) out.push_back(a["http_status"].GetInt());
  return out;
}

// The writes the medical home received (its request log without the GETs), as "METHOD status [Bundle.type]"
// lines in order.
std::vector<std::string> home_requests(const scenario_gateway& s) {
  std::vector<std::string> out;
  auto text = read_file(s.medical_home().log);
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    rapidjson::Document d;
    d.Parse(text.c_str() + pos, end - pos);
    pos = end + 1;
    if (d.HasParseError() || !d.IsObject() || str(d, "method") == "GET") continue;
    std::string line = str(d, "method") + " " + std::to_string(at(d, "status")->GetInt());
    if (const auto* body = at(d, "body"); body != nullptr && body->IsObject())
      line += " " + str(*body, "type");
    out.push_back(line);
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

double metric(const scenario_gateway& s, const std::string& series) {
  auto body = http_call("GET", s.gateway().url("/metrics"), {}, "").body;
  auto at_series = body.find("\n" + series + " ");
  if (at_series == std::string::npos) return 0;
  return std::stod(body.substr(at_series + series.size() + 2));
}

// ---- the amended discharge ----

TEST(versioned_delivery, an_amended_discharge_keeps_what_the_practice_changed) {
  scenario_gateway s;
  ASSERT_TRUE(s.start()) << s.error();
  temp_dir dir;
  const std::string scenario = "02-amended-discharge";
  ASSERT_TRUE(s.post_one(scenario, "01-nicu-discharge.json")) << s.error();

  auto tasks = s.home("Task?_count=1000");
  auto key = task_key(tasks, "parent_partner_outreach");
  ASSERT_FALSE(key.empty()) << task_summary(tasks);
  const auto* task = at_home(tasks, key);
  ASSERT_NE(task, nullptr);
  ASSERT_EQ(complete_task(s, dir, str(*task, "id")), 200);
  auto appointments = s.home("Appointment?_count=1000");
  const auto* appointment = at_home(appointments, "APT-0071406-neonatal-follow-up");
  ASSERT_NE(appointment, nullptr);
  ASSERT_EQ(cancel_appointment(s, dir, str(*appointment, "id")), 200);

  ASSERT_TRUE(s.post_one(scenario, "02-nicu-discharge-amended.json")) << s.error();

  // At the practice: both changes stand, and the amendment arrived (furosemide).
  auto task_after = s.home("Task/" + str(*task, "id"));
  EXPECT_EQ(str(*task_after.doc, "status"), "completed");
  EXPECT_EQ(str(*task_after.doc, "businessStatus.text"), "family reached by phone");
  const auto* notes = at(*task_after.doc, "note");
  ASSERT_NE(notes, nullptr);
  EXPECT_NE(to_text(*notes).find("home visit set up"), std::string::npos);
  auto appointment_after = s.home("Appointment/" + str(*appointment, "id"));
  EXPECT_EQ(str(*appointment_after.doc, "status"), "cancelled");
  EXPECT_EQ(str(*appointment_after.doc, "cancelationReason.text"), "duplicate booking");
  auto meds = s.home("MedicationStatement?_count=100");
  EXPECT_EQ(meds.size(), 3u);
  EXPECT_EQ(with_code(s.home("Task?_count=1000"), "parent_partner_outreach").size(), 1u);  // not re-created

  // Homebase's own read API shows the practice's work.
  auto patient = s.patient_id(st_elsewhere_mrn, "SEC-0071406");
  ASSERT_FALSE(patient.empty()) << s.error();
  auto read_tasks = s.for_patient("Task", patient);
  auto done = with_code(read_tasks, "parent_partner_outreach");
  ASSERT_EQ(done.size(), 1u) << task_summary(read_tasks);
  EXPECT_EQ(str(*done.front(), "status"), "completed");
  auto read_appointments = s.for_patient("Appointment", patient);
  const auto* cancelled = at_home(read_appointments, "APT-0071406-neonatal-follow-up");
  ASSERT_NE(cancelled, nullptr);
  EXPECT_EQ(str(*cancelled, "status"), "cancelled");

  // The amendment's delivery: a 412, then the retry that succeeded, in one attempt.
  EXPECT_EQ(attempt_statuses(s, 2), (std::vector<int>{412, 200}));
  auto log = home_requests(s);
  std::vector<std::string> tail(log.end() - std::min<std::size_t>(3, log.size()), log.end());
  EXPECT_EQ(tail,
            (std::vector<std::string>{"POST 412 transaction", "POST 200 batch", "POST 200 transaction"}))
      << joined(log);
  EXPECT_EQ(metric(s, "homebase_delivery_conflicts_total{medical_home=\"meadowbrook\"}"), 1.0);
}

TEST(versioned_delivery, without_a_practice_change_no_conflict_and_one_round_trip) {
  scenario_gateway s;
  ASSERT_TRUE(s.start()) << s.error();
  ASSERT_TRUE(s.post_all("02-amended-discharge")) << s.error();
  EXPECT_EQ(attempt_statuses(s, 2), std::vector<int>{200});
  auto log = home_requests(s);
  EXPECT_EQ(log, (std::vector<std::string>{"POST 200 transaction", "POST 200 transaction"})) << joined(log);
  EXPECT_EQ(metric(s, "homebase_delivery_conflicts_total{medical_home=\"meadowbrook\"}"), 0.0);
}

// ---- scenario 13 ----

TEST(scenario_13, the_practice_changes_are_kept_and_no_rule_reopens_them) {
  scenario_gateway s;
  ASSERT_TRUE(s.start()) << s.error();
  temp_dir dir;
  const std::string scenario = "13-practice-changes-kept";
  ASSERT_TRUE(s.post_one(scenario, "01-nicu-discharge.json")) << s.error();

  // The practice's people, in their EHR: the outreach done, the duplicate booking cancelled.
  auto tasks = s.home("Task?_count=1000");
  auto key = task_key(tasks, "parent_partner_outreach");
  ASSERT_FALSE(key.empty()) << task_summary(tasks);
  const std::string task_id = str(*at_home(tasks, key), "id");
  ASSERT_EQ(complete_task(s, dir, task_id), 200);
  auto appointments = s.home("Appointment?_count=1000");
  const auto* duplicate = at_home(appointments, "APT-0071406-neonatal-follow-up-2");
  const auto* original = at_home(appointments, "APT-0071406-neonatal-follow-up");
  ASSERT_NE(duplicate, nullptr);
  ASSERT_NE(original, nullptr);
  const std::string duplicate_id = str(*duplicate, "id");
  const std::string original_id = str(*original, "id");
  ASSERT_EQ(cancel_appointment(s, dir, duplicate_id), 200);

  // The growth clinic's visit summary, then the next one a week later (another rule run).
  ASSERT_TRUE(s.post_one(scenario, "02-growth-clinic-visit-summary.json")) << s.error();
  ASSERT_TRUE(s.post_one(scenario, "03-growth-clinic-visit-summary.json")) << s.error();

  // At the practice: neither change undone, nothing duplicated, Homebase's news arrived.
  auto task_after = s.home("Task/" + task_id);
  EXPECT_EQ(str(*task_after.doc, "status"), "completed");
  EXPECT_EQ(str(*task_after.doc, "businessStatus.text"), "family reached by phone");
  auto dup_after = s.home("Appointment/" + duplicate_id);
  EXPECT_EQ(str(*dup_after.doc, "status"), "cancelled");
  EXPECT_EQ(str(*dup_after.doc, "cancelationReason.text"), "duplicate booking");
  EXPECT_EQ(str(*s.home("Appointment/" + original_id).doc, "status"), "booked");
  auto tasks_after = s.home("Task?_count=1000");
  EXPECT_EQ(with_code(tasks_after, "parent_partner_outreach").size(), 1u) << task_summary(tasks_after);
  EXPECT_EQ(s.home("Appointment?_count=1000").size(), appointments.size());
  auto observations = s.home("Observation?_count=100");
  EXPECT_NE(observations.body.find("\"value\":2610"), std::string::npos) << "the weight of 03 did not arrive";

  // The model shows both, after two more rule runs: the item stays done, the appointment cancelled.
  auto patient = s.patient_id(st_elsewhere_mrn, "SEC-0071406");
  ASSERT_FALSE(patient.empty()) << s.error();
  auto read_tasks = s.for_patient("Task", patient);
  auto outreach = with_code(read_tasks, "parent_partner_outreach");
  ASSERT_EQ(outreach.size(), 1u) << task_summary(read_tasks);
  EXPECT_EQ(str(*outreach.front(), "status"), "completed");
  EXPECT_TRUE(with_code(read_tasks, "parent_partner_outreach", "requested").empty());
  auto read_appointments = s.for_patient("Appointment", patient);
  const auto* cancelled = at_home(read_appointments, "APT-0071406-neonatal-follow-up-2");
  ASSERT_NE(cancelled, nullptr);
  EXPECT_EQ(str(*cancelled, "status"), "cancelled");

  // 02's delivery met the practice's changes (412, read-back, retry); 03's had nothing to meet.
  // (A coordination clock may add a delivery of its own later: only the first two entries are this one's.)
  auto second = attempt_statuses(s, 2);
  ASSERT_GE(second.size(), 2u);
  EXPECT_EQ(std::vector<int>(second.begin(), second.begin() + 2), (std::vector<int>{412, 200}));
  auto third = attempt_statuses(s, 3);
  ASSERT_FALSE(third.empty());
  EXPECT_EQ(std::count(third.begin(), third.end(), 412), 0);
  EXPECT_EQ(metric(s, "homebase_delivery_conflicts_total{medical_home=\"meadowbrook\"}"), 1.0);
}

}  // namespace
}  // namespace homebase::testing
