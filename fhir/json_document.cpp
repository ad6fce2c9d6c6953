#include "fhir/json_document.hpp"

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace homebase::fhir {
namespace {

// UTF-8 is checked before parsing by first_invalid_utf8(), several times faster than rapidjson's
// per-character kParseValidateEncodingFlag on FHIR JSON, which is almost all ASCII. Full precision comes
// from exact_double, not from RapidJSON's kParseFullPrecisionFlag (see there).
constexpr unsigned parse_flags = rapidjson::kParseIterativeFlag;

// Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or npos. ASCII is skipped eight bytes at a time.
std::size_t first_invalid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      std::uint64_t word = 0;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return i;
    }
    if (i + length > n) return i;
    if (p[i + 1] < low || p[i + 1] > high) return i;
    for (std::size_t k = 2; k < length; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of the \uXXXX escape at `at` (the backslash), or -1.
int escaped_unit(std::string_view text, std::size_t at) {
  if (at + 6 > text.size() || text[at + 1] != 'u') return -1;
  int unit = 0;
  for (std::size_t k = at + 2; k < at + 6; ++k) {
    const int h = hex_value(text[k]);
    if (h < 0) return -1;
    unit = unit * 16 + h;
  }
  return unit;
}

// Offset of a \uDC00-\uDFFF escape that does not follow a high-surrogate escape: RapidJSON checks high
// surrogates only, and would decode a lone low one into bytes that are not UTF-8.
std::size_t lone_low_surrogate(std::string_view text) {
  int previous = -1;  // code unit of the escape just before, if adjacent
  for (std::size_t i = text.find('\\'); i != std::string_view::npos; i = text.find('\\', i)) {
    if (i + 1 >= text.size()) break;
    if (text[i + 1] != 'u') {
      previous = -1;
      i += 2;  // "\\" or another escape: its second character is not an escape start
      continue;
    }
    const int unit = escaped_unit(text, i);
    if (unit >= 0xDC00 && unit <= 0xDFFF && !(previous >= 0xD800 && previous <= 0xDBFF)) return i;
    previous = unit;
    i += 6;
    if (i >= text.size() || text[i] != '\\') previous = -1;
  }
  return std::string_view::npos;
}

std::optional<json_error> check_utf8(std::string_view text) {
  const std::size_t bad = first_invalid_utf8(text);
  if (bad != std::string_view::npos) return json_error{"invalid UTF-8 in a JSON string", bad};
  const std::size_t lone = lone_low_surrogate(text);
  if (lone != std::string_view::npos)
    return json_error{"a \\u escape of a lone low surrogate (DC00-DFFF)", lone};
  return std::nullopt;
}

// Walks the tree without recursion; reports the first excess of depth or a repeated key.
std::optional<std::string> check_shape(const rapidjson::Value& root, std::size_t max_depth) {
  struct frame {
    const rapidjson::Value* value;
    std::size_t depth;
  };
  std::vector<frame> stack{{&root, 1}};
  std::vector<std::string_view> keys;
  while (!stack.empty()) {
    auto [value, depth] = stack.back();
    stack.pop_back();
    if (depth > max_depth)
      return "JSON nesting exceeds the limit of " + std::to_string(max_depth) + " levels";
    if (value->IsObject()) {
      auto count = value->MemberCount();
      if (count > 1 && count <= 12) {
        // FHIR objects are small: comparing each pair beats sorting, and allocates nothing.
        auto begin = value->MemberBegin();
        for (auto i = begin; i != value->MemberEnd(); ++i)
          for (auto j = begin; j != i; ++j)
            if (i->name.GetStringLength() == j->name.GetStringLength() &&
                std::memcmp(i->name.GetString(), j->name.GetString(), i->name.GetStringLength()) == 0)
              return "duplicate JSON key \"" + std::string(i->name.GetString(), i->name.GetStringLength()) +
                     "\"";
      } else if (count > 12) {
        keys.clear();
        for (const auto& m : value->GetObject())
          keys.emplace_back(m.name.GetString(), m.name.GetStringLength());
        std::sort(keys.begin(), keys.end());
        auto dup = std::adjacent_find(keys.begin(), keys.end());
        if (dup != keys.end()) return "duplicate JSON key \"" + std::string(*dup) + "\"";
      }
      for (const auto& m : value->GetObject())
        if (m.value.IsObject() || m.value.IsArray()) stack.push_back({&m.value, depth + 1});
    } else if (value->IsArray()) {
      for (const auto& v : value->GetArray())
        if (v.IsObject() || v.IsArray()) stack.push_back({&v, depth + 1});
    }
  }
  return std::nullopt;
}

// ---- lossless parsing ----------------------------------------------------------------------------------

using input_stream = rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream>;

bool is_number_char(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// What number_text compares to notice a number changed in place after parsing.
std::uint64_t number_bits(const rapidjson::Value& v) {
  if (v.IsDouble()) return std::bit_cast<std::uint64_t>(v.GetDouble());
  return v.IsUint64() ? v.GetUint64() : static_cast<std::uint64_t>(v.GetInt64());
}

// The double a number's text means, correctly rounded (std::from_chars). RapidJSON reads with its normal
// precision (a few ULPs off) and every double is then read again here from its text: RapidJSON 1.1.0's own
// full-precision mode (kParseFullPrecisionFlag) turns a number whose digits are all zero into garbage once
// its exponent is beyond +-22 ("0E50" came back as 5e30 or -1.6e-266, "0.00000000000000000000000" as
// -1.8e-192: StrtodDiyFp normalises a zero significand with __builtin_clzll(0), undefined behaviour).
// Found by tests/fuzz/message_rules. `at` is the stream's Tell() when the reader announces the number: just
// past its text for a MemoryStream, its first byte for an InsituStringStream (the reader works on a local
// copy of such a stream and only then moves the original); either way the number is the run of number
// characters around `at` (JSON puts none right before or after a number). `d` is what RapidJSON made of it.
double exact_double(double d, std::string_view text, std::size_t at) {
  if (at > text.size()) return d;
  std::size_t start = at;
  while (start > 0 && is_number_char(text[start - 1])) --start;
  std::size_t end = at;
  while (end < text.size() && is_number_char(text[end])) ++end;
  double exact = 0;
  auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + end, exact);
  return ec == std::errc() && ptr == text.data() + end ? exact : d;
}

// SAX handler between rapidjson's reader and a Document for parse_json and parse_json_in_place: forwards
// every event, each double as exact_double reads it.
template <typename Stream>
class document_handler {
 public:
  document_handler(rapidjson::Document& document, Stream& stream, std::string_view text)
      : document_(document), stream_(stream), text_(text) {}
  bool Null() { return document_.Null(); }
  bool Bool(bool b) { return document_.Bool(b); }
  bool Int(int i) { return document_.Int(i); }
  bool Uint(unsigned u) { return document_.Uint(u); }
  bool Int64(std::int64_t i) { return document_.Int64(i); }
  bool Uint64(std::uint64_t u) { return document_.Uint64(u); }
  bool Double(double d) { return document_.Double(exact_double(d, text_, stream_.Tell())); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return document_.RawNumber(s, n, copy); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return document_.String(s, n, copy); }
  bool StartObject() { return document_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return document_.Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType count) { return document_.EndObject(count); }
  bool StartArray() { return document_.StartArray(); }
  bool EndArray(rapidjson::SizeType count) { return document_.EndArray(count); }

 private:
  rapidjson::Document& document_;
  Stream& stream_;  // InsituStringStream::Tell() is not const
  std::string_view text_;
};

// Parses `stream` (reading `text`) into `document` through document_handler.
template <unsigned flags, typename Stream>
std::optional<json_error> parse_into(rapidjson::Document& document, Stream& stream, std::string_view text) {
  document_handler<Stream> handler(document, stream, text);
  rapidjson::Reader reader;
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document&) {
    result = reader.Parse<flags>(stream, handler);
    return !result.IsError();
  };
  document.Populate(generate);
  if (result.IsError()) {
    document.SetNull();
    return json_error{rapidjson::GetParseError_En(result.Code()), result.Offset()};
  }
  return std::nullopt;
}

// Message for a rapidjson error, naming the problem in FHIR-gateway terms where rapidjson's is vague.
std::string describe(rapidjson::ParseErrorCode code, std::string_view text, std::size_t offset) {
  auto byte = offset < text.size() ? static_cast<unsigned char>(text[offset]) : 0x20u;
  if (offset < text.size() && byte == 0) return "NUL byte in the JSON text";
  // rapidjson reports a raw control character in a string as a bad escape or a bad encoding.
  if (byte < 0x20 && (code == rapidjson::kParseErrorStringEscapeInvalid ||
                      code == rapidjson::kParseErrorStringInvalidEncoding)) {
    static constexpr char hex[] = "0123456789ABCDEF";
    return std::string("unescaped control character U+00") + hex[byte >> 4] + hex[byte & 15] +
           " in a JSON string";
  }
  if (code == rapidjson::kParseErrorStringInvalidEncoding) return "invalid UTF-8 in a JSON string";
  return rapidjson::GetParseError_En(code);
}

// SAX handler between rapidjson's reader and a Document: forwards every event, and on the way records the
// text of each number, refuses a key repeated in its object and nesting beyond the limit, each with the
// byte offset where it occurs.
class lossless_handler {
 public:
  struct number_text {
    std::size_t offset;  // in texts
    std::size_t length;
  };

  lossless_handler(rapidjson::Document& document, const input_stream& stream, std::string_view text,
                   std::size_t max_depth)
      : document_(document), stream_(stream), text_(text), max_depth_(max_depth) {}

  bool Null() { return document_.Null(); }
  bool Bool(bool b) { return document_.Bool(b); }
  bool Int(int i) { return record_number() && document_.Int(i); }
  bool Uint(unsigned u) { return record_number() && document_.Uint(u); }
  bool Int64(std::int64_t i) { return record_number() && document_.Int64(i); }
  bool Uint64(std::uint64_t u) { return record_number() && document_.Uint64(u); }
  bool Double(double d) {
    return record_number() && document_.Double(exact_double(d, text_, stream_.Tell()));
  }
  // Only sent with kParseNumbersAsStringsFlag, which is not used.
  bool RawNumber(const char*, rapidjson::SizeType, bool) {
    return fail("unexpected raw number", stream_.Tell());
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return document_.String(s, n, copy); }

  bool StartObject() {
    if (!enter()) return false;
    object_starts_.push_back(keys_.size());
    return document_.StartObject();
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    return record_key(s, n) && document_.Key(s, n, copy);
  }
  bool EndObject(rapidjson::SizeType count) {
    if (!leave_object()) return false;
    --depth_;
    return document_.EndObject(count);
  }
  bool StartArray() { return enter() && document_.StartArray(); }
  bool EndArray(rapidjson::SizeType count) {
    --depth_;
    return document_.EndArray(count);
  }

  const std::optional<json_error>& error() const { return error_; }
  std::vector<number_text>& numbers() { return numbers_; }
  std::string& texts() { return texts_; }

 private:
  // FHIR objects are small: up to this many keys, each new key is compared with the ones before it;
  // a larger object is checked once, sorted, when it ends (so a huge object costs n log n, not n^2).
  static constexpr std::size_t pairwise_keys = 12;

  struct key {
    std::size_t offset;  // in key_bytes_
    std::size_t length;
    std::size_t end;  // input offset just past the key's closing quote
  };

  bool fail(std::string message, std::size_t offset) {
    error_ = json_error{std::move(message), offset};
    return false;
  }

  bool enter() {
    // The reader announces a container before it consumes the bracket: Tell() is the bracket.
    if (++depth_ > max_depth_)
      return fail("JSON nesting exceeds the limit of " + std::to_string(max_depth_) + " levels",
                  stream_.Tell());
    return true;
  }

  // The reader announces a number once it has consumed it; a number is preceded by a character that
  // cannot be part of one (whitespace, '[', ',', ':') or by nothing.
  bool record_number() {
    std::size_t end = stream_.Tell();
    std::size_t begin = end;
    while (begin > 0 && is_number_char(text_[begin - 1])) --begin;
    numbers_.push_back({texts_.size(), end - begin});
    texts_.append(text_.substr(begin, end - begin));
    return true;
  }

  std::string_view key_text(const key& k) const {
    return std::string_view(key_bytes_).substr(k.offset, k.length);
  }

  // Offset of the opening quote of the key whose closing quote is at end - 1.
  std::size_t key_start(std::size_t end) const {
    std::size_t i = end - 1;
    while (i > 0) {
      --i;
      if (text_[i] != '"') continue;
      std::size_t backslashes = 0;
      while (i > backslashes && text_[i - backslashes - 1] == '\\') ++backslashes;
      if (backslashes % 2 == 0) return i;
    }
    return i;
  }

  bool duplicate(const key& k) {
    return fail("duplicate JSON key \"" + std::string(key_text(k)) + "\"", key_start(k.end));
  }

  bool record_key(const char* s, rapidjson::SizeType n) {
    key k{key_bytes_.size(), n, stream_.Tell()};
    key_bytes_.append(s, n);
    std::size_t first = object_starts_.back();
    if (keys_.size() - first < pairwise_keys) {
      std::string_view name(s, n);
      for (std::size_t i = first; i < keys_.size(); ++i)
        if (key_text(keys_[i]) == name) return duplicate(k);
    }
    keys_.push_back(k);
    return true;
  }

  bool leave_object() {
    std::size_t first = object_starts_.back();
    object_starts_.pop_back();
    if (first == keys_.size()) return true;
    std::size_t bytes_first = keys_[first].offset;  // before sorting reorders them
    bool ok = true;
    if (keys_.size() - first > pairwise_keys) {
      // Sorted by name, then by position: in each run of equal names every key after the first repeats it;
      // report the repetition that comes first in the input.
      auto begin = keys_.begin() + static_cast<std::ptrdiff_t>(first);
      std::sort(begin, keys_.end(), [this](const key& a, const key& b) {
        auto ta = key_text(a);
        auto tb = key_text(b);
        return ta != tb ? ta < tb : a.end < b.end;
      });
      const key* found = nullptr;
      for (auto it = begin; it + 1 < keys_.end(); ++it)
        if (key_text(*it) == key_text(*(it + 1)) && (!found || (it + 1)->end < found->end))
          found = &*(it + 1);
      if (found) ok = duplicate(*found);
    }
    key_bytes_.resize(bytes_first);
    keys_.resize(first);
    return ok;
  }

  rapidjson::Document& document_;
  const input_stream& stream_;
  std::string_view text_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  std::vector<key> keys_;  // keys of the open objects, innermost last
  std::vector<std::size_t> object_starts_;
  std::string key_bytes_;
  std::vector<number_text> numbers_;  // in input order
  std::string texts_;
  std::optional<json_error> error_;
};

}  // namespace

