// referral_update_translator: the `referral-update` message (a Task focused on the referral's
// ServiceRequest, BSeR ReferralTask pattern) -> the referral's new coordination state.
// Task.status and businessStatus follow the harmonised BSeR/360X machine (fhir-rules.md §4.3):
//   received (2.0) -> sent; accepted (3.0) -> accepted; rejected (4.0) -> declined (statusReason);
//   in-progress 5.1.1 -> scheduled, 5.1.3 (visit cancelled) -> accepted, 5.1.4 -> seen;
//   completed (7.0) -> report_received with Task.output (the report), else seen; cancelled (6.0) ->
//   cancelled; failed -> failed. Any other state is noted and not applied.
// Only what the message says is filled in; the merge keeps the rest of the referral (specialty, reason,
// due date) and decides whether the transition is allowed from the state it knows.
#pragma once

#include <rapidjson/document.h>

#include <string_view>

#include "mappers/inbound/translation.hpp"

namespace homebase::mappers::inbound {

[[nodiscard]] translate_result translate_referral_update(const rapidjson::Value& message_bundle,
                                                         std::string_view source = {});

}  // namespace homebase::mappers::inbound
