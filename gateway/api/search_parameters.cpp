#include "gateway/api/search_parameters.hpp"

#include <algorithm>

#include "fhir/fhir_time.hpp"

namespace homebase::gateway::api {
namespace {

using k = param_kind;

constexpr std::string_view types[] = {"Appointment", "CarePlan",      "CareTeam",       "DocumentReference",
                                      "Patient",     "RelatedPerson", "ServiceRequest", "Task"};

// Names, elements and definitions as in R4 search-parameters.json.
constexpr search_parameter appointment[] = {
    {"identifier", k::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/Appointment-identifier"},
    {"patient", k::reference, "participant.actor", "Patient",
     "http://hl7.org/fhir/SearchParameter/Appointment-patient"},
    {"status", k::status, "status", "", "http://hl7.org/fhir/SearchParameter/Appointment-status"},
    {"date", k::date, "start", "", "http://hl7.org/fhir/SearchParameter/Appointment-date"}};
constexpr search_parameter care_plan[] = {
    {"identifier", k::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/clinical-identifier"},
    {"patient", k::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/clinical-patient"},
    {"subject", k::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/CarePlan-subject"},
    {"status", k::status, "status", "", "http://hl7.org/fhir/SearchParameter/CarePlan-status"},
    {"date", k::date, "period", "", "http://hl7.org/fhir/SearchParameter/clinical-date"}};
constexpr search_parameter care_team[] = {
    {"identifier", k::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/clinical-identifier"},
    {"patient", k::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/clinical-patient"},
    {"subject", k::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/CareTeam-subject"},
    {"status", k::status, "status", "", "http://hl7.org/fhir/SearchParameter/CareTeam-status"},
    {"date", k::date, "period", "", "http://hl7.org/fhir/SearchParameter/clinical-date"}};
// The school letters (gateway/disclosure: one DocumentReference per letter).
constexpr search_parameter document_reference[] = {
    {"identifier", k::token, "masterIdentifier", "",
     "http://hl7.org/fhir/SearchParameter/clinical-identifier"},
    {"patient", k::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/clinical-patient"},
    {"subject", k::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/DocumentReference-subject"},
    {"status", k::status, "status", "", "http://hl7.org/fhir/SearchParameter/DocumentReference-status"},
    {"date", k::date, "date", "", "http://hl7.org/fhir/SearchParameter/DocumentReference-date"}};
constexpr search_parameter patient[] = {
    {"identifier", k::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/Patient-identifier"},
    {"birthdate", k::date, "birthDate", "", "http://hl7.org/fhir/SearchParameter/individual-birthdate"}};
constexpr search_parameter related_person[] = {
    {"identifier", k::token, "identifier", "",
     "http://hl7.org/fhir/SearchParameter/RelatedPerson-identifier"},
    {"patient", k::reference, "patient", "Patient",
     "http://hl7.org/fhir/SearchParameter/RelatedPerson-patient"},
    {"birthdate", k::date, "birthDate", "", "http://hl7.org/fhir/SearchParameter/individual-birthdate"}};
constexpr search_parameter service_request[] = {
    {"identifier", k::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/clinical-identifier"},
    {"patient", k::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/clinical-patient"},
    {"subject", k::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/ServiceRequest-subject"},
    {"status", k::status, "status", "", "http://hl7.org/fhir/SearchParameter/ServiceRequest-status"},
    {"authored", k::date, "authoredOn", "", "http://hl7.org/fhir/SearchParameter/ServiceRequest-authored"},
    {"occurrence", k::date, "occurrence[x]", "",
     "http://hl7.org/fhir/SearchParameter/ServiceRequest-occurrence"}};
constexpr search_parameter task[] = {
    {"identifier", k::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/Task-identifier"},
    {"patient", k::reference, "for", "Patient", "http://hl7.org/fhir/SearchParameter/Task-patient"},
    {"subject", k::reference, "for", "", "http://hl7.org/fhir/SearchParameter/Task-subject"},
    {"status", k::status, "status", "", "http://hl7.org/fhir/SearchParameter/Task-status"},
    {"authored-on", k::date, "authoredOn", "", "http://hl7.org/fhir/SearchParameter/Task-authored-on"},
    {"period", k::date, "executionPeriod", "", "http://hl7.org/fhir/SearchParameter/Task-period"}};

constexpr std::string_view readable[] = {
    "Appointment", "CarePlan", "CareTeam",     "Condition",  "DocumentReference", "Encounter",      "Goal",
    "Observation", "Patient",  "Practitioner", "Provenance", "RelatedPerson",     "ServiceRequest", "Task"};

std::string_view string_of(const rapidjson::Value& v) {
  return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : std::string_view();
}

const rapidjson::Value* member(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// Calls `f` for every value at a dotted path, flattening arrays on the way (FHIRPath's collections).
template <typename F>
void for_each_at(const rapidjson::Value& node, std::string_view path, F&& f) {
  if (node.IsArray()) {
    for (const auto& item : node.GetArray()) for_each_at(item, path, f);
    return;
  }
  if (path.empty()) {
    f(node);
    return;
  }
  auto dot = path.find('.');
  auto head = path.substr(0, dot);
  auto rest = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  if (const auto* next = member(node, head)) for_each_at(*next, rest, f);
}

void add_date(std::vector<search_value>& out, std::string_view param,
              const std::optional<fhir::date_range>& r) {
  if (r) out.push_back({std::string(param), {}, {}, r->low, r->high});
}

// A date, dateTime, instant or Period, read with the search syntax, as the values searched for are.
void add_date_value(std::vector<search_value>& out, std::string_view param, const rapidjson::Value& v) {
  if (v.IsString()) {
    add_date(out, param, fhir::parse_date_range(string_of(v), fhir::date_syntax::search));
  } else if (v.IsObject()) {
    const auto* start = member(v, "start");
    const auto* end = member(v, "end");
    if (start != nullptr || end != nullptr)
      add_date(out, param,
               fhir::period_range(start ? string_of(*start) : std::string_view(),
                                  end ? string_of(*end) : std::string_view(), fhir::date_syntax::search));
  }
}

}  // namespace

std::span<const std::string_view> readable_types() {
  return readable;
}

std::span<const std::string_view> searchable_types() {
  return types;
}

bool is_searchable(std::string_view type) {
  return std::find(std::begin(types), std::end(types), type) != std::end(types);
}

std::span<const search_parameter> search_parameters_of(std::string_view type) {
  if (type == "Appointment") return appointment;
  if (type == "CarePlan") return care_plan;
  if (type == "DocumentReference") return document_reference;
  if (type == "CareTeam") return care_team;
  if (type == "Patient") return patient;
  if (type == "RelatedPerson") return related_person;
  if (type == "ServiceRequest") return service_request;
  if (type == "Task") return task;
  return {};
}

const search_parameter* find_search_parameter(std::string_view type, std::string_view name) {
  for (const auto& p : search_parameters_of(type))
    if (p.name == name) return &p;
  return nullptr;
}

reference_target parse_reference(std::string_view reference) {
  if (auto history = reference.find("/_history/"); history != std::string_view::npos)
    reference = reference.substr(0, history);
  auto slash = reference.rfind('/');
  if (slash == std::string_view::npos) return {{}, std::string(reference)};
  auto id = reference.substr(slash + 1);
  auto before = reference.substr(0, slash);
  auto type_start = before.rfind('/');
  auto type = type_start == std::string_view::npos ? before : before.substr(type_start + 1);
  return {std::string(type), std::string(id)};
}

std::vector<search_value> extract_search_values(std::string_view type, const rapidjson::Value& resource) {
  std::vector<search_value> out;
  for (const auto& p : search_parameters_of(type)) {
    switch (p.kind) {
      case k::status:
        break;
      case k::token:
        for_each_at(resource, p.element, [&](const rapidjson::Value& id) {
          const auto* value = member(id, "value");
          if (value == nullptr || !value->IsString()) return;
          const auto* system = member(id, "system");
          out.push_back({std::string(p.name), std::string(system ? string_of(*system) : ""),
                         std::string(string_of(*value)), 0, 0});
        });
        break;
      case k::reference:
        for_each_at(resource, p.element, [&](const rapidjson::Value& ref) {
          const auto* text = member(ref, "reference");
          if (text == nullptr || !text->IsString()) return;
          auto target = parse_reference(string_of(*text));
          if (target.id.empty() || (!p.target_type.empty() && target.type != p.target_type)) return;
          out.push_back({std::string(p.name), std::move(target.type), std::move(target.id), 0, 0});
        });
        break;
      case k::date:
        if (p.element.ends_with("[x]")) {
          // A choice: its dateTime, Period, or the events of a Timing.
          auto stem = std::string(p.element.substr(0, p.element.size() - 3));
          for (const char* suffix : {"DateTime", "Period"})
            if (const auto* v = member(resource, stem + suffix)) add_date_value(out, p.name, *v);
          if (const auto* timing = member(resource, stem + "Timing"))
            for_each_at(*timing, "event", [&](const rapidjson::Value& v) { add_date_value(out, p.name, v); });
        } else {
          for_each_at(resource, p.element,
                      [&](const rapidjson::Value& v) { add_date_value(out, p.name, v); });
        }
        break;
    }
  }
  return out;
}

}  // namespace homebase::gateway::api
