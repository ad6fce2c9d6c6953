// message_dispatcher: which translator a message goes to, by MessageHeader.eventCoding.
// Events (system http://homebase.example.org/fhir/CodeSystem/message-event unless said):
//   nicu-discharge (and Da Vinci notification-discharge) -> discharge_translator
//   specialist-visit-summary -> visit_summary_translator
//   referral-update -> referral_update_translator
//   appointment-update -> appointment_update_translator
// Pure and cheap (a comparison of the event, then one translator): it runs per message on an I/O thread.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string_view>

#include "mappers/inbound/translation.hpp"

namespace homebase::mappers::inbound {

enum class message_event { nicu_discharge, specialist_visit_summary, referral_update, appointment_update };

// The event of system|code, or nullopt when the gateway does not process it.
[[nodiscard]] std::optional<message_event> message_event_of(std::string_view system, std::string_view code);

// Translates a message Bundle by its event; an unsupported event fails with unsupported_event.
// `source`: the sending partner's id.
[[nodiscard]] translate_result translate_message(const rapidjson::Value& message_bundle,
                                                 std::string_view source = {});

}  // namespace homebase::mappers::inbound
