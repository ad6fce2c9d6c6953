#include "mappers/outbound/medical_home_checklist.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "fhir/json_document.hpp"
#include "fhir/validation/validator.hpp"
#include "mappers/inbound/discharge_translator.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::outbound {
namespace {

model::coordination_record seed_record() {
  auto doc = testing::load_fixture(testing::seed_fixture);
  auto result = inbound::translate_discharge(doc);
  EXPECT_TRUE(result.ok);
  return result.value.record;
}

const checklist_item& item(const std::vector<checklist_item>& items, int number) {
  return items.at(static_cast<std::size_t>(number - 1));
}

bool has_line(const checklist_item& i, std::string_view fragment) {
  for (const auto& e : i.evidence)
    if (e.find(fragment) != std::string::npos) return true;
  return false;
}

TEST(MedicalHomeChecklist, AnswersElevenItemsAndNeverGuessesTheFamilysOwnAnswers) {
  auto items = medical_home_checklist(model::coordination_record{}, "2024-03-07");
  ASSERT_EQ(items.size(), 11u);
  for (int n = 1; n <= 11; ++n) EXPECT_EQ(item(items, n).number, n);
  EXPECT_EQ(item(items, 3).status, "not-derivable");
  EXPECT_EQ(item(items, 5).status, "not-derivable");
  // An empty record shows nothing either way.
  for (int n : {1, 2, 4, 6, 7, 8, 9, 10, 11}) EXPECT_EQ(item(items, n).status, "no-evidence") << n;
}

TEST(MedicalHomeChecklist, TheSeedStoryShowsReferralsTrackedAndTheFamilysLanguage) {
  auto record = seed_record();
  auto items = medical_home_checklist(record, "2024-03-07");
  const auto& specialty = item(items, 7);
  EXPECT_TRUE(has_line(specialty, std::to_string(record.referrals.size()) + " referrals tracked"))
      << specialty.evidence[0];
  const auto& culture = item(items, 4);
  EXPECT_NE(culture.status, "no-evidence");
  EXPECT_TRUE(has_line(culture, "preferred language recorded: " + record.patient.preferred_language));
  EXPECT_EQ(item(items, 10).status, "evidence");
}

TEST(MedicalHomeChecklist, AnInterpreterNeededButNotBookedIsAGapForCulture) {
  model::coordination_record r;
  r.patient.interpreter_needed = true;
  r.patient.preferred_language = "es";
  model::appointment booked;
  booked.key = {"s", "a1"};
  booked.specialty = "cardiology";
  booked.status = "booked";
  booked.start = "2024-03-20T09:00:00Z";
  booked.interpreter_booked = true;
  auto missing = booked;
  missing.key = {"s", "a2"};
  missing.specialty = "audiology";
  missing.start = "2024-03-21T09:00:00Z";
  missing.interpreter_booked = false;
  auto past = missing;  // already happened: no longer counts
  past.key = {"s", "a3"};
  past.start = "2024-03-01T09:00:00Z";
  r.appointments = {booked, missing, past};
  auto culture = item(medical_home_checklist(r, "2024-03-07"), 4);
  EXPECT_EQ(culture.status, "gap");
  EXPECT_TRUE(has_line(culture, "booked for 1 upcoming appointment"));
  EXPECT_TRUE(has_line(culture, "no interpreter booked for the audiology appointment on 2024-03-21"));
  EXPECT_FALSE(has_line(culture, "2024-03-01"));

  r.appointments[1].interpreter_booked = true;
  EXPECT_EQ(item(medical_home_checklist(r, "2024-03-07"), 4).status, "evidence");
}

TEST(MedicalHomeChecklist, AnOverdueReferralLoopIsAGapUntilItCloses) {
  model::coordination_record r;
  model::referral ref;
  ref.key = {"s", "r1"};
  ref.specialty = "pulmonology";
  ref.flow = "seen";
  ref.seen_on = "2024-03-01";
  ref.loop_close_due = "2024-03-31";
  r.referrals = {ref};
  EXPECT_EQ(item(medical_home_checklist(r, "2024-03-20"), 7).status, "evidence");
  auto late = item(medical_home_checklist(r, "2024-04-02"), 7);
  EXPECT_EQ(late.status, "gap");
  EXPECT_TRUE(has_line(late, "pulmonology referral: specialist report overdue since 2024-03-31"));
  r.referrals[0].flow = "closed";
  auto closed = item(medical_home_checklist(r, "2024-04-02"), 7);
  EXPECT_EQ(closed.status, "evidence");
  EXPECT_TRUE(has_line(closed, "1 referral tracked to closure: 1 closed, 0 open"));
}

TEST(MedicalHomeChecklist, ParentPartnerOutreachOpenIsAGapAndDoneIsEvidence) {
  model::coordination_record r;
  model::action_item outreach;
  outreach.key = {"s", "o"};
  outreach.type = "parent_partner_outreach";
  outreach.status = "open";
  outreach.due = "2024-03-09";
  r.actions = {outreach};
  auto open = item(medical_home_checklist(r, "2024-03-07"), 9);
  EXPECT_EQ(open.status, "gap");
  EXPECT_TRUE(has_line(open, "outreach still open (due 2024-03-09)"));
  r.actions[0].status = "done";
  EXPECT_EQ(item(medical_home_checklist(r, "2024-03-07"), 9).status, "evidence");
}

TEST(MedicalHomeChecklist, ItsParametersAreValidR4) {
  auto text = checklist_parameters(medical_home_checklist(seed_record(), "2024-03-07"), "Patient/abc");
  rapidjson::Document doc;
  ASSERT_FALSE(fhir::parse_json(text, doc, {64}));
  fhir::operation_outcome outcome;
  fhir::validator().validate(doc, outcome);
  EXPECT_FALSE(outcome.has_errors());
  ASSERT_TRUE(doc["parameter"].IsArray());
  EXPECT_EQ(doc["parameter"].Size(), 12u);  // the patient and 11 items
  EXPECT_STREQ(doc["parameter"][0]["valueReference"]["reference"].GetString(), "Patient/abc");
}

}  // namespace
}  // namespace homebase::mappers::outbound
