#include "fhir/fhirpath/regex.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace homebase::fhir::fhirpath {

namespace {

constexpr std::size_t max_program = 20000;  // instructions, after expanding counted repetitions
constexpr int max_nesting = 200;            // group depth
constexpr int max_count = 1000;             // the n and m of {n,m}
constexpr char32_t max_code_point = 0x10FFFF;

// Decodes the UTF-8 code point at `pos`; an invalid byte reads as itself (one byte).
char32_t decode_at(std::string_view s, std::size_t pos, std::size_t& length) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(pos);
  length = 1;
  if (b0 < 0x80) return b0;
  std::size_t need = b0 >= 0xF0 ? 3 : (b0 >= 0xE0 ? 2 : (b0 >= 0xC0 ? 1 : 0));
  if (need == 0 || b0 > 0xF4 || pos + need >= s.size()) return b0;
  char32_t code = b0 & (0x3F >> need);
  for (std::size_t i = 1; i <= need; ++i) {
    unsigned char b = byte(pos + i);
    if ((b & 0xC0) != 0x80) return b0;
    code = (code << 6) | (b & 0x3F);
  }
  length = need + 1;
  return code;
}

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

using range_list = std::vector<std::pair<char32_t, char32_t>>;

void normalise(range_list& r) {
  std::sort(r.begin(), r.end());
  range_list out;
  for (const auto& [lo, hi] : r) {
    if (!out.empty() && lo <= out.back().second + 1) {
      out.back().second = std::max(out.back().second, hi);
    } else {
      out.emplace_back(lo, hi);
    }
  }
  r = std::move(out);
}

range_list complement(range_list r) {
  normalise(r);
  range_list out;
  char32_t next = 0;
  for (const auto& [lo, hi] : r) {
    if (lo > next) out.emplace_back(next, lo - 1);
    next = hi + 1;
  }
  if (next <= max_code_point) out.emplace_back(next, max_code_point);
  return out;
}

