// xml_text: escaping text for XML/XHTML content and attribute values (narratives, FHIRPath escape('html')).
#pragma once

#include <string>
#include <string_view>

namespace homebase::fhir {

// Replaces < > & " ' with their character references; everything else is copied as is.
[[nodiscard]] std::string escape_xml(std::string_view text);

}  // namespace homebase::fhir
