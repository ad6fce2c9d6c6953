#include "mappers/model/referral_flow.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace homebase::mappers::model {
namespace {

constexpr std::array<std::string_view, 10> flows{"draft",     "sent",  "accepted",        "declined",
                                                 "scheduled", "seen",  "report_received", "closed",
                                                 "cancelled", "failed"};

// from -> allowed targets (besides itself), fhir-rules.md §4.3 mapped onto the coordination states.
constexpr std::array<std::pair<std::string_view, std::string_view>, 28> transitions{{
    {"sent", "accepted"},
    {"sent", "declined"},
    {"sent", "cancelled"},
    {"sent", "failed"},
    {"sent", "scheduled"},  // TID 31: acceptance implied
    {"accepted", "declined"},
    {"accepted", "scheduled"},
    {"accepted", "cancelled"},
    {"accepted", "seen"},
    {"accepted", "report_received"},
    {"accepted", "failed"},
    {"scheduled", "accepted"},
    {"scheduled", "declined"},
    {"scheduled", "cancelled"},
    {"scheduled", "seen"},
    {"scheduled", "report_received"},
    {"scheduled", "failed"},
    {"seen", "report_received"},
    {"seen", "scheduled"},
    {"seen", "declined"},
    {"seen", "cancelled"},
    {"seen", "failed"},
    {"report_received", "closed"},
    {"draft", "sent"},
    {"draft", "accepted"},
    {"draft", "scheduled"},
    {"draft", "cancelled"},
    {"draft", "seen"},
}};

}  // namespace

bool is_referral_flow(std::string_view flow) {
  return std::find(flows.begin(), flows.end(), flow) != flows.end();
}

bool referral_transition_allowed(std::string_view from, std::string_view to) {
  if (from == to) return true;
  if (from.empty()) return is_referral_flow(to);
  // What the gateway knows as draft may have moved on anywhere it could not see (but not closed: only the
  // medical home closes a loop, after the report).
  if (from == "draft") return is_referral_flow(to) && to != "closed";
  return std::find(transitions.begin(), transitions.end(), std::pair{from, to}) != transitions.end();
}

std::string_view request_status_for_flow(std::string_view flow) {
  if (flow == "draft") return "draft";
  if (flow == "report_received" || flow == "closed") return "completed";
  if (flow == "declined" || flow == "cancelled" || flow == "failed") return "revoked";
  return "active";
}

}  // namespace homebase::mappers::model
