#include "gateway/delivery/delivery_payload.hpp"

#include "mappers/outbound/medical_home_transaction.hpp"
#include "mappers/outbound/transfer_farewell.hpp"

namespace homebase::gateway::delivery {

std::string delivery_payload(const config::gateway_config& config,
                             const mappers::model::coordination_record& record, const std::string& partner_id,
                             const std::string& header_id) {
  std::string source = partner_id;
  if (const auto* partner = config.find_partner(partner_id); partner && !partner->source_endpoints.empty())
    source = partner->source_endpoints.front();
  return mappers::outbound::to_transaction_bundle(record, {source, header_id});
}

std::string farewell_payload(const config::gateway_config& config,
                             const mappers::model::coordination_record& farewell,
                             const std::string& partner_id, const std::string& header_id) {
  return mappers::outbound::farewell_bundle(delivery_payload(config, farewell, partner_id, header_id));
}

}  // namespace homebase::gateway::delivery
