// signature_time: a FHIR instant as a letter prints it in its signature line ("Electronically signed on
// December 6, 2026 at 14:03 UTC"). Pure; shared by the PDF and HTML renderings so both say the same.
#pragma once

#include <string>

namespace homebase::gateway::letters {

// "2026-12-06T14:03:27.123Z" -> "December 6, 2026 at 14:03 UTC"; "...T09:03:00-05:00" ->
// "December 6, 2026 at 09:03 UTC-05:00". Text that is not such an instant is returned as given.
[[nodiscard]] std::string printed_instant(const std::string& instant);

}  // namespace homebase::gateway::letters
