#include "gateway/store/letter_status.hpp"

#include <array>
#include <ostream>
#include <utility>

namespace homebase::gateway::store {
namespace {

using enum letter_status;
constexpr std::array<std::pair<letter_status, std::string_view>, 9> texts{{
    {draft, "draft"},
    {queued, "queued"},
    {blocked, "blocked"},
    {sending, "sending"},
    {retrying, "retrying"},
    {sent, "sent"},
    {delivered, "delivered"},
    {dead, "dead"},
    {cancelled, "cancelled"},
}};

}  // namespace

std::string_view to_string(letter_status status) {
  for (const auto& [s, text] : texts)
    if (s == status) return text;
  return "invalid";  // only a value cast from outside the enumeration
}

std::optional<letter_status> parse_letter_status(std::string_view text) {
  for (const auto& [s, t] : texts)
    if (t == text) return s;
  return std::nullopt;
}

bool is_pending(letter_status status) {
  return status == queued || status == retrying || status == sending;
}

std::ostream& operator<<(std::ostream& out, letter_status status) {
  return out << to_string(status);
}

}  // namespace homebase::gateway::store
