// letter_table: school letters (school_letters, migration 5 in store/sqlite_store.cpp) behind a domain
// interface.
//   school_letters(id, child_id, school_id, kind, request, status, reason, consent_id, attempts,
//                  next_attempt_ms, document, response, created_at, updated_at, sent_at)
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

// ---- read side ----
// The letter to send next: due (queued or retrying past its time), or left `sending` by a stop. With
// none due, `next_due_ms` is when the next pending letter is due (INT64_MAX: none).
[[nodiscard]] letter_read next_due(sqlite_store& store, std::int64_t now_ms, std::int64_t& next_due_ms);
[[nodiscard]] letter_read read(sqlite_store& store, std::int64_t id);
// The letters about the children routed to `medical_home` (children.medical_home) whose status is one of
// `statuses`, newest first, at most `limit` (the care coordinator's letters in flight).
[[nodiscard]] letters_read of_medical_home(sqlite_store& store, const std::string& medical_home,
                                           const std::vector<letter_status>& statuses, int limit);

}  // namespace letter_table
}  // namespace homebase::gateway::store
