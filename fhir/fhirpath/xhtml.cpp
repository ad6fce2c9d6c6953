#include "fhir/fhirpath/xhtml.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace homebase::fhir::fhirpath {

namespace {

constexpr std::string_view xhtml_namespace = "http://www.w3.org/1999/xhtml";
constexpr std::size_t max_depth = 256;

constexpr auto allowed_elements = std::to_array<std::string_view>(
    {"a",  "abbr",    "acronym", "address", "area",   "b",        "bdo", "big",   "blockquote",
     "br", "caption", "cite",    "code",    "col",    "colgroup", "dd",  "dfn",   "div",
     "dl", "dt",      "em",      "h1",      "h2",     "h3",       "h4",  "h5",    "h6",
     "hr", "i",       "img",     "kbd",     "li",     "map",      "ol",  "p",     "pre",
     "q",  "samp",    "small",   "span",    "strong", "sub",      "sup", "table", "tbody",
     "td", "tfoot",   "th",      "thead",   "tr",     "tt",       "ul",  "var"});

constexpr auto allowed_attributes = std::to_array<std::string_view>(
    {"id",       "class",   "style",       "title",       "lang",  "xml:lang", "dir",     "accesskey",
     "tabindex", "href",    "name",        "rel",         "rev",   "hreflang", "type",    "charset",
     "src",      "alt",     "longdesc",    "height",      "width", "border",   "hspace",  "vspace",
     "usemap",   "ismap",   "align",       "valign",      "char",  "charoff",  "span",    "summary",
     "frame",    "rules",   "cellspacing", "cellpadding", "abbr",  "axis",     "headers", "scope",
     "rowspan",  "colspan", "start",       "value",       "cite",  "datetime", "shape",   "coords",
     "nohref",   "clear"});

bool contains(std::string_view item, const auto& list) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool name_char(char c) {
  return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}
bool space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class checker {
 public:
  explicit checker(std::string_view text) : s_(text) {}

  std::optional<std::string> run() {
    skip_misc();
    if (problem_) return problem_;
    if (!at("<") || at("</")) return fail("the narrative must start with a <div> element");
    if (!element_tree()) return problem_;
    skip_misc();
    if (problem_) return problem_;
    if (pos_ != s_.size()) return fail("content after the root element");
    if (!has_text_ && !has_image_) return fail("the narrative has no text or image");
    return std::nullopt;
  }

 private:
  bool at(std::string_view prefix) const { return s_.substr(pos_, prefix.size()) == prefix; }

  std::optional<std::string> fail(std::string message) {
    if (!problem_) problem_ = std::move(message);
    return problem_;
  }

  // Whitespace and comments outside the root element.
  void skip_misc() {
    while (pos_ < s_.size()) {
      if (space(s_[pos_])) {
        ++pos_;
      } else if (at("<!--")) {
        if (!comment()) return;
      } else {
        return;
      }
    }
  }

  bool comment() {
    auto end = s_.find("-->", pos_ + 4);
    if (end == std::string_view::npos) {
      fail("unterminated comment");
      return false;
    }
    pos_ = end + 3;
    return true;
  }

  std::string_view name() {
    std::size_t start = pos_;
    if (pos_ < s_.size() && name_start(s_[pos_])) {
      ++pos_;
      while (pos_ < s_.size() && name_char(s_[pos_])) ++pos_;
    }
    return s_.substr(start, pos_ - start);
  }

  // A character or entity reference at '&'; false when malformed.
  bool reference() {
    auto end = s_.find(';', pos_);
    if (end == std::string_view::npos || end - pos_ > 32) return false;
    std::string_view ref = s_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    if (ref.empty()) return false;
    if (ref[0] == '#') {
      bool hex = ref.size() > 1 && (ref[1] == 'x' || ref[1] == 'X');
      std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) return false;
      for (char c : digits)
        if (!(std::isdigit(static_cast<unsigned char>(c)) ||
              (hex && std::isxdigit(static_cast<unsigned char>(c)))))
          return false;
      return true;
    }
    if (!name_start(ref[0])) return false;
    return std::all_of(ref.begin(), ref.end(), name_char);
  }

