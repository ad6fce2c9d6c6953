// concept_map: one FHIR R4 ConceptMap, loaded into a lookup from a source coding (system, code) to the
// target codings that may be added next to it without changing what the sender said.
//
// Loaded once at start-up from the JSON text of a partner's ConceptMap file (config
// partners[].concept_maps); immutable afterwards, so any number of threads may call find() at once.
// Pure: no I/O (the caller reads the file), no exceptions (a load reports its error as a value).
//
// What is read (R4 conceptmap.html): group[].source and group[].target (the code systems),
// group[].element[].code, and group[].element[].target[].code / display / equivalence. A group without
// source or target is an error (it cannot say which codes it translates into which). Targets with
// dependsOn or product are skipped: they hold only under conditions the map states elsewhere in the data.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/validation/validator.hpp"

namespace homebase::mappers::terminology {

struct target_coding {
  std::string system;
  std::string code;
  std::string display;      // may be empty
  std::string equivalence;  // as in the map: equivalent | equal | wider | subsumes
};

class concept_map {
 public:
  // The target codings for (system, code), in the order of the map (groups, then targets); nullptr when
  // the map does not translate that coding.
  [[nodiscard]] const std::vector<target_coding>* find(std::string_view system, std::string_view code) const;

  [[nodiscard]] const std::string& url() const { return url_; }  // ConceptMap.url, else "ConceptMap/<id>"
  [[nodiscard]] std::size_t size() const { return targets_.size(); }  // source codings it translates

 private:
  friend struct concept_map_loader;
  std::string url_;
  std::map<std::string, std::vector<target_coding>, std::less<>> targets_;  // key: system '\0' code
};

// Whether a target of this R4 ConceptMap equivalence may be added next to the source coding.
[[nodiscard]] bool is_usable_equivalence(std::string_view equivalence);

struct concept_map_load {
  std::optional<concept_map> map;  // set on success
  std::string error;               // otherwise: what is wrong, with the element path first when there is one
};

// Parses and loads a ConceptMap. The resource is first validated as R4 with `validator` (strict): the
// first error, with its path (e.g. "ConceptMap.group[0].element[0].target[0].equivalence"), is the error.
[[nodiscard]] concept_map_load load_concept_map(std::string_view json_text, const fhir::validator& validator);
[[nodiscard]] concept_map_load load_concept_map(const rapidjson::Value& json,
                                                const fhir::validator& validator);

}  // namespace homebase::mappers::terminology
