#include "mappers/inbound/bundle_mapper.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "mappers/inbound/fhir_reading.hpp"
#include "mappers/model/code_systems.hpp"

namespace homebase::mappers::inbound {
namespace {

using model::coding;
using model::identifier;
using model::loinc_system;
using model::team_role;
using rapidjson::Value;

constexpr std::string_view v3_role_code_system = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
constexpr std::string_view v2_contact_role_system = "http://terminology.hl7.org/CodeSystem/v2-0131";
constexpr std::string_view religion_url = "http://hl7.org/fhir/StructureDefinition/patient-religion";
constexpr std::string_view congregation_url = "http://hl7.org/fhir/StructureDefinition/patient-congregation";
// Project-local extensions for what R4 has no element for (documented in README).
constexpr std::string_view cultural_preference_url =
    "http://homebase.example.org/fhir/StructureDefinition/cultural-preference";
constexpr std::string_view primary_contact_url =
    "http://homebase.example.org/fhir/StructureDefinition/primary-contact";
constexpr std::string_view legal_authority_url =
    "http://homebase.example.org/fhir/StructureDefinition/legal-authority";
// Relationships that make a person the child's personal representative by default (parents, guardians,
// holders of a power of attorney); a foster parent needs a document, so FSTPRN is not among them.
// RESPRSN (responsible party) says it outright.
constexpr std::array<std::string_view, 15> legal_authority_codes{
    "MTH",    "FTH",   "PRN",    "NMTH",    "NFTH",    "NPRN",    "ADOPTM", "ADOPTF",
    "ADOPTP", "GUARD", "POWATT", "HPOWATT", "DPOWATT", "SPOWATT", "RESPRSN"};
// R5's reschedule link, used in R4 through the cross-version extension (a logical reference).
constexpr std::string_view previous_appointment_url =
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-Appointment.previousAppointment";

// "religion: Hindu" and the like, from the R4 patient extensions that carry a cultural or religious
// preference; nullopt for another extension.
std::optional<std::string> cultural_preference(const Value& ext) {
  std::string url = text(ext, "url");
  if (url == religion_url) {
    std::string value = concept_text(object_member(ext, "valueCodeableConcept"));
    return value.empty() ? std::nullopt : std::optional<std::string>("religion: " + value);
  }
  if (url == congregation_url) {
    std::string value = text(ext, "valueString");
    return value.empty() ? std::nullopt : std::optional<std::string>("congregation: " + value);
  }
  if (url == cultural_preference_url) {
    std::string value = text(ext, "valueString");
    if (value.empty()) value = concept_text(object_member(ext, "valueCodeableConcept"));
    return value.empty() ? std::nullopt : std::optional<std::string>(value);
  }
  return std::nullopt;
}

std::optional<bool> boolean_extension(const Value& ext, std::string_view url) {
  if (text(ext, "url") != url) return std::nullopt;
  const Value* b = member(ext, "valueBoolean");
  return b != nullptr && b->IsBool() && b->GetBool();
}

template <class T>
T& upsert(std::vector<T>& items, T item) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.key == item.key; });
  if (it != items.end()) {
    *it = std::move(item);
    return *it;
  }
  items.push_back(std::move(item));
  return items.back();
}

}  // namespace

bool is_early_intervention(std::string_view specialty_or_text) {
  auto t = lower(specialty_or_text);
  return contains(t, "early intervention") || contains(t, "early-intervention") || contains(t, "part c");
}

std::string flow_of_request_status(std::string_view status) {
  if (status == "draft") return "draft";
  if (status == "active" || status == "on-hold") return "sent";
  if (status == "revoked") return "cancelled";
  if (status == "completed") return "seen";
  return {};
}

bundle_mapper::bundle_mapper(const Value& bundle, mapping_context context)
    : index_(bundle), used_(index_.entries().size(), false), context_(std::move(context)) {}

std::string bundle_mapper::path(const fhir::bundle_entry& e) {
  return "Bundle.entry[" + std::to_string(e.index) + "].resource";
}

void bundle_mapper::note(std::string severity, std::string expression, std::string message) {
  out_.notes.push_back({std::move(severity), std::move(expression), std::move(message)});
}

void bundle_mapper::note_unmapped(const fhir::bundle_entry& e,
                                  std::initializer_list<std::string_view> handled) {
  static constexpr std::array<std::string_view, 6> always{"resourceType", "id",       "meta",
                                                          "text",         "language", "implicitRules"};
  for (const auto& m : e.resource->GetObject()) {
    std::string_view name = view(m.name);
    if (one_of(name, always) || one_of(name, handled)) continue;
    note("warning", path(e) + "." + std::string(name),
         std::string(e.resource_type) + "." + std::string(name) + " is not mapped by the " +
             context_.translator);
  }
}

void bundle_mapper::note_extension(const fhir::bundle_entry& e, std::size_t k, const Value& ext) {
  note("warning", path(e) + ".extension[" + std::to_string(k) + "]",
       std::string(e.resource_type) + ".extension '" + text(ext, "url") + "' is not mapped by the " +
           context_.translator);
}

std::size_t bundle_mapper::position(const fhir::bundle_entry& e) const {
  return static_cast<std::size_t>(&e - index_.entries().data());
}

void bundle_mapper::mark_used(const fhir::bundle_entry& e) {
  used_[position(e)] = true;
}

