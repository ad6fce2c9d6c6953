// response_message: the message Bundle the gateway answers $process-message with (messaging.html): a new
// Bundle and MessageHeader whose response.identifier quotes the request's MessageHeader.id, code "ok",
// and, when there is anything to report (content not mapped, held as unroutable), an OperationOutcome
// referenced from response.details.
//
// The response is a pure function of what the store keeps (the raw body, the time it was received and
// the routing note) and of the gateway's public base URL: its ids are name-based UUIDs derived from the
// request's MessageHeader.id. So it is not stored; a duplicate request gets it rebuilt, byte for byte.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fhir/message_bundle.hpp"
#include "mappers/inbound/discharge_translator.hpp"

namespace homebase::gateway::pipeline {

struct response_inputs {
  const fhir::message_envelope* envelope = nullptr;
  const std::vector<mappers::inbound::mapping_note>* notes = nullptr;
  std::string gateway_endpoint;  // config server.public_base_url
  std::string received_at;       // ISO time the message was first received
  std::string route_note;        // non-empty: held as unroutable, and why
};

[[nodiscard]] std::string build_response_message(const response_inputs& in);

// Rebuilds the response of a stored message from its raw body (parsed and translated again).
// Returns nothing when the body no longer parses or translates (a gateway too different from the one
// that accepted it).
[[nodiscard]] std::optional<std::string> rebuild_response_message(std::string body,
                                                                  const std::string& gateway_endpoint,
                                                                  const std::string& received_at,
                                                                  const std::string& route_note);

}  // namespace homebase::gateway::pipeline
