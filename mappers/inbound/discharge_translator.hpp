// discharge_translator: a NICU discharge message Bundle (our own discharge event, or the Da Vinci
// Unsolicited Notifications `notification-discharge` event) -> a coordination_record.
//
// Pure: no I/O, no clock, no globals. The Bundle has already been checked by fhir/message_bundle
// (first entry a MessageHeader, every entry has a resource, references resolve), so the translator
// reports, but does not reject, content it cannot map: every entry or element it drops is named in
// `notes` with its element path, so nothing is silently lost.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::inbound {

struct mapping_note {
  std::string severity;    // "warning" (content not mapped) or "information"
  std::string expression;  // FHIRPath-style element path, e.g. "Bundle.entry[7].resource"
  std::string text;
};

struct translation {
  model::coordination_record record;
  std::vector<mapping_note> notes;
};

enum class translate_error { not_a_discharge, no_patient };

struct translate_result {
  bool ok = false;
  translate_error error = translate_error::not_a_discharge;
  std::string message;  // human text when !ok
  translation value;
};

// True for the event codes this translator accepts (MessageHeader.eventCoding system|code).
[[nodiscard]] bool is_discharge_event(std::string_view system, std::string_view code);

[[nodiscard]] translate_result translate_discharge(const rapidjson::Value& message_bundle);

}  // namespace homebase::mappers::inbound
