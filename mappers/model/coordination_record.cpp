#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::model {

const char* to_string(team_role role) {
  switch (role) {
    case team_role::pcp:
      return "pcp";
    case team_role::care_coordinator:
      return "care_coordinator";
    case team_role::parent_partner:
      return "parent_partner";
    case team_role::specialist:
      return "specialist";
    case team_role::nicu_team:
      return "nicu_team";
    case team_role::other:
      return "other";
    case team_role::ei_coordinator:
      return "ei_coordinator";
    case team_role::school_nurse:
      return "school_nurse";
    case team_role::social_worker:
      return "social_worker";
  }
  return "other";
}

std::optional<team_role> team_role_from_string(std::string_view text) {
  for (auto role : {team_role::pcp, team_role::care_coordinator, team_role::parent_partner,
                    team_role::specialist, team_role::nicu_team, team_role::other, team_role::ei_coordinator,
                    team_role::school_nurse, team_role::social_worker}) {
    if (text == to_string(role)) return role;
  }
  return std::nullopt;
}

}  // namespace homebase::mappers::model
