// regex: the regular expressions of matches(), matchesFull() and replaceMatches(), without exceptions.
// Patterns follow the common ECMAScript / XML Schema subset used by FHIR: literals, '.', classes
// ([a-z], [^...], \d \w \s and their negations), groups ((...), (?:...), (?<name>...)), alternation,
// the quantifiers * + ? {n} {n,} {n,m} (greedy or lazy), anchors ^ $ and word boundaries \b \B.
// FHIRPath runs them in single-line mode: '.' matches a newline, ^ and $ match only at the ends.
// Matching is a Pike VM over UTF-8 code points: time is linear in the text for a given pattern (no
// catastrophic backtracking) and no recursion depends on the input. A compiled regex is immutable and
// may be shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace homebase::fhir::fhirpath {

class regex {
 public:
  // Compiles `pattern`; on failure `error` (when given) receives a message.
  [[nodiscard]] static std::optional<regex> compile(std::string_view pattern, std::string* error = nullptr);

  // matches(): whether the pattern matches somewhere in `text`.
  [[nodiscard]] bool search(std::string_view text) const;
  // matchesFull(): whether the pattern matches all of `text`.
  [[nodiscard]] bool full_match(std::string_view text) const;
  // replaceMatches(): every leftmost non-overlapping match replaced by `substitution`, in which $n
  // and ${n} name a numbered group, ${name} a named group, $& the whole match and $$ a dollar sign.
  [[nodiscard]] std::string replace_all(std::string_view text, std::string_view substitution) const;

  enum class op : std::uint8_t { chr, any, cls, split, jmp, save, match, begin, end, word, not_word };
  struct instruction {
    op code = op::match;
    std::uint32_t x = 0;  // chr: the code point; cls: class index; split/jmp: target; save: slot
    std::uint32_t y = 0;  // split: the second (lower priority) target
  };
  struct char_class {
    std::vector<std::pair<char32_t, char32_t>> ranges;  // sorted, disjoint, inclusive
  };

 private:
  // Runs the program from `start`; fills `slots` (2 per group) for the leftmost-first match.
  bool run(std::string_view text, std::size_t start, bool anchored_end,
           std::vector<std::size_t>* slots) const;

  std::vector<instruction> program_;
  std::vector<char_class> classes_;
  std::vector<std::string> group_names_;  // index = group number; empty for unnamed groups
  std::size_t groups_ = 1;                // including group 0, the whole match
};

}  // namespace homebase::fhir::fhirpath
