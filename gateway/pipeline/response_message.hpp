// response_message: the message Bundle the gateway answers $process-message with (messaging.html): a new
// Bundle and MessageHeader whose response.identifier quotes the request's MessageHeader.id, code "ok",
// and, when there is anything to report (validation warnings, content not mapped, held as unroutable), an
// OperationOutcome referenced from response.details.
//
// The response is a pure function of what the store keeps (the raw body, the time it was received and
// the routing note), of the gateway's public base URL and of the validator: its ids are name-based UUIDs
// derived from the request's MessageHeader.id. So it is not stored; a duplicate request gets it rebuilt, byte
// for byte.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fhir/message_bundle.hpp"
#include "fhir/operation_outcome.hpp"
#include "fhir/validation/validator.hpp"
#include "mappers/inbound/translation.hpp"
#include "mappers/terminology/concept_map.hpp"

namespace homebase::gateway::pipeline {

// The route note of a message held for patient matching (status held_for_match): the response says that
// a person will decide which child it is about, rather than that it is unroutable.
[[nodiscard]] std::string held_for_match_note(std::string_view reason);
[[nodiscard]] bool is_held_for_match(std::string_view route_note);
// The reason part of such a note.
[[nodiscard]] std::string_view held_for_match_reason(std::string_view route_note);

struct response_inputs {
  const fhir::message_envelope* envelope = nullptr;
  const std::vector<mappers::inbound::mapping_note>* notes = nullptr;
  const std::vector<fhir::issue>* validation_notes = nullptr;  // from response_notes()
  std::string gateway_endpoint;                                // config server.public_base_url
  std::string received_at;                                     // ISO time the message was first received
  std::string route_note;                                      // non-empty: held as unroutable, and why
};

[[nodiscard]] std::string build_response_message(const response_inputs& in);

// The warnings of a message's validation that its response reports (and a 422 lists after the errors):
// every warning except those that only say a constraint could not be evaluated (code `processing`: a
// limit of the gateway, nothing the sender can act on) and dom-6 ("a resource should have narrative", a
// best-practice guideline that message content rarely meets: it would add one note per entry). Errors
// never get here: they reject the message. $validate and `homebase validate` report everything.
[[nodiscard]] std::vector<fhir::issue> response_notes(const fhir::operation_outcome& validation);

// Rebuilds the response of a stored message from its raw body (parsed, validated, code-translated with
// `concept_maps`, the sending partner's maps, and translated again, as at ingest).
// The body is validated leniently (unknown elements as warnings): for a message that was accepted, that
// gives the warnings it got whichever mode its partner had, since strict and lenient differ only on
// unknown elements, which a strict partner's accepted message does not have.
// Returns nothing when the body no longer parses or translates (a gateway too different from the one that
// accepted it).
// `merge_notes`: what the merge noted when the message was processed (stored with it), reported after the
// translation's notes.
[[nodiscard]] std::optional<std::string> rebuild_response_message(
    std::string body, const std::string& gateway_endpoint, const std::string& received_at,
    const std::string& route_note,
    const std::vector<mappers::terminology::concept_map>* concept_maps = nullptr,
    const fhir::validator& validator = fhir::validator(),
    const std::vector<mappers::inbound::mapping_note>& merge_notes = {});

// The answer to a discharge document POSTed to /fhir/Bundle: an OperationOutcome listing the validation
// warnings, the mapping notes and the routing note; one `informational` issue when there is nothing else
// to say (an OperationOutcome needs an issue).
[[nodiscard]] std::string build_document_outcome(const std::vector<mappers::inbound::mapping_note>& notes,
                                                 const std::vector<fhir::issue>& validation_notes,
                                                 const std::string& route_note);

// Rebuilds the answer to a stored document (as rebuild_response_message does for a message), so that a
// repeat gets the same bytes.
[[nodiscard]] std::optional<std::string> rebuild_document_outcome(
    std::string body, const std::string& route_note,
    const std::vector<mappers::terminology::concept_map>* concept_maps, const fhir::validator& validator,
    const std::vector<mappers::inbound::mapping_note>& merge_notes);

// merge notes <-> the text kept in messages.merge_notes: one note per line, "severity TAB subject TAB text"
// (none of them holds a tab or a newline: those are replaced by spaces).
[[nodiscard]] std::string encode_notes(const std::vector<mappers::inbound::mapping_note>& notes);
[[nodiscard]] std::vector<mappers::inbound::mapping_note> decode_notes(std::string_view text);

}  // namespace homebase::gateway::pipeline
