#include "mappers/inbound/discharge_translator.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

#include "fhir/bundle_index.hpp"
#include "mappers/model/code_systems.hpp"

namespace homebase::mappers::inbound {
namespace {

using model::care_team_role_system;
using model::interpreter_required_url;
using model::loinc_system;
using model::us_core_interpreter_needed_url;

using model::coding;
using model::identifier;
using model::team_role;
using rapidjson::Value;

constexpr std::string_view own_event_system = "http://homebase.example.org/fhir/CodeSystem/message-event";
constexpr std::string_view own_event_code = "nicu-discharge";
constexpr std::string_view davinci_event_system =
    "http://hl7.org/fhir/us/davinci-alerts/CodeSystem/notification-event";
constexpr std::string_view davinci_event_code = "notification-discharge";
constexpr std::string_view derived_key_system = "urn:homebase:source-id";
constexpr std::string_view activity_key_system = "urn:homebase:careplan-activity";
constexpr std::string_view specialty_system = "http://homebase.example.org/fhir/CodeSystem/specialty";
constexpr std::string_view snomed_system = "http://snomed.info/sct";
constexpr std::string_view nucc_system = "http://nucc.org/provider-taxonomy";

// ---- reading JSON ----

std::string_view view(const Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

const Value* member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

const Value* object_member(const Value& object, const char* name) {
  const Value* v = member(object, name);
  return v != nullptr && v->IsObject() ? v : nullptr;
}

const Value* array_member(const Value& object, const char* name) {
  const Value* v = member(object, name);
  return v != nullptr && v->IsArray() ? v : nullptr;
}

const Value* first_object(const Value& object, const char* name) {
  const Value* a = array_member(object, name);
  if (a == nullptr || a->Empty() || !(*a)[0].IsObject()) return nullptr;
  return &(*a)[0];
}

std::string text(const Value* object, const char* name) {
  if (object == nullptr) return {};
  const Value* v = member(*object, name);
  if (v == nullptr || !v->IsString()) return {};
  return std::string(view(*v));
}

std::string text(const Value& object, const char* name) {
  return text(&object, name);
}

// A JSON number (or a number kept as text by a lossless parse) as the sender's decimal text.
std::string number_text(const Value* v) {
  if (v == nullptr) return {};
  if (v->IsString()) return std::string(view(*v));
  if (v->IsInt64()) return std::to_string(v->GetInt64());
  if (v->IsUint64()) return std::to_string(v->GetUint64());
  if (v->IsDouble()) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.Double(v->GetDouble());
    return {buffer.GetString(), buffer.GetSize()};
  }
  return {};
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

template <class Range>
bool one_of(std::string_view value, const Range& values) {
  return std::find(std::begin(values), std::end(values), value) != std::end(values);
}

// ---- FHIR datatypes ----

std::vector<identifier> identifiers_of(const Value& resource) {
  std::vector<identifier> out;
  if (const Value* ids = array_member(resource, "identifier")) {
    for (const auto& id : ids->GetArray()) {
      identifier value{text(id, "system"), text(id, "value")};
      if (!value.value.empty() && std::find(out.begin(), out.end(), value) == out.end()) out.push_back(value);
    }
  }
  return out;
}

coding coding_of(const Value& c) {
  return {text(c, "system"), text(c, "code"), text(c, "display")};
}

coding first_coding(const Value* cc) {
  if (cc == nullptr) return {};
  if (const Value* c = first_object(*cc, "coding")) return coding_of(*c);
  return {};
}

// The text a person would read: CodeableConcept.text, else the first coding's display, else its code.
std::string concept_text(const Value* cc) {
  if (cc == nullptr) return {};
  std::string t = text(*cc, "text");
  if (!t.empty()) return t;
  coding c = first_coding(cc);
  return c.display.empty() ? c.code : c.display;
}

model::human_name name_of(const Value& n) {
  model::human_name out;
  out.family = text(n, "family");
  if (const Value* given = array_member(n, "given")) {
    for (const auto& g : given->GetArray()) {
      if (g.IsString()) out.given.emplace_back(view(g));
    }
  }
  out.text = text(n, "text");
  out.use = text(n, "use");
  return out;
}

std::vector<model::human_name> names_of(const Value& resource) {
  std::vector<model::human_name> out;
  if (const Value* names = array_member(resource, "name")) {
    for (const auto& n : names->GetArray()) {
      if (n.IsObject()) out.push_back(name_of(n));
    }
  }
  return out;
}

model::human_name first_name(const Value& resource) {
  auto names = names_of(resource);
  for (const auto& n : names) {
    if (n.use == "official" || n.use == "usual") return n;
  }
  return names.empty() ? model::human_name{} : names.front();
}

std::optional<model::quantity> quantity_of(const Value* q) {
  if (q == nullptr || !q->IsObject()) return std::nullopt;
  model::quantity out{number_text(member(*q, "value")), text(*q, "unit"), text(*q, "code")};
  if (out.value.empty()) return std::nullopt;
  return out;
}

// The value of a recognised interpreter extension, or nullopt when `ext` is another extension.
std::optional<bool> interpreter_extension(const Value& ext) {
  std::string url = text(ext, "url");
  if (url != interpreter_required_url && url != us_core_interpreter_needed_url) return std::nullopt;
  if (const Value* b = member(ext, "valueBoolean"); b != nullptr && b->IsBool()) return b->GetBool();
  if (const Value* c = object_member(ext, "valueCoding")) {
    auto code = lower(text(*c, "code"));
    return code == "y" || code == "yes" || code == "true";
  }
  if (const Value* cc = object_member(ext, "valueCodeableConcept")) {
    auto code = lower(first_coding(cc).code);
    return code == "y" || code == "yes" || code == "true";
  }
  return false;
}

// BCP-47 code of a communication.language CodeableConcept.
std::string language_of(const Value& communication) {
  const Value* language = object_member(communication, "language");
  if (language == nullptr) return {};
  coding c = first_coding(language);
  return c.code.empty() ? text(*language, "text") : c.code;
}

bool preferred(const Value& communication) {
  const Value* p = member(communication, "preferred");
  return p != nullptr && p->IsBool() && p->GetBool();
}

// ---- specialties and roles ----

// A normalised specialty name for a coding or text, or empty when none is recognised.
std::string normalised_specialty(const coding& c, std::string_view free_text) {
  if (c.system == specialty_system && !c.code.empty()) return c.code;
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> keywords{{
      {"ophthalm", "ophthalmology"},
      {"audiol", "audiology"},
      {"pulmon", "pulmonology"},
      {"cardio", "cardiology"},
      {"neonatal follow", "neonatal-follow-up"},
      {"neonatal-follow", "neonatal-follow-up"},
      {"developmental", "neonatal-follow-up"},
      {"gastro", "gi-nutrition"},
      {"nutrition", "gi-nutrition"},
      {"neurosurg", "neurosurgery"},
      {"neurolog", "neurology"},
      {"primary care", "primary-care"},
  }};
  for (const std::string& candidate : {lower(c.display), lower(free_text), lower(c.code)}) {
    if (candidate.empty()) continue;
    for (const auto& [keyword, name] : keywords) {
      if (contains(candidate, keyword)) return std::string(name);
    }
  }
  return {};
}

// Specialty of a list of CodeableConcepts: the first one that normalises, else the first one's text.
std::pair<std::string, coding> specialty_of(std::initializer_list<const Value*> concepts,
                                            bool fallback_to_text = true) {
  const Value* fallback = nullptr;
  for (const Value* list : concepts) {
    if (list == nullptr || !list->IsArray()) continue;
    for (const auto& cc : list->GetArray()) {
      if (!cc.IsObject()) continue;
      if (fallback == nullptr) fallback = &cc;
      if (const Value* codings = array_member(cc, "coding")) {
        for (const auto& c : codings->GetArray()) {
          if (!c.IsObject()) continue;
          auto name = normalised_specialty(coding_of(c), text(cc, "text"));
          if (!name.empty()) return {name, coding_of(c)};
        }
      }
      auto name = normalised_specialty({}, text(cc, "text"));
      if (!name.empty()) return {name, first_coding(&cc)};
    }
  }
  if (fallback == nullptr || !fallback_to_text) return {};
  return {lower(concept_text(fallback)), first_coding(fallback)};
}

// Care-team role classification (domain.md §2.4, §3.7).
team_role classify_role(const coding& c, std::string_view role_text) {
  if (c.system == care_team_role_system) {
    if (c.code == "pcp") return team_role::pcp;
    if (c.code == "care-coordinator") return team_role::care_coordinator;
    if (c.code == "parent-partner") return team_role::parent_partner;
    if (c.code == "specialist") return team_role::specialist;
    if (c.code == "nicu-team") return team_role::nicu_team;
  }
  if (c.system == snomed_system) {
    if (c.code == "446050000") return team_role::pcp;
    if (c.code == "768820003" || c.code == "768821004") return team_role::care_coordinator;
    if (c.code == "429577009" || c.code == "768836001") return team_role::parent_partner;
  }
  if (c.system == nucc_system) {
    if (c.code == "171M00000X") return team_role::care_coordinator;
    if (c.code == "2080N0001X") return team_role::nicu_team;
  }
  auto t = lower(std::string(role_text) + " " + c.display);
  if (contains(t, "parent partner") || contains(t, "family partner") || contains(t, "parent navigator")) {
    return team_role::parent_partner;
  }
  if (contains(t, "care coordinator") || contains(t, "care team coordinator"))
    return team_role::care_coordinator;
  if (contains(t, "primary care")) return team_role::pcp;
  if (contains(t, "neonat") || contains(t, "nicu")) return team_role::nicu_team;
  if (!normalised_specialty(c, role_text).empty() || contains(t, "specialist")) return team_role::specialist;
  return team_role::other;
}

// ---- the translation ----

class translator {
 public:
  explicit translator(const Value& bundle) : index_(bundle), used_(index_.entries().size(), false) {}

  translate_result run();

 private:
  static std::string path(const fhir::bundle_entry& e) {
    return "Bundle.entry[" + std::to_string(e.index) + "].resource";
  }

  void note(std::string severity, std::string expression, std::string message) {
    out_.notes.push_back({std::move(severity), std::move(expression), std::move(message)});
  }

  // Warns about every top-level element of the entry's resource that is not in `handled`.
  void note_unmapped(const fhir::bundle_entry& e, std::initializer_list<std::string_view> handled) {
    static constexpr std::array<std::string_view, 6> always{"resourceType", "id",       "meta",
                                                            "text",         "language", "implicitRules"};
    for (const auto& m : e.resource->GetObject()) {
      std::string_view name = view(m.name);
      if (one_of(name, always) || one_of(name, handled)) continue;
      note("warning", path(e) + "." + std::string(name),
           std::string(e.resource_type) + "." + std::string(name) +
               " is not mapped by the discharge translator");
    }
  }

  void note_extension(const fhir::bundle_entry& e, std::size_t k, const Value& ext) {
    note("warning", path(e) + ".extension[" + std::to_string(k) + "]",
         std::string(e.resource_type) + ".extension '" + text(ext, "url") +
             "' is not mapped by the discharge translator");
  }

  // Resolves a Reference object inside the Bundle and marks the target as used.
  const fhir::bundle_entry* resolve(const Value* reference, const fhir::bundle_entry& from) {
    if (reference == nullptr || !reference->IsObject()) return nullptr;
    std::string ref = text(*reference, "reference");
    if (ref.empty()) return nullptr;
    const fhir::bundle_entry* target = index_.resolve(ref, &from);
    if (target != nullptr && target->resource != nullptr) {
      used_[position(*target)] = true;
      return target;
    }
    return nullptr;
  }

  std::size_t position(const fhir::bundle_entry& e) const {
    return static_cast<std::size_t>(&e - index_.entries().data());
  }

  static identifier key_of(const fhir::bundle_entry& e) {
    auto ids = identifiers_of(*e.resource);
    if (!ids.empty()) return ids.front();
    std::string source =
        e.full_url.empty() ? std::string(e.resource_type) + "/" + std::string(e.id) : std::string(e.full_url);
    return {std::string(derived_key_system), source};
  }

  // Key of the referenced entry, else the Reference.identifier.
  identifier reference_key(const Value* reference, const fhir::bundle_entry& from) {
    if (const fhir::bundle_entry* target = resolve(reference, from)) return key_of(*target);
    if (reference != nullptr) {
      if (const Value* id = object_member(*reference, "identifier"))
        return {text(*id, "system"), text(*id, "value")};
    }
    return {};
  }

  // Organisation identifiers named by a Reference(Organization | PractitionerRole).
  std::vector<identifier> organization_ids(const Value* reference, const fhir::bundle_entry& from) {
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

  const fhir::bundle_entry* find_child(const fhir::bundle_entry& header);
  void map_patient(const fhir::bundle_entry& e);
  void map_related_person(const fhir::bundle_entry& e);
  void map_encounter(const fhir::bundle_entry& e);
  void map_care_team(const fhir::bundle_entry& e);
  void map_participant(const fhir::bundle_entry& e, std::size_t k, const Value& participant);
  void map_care_plan(const fhir::bundle_entry& e);
  void map_appointment(const fhir::bundle_entry& e);
  void map_service_request(const fhir::bundle_entry& e);
  void map_observation(const fhir::bundle_entry& e);
  std::string location_name(const Value* reference, const fhir::bundle_entry& from);

  fhir::bundle_index index_;
  std::vector<bool> used_;
  translation out_;
  const fhir::bundle_entry* child_ = nullptr;
  const fhir::bundle_entry* focus_encounter_ = nullptr;
};

const fhir::bundle_entry* translator::find_child(const fhir::bundle_entry& header) {
  if (const Value* focus = array_member(*header.resource, "focus")) {
    for (const auto& f : focus->GetArray()) {
      const fhir::bundle_entry* target = index_.resolve(text(f, "reference"), &header);
      if (target == nullptr || target->resource == nullptr) continue;
      if (target->resource_type == "Patient") return target;
      if (target->resource_type == "Encounter") {
        focus_encounter_ = target;
        const fhir::bundle_entry* subject =
            index_.resolve(text(object_member(*target->resource, "subject"), "reference"), target);
        if (subject != nullptr && subject->resource_type == "Patient") return subject;
      }
    }
  }
  auto patients = index_.of_type("Patient");
  return patients.empty() ? nullptr : patients.front();
}

void translator::map_patient(const fhir::bundle_entry& e) {
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
      } else {
        note_extension(e, k, (*exts)[k]);
      }
    }
  }
  note_unmapped(e, {"identifier", "name", "gender", "birthDate", "generalPractitioner", "communication",
                    "extension", "active"});
}

void translator::map_related_person(const fhir::bundle_entry& e) {
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
      } else {
        note_extension(e, k, (*exts)[k]);
      }
    }
  }
  out_.record.family.push_back(std::move(m));
  note_unmapped(e, {"identifier", "name", "relationship", "telecom", "communication", "extension", "patient",
                    "active"});
}