range_list digit_ranges() {
  return {{'0', '9'}};
}
range_list word_ranges() {
  return {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
}
range_list space_ranges() {
  return {{'\t', '\r'},     {' ', ' '},       {0xA0, 0xA0},     {0x1680, 0x1680}, {0x2000, 0x200A},
          {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};
}

struct re_node {
  enum class kind { empty, literal, any, cls, group, concat, alt, repeat, begin, end, word, not_word };
  kind k = kind::empty;
  char32_t c = 0;
  std::uint32_t index = 0;  // class index, or group number (0: not capturing)
  int min = 0;
  int max = -1;  // -1: unbounded
  bool greedy = true;
  std::vector<re_node> children;
};

class pattern_parser {
 public:
  explicit pattern_parser(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
      std::size_t length = 1;
      chars_.push_back(decode_at(text, i, length));
      i += length;
    }
  }

  std::optional<re_node> parse() {
    auto n = parse_alternation(0);
    if (!n) return std::nullopt;
    if (pos_ != chars_.size()) return fail("unbalanced ')'");
    return n;
  }

  std::string error;
  std::vector<regex::char_class> classes;
  std::vector<std::string> group_names{""};

 private:
  bool at_end() const { return pos_ >= chars_.size(); }
  char32_t peek(std::size_t ahead = 0) const {
    return pos_ + ahead < chars_.size() ? chars_[pos_ + ahead] : static_cast<char32_t>(0);
  }
  std::optional<re_node> fail(std::string message) {
    if (error.empty()) error = std::move(message);
    return std::nullopt;
  }

  std::optional<re_node> parse_alternation(int depth) {
    if (depth > max_nesting) return fail("groups nested too deeply");
    re_node alt;
    alt.k = re_node::kind::alt;
    while (true) {
      auto branch = parse_concat(depth);
      if (!branch) return std::nullopt;
      alt.children.push_back(std::move(*branch));
      if (at_end() || peek() != '|') break;
      ++pos_;
    }
    if (alt.children.size() == 1) return std::move(alt.children[0]);
    return alt;
  }

  std::optional<re_node> parse_concat(int depth) {
    re_node seq;
    seq.k = re_node::kind::concat;
    while (!at_end() && peek() != '|' && peek() != ')') {
      auto atom = parse_atom(depth);
      if (!atom) return std::nullopt;
      auto repeated = parse_quantifier(std::move(*atom));
      if (!repeated) return std::nullopt;
      seq.children.push_back(std::move(*repeated));
    }
    if (seq.children.size() == 1) return std::move(seq.children[0]);
    if (seq.children.empty()) seq.k = re_node::kind::empty;
    return seq;
  }

  // Reads a decimal number of at most 4 digits; empty when there is none.
  std::optional<int> read_count() {
    int value = 0;
    std::size_t digits = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      if (digits < 5) value = value * 10 + static_cast<int>(peek() - '0');
      ++digits;
      ++pos_;
    }
    if (digits == 0) return std::nullopt;
    return digits > 4 ? max_count + 1 : value;
  }

  std::optional<re_node> parse_quantifier(re_node atom) {
    if (at_end()) return atom;
    int min = 0;
    int max = -1;
    char32_t c = peek();
    if (c == '*') {
      ++pos_;
    } else if (c == '+') {
      min = 1;
      ++pos_;
    } else if (c == '?') {
      max = 1;
      ++pos_;
    } else if (c == '{') {
      std::size_t saved = pos_;
      ++pos_;
      auto n = read_count();
      bool valid = n.has_value();
      if (valid) {
        min = *n;
        max = *n;
        if (!at_end() && peek() == ',') {
          ++pos_;
          auto m = read_count();
          max = m ? *m : -1;
        }
        valid = !at_end() && peek() == '}';
      }
      if (!valid) {  // not a quantifier: '{' is a literal
        pos_ = saved;
        return atom;
      }
      ++pos_;
      if (min > max_count || max > max_count) return fail("repetition count too large");
      if (max >= 0 && max < min) return fail("repetition {n,m} with m < n");
    } else {
      return atom;
    }
    if (atom.k == re_node::kind::begin || atom.k == re_node::kind::end || atom.k == re_node::kind::word ||
        atom.k == re_node::kind::not_word)
      return fail("quantifier after an assertion");
    re_node r;
    r.k = re_node::kind::repeat;
    r.min = min;
    r.max = max;
    if (!at_end() && peek() == '?') {
      r.greedy = false;
      ++pos_;
    }
    if (!at_end() && (peek() == '*' || peek() == '+' || peek() == '?')) return fail("nothing to repeat");
    r.children.push_back(std::move(atom));
    return r;
  }

  re_node class_node(range_list ranges) {
    normalise(ranges);
    re_node n;
    n.k = re_node::kind::cls;
    n.index = static_cast<std::uint32_t>(classes.size());
    classes.push_back(regex::char_class{std::move(ranges)});
    return n;
  }

  static re_node literal(char32_t c) {
    re_node n;
    n.k = re_node::kind::literal;
    n.c = c;
    return n;
  }

  std::optional<char32_t> read_hex(std::size_t digits) {
    char32_t value = 0;
    for (std::size_t i = 0; i < digits; ++i) {
      if (at_end()) return std::nullopt;
      char32_t h = peek();
      value <<= 4;
      if (h >= '0' && h <= '9')
        value |= h - '0';
      else if (h >= 'a' && h <= 'f')
        value |= h - 'a' + 10;
      else if (h >= 'A' && h <= 'F')
        value |= h - 'A' + 10;
      else
        return std::nullopt;
      ++pos_;
    }
    return value;
  }

  // An escape after '\' (already consumed): a single character, or a class in `ranges`.
  bool read_escape(char32_t& single, std::optional<range_list>& ranges, bool in_class) {
    if (at_end()) {
      fail("pattern ends with '\\'");
      return false;
    }
    char32_t e = peek();
    ++pos_;
    switch (e) {
      case 'd':
        ranges = digit_ranges();
        return true;
      case 'D':
        ranges = complement(digit_ranges());
        return true;
      case 'w':
        ranges = word_ranges();
        return true;
      case 'W':
        ranges = complement(word_ranges());
        return true;
      case 's':
        ranges = space_ranges();
        return true;
      case 'S':
        ranges = complement(space_ranges());
        return true;
      case 'n':
        single = '\n';
        return true;
      case 'r':
        single = '\r';
        return true;
      case 't':
        single = '\t';
        return true;
      case 'f':
        single = '\f';
        return true;
      case 'v':
        single = '\v';
        return true;
      case '0':
        single = 0;
        return true;
      case 'b':
        single = '\b';  // only reached inside a class
        return in_class;
      case 'x': {
        auto h = read_hex(2);
        if (!h) {
          fail("invalid \\x escape");
          return false;
        }
        single = *h;
        return true;
      }
      case 'u': {
        if (!at_end() && peek() == '{') {
          ++pos_;
          char32_t value = 0;
          std::size_t digits = 0;
          while (!at_end() && peek() != '}' && digits < 7) {
            auto h = read_hex(1);
            if (!h) break;
            value = (value << 4) | *h;
            ++digits;
          }
          if (digits == 0 || at_end() || peek() != '}' || value > max_code_point) {
            fail("invalid \\u{...} escape");
            return false;
          }
          ++pos_;
          single = value;
          return true;
        }
        auto h = read_hex(4);
        if (!h) {
          fail("invalid \\u escape");
          return false;
        }
        single = *h;
        return true;
      }
      case 'p':
      case 'P':
        fail("unicode property escapes (\\p) are not supported");
        return false;
      default:
        if ((e >= '1' && e <= '9') || e == 'k') {
          fail("back references are not supported");
          return false;
        }
        if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) {
          fail(std::string("unknown escape \\") + static_cast<char>(e));
          return false;
        }
        single = e;
        return true;
    }
  }

  std::optional<re_node> parse_class() {
    // '[' consumed
    bool negate = false;
    if (!at_end() && peek() == '^') {
      negate = true;
      ++pos_;
    }
    range_list ranges;
    while (true) {
      if (at_end()) return fail("missing ']'");
      char32_t c = peek();
      if (c == ']') {
        ++pos_;
        break;
      }
      ++pos_;
      char32_t lo = c;
      if (c == '\\') {
        std::optional<range_list> set;
        if (!read_escape(lo, set, true)) return std::nullopt;
        if (set) {
          ranges.insert(ranges.end(), set->begin(), set->end());
          continue;
        }
      } else if (c == '[' && !at_end() && peek() == ':') {
        return fail("POSIX classes are not supported");
      }
      char32_t hi = lo;
      if (!at_end() && peek() == '-' && pos_ + 1 < chars_.size() && chars_[pos_ + 1] != ']') {
        ++pos_;
        char32_t h = peek();
        ++pos_;
        if (h == '\\') {
          std::optional<range_list> set;
          if (!read_escape(h, set, true)) return std::nullopt;
          if (set) return fail("class escape as a range bound");
        }
        hi = h;
        if (hi < lo) return fail("range out of order in class");
      }
      ranges.emplace_back(lo, hi);
    }
    if (negate) ranges = complement(std::move(ranges));
    return class_node(std::move(ranges));
  }

  std::optional<re_node> parse_atom(int depth) {
    char32_t c = peek();
    ++pos_;
    switch (c) {
      case '.': {
        re_node n;
        n.k = re_node::kind::any;
        return n;
      }
      case '^': {
        re_node n;
        n.k = re_node::kind::begin;
        return n;
      }
      case '$': {
        re_node n;
        n.k = re_node::kind::end;
        return n;
      }
      case '[':
        return parse_class();
      case '(': {
        re_node g;
        g.k = re_node::kind::group;
        if (!at_end() && peek() == '?') {
          if (peek(1) == ':') {
            pos_ += 2;
          } else if (peek(1) == '<' && peek(2) != '=' && peek(2) != '!') {
            pos_ += 2;
            std::string name;
            while (!at_end() && peek() != '>') {
              char32_t n = peek();
              if (!((n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') || (n >= '0' && n <= '9') || n == '_'))
                return fail("invalid group name");
              name += static_cast<char>(n);
              ++pos_;
            }
            if (at_end() || name.empty()) return fail("invalid group name");
            ++pos_;
            g.index = static_cast<std::uint32_t>(group_names.size());
            group_names.push_back(std::move(name));
          } else {
            return fail("lookaround groups are not supported");
          }
        } else {
          g.index = static_cast<std::uint32_t>(group_names.size());
          group_names.emplace_back();
        }
        auto inner = parse_alternation(depth + 1);
        if (!inner) return std::nullopt;
        if (at_end() || peek() != ')') return fail("missing ')'");
        ++pos_;
        g.children.push_back(std::move(*inner));
        return g;
      }
      case ')':
        return fail("unbalanced ')'");
      case '*':
      case '+':
      case '?':
        return fail("nothing to repeat");
      case '\\': {
        if (!at_end() && (peek() == 'b' || peek() == 'B')) {
          re_node n;
          n.k = peek() == 'b' ? re_node::kind::word : re_node::kind::not_word;
          ++pos_;
          return n;
        }
        char32_t single = 0;
        std::optional<range_list> set;
        if (!read_escape(single, set, false)) return std::nullopt;
        if (set) return class_node(std::move(*set));
        return literal(single);
      }
      default:
        return literal(c);
    }
  }

  std::vector<char32_t> chars_;
  std::size_t pos_ = 0;
};

class compiler {
 public:
  explicit compiler(std::vector<regex::instruction>& program) : program_(program) {}

  bool emit(const re_node& n) {
    if (program_.size() > max_program) return false;
    using op = regex::op;
    switch (n.k) {
      case re_node::kind::empty:
        return true;
      case re_node::kind::literal:
        add(op::chr, n.c);
        return true;
      case re_node::kind::any:
        add(op::any);
        return true;
      case re_node::kind::cls:
        add(op::cls, n.index);
        return true;
      case re_node::kind::begin:
        add(op::begin);
        return true;
      case re_node::kind::end:
        add(op::end);
        return true;
      case re_node::kind::word:
        add(op::word);
        return true;
      case re_node::kind::not_word:
        add(op::not_word);
        return true;
      case re_node::kind::group:
        if (n.index == 0) return emit(n.children[0]);
        add(op::save, 2 * n.index);
        if (!emit(n.children[0])) return false;
        add(op::save, 2 * n.index + 1);
        return true;
      case re_node::kind::concat:
        for (const auto& c : n.children)
          if (!emit(c)) return false;
        return true;
      case re_node::kind::alt: {
        std::vector<std::size_t> jumps;
        for (std::size_t i = 0; i < n.children.size(); ++i) {
          bool last = i + 1 == n.children.size();
          std::size_t split = program_.size();
          if (!last) {
            add(op::split);
            program_[split].x = here();
          }
          if (!emit(n.children[i])) return false;
          if (!last) {
            jumps.push_back(program_.size());
            add(op::jmp);
            program_[split].y = here();
          }
        }
        for (auto j : jumps) program_[j].x = here();
        return true;
      }
      case re_node::kind::repeat: {
        const re_node& body = n.children[0];
        for (int i = 0; i < n.min; ++i)
          if (!emit(body)) return false;
        if (n.max < 0) {
          std::size_t loop = program_.size();
          add(op::split);
          std::uint32_t body_start = here();
          if (!emit(body)) return false;
          add(op::jmp, static_cast<std::uint32_t>(loop));
          set_split(loop, body_start, here(), n.greedy);
          return true;
        }
        std::vector<std::size_t> splits;
        for (int i = n.min; i < n.max; ++i) {
          splits.push_back(program_.size());
          add(op::split);
          std::uint32_t body_start = here();
          program_[splits.back()].x = body_start;
          if (!emit(body)) return false;
        }
        for (auto s : splits) set_split(s, program_[s].x, here(), n.greedy);
        return true;
      }
    }
    return true;
  }

  void add(regex::op code, std::uint32_t x = 0, std::uint32_t y = 0) { program_.push_back({code, x, y}); }

 private:
  std::uint32_t here() const { return static_cast<std::uint32_t>(program_.size()); }
  void set_split(std::size_t at, std::uint32_t body, std::uint32_t after, bool greedy) {
    program_[at].x = greedy ? body : after;
    program_[at].y = greedy ? after : body;
  }

  std::vector<regex::instruction>& program_;
};

bool in_class(const regex::char_class& cls, char32_t c) {
  auto it = std::upper_bound(cls.ranges.begin(), cls.ranges.end(), c,
                             [](char32_t v, const std::pair<char32_t, char32_t>& r) { return v < r.first; });
  if (it == cls.ranges.begin()) return false;
  --it;
  return c >= it->first && c <= it->second;
}

}  // namespace

std::optional<regex> regex::compile(std::string_view pattern, std::string* error) {
  pattern_parser parser(pattern);
  auto tree = parser.parse();
  auto failed = [&](std::string message) -> std::optional<regex> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };
  if (!tree) return failed(parser.error);
  regex r;
  compiler c(r.program_);
  c.add(op::save, 0);
  if (!c.emit(*tree) || r.program_.size() > max_program) return failed("pattern too large");
  c.add(op::save, 1);
  c.add(op::match);
  r.classes_ = std::move(parser.classes);
  r.group_names_ = std::move(parser.group_names);
  r.groups_ = r.group_names_.size();
  return r;
}

