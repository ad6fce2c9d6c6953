// practice_change: reading what the medical home's people changed in a resource Homebase wrote there, and
// merging it into the record by ownership; then that nothing Homebase does afterwards (its own writes
// read back, the rules, a partner's message, the next full re-send) undoes it.
#include "mappers/model/practice_change.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "fhir/fhir_time.hpp"
#include "mappers/coordination/coordination_rules.hpp"
#include "mappers/model/record_codec.hpp"
#include "mappers/model/record_merge.hpp"
#include "mappers/outbound/medical_home_transaction.hpp"
#include "mappers/outbound/referral_entries.hpp"
#include "tests/mappers/outbound/bundle_view.hpp"
#include "tests/mappers/outbound/full_record.hpp"

namespace homebase::mappers::model {
namespace {

using mappers::testing::bundle_view;

constexpr const char* now = "2024-07-02T10:00:00Z";
constexpr const char* push = "medical-home:meadowbrook push";
const std::string sid = "http://homebase.example.org/fhir/sid/";

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// The resource Homebase writes for the entity whose identifier is `value`, as the practice's server
// would hold it (JSON text), edited by `edit`.
template <class Edit>
std::string written(const coordination_record& record, std::string_view type, std::string_view value,
                    Edit edit) {
  bundle_view bundle(outbound::to_transaction_bundle(record, {}));
  rapidjson::Document copy;
  copy.CopyFrom(bundle.by_identifier(type, value)["resource"], copy.GetAllocator());
  edit(copy);
  return to_json(copy);
}

void set(rapidjson::Document& d, const char* name, const char* value) {
  rapidjson::Value v(value, d.GetAllocator());
  if (d.HasMember(name)) {
    d[name] = v;
  } else {
    d.AddMember(rapidjson::Value(name, d.GetAllocator()), v, d.GetAllocator());
  }
}

// Task.owner as the practice sets it: a display.
void set_owner(rapidjson::Document& d, const char* display) {
  rapidjson::Value owner(rapidjson::kObjectType);
  owner.AddMember("display", rapidjson::Value(display, d.GetAllocator()), d.GetAllocator());
  if (d.HasMember("owner")) {
    d["owner"] = owner;
  } else {
    d.AddMember("owner", owner, d.GetAllocator());
  }
}

void add_note(rapidjson::Document& d, const char* text) {
  auto& a = d.GetAllocator();
  if (!d.HasMember("note")) d.AddMember("note", rapidjson::Value(rapidjson::kArrayType), a);
  rapidjson::Value n(rapidjson::kObjectType);
  n.AddMember("text", rapidjson::Value(text, a), a);
  d["note"].PushBack(n, a);
}

practice_change change_of(const std::string& json, std::string_view source = push) {
  auto c = practice_change_from_resource(json, source);
  EXPECT_TRUE(c.has_value()) << json;
  return c.value_or(practice_change{});
}

const action_item& item(const coordination_record& r, std::string_view value) {
  for (const auto& a : r.actions)
    if (a.key.value == value) return a;
  ADD_FAILURE() << "no action item " << value;
  static action_item none;
  return none;
}

// ---- reading ----

TEST(practice_change, reads_the_practice_owned_fields_of_a_task) {
  auto json = R"({"resourceType":"Task","meta":{"lastUpdated":"2024-07-01T15:04:05Z"},
    "identifier":[{"system":"urn:other","value":"x"},
                  {"system":"http://homebase.example.org/fhir/sid/action-item","value":"pcp-visit|ENC-1"}],
    "status":"completed","statusReason":{"text":"Seen on Monday"},
    "businessStatus":{"coding":[{"code":"7.0","display":"Done"}]},
    "owner":{"reference":"Practitioner/9","display":"Dr. Ada Lin"},
    "note":[{"text":"Called the family"},{"authorString":"x"}],
    "output":[{"type":{"text":"r"},"valueString":"Visit booked"},
              {"type":{"text":"r"},"valueReference":{"reference":"Encounter/4"}}],
    "intent":"order"})";
  auto c = change_of(json);
  EXPECT_EQ(c.resource_type, "Task");
  EXPECT_EQ(c.key, (identifier{sid + "action-item", "pcp-visit|ENC-1"}));
  EXPECT_EQ(c.status, "completed");
  EXPECT_EQ(c.status_reason, "Seen on Monday");
  EXPECT_EQ(c.business_status, "Done");
  EXPECT_EQ(c.owner, "Dr. Ada Lin");
  EXPECT_EQ(c.notes, (std::vector<std::string>{"Called the family"}));
  EXPECT_EQ(c.outputs, (std::vector<std::string>{"Visit booked", "Encounter/4"}));
  EXPECT_EQ(c.changed_at, "2024-07-01T15:04:05Z");
  EXPECT_EQ(c.source, push);
}

