#include "gateway/pipeline/partner_concept_maps.hpp"

#include <fstream>
#include <sstream>

namespace homebase::gateway::pipeline {

std::shared_ptr<const partner_concept_maps> partner_concept_maps::load(const config::gateway_config& config,
                                                                       const fhir::validator& validator) {
  auto out = std::make_shared<partner_concept_maps>();
  for (const auto& partner : config.partners) {
    auto& maps = out->by_partner_[partner.id];
    for (const auto& file : partner.concept_maps) {
      std::ifstream in(file.path, std::ios::binary);
      std::ostringstream text;
      if (in) text << in.rdbuf();
      if (!in) throw config::config_error(file.origin + ": ConceptMap " + file.path + ": cannot be read");
      auto loaded = mappers::terminology::load_concept_map(std::string_view(text.str()), validator);
      if (!loaded.map)
        throw config::config_error(file.origin + ": ConceptMap " + file.path + ": " + loaded.error);
      maps.push_back(std::move(*loaded.map));
    }
  }
  return out;
}

const std::vector<mappers::terminology::concept_map>& partner_concept_maps::for_partner(
    std::string_view id) const {
  static const std::vector<mappers::terminology::concept_map> none;
  auto it = by_partner_.find(id);
  return it == by_partner_.end() ? none : it->second;
}

}  // namespace homebase::gateway::pipeline
