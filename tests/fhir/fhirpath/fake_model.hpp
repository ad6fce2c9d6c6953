// A handful of R4 types behind the fhirpath::model interface, for unit tests of the engine's model
// hooks (the real model is fhir/definitions). Elements: Patient, Patient.contact, HumanName, Observation,
// Observation.component, Quantity (and Age), Period, CodeableConcept, Coding, Reference, Extension, Bundle.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "fhir/fhirpath/model.hpp"

namespace homebase::fhir::fhirpath::testing {

class fake_model final : public model {
 public:
  fake_model() {
    element("Resource", "id", "id");
    element("DomainResource", "id", "id");
    element("DomainResource", "contained", "Resource", true);
    element("DomainResource", "extension", "Extension", true);
    element("Patient", "id", "id");
    element("Patient", "active", "boolean");
    element("Patient", "gender", "code");
    element("Patient", "birthDate", "date");
    element("Patient", "name", "HumanName", true);
    element("Patient", "extension", "Extension", true);
    element("Patient", "contained", "Resource", true);
    element("Patient", "contact", "BackboneElement", true, "Patient.contact");
    choice("Patient", "deceased", {"boolean", "dateTime"});
    element("Patient.contact", "name", "HumanName");
    element("Patient.contact", "gender", "code");
    element("HumanName", "use", "code");
    element("HumanName", "family", "string");
    element("HumanName", "given", "string", true);
    element("HumanName", "period", "Period");
    element("Observation", "id", "id");
    element("Observation", "status", "code");
    element("Observation", "code", "CodeableConcept");
    element("Observation", "subject", "Reference");
    element("Observation", "extension", "Extension", true);
    element("Observation", "component", "BackboneElement", true, "Observation.component");
    choice("Observation", "value", {"Quantity", "string", "boolean", "CodeableConcept"});
    choice("Observation", "effective", {"dateTime", "Period"});
    element("Observation.component", "code", "CodeableConcept");
    choice("Observation.component", "value", {"Quantity", "string"});
    for (const char* q : {"Quantity", "Age"}) {
      element(q, "value", "decimal");
      element(q, "unit", "string");
      element(q, "system", "uri");
      element(q, "code", "code");
    }
    element("Period", "start", "dateTime");
    element("Period", "end", "dateTime");
    element("CodeableConcept", "coding", "Coding", true);
    element("CodeableConcept", "text", "string");
    element("Coding", "system", "uri");
    element("Coding", "code", "code");
    element("Coding", "display", "string");
    element("Reference", "reference", "string");
    element("Extension", "url", "uri");
    choice("Extension", "value", {"Age", "Quantity", "boolean", "string", "code"});
    element("Bundle", "type", "code");
    element("Bundle", "entry", "BackboneElement", true, "Bundle.entry");
    element("Bundle.entry", "fullUrl", "uri");
    element("Bundle.entry", "resource", "Resource");

    for (const char* t : {"Patient.contact", "HumanName", "Observation.component", "Quantity", "Age",
                          "Period", "CodeableConcept", "Coding", "Reference", "Extension", "Bundle.entry"}) {
      element(t, "id", "string");
      if (std::string_view(t) != "Extension") element(t, "extension", "Extension", true);
    }
    parents_ = {{"code", "string"},
                {"id", "string"},
                {"markdown", "string"},
                {"url", "uri"},
                {"canonical", "uri"},
                {"positiveInt", "integer"},
                {"Age", "Quantity"},
                {"Quantity", "Element"},
                {"HumanName", "Element"},
                {"Period", "Element"},
                {"CodeableConcept", "Element"},
                {"Coding", "Element"},
                {"Reference", "Element"},
                {"Extension", "Element"},
                {"BackboneElement", "Element"},
                {"Patient", "DomainResource"},
                {"Observation", "DomainResource"},
                {"DomainResource", "Resource"},
                {"Bundle", "Resource"}};
    for (const char* t :
         {"boolean", "integer", "string", "decimal", "uri", "date", "dateTime", "Element", "Resource"})
      parents_.emplace(t, "");
  }

  [[nodiscard]] std::optional<child_info> child(std::string_view parent_key,
                                                std::string_view json_name) const override {
    auto it = elements_.find(key(parent_key, json_name));
    if (it == elements_.end()) return std::nullopt;
    return child_info{it->second.key, it->second.type, it->second.repeats};
  }

  [[nodiscard]] bool is_choice(std::string_view parent_key, std::string_view name) const override {
    return choices_.count(key(parent_key, name)) > 0;
  }

  [[nodiscard]] bool is_type(std::string_view type_name) const override {
    return parents_.count(std::string(type_name)) > 0;
  }

  [[nodiscard]] bool derives_from(std::string_view type_name, std::string_view ancestor) const override {
    std::string t(type_name);
    while (!t.empty()) {
      if (t == ancestor) return true;
      auto it = parents_.find(t);
      if (it == parents_.end()) return false;
      t = it->second;
    }
    return false;
  }

  // "http://example.org/vs" holds (http://example.org/cs, a) and (http://example.org/cs, b); "male" is in
  // the administrative-gender value set; every other value set is unknown.
  [[nodiscard]] std::optional<bool> member_of(std::string_view value_set_url, std::string_view system,
                                              std::string_view code) const override {
    std::string_view url = value_set_url.substr(0, value_set_url.find('|'));
    if (url == "http://example.org/vs")
      return (system.empty() || system == "http://example.org/cs") && (code == "a" || code == "b");
    if (url == "http://hl7.org/fhir/ValueSet/administrative-gender")
      return code == "male" || code == "female" || code == "other" || code == "unknown";
    return std::nullopt;
  }

  [[nodiscard]] std::optional<bool> conforms_to(std::string_view resource_type,
                                                std::string_view profile_url) const override {
    constexpr std::string_view base = "http://hl7.org/fhir/StructureDefinition/";
    if (profile_url.substr(0, base.size()) != base) return std::nullopt;
    std::string_view type = profile_url.substr(base.size());
    if (!is_type(type)) return std::nullopt;
    return derives_from(resource_type, type);
  }

 private:
  struct entry {
    std::string key;
    std::string type;
    bool repeats = false;
  };

  static std::string key(std::string_view parent, std::string_view name) {
    std::string k(parent);
    k.append(1, '|').append(name);
    return k;
  }

  void element(const std::string& parent, const std::string& name, const std::string& type,
               bool repeats = false, const std::string& element_key = {}) {
    elements_[key(parent, name)] = entry{element_key.empty() ? type : element_key, type, repeats};
  }

  void choice(const std::string& parent, const std::string& name, std::initializer_list<const char*> types) {
    choices_.insert(key(parent, name));
    for (const char* t : types) {
      std::string suffix(t);
      suffix[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(suffix[0])));
      element(parent, name + suffix, t);
    }
  }

  std::map<std::string, entry, std::less<>> elements_;
  std::set<std::string, std::less<>> choices_;
  std::map<std::string, std::string, std::less<>> parents_;
};

}  // namespace homebase::fhir::fhirpath::testing