namespace {

// A thread list of the Pike VM: program counters in priority order, each with its capture slots.
struct thread_list {
  std::vector<std::uint32_t> pcs;
  std::vector<std::size_t> slots;  // pcs.size() * slot_count
  std::uint32_t generation = 0;
};

}  // namespace

bool regex::run(std::string_view text, std::size_t start, bool full, std::vector<std::size_t>* slots) const {
  const std::size_t slot_count = slots != nullptr ? 2 * groups_ : 0;
  constexpr std::size_t unset = std::numeric_limits<std::size_t>::max();
  std::vector<std::uint32_t> marks(program_.size(), 0);
  std::uint32_t generation = 0;
  thread_list current;
  thread_list next;
  current.generation = ++generation;
  std::vector<std::size_t> working(slot_count, unset);
  struct stack_entry {
    std::uint32_t pc;
    std::size_t slot;  // unset: visit pc; else restore `working[slot] = value`
    std::size_t value;
  };
  std::vector<stack_entry> stack;

  auto add_thread = [&](thread_list& list, std::uint32_t pc0, std::size_t pos) {
    stack.push_back({pc0, unset, 0});
    while (!stack.empty()) {
      stack_entry e = stack.back();
      stack.pop_back();
      if (e.slot != unset) {
        working[e.slot] = e.value;
        continue;
      }
      std::uint32_t pc = e.pc;
      if (marks[pc] == list.generation) continue;
      marks[pc] = list.generation;
      const instruction& in = program_[pc];
      switch (in.code) {
        case op::jmp:
          stack.push_back({in.x, unset, 0});
          break;
        case op::split:
          stack.push_back({in.y, unset, 0});
          stack.push_back({in.x, unset, 0});
          break;
        case op::save:
          if (in.x < slot_count) {
            stack.push_back({0, in.x, working[in.x]});
            working[in.x] = pos;
          }
          stack.push_back({pc + 1, unset, 0});
          break;
        case op::begin:
          if (pos == 0) stack.push_back({pc + 1, unset, 0});
          break;
        case op::end:
          if (pos == text.size()) stack.push_back({pc + 1, unset, 0});
          break;
        case op::word:
        case op::not_word: {
          bool before = pos > 0 && is_word_byte(static_cast<unsigned char>(text[pos - 1]));
          bool after = pos < text.size() && is_word_byte(static_cast<unsigned char>(text[pos]));
          if ((before != after) == (in.code == op::word)) stack.push_back({pc + 1, unset, 0});
          break;
        }
        default:
          list.pcs.push_back(pc);
          list.slots.insert(list.slots.end(), working.begin(), working.end());
          break;
      }
    }
  };

  bool matched = false;
  std::size_t pos = start;
  while (true) {
    if (!matched && (pos == start || !full)) {
      std::fill(working.begin(), working.end(), unset);
      add_thread(current, 0, pos);
    }
    std::size_t length = 0;
    char32_t c = pos < text.size() ? decode_at(text, pos, length) : 0;
    next.pcs.clear();
    next.slots.clear();
    next.generation = ++generation;
    for (std::size_t t = 0; t < current.pcs.size(); ++t) {
      const instruction& in = program_[current.pcs[t]];
      bool step = false;
      switch (in.code) {
        case op::chr:
          step = length > 0 && c == static_cast<char32_t>(in.x);
          break;
        case op::any:
          step = length > 0;
          break;
        case op::cls:
          step = length > 0 && in_class(classes_[in.x], c);
          break;
        case op::match:
          if (full && pos != text.size()) break;
          if (slots == nullptr) return true;
          matched = true;
          slots->assign(current.slots.begin() + static_cast<std::ptrdiff_t>(t * slot_count),
                        current.slots.begin() + static_cast<std::ptrdiff_t>((t + 1) * slot_count));
          t = current.pcs.size();  // lower-priority threads are cut off
          continue;
        default:
          break;
      }
      if (step) {
        std::copy(current.slots.begin() + static_cast<std::ptrdiff_t>(t * slot_count),
                  current.slots.begin() + static_cast<std::ptrdiff_t>((t + 1) * slot_count), working.begin());
        add_thread(next, current.pcs[t] + 1, pos + length);
      }
    }
    std::swap(current, next);
    if (pos >= text.size()) break;
    if (current.pcs.empty() && (matched || full)) break;
    pos += length;
  }
  return matched;
}

