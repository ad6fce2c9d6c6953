#include "mappers/model/medical_home.hpp"

#include <algorithm>

namespace homebase::mappers::model {
namespace {

void add_unique(std::vector<identifier>& out, const identifier& id) {
  if (id.system.empty() && id.value.empty()) return;
  if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
}

}  // namespace

std::vector<identifier> medical_home_organizations(const coordination_record& record) {
  std::vector<identifier> out;
  for (const auto& id : record.patient.general_practitioner_orgs) add_unique(out, id);
  if (record.care_team) {
    for (const auto& id : record.care_team->managing_organizations) add_unique(out, id);
  }
  for (const auto& member : record.team) {
    if (member.role == team_role::pcp || member.role == team_role::care_coordinator) {
      add_unique(out, member.organization);
    }
  }
  return out;
}

}  // namespace homebase::mappers::model
