// visit_summary_translator: the `specialist-visit-summary` message -> what it says about the child.
// The visit Encounter marks the referral it is based on (Encounter.basedOn) as seen and puts the
// specialist on the team; CarePlan activities, Appointment status changes, medications and devices are
// mapped as in a discharge; other ServiceRequests are the specialist's recommendations (referrals of
// origin `specialist`, draft until sent); an optional Composition is the visit note, whose entries are
// mapped by type. A medication instruction that conflicts with the child's current list is flagged by
// the merge (it knows the list), not here. Pure; notes what it does not map, with element paths.
#pragma once

#include <rapidjson/document.h>

#include <string_view>

#include "mappers/inbound/translation.hpp"

namespace homebase::mappers::inbound {

// Referral loop closure: the report is due this many days after the visit (domain.md §5.3).
inline constexpr int loop_close_days = 30;

[[nodiscard]] translate_result translate_visit_summary(const rapidjson::Value& message_bundle,
                                                       std::string_view source = {});

}  // namespace homebase::mappers::inbound
