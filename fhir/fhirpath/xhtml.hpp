// xhtml: the R4 narrative rules behind htmlChecks() (txt-1, txt-2 in narrative.html). A narrative div
// must be well-formed XML whose root is a `div` in the XHTML namespace; it may use only the basic
// formatting elements of HTML 4.0 chapters 7-11 (without 9.4, ins/del) and 15 (tt, i, b, big, small, hr),
// plus a, img, map and area, with their ordinary attributes; no scripts, objects, forms, frames, styles
// sheets, head/body, event attributes (on*) or javascript: links; and it must have some non-whitespace
// text or an image.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace homebase::fhir::fhirpath {

// The first problem with narrative `xhtml`, or empty when it passes.
[[nodiscard]] std::optional<std::string> narrative_problem(std::string_view xhtml);

}  // namespace homebase::fhir::fhirpath
