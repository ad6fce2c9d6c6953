#include "mappers/terminology/concept_map.hpp"

#include <algorithm>

#include "fhir/json_document.hpp"
#include "fhir/operation_outcome.hpp"

namespace homebase::mappers::terminology {
namespace {

using rapidjson::Value;

std::string key_of(std::string_view system, std::string_view code) {
  std::string key;
  key.reserve(system.size() + code.size() + 1);
  key.append(system).push_back('\0');
  key.append(code);
  return key;
}

std::string text(const Value& object, const char* name) {
  if (!object.IsObject()) return {};
  auto m = object.FindMember(name);
  if (m == object.MemberEnd() || !m->value.IsString()) return {};
  return {m->value.GetString(), m->value.GetStringLength()};
}

const Value* array_member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto m = object.FindMember(name);
  if (m == object.MemberEnd() || !m->value.IsArray()) return nullptr;
  return &m->value;
}

}  // namespace

// R4 ConceptMap equivalence (valueset-concept-map-equivalence.html) says how the target relates to the
// source. Adding a target next to the source coding must keep the statement true:
//   equivalent, equal: same meaning;
//   wider, subsumes:   the target is broader (the source is-a target), so what was said of the source is
//                      still true of the target, only less specific.
// Everything else would change what the sender said and is ignored: narrower and specializes claim more
// than the source (a narrower target asserts a detail the sender did not), inexact overlaps only partly,
// relatedto is no equivalence at all, and unmatched and disjoint say there is no target.
bool is_usable_equivalence(std::string_view equivalence) {
  return equivalence == "equivalent" || equivalence == "equal" || equivalence == "wider" ||
         equivalence == "subsumes";
}

const std::vector<target_coding>* concept_map::find(std::string_view system, std::string_view code) const {
  auto it = targets_.find(key_of(system, code));
  return it == targets_.end() ? nullptr : &it->second;
}

struct concept_map_loader {
  static concept_map_load load(const Value& json, const fhir::validator& validator) {
    concept_map_load out;
    fhir::operation_outcome validation;
    validator.validate(json, validation, {}, "ConceptMap");
    for (const auto& i : validation.issues())
      if (i.severity == fhir::issue_severity::error || i.severity == fhir::issue_severity::fatal) {
        out.error = "not a valid R4 ConceptMap: " +
                    (i.expression.empty() ? std::string("ConceptMap") : i.expression) + ": " + i.diagnostics;
        return out;
      }
    concept_map map;
    map.url_ = text(json, "url");
    if (map.url_.empty()) map.url_ = "ConceptMap/" + text(json, "id");
    if (const Value* groups = array_member(json, "group")) {
      for (rapidjson::SizeType g = 0; g < groups->Size(); ++g) {
        const Value& group = (*groups)[g];
        auto where = "ConceptMap.group[" + std::to_string(g) + "]";
        auto source = text(group, "source");
        auto target_system = text(group, "target");
        if (source.empty() || target_system.empty()) {
          out.error = where + ": a group needs source and target to translate codes";
          return out;
        }
        const Value* elements = array_member(group, "element");
        if (elements == nullptr) continue;
        for (const auto& element : elements->GetArray()) {
          auto code = text(element, "code");
          const Value* targets = array_member(element, "target");
          if (code.empty() || targets == nullptr) continue;
          for (const auto& t : targets->GetArray()) {
            auto equivalence = text(t, "equivalence");
            auto target_code = text(t, "code");
            if (!is_usable_equivalence(equivalence) || target_code.empty()) continue;
            if (array_member(t, "dependsOn") != nullptr || array_member(t, "product") != nullptr) continue;
            auto& list = map.targets_[key_of(source, code)];
            bool seen = std::any_of(list.begin(), list.end(), [&](const target_coding& c) {
              return c.system == target_system && c.code == target_code;
            });
            if (!seen) list.push_back({target_system, target_code, text(t, "display"), equivalence});
          }
        }
      }
    }
    out.map = std::move(map);
    return out;
  }
};

concept_map_load load_concept_map(const Value& json, const fhir::validator& validator) {
  return concept_map_loader::load(json, validator);
}

concept_map_load load_concept_map(std::string_view json_text, const fhir::validator& validator) {
  rapidjson::Document doc;
  if (auto error = fhir::parse_json(json_text, doc)) {
    concept_map_load out;
    out.error = "malformed JSON at byte " + std::to_string(error->offset) + ": " + error->message;
    return out;
  }
  return load_concept_map(doc, validator);
}

}  // namespace homebase::mappers::terminology