const fhir::bundle_entry* bundle_mapper::resolve(const Value* reference, const fhir::bundle_entry& from) {
  if (reference == nullptr || !reference->IsObject()) return nullptr;
  std::string ref = text(*reference, "reference");
  if (ref.empty()) return nullptr;
  const fhir::bundle_entry* target = index_.resolve(ref, &from);
  if (target != nullptr && target->resource != nullptr) {
    mark_used(*target);
    return target;
  }
  return nullptr;
}

identifier bundle_mapper::key_of(const fhir::bundle_entry& e) {
  auto ids = identifiers_of(*e.resource);
  if (!ids.empty()) return ids.front();
  std::string source =
      e.full_url.empty() ? std::string(e.resource_type) + "/" + std::string(e.id) : std::string(e.full_url);
  return {std::string(derived_key_system), source};
}

identifier bundle_mapper::reference_key(const Value* reference, const fhir::bundle_entry& from) {
  if (const fhir::bundle_entry* target = resolve(reference, from)) return key_of(*target);
  if (reference != nullptr) {
    if (const Value* id = object_member(*reference, "identifier"))
      return {text(*id, "system"), text(*id, "value")};
  }
  return {};
}

std::vector<identifier> bundle_mapper::organization_ids(const Value* reference,
                                                        const fhir::bundle_entry& from) {
  if (const fhir::bundle_entry* target = resolve(reference, from)) {
    if (target->resource_type == "Organization") return identifiers_of(*target->resource);
    if (target->resource_type == "PractitionerRole") {
      return organization_ids(object_member(*target->resource, "organization"), *target);
    }
    return {};
  }
  if (reference != nullptr) {
    if (const Value* id = object_member(*reference, "identifier")) {
      identifier value{text(*id, "system"), text(*id, "value")};
      if (!value.value.empty()) return {value};
    }
  }
  return {};
}

std::string bundle_mapper::display_of(const Value* reference, const fhir::bundle_entry& from) {
  if (const fhir::bundle_entry* target = resolve(reference, from)) {
    const Value& r = *target->resource;
    std::string name = text(r, "name");
    if (!name.empty()) return name;
    if (target->resource_type == "Practitioner") {
      auto n = first_name(r);
      if (!n.text.empty()) return n.text;
      std::string out;
      for (const auto& g : n.given) out += g + " ";
      return out + n.family;
    }
    if (target->resource_type == "PractitionerRole") {
      std::string org = display_of(object_member(r, "organization"), *target);
      if (!org.empty()) return org;
      return display_of(object_member(r, "practitioner"), *target);
    }
  }
  return text(reference, "display");
}

const fhir::bundle_entry* bundle_mapper::find_child(const Value* focus, const fhir::bundle_entry& from) {
  if (focus != nullptr && focus->IsArray()) {
    for (const auto& f : focus->GetArray()) {
      const fhir::bundle_entry* target = index_.resolve(text(f, "reference"), &from);
      if (target == nullptr || target->resource == nullptr) continue;
      if (target->resource_type == "Patient") return child_ = target;
      if (target->resource_type == "Encounter") {
        focus_encounter_ = target;
        const fhir::bundle_entry* subject =
            index_.resolve(text(object_member(*target->resource, "subject"), "reference"), target);
        if (subject != nullptr && subject->resource_type == "Patient") return child_ = subject;
      }
    }
  }
  auto patients = index_.of_type("Patient");
  return child_ = patients.empty() ? nullptr : patients.front();
}

model::referral& bundle_mapper::referral_for(const identifier& key) {
  auto& refs = out_.record.referrals;
  auto it = std::find_if(refs.begin(), refs.end(), [&](const model::referral& r) { return r.key == key; });
  if (it != refs.end()) return *it;
  model::referral r;
  r.key = key;
  r.flow.clear();  // not said: the merge keeps the flow it knows
  refs.push_back(std::move(r));
  return refs.back();
}

void bundle_mapper::map_patient(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  auto& child = out_.record.patient;
  child.identifiers = identifiers_of(r);
  if (child.identifiers.empty()) child.identifiers.push_back(key_of(e));
  child.names = names_of(r);
  child.gender = text(r, "gender");
  child.birth_date = text(r, "birthDate");
  if (const Value* gps = array_member(r, "generalPractitioner")) {
    for (rapidjson::SizeType k = 0; k < gps->Size(); ++k) {
      auto ids = organization_ids(&(*gps)[k], e);
      if (ids.empty()) {
        note("warning", path(e) + ".generalPractitioner[" + std::to_string(k) + "]",
             "Patient.generalPractitioner names no organisation identifier; not mapped");
      }
      for (auto& id : ids) {
        if (std::find(child.general_practitioner_orgs.begin(), child.general_practitioner_orgs.end(), id) ==
            child.general_practitioner_orgs.end()) {
          child.general_practitioner_orgs.push_back(std::move(id));
        }
      }
    }
  }
  if (const Value* comms = array_member(r, "communication")) {
    for (const auto& c : comms->GetArray()) {
      auto language = language_of(c);
      if (language.empty()) continue;
      child.languages.push_back(language);
      if (preferred(c) && child.preferred_language.empty()) child.preferred_language = language;
    }
  }
  if (const Value* exts = array_member(r, "extension")) {
    for (rapidjson::SizeType k = 0; k < exts->Size(); ++k) {
      if (auto needed = interpreter_extension((*exts)[k])) {
        child.interpreter_needed = child.interpreter_needed || *needed;
      } else if (auto preference = cultural_preference((*exts)[k])) {
        if (std::find(child.cultural_preferences.begin(), child.cultural_preferences.end(), *preference) ==
            child.cultural_preferences.end())
          child.cultural_preferences.push_back(std::move(*preference));
      } else {
        note_extension(e, k, (*exts)[k]);
      }
    }
  }
  if (const Value* b = member(r, "multipleBirthBoolean"); b != nullptr && b->IsBool()) {
    child.multiple_birth = b->GetBool();
  }
  if (const Value* n = member(r, "multipleBirthInteger"); n != nullptr && n->IsInt()) {
    child.multiple_birth_order = n->GetInt();
    child.multiple_birth = child.multiple_birth || n->GetInt() > 0;
  }
  if (const Value* deceased = member(r, "deceasedBoolean"); deceased != nullptr && deceased->IsBool()) {
    if (deceased->GetBool()) child.status = "deceased";
  } else if (member(r, "deceasedDateTime") != nullptr) {
    child.status = "deceased";
  }
  note_unmapped(
      e, {"identifier", "name", "gender", "birthDate", "generalPractitioner", "communication", "extension",
          "active", "multipleBirthBoolean", "multipleBirthInteger", "deceasedBoolean", "deceasedDateTime"});
}

