// delivery_payload: what one delivery carries to its medical home, the transaction Bundle built from the
// child's record as it is when it is sent (mappers/outbound/medical_home_transaction), with the sending
// partner (its first source endpoint, else its id) and the causing message's MessageHeader.id as the
// source. The delivery lanes (delivery_service) send it; `homebase dry-run` (gateway/cli) prints it, so
// what the dry run shows is what a lane would post. An outbox row of kind transfer_out (the old medical
// home's last delivery after the child changed home) carries farewell_payload instead: the farewell record
// frozen in the row at the transfer, reduced by mappers/outbound/transfer_farewell. Pure.
#pragma once

#include <string>

#include "config/gateway_config.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::gateway::delivery {

// The minified transaction Bundle for `record`, caused by message `header_id` of partner `partner_id`.
[[nodiscard]] std::string delivery_payload(const config::gateway_config& config,
                                           const mappers::model::coordination_record& record,
                                           const std::string& partner_id, const std::string& header_id);

// The old home's farewell Bundle from the row's farewell record: its CareTeam membership ended, its open
// Tasks cancelled, the transfer's Provenance (and the entries they refer to); nothing of the new home.
[[nodiscard]] std::string farewell_payload(const config::gateway_config& config,
                                           const mappers::model::coordination_record& farewell,
                                           const std::string& partner_id, const std::string& header_id);

}  // namespace homebase::gateway::delivery
