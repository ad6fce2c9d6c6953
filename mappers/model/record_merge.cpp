#include "mappers/model/record_merge.hpp"

#include <algorithm>

namespace homebase::mappers::model {
namespace {

bool has_identifier(const identifier& id) {
  return !id.system.empty() || !id.value.empty();
}

template <class T>
void append_unique(std::vector<T>& into, const std::vector<T>& from) {
  for (const auto& item : from) {
    if (std::find(into.begin(), into.end(), item) == into.end()) into.push_back(item);
  }
}

void count(merge_summary& summary, bool existed, bool changed) {
  if (!existed) {
    ++summary.added;
  } else if (changed) {
    ++summary.updated;
  } else {
    ++summary.unchanged;
  }
}

// Entities keyed on `key`: replace the matching one, append a new one.
template <class T>
void merge_keyed(std::vector<T>& existing, const std::vector<T>& incoming, merge_summary& summary) {
  for (const auto& item : incoming) {
    auto it = std::find_if(existing.begin(), existing.end(), [&](const T& e) { return e.key == item.key; });
    if (it == existing.end()) {
      existing.push_back(item);
      count(summary, false, true);
    } else {
      bool changed = !(*it == item);
      if (changed) *it = item;
      count(summary, true, changed);
    }
  }
}

// Single-valued parts (encounter, care team, care plan): the newer one replaces the older one.
template <class T>
void merge_single(std::optional<T>& existing, const std::optional<T>& incoming, merge_summary& summary) {
  if (!incoming) return;
  bool existed = existing.has_value();
  bool changed = !existed || !(*existing == *incoming);
  if (changed) existing = incoming;
  count(summary, existed, changed);
}

void merge_child(child& existing, const child& incoming, merge_summary& summary) {
  child merged = existing;
  append_unique(merged.identifiers, incoming.identifiers);
  append_unique(merged.names, incoming.names);
  if (!incoming.gender.empty()) merged.gender = incoming.gender;
  if (!incoming.birth_date.empty()) merged.birth_date = incoming.birth_date;
  if (incoming.gestational_age_at_birth) merged.gestational_age_at_birth = incoming.gestational_age_at_birth;
  if (incoming.birth_weight) merged.birth_weight = incoming.birth_weight;
  if (has_identifier(incoming.gestational_age_key)) merged.gestational_age_key = incoming.gestational_age_key;
  if (has_identifier(incoming.birth_weight_key)) merged.birth_weight_key = incoming.birth_weight_key;
  append_unique(merged.general_practitioner_orgs, incoming.general_practitioner_orgs);
  append_unique(merged.languages, incoming.languages);
  if (!incoming.preferred_language.empty()) merged.preferred_language = incoming.preferred_language;
  // false may only mean "not said": a need for an interpreter, once known, is kept.
  merged.interpreter_needed = existing.interpreter_needed || incoming.interpreter_needed;
  bool changed = !(merged == existing);
  if (changed) existing = std::move(merged);
  count(summary, true, changed);
}

}  // namespace

bool same_child(const child& a, const child& b) {
  for (const auto& id : a.identifiers) {
    if (id.value.empty()) continue;
    if (std::find(b.identifiers.begin(), b.identifiers.end(), id) != b.identifiers.end()) return true;
  }
  return false;
}

merge_summary merge(coordination_record& existing, const coordination_record& incoming) {
  merge_summary summary;
  merge_child(existing.patient, incoming.patient, summary);
  merge_single(existing.encounter, incoming.encounter, summary);
  merge_keyed(existing.family, incoming.family, summary);
  merge_single(existing.care_team, incoming.care_team, summary);
  merge_keyed(existing.team, incoming.team, summary);
  merge_single(existing.care_plan, incoming.care_plan, summary);
  merge_keyed(existing.activities, incoming.activities, summary);
  merge_keyed(existing.appointments, incoming.appointments, summary);
  merge_keyed(existing.referrals, incoming.referrals, summary);
  merge_keyed(existing.measurements, incoming.measurements, summary);
  return summary;
}

}  // namespace homebase::mappers::model
