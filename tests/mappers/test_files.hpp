// Helpers shared by the mappers tests: read fixture files below HOMEBASE_TEST_DATA_DIR.
#pragma once

#include <rapidjson/document.h>

#include <fstream>
#include <sstream>
#include <string>

namespace homebase::mappers::testing {

inline std::string data_path(const std::string& relative) {
  return std::string(HOMEBASE_TEST_DATA_DIR) + "/" + relative;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Parses a fixture; `flags` lets a test use the gateway's lossless number parsing.
template <unsigned flags = rapidjson::kParseDefaultFlags>
rapidjson::Document load_fixture(const std::string& relative) {
  rapidjson::Document doc;
  auto text = read_text(data_path(relative));
  doc.Parse<flags>(text.data(), text.size());
  return doc;
}

inline constexpr const char* seed_fixture = "fixtures/anjali-nicu-discharge.json";
inline constexpr const char* davinci_fixture =
    "fixtures/davinci-alerts/discharge-notification-message-bundle-01.json";

}  // namespace homebase::mappers::testing
