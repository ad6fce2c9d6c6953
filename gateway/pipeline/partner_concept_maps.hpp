// partner_concept_maps: every partner's ConceptMaps (config partners[].concept_maps), read and loaded once
// at start-up, then immutable and shared by every connection's strand, the duplicate path and the admin
// view (which rebuild a response with the same maps).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/gateway_config.hpp"
#include "fhir/validation/validator.hpp"
#include "mappers/terminology/concept_map.hpp"

namespace homebase::gateway::pipeline {

class partner_concept_maps {
 public:
  // Reads and loads each file named in the config. Throws config::config_error (start-up only) when a file
  // cannot be read or is not a valid R4 ConceptMap, naming the config entry (file:line:key), the map's
  // file and the first error with its path; the gateway then refuses to start.
  [[nodiscard]] static std::shared_ptr<const partner_concept_maps> load(const config::gateway_config& config,
                                                                        const fhir::validator& validator);

  // The partner's maps in config order; empty when it has none.
  [[nodiscard]] const std::vector<mappers::terminology::concept_map>& for_partner(std::string_view id) const;

 private:
  std::map<std::string, std::vector<mappers::terminology::concept_map>, std::less<>> by_partner_;
};

using concept_maps_ptr = std::shared_ptr<const partner_concept_maps>;

}  // namespace homebase::gateway::pipeline