void bundle_mapper::map_related_person(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  const fhir::bundle_entry* patient = resolve(object_member(r, "patient"), e);
  if (patient != child_) {
    note("warning", path(e), "RelatedPerson is not related to the discharged child; not mapped");
    return;
  }
  model::family_member m;
  m.key = key_of(e);
  m.name = first_name(r);
  if (const Value* rels = array_member(r, "relationship")) {
    for (const auto& rel : rels->GetArray()) {
      if (const Value* codings = array_member(rel, "coding")) {
        for (const auto& c : codings->GetArray()) {
          coding value = coding_of(c);
          if (value.system == v3_role_code_system && one_of(value.code, legal_authority_codes))
            m.legal_authority = true;
          if (value.system == v2_contact_role_system && value.code == "C") m.primary_contact = true;
          bool role_code = value.system == "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
          if (m.relationship == coding{} || (role_code && m.relationship.system != value.system)) {
            m.relationship = value;
          }
        }
      }
    }
  }
  if (const Value* telecom = array_member(r, "telecom")) {
    for (const auto& t : telecom->GetArray()) {
      m.telecom.push_back({text(t, "system"), text(t, "value"), text(t, "use")});
    }
  }
  if (const Value* comms = array_member(r, "communication")) {
    // The model keeps one language per family member: the preferred one, else the first.
    std::size_t kept = comms->Size();
    for (rapidjson::SizeType k = 0; k < comms->Size(); ++k) {
      const auto& c = (*comms)[k];
      auto language = language_of(c);
      if (language.empty()) continue;
      if (m.language.empty() || (preferred(c) && !m.preferred_language)) {
        m.language = language;
        m.preferred_language = preferred(c);
        kept = k;
      }
    }
    // R4 has no interpreter extension for RelatedPerson: someone who speaks no English needs one.
    bool speaks_english = false;
    bool any_language = false;
    for (const auto& c : comms->GetArray()) {
      auto language = lower(language_of(c));
      if (language.empty()) continue;
      any_language = true;
      speaks_english = speaks_english || language == "en" || language.starts_with("en-");
    }
    if (any_language && !speaks_english) m.interpreter_needed = true;
    for (rapidjson::SizeType k = 0; k < comms->Size(); ++k) {
      if (k == kept) continue;
      note("information", path(e) + ".communication[" + std::to_string(k) + "]",
           "RelatedPerson.communication '" + language_of((*comms)[k]) +
               "' is not mapped: one language per family member is kept");
    }
  }
  if (const Value* exts = array_member(r, "extension")) {
    for (rapidjson::SizeType k = 0; k < exts->Size(); ++k) {
      if (auto needed = interpreter_extension((*exts)[k])) {
        m.interpreter_needed = m.interpreter_needed || *needed;
      } else if (auto primary = boolean_extension((*exts)[k], primary_contact_url)) {
        m.primary_contact = *primary;
      } else if (auto authority = boolean_extension((*exts)[k], legal_authority_url)) {
        m.legal_authority = *authority;
      } else {
        note_extension(e, k, (*exts)[k]);
      }
    }
  }
  out_.record.family.push_back(std::move(m));
  note_unmapped(e, {"identifier", "name", "relationship", "telecom", "communication", "extension", "patient",
                    "active"});
}

std::string bundle_mapper::location_name(const Value* reference, const fhir::bundle_entry& from) {
  if (const fhir::bundle_entry* target = resolve(reference, from)) {
    std::string name = text(*target->resource, "name");
    if (!name.empty()) return name;
  }
  return text(reference, "display");
}

void bundle_mapper::map_encounter(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  model::encounter_info enc;
  enc.key = key_of(e);
  enc.status = text(r, "status");
  enc.class_code = text(object_member(r, "class"), "code");
  if (const Value* period = object_member(r, "period")) {
    enc.period_start = text(*period, "start");
    enc.period_end = text(*period, "end");
  }
  if (const Value* hosp = object_member(r, "hospitalization")) {
    enc.discharge_disposition = concept_text(object_member(*hosp, "dischargeDisposition"));
  }
  if (const Value* location = first_object(r, "location")) {
    enc.location = location_name(object_member(*location, "location"), e);
  }
  out_.record.encounter = std::move(enc);
  note_unmapped(e, {"identifier", "status", "class", "period", "hospitalization", "location", "subject"});
}

