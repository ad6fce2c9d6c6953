// model: what the FHIRPath engine may ask about the FHIR R4 type system while it evaluates. The engine
// works without one (types are then guessed from JSON shapes); with one, navigation knows the FHIR type of
// every child (Patient.birthDate is a `date`, Observation.valueQuantity a `Quantity`), `is`/`as`/`ofType`
// follow R4's type hierarchy, and memberOf()/conformsTo() can answer. fhir/definitions implements it
// from the generated R4 tables; tests may supply small fakes.
//
// Keys: every node the engine walks has a model key naming where its element definition lives: a type
// name for resources and data types ("Patient", "HumanName") or a definition path for backbone elements
// ("Patient.contact", "Questionnaire.item"). All string_views returned point into storage owned by the
// model, which outlives every evaluation.
//
// How the engine uses it (fhir/fhirpath/engine.cpp):
// - navigation calls child(key, name) per step; a resource (a JSON object with resourceType) takes its
//   resourceType as key and type, whatever child() said ("Resource" for Bundle.entry.resource);
// - for a name child() does not know, is_choice(key, name) lets it find "valueQuantity" for `value`,
//   calling child(key, "valueQuantity") for the type; anything else falls back to plain JSON navigation;
// - is() and the `is` operator use derives_from(); as() and ofType() too, except that a FHIR primitive
//   must match exactly (code.as(string) is empty, as the R4 suite expects);
// - with environment::strict, child(key, "id") tells whether the model knows `key` at all before an
//   unknown name is reported, so every element and resource key should answer for "id";
// - is_type() decides which type names are errors in is/as/ofType (System.X names never are);
// - these are called once or twice per navigation step: keep them to a hash lookup.
#pragma once

#include <optional>
#include <string_view>

namespace homebase::fhir::fhirpath {

struct child_info {
  std::string_view key;   // model key of the child ("HumanName", "Patient.contact", "date")
  std::string_view type;  // FHIR type of the child ("HumanName", "BackboneElement", "date", "Quantity")
  bool repeats = false;   // max cardinality above 1
};

class model {
 public:
  model() = default;
  model(const model&) = delete;
  model& operator=(const model&) = delete;
  virtual ~model() = default;

  // The element named by JSON key `json_name` inside a node whose key is `parent_key`. For a choice
  // element the JSON key carries its type ("valueQuantity" -> type "Quantity"); `json_name` may also be
  // the bare choice name ("value") only through choice_types(). Empty when the model knows no such
  // element (an unknown element, or a parent_key the model does not know).
  [[nodiscard]] virtual std::optional<child_info> child(std::string_view parent_key,
                                                        std::string_view json_name) const = 0;

  // Whether `name` (as it appears in "choice[x]") is a choice element of `parent_key`, e.g. ("Observation",
  // "value") -> true.
  [[nodiscard]] virtual bool is_choice(std::string_view parent_key, std::string_view name) const = 0;

  // Whether `type_name` is a FHIR type (resource, data type or primitive) the model knows.
  [[nodiscard]] virtual bool is_type(std::string_view type_name) const = 0;

  // Whether FHIR type `type_name` is `ancestor` or derives from it through baseDefinition
  // ("Age" -> "Quantity", "Patient" -> "DomainResource" -> "Resource", "code" -> "string").
  [[nodiscard]] virtual bool derives_from(std::string_view type_name, std::string_view ancestor) const = 0;

  // memberOf(): whether (system, code) is in the value set with canonical `value_set_url` (a "|version"
  // suffix allowed). Empty when the model cannot expand that value set. `system` may be empty for a bare
  // code, which then matches a code of any system in the set.
  [[nodiscard]] virtual std::optional<bool> member_of(std::string_view value_set_url, std::string_view system,
                                                      std::string_view code) const = 0;

  // conformsTo(): whether a resource of type `resource_type` conforms to the profile `profile_url`, as
  // far as base R4 profiles go ("http://hl7.org/fhir/StructureDefinition/Patient"). Empty when unknown.
  [[nodiscard]] virtual std::optional<bool> conforms_to(std::string_view resource_type,
                                                        std::string_view profile_url) const = 0;
};

}  // namespace homebase::fhir::fhirpath
