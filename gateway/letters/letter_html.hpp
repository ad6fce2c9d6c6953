// letter_html: the same school letter as one accessible HTML document (issue 12 item 2): lang attribute,
// headings in order, a real list for items, no layout tables, every text escaped, inline CSS only (it is
// mailed and stored, so it references nothing outside itself).
#pragma once

#include <string>

#include "mappers/disclosure/letter_content.hpp"

namespace homebase::gateway::letters {

[[nodiscard]] std::string render_html(const mappers::disclosure::letter_content& letter);

}  // namespace homebase::gateway::letters
