// translation: what every inbound translator returns: the coordination_record a message says, and the
// notes on what it could not map (each with its element path), which go back to the sender.
#pragma once

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

enum class translate_error { not_a_discharge, no_patient, unsupported_event, missing_content };

struct translate_result {
  bool ok = false;
  translate_error error = translate_error::not_a_discharge;
  std::string message;  // human text when !ok
  translation value;
};

// Record event kinds the inbound translators and the merge write (record_event.kind).
inline constexpr const char* discharge_received_event = "DischargeRecordReceived";
inline constexpr const char* discharge_amended_event = "DischargeRecordAmended";
inline constexpr const char* visit_summary_event = "VisitSummaryReceived";
inline constexpr const char* referral_status_event = "ReferralStatusReceived";
inline constexpr const char* appointment_changed_event = "AppointmentChanged";

}  // namespace homebase::mappers::inbound
