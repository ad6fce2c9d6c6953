#include "gateway/child/medical_home_routing.hpp"

#include "mappers/model/medical_home.hpp"

namespace homebase::gateway::child {
namespace {

bool matches(const config::business_identifier& configured, const mappers::model::identifier& id) {
  return configured.system == id.system && configured.value == id.value;
}

const config::medical_home* home_for_organization(const mappers::model::identifier& org,
                                                  const config::gateway_config& config) {
  if (org.value.empty()) return nullptr;
  for (const auto& home : config.medical_homes)
    for (const auto& configured : home.organization_identifiers)
      if (matches(configured, org)) return &home;
  return nullptr;
}

}  // namespace

route route_child(const mappers::model::coordination_record& record, const config::gateway_config& config) {
  for (const auto& home : config.medical_homes)
    for (const auto& configured : home.patients)
      for (const auto& id : record.patient.identifiers)
        if (matches(configured, id)) return {&home, "explicit mapping of " + id.system + "|" + id.value};
  for (const auto& org : mappers::model::medical_home_organizations(record))
    if (const auto* home = home_for_organization(org, config))
      return {home, "medical-home organisation " + org.system + "|" + org.value};
  return {nullptr,
          "no configured medical home matches the child's identifiers, general practitioner or care team"};
}

}  // namespace homebase::gateway::child