bool regex::search(std::string_view text) const {
  return run(text, 0, false, nullptr);
}

bool regex::full_match(std::string_view text) const {
  return run(text, 0, true, nullptr);
}

std::string regex::replace_all(std::string_view text, std::string_view substitution) const {
  std::string out;
  std::vector<std::size_t> slots;
  constexpr std::size_t unset = std::numeric_limits<std::size_t>::max();
  std::size_t pos = 0;
  auto group_text = [&](std::size_t g) -> std::string_view {
    if (g >= groups_ || slots[2 * g] == unset || slots[2 * g + 1] == unset) return {};
    return text.substr(slots[2 * g], slots[2 * g + 1] - slots[2 * g]);
  };
  while (pos <= text.size() && run(text, pos, false, &slots)) {
    std::size_t begin = slots[0];
    std::size_t end = slots[1];
    out.append(text.substr(pos, begin - pos));
    for (std::size_t i = 0; i < substitution.size(); ++i) {
      char c = substitution[i];
      if (c != '$' || i + 1 >= substitution.size()) {
        out += c;
        continue;
      }
      char n = substitution[i + 1];
      if (n == '$') {
        out += '$';
        ++i;
      } else if (n == '&') {
        out.append(group_text(0));
        ++i;
      } else if (n >= '0' && n <= '9') {
        std::size_t g = static_cast<std::size_t>(n - '0');
        ++i;
        if (i + 1 < substitution.size() && substitution[i + 1] >= '0' && substitution[i + 1] <= '9' &&
            g * 10 + static_cast<std::size_t>(substitution[i + 1] - '0') < groups_) {
          g = g * 10 + static_cast<std::size_t>(substitution[i + 1] - '0');
          ++i;
        }
        out.append(group_text(g));
      } else if (n == '{') {
        auto close = substitution.find('}', i + 2);
        if (close == std::string_view::npos) {
          out += c;
          continue;
        }
        std::string_view name = substitution.substr(i + 2, close - i - 2);
        std::size_t g = groups_;
        for (std::size_t k = 0; k < group_names_.size(); ++k)
          if (!group_names_[k].empty() && group_names_[k] == name) g = k;
        if (g == groups_ && !name.empty() &&
            std::all_of(name.begin(), name.end(), [](char d) { return d >= '0' && d <= '9'; }) &&
            name.size() < 4) {
          std::size_t number = 0;
          for (char d : name) number = number * 10 + static_cast<std::size_t>(d - '0');
          g = number;
        }
        out.append(group_text(g));
        i = close;
      } else {
        out += c;
      }
    }
    if (end == begin) {
      if (begin >= text.size()) {
        pos = text.size() + 1;
        break;
      }
      std::size_t length = 1;
      decode_at(text, begin, length);
      out.append(text.substr(begin, length));
      pos = begin + length;
    } else {
      pos = end;
    }
  }
  if (pos <= text.size()) out.append(text.substr(pos));
  return out;
}

}  // namespace homebase::fhir::fhirpath
