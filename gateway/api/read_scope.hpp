// read_scope: what one request may read of the children's data, and what it did read. The routes fill
// `medical_home` from the caller (gateway/auth: a medical_home client sees only the children routed to
// its home; operators see all), the read API honours it (another home's child is 404 on read and absent
// from searches and _include), and collects the Patient ids it disclosed, which the routes audit
// (gateway/audit: one AuditEvent per read or search, with its patients). One per request, on its strand.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace homebase::gateway::api {

struct read_scope {
  std::optional<std::string> medical_home;  // nullopt: every child
  std::vector<std::string> patients;        // Patient ids whose data the answer carries (filled by the API)

  [[nodiscard]] bool allows(const std::string& child_home) const {
    return !medical_home || *medical_home == child_home;
  }
  void saw(const std::string& patient_id) {
    if (patient_id.empty()) return;
    for (const auto& p : patients)
      if (p == patient_id) return;
    patients.push_back(patient_id);
  }
};

}  // namespace homebase::gateway::api