void bundle_mapper::map_participant(const fhir::bundle_entry& e, std::size_t k, const Value& participant) {
  std::string where = path(e) + ".participant[" + std::to_string(k) + "]";
  model::team_member m;
  const Value* role = first_object(participant, "role");
  m.role_code = first_coding(role);
  std::string role_text = concept_text(role);
  const Value* member_ref = object_member(participant, "member");
  const fhir::bundle_entry* target = resolve(member_ref, e);
  const Value* organization_ref = object_member(participant, "onBehalfOf");
  const fhir::bundle_entry* org_from = &e;
  std::string specialty_text;
  coding specialty_code;
  if (target == nullptr) {
    const Value* id = member_ref != nullptr ? object_member(*member_ref, "identifier") : nullptr;
    if (id == nullptr) {
      note("warning", where, "CareTeam.participant.member does not resolve inside the Bundle; not mapped");
      return;
    }
    m.key = {text(*id, "system"), text(*id, "value")};
    m.name.text = text(member_ref, "display");
    std::string type = text(member_ref, "type");
    if (!type.empty()) m.member_type = type;
  } else if (target->resource_type == "Patient") {
    return;  // the child is on the team; nothing to map
  } else if (target->resource_type == "Practitioner" || target->resource_type == "RelatedPerson") {
    m.key = key_of(*target);
    m.name = first_name(*target->resource);
    m.member_type = std::string(target->resource_type);
  } else if (target->resource_type == "PractitionerRole") {
    const Value& pr = *target->resource;
    const fhir::bundle_entry* practitioner = resolve(object_member(pr, "practitioner"), *target);
    if (practitioner != nullptr) {
      m.key = key_of(*practitioner);
      m.name = first_name(*practitioner->resource);
    } else {
      m.key = key_of(*target);
    }
    if (m.role_code == coding{}) {
      role = first_object(pr, "code");
      m.role_code = first_coding(role);
      role_text = concept_text(role);
    }
    auto [name, code] = specialty_of({array_member(pr, "specialty")});
    specialty_text = name;
    specialty_code = code;
    if (organization_ref == nullptr) {
      organization_ref = object_member(pr, "organization");
      org_from = target;
    }
  } else if (target->resource_type == "Organization") {
    m.key = key_of(*target);
    m.member_type = "Organization";
    m.organization = m.key;
    m.organization_name = text(*target->resource, "name");
    m.name.text = m.organization_name;
  } else {
    note("warning", where,
         "CareTeam.participant.member " + std::string(target->resource_type) + " is not mapped");
    return;
  }
  if (organization_ref != nullptr && m.member_type != "Organization") {
    if (const fhir::bundle_entry* org = resolve(organization_ref, *org_from)) {
      auto ids = identifiers_of(*org->resource);
      if (!ids.empty()) m.organization = ids.front();
      m.organization_name = text(*org->resource, "name");
    } else if (const Value* id = object_member(*organization_ref, "identifier")) {
      m.organization = {text(*id, "system"), text(*id, "value")};
      m.organization_name = text(*organization_ref, "display");
    }
  }
  m.role = classify_role(m.role_code, role_text);
  if (m.role == team_role::specialist) {
    if (specialty_text.empty()) specialty_text = normalised_specialty(m.role_code, role_text);
    m.specialty = specialty_text.empty() ? lower(role_text) : specialty_text;
  }
  auto& team = out_.record.team;
  auto same = std::find_if(team.begin(), team.end(), [&](const auto& t) { return t.key == m.key; });
  if (same != team.end()) {
    note("information", where, "CareTeam.participant repeats a team member; the first role is kept");
    return;
  }
  team.push_back(std::move(m));
}

void bundle_mapper::map_care_team(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  model::care_team_info info;
  info.key = key_of(e);
  info.name = text(r, "name");
  info.status = text(r, "status");
  if (const Value* orgs = array_member(r, "managingOrganization")) {
    for (const auto& o : orgs->GetArray()) {
      for (auto& id : organization_ids(&o, e)) {
        if (std::find(info.managing_organizations.begin(), info.managing_organizations.end(), id) ==
            info.managing_organizations.end()) {
          info.managing_organizations.push_back(std::move(id));
        }
      }
    }
  }
  if (const Value* participants = array_member(r, "participant")) {
    for (rapidjson::SizeType k = 0; k < participants->Size(); ++k) {
      if ((*participants)[k].IsObject()) map_participant(e, k, (*participants)[k]);
    }
  }
  out_.record.care_team = std::move(info);
  note_unmapped(e, {"identifier", "name", "status", "managingOrganization", "participant", "subject",
                    "encounter", "category"});
}

namespace {
std::string timing_summary(const Value& timing) {
  std::string code = concept_text(object_member(timing, "code"));
  if (!code.empty()) return code;
  const Value* repeat = object_member(timing, "repeat");
  if (repeat == nullptr) return {};
  std::string frequency = number_text(member(*repeat, "frequency"));
  std::string period = number_text(member(*repeat, "period"));
  std::string unit = text(*repeat, "periodUnit");
  if (period.empty() || unit.empty()) return {};
  if (frequency.empty()) frequency = "1";
  if (frequency == "1" && period == "1") {
    if (unit == "d") return "daily";
    if (unit == "wk") return "weekly";
    if (unit == "mo") return "monthly";
  }
  return frequency + " per " + period + " " + unit;
}
}  // namespace