  // Reads a start tag at '<'; `empty` when it ends with "/>".
  bool start_tag(std::string& element, bool& empty, bool root) {
    ++pos_;
    std::string_view tag = name();
    if (tag.empty()) {
      fail("malformed tag");
      return false;
    }
    if (tag.find(':') != std::string_view::npos) {
      fail("element <" + std::string(tag) + "> has a namespace prefix");
      return false;
    }
    element = std::string(tag);
    if (!contains(std::string_view(element), allowed_elements)) {
      fail("element <" + element + "> is not allowed in a narrative");
      return false;
    }
    if (element == "img") has_image_ = true;
    std::vector<std::string_view> seen;
    bool namespace_declared = false;
    while (true) {
      bool spaced = false;
      while (pos_ < s_.size() && space(s_[pos_])) {
        ++pos_;
        spaced = true;
      }
      if (pos_ >= s_.size()) {
        fail("unterminated tag <" + element + ">");
        return false;
      }
      if (at("/>")) {
        pos_ += 2;
        empty = true;
        break;
      }
      if (s_[pos_] == '>') {
        ++pos_;
        empty = false;
        break;
      }
      if (!spaced) {
        fail("malformed attributes in <" + element + ">");
        return false;
      }
      std::string_view attribute = name();
      if (attribute.empty()) {
        fail("malformed attribute in <" + element + ">");
        return false;
      }
      while (pos_ < s_.size() && space(s_[pos_])) ++pos_;
      if (pos_ >= s_.size() || s_[pos_] != '=') {
        fail("attribute " + std::string(attribute) + " has no value");
        return false;
      }
      ++pos_;
      while (pos_ < s_.size() && space(s_[pos_])) ++pos_;
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) {
        fail("attribute " + std::string(attribute) + " is not quoted");
        return false;
      }
      char quote = s_[pos_++];
      std::size_t value_start = pos_;
      while (pos_ < s_.size() && s_[pos_] != quote) {
        if (s_[pos_] == '<') {
          fail("'<' in the value of attribute " + std::string(attribute));
          return false;
        }
        if (s_[pos_] == '&') {
          if (!reference()) {
            fail("malformed reference in attribute " + std::string(attribute));
            return false;
          }
          continue;
        }
        ++pos_;
      }
      if (pos_ >= s_.size()) {
        fail("unterminated attribute value");
        return false;
      }
      std::string_view value = s_.substr(value_start, pos_ - value_start);
      ++pos_;
      if (std::find(seen.begin(), seen.end(), attribute) != seen.end()) {
        fail("attribute " + std::string(attribute) + " repeated");
        return false;
      }
      seen.push_back(attribute);
      if (!check_attribute(element, attribute, value)) return false;
      if (attribute == "xmlns") namespace_declared = true;
    }
    if (root) {
      if (element != "div") {
        fail("the root element must be <div>, not <" + element + ">");
        return false;
      }
      if (!namespace_declared) {
        fail("the root <div> must be in the XHTML namespace (xmlns=\"" + std::string(xhtml_namespace) +
             "\")");
        return false;
      }
    }
    return true;
  }

  bool check_attribute(const std::string& element, std::string_view attribute, std::string_view value) {
    std::string lowered = lower(attribute);
    if (lowered.size() > 2 && lowered.substr(0, 2) == "on") {
      fail("event attribute " + std::string(attribute) + " on <" + element + ">");
      return false;
    }
    if (attribute == "xmlns") {
      if (value != xhtml_namespace) {
        fail("<" + element + "> is not in the XHTML namespace");
        return false;
      }
      return true;
    }
    if (attribute.substr(0, 6) == "xmlns:") {
      fail("namespace declaration " + std::string(attribute) + " in a narrative");
      return false;
    }
    if (!contains(attribute, allowed_attributes)) {
      fail("attribute " + std::string(attribute) + " is not allowed on <" + element + ">");
      return false;
    }
    if (attribute == "href" || attribute == "src" || attribute == "longdesc" || attribute == "cite") {
      std::string target = lower(value);
      target.erase(std::remove_if(target.begin(), target.end(), [](char c) { return space(c); }),
                   target.end());
      if (target.rfind("javascript:", 0) == 0 || target.rfind("vbscript:", 0) == 0) {
        fail("script link in <" + element + ">");
        return false;
      }
    }
    return true;
  }

  // The root element and everything in it, with an explicit stack (no recursion).
  bool element_tree() {
    std::vector<std::string> open;
    std::string element;
    bool empty = false;
    if (!start_tag(element, empty, true)) return false;
    if (empty) return true;
    open.push_back(std::move(element));
    while (!open.empty()) {
      if (pos_ >= s_.size()) {
        fail("element <" + open.back() + "> is not closed");
        return false;
      }
      char c = s_[pos_];
      if (c == '<') {
        if (at("<!--")) {
          if (!comment()) return false;
        } else if (at("<![CDATA[")) {
          auto end = s_.find("]]>", pos_ + 9);
          if (end == std::string_view::npos) {
            fail("unterminated CDATA section");
            return false;
          }
          note_text(s_.substr(pos_ + 9, end - pos_ - 9));
          pos_ = end + 3;
        } else if (at("</")) {
          pos_ += 2;
          std::string_view closing = name();
          while (pos_ < s_.size() && space(s_[pos_])) ++pos_;
          if (closing != open.back() || pos_ >= s_.size() || s_[pos_] != '>') {
            fail("</" + std::string(closing) + "> does not close <" + open.back() + ">");
            return false;
          }
          ++pos_;
          open.pop_back();
        } else if (at("<?") || at("<!")) {
          fail("processing instructions and declarations are not allowed in a narrative");
          return false;
        } else {
          if (!start_tag(element, empty, false)) return false;
          if (!empty) {
            if (open.size() >= max_depth) {
              fail("elements nested too deeply");
              return false;
            }
            open.push_back(std::move(element));
          }
        }
      } else if (c == '&') {
        if (!reference()) {
          fail("malformed character or entity reference");
          return false;
        }
        has_text_ = true;
      } else {
        std::size_t start = pos_;
        while (pos_ < s_.size() && s_[pos_] != '<' && s_[pos_] != '&') ++pos_;
        std::string_view text = s_.substr(start, pos_ - start);
        if (text.find("]]>") != std::string_view::npos) {
          fail("']]>' in text");
          return false;
        }
        note_text(text);
      }
    }
    return true;
  }

  void note_text(std::string_view text) {
    if (!has_text_) has_text_ = std::any_of(text.begin(), text.end(), [](char c) { return !space(c); });
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  bool has_text_ = false;
  bool has_image_ = false;
  std::optional<std::string> problem_;
};

}  // namespace

std::optional<std::string> narrative_problem(std::string_view xhtml) {
  return checker(xhtml).run();
}

}  // namespace homebase::fhir::fhirpath
