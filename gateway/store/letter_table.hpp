// letter_table: school letters (school_letters, migrations 5 and 13 in store/schema.cpp) behind a domain
// interface.
//   school_letters(id, child_id, school_id, kind, request, status, reason, consent_id, attempts,
//                  next_attempt_ms, document, response, created_at, updated_at, sent_at, channel,
//                  approved_by, approved_at, approved_request, pdf_base64, html, reminded)
//     channel     email | fhir | hand_carry (config schools[].channels)
//     approved_*  the medical_home client of the signing clinician, when, and the request as approved
//                 (its free text as the clinician edited it); empty while a draft
//     pdf_base64, html  the rendered letter: the draft (watermarked) until approval, then the signed one
//     status      store/letter_status (its one text mapping); a row whose status text is unknown is
//                 reported as an error, never read as some status
//     consent_id  the authorization the letter relies on (consent_table)
//   the AuditEvents of letters are kept by store/audit_table (audit_events.letter_id)
// Write functions run inside a store job (writer thread); read functions take the read connection.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/store/letter_status.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::store {

struct letter_row {
  std::int64_t id = 0;
  std::int64_t child_id = 0;
  std::string school_id;
  std::string kind;
  std::string request;  // the Parameters body as received
  letter_status status = letter_status::queued;
  std::string reason;
  std::optional<std::int64_t> consent_id;
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;
  std::string document;  // the document Bundle, once built for sending
  std::string response;  // the school's last answer (truncated)
  std::string created_at;
  std::string updated_at;
  std::string sent_at;
  std::string channel = "fhir";
  std::string approved_by;
  std::string approved_at;
  std::string approved_request;
  std::string pdf_base64;
  std::string html;
  bool reminded = false;
};

// A read of one letter: nullopt when there is none; the error names a row that cannot be read (its status
// text is unknown).
using letter_read = boost::system::result<std::optional<letter_row>, std::string>;
// A read of several letters; the error names a row that cannot be read.
using letters_read = boost::system::result<std::vector<letter_row>, std::string>;

namespace letter_table {

// ---- writer side ----
// A row that cannot be read (unknown status) fails the job: `tx` is then not ok and names the row.
std::int64_t insert(write_tx& tx, const letter_row& letter);
[[nodiscard]] std::optional<letter_row> find(write_tx& tx, std::int64_t id);
// Every letter under the Consent `consent_id`, oldest first.
[[nodiscard]] std::vector<letter_row> of_consent(write_tx& tx, std::int64_t consent_id);
// Sets status and reason (and, when not null, the document and the school's answer); `attempted` counts
// an attempt. The status sent also sets sent_at to `now`.
void update(write_tx& tx, std::int64_t id, letter_status status, const std::string& reason,
            const std::string& now, bool attempted = false, std::int64_t next_attempt_ms = 0,
            const std::string* document = nullptr, const std::string* response = nullptr);
// The authorization the letter relies on (the one the gate permitted it under when it was claimed).
void set_consent(write_tx& tx, std::int64_t id, std::int64_t consent_id);
// The rendered letter (the draft's, or the signed one's).
void set_rendering(write_tx& tx, std::int64_t id, const std::string& pdf_base64, const std::string& html);
// Approval: who and when, the request as approved; the status becomes queued, due at `due_ms`.
void approve(write_tx& tx, std::int64_t id, const std::string& approved_by, const std::string& approved_at,
             const std::string& approved_request, std::int64_t due_ms);
void set_reminded(write_tx& tx, std::int64_t id);

// ---- read side ----
// The letter to send next: due (queued or retrying past its time), or left `sending` by a stop. With
// none due, `next_due_ms` is when the next pending letter is due (INT64_MAX: none).
[[nodiscard]] letter_read next_due(sqlite_store& store, std::int64_t now_ms, std::int64_t& next_due_ms);
[[nodiscard]] letter_read read(sqlite_store& store, std::int64_t id);
// Drafts created before `created_before` (FHIR instant, compared as text) whose signer was not reminded.
[[nodiscard]] letters_read drafts_to_remind(sqlite_store& store, const std::string& created_before,
                                            int limit);
// Letters given up on (dead), for the operator's status page.
[[nodiscard]] std::int64_t count_dead(sqlite_store& store);
// The letters about the children routed to `medical_home` (children.medical_home) whose status is one of
// `statuses`, newest first, at most `limit` (the care coordinator's letters in flight).
[[nodiscard]] letters_read of_medical_home(sqlite_store& store, const std::string& medical_home,
                                           const std::vector<letter_status>& statuses, int limit);

}  // namespace letter_table
}  // namespace homebase::gateway::store
