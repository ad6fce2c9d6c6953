#include "mappers/disclosure/disclosure_gate.hpp"

#include <algorithm>
#include <chrono>

#include "fhir/fhir_time.hpp"

namespace homebase::mappers::disclosure {
namespace {

bool contains(const std::vector<data_class>& list, data_class c) {
  return std::find(list.begin(), list.end(), c) != list.end();
}

gate_decision blocked(block_reason reason, const authorization& a, std::string detail) {
  return {false, reason, "Consent/" + a.consent_id + ": " + detail, a.consent_id};
}

std::string section_list(const std::vector<data_class>& sections) {
  std::string out;
  for (auto c : sections) out += (out.empty() ? "" : ", ") + std::string(to_string(c));
  return out;
}

// The checks up to the recipient: whether `a` speaks for this school now at all.
gate_decision current_for_school(const authorization& a, const std::vector<model::identifier>& school,
                                 std::chrono::sys_seconds now) {
  if (a.status != "active") return blocked(block_reason::not_active, a, "status is " + a.status);
  if (!a.period_start.empty()) {
    auto start = fhir::first_second(a.period_start);
    if (!start || now < *start)
      return blocked(block_reason::not_yet_valid, a, "valid only from " + a.period_start);
  }
  if (a.period_end.empty())
    return blocked(block_reason::no_expiry, a,
                   "names no expiration date (provision.period.end), which a HIPAA authorization requires");
  auto end = fhir::last_second(a.period_end);
  if (!end || now > *end) return blocked(block_reason::expired, a, "expired on " + a.period_end);
  bool recipient = std::any_of(a.recipients.begin(), a.recipients.end(), [&](const model::identifier& r) {
    return std::find(school.begin(), school.end(), r) != school.end();
  });
  if (!recipient) {
    std::string named;
    for (const auto& r : a.recipients) named += (named.empty() ? "" : ", ") + r.system + "|" + r.value;
    return blocked(block_reason::recipient_mismatch, a,
                   "authorizes disclosure to " + named + ", not to the school of this letter");
  }
  return {true, block_reason::none, {}, a.consent_id};
}

gate_decision evaluate(const letter_request& req, const std::vector<model::identifier>& school,
                       const authorization& a, const model::coordination_record& record,
                       std::chrono::sys_seconds now) {
  auto current = current_for_school(a, school, now);
  if (!current.allowed) return current;
  if (!a.disclose_action) return blocked(block_reason::action_not_disclose, a, "does not permit disclose");
  bool purpose = std::any_of(a.purposes.begin(), a.purposes.end(), [&](const model::coding& p) {
    return p.system == req.purpose.system && p.code == req.purpose.code;
  });
  if (!purpose)
    return blocked(block_reason::purpose_mismatch, a,
                   "does not name the purpose " + req.purpose.system + "|" + req.purpose.code);
  if (a.basis == authorization_basis::immunization_agreement &&
      (req.kind != "immunization_proof" || req.sections.size() != 1 ||
       req.sections[0] != data_class::immunizations))
    return blocked(block_reason::basis_insufficient, a,
                   "is a parental agreement for immunization proof (45 CFR 164.512(b)(1)(vi)); a " +
                       req.kind + " letter needs a HIPAA authorization");
  std::vector<data_class> excluded, missing;
  for (auto c : req.sections) {
    if (contains(a.excluded, c)) excluded.push_back(c);
    bool permitted = a.basis == authorization_basis::immunization_agreement ? c == data_class::immunizations
                                                                            : contains(a.permitted, c);
    if (!permitted && !contains(a.excluded, c)) missing.push_back(c);
  }
  if (!excluded.empty())
    return blocked(block_reason::section_excluded, a, "the family excluded " + section_list(excluded));
  if (!missing.empty())
    return blocked(block_reason::section_not_permitted, a, "does not permit " + section_list(missing));
  if (!a.authority_document.empty()) return {true, block_reason::none, {}, a.consent_id};
  auto member = std::find_if(record.family.begin(), record.family.end(),
                             [&](const model::family_member& f) { return f.key == a.grantor; });
  if (member == record.family.end())
    return blocked(block_reason::grantor_unknown, a,
                   "the grantor " + a.grantor.system + "|" + a.grantor.value +
                       " is not a family member in the child's record");
  if (!member->legal_authority) {
    auto who =
        member->relationship.display.empty() ? member->relationship.code : member->relationship.display;
    return blocked(block_reason::grantor_lacks_authority, a,
                   "the grantor (" + (who.empty() ? std::string("family member") : who) +
                       ") has no documented legal authority to authorize disclosure for the child");
  }
  return {true, block_reason::none, {}, a.consent_id};
}

}  // namespace

std::string_view to_string(block_reason reason) {
  switch (reason) {
    case block_reason::none:
      return "none";
    case block_reason::no_authorization:
      return "no_authorization";
    case block_reason::not_active:
      return "not_active";
    case block_reason::not_yet_valid:
      return "not_yet_valid";
    case block_reason::no_expiry:
      return "no_expiry";
    case block_reason::expired:
      return "expired";
    case block_reason::recipient_mismatch:
      return "recipient_mismatch";
    case block_reason::action_not_disclose:
      return "action_not_disclose";
    case block_reason::purpose_mismatch:
      return "purpose_mismatch";
    case block_reason::basis_insufficient:
      return "basis_insufficient";
    case block_reason::section_excluded:
      return "section_excluded";
    case block_reason::section_not_permitted:
      return "section_not_permitted";
    case block_reason::grantor_unknown:
      return "grantor_unknown";
    case block_reason::grantor_lacks_authority:
      return "grantor_lacks_authority";
  }
  return "";
}

gate_decision decide(const letter_request& request, const std::vector<model::identifier>& school_identifiers,
                     const std::vector<authorization>& authorizations,
                     const model::coordination_record& record, std::string_view now_text) {
  auto now = fhir::first_second(now_text);
  if (!now) return {false, block_reason::no_authorization, "the time of the decision is unknown", {}};
  std::vector<const authorization*> candidates;
  for (const auto& a : authorizations)
    if (a.patient == request.patient ||
        std::find(record.patient.identifiers.begin(), record.patient.identifiers.end(), a.patient) !=
            record.patient.identifiers.end())
      candidates.push_back(&a);
  if (candidates.empty())
    return {false,
            block_reason::no_authorization,
            "no authorization of the family for this child is on file",
            {}};
  // Deny overrides: an exclusion by any authorization that currently speaks for this school.
  for (const auto* a : candidates) {
    if (!current_for_school(*a, school_identifiers, *now).allowed) continue;
    std::vector<data_class> excluded;
    for (auto c : request.sections)
      if (contains(a->excluded, c)) excluded.push_back(c);
    if (!excluded.empty())
      return blocked(block_reason::section_excluded, *a, "the family excluded " + section_list(excluded));
  }
  gate_decision best;
  best.reason = block_reason::no_authorization;
  for (const auto* a : candidates) {
    auto d = evaluate(request, school_identifiers, *a, record, *now);
    if (d.allowed) return d;
    if (best.detail.empty() || d.reason >= best.reason) best = std::move(d);
  }
  return best;
}

}  // namespace homebase::mappers::disclosure
