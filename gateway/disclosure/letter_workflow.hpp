// letter_workflow: the steps of a school letter's life that change the store, each run inside one store
// job (writer thread), so that the disclosure gate always decides on committed state and a revocation
// and a send can never interleave: whichever commits first wins, and the other sees it.
//   request   gate -> letter row queued | blocked (+ AuditEvent for a block)
//   claim     gate AGAIN right before sending -> sending (with the document built from the permitted
//             sections) | cancelled (+ AuditEvent, + a Task for the care coordinator)
//   finish    the school's answer -> sent (+ AuditEvent PrivacyDisclosure) | retrying | dead
//   revoke    a Consent no longer active -> its queued letters cancelled (+ AuditEvent, Task); letters
//             already sent or in flight were disclosed in reliance: noted, never recalled
// Every step also appends a record_event to the child's coordination record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/gateway_config.hpp"
#include "gateway/child/child_writer.hpp"
#include "gateway/store/letter_status.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/disclosure/disclosure_gate.hpp"
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

struct request_outcome {
  std::int64_t letter_id = 0;
  mappers::disclosure::gate_decision decision;
};
// Decides and records a new letter for `child` (whose record gets the event). `request_body`: the
// Parameters as received.
request_outcome request_letter(store::write_tx& tx, child_state& child, const config::gateway_config& config,
                               const config::school& school,
                               const mappers::disclosure::letter_request& request,
                               const std::string& request_body, const std::string& now);

struct claim_outcome {
  bool send = false;       // true: post `document` to the school now
  std::string document;    // the letter's document Bundle
  std::string school_url;  // [base]/Bundle
  std::string reason;      // when not sent
};
claim_outcome claim_letter(store::write_tx& tx, const config::gateway_config& config, std::int64_t letter_id,
                           const std::string& now);

// `status`: sent | retrying | dead, with the school's answer.
void finish_letter(store::write_tx& tx, const config::gateway_config& config, std::int64_t letter_id,
                   store::letter_status status, const std::string& detail, const std::string& response,
                   std::int64_t next_attempt_ms, const std::string& now);

// After a Consent's update made it not active. Returns one line per letter affected (for the response).
std::vector<std::string> revoke(store::write_tx& tx, const config::gateway_config& config,
                                std::int64_t consent_id, const std::string& now);

}  // namespace homebase::gateway::disclosure
