// outbound_check: the last look at a transaction Bundle before it goes to a medical home. The medical
// home must receive only valid R4; the Bundle is built by our own mappers from the child's record, so an
// error here is a defect of Homebase (or of a record stored by an older version), never a reason to retry.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace homebase::gateway::delivery {

// Empty when `payload` is a valid R4 resource; else why not (the first few errors with their paths).
[[nodiscard]] std::optional<std::string> outbound_problems(std::string_view payload);

}  // namespace homebase::gateway::delivery
