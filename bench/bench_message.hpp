// bench_message: the messages the Google Benchmark programs measure, read from the repository with the
// load driver's placeholders filled with fixed values (one child, one message id).
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <utility>

namespace homebase::bench {

// `relative` to the source tree (HOMEBASE_SOURCE_DIR, set by bench/CMakeLists.txt).
inline std::string load_message(const std::string& relative) {
  std::ifstream in(std::string(HOMEBASE_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"{{BUNDLE_ID}}", "5b0c1f8e-2d1a-4c1e-9a55-0b9f0e4f8a01"},
        {"{{HEADER_ID}}", "7c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5"},
        {"{{MRN}}", "LOAD-0-1"}}) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at))
      text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace homebase::bench
