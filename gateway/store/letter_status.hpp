// letter_status: where a school letter is in its life (school_letters.status), and the one mapping
// between it and the text the store keeps.
//   draft -> queued -> sending -> sent (-> delivered) | retrying (-> sending ...) | dead
//   draft       requested and drafted: the gate allowed it, the permitted sections are assembled; it waits
//               for the signing clinician's approval (never sent as a draft)
//   queued      approved and signed by the clinician; waits for the sender
//   sent        the channel took it (FHIR 2xx, SMTP 250, handed to the family); not a read receipt
//   delivered   a receipt came back (reserved: no channel reports one yet)
//   blocked     the disclosure gate refused it when it was requested; never sent
//   cancelled   the gate refused it again (at approval or before sending), or a person cancelled it
// The text of a status is its enumerator's name; the store's partial index school_letters_pending
// (migration 5) names the pending ones.
#pragma once

#include <iosfwd>
#include <optional>
#include <string_view>

namespace homebase::gateway::store {

enum class letter_status { draft, queued, blocked, sending, retrying, sent, delivered, dead, cancelled };

[[nodiscard]] std::string_view to_string(letter_status status);
// The status a text names; nullopt for any other text (a row no version of the gateway wrote: callers
// report it as an error).
[[nodiscard]] std::optional<letter_status> parse_letter_status(std::string_view text);
// Still to be sent: queued, retrying, or sending (sending also when a stop left it so).
[[nodiscard]] bool is_pending(letter_status status);
// Writes to_string(status) (logs, test failures).
std::ostream& operator<<(std::ostream& out, letter_status status);

}  // namespace homebase::gateway::store
