// config_changes: what a reloaded configuration changes against the running one, and which of its settings
// only a restart can apply. Pure: it compares two loaded gateway_configs (and, for the summary of the
// sections without ids, the two files' YAML texts); nothing here reads files or touches the gateway.
//
// Restart-only settings (the listener, the store, the I/O threads, the server's limits, the separate
// metrics listener, the access-token audience public_base_url): a reload keeps their running values
// (keep_running_settings) and names the keys that differ, so that the answer and the log can say that a
// restart is needed for them. Everything else (clients, partners, medical homes, schools, ConceptMaps,
// rules, keys, TLS certificate files, delivery, auth, console, retention, log) is applied by the reload.
#pragma once

#include <string>
#include <vector>

#include "config/gateway_config.hpp"

namespace homebase::config {

// The ids added, removed and changed in one list of the config (partners, clients, ...).
struct id_changes {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;
  [[nodiscard]] bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

struct config_changes {
  id_changes partners;
  id_changes clients;
  id_changes medical_homes;
  id_changes schools;
  std::vector<std::string> sections;      // other top-level sections whose text changed ("coordination")
  std::vector<std::string> restart_keys;  // restart-only keys whose value differs ("server.port")
  [[nodiscard]] bool empty() const;
  // One line for the log and the OperationOutcome: "partners added: x; clients removed: y; ...", or
  // "no change".
  [[nodiscard]] std::string summary() const;
};

// What `fresh` changes against `running`. `running_text`/`fresh_text`: the two files' YAML, to name the
// other top-level sections that changed (empty texts: not compared).
[[nodiscard]] config_changes compare(const gateway_config& running, const gateway_config& fresh,
                                     const std::string& running_text = {},
                                     const std::string& fresh_text = {});

// The restart-only keys whose values differ between `running` and `fresh` (both as loaded from a file, before
// with_bound_port).
[[nodiscard]] std::vector<std::string> restart_only_changes(const gateway_config& running,
                                                            const gateway_config& fresh);

// `fresh` with the running values of the restart-only settings: `running`'s server section (bound port and
// derived public_base_url included) except its TLS files, which come from `fresh` when both serve TLS; its
// store; its metrics listener.
[[nodiscard]] config_ptr keep_running_settings(const config_ptr& fresh, const gateway_config& running);

// Whether a delivery to `a` and to `b` is the same: URL, identifiers, credentials and window (with each
// config's delivery settings).
[[nodiscard]] bool same_medical_home(const medical_home& a, const gateway_config& config_a,
                                     const medical_home& b, const gateway_config& config_b);
[[nodiscard]] bool same_destination_auth(const destination_auth& a, const destination_auth& b);
[[nodiscard]] bool same_delivery(const delivery_settings& a, const delivery_settings& b);

}  // namespace homebase::config
