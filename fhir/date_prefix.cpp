#include "fhir/date_prefix.hpp"

#include <utility>

namespace homebase::fhir {

date_prefix split_date_prefix(std::string_view& value) {
  static constexpr std::pair<std::string_view, date_prefix> prefixes[] = {
      {"eq", date_prefix::eq}, {"ne", date_prefix::ne}, {"lt", date_prefix::lt}, {"gt", date_prefix::gt},
      {"le", date_prefix::le}, {"ge", date_prefix::ge}, {"sa", date_prefix::sa}, {"eb", date_prefix::eb}};
  for (const auto& [text, prefix] : prefixes)
    if (value.starts_with(text)) {
      value.remove_prefix(2);
      return prefix;
    }
  return date_prefix::eq;
}

bool date_matches(date_prefix prefix, const date_range& search, const date_range& target) {
  const bool contained = target.low >= search.low && target.high <= search.high;
  // Some instant of the target lies above (below) the whole search range.
  const bool above = target.high > search.high;
  const bool below = target.low < search.low;
  switch (prefix) {
    case date_prefix::eq:
      return contained;
    case date_prefix::ne:
      return !contained;
    case date_prefix::gt:
      return above;
    case date_prefix::lt:
      return below;
    case date_prefix::ge:
      return above || contained;
    case date_prefix::le:
      return below || contained;
    case date_prefix::sa:
      return target.low >= search.high;
    case date_prefix::eb:
      return target.high <= search.low;
  }
  return false;
}

}  // namespace homebase::fhir