TEST(practice_change, a_task_without_a_homebase_identifier_is_not_one_of_ours) {
  EXPECT_FALSE(practice_change_from_resource(
      R"({"resourceType":"Task","identifier":[{"system":"urn:x","value":"1"}],"status":"completed"})", push));
  EXPECT_FALSE(practice_change_from_resource(R"({"resourceType":"Task","status":"completed"})", push));
  EXPECT_FALSE(practice_change_from_resource(
      R"({"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"}]})", push));
  EXPECT_FALSE(practice_change_from_resource("not json", push));
  EXPECT_FALSE(practice_change_from_resource("[]", push));
}

TEST(practice_change, an_appointment_is_keyed_on_its_business_identifier) {
  auto c = change_of(R"({"resourceType":"Appointment","identifier":[{"system":"urn:appt","value":"A1"}],
    "status":"cancelled","cancelationReason":{"coding":[{"code":"pat","display":"Patient"}]}})");
  EXPECT_EQ(c.key, (identifier{"urn:appt", "A1"}));
  EXPECT_EQ(c.status, "cancelled");
  EXPECT_EQ(c.status_reason, "Patient");
}

// ---- Homebase's own writes read back ----

TEST(practice_change, what_homebase_wrote_comes_back_as_no_change) {
  auto record = mappers::testing::full_record();
  bundle_view bundle(outbound::to_transaction_bundle(record, {}));
  int read = 0;
  for (const char* type : {"Task", "Appointment", "CarePlan"}) {
    for (const auto* e : bundle.entries(type)) {
      auto c = practice_change_from_resource(to_json((*e)["resource"]), "medical-home:m pull");
      if (!c) continue;
      ++read;
      auto copy = record;
      auto result = apply_practice_change(copy, *c, now);
      EXPECT_FALSE(result.changed) << to_json((*e)["resource"]);
      EXPECT_EQ(copy, record) << to_json((*e)["resource"]);
    }
  }
  EXPECT_GT(read, 15);
}

// ---- action items ----

TEST(practice_change, a_completed_action_item_is_done_with_the_practice_fields) {
  auto record = mappers::testing::full_record();
  ASSERT_EQ(item(record, "schedule_followup|REF-gi").status, "open");
  auto json = written(record, "Task", "schedule_followup|REF-gi", [](rapidjson::Document& d) {
    set(d, "status", "completed");
    set_owner(d, "Rosa (parent partner)");
    add_note(d, "Met the mother at the NICU follow-up clinic");
  });
  auto result = apply_practice_change(record, change_of(json), now);
  EXPECT_TRUE(result.changed);
  const auto& a = item(record, "schedule_followup|REF-gi");
  EXPECT_EQ(a.status, "done");
  EXPECT_EQ(a.owner, "Rosa (parent partner)");
  EXPECT_EQ(a.notes, (std::vector<std::string>{"Met the mother at the NICU follow-up clinic"}));
  ASSERT_FALSE(record.events.empty());
  const auto& e = record.events.back();
  EXPECT_EQ(e.kind, "PracticeChangeReceived");
  EXPECT_EQ(e.source, push);
  EXPECT_EQ(e.at, now);
  EXPECT_NE(e.detail.find("status done"), std::string::npos) << e.detail;
  // The same change again changes nothing.
  auto copy = record;
  EXPECT_FALSE(apply_practice_change(record, change_of(json), now).changed);
  EXPECT_EQ(record, copy);
}

