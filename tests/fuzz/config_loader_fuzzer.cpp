// config_loader_fuzzer: YAML text -> config::load_text. A bad config is refused at start-up by design, with
// config_error (or yaml-cpp's own exception for text that is not YAML); anything else escaping the loader
// (std::out_of_range from a conversion, a crash, a sanitizer report) is a finding.
#include <yaml-cpp/exceptions.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/gateway_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string yaml(reinterpret_cast<const char*>(data), size);
  try {
    // Relative file names (store, TLS files, ConceptMaps) resolve under a directory that does not exist.
    auto config = homebase::config::load_text(yaml, "<fuzz>", "/nonexistent/homebase-fuzz");
    (void)homebase::config::with_bound_port(config, 8080);
  } catch (const homebase::config::config_error&) {
  } catch (const YAML::Exception&) {
  }
  return 0;
}