void bundle_mapper::map_care_plan(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  model::care_plan_info info;
  info.key = key_of(e);
  info.title = text(r, "title");
  info.status = text(r, "status");
  info.intent = text(r, "intent");
  info.description = text(r, "description");
  info.period_start = text(object_member(r, "period"), "start");
  if (const Value* activities = array_member(r, "activity")) {
    for (rapidjson::SizeType k = 0; k < activities->Size(); ++k) {
      std::string where = path(e) + ".activity[" + std::to_string(k) + "]";
      const Value* detail = object_member((*activities)[k], "detail");
      if (detail == nullptr) {
        note("warning", where,
             "CarePlan.activity without detail is not mapped by the " + context_.translator);
        continue;
      }
      model::plan_activity a;
      a.key = {std::string(activity_key_system),
               info.key.system + "|" + info.key.value + "|" + std::to_string(k)};
      const Value* code = object_member(*detail, "code");
      a.code = first_coding(code);
      a.description = text(*detail, "description");
      if (a.description.empty()) a.description = concept_text(code);
      a.status = text(*detail, "status");
      a.scheduled = text(*detail, "scheduledString");
      if (const Value* timing = object_member(*detail, "scheduledTiming"))
        a.scheduled = timing_summary(*timing);
      if (const Value* period = object_member(*detail, "scheduledPeriod")) {
        a.scheduled = text(*period, "start") + ".." + text(*period, "end");
      }
      // The hand-off lists follow-ups that are still to be scheduled as activities not started, with
      // no scheduled time, or says so in words.
      bool no_time = a.scheduled.empty() || contains(lower(a.scheduled), "to be scheduled");
      a.to_be_scheduled = a.status == "not-started" && no_time;
      if (contains(lower(a.scheduled), "to be scheduled")) a.to_be_scheduled = true;
      upsert(out_.record.activities, std::move(a));
    }
  }
  out_.record.care_plan = std::move(info);
  note_unmapped(e, {"identifier", "title", "status", "intent", "description", "period", "activity", "subject",
                    "category", "careTeam", "encounter"});
}

model::appointment& bundle_mapper::map_appointment(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  model::appointment a;
  a.source = context_.source;
  a.key = key_of(e);
  auto [name, code] = specialty_of({array_member(r, "specialty"), array_member(r, "serviceType")});
  a.specialty = name;
  a.specialty_code = code;
  a.start = text(r, "start");
  a.end = text(r, "end");
  a.status = text(r, "status");
  a.description = text(r, "description");
  if (const Value* participants = array_member(r, "participant")) {
    for (const auto& p : participants->GetArray()) {
      const Value* actor = object_member(p, "actor");
      // A translator participant (R4 ParticipationType TRANSL) is the interpreter booked for the visit.
      if (const Value* types = array_member(p, "type")) {
        for (const auto& t : types->GetArray()) {
          if (first_coding(&t).code == "TRANSL" ||
              lower(concept_text(&t)).find("interpret") != std::string::npos) {
            a.interpreter_required = true;
            a.interpreter_booked = text(p, "status") != "declined";
          }
        }
      }
      const fhir::bundle_entry* target = resolve(actor, e);
      if (target == nullptr) continue;
      if (target->resource_type == "Location" && a.location.empty()) {
        a.location = location_name(actor, e);
      } else if (target->resource_type == "Practitioner" && a.practitioner == identifier{}) {
        a.practitioner = key_of(*target);
      } else if (target->resource_type == "PractitionerRole" && a.practitioner == identifier{}) {
        if (const fhir::bundle_entry* pr =
                resolve(object_member(*target->resource, "practitioner"), *target)) {
          a.practitioner = key_of(*pr);
        }
      }
    }
  }
  if (const Value* based_on = first_object(r, "basedOn")) a.based_on_referral = reference_key(based_on, e);
  if (const Value* reason = object_member(r, "cancelationReason")) a.cancel_reason = first_coding(reason);
  if (const Value* exts = array_member(r, "extension")) {
    for (rapidjson::SizeType k = 0; k < exts->Size(); ++k) {
      const Value& ext = (*exts)[k];
      if (text(ext, "url") == previous_appointment_url) {
        a.replaces = reference_key(object_member(ext, "valueReference"), e);
      } else {
        note_extension(e, k, ext);
      }
    }
  }
  note_unmapped(e, {"extension", "identifier", "status", "specialty", "serviceType", "start", "end",
                    "description", "participant", "basedOn", "minutesDuration", "cancelationReason",
                    "appointmentType", "created", "comment", "patientInstruction", "reasonCode"});
  return upsert(out_.record.appointments, std::move(a));
}