std::optional<json_error> parse_json(std::string_view text, rapidjson::Document& document,
                                     const json_limits& limits) {
  // RapidJSON's reader takes a NUL byte for the end of the text, also when it is given the length: a NUL
  // after the root value would hide the rest (fuzzing found "2\0 ]" accepted), so refuse it explicitly.
  if (auto nul = text.find('\0'); nul != std::string_view::npos)
    return json_error{"NUL byte in the JSON text", nul};
  if (auto bad = check_utf8(text)) return bad;
  rapidjson::MemoryStream memory(text.data(), text.size());
  input_stream stream(memory);
  if (auto error = parse_into<parse_flags>(document, stream, text)) return error;
  if (auto problem = check_shape(document, limits.max_depth)) return json_error{*problem, 0};
  return std::nullopt;
}

std::optional<json_error> parse_json_in_place(std::string& buffer, rapidjson::Document& document,
                                              const json_limits& limits) {
  // RapidJSON's in-situ parser stops at the first NUL; a NUL inside the text is not JSON anyway, but
  // reading past it would hide the rest, so refuse it explicitly.
  if (auto nul = buffer.find('\0'); nul != std::string::npos)
    return json_error{"NUL byte in the JSON text", nul};
  if (auto bad = check_utf8(buffer)) return bad;
  // In place, strings are unescaped over their own text; the text of numbers stays as it was.
  rapidjson::InsituStringStream stream(buffer.data());
  if (auto error = parse_into<parse_flags | rapidjson::kParseInsituFlag>(document, stream, buffer))
    return error;
  if (auto problem = check_shape(document, limits.max_depth)) return json_error{*problem, 0};
  return std::nullopt;
}