TEST(practice_change, task_statuses_map_to_action_item_statuses) {
  struct row {
    const char* task;
    const char* item;
  };
  // A row, not a structured binding: clang 14 cannot capture a binding in the lambda.
  for (const row& r :
       {row{"in-progress", "in_progress"}, row{"on-hold", "blocked"}, row{"cancelled", "cancelled"},
        row{"rejected", "cancelled"}, row{"completed", "done"}}) {
    auto record = mappers::testing::full_record();
    auto json = written(record, "Task", "schedule_followup|REF-gi",
                        [&](rapidjson::Document& d) { set(d, "status", r.task); });
    (void)apply_practice_change(record, change_of(json), now);
    EXPECT_EQ(item(record, "schedule_followup|REF-gi").status, r.item) << r.task;
  }
}

TEST(practice_change, a_closed_item_is_not_reopened_by_a_stale_status) {
  auto record = mappers::testing::full_record();
  auto completed = written(record, "Task", "schedule_followup|REF-gi",
                           [](rapidjson::Document& d) { set(d, "status", "completed"); });
  auto reopened = written(record, "Task", "schedule_followup|REF-gi",
                          [](rapidjson::Document& d) { set(d, "status", "in-progress"); });
  (void)apply_practice_change(record, change_of(completed), now);
  auto copy = record;
  auto result = apply_practice_change(record, change_of(reopened), now);
  EXPECT_FALSE(result.changed);
  EXPECT_EQ(record, copy);
  ASSERT_EQ(result.notes.size(), 1u);
  EXPECT_NE(result.notes[0].find("does not reopen"), std::string::npos);
}

TEST(practice_change, an_unknown_key_is_a_note) {
  auto record = mappers::testing::full_record();
  practice_change c;
  c.resource_type = "Task";
  c.key = {sid + "action-item", "nothing|here"};
  c.status = "completed";
  auto copy = record;
  auto result = apply_practice_change(record, c, now);
  EXPECT_FALSE(result.changed);
  EXPECT_EQ(record, copy);
  ASSERT_EQ(result.notes.size(), 1u);
  EXPECT_NE(result.notes[0].find("nothing|here"), std::string::npos);
}

// ---- agenda items ----

TEST(practice_change, a_completed_case_conference_item_is_discussed_and_leaves_the_agenda) {
  auto record = mappers::testing::full_record();
  ASSERT_EQ(record.agenda.size(), 2u);
  const auto key = record.agenda[1].key;
  ASSERT_EQ(record.agenda[1].status, "pending");
  auto json = written(record, "Task", key.value, [](rapidjson::Document& d) {
    set(d, "status", "completed");
    add_note(d, "Discussed: the report is promised for Friday");
  });
  auto result = apply_practice_change(record, change_of(json), now);
  EXPECT_TRUE(result.changed);
  EXPECT_EQ(record.agenda[1].status, "discussed");
  EXPECT_EQ(record.agenda[1].notes,
            (std::vector<std::string>{"Discussed: the report is promised for Friday"}));
  EXPECT_EQ(record.events.back().kind, "PracticeChangeReceived");
  // What goes out next says completed, with the note.
  bundle_view bundle(outbound::to_transaction_bundle(record, {}));
  const auto& task = bundle.by_identifier("Task", key.value)["resource"];
  EXPECT_STREQ(task["status"].GetString(), "completed");
  ASSERT_EQ(task["note"].Size(), 2u);
  EXPECT_STREQ(task["note"][1]["text"].GetString(), "Discussed: the report is promised for Friday");
  // A discussed item does not go back on the agenda, nor is it cancelled afterwards.
  auto later =
      written(record, "Task", key.value, [](rapidjson::Document& d) { set(d, "status", "cancelled"); });
  EXPECT_FALSE(apply_practice_change(record, change_of(later), now).changed);
  EXPECT_EQ(record.agenda[1].status, "discussed");
}

TEST(practice_change, a_cancelled_case_conference_item_leaves_the_agenda_too) {
  auto record = mappers::testing::full_record();
  const auto key = record.agenda[1].key;
  auto json =
      written(record, "Task", key.value, [](rapidjson::Document& d) { set(d, "status", "cancelled"); });
  EXPECT_TRUE(apply_practice_change(record, change_of(json), now).changed);
  EXPECT_EQ(record.agenda[1].status, "cancelled");
  bundle_view bundle(outbound::to_transaction_bundle(record, {}));
  EXPECT_STREQ(bundle.by_identifier("Task", key.value)["resource"]["status"].GetString(), "cancelled");
}

// ---- referral Tasks ----

