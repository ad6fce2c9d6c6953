// scope_set: SMART system scopes as a set of (resource type, interactions). Both spellings are read:
// v1 `system/Type.read|write|*` (read = rs, write = cud, * = cruds; SMART App Launch 2 §scopes) and v2
// `system/Type.cruds` (any subset of c r u d s in that order). `*` as the type means every type. A
// fine-grained v2 scope with a query (`system/Observation.rs?category=...`) is kept as written but grants
// nothing here (the gateway does not evaluate such queries; it fails closed). Pure value, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace homebase::gateway::auth {

enum class interaction : std::uint8_t { create = 1, read = 2, update = 4, remove = 8, search = 16 };

class scope_set {
 public:
  scope_set() = default;
  // Parses space-separated scopes (a token request's `scope`) or a list. Unknown or malformed scopes are
  // returned in `rejected` (and grant nothing).
  static scope_set parse(std::string_view space_separated, std::vector<std::string>* rejected = nullptr);
  static scope_set parse(const std::vector<std::string>& scopes,
                         std::vector<std::string>* rejected = nullptr);

  [[nodiscard]] bool allows(std::string_view resource_type, interaction what) const;
  [[nodiscard]] bool empty() const { return grants_.empty(); }
  // The scopes of `requested` that this set (what the client was pre-authorized for) covers, each
  // narrowed to what is covered (SMART-11 mediation): e.g. allowed system/*.rs, requested
  // system/Patient.cruds -> system/Patient.rs.
  [[nodiscard]] scope_set mediate(const scope_set& requested) const;
  // Space-separated v2 spelling, in a stable order ("system/Patient.rs system/Task.cruds").
  [[nodiscard]] std::string text() const;

  struct grant {
    std::string type;               // "*" or an R4 resource type
    std::uint8_t interactions = 0;  // OR of interaction
  };
  [[nodiscard]] const std::vector<grant>& grants() const { return grants_; }

 private:
  std::vector<grant> grants_;
};

}  // namespace homebase::gateway::auth
