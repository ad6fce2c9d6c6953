// letter_pdf: a school letter laid out as a PDF (issue 12 item 2) through cairo + pango (fonts through
// fontconfig, so non-Latin names render with the installed Noto fonts). Pure apart from the library:
// no I/O beyond an in-memory cairo stream; safe on any thread (each call has its own surface).
#pragma once

#include <boost/system/result.hpp>
#include <string>

#include "mappers/disclosure/letter_content.hpp"

namespace homebase::gateway::letters {

// The PDF bytes, or an error text (a cairo/pango failure). Never throws.
[[nodiscard]] boost::system::result<std::string, std::string> render_pdf(
    const mappers::disclosure::letter_content& letter);

}  // namespace homebase::gateway::letters