std::string translator::location_name(const Value* reference, const fhir::bundle_entry& from) {
  if (const fhir::bundle_entry* target = resolve(reference, from)) {
    std::string name = text(*target->resource, "name");
    if (!name.empty()) return name;
  }
  return text(reference, "display");
}

void translator::map_encounter(const fhir::bundle_entry& e) {
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

void translator::map_participant(const fhir::bundle_entry& e, std::size_t k, const Value& participant) {
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

void translator::map_care_team(const fhir::bundle_entry& e) {
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

void translator::map_care_plan(const fhir::bundle_entry& e) {
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
        note("warning", where, "CarePlan.activity without detail is not mapped by the discharge translator");
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
      out_.record.activities.push_back(std::move(a));
    }
  }
  out_.record.care_plan = std::move(info);
  note_unmapped(e, {"identifier", "title", "status", "intent", "description", "period", "activity", "subject",
                    "category", "careTeam", "encounter"});
}

void translator::map_appointment(const fhir::bundle_entry& e) {
  const Value& r = *e.resource;
  model::appointment a;
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
  out_.record.appointments.push_back(std::move(a));
  note_unmapped(e, {"identifier", "status", "specialty", "serviceType", "start", "end", "description",
                    "participant", "basedOn", "minutesDuration"});
}

void translator::map_service_request(const fhir::bundle_entry& e) {
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
  out_.record.referrals.push_back(std::move(ref));
  note_unmapped(e, {"identifier", "status", "intent", "code", "category", "reasonCode", "occurrencePeriod",
                    "occurrenceDateTime", "authoredOn", "subject", "encounter"});
}

void translator::map_observation(const fhir::bundle_entry& e) {
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

translate_result translator::run() {
  translate_result result;
  const auto& entries = index_.entries();
  if (entries.empty() || entries.front().resource_type != "MessageHeader") {
    result.message = "the Bundle is not a message: its first entry is not a MessageHeader";
    return result;
  }
  const fhir::bundle_entry& header = entries.front();
  const Value* event = object_member(*header.resource, "eventCoding");
  if (event == nullptr || !is_discharge_event(text(*event, "system"), text(*event, "code"))) {
    result.message = "MessageHeader.eventCoding is not a discharge event";
    return result;
  }
  child_ = find_child(header);
  if (child_ == nullptr) {
    result.error = translate_error::no_patient;
    result.message = "the discharge message names no Patient";
    return result;
  }
  for (const auto& e : entries) {
    if (e.resource == nullptr || &e == &header) continue;
    const auto type = e.resource_type;
    if (type == "Patient") {
      if (&e == child_) {
        map_patient(e);
      } else {
        note("warning", path(e), "a second Patient is not mapped by the discharge translator");
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
    } else if (type == "CareTeam" || type == "CarePlan") {
      bool first =
          type == "CareTeam" ? !out_.record.care_team.has_value() : !out_.record.care_plan.has_value();
      if (!first) {
        note("warning", path(e),
             "a second " + std::string(type) + " is not mapped by the discharge translator");
      } else if (type == "CareTeam") {
        map_care_team(e);
      } else {
        map_care_plan(e);
      }
    } else if (type == "Appointment") {
      map_appointment(e);
    } else if (type == "ServiceRequest") {
      map_service_request(e);
    } else if (type == "Observation") {
      map_observation(e);
    } else if (type == "Organization" || type == "Practitioner" || type == "PractitionerRole" ||
               type == "Location") {
      continue;  // reference targets, checked below
    } else {
      note("warning", path(e), std::string(type) + " is not mapped by the discharge translator");
    }
  }
  for (const auto& e : entries) {
    const auto type = e.resource_type;
    if ((type == "Organization" || type == "Practitioner" || type == "PractitionerRole" ||
         type == "Location") &&
        !used_[position(e)]) {
      note("information", path(e), std::string(type) + " is not referenced by mapped content");
    }
  }
  result.ok = true;
  result.value = std::move(out_);
  return result;
}

}  // namespace

bool is_discharge_event(std::string_view system, std::string_view code) {
  return (system == own_event_system && code == own_event_code) ||
         (system == davinci_event_system && code == davinci_event_code);
}

translate_result translate_discharge(const rapidjson::Value& message_bundle) {
  if (!message_bundle.IsObject() || text(message_bundle, "type") != "message") {
    translate_result result;
    result.message = "the Bundle is not of type message";
    return result;
  }
  translator t(message_bundle);
  return t.run();
}

}  // namespace homebase::mappers::inbound
