// school_letter: the letter itself, an R4 *document* Bundle (Composition first, then the resources its
// sections cite), built only from the sections the permitting authorization allows.
//
// Why a document Bundle and not a DocumentReference: a letter to a school is a signed, self-contained
// snapshot that becomes the school's education record (FERPA) and is never updated by us afterwards. A
// document Bundle carries exactly that: its content travels with it (the school cannot and must not
// resolve references back into our records), Composition.attester records the signing clinician, and
// Bundle.identifier + timestamp make it one immutable instance (bdl-9/10/11). A DocumentReference would
// only point at such a document (or a PDF) and add a second resource to keep consistent. The school
// receives it with `POST [base]/Bundle`.
//
// Content rules (domain.md §4.2, §4.3 "the letter must contain only authorized data classes"):
//   a section appears only when requested AND permitted by `permit` (never an excluded class);
//   diagnoses: the record's active problems that are not behavioral health; behavioral_health: those
//   that are (see is_behavioral_health); school_hours_medications: the record's medications the request
//   names; the other sections: the clinician's text from the request. The Patient entry has the name,
//   birth date and gender only: the hospital's identifiers are not the school's business.
#pragma once

#include <string>
#include <vector>

#include "mappers/disclosure/authorization.hpp"
#include "mappers/disclosure/letter_request.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::disclosure {

inline constexpr std::string_view school_letter_id_system =
    "http://homebase.example.org/fhir/sid/school-letter";

struct letter_parties {
  std::string school_name;
  model::identifier school;  // the identifier the request named
  std::string letter_id;     // the gateway's id of the letter (Bundle.identifier value)
  std::string now;           // FHIR instant: Bundle.timestamp, Composition.date, attester.time
};

// Problems in ICD-10-CM chapter F (mental, behavioral and neurodevelopmental disorders), or one of a few
// SNOMED CT disorders named in the .cpp. A problem coded otherwise counts as a general diagnosis.
[[nodiscard]] bool is_behavioral_health(const model::problem& p);

// The classes of `request.sections` that `permit` allows, in request order.
[[nodiscard]] std::vector<data_class> letter_sections(const letter_request& request,
                                                      const authorization& permit);

// The record's medications named by the request (by system and code); the names it finds no match for
// go to `unknown` when given.
[[nodiscard]] std::vector<model::medication> school_hours_medications(
    const letter_request& request, const model::coordination_record& record,
    std::vector<model::coding>* unknown = nullptr);

// The letter's document Bundle (JSON). Needs `decide(...)` to have allowed it with `permit`.
[[nodiscard]] std::string build_school_letter(const letter_request& request, const authorization& permit,
                                              const model::coordination_record& record,
                                              const letter_parties& parties);

}  // namespace homebase::mappers::disclosure
