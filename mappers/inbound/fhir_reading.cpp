#include "mappers/inbound/fhir_reading.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cctype>
#include <chrono>

#include "fhir/fhir_time.hpp"
#include "mappers/model/code_systems.hpp"

namespace homebase::mappers::inbound {

using model::care_team_role_system;
using model::coding;
using model::identifier;
using model::interpreter_required_url;
using model::team_role;
using model::us_core_interpreter_needed_url;
using rapidjson::Value;

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
                                            bool fallback_to_text) {
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

coding coding_in(const Value* cc, std::string_view system) {
  if (cc == nullptr) return {};
  if (const Value* codings = array_member(*cc, "coding")) {
    for (const auto& c : codings->GetArray()) {
      if (c.IsObject() && text(c, "system") == system) return coding_of(c);
    }
  }
  return {};
}

std::string date_part(std::string_view date_time) {
  if (date_time.size() < 10 || date_time[4] != '-' || date_time[7] != '-') return {};
  return std::string(date_time.substr(0, 10));
}

std::string add_days(std::string_view date, int days) {
  auto day = fhir::written_date(date_part(date));
  if (!day) return {};
  return fhir::format_date(*day + std::chrono::days(days));
}

}  // namespace homebase::mappers::inbound