std::optional<json_error> parse_json_lossless(std::string_view text, lossless_json& out,
                                              const json_limits& limits) {
  out.numbers_.clear();
  out.texts_.clear();
  if (auto bad = check_utf8(text)) {
    out.document.SetNull();
    return bad;
  }
  rapidjson::MemoryStream memory(text.data(), text.size());
  input_stream stream(memory);
  lossless_handler handler(out.document, stream, text, limits.max_depth);
  rapidjson::Reader reader;
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document&) {
    result = reader.Parse<parse_flags>(stream, handler);
    return !result.IsError();
  };
  out.document.Populate(generate);
  std::optional<json_error> error;
  if (handler.error())
    error = handler.error();
  else if (result.IsError())
    error = json_error{describe(result.Code(), text, result.Offset()), result.Offset()};
  else if (stream.Tell() != text.size())
    // The reader takes a NUL byte for the end of the text; what follows it would be silently dropped.
    error = json_error{"NUL byte in the JSON text", stream.Tell()};
  if (error) {
    out.document.SetNull();
    return error;
  }

  // Give each number's text to its value: numbers were announced in document order, so walk the finished
  // tree (where values no longer move) in that order.
  auto& texts = handler.numbers();
  if (texts.empty()) return std::nullopt;
  out.texts_ = std::move(handler.texts());
  out.numbers_.reserve(texts.size());
  auto add = [&](const rapidjson::Value& v) {
    const auto& t = texts[out.numbers_.size()];
    out.numbers_.push_back(
        {&v == &out.document ? nullptr : &v, number_bits(v), v.IsDouble(), t.offset, t.length});
  };
  if (out.document.IsNumber()) {
    add(out.document);
  } else {
    struct frame {
      const rapidjson::Value* container;
      rapidjson::SizeType next;
    };
    std::vector<frame> stack{{&out.document, 0}};
    while (!stack.empty() && out.numbers_.size() < texts.size()) {
      auto& top = stack.back();
      const rapidjson::Value* child = nullptr;
      if (top.container->IsObject() && top.next < top.container->MemberCount())
        child = &(top.container->MemberBegin() + top.next++)->value;
      else if (top.container->IsArray() && top.next < top.container->Size())
        child = &(*top.container)[top.next++];
      if (!child) {
        stack.pop_back();
        continue;
      }
      if (child->IsNumber())
        add(*child);
      else if (child->IsObject() || child->IsArray())
        stack.push_back({child, 0});
    }
  }
  std::sort(out.numbers_.begin(), out.numbers_.end(),
            [](const auto& a, const auto& b) { return std::less<>{}(a.value, b.value); });
  return std::nullopt;
}