const referral& referral_with_flow(const coordination_record& r, std::string_view flow) {
  for (const auto& x : r.referrals)
    if (x.flow == flow) return x;
  ADD_FAILURE() << "no referral in " << flow;
  static referral none;
  return none;
}

TEST(practice_change, a_referral_task_moves_the_referral_flow) {
  auto record = mappers::testing::full_record();
  const auto sent = referral_with_flow(record, "sent");
  auto task_key = outbound::referral_task_key(sent);
  auto json = written(record, "Task", task_key.value, [](rapidjson::Document& d) {
    set(d, "status", "accepted");
    d.RemoveMember("businessStatus");
  });
  auto result = apply_practice_change(record, change_of(json), now);
  EXPECT_TRUE(result.changed);
  auto moved = std::find_if(record.referrals.begin(), record.referrals.end(),
                            [&](const referral& r) { return r.key == sent.key; });
  EXPECT_EQ(moved->flow, "accepted");
  EXPECT_EQ(moved->status, "active");
}

TEST(practice_change, a_referral_transition_the_flow_refuses_is_a_note) {
  auto record = mappers::testing::full_record();
  const auto closed = referral_with_flow(record, "declined");
  auto json = written(record, "Task", outbound::referral_task_key(closed).value,
                      [](rapidjson::Document& d) { set(d, "status", "accepted"); });
  auto copy = record;
  auto result = apply_practice_change(record, change_of(json), now);
  EXPECT_FALSE(result.changed);
  EXPECT_EQ(record, copy);
  ASSERT_EQ(result.notes.size(), 1u);
  EXPECT_NE(result.notes[0].find("may not move from declined to accepted"), std::string::npos);
}

// ---- appointments ----

TEST(practice_change, an_appointment_the_practice_cancelled_stays_cancelled) {
  auto record = mappers::testing::full_record();
  auto booked = std::find_if(record.appointments.begin(), record.appointments.end(),
                             [](const appointment& a) { return a.status == "booked"; });
  ASSERT_NE(booked, record.appointments.end());
  const auto key = booked->key;
  auto json = written(record, "Appointment", key.value, [](rapidjson::Document& d) {
    set(d, "status", "cancelled");
    rapidjson::Value reason(rapidjson::kObjectType);
    reason.AddMember("text", "Family moved the visit", d.GetAllocator());
    d.AddMember("cancelationReason", reason, d.GetAllocator());
  });
  EXPECT_TRUE(apply_practice_change(record, change_of(json), now).changed);
  auto find = [&](coordination_record& r) {
    return std::find_if(r.appointments.begin(), r.appointments.end(),
                        [&](const appointment& a) { return a.key == key; });
  };
  EXPECT_EQ(find(record)->status, "cancelled");
  EXPECT_EQ(find(record)->practice_status, "cancelled");
  EXPECT_EQ(find(record)->cancel_reason.display, "Family moved the visit");

  // A specialist's message restating the appointment as booked does not undo it.
  coordination_record incoming;
  incoming.patient = record.patient;
  appointment restated = *find(record);
  restated.status = "booked";
  restated.practice_status.clear();
  restated.source = "specialist";
  incoming.appointments = {restated};
  incoming.events = {{now, "VisitSummaryReceived", "specialist", "MSG-1", ""}};
  (void)merge(record, incoming);
  EXPECT_EQ(find(record)->status, "cancelled");
  bundle_view bundle(outbound::to_transaction_bundle(record, {}));
  EXPECT_STREQ(bundle.by_identifier("Appointment", key.value)["resource"]["status"].GetString(), "cancelled");

  // ... but news that the visit took place does move it on.
  incoming.appointments[0].status = "fulfilled";
  (void)merge(record, incoming);
  EXPECT_EQ(find(record)->status, "fulfilled");
}

// ---- nothing reopens a closed item ----

