#include "mappers/outbound/field_ownership.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

namespace homebase::mappers::outbound {
namespace {

rapidjson::Document parsed(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  return d;
}

// The Task as Homebase wrote it (owner resolved to the server's id), and the practice's current version.
const std::string homebase_task =
    R"({"resourceType":"Task","id":"t1","identifier":[{"system":"urn:hb","value":"pp"}],"status":"requested",)"
    R"("intent":"order","description":"Parent partner outreach","owner":{"reference":"Practitioner/p1"},)"
    R"("note":[{"text":"Made by rule parent-partner"}]})";
const std::string practice_task =
    R"({"resourceType":"Task","id":"t1","identifier":[{"system":"urn:hb","value":"pp"}],"status":"completed",)"
    R"("intent":"order","description":"Parent partner outreach, edited","owner":{"reference":"Practitioner/p1"},)"
    R"("businessStatus":{"text":"family reached"},"note":[{"text":"Made by rule parent-partner"},)"
    R"({"text":"Called Mrs Rivera, visit set"}],"output":[{"type":{"text":"call"},"valueString":"reached"}]})";

TEST(field_ownership, owned_types_are_task_appointment_and_care_plan) {
  EXPECT_TRUE(has_practice_owned_fields("Task"));
  EXPECT_TRUE(has_practice_owned_fields("Appointment"));
  EXPECT_TRUE(has_practice_owned_fields("CarePlan"));
  EXPECT_FALSE(has_practice_owned_fields("ServiceRequest"));
  EXPECT_FALSE(has_practice_owned_fields("Patient"));
  EXPECT_EQ(owned_fields(R"({"resourceType":"Patient","gender":"female"})"), "{}");
}

TEST(field_ownership, owned_fields_of_a_task_are_only_the_practice_ones) {
  auto owned = parsed(owned_fields(homebase_task));
  EXPECT_STREQ(owned["status"].GetString(), "requested");
  EXPECT_TRUE(owned.HasMember("owner"));
  EXPECT_TRUE(owned.HasMember("note"));
  EXPECT_FALSE(owned.HasMember("description"));
  EXPECT_FALSE(owned.HasMember("intent"));
}

TEST(field_ownership, the_practice_changes_of_a_task_are_three_way) {
  auto changes = parsed(practice_changes(owned_fields(homebase_task), practice_task));
  EXPECT_STREQ(changes["status"].GetString(), "completed");
  EXPECT_STREQ(changes["businessStatus"]["text"].GetString(), "family reached");
  EXPECT_EQ(changes["note"].Size(), 2U);
  EXPECT_EQ(changes["output"].Size(), 1U);
  EXPECT_FALSE(changes.HasMember("owner"));        // unchanged: still Homebase's to move
  EXPECT_FALSE(changes.HasMember("description"));  // not the practice's: its edit is not kept
}

TEST(field_ownership, nothing_changed_is_no_change) {
  EXPECT_EQ(practice_changes(owned_fields(homebase_task), homebase_task), "{}");
}

TEST(field_ownership, overlay_keeps_the_practice_fields_and_homebase_the_rest) {
  auto changes = practice_changes(owned_fields(homebase_task), practice_task);
  // Homebase's next full write: a new description from an amended discharge, status requested again.
  std::string next = homebase_task;
  next.replace(next.find("Parent partner outreach"), 23, "Parent partner outreach, amended");
  auto merged = parsed(overlay_practice_fields(next, changes));
  EXPECT_STREQ(merged["status"].GetString(), "completed");
  EXPECT_STREQ(merged["businessStatus"]["text"].GetString(), "family reached");
  EXPECT_EQ(merged["note"].Size(), 2U);
  EXPECT_STREQ(merged["description"].GetString(), "Parent partner outreach, amended");
  EXPECT_STREQ(merged["intent"].GetString(), "order");
}

TEST(field_ownership, a_cleared_note_stays_cleared) {
  std::string practice = homebase_task;
  auto note = practice.find(R"(,"note")");
  practice = practice.substr(0, note) + "}";
  auto changes = practice_changes(owned_fields(homebase_task), practice);
  auto merged = parsed(overlay_practice_fields(homebase_task, changes));
  EXPECT_FALSE(merged.HasMember("note"));
}

TEST(field_ownership, newer_changes_win_over_earlier_ones) {
  auto first = practice_changes(owned_fields(homebase_task), practice_task);
  std::string again = practice_task;
  again.replace(again.find(R"("status":"completed")"), 20, R"("status":"cancelled")");
  auto second = parsed(practice_changes(owned_fields(practice_task), again, first));
  EXPECT_STREQ(second["status"].GetString(), "cancelled");
  EXPECT_STREQ(second["businessStatus"]["text"].GetString(), "family reached");  // kept from before
}

const std::string homebase_appointment =
    R"({"resourceType":"Appointment","identifier":[{"system":"urn:hb","value":"a1"}],"status":"booked",)"
    R"("minutesDuration":30,"participant":[{"actor":{"display":"Dr Eye"},"status":"accepted"}]})";

TEST(field_ownership, an_appointment_the_practice_cancelled_stays_cancelled) {
  std::string practice = homebase_appointment;
  practice.replace(practice.find(R"("status":"booked")"), 17,
                   R"("status":"cancelled","cancelationReason":{"text":"duplicate booking"})");
  auto changes = practice_changes(owned_fields(homebase_appointment), practice);
  auto merged = parsed(overlay_practice_fields(homebase_appointment, changes));
  EXPECT_STREQ(merged["status"].GetString(), "cancelled");
  EXPECT_STREQ(merged["cancelationReason"]["text"].GetString(), "duplicate booking");
  EXPECT_EQ(merged["minutesDuration"].GetInt(), 30);
}

TEST(field_ownership, an_appointment_status_the_practice_did_not_book_or_cancel_is_homebase_s) {
  std::string practice = homebase_appointment;
  practice.replace(practice.find(R"("status":"booked")"), 17, R"("status":"noshow")");
  EXPECT_EQ(practice_changes(owned_fields(homebase_appointment), practice), "{}");
}

TEST(field_ownership, an_appointment_the_practice_booked_again_loses_homebase_s_cancel_reason) {
  std::string homebase = homebase_appointment;
  homebase.replace(homebase.find(R"("status":"booked")"), 17,
                   R"("status":"cancelled","cancelationReason":{"text":"pat-lt"})");
  auto changes = practice_changes(owned_fields(homebase), homebase_appointment);
  auto merged = parsed(overlay_practice_fields(homebase, changes));
  EXPECT_STREQ(merged["status"].GetString(), "booked");
  EXPECT_FALSE(merged.HasMember("cancelationReason"));  // app-4
}

TEST(field_ownership, the_practice_s_own_care_plan_activities_are_kept) {
  const std::string homebase =
      R"({"resourceType":"CarePlan","status":"active","intent":"plan","activity":[)"
      R"({"reference":{"reference":"Task/t1"}},{"detail":{"code":{"text":"Feeding"},"status":"in-progress"}}]})";
  const std::string practice =
      R"({"resourceType":"CarePlan","status":"active","intent":"plan","activity":[)"
      R"({"reference":{"reference":"Task/t1"}},{"detail":{"code":{"text":"Feeding"},"status":"in-progress"}},)"
      R"({"detail":{"description":"Home visit by practice nurse","status":"scheduled"}}]})";
  auto changes = practice_changes(owned_fields(homebase), practice);
  auto c = parsed(changes);
  ASSERT_EQ(c["activity"].Size(), 1U);
  // Homebase's next write has a new activity of its own; the practice's comes after, once.
  std::string next = homebase;
  next.replace(next.find("]}"), 2, R"(,{"reference":{"reference":"urn:uuid:0000"}}]})");
  auto merged = parsed(overlay_practice_fields(next, changes));
  ASSERT_EQ(merged["activity"].Size(), 4U);
  EXPECT_STREQ(merged["activity"][3]["detail"]["description"].GetString(), "Home visit by practice nurse");
  auto twice = parsed(overlay_practice_fields(overlay_practice_fields(next, changes), changes));
  EXPECT_EQ(twice["activity"].Size(), 4U);
}

TEST(field_ownership, other_fields_and_types_are_never_overlaid) {
  auto merged = parsed(overlay_practice_fields(R"({"resourceType":"Patient","gender":"female"})",
                                               R"({"status":"completed","gender":"male"})"));
  EXPECT_STREQ(merged["gender"].GetString(), "female");
  auto task = parsed(overlay_practice_fields(homebase_task, R"({"description":"practice text"})"));
  EXPECT_STREQ(task["description"].GetString(), "Parent partner outreach");
}

TEST(field_ownership, bad_input_leaves_the_resource_as_it_was) {
  EXPECT_EQ(overlay_practice_fields(homebase_task, "not json"), homebase_task);
  EXPECT_EQ(practice_changes("{}", "not json", R"({"status":"completed"})"), R"({"status":"completed"})");
}

}  // namespace
}  // namespace homebase::mappers::outbound
