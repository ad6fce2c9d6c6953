// fhir_time: FHIR date and dateTime text as seconds since the Unix epoch (UTC), for comparing an
// authorization's period with `now`. A partial date stands for its whole span: as a start it means its
// first second, as an end its last (an authorization that "expires 2027-06-30" holds all that day).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace homebase::mappers::disclosure {

enum class time_bound { start, end };

// nullopt when `text` is not a FHIR date/dateTime/instant.
[[nodiscard]] std::optional<std::int64_t> fhir_epoch_seconds(std::string_view text, time_bound bound);

}  // namespace homebase::mappers::disclosure
