// disclosure_gate: may this letter go to this school now? (domain.md §5.3, fhir-rules §5.2, local policy:
// R4 defines no normative Consent evaluation.) Pure: the gateway passes the child's authorizations, the
// record and `now`, and runs it twice: when the letter is requested, and again inside the store
// transaction that hands the letter to the sender, so a revocation committed in between is seen.
//
// One authorization permits the letter when every check holds, in this order:
//   active (CON-01) -> valid from its start -> has an expiry (164.508(c)(1)(v)) and it has not passed ->
//   a recipient is one of the school's identifiers -> action disclose -> the request's purpose is one it
//   names -> basis: an immunization agreement (164.512(b)(1)(vi)) covers immunization proof only ->
//   no requested section is excluded -> every requested section is permitted -> the grantor has legal
//   authority: documented in the Consent, or a family member of the record with legal_authority.
// Across several authorizations: deny overrides (CON-05): an exclusion in any authorization that is
// active, current and names this school blocks the section. Otherwise one permitting authorization
// suffices. When none permits, the reason is that of the authorization that passed the most checks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mappers/disclosure/authorization.hpp"
#include "mappers/disclosure/letter_request.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::disclosure {

// In check order: a later reason means the authorization passed more checks.
enum class block_reason {
  none,
  no_authorization,
  not_active,
  not_yet_valid,
  no_expiry,
  expired,
  recipient_mismatch,
  action_not_disclose,
  purpose_mismatch,
  basis_insufficient,
  section_excluded,
  section_not_permitted,
  grantor_unknown,
  grantor_lacks_authority,
};

struct gate_decision {
  bool allowed = false;
  block_reason reason = block_reason::no_authorization;
  std::string detail;      // human text: which authorization and why
  std::string consent_id;  // the permitting authorization, or the one the reason is about
};

// `school_identifiers`: every identifier of the school named in the request (config schools[]).
[[nodiscard]] gate_decision decide(const letter_request& request,
                                   const std::vector<model::identifier>& school_identifiers,
                                   const std::vector<authorization>& authorizations,
                                   const model::coordination_record& record, std::string_view now);

[[nodiscard]] std::string_view to_string(block_reason reason);

}  // namespace homebase::mappers::disclosure
