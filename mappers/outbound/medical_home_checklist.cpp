#include "mappers/outbound/medical_home_checklist.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <set>

namespace homebase::mappers::outbound {
namespace {

using model::coordination_record;

constexpr std::array<std::string_view, 11> item_texts{{
    "You are valued and acknowledged as the expert on your child.",
    "You are the central member of your child's health care team.",
    "There is respect and trust between you and your child's doctor.",
    "Your culture and religion are valued.",
    "Your doctor shows effort and interest in learning about your child's healthcare and other needs.",
    "Your child receives his or her shots, well child visits and urgent care (when needed).",
    "You receive help and support when finding specialty care and community services.",
    "Your child's doctor provides helpful information to other people involved in your child's healthcare "
    "and helps you manage your child's care.",
    "If your child has special healthcare needs you feel supported.",
    "You are given helpful information to help you learn about your child's health care concerns.",
    "Your doctor helps you understand the choices for your child's treatment.",
}};

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string person(const model::human_name& n) {
  if (!n.text.empty()) return n.text;
  std::string out;
  for (const auto& g : n.given) out += g + " ";
  out += n.family;
  return out.empty() ? std::string("(unnamed)") : out;
}

// FHIR dates and dateTimes compare as text on their date part (YYYY-MM-DD).
std::string_view day_of(std::string_view date_time) {
  return date_time.substr(0, std::min<std::size_t>(10, date_time.size()));
}

bool upcoming(const model::appointment& a, std::string_view today) {
  bool open = a.status == "booked" || a.status == "pending" || a.status == "proposed";
  return open && !a.start.empty() && day_of(a.start) >= today;
}

const model::action_item* action_of_type(const coordination_record& r, std::string_view type) {
  for (const auto& a : r.actions)
    if (a.type == type) return &a;
  return nullptr;
}

bool interpreter_needed(const coordination_record& r) {
  if (r.patient.interpreter_needed) return true;
  return std::any_of(r.family.begin(), r.family.end(),
                     [](const model::family_member& m) { return m.interpreter_needed; });
}

checklist_item item(int number) {
  checklist_item i;
  i.number = number;
  i.text = std::string(item_texts[static_cast<std::size_t>(number - 1)]);
  return i;
}

checklist_item expert(const coordination_record& r) {
  auto i = item(1);
  for (const auto& g : r.goals) i.evidence.push_back("family goal in the plan of care: " + g.text);
  for (const auto& m : r.family)
    if (m.legal_authority) i.evidence.push_back(person(m.name) + " is recorded as a decision-maker");
  if (!r.goals.empty()) {
    i.status = "evidence";
  } else if (r.care_plan) {
    i.status = "gap";
    i.evidence.push_back("the plan of care holds no goals set by the family");
  } else {
    i.status = "no-evidence";
  }
  return i;
}

checklist_item central_member(const coordination_record& r) {
  auto i = item(2);
  for (const auto& t : r.team)
    if (t.member_type == "RelatedPerson") i.evidence.push_back(person(t.name) + " is on the care team");
  if (!i.evidence.empty()) {
    i.status = "evidence";
  } else if (!r.family.empty()) {
    i.status = "gap";
    i.evidence.push_back(plural(r.family.size(), "family member is", "family members are") +
                         " known, none is on the care team");
  } else {
    i.status = "no-evidence";
  }
  return i;
}

checklist_item culture(const coordination_record& r, std::string_view today) {
  auto i = item(4);
  const auto& c = r.patient;
  if (!c.preferred_language.empty())
    i.evidence.push_back("preferred language recorded: " + c.preferred_language);
  for (const auto& p : c.cultural_preferences) i.evidence.push_back("cultural or religious preference: " + p);
  bool needed = interpreter_needed(r);
  bool recorded = !i.evidence.empty() || needed;
  std::vector<std::string> gaps;
  if (needed) {
    std::size_t honoured = 0;
    for (const auto& a : r.appointments) {
      if (!upcoming(a, today)) continue;
      if (a.interpreter_booked) {
        ++honoured;
      } else {
        gaps.push_back("no interpreter booked for the " +
                       (a.specialty.empty() ? std::string("") : a.specialty + " ") + "appointment on " +
                       std::string(day_of(a.start)));
      }
    }
    i.evidence.push_back("an interpreter is needed; booked for " +
                         plural(honoured, "upcoming appointment", "upcoming appointments"));
  }
  i.status = !gaps.empty() ? "gap" : recorded ? "evidence" : "no-evidence";
  i.evidence.insert(i.evidence.end(), gaps.begin(), gaps.end());
  return i;
}

checklist_item not_derivable(int number) {
  auto i = item(number);
  i.status = "not-derivable";
  i.evidence.push_back("only the family can answer this; the coordination record cannot show it");
  return i;
}

checklist_item primary_care(const coordination_record& r) {
  auto i = item(6);
  for (const auto& a : r.appointments) {
    if (a.specialty != "primary-care") continue;
    i.evidence.push_back("primary care visit " + a.status + " on " + std::string(day_of(a.start)));
  }
  if (!i.evidence.empty()) {
    i.status = "evidence";
  } else if (const auto* visit = action_of_type(r, "pcp_visit");
             visit != nullptr && visit->status != "done") {
    i.status = "gap";
    i.evidence.push_back("a primary care visit is still to be booked (due " + visit->due + ")");
  } else {
    i.status = "no-evidence";
  }
  i.evidence.push_back("immunizations are not part of the coordination record");
  return i;
}

checklist_item specialty_care(const coordination_record& r, std::string_view today) {
  auto i = item(7);
  std::size_t closed = 0;
  std::size_t open = 0;
  std::vector<std::string> gaps;
  for (const auto& ref : r.referrals) {
    std::string name = ref.specialty.empty() ? std::string("a") : ref.specialty;
    if (ref.flow == "closed") {
      ++closed;
    } else if (ref.flow == "cancelled" || ref.flow == "declined" || ref.flow == "failed") {
      gaps.push_back(name + " referral " + ref.flow +
                     (ref.status_reason.empty() ? "" : ": " + ref.status_reason));
    } else {
      ++open;
      if (ref.flow == "draft") gaps.push_back(name + " referral not sent yet");
      if (!ref.loop_close_due.empty() && day_of(ref.loop_close_due) < today)
        gaps.push_back(name + " referral: specialist report overdue since " + ref.loop_close_due);
    }
  }
  if (!r.referrals.empty())
    i.evidence.push_back(plural(r.referrals.size(), "referral", "referrals") + " tracked to closure: " +
                         std::to_string(closed) + " closed, " + std::to_string(open) + " open");
  if (r.early_intervention) {
    const auto& ei = *r.early_intervention;
    i.evidence.push_back(ei.family_declined         ? std::string("early intervention: the family declined")
                         : !ei.ifsp_held_on.empty() ? "early intervention: IFSP held on " + ei.ifsp_held_on
                         : !ei.referred_on.empty()  ? "early intervention: referred on " + ei.referred_on
                                                   : "early intervention: identified on " + ei.identified_on);
  }
  for (const auto& n : r.social_needs)
    i.evidence.push_back(n.domain + " need " + n.status +
                         (n.code.display.empty() ? "" : " (" + n.code.display + ")"));
  bool any = !i.evidence.empty();
  i.status = !gaps.empty() ? "gap" : any ? "evidence" : "no-evidence";
  i.evidence.insert(i.evidence.end(), gaps.begin(), gaps.end());
  return i;
}

checklist_item shares_information(const coordination_record& r) {
  auto i = item(8);
  std::size_t specialists = 0;
  for (const auto& t : r.team)
    if (t.role == model::team_role::specialist) ++specialists;
  if (!r.team.empty())
    i.evidence.push_back("care team of " + plural(r.team.size(), "member", "members") + ", " +
                         plural(specialists, "specialist", "specialists"));
  std::set<std::string> senders;
  for (const auto& e : r.events)
    if (!e.source.empty() && e.source != "rules" && e.source != "scheduler") senders.insert(e.source);
  if (!r.events.empty())
    i.evidence.push_back("the record combines " + plural(r.events.size(), "change", "changes") + " from " +
                         plural(senders.size(), "sender", "senders") + ", all delivered to the medical home");
  i.status = i.evidence.empty() ? "no-evidence" : "evidence";
  return i;
}

checklist_item supported(const coordination_record& r) {
  auto i = item(9);
  for (const auto& t : r.team)
    if (t.role == model::team_role::parent_partner) i.evidence.push_back("parent partner " + person(t.name));
  const auto* outreach = action_of_type(r, "parent_partner_outreach");
  if (outreach != nullptr) {
    if (outreach->status == "done") {
      i.evidence.push_back("parent partner outreach done");
    } else if (outreach->status != "cancelled") {
      i.status = "gap";
      i.evidence.push_back("parent partner outreach still " + outreach->status +
                           (outreach->due.empty() ? "" : " (due " + outreach->due + ")"));
    }
  }
  if (i.status.empty()) i.status = i.evidence.empty() ? "no-evidence" : "evidence";
  return i;
}

checklist_item plan_shared(const coordination_record& r, int number) {
  auto i = item(number);
  if (!r.care_plan) {
    i.status = "no-evidence";
    return i;
  }
  const auto& p = *r.care_plan;
  i.evidence.push_back("shared plan of care version " + std::to_string(p.version) + " (" + p.status +
                       ") with " + plural(r.activities.size(), "activity", "activities") + ", " +
                       plural(r.problems.size(), "problem", "problems") + " and " +
                       plural(r.goals.size(), "family goal", "family goals"));
  if (number == 11) {
    if (!p.last_reviewed.empty()) i.evidence.push_back("last reviewed on " + p.last_reviewed);
    if (!p.next_review_due.empty()) i.evidence.push_back("next review due " + p.next_review_due);
  }
  i.status = "evidence";
  return i;
}

template <class W>
void string_member(W& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

template <class W>
void part(W& w, const char* name, const char* type, std::string_view value) {
  w.StartObject();
  string_member(w, "name", name);
  string_member(w, type, value);
  w.EndObject();
}

}  // namespace

std::vector<checklist_item> medical_home_checklist(const coordination_record& record,
                                                   std::string_view today) {
  return {expert(record),
          central_member(record),
          not_derivable(3),
          culture(record, today),
          not_derivable(5),
          primary_care(record),
          specialty_care(record, today),
          shares_information(record),
          supported(record),
          plan_shared(record, 10),
          plan_shared(record, 11)};
}

std::string checklist_parameters(const std::vector<checklist_item>& items, std::string_view patient_reference,
                                 std::string_view corrected_age) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  string_member(w, "resourceType", "Parameters");
  w.Key("parameter");
  w.StartArray();
  w.StartObject();
  string_member(w, "name", "patient");
  w.Key("valueReference");
  w.StartObject();
  string_member(w, "reference", patient_reference);
  w.EndObject();
  w.EndObject();
  if (!corrected_age.empty()) part(w, "corrected-age", "valueString", corrected_age);
  for (const auto& i : items) {
    w.StartObject();
    string_member(w, "name", "item");
    w.Key("part");
    w.StartArray();
    w.StartObject();
    string_member(w, "name", "number");
    w.Key("valueInteger");
    w.Int(i.number);
    w.EndObject();
    part(w, "text", "valueString", i.text);
    part(w, "status", "valueCode", i.status);
    for (const auto& e : i.evidence) part(w, "evidence", "valueString", e);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace homebase::mappers::outbound
