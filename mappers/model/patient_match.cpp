#include "mappers/model/patient_match.hpp"

#include <algorithm>

#include "mappers/model/code_systems.hpp"

namespace homebase::mappers::model {
namespace {

// Two values contradict only when both are known and differ: a message that leaves something out says
// nothing against a match.
bool contradict(const std::string& a, const std::string& b) {
  return !a.empty() && !b.empty() && a != b;
}

// Birth order: 0 means a single birth or not said. Twins are told apart by it; when one side is a known
// multiple birth and the other does not say its order, the two cannot be told apart with confidence.
bool orders_contradict(const child& a, const child& b) {
  return a.multiple_birth_order != 0 && b.multiple_birth_order != 0 &&
         a.multiple_birth_order != b.multiple_birth_order;
}
bool order_unknown_for_a_twin(const child& a, const child& b) {
  bool a_twin = a.multiple_birth || a.multiple_birth_order != 0;
  bool b_twin = b.multiple_birth || b.multiple_birth_order != 0;
  if (!a_twin && !b_twin) return false;
  return a.multiple_birth_order == 0 || b.multiple_birth_order == 0;
}

std::string contradiction(const child& incoming, const child& known) {
  if (contradict(incoming.birth_date, known.birth_date))
    return "birth date " + incoming.birth_date + " in the message, " + known.birth_date + " on record";
  if (contradict(incoming.gender, known.gender))
    return "sex " + incoming.gender + " in the message, " + known.gender + " on record";
  if (orders_contradict(incoming, known))
    return "birth order " + std::to_string(incoming.multiple_birth_order) + " in the message, " +
           std::to_string(known.multiple_birth_order) + " on record";
  return {};
}

// A business identifier of a person; a key derived from a message's fullUrl is not one (two senders, or
// one sender's template, reuse fullUrls for different people).
bool identifies_person(const identifier& key) {
  return !key.value.empty() && key.system != derived_key_system;
}

bool same_parent(const family_member& a, const family_member& b) {
  if (identifies_person(a.key) && a.key == b.key) return true;
  for (const auto& t : a.telecom) {
    if (t.value.empty()) continue;
    for (const auto& u : b.telecom)
      if (t.system == u.system && t.value == u.value) return true;
  }
  return false;
}

bool shares_parent(const coordination_record& a, const coordination_record& b) {
  for (const auto& m : a.family)
    for (const auto& n : b.family)
      if (same_parent(m, n)) return true;
  return false;
}

std::string ascii_lower(std::string text) {
  for (auto& ch : text)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return text;
}

bool shares_family_name_folded(const child& a, const child& b) {
  for (const auto& n : a.names) {
    if (n.family.empty()) continue;
    for (const auto& m : b.names)
      if (ascii_lower(n.family) == ascii_lower(m.family)) return true;
  }
  return false;
}

std::string child_ref(std::int64_t id) {
  return "child " + std::to_string(id);
}

}  // namespace

match_decision match_child(const coordination_record& incoming,
                           const std::vector<match_candidate>& by_identifier,
                           const std::vector<match_candidate>& born_same_day) {
  match_decision d;
  const child& in = incoming.patient;

  if (by_identifier.size() > 1) {
    d.verdict = match_verdict::hold;
    for (const auto& c : by_identifier) d.candidates.push_back(c.child_id);
    d.reason =
        "the message's identifiers belong to " + std::to_string(by_identifier.size()) + " different children";
    return d;
  }
  if (by_identifier.size() == 1) {
    const auto& c = by_identifier.front();
    auto why = contradiction(in, c.record.patient);
    if (!why.empty()) {
      d.verdict = match_verdict::hold;
      d.candidates = {c.child_id};
      d.reason = "an identifier of the message belongs to " + child_ref(c.child_id) + ", but " + why;
      return d;
    }
    d.verdict = match_verdict::link;
    d.child_id = c.child_id;
    d.reason = "shared identifier";
    return d;
  }

  // No identifier in common: a renamed newborn with a new MRN, a sibling, or another child entirely.
  std::vector<const match_candidate*> confident;
  std::vector<const match_candidate*> possible;
  if (!in.birth_date.empty()) {
    for (const auto& c : born_same_day) {
      const child& known = c.record.patient;
      if (known.birth_date != in.birth_date) continue;
      if (contradict(in.gender, known.gender) || orders_contradict(in, known)) continue;  // e.g. the twin
      bool parent = shares_parent(incoming, c.record);
      if (!parent && !shares_family_name_folded(in, known)) continue;  // another child born that day
      bool sure = parent && !order_unknown_for_a_twin(in, known) && !in.gender.empty();
      (sure ? confident : possible).push_back(&c);
    }
  }
  if (confident.size() == 1 && possible.empty()) {
    d.verdict = match_verdict::link;
    d.child_id = confident.front()->child_id;
    d.reason = "same birth date, sex and birth order, and a parent in common with " + child_ref(d.child_id);
    return d;
  }
  if (!confident.empty() || !possible.empty()) {
    d.verdict = match_verdict::hold;
    for (const auto* c : confident) d.candidates.push_back(c->child_id);
    for (const auto* c : possible) d.candidates.push_back(c->child_id);
    if (confident.size() > 1) {
      d.reason = std::to_string(confident.size()) +
                 " children born the same day share a parent with the message's child";
    } else if (!possible.empty() && order_unknown_for_a_twin(in, possible.front()->record.patient)) {
      d.reason = "a multiple birth without birth order: cannot tell the child from " +
                 child_ref(possible.front()->child_id);
    } else {
      d.reason = "no identifier in common, but born the same day with the same family name or a parent as " +
                 child_ref(d.candidates.front());
    }
    return d;
  }
  d.verdict = match_verdict::new_child;
  return d;
}

std::vector<std::string> match_keys(const coordination_record& record) {
  std::vector<std::string> keys;
  auto add = [&keys](std::string key) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
  };
  for (const auto& n : record.patient.names)
    if (!n.family.empty()) add("family:" + ascii_lower(n.family));
  for (const auto& m : record.family) {
    if (identifies_person(m.key)) add("parent:" + m.key.system + "|" + m.key.value);
    for (const auto& t : m.telecom)
      if (!t.value.empty()) add("telecom:" + t.system + "|" + t.value);
  }
  return keys;
}

}  // namespace homebase::mappers::model
