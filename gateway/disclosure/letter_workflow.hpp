// letter_workflow: the steps of a school letter's life that change the store, each run inside one store
// job (writer thread), so that the disclosure gate always decides on committed state and a revocation
// and a send can never interleave: whichever commits first wins, and the other sees it.
//   request   gate -> letter row draft | blocked (+ AuditEvent for a block); steps requested + drafted
//   compose   gate -> the letter's content (mappers/disclosure/letter_composer) for the renderers: the
//             draft (watermarked) after the request, the signed letter at approval (read-only step)
//   keep_draft_rendering   the draft's PDF + HTML kept with the letter and as DocumentReference (preliminary)
//   approve   gate AGAIN on the approved request -> queued, signed PDF + HTML kept, DocumentReference final
//             (steps approved + queued) | cancelled when the gate now refuses
//   cancel    a person cancels a draft or a queued letter
//   claim     gate AGAIN right before sending -> sending (with what the channel needs: the document
//             Bundle, or the PDF) | cancelled (+ AuditEvent, + a Task for the care coordinator)
//   finish    the channel's answer -> sent (+ AuditEvent PrivacyDisclosure: to the school, or to the
//             parent for hand_carry) | retrying | dead
//   remind    a draft waiting longer than letters.approval_reminder_after -> a Task for the signer (once)
//   revoke    a Consent no longer active -> its drafts and queued letters cancelled (+ AuditEvent, Task);
//             letters already sent or in flight were disclosed in reliance: noted, never recalled
// Every step also appends a record_event (with its actor) to the child's coordination record, and an
// AuditEvent (a letter_step, or the disclosure's own).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/gateway_config.hpp"
#include "gateway/child/child_writer.hpp"
#include "gateway/store/letter_status.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/audit/audit_event_builder.hpp"
#include "mappers/disclosure/disclosure_gate.hpp"
#include "mappers/disclosure/letter_content.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::gateway::disclosure {

// A child's record as the writer sees it.
struct child_state {
  std::int64_t id = 0;
  mappers::model::coordination_record record;
};

[[nodiscard]] std::optional<child_state> load_child(store::write_tx& tx,
                                                    const mappers::model::identifier& key);
[[nodiscard]] std::optional<child_state> load_child_by_id(store::write_tx& tx, std::int64_t child_id);
// Saves the child through the child writer (gateway/child/child_writer): the record, the resource index
// and, when what the medical home gets changed (a coordinator's Task, say), a delivery to it.
void save_child(store::write_tx& tx, const config::gateway_config& config, child_state& child,
                child::save_kind why);

// Every stored Consent of the child that reads as a disclosure authorization (others are ignored: they
// permit nothing).
[[nodiscard]] std::vector<mappers::disclosure::authorization> authorizations_of(store::write_tx& tx,
                                                                                std::int64_t child_id);

[[nodiscard]] std::vector<mappers::model::identifier> school_identifiers(const config::school& school);

// Who took a step: the client (id, kind, address) and the request id; empty client id: the gateway.
using step_actor = mappers::audit::audit_record;

struct request_outcome {
  std::int64_t letter_id = 0;
  mappers::disclosure::gate_decision decision;
};
// Decides and records a new letter for `child` (whose record gets the event). `request_body`: the
// Parameters as received. Allowed: a draft, waiting for the signer.
request_outcome request_letter(store::write_tx& tx, child_state& child, const config::gateway_config& config,
                               const config::school& school,
                               const mappers::disclosure::letter_request& request,
                               const std::string& request_body, const std::string& now,
                               const step_actor& actor);

// The content of a letter to render. `approver`: the signing clinician's client (approval), or nullptr
// (the draft). `approved_request`: the request with the clinician's edits (empty: the stored one).
struct compose_outcome {
  int status = 200;     // 200, or the HTTP status of `problem` (404, 409, 422)
  std::string problem;  // why there is nothing to render
  std::string reason;   // 422: the gate's reason code
  mappers::disclosure::letter_content content;
  std::vector<mappers::disclosure::data_class> sections;  // the permitted sections of the letter
  std::string stored_request;                             // the request as stored (before any edits)
};
compose_outcome compose_letter(store::write_tx& tx, const config::gateway_config& config,
                               std::int64_t letter_id, const config::client* approver,
                               const std::string& approved_request, const std::string& now);

// The draft's rendering: kept when the letter is still a draft.
void keep_draft_rendering(store::write_tx& tx, const config::gateway_config& config, std::int64_t letter_id,
                          const std::string& pdf, const std::string& html, const std::string& now);

// Approval (the gate runs again). 200: queued; else the status and `problem` of the answer.
struct approve_outcome {
  int status = 200;
  std::string problem;
  std::string reason;  // 422: the gate's reason code (the letter is then cancelled)
  std::string document_id;
};
approve_outcome approve_letter(store::write_tx& tx, const config::gateway_config& config,
                               std::int64_t letter_id, const config::client& approver,
                               const std::string& approved_request, const std::string& pdf,
                               const std::string& html, const std::string& now, const step_actor& actor);

// A person cancels a draft or a queued (or retrying) letter. 200, 404 or 409 (already sent, cancelled).
struct cancel_outcome {
  int status = 200;
  std::string problem;
};
cancel_outcome cancel_letter(store::write_tx& tx, const config::gateway_config& config,
                             std::int64_t letter_id, const std::string& reason, const std::string& now,
                             const step_actor& actor);

// The child (row) a letter is about, and its medical home; nullopt: no such letter.
[[nodiscard]] std::optional<std::int64_t> letter_child(store::write_tx& tx, std::int64_t letter_id);

struct claim_outcome {
  bool send = false;  // true: send now by `channel`
  config::letter_channel_kind channel = config::letter_channel_kind::fhir;
  std::string document;          // fhir: the letter's document Bundle
  std::string school_url;        // fhir: [base]/Bundle
  std::string pdf;               // the signed PDF (bytes)
  std::string html;              // the signed HTML
  std::string subject;           // email: the subject line
  std::string filename;          // email: the attachment's name
  std::vector<std::string> to;   // email: the school's addresses
  std::string certificate_file;  // email: the school's S/MIME certificate, when any
  std::string reason;            // when not sent
};
claim_outcome claim_letter(store::write_tx& tx, const config::gateway_config& config, std::int64_t letter_id,
                           const std::string& now);

// `status`: sent | retrying | dead, with the channel's answer.
void finish_letter(store::write_tx& tx, const config::gateway_config& config, std::int64_t letter_id,
                   store::letter_status status, const std::string& detail, const std::string& response,
                   std::int64_t next_attempt_ms, const std::string& now);

// A draft that waited too long: a Task for the signing clinician (owner role pcp), once.
void remind(store::write_tx& tx, const config::gateway_config& config, std::int64_t letter_id,
            const std::string& now);

// After a Consent's update made it not active. Returns one line per letter affected (for the response).
std::vector<std::string> revoke(store::write_tx& tx, const config::gateway_config& config,
                                std::int64_t consent_id, const std::string& now);

}  // namespace homebase::gateway::disclosure
