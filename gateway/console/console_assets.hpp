// console_assets: the console's static files (HTML, CSS, JavaScript, images), embedded into the binary at
// build time: cmake/embed_assets.cmake turns every file directly in gateway/console/assets/ into a byte
// array (gateway/CMakeLists.txt globs the directory with CONFIGURE_DEPENDS, so a new file is picked up by
// the next build). No file is read at run time. Content types follow the file's extension.
#pragma once

#include <span>
#include <string_view>

namespace homebase::gateway::console {

struct embedded_asset {
  std::string_view name;  // the file name, e.g. "console.css"
  std::string_view data;
};

// nullptr when there is no such file.
[[nodiscard]] const embedded_asset* find_asset(std::string_view name);
[[nodiscard]] std::span<const embedded_asset> all_assets();

// "text/css; charset=utf-8" for "console.css", ...; application/octet-stream for an unknown extension.
[[nodiscard]] std::string_view content_type_of(std::string_view name);

}  // namespace homebase::gateway::console
