// record_codec: coordination_record <-> compact JSON, the form in which gateway/store keeps model rows.
// The format is versioned by the "v" member; decode refuses versions it does not know.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::model {

[[nodiscard]] std::string encode(const coordination_record& record);
[[nodiscard]] std::optional<coordination_record> decode(std::string_view json);

}  // namespace homebase::mappers::model
