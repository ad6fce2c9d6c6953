#include "mappers/inbound/message_dispatcher.hpp"

#include "mappers/inbound/appointment_update_translator.hpp"
#include "mappers/inbound/discharge_translator.hpp"
#include "mappers/inbound/fhir_reading.hpp"
#include "mappers/inbound/referral_update_translator.hpp"
#include "mappers/inbound/visit_summary_translator.hpp"

namespace homebase::mappers::inbound {

std::optional<message_event> message_event_of(std::string_view system, std::string_view code) {
  if (is_discharge_event(system, code)) return message_event::nicu_discharge;
  if (system != message_event_system) return std::nullopt;
  if (code == "specialist-visit-summary") return message_event::specialist_visit_summary;
  if (code == "referral-update") return message_event::referral_update;
  if (code == "appointment-update") return message_event::appointment_update;
  return std::nullopt;
}

translate_result translate_message(const rapidjson::Value& bundle, std::string_view source) {
  using rapidjson::Value;
  const Value* first = bundle.IsObject() ? first_object(bundle, "entry") : nullptr;
  const Value* header = first != nullptr ? object_member(*first, "resource") : nullptr;
  const Value* event = header != nullptr ? object_member(*header, "eventCoding") : nullptr;
  auto kind =
      event != nullptr ? message_event_of(text(*event, "system"), text(*event, "code")) : std::nullopt;
  if (!kind) {
    translate_result result;
    result.error = translate_error::unsupported_event;
    result.message = "MessageHeader.eventCoding is not an event this gateway processes";
    return result;
  }
  switch (*kind) {
    case message_event::nicu_discharge:
      return translate_discharge(bundle, source);
    case message_event::specialist_visit_summary:
      return translate_visit_summary(bundle, source);
    case message_event::referral_update:
      return translate_referral_update(bundle, source);
    case message_event::appointment_update:
      return translate_appointment_update(bundle, source);
  }
  return {};
}

}  // namespace homebase::mappers::inbound
