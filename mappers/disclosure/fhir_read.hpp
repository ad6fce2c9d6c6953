// fhir_read: small readers for the parts of FHIR JSON the disclosure mappers look at (strings, codings,
// identifiers of references). Absent or mistyped members read as empty: the resources were validated as
// R4 before they get here, and what the gate needs but finds empty blocks the disclosure.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::disclosure::fhir_read {

inline const rapidjson::Value* member(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(name);
  return it == v.MemberEnd() ? nullptr : &it->value;
}

inline std::string string(const rapidjson::Value& v, const char* name) {
  const auto* m = member(v, name);
  return m != nullptr && m->IsString() ? std::string(m->GetString(), m->GetStringLength()) : std::string();
}

inline std::vector<const rapidjson::Value*> array(const rapidjson::Value& v, const char* name) {
  std::vector<const rapidjson::Value*> out;
  const auto* m = member(v, name);
  if (m == nullptr) return out;
  if (m->IsArray()) {
    for (const auto& e : m->GetArray()) out.push_back(&e);
  } else if (m->IsObject()) {
    out.push_back(m);
  }
  return out;
}

inline model::identifier identifier(const rapidjson::Value& v) {
  return {string(v, "system"), string(v, "value")};
}

// Reference.identifier (logical reference), the way every party of a disclosure is named.
inline model::identifier reference_identifier(const rapidjson::Value& reference) {
  const auto* id = member(reference, "identifier");
  return id != nullptr ? identifier(*id) : model::identifier{};
}

inline std::vector<model::coding> codings(const rapidjson::Value& concept_) {
  std::vector<model::coding> out;
  for (const auto* c : array(concept_, "coding"))
    out.push_back({string(*c, "system"), string(*c, "code"), string(*c, "display")});
  return out;
}

inline bool has_coding(const rapidjson::Value& concept_, std::string_view system, std::string_view code) {
  for (const auto& c : codings(concept_))
    if (c.system == system && c.code == code) return true;
  return false;
}

}  // namespace homebase::mappers::disclosure::fhir_read
