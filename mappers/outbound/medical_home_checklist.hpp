// medical_home_checklist: the family-facing "Medical Homes Checklist" (seed document "What is a Medical
// Home?", domain.md §2.6), answered item by item from one child's coordination record.
//
// Each of the 11 items gets a status and the evidence the record holds for it:
//   evidence       the record shows it (the evidence lines say what, e.g. "7 referrals tracked, 2 closed")
//   gap            the record shows it is not (yet) so (e.g. an interpreter is needed and 2 appointments
//                  have none booked); the lines say what is missing
//   no-evidence    the record has nothing on it either way
//   not-derivable  only the family can answer it (items 3 and 5: respect and trust; the doctor's effort)
// The answer is an R4 Parameters resource (one `item` parameter per checklist item, with parts number,
// text, status, evidence*), so a client reads it like any other operation output.
// Pure: no I/O; `today` (FHIR date) is passed in for what is upcoming or overdue.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::outbound {

struct checklist_item {
  int number = 0;
  std::string text;    // the item as the seed document words it
  std::string status;  // evidence | gap | no-evidence | not-derivable
  std::vector<std::string> evidence;
};

[[nodiscard]] std::vector<checklist_item> medical_home_checklist(const model::coordination_record& record,
                                                                 std::string_view today);

// The Parameters resource of $medical-home-checklist; `patient_reference` is e.g. "Patient/<id>";
// `corrected_age`, when not empty, is given as its own parameter (model/corrected_age).
[[nodiscard]] std::string checklist_parameters(const std::vector<checklist_item>& items,
                                               std::string_view patient_reference,
                                               std::string_view corrected_age = {});

}  // namespace homebase::mappers::outbound