std::optional<std::string_view> lossless_json::number_text(const rapidjson::Value& value) const {
  if (!value.IsNumber() || numbers_.empty()) return std::nullopt;
  const rapidjson::Value* key = &value == &document ? nullptr : &value;
  auto it =
      std::lower_bound(numbers_.begin(), numbers_.end(), key,
                       [](const number& n, const rapidjson::Value* k) { return std::less<>{}(n.value, k); });
  if (it == numbers_.end() || it->value != key || it->is_double != value.IsDouble() ||
      it->bits != number_bits(value))
    return std::nullopt;
  return std::string_view(texts_).substr(it->offset, it->length);
}

namespace {

void append_escaped(std::string& out, const char* s, std::size_t n) {
  static constexpr char hex[] = "0123456789ABCDEF";
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(s + run, n - run);
  out += '"';
}

void append_number(std::string& out, const rapidjson::Value& v, const lossless_json* source) {
  if (source) {
    if (auto text = source->number_text(v)) {
      out += *text;
      return;
    }
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  if (v.Accept(writer))
    out.append(buffer.GetString(), buffer.GetSize());
  else
    out += "null";  // NaN or an infinity
}

void append_scalar(std::string& out, const rapidjson::Value& v, const lossless_json* source) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      out += "null";
      break;
    case rapidjson::kFalseType:
      out += "false";
      break;
    case rapidjson::kTrueType:
      out += "true";
      break;
    case rapidjson::kStringType:
      append_escaped(out, v.GetString(), v.GetStringLength());
      break;
    case rapidjson::kNumberType:
      append_number(out, v, source);
      break;
    default:
      break;  // containers are written by the caller
  }
}

}  // namespace

