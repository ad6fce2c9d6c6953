// uuid: random (version 4) UUIDs for the ids the gateway assigns (response messages).
#pragma once

#include <string>

namespace homebase::gateway::pipeline {

// Lower-case 8-4-4-4-12 text; thread-safe (one generator per thread).
[[nodiscard]] std::string new_uuid();

}  // namespace homebase::gateway::pipeline
