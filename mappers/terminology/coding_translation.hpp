// coding_translation: applies a partner's ConceptMaps to a message Bundle before it is translated, so
// that local codes also appear as the standard codings (LOINC, SNOMED CT) the translators recognise.
//
// Pure: changes only the JSON tree it is given (new values come from `allocator`), no I/O, no exceptions.
//
// Every Coding in the tree is visited: any object with `system` and `code` strings. Where a map knows
// (system, code):
//   - inside a CodeableConcept's `coding` array, each target coding {system, code, display} is appended
//     to that same array unless a coding with the same system and code is already in it. The original
//     coding stays where it was: nothing the sender wrote is removed or changed.
//   - anywhere else (a Coding-typed element such as Encounter.class, or Meta.tag), nothing is changed:
//     a Coding element holds one code and a list of Codings means one thing per item, so there is no place
//     for an equivalent. The note says so.
// Each translation (and each coding left alone) is a note, in the order found, with the original coding's
// element path. The same tree and maps always give the same notes.
#pragma once

#include <rapidjson/document.h>

#include <vector>

#include "mappers/inbound/discharge_translator.hpp"
#include "mappers/terminology/concept_map.hpp"

namespace homebase::mappers::terminology {

// `root` is a resource (usually the message Bundle); `root_name` starts the paths ("Bundle").
[[nodiscard]] std::vector<inbound::mapping_note> translate_codings(
    rapidjson::Value& root, rapidjson::Document::AllocatorType& allocator,
    const std::vector<concept_map>& maps, const std::string& root_name = "Bundle");

}  // namespace homebase::mappers::terminology
