// letter_composer: what a school letter says (letter_content), built from the sections the family's
// authorization permits and nothing else (issue 12 item 2). Pure: the workflow passes the request (its
// free text as the clinician approved it), the permitting authorization, the child's record, and the
// parties (letterhead, school, signer, dates); the renderers (gateway/letters) lay it out.
//   sections   letter_sections(request, permit) in request order, each under a plain-language heading:
//              diagnoses (code + what it means at school), functional impact, accommodations (as needs),
//              school-hours medications (name, dose), emergency plan, immunizations, behavioral health
//   addressee  by letter kind: iep_support -> IEP Team, 504_support -> Section 504 Coordinator,
//              emergency_plan and immunization_proof -> School Nurse
//   notices    the HIPAA redisclosure notice (45 CFR 164.508(c)(2)(iii)) and the right to revoke in writing
//              (164.508(b)(5)), naming the practice to write to; the footer names the Consent relied on
#pragma once

#include <string>

#include "mappers/disclosure/authorization.hpp"
#include "mappers/disclosure/letter_content.hpp"
#include "mappers/disclosure/letter_request.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::disclosure {

struct letter_context {
  letterhead head;
  std::string school_name;
  letter_signer signer;  // signed_at empty: a draft
  std::string letter_id;
  std::string now;  // FHIR instant: the letter's date
};

[[nodiscard]] letter_content compose_letter(const letter_request& request, const authorization& permit,
                                            const model::coordination_record& record,
                                            const letter_context& context);

// The addressee a letter of `kind` is written to.
[[nodiscard]] std::string addressee_of(std::string_view kind);
// "2026-12-06..." -> "December 6, 2026"; text that is not a date is returned as is.
[[nodiscard]] std::string printed_date(std::string_view fhir_date);
// The child's name as the family writes it (the official name, else the first).
[[nodiscard]] std::string child_display_name(const model::coordination_record& record);

}  // namespace homebase::mappers::disclosure