model::referral& bundle_mapper::map_service_request(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  model::referral ref;
  ref.key = key_of(e);
  const Value* code = object_member(r, "code");
  std::pair<std::string, coding> specialty;
  if (code != nullptr) {
    coding first = first_coding(code);
    std::string name;
    if (const Value* codings = array_member(*code, "coding")) {
      for (const auto& c : codings->GetArray()) {
        name = normalised_specialty(coding_of(c), text(*code, "text"));
        if (!name.empty()) {
          specialty = {name, coding_of(c)};
          break;
        }
      }
    }
    if (specialty.first.empty()) {
      name = normalised_specialty({}, text(*code, "text"));
      if (!name.empty()) specialty = {name, first};
    }
  }
  if (specialty.first.empty()) {
    auto from_category = specialty_of({array_member(r, "category")}, false);
    if (!from_category.first.empty()) specialty = from_category;
  }
  if (specialty.first.empty() && code != nullptr) specialty = {lower(concept_text(code)), first_coding(code)};
  ref.specialty = specialty.first;
  ref.specialty_code = specialty.second;
  const Value* reason = first_object(r, "reasonCode");
  ref.reason = concept_text(reason);
  ref.reason_code = first_coding(reason);
  ref.status = text(r, "status");
  ref.intent = text(r, "intent");
  ref.due_by = text(object_member(r, "occurrencePeriod"), "end");
  if (ref.due_by.empty()) ref.due_by = text(r, "occurrenceDateTime");
  ref.authored_on = text(r, "authoredOn");
  ref.flow = flow_of_request_status(ref.status);
  ref.origin = context_.referral_origin;
  if (const Value* performer = first_object(r, "performer")) {
    ref.performer = display_of(performer, e);
    auto ids = organization_ids(performer, e);
    if (!ids.empty()) ref.performer_org = ids.front();
  }
  if (is_early_intervention(ref.specialty) || is_early_intervention(concept_text(code))) {
    ref.specialty = "early-intervention";
    // An active EI order in a hand-over says the need was identified; that it reached the program is
    // what the referral's own Task says (referral-update, BSeR). Until then it is a draft, so the 7-day
    // referral clock (34 CFR 303.303) runs instead of the acknowledgement clock.
    if (ref.flow == "sent") ref.flow = "draft";
  }
  note_unmapped(e, {"identifier", "status", "intent", "code", "category", "reasonCode", "occurrencePeriod",
                    "occurrenceDateTime", "authoredOn", "subject", "encounter", "performer", "requester",
                    "priority", "note", "basedOn", "replaces", "supportingInfo"});
  return upsert(out_.record.referrals, std::move(ref));
}

void bundle_mapper::map_observation(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  const Value* code = object_member(r, "code");
  coding loinc;
  if (code != nullptr) {
    if (const Value* codings = array_member(*code, "coding")) {
      for (const auto& c : codings->GetArray()) {
        if (text(c, "system") == loinc_system) {
          loinc = coding_of(c);
          break;
        }
      }
    }
  }
  auto value = quantity_of(object_member(r, "valueQuantity"));
  bool known = loinc.code == "76516-4" || loinc.code == "8339-4" || loinc.code == "29463-7";
  if (!known) {
    note("warning", path(e),
         "Observation " + (loinc.code.empty() ? concept_text(code) : loinc.code) +
             " is not mapped by the discharge translator");
    return;
  }
  if (!value) {
    note("warning", path(e) + ".value", "Observation " + loinc.code + " has no valueQuantity; not mapped");
    return;
  }
  auto& child = out_.record.patient;
  if (loinc.code == "76516-4") {
    child.gestational_age_at_birth = value;
    child.gestational_age_key = key_of(e);
  } else if (loinc.code == "8339-4") {
    child.birth_weight = value;
    child.birth_weight_key = key_of(e);
  } else {
    model::measurement m;
    m.key = key_of(e);
    m.code = loinc;
    m.value = *value;
    m.effective = text(r, "effectiveDateTime");
    if (m.effective.empty()) m.effective = text(r, "effectiveInstant");
    if (m.effective.empty()) m.effective = text(object_member(r, "effectivePeriod"), "start");
    out_.record.measurements.push_back(std::move(m));
  }
  note_unmapped(e, {"identifier", "status", "code", "category", "subject", "encounter", "valueQuantity",
                    "effectiveDateTime", "effectiveInstant", "effectivePeriod", "issued"});
}

void bundle_mapper::map_condition(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  model::problem p;
  p.key = key_of(e);
  const Value* code = object_member(r, "code");
  p.code = coding_in(code, snomed_system);
  if (p.code == coding{}) p.code = first_coding(code);
  p.text = concept_text(code);
  p.clinical_status = first_coding(object_member(r, "clinicalStatus")).code;
  upsert(out_.record.problems, std::move(p));
  note_unmapped(
      e, {"identifier", "clinicalStatus", "verificationStatus", "category", "code", "subject", "encounter",
          "onsetDateTime", "onsetString", "onsetAge", "recordedDate", "severity", "bodySite", "note"});
}

void bundle_mapper::map_medication(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  model::medication m;
  m.key = key_of(e);
  const Value* code = object_member(r, "medicationCodeableConcept");
  if (code == nullptr) {
    if (const fhir::bundle_entry* med = resolve(object_member(r, "medicationReference"), e))
      code = object_member(*med->resource, "code");
  }
  m.code = coding_in(code, "http://www.nlm.nih.gov/research/umls/rxnorm");
  if (m.code == coding{}) m.code = first_coding(code);
  m.text = concept_text(code);
  if (m.text.empty()) m.text = text(object_member(r, "medicationReference"), "display");
  const bool request = e.resource_type == "MedicationRequest";
  if (const Value* dosage = first_object(r, request ? "dosageInstruction" : "dosage"))
    m.dosage = text(*dosage, "text");
  m.status = text(r, "status");
  m.source = context_.source;
  upsert(out_.record.medications, std::move(m));
  if (request) {
    note_unmapped(e, {"identifier", "status", "intent", "medicationCodeableConcept", "medicationReference",
                      "subject", "encounter", "authoredOn", "requester", "dosageInstruction", "category",
                      "reasonCode", "note", "dispenseRequest", "courseOfTherapyType"});
  } else {
    note_unmapped(e, {"identifier", "status", "medicationCodeableConcept", "medicationReference", "subject",
                      "context", "effectiveDateTime", "effectivePeriod", "dateAsserted", "informationSource",
                      "dosage", "category", "reasonCode", "note", "derivedFrom"});
  }
}

