// The practice's work flows back into the coordination model (issue 11 item 2), end to end with the real
// binary and the test medical home:
//   - scenario 14 (tests/fixtures/scenarios/14-agenda-item-discussed): the coordinator marks the
//     case-conference item discussed through Homebase's API (PATCH with If-Match); it leaves the agenda and
//     the practice's FHIR server shows the Task completed after the delivery;
//   - the push's refusals: no If-Match (428), a stale one (412), a Homebase-owned field (422), another
//     home's Task (404); PUT of the whole Task;
//   - the pull: the practice completes a Task in its own server (a plain PUT there), the read-back
//     (read_back: {every: 1s}) brings it into the model, with a record event whose source is the pull.
// Every wait polls with a deadline (eventually), never sleeps then asserts.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <regex>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/scenario_test_support.hpp"

namespace homebase::testing {
namespace {

const std::string scenario_14 = "14-agenda-item-discussed";
const std::string conference_sid = "http://homebase.example.org/fhir/sid/conference-item";
const std::string action_sid = "http://homebase.example.org/fhir/sid/action-item";

std::string header(const std::string& headers, const std::string& name) {
  auto at = headers.find(name + ": ");
  if (at == std::string::npos) return {};
  auto end = headers.find("\r\n", at);
  return headers.substr(at + name.size() + 2, end - at - name.size() - 2);
}

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// The first resource with an identifier of `system` whose value starts with `prefix`.
const rapidjson::Value* with_key(const fhir_result& r, const std::string& system, const std::string& prefix) {
  for (const auto* res : r.resources) {
    const auto* ids = at(*res, "identifier");
    if (ids == nullptr || !ids->IsArray()) continue;
    for (const auto& id : ids->GetArray())
      if (str(id, "system") == system && str(id, "value").starts_with(prefix)) return res;
  }
  return nullptr;
}

std::string first_key(const rapidjson::Value& resource, const std::string& system) {
  const auto* ids = at(resource, "identifier");
  if (ids == nullptr || !ids->IsArray()) return {};
  for (const auto& id : ids->GetArray())
    if (str(id, "system") == system) return str(id, "value");
  return {};
}

bool has_note(const rapidjson::Value& task, const std::string& text) {
  const auto* notes = at(task, "note");
  if (notes == nullptr || !notes->IsArray()) return false;
  for (const auto& n : notes->GetArray())
    if (str(n, "text").find(text) != std::string::npos) return true;
  return false;
}

// How many Provenances the practice's server holds for a PracticeChangeReceived record event whose agent is
// `source` (every record event goes to the medical home as a Provenance; Homebase's read API does not
// search Provenance).
int practice_events(const scenario_gateway& s, const std::string& source) {
  auto provenance = s.home("Provenance?_count=1000");
  int n = 0;
  for (const auto* p : provenance.resources) {
    auto text = to_json(*p);
    if (text.find("PracticeChangeReceived") != std::string::npos && text.find(source) != std::string::npos)
      ++n;
  }
  return n;
}

// Nothing queued or retrying for any medical home (GET /admin/status).
bool nothing_pending(const scenario_gateway& s) {
  auto status = http_call("GET", s.gateway().url("/admin/status"), {}, "");
  if (status.status != 200) return false;
  static const std::regex busy(R"re("(queued|retrying)":[1-9])re");
  return !std::regex_search(status.body, busy);
}

http_reply patch(const gateway_process& gw, const std::string& id, const std::filesystem::path& body,
                 const std::string& if_match) {
  std::vector<std::string> extra;
  if (!if_match.empty()) extra = {"-H", "If-Match: " + if_match};
  return http_call("PATCH", gw.url("/fhir/Task/" + id), body, "application/json-patch+json", extra);
}

TEST(scenario_14, the_case_conference_item_marked_discussed_leaves_the_agenda_and_reaches_the_practice) {
  scenario_gateway s;
  ASSERT_TRUE(s.start()) << s.error();
  ASSERT_TRUE(s.post_all(scenario_14)) << s.error();
  auto patient = s.patient_id(st_elsewhere_mrn, "SEC-0071406");
  ASSERT_FALSE(patient.empty()) << s.error();

  // The agenda item, as the coordinator's app reads it.
  auto tasks = s.read("Task?patient=" + patient + "&_count=100");
  const auto* item = with_key(tasks, conference_sid, "case-conference|");
  ASSERT_NE(item, nullptr) << task_summary(tasks);
  EXPECT_EQ(str(*item, "status"), "requested");
  const std::string id = str(*item, "id");
  const std::string key = first_key(*item, conference_sid);
  auto read = http_call("GET", s.gateway().url("/fhir/Task/" + id), {}, "");
  ASSERT_EQ(read.status, 200) << read.body;
  const std::string etag = header(read.headers, "ETag");
  ASSERT_FALSE(etag.empty()) << read.headers;

  const auto patch_file =
      scenario_gateway::scenario_dir(scenario_14) / "patch-case-conference-discussed.json";
  // Refusals first: none of them changes anything.
  auto no_precondition = patch(s.gateway(), id, patch_file, "");
  EXPECT_EQ(no_precondition.status, 428) << no_precondition.body;
  EXPECT_NE(no_precondition.body.find("OperationOutcome"), std::string::npos);
  auto stale = patch(s.gateway(), id, patch_file, "W/\"999\"");
  EXPECT_EQ(stale.status, 412) << stale.body;
  temp_dir scratch;
  auto foreign_field = scratch.path() / "description.json";
  write_file(foreign_field, R"([{"op":"replace","path":"/description","value":"Something else"}])");
  auto owned_by_homebase = patch(s.gateway(), id, foreign_field, etag);
  EXPECT_EQ(owned_by_homebase.status, 422) << owned_by_homebase.body;
  EXPECT_NE(owned_by_homebase.body.find("Task.description"), std::string::npos) << owned_by_homebase.body;

  // The coordinator marks it discussed.
  auto done = patch(s.gateway(), id, patch_file, etag);
  ASSERT_EQ(done.status, 200) << done.body;
  rapidjson::Document answer;
  answer.Parse(done.body.c_str());
  ASSERT_TRUE(answer.IsObject()) << done.body;
  EXPECT_EQ(str(answer, "status"), "completed");
  EXPECT_NE(header(done.headers, "ETag"), etag) << done.headers;
  EXPECT_FALSE(header(done.headers, "ETag").empty());

  // The model: the read API shows it completed, and a record event (Provenance) says the push did it.
  auto after = s.read("Task/" + id);
  EXPECT_EQ(str(*after.doc, "status"), "completed");

  // Audited as a BALP PatientUpdate.
  auto audit =
      http_call("GET", s.gateway().url("/fhir/AuditEvent?patient=" + patient + "&_count=100"), {}, "");
  EXPECT_NE(audit.body.find("IHE.BasicAudit.PatientUpdate"), std::string::npos) << audit.body.substr(0, 500);

  // The practice's FHIR server shows it after the delivery.
  std::string last;
  bool shown = eventually(
      [&] {
        auto at_home =
            s.home("Task?identifier=" + std::string("http%3A%2F%2Fhomebase.example.org%2Ffhir%2Fsid%2F") +
                   "conference-item%7C&_count=100");
        const auto* t = with_key(at_home, conference_sid, key);
        last = t == nullptr ? at_home.body.substr(0, 300) : str(*t, "status");
        return t != nullptr && str(*t, "status") == "completed" && has_note(*t, "Discussed at the weekly");
      },
      std::chrono::seconds(60));
  EXPECT_TRUE(shown) << last;
  // The record event, with the push as its source, reached the practice as a Provenance.
  EXPECT_TRUE(eventually([&] { return practice_events(s, "medical-home:meadowbrook push") == 1; },
                         std::chrono::seconds(30)));

  // The same patch again, on the new version: the test op fails (it is no longer requested).
  auto again = patch(s.gateway(), id, patch_file, header(done.headers, "ETag"));
  EXPECT_EQ(again.status, 422) << again.body;
}

TEST(practice_push, a_whole_task_put_and_another_homes_task) {
  scenario_gateway s;
  ASSERT_TRUE(s.start()) << s.error();
  ASSERT_TRUE(s.post_all(scenario_14)) << s.error();
  auto patient = s.patient_id(st_elsewhere_mrn, "SEC-0071406");
  auto tasks = s.read("Task?patient=" + patient + "&_count=100");
  const auto* outreach = with_key(tasks, action_sid, "parent-partner-outreach|");
  ASSERT_NE(outreach, nullptr) << task_summary(tasks);
  const std::string id = str(*outreach, "id");
  auto read = http_call("GET", s.gateway().url("/fhir/Task/" + id), {}, "");
  ASSERT_EQ(read.status, 200);
  rapidjson::Document task;
  task.Parse(read.body.c_str());
  task["status"].SetString("in-progress", task.GetAllocator());
  temp_dir scratch;
  auto body = scratch.path() / "task.json";
  write_file(body, to_json(task));
  auto put = http_call("PUT", s.gateway().url("/fhir/Task/" + id), body, "application/fhir+json",
                       {"-H", "If-Match: " + header(read.headers, "ETag")});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_NE(put.body.find(R"("status":"in-progress")"), std::string::npos) << put.body;
  // An unknown Task is 404, and so is a Task of a child routed to another home (read_scope): the same
  // answer, which an operator-free medical_home client cannot tell apart.
  auto unknown = http_call("PUT", s.gateway().url("/fhir/Task/no-such-task"), body, "application/fhir+json",
                           {"-H", "If-Match: W/\"1\""});
  EXPECT_EQ(unknown.status, 404) << unknown.body;
}

TEST(practice_read_back, a_task_the_practice_completed_in_its_own_server_comes_into_the_model) {
  scenario_gateway s;
  scenario_gateway::options options;
  options.medical_home_extra = "    read_back:\n      every: 1s\n";
  ASSERT_TRUE(s.start(options)) << s.error();
  ASSERT_TRUE(s.post_all(scenario_14)) << s.error();
  auto patient = s.patient_id(st_elsewhere_mrn, "SEC-0071406");
  ASSERT_FALSE(patient.empty()) << s.error();

  // The practice completes the parent-partner outreach in its own FHIR server (a plain PUT there).
  auto at_home =
      s.home("Task?identifier=http%3A%2F%2Fhomebase.example.org%2Ffhir%2Fsid%2Faction-item%7C&_count=100");
  const auto* outreach = with_key(at_home, action_sid, "parent-partner-outreach|");
  ASSERT_NE(outreach, nullptr) << at_home.body.substr(0, 500);
  const std::string key = first_key(*outreach, action_sid);
  rapidjson::Document task;
  task.CopyFrom(*outreach, task.GetAllocator());
  task["status"].SetString("completed", task.GetAllocator());
  rapidjson::Value note(rapidjson::kObjectType);
  note.AddMember("text", "Parent partner met the family at home", task.GetAllocator());
  if (!task.HasMember("note"))
    task.AddMember("note", rapidjson::Value(rapidjson::kArrayType), task.GetAllocator());
  task["note"].PushBack(note, task.GetAllocator());
  temp_dir scratch;
  auto body = scratch.path() / "completed.json";
  write_file(body, to_json(task));
  auto put = http_call("PUT", s.medical_home().base() + "/Task/" + str(task, "id"), body);
  ASSERT_EQ(put.status, 200) << put.body;

  // The read-back brings it into the model: Homebase's read API shows it completed, with the note.
  std::string last;
  bool pulled = eventually(
      [&] {
        auto tasks = s.read("Task?patient=" + patient + "&_count=100");
        const auto* t = with_key(tasks, action_sid, key);
        last = t == nullptr ? task_summary(tasks) : str(*t, "status");
        return t != nullptr && str(*t, "status") == "completed" &&
               has_note(*t, "Parent partner met the family at home");
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(pulled) << last;
  // The record event, with the pull as its source, reached the practice as a Provenance.
  ASSERT_TRUE(eventually([&] { return practice_events(s, "medical-home:meadowbrook pull") == 1; },
                         std::chrono::seconds(30)));

  // Homebase's own writes come back as no change: after two more passes (seen in the medical home's
  // request log) and the deliveries they might have caused, there is still one pull event.
  auto searches = [&] {
    auto log = read_file(s.medical_home().log);
    const std::string needle = R"("method":"GET","path":"/fhir/Task?identifier=)";
    int n = 0;
    for (auto pos = log.find(needle); pos != std::string::npos; pos = log.find(needle, pos + 1)) ++n;
    return n;
  };
  const int before = searches();
  ASSERT_TRUE(eventually([&] { return searches() >= before + 2; }, std::chrono::seconds(30)));
  ASSERT_TRUE(eventually([&] { return nothing_pending(s); }, std::chrono::seconds(30)));
  EXPECT_EQ(practice_events(s, "medical-home:meadowbrook pull"), 1);
}

}  // namespace
}  // namespace homebase::testing