TEST(practice_change, the_rules_do_not_reopen_or_recreate_a_closed_item) {
  using namespace std::chrono;
  coordination_record r;
  r.patient.identifiers = {{"urn:mrn", "MRN-1"}};
  r.encounter = encounter_info{};
  r.encounter->key = {"urn:enc", "ENC-1"};
  r.encounter->class_code = "IMP";
  r.encounter->period_end = "2024-03-06T11:30:00-05:00";
  const auto monday = *fhir::first_second("2024-03-11T12:00:00Z");
  config::coordination_settings settings;
  (void)coordination::apply_rules(r, settings, monday);
  ASSERT_FALSE(r.actions.empty());
  ASSERT_FALSE(r.agenda.empty());
  const auto actions = r.actions.size();
  const auto agenda = r.agenda.size();
  for (auto& a : r.actions) {
    practice_change c;
    c.resource_type = "Task";
    c.key = a.key;
    c.status = "completed";
    c.source = push;
    EXPECT_TRUE(apply_practice_change(r, c, now).changed) << a.key.value;
  }
  practice_change discussed;
  discussed.resource_type = "Task";
  discussed.key = r.agenda.front().key;
  discussed.status = "completed";
  EXPECT_TRUE(apply_practice_change(r, discussed, now).changed);
  for (auto later : {monday, monday + days(3), monday + days(14), monday + days(60)}) {
    (void)coordination::apply_rules(r, settings, later);
    EXPECT_EQ(r.actions.size() >= actions, true);
    for (std::size_t i = 0; i < actions; ++i)
      EXPECT_EQ(r.actions[i].status, "done") << r.actions[i].key.value;
    EXPECT_EQ(r.agenda.front().status, "discussed");
    for (std::size_t i = actions; i < r.actions.size(); ++i)
      for (std::size_t j = 0; j < actions; ++j) EXPECT_NE(r.actions[i].key, r.actions[j].key);
    for (std::size_t i = agenda; i < r.agenda.size(); ++i) EXPECT_NE(r.agenda[i].key, r.agenda.front().key);
  }
}

TEST(practice_change, a_partner_message_does_not_revert_a_closed_item) {
  auto record = mappers::testing::full_record();
  auto json = written(record, "Task", "schedule_followup|REF-gi", [](rapidjson::Document& d) {
    set(d, "status", "completed");
    add_note(d, "Booked by phone");
  });
  (void)apply_practice_change(record, change_of(json), now);
  coordination_record incoming;
  incoming.patient = record.patient;
  auto restated = item(record, "schedule_followup|REF-gi");
  restated.status = "open";
  restated.notes.clear();
  restated.owner.clear();
  incoming.actions = {restated};
  record.agenda[1].status = "discussed";
  auto agenda = record.agenda[1];
  agenda.status = "pending";
  incoming.agenda = {agenda};
  incoming.events = {{now, "DischargeRecordAmended", "hospital", "MSG-2", ""}};
  (void)merge(record, incoming);
  EXPECT_EQ(item(record, "schedule_followup|REF-gi").status, "done");
  EXPECT_EQ(item(record, "schedule_followup|REF-gi").notes, (std::vector<std::string>{"Booked by phone"}));
  EXPECT_EQ(record.agenda[1].status, "discussed");
}

TEST(practice_change, the_next_full_resend_carries_the_practice_fields) {
  auto record = mappers::testing::full_record();
  auto json = written(record, "Task", "schedule_followup|REF-gi", [](rapidjson::Document& d) {
    set(d, "status", "cancelled");
    rapidjson::Value reason(rapidjson::kObjectType);
    reason.AddMember("text", "Family declined", d.GetAllocator());
    d.AddMember("statusReason", reason, d.GetAllocator());
    set_owner(d, "Nurse Kim");
    add_note(d, "Spoke to the father");
  });
  (void)apply_practice_change(record, change_of(json), now);
  bundle_view bundle(outbound::to_transaction_bundle(record, {}));
  const auto& task = bundle.by_identifier("Task", "schedule_followup|REF-gi")["resource"];
  EXPECT_STREQ(task["status"].GetString(), "cancelled");
  EXPECT_STREQ(task["statusReason"]["text"].GetString(), "Family declined");
  EXPECT_STREQ(task["owner"]["display"].GetString(), "Nurse Kim");
  ASSERT_EQ(task["note"].Size(), 2u);
  EXPECT_STREQ(task["note"][1]["text"].GetString(), "Spoke to the father");
  // And reading that Task back is no change.
  auto copy = record;
  EXPECT_FALSE(apply_practice_change(record, change_of(to_json(task)), now).changed);
  EXPECT_EQ(record, copy);
  // The stored record keeps the practice's fields.
  EXPECT_EQ(decode(encode(record)).value(), record);
}

}  // namespace
}  // namespace homebase::mappers::model