namespace {
std::string device_name(const Value& device) {
  if (const Value* names = array_member(device, "deviceName")) {
    for (const auto& n : names->GetArray()) {
      std::string name = text(n, "name");
      if (!name.empty()) return name;
    }
  }
  return concept_text(object_member(device, "type"));
}

std::string notes_text(const Value& resource) {
  std::string out;
  if (const Value* notes = array_member(resource, "note")) {
    for (const auto& n : notes->GetArray()) {
      std::string t = text(n, "text");
      if (t.empty()) continue;
      if (!out.empty()) out += "; ";
      out += t;
    }
  }
  return out;
}
}  // namespace

void bundle_mapper::map_device(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  model::device d;
  d.key = key_of(e);
  d.code = first_coding(object_member(r, "type"));
  d.text = device_name(r);
  d.status = text(r, "status");
  d.setting = notes_text(r);
  upsert(out_.record.devices, std::move(d));
  note_unmapped(e, {"identifier", "status", "type", "deviceName", "patient", "note", "manufacturer",
                    "modelNumber", "owner"});
}

// DeviceUseStatement (the device in use, its setting in a note) and DeviceRequest (the device ordered,
// its setting in parameter[]): one device each, keyed on the statement or request.
void bundle_mapper::map_device_use(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  model::device d;
  d.key = key_of(e);
  d.status = text(r, "status");
  const bool request = e.resource_type == "DeviceRequest";
  const Value* device_ref = object_member(r, request ? "codeReference" : "device");
  if (const fhir::bundle_entry* device = resolve(device_ref, e)) {
    // Keyed on the device itself, so a new statement about the same device (a new setting) updates it.
    if (!identifiers_of(*device->resource).empty()) d.key = key_of(*device);
    d.code = first_coding(object_member(*device->resource, "type"));
    d.text = device_name(*device->resource);
  } else if (const Value* cc = object_member(r, "codeCodeableConcept")) {
    d.code = first_coding(cc);
    d.text = concept_text(cc);
  } else {
    d.text = text(device_ref, "display");
  }
  if (request) {
    if (const Value* params = array_member(r, "parameter")) {
      for (const auto& p : params->GetArray()) {
        std::string value;
        if (auto q = quantity_of(object_member(p, "valueQuantity"))) {
          value = q->value + " " + (q->unit.empty() ? q->code : q->unit);
        } else {
          value = concept_text(object_member(p, "valueCodeableConcept"));
        }
        if (value.empty()) continue;
        if (!d.setting.empty()) d.setting += "; ";
        d.setting += value;
      }
    }
  }
  std::string note_text = notes_text(r);
  if (!note_text.empty()) d.setting = d.setting.empty() ? note_text : d.setting + "; " + note_text;
  upsert(out_.record.devices, std::move(d));
  if (request) {
    note_unmapped(e, {"identifier", "status", "intent", "codeReference", "codeCodeableConcept", "parameter",
                      "subject", "encounter", "authoredOn", "requester", "note", "occurrenceDateTime"});
  } else {
    note_unmapped(e, {"identifier", "status", "subject", "device", "note", "timingDateTime", "timingPeriod",
                      "recordedOn", "source", "derivedFrom"});
  }
}

void bundle_mapper::map_goal(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  model::family_goal g;
  g.key = key_of(e);
  g.text = concept_text(object_member(r, "description"));
  g.priority = first_coding(object_member(r, "priority")).code;
  g.status = text(r, "lifecycleStatus");
  upsert(out_.record.goals, std::move(g));
  note_unmapped(e, {"identifier", "lifecycleStatus", "description", "priority", "subject", "expressedBy",
                    "startDate", "category", "note", "target"});
}

void bundle_mapper::add_team_member(const fhir::bundle_entry& practitioner, const std::string& specialty) {
  model::team_member m;
  const Value* practitioner_ref = nullptr;
  const fhir::bundle_entry* person = &practitioner;
  if (practitioner.resource_type == "PractitionerRole") {
    practitioner_ref = object_member(*practitioner.resource, "practitioner");
    if (const fhir::bundle_entry* p = resolve(practitioner_ref, practitioner)) person = p;
    auto ids = organization_ids(object_member(*practitioner.resource, "organization"), practitioner);
    if (!ids.empty()) m.organization = ids.front();
    m.organization_name = display_of(object_member(*practitioner.resource, "organization"), practitioner);
  }
  m.key = key_of(*person);
  m.name = first_name(*person->resource);
  m.role = team_role::specialist;
  m.specialty = specialty;
  m.source = context_.team_source;
  auto& team = out_.record.team;
  if (std::none_of(team.begin(), team.end(), [&](const auto& t) { return t.key == m.key; }))
    team.push_back(std::move(m));
}

void bundle_mapper::map_early_intervention(const model::referral& r) {
  model::ei_episode ei;
  if (out_.record.early_intervention) ei = *out_.record.early_intervention;
  ei.referral_key = r.key;
  // Identified when the hospital wrote the referral (or, failing that, at discharge).
  std::string identified = date_part(r.authored_on);
  if (identified.empty() && out_.record.encounter) identified = date_part(out_.record.encounter->period_end);
  if (!identified.empty()) {
    ei.identified_on = identified;
    ei.referral_due_by = add_days(identified, 7);  // 34 CFR 303.303(a)(2)(i)
  }
  out_.record.early_intervention = std::move(ei);
}