std::string to_canonical_json(const rapidjson::Value& value, const lossless_json* source) {
  constexpr auto none = static_cast<rapidjson::SizeType>(-1);
  struct frame {
    const rapidjson::Value* container;
    rapidjson::SizeType next;           // position in output order
    rapidjson::SizeType resource_type;  // member index of "resourceType", or none
  };
  std::string out;
  std::vector<frame> stack;
  // Opens a container (pushing a frame) or writes a scalar.
  auto write = [&](const rapidjson::Value& v) {
    if (v.IsObject()) {
      out += '{';
      auto it = v.FindMember("resourceType");
      stack.push_back(
          {&v, 0, it == v.MemberEnd() ? none : static_cast<rapidjson::SizeType>(it - v.MemberBegin())});
    } else if (v.IsArray()) {
      out += '[';
      stack.push_back({&v, 0, none});
    } else {
      append_scalar(out, v, source);
    }
  };
  write(value);
  while (!stack.empty()) {
    auto& top = stack.back();
    const rapidjson::Value& c = *top.container;
    if (c.IsObject()) {
      if (top.next == c.MemberCount()) {
        out += '}';
        stack.pop_back();
        continue;
      }
      rapidjson::SizeType p = top.next++;
      rapidjson::SizeType index = top.resource_type == none   ? p
                                  : p == 0                    ? top.resource_type
                                  : p - 1 < top.resource_type ? p - 1
                                                              : p;
      if (p > 0) out += ',';
      const auto& member = *(c.MemberBegin() + index);
      append_escaped(out, member.name.GetString(), member.name.GetStringLength());
      out += ':';
      write(member.value);  // may push: `top` is not used after this
    } else {
      if (top.next == c.Size()) {
        out += ']';
        stack.pop_back();
        continue;
      }
      rapidjson::SizeType p = top.next++;
      if (p > 0) out += ',';
      write(c[p]);
    }
  }
  return out;
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string_view get_string(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return {};
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

const rapidjson::Value* get_object(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
}

const rapidjson::Value* get_array(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsArray() ? &it->value : nullptr;
}

}  // namespace homebase::fhir
