// appointment_update_translator: the `appointment-update` message -> appointment changes.
//   cancelled (with Appointment.cancelationReason, THO appointment-cancellation-reason: prov, pat-lt, ...),
//   noshow, fulfilled (the referral it is based on becomes seen; the report is then due in 30 days),
//   booked (the referral becomes scheduled), and rescheduling: a cancelled or no-show appointment and a
//   booked one for the same referral (or, without one, the same specialty) in one message form a chain:
//   old.replaced_by = new, new.replaces = old.
// Pure; notes what it does not map, with element paths.
#pragma once

#include <rapidjson/document.h>

#include <string_view>

#include "mappers/inbound/translation.hpp"

namespace homebase::mappers::inbound {

[[nodiscard]] translate_result translate_appointment_update(const rapidjson::Value& message_bundle,
                                                            std::string_view source = {});

}  // namespace homebase::mappers::inbound