bool bundle_mapper::map_entry(const fhir::bundle_entry& e) {
  const auto type = e.resource_type;
  if (type == "Patient") {
    if (&e == child_) {
      map_patient(e);
    } else {
      note("warning", path(e), "a second Patient is not mapped by the " + context_.translator);
    }
  } else if (type == "RelatedPerson") {
    map_related_person(e);
  } else if (type == "Encounter") {
    bool focus = focus_encounter_ != nullptr ? &e == focus_encounter_ : !out_.record.encounter.has_value();
    if (focus) {
      map_encounter(e);
    } else {
      note("warning", path(e), "an Encounter other than the discharge encounter is not mapped");
    }
  } else if (type == "CareTeam") {
    if (out_.record.care_team) {
      note("warning", path(e), "a second CareTeam is not mapped by the " + context_.translator);
    } else {
      map_care_team(e);
    }
  } else if (type == "CarePlan") {
    if (out_.record.care_plan) {
      note("warning", path(e), "a second CarePlan is not mapped by the " + context_.translator);
    } else {
      map_care_plan(e);
    }
  } else if (type == "Appointment") {
    map_appointment(e);
  } else if (type == "ServiceRequest") {
    map_service_request(e);
  } else if (type == "Observation") {
    map_observation(e);
  } else if (type == "Condition") {
    map_condition(e);
  } else if (type == "MedicationRequest" || type == "MedicationStatement") {
    map_medication(e);
  } else if (type == "DeviceUseStatement" || type == "DeviceRequest") {
    map_device_use(e);
  } else if (type == "Goal") {
    map_goal(e);
  } else {
    return false;
  }
  return true;
}

namespace {
bool is_reference_target(std::string_view type) {
  return type == "Organization" || type == "Practitioner" || type == "PractitionerRole" ||
         type == "Location" || type == "Medication" || type == "Device" || type == "HealthcareService";
}
}  // namespace

void bundle_mapper::map_entries(std::initializer_list<const fhir::bundle_entry*> skip) {
  for (const auto& e : index_.entries()) {
    if (e.resource == nullptr || std::find(skip.begin(), skip.end(), &e) != skip.end()) continue;
    if (is_reference_target(e.resource_type)) continue;  // through references, checked in finish()
    if (!map_entry(e))
      note("warning", path(e), std::string(e.resource_type) + " is not mapped by the " + context_.translator);
  }
}

void bundle_mapper::finish() {
  auto& record = out_.record;
  // A Device nobody's statement points at is still a device the child has.
  for (const auto& e : index_.entries()) {
    if (e.resource_type == "Device" && !used_[position(e)]) {
      mark_used(e);
      map_device(e);
    }
  }
  // A referral whose appointment is booked is scheduled, whatever its order status said.
  for (const auto& a : record.appointments) {
    if (a.based_on_referral.value.empty() || a.status != "booked") continue;
    for (auto& r : record.referrals) {
      if (r.key == a.based_on_referral && (r.flow == "draft" || r.flow == "sent" || r.flow == "accepted"))
        r.flow = "scheduled";
    }
  }
  for (const auto& r : record.referrals) {
    if (is_early_intervention(r.specialty) || is_early_intervention(r.reason)) map_early_intervention(r);
  }
  for (const auto& e : index_.entries()) {
    if (is_reference_target(e.resource_type) && !used_[position(e)]) {
      note("information", path(e), std::string(e.resource_type) + " is not referenced by mapped content");
    }
  }
}

const fhir::bundle_entry* open_message(bundle_mapper& mapper, const Value& bundle,
                                       std::string_view event_code, translate_result& failed) {
  failed.ok = false;
  failed.error = translate_error::unsupported_event;
  if (!bundle.IsObject() || text(bundle, "type") != "message") {
    failed.message = "the Bundle is not of type message";
    return nullptr;
  }
  const auto& entries = mapper.index().entries();
  if (entries.empty() || entries.front().resource_type != "MessageHeader") {
    failed.message = "the Bundle is not a message: its first entry is not a MessageHeader";
    return nullptr;
  }
  const fhir::bundle_entry& header = entries.front();
  const Value* event = object_member(*header.resource, "eventCoding");
  if (event == nullptr || text(*event, "system") != message_event_system ||
      text(*event, "code") != event_code) {
    failed.message = "MessageHeader.eventCoding is not " + std::string(event_code);
    return nullptr;
  }
  // The focus names the child (or an Encounter of the child); the mapper must not take a focused visit
  // Encounter for the discharge encounter.
  bool found = mapper.find_child(array_member(*header.resource, "focus"), header) != nullptr;
  mapper.set_focus_encounter(nullptr);
  if (!found) {
    failed.error = translate_error::no_patient;
    failed.message = "the message names no Patient";
    return nullptr;
  }
  return &header;
}

translate_result finish_translation(bundle_mapper& mapper, const char* event_kind,
                                    const fhir::bundle_entry& header, std::string detail) {
  mapper.finish();
  translate_result result;
  result.ok = true;
  result.value = std::move(mapper.out());
  model::record_event ev;
  ev.kind = event_kind;
  ev.source = mapper.context().source;
  ev.message_id = text(*header.resource, "id");
  ev.detail = std::move(detail);
  result.value.record.events.push_back(std::move(ev));
  return result;
}

}  // namespace homebase::mappers::inbound
