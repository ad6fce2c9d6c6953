#include "mappers/model/patient_match.hpp"

#include <gtest/gtest.h>

#include "mappers/model/code_systems.hpp"

namespace homebase::mappers::model {
namespace {

const identifier hospital_mrn{"http://st-elsewhere.example.org/mrn", "NB-1001"};
const identifier permanent_mrn{"http://st-elsewhere.example.org/mrn", "MRN-55831"};

family_member mother() {
  family_member m;
  m.key = {"http://st-elsewhere.example.org/related", "RP-1"};
  m.name = {"Sharma", {"Amita"}, "", "official"};
  m.telecom = {{"phone", "+1-555-0100", "mobile"}};
  return m;
}

coordination_record baby(const identifier& id, std::string given, int order = 0) {
  coordination_record r;
  r.patient.identifiers = {id};
  r.patient.names = {{"Sharma", {std::move(given)}, "", "temp"}};
  r.patient.birth_date = "2024-01-17";
  r.patient.gender = "female";
  r.patient.multiple_birth_order = order;
  r.patient.multiple_birth = order != 0;
  r.family = {mother()};
  return r;
}

match_candidate known(std::int64_t id, coordination_record r) {
  return {id, std::move(r)};
}

TEST(PatientMatch, ASharedIdentifierLinks) {
  auto in = baby(hospital_mrn, "Baby Girl");
  std::vector<match_candidate> by_id{known(7, baby(hospital_mrn, "Anjali"))};
  auto d = match_child(in, by_id, by_id);
  EXPECT_EQ(d.verdict, match_verdict::link);
  EXPECT_EQ(d.child_id, 7);
}

TEST(PatientMatch, NoCandidateMeansANewChild) {
  EXPECT_EQ(match_child(baby(hospital_mrn, "Baby Girl"), {}, {}).verdict, match_verdict::new_child);
  // Born the same day, but nothing else in common: another family's baby.
  auto other = baby({"http://other.example.org/mrn", "X"}, "Baby Boy");
  other.patient.names[0].family = "Lopez";
  other.family[0].key = {"http://other.example.org/related", "RP-9"};
  other.family[0].telecom[0].value = "+1-555-0199";
  EXPECT_EQ(match_child(baby(hospital_mrn, "Baby Girl"), {}, {known(3, other)}).verdict,
            match_verdict::new_child);
}

TEST(PatientMatch, AnIdentifierOfTwoChildrenHolds) {
  auto in = baby(hospital_mrn, "Baby Girl");
  in.patient.identifiers.push_back(permanent_mrn);
  auto d = match_child(in, {known(1, baby(hospital_mrn, "A")), known(2, baby(permanent_mrn, "B"))}, {});
  EXPECT_EQ(d.verdict, match_verdict::hold);
  EXPECT_EQ(d.candidates, (std::vector<std::int64_t>{1, 2}));
}

TEST(PatientMatch, ASharedIdentifierWithAnotherBirthDateHolds) {
  auto in = baby(hospital_mrn, "Baby Girl");
  auto on_record = baby(hospital_mrn, "Anjali");
  on_record.patient.birth_date = "2023-12-01";  // an MRN reused, or a typo: a person decides
  auto d = match_child(in, {known(4, on_record)}, {});
  EXPECT_EQ(d.verdict, match_verdict::hold);
  EXPECT_NE(d.reason.find("birth date 2024-01-17 in the message, 2023-12-01 on record"), std::string::npos);
}

TEST(PatientMatch, AnMrnChangedAtDischargeLinksThroughTheParent) {
  auto discharge = baby(permanent_mrn, "Anjali");
  discharge.patient.names[0].use = "official";
  auto d = match_child(discharge, {}, {known(5, baby(hospital_mrn, "Baby Girl"))});
  EXPECT_EQ(d.verdict, match_verdict::link);
  EXPECT_EQ(d.child_id, 5);
}

TEST(PatientMatch, TwinsAreToldApartByBirthOrder) {
  auto twin_a = baby(hospital_mrn, "Baby Girl A", 1);
  auto twin_b_new_mrn = baby(permanent_mrn, "Baby Girl B", 2);
  // B's discharge with a new MRN: A is the sibling (order 1), excluded; B's earlier record links.
  auto earlier_b = baby({"http://st-elsewhere.example.org/mrn", "NB-1002"}, "Baby Girl B", 2);
  auto d = match_child(twin_b_new_mrn, {}, {known(1, twin_a), known(2, earlier_b)});
  EXPECT_EQ(d.verdict, match_verdict::link);
  EXPECT_EQ(d.child_id, 2);
}

TEST(PatientMatch, ATwinWithoutBirthOrderHolds) {
  auto unordered = baby(permanent_mrn, "Baby Girl");
  unordered.patient.multiple_birth = true;  // multipleBirthBoolean true, no order
  auto d = match_child(unordered, {}, {known(1, baby(hospital_mrn, "Baby Girl A", 1))});
  EXPECT_EQ(d.verdict, match_verdict::hold);
  EXPECT_NE(d.reason.find("multiple birth without birth order"), std::string::npos);
}

TEST(PatientMatch, TwoChildrenSharingTheParentHold) {
  auto in = baby(permanent_mrn, "Baby Girl");
  auto d =
      match_child(in, {}, {known(1, baby({"s", "1"}, "Baby Girl")), known(2, baby({"s", "2"}, "Baby Girl"))});
  EXPECT_EQ(d.verdict, match_verdict::hold);
  EXPECT_EQ(d.candidates.size(), 2u);
}

TEST(PatientMatch, TheSameFamilyNameWithoutAParentHolds) {
  auto in = baby(permanent_mrn, "Anjali");
  in.family.clear();  // the message names no parent
  auto d = match_child(in, {}, {known(9, baby(hospital_mrn, "Baby Girl"))});
  EXPECT_EQ(d.verdict, match_verdict::hold);
  EXPECT_EQ(d.candidates, (std::vector<std::int64_t>{9}));
}

// A key the translator derived from a fullUrl names a resource in a message, not a person: two babies
// whose mothers carry the same derived key (one sender's template reuses fullUrls) share no parent.
TEST(PatientMatch, DerivedFamilyKeysAreNoEvidenceOfAParentInCommon) {
  auto in = baby(permanent_mrn, "Baby Girl");
  auto other = baby(hospital_mrn, "Baby Boy");
  for (auto* r : {&in, &other}) {
    r->family[0].key = {std::string(derived_key_system), "urn:uuid:9c3ffca2-c105-5aa0-bd33-f1b3a9932d8c"};
    r->family[0].telecom.clear();
  }
  other.patient.names[0].family = "Lopez";
  EXPECT_EQ(match_child(in, {}, {known(3, other)}).verdict, match_verdict::new_child);
  EXPECT_EQ(match_keys(in), (std::vector<std::string>{"family:sharma"}));
}

// The store finds candidates by these keys; its migration derives the same keys for older records in SQL.
TEST(PatientMatch, MatchKeysNameTheFamilyNameAndTheParents) {
  auto r = baby(hospital_mrn, "Baby Girl");
  r.patient.names.push_back({"SHARMA", {"Anjali"}, "", "official"});
  EXPECT_EQ(match_keys(r),
            (std::vector<std::string>{"family:sharma", "parent:http://st-elsewhere.example.org/related|RP-1",
                                      "telecom:phone|+1-555-0100"}));
}

}  // namespace
}  // namespace homebase::mappers::model
