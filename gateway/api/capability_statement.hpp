// capability_statement: GET /fhir/metadata, listing exactly what this gateway implements:
// the system operation $process-message and the message events it receives (reliable messaging), and the
// operation $validate.
#pragma once

#include <string>

#include "config/gateway_config.hpp"

namespace homebase::gateway::api {

[[nodiscard]] std::string capability_statement(const config::gateway_config& config,
                                               const std::string& started_at);

}  // namespace homebase::gateway::api
