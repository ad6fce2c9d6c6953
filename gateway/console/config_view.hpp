// config_view: the config in force as JSON for the operator's console page, with every secret and key left
// out: no password hashes, client JWK Sets or certificate fingerprints, bearer tokens, private key or
// certificate files (only whether they are set). What is shown: listeners and limits, store, delivery,
// partners, medical homes (and how deliveries authenticate), schools, clients (kind, scopes, roles),
// coordination rules switched on, console users (name, role, home). Pure.
#pragma once

#include <string>

#include "config/gateway_config.hpp"

namespace homebase::gateway::console {

[[nodiscard]] std::string redacted_config_json(const config::gateway_config& config);

}  // namespace homebase::gateway::console
