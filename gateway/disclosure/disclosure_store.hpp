// disclosure_store: the rows of the disclosure tables (migration "Disclosure to schools" in
// store/sqlite_store.cpp) and the SQL that reads and writes them.
//   consents(id, child_id, status, version, body)   the family's Consent as last received (raw JSON);
//   consent_history(consent_id, version, body)       every version, so a revocation never erases the grant
//   school_letters(id, child_id, school_id, kind, request, status, reason, consent_id, attempts, ...)
//     status: queued -> sending -> sent | retrying (-> sending ...) | dead; blocked (at request);
//             cancelled (the gate refused it before sending: revoked, expired, ...)
//   the AuditEvents of letters are written and read by gateway/audit/audit_store (audit_events.letter_id)
// Write functions run inside a store job (writer thread); read functions take the read connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::disclosure {

struct consent_row {
  std::int64_t id = 0;
  std::int64_t child_id = 0;
  std::string status;
  int version = 1;
  std::string body;
  std::string received_at;
};

struct letter_row {
  std::int64_t id = 0;
  std::int64_t child_id = 0;
  std::string school_id;
  std::string kind;
  std::string request;  // the Parameters body as received
  std::string status;
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

// ---- writer side ----
std::int64_t insert_consent(store::write_tx& tx, std::int64_t child_id, const std::string& status,
                            const std::string& body, const std::string& now);
[[nodiscard]] std::optional<consent_row> find_consent(store::write_tx& tx, std::int64_t id);
void update_consent(store::write_tx& tx, std::int64_t id, const std::string& status, const std::string& body,
                    const std::string& now);
[[nodiscard]] std::vector<consent_row> consents_of_child(store::write_tx& tx, std::int64_t child_id);
std::int64_t insert_letter(store::write_tx& tx, const letter_row& letter);
[[nodiscard]] std::optional<letter_row> find_letter(store::write_tx& tx, std::int64_t id);
[[nodiscard]] std::vector<letter_row> letters_of_consent(store::write_tx& tx, std::int64_t consent_id);
// Sets status and reason (and, when not empty, the document); `attempted` counts an attempt.
void update_letter(store::write_tx& tx, std::int64_t id, const std::string& status, const std::string& reason,
                   const std::string& now, bool attempted = false, std::int64_t next_attempt_ms = 0,
                   const std::string* document = nullptr, const std::string* response = nullptr);

// ---- read side ----
// The letter to send next: due (queued or retrying past its time), or left `sending` by a stop.
[[nodiscard]] std::optional<letter_row> next_due_letter(store::sqlite_store& store, std::int64_t now_ms,
                                                        std::int64_t& next_due_ms);
[[nodiscard]] std::optional<letter_row> read_letter(store::sqlite_store& store, std::int64_t id);
[[nodiscard]] std::optional<consent_row> read_consent(store::sqlite_store& store, std::int64_t id);

}  // namespace homebase::gateway::disclosure
