// patient_match: which child a message is about (issue 4 item 5), decided before anything is merged.
//
// Newborns are where matching goes wrong: a temporary name ("Baby Girl Sharma") becomes a legal name, the
// hospital replaces the newborn MRN at discharge, and twins share a birth date, a surname and a mother.
// The rule is "a confident match links; anything else holds the message for a person to decide"; a wrong
// merge puts one child's plan into another child's chart and is never acceptable, a held message costs a
// coordinator a minute.
//
//   identifiers shared with exactly one child, demographics consistent   -> link
//   identifiers shared with two or more children                         -> hold
//   identifiers shared, but birth date, sex or birth order contradict    -> hold
//   no shared identifier; exactly one child born the same day with the same sex and birth order whose
//     family shares a parent (RelatedPerson identifier or telecom)        -> link (e.g. MRN changed)
//   no shared identifier; a child born the same day who shares a parent or a family name, but is not a
//     confident match (birth order unknown for a twin, no parent in common, several such children)
//                                                                         -> hold
//   otherwise                                                            -> a new child
// Pure: no I/O. The store supplies the candidates (by identifier, and born the same day).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::model {

struct match_candidate {
  std::int64_t child_id = 0;
  coordination_record record;
};

enum class match_verdict { new_child, link, hold };

struct match_decision {
  match_verdict verdict = match_verdict::new_child;
  std::int64_t child_id = 0;             // link: the child
  std::vector<std::int64_t> candidates;  // hold: the children a person must choose from
  std::string reason;                    // link and hold: why, for the triage Task and the response
};

// `by_identifier`: the children that share at least one identifier with `incoming.patient`;
// `born_same_day`: children with the same birth date (may overlap `by_identifier`).
[[nodiscard]] match_decision match_child(const coordination_record& incoming,
                                         const std::vector<match_candidate>& by_identifier,
                                         const std::vector<match_candidate>& born_same_day);

// The keys under which the store finds children born the same day that could be this one: "family:" and
// a lower-case family name of the child, "parent:system|value" of each family member, "telecom:system|value"
// of each family member's contact. Every candidate match_child can accept shares one of them.
[[nodiscard]] std::vector<std::string> match_keys(const coordination_record& record);

}  // namespace homebase::mappers::model
