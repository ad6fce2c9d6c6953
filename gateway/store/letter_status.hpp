// letter_status: where a school letter is in its life (school_letters.status), and the one mapping
// between it and the text the store keeps.
//   queued -> sending -> sent | retrying (-> sending ...) | dead
//   blocked     the disclosure gate refused it when it was requested; never sent
//   cancelled   the gate refused it again before sending (revoked, expired, ...)
// The text of a status is its enumerator's name; the store's partial index school_letters_pending
// (migration 5) names the pending ones.
#pragma once

#include <iosfwd>
#include <optional>
#include <string_view>

namespace homebase::gateway::store {

enum class letter_status { queued, blocked, sending, retrying, sent, dead, cancelled };

[[nodiscard]] std::string_view to_string(letter_status status);
// The status a text names; nullopt for any other text (a row no version of the gateway wrote: callers
// report it as an error).
[[nodiscard]] std::optional<letter_status> parse_letter_status(std::string_view text);
// Still to be sent: queued, retrying, or sending (sending also when a stop left it so).
[[nodiscard]] bool is_pending(letter_status status);
// Writes to_string(status) (logs, test failures).
std::ostream& operator<<(std::ostream& out, letter_status status);

}  // namespace homebase::gateway::store
