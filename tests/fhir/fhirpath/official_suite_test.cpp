// Runs the official FHIRPath R4 conformance suite (suite/tests-fhir-r4.xml, from FHIR/fhir-test-cases)
// against the engine. Known failures are listed, with reasons, in suite/expected-failures.txt; the test
// fails when an unlisted test fails or a listed test passes, so the list stays honest.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/definitions/type_registry.hpp"
#include "fhir/fhirpath/evaluator.hpp"
#include "fhir/json_document.hpp"

namespace homebase::fhir::fhirpath {
namespace {

const std::string suite_dir = std::string(HOMEBASE_TEST_DATA_DIR) + "/fhir/fhirpath/suite/";

// The FHIR model the suite runs with (environment::model). The suite runs twice: with the R4 model
// generated from the official definitions (how the validator evaluates invariants; the list is
// expected-failures-model.txt), and without a model (the engine's typing from JSON shapes alone;
// expected-failures.txt).
const model* current_model = nullptr;
const model* suite_model() {
  return current_model;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A minimal XML reader: elements, attributes, text with the five predefined entities, comments, CDATA.
struct xml_element {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text;
  std::vector<xml_element> children;
};

std::string decode_entities(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    auto end = s.find(';', i);
    std::string_view entity = s.substr(i + 1, end - i - 1);
    if (entity == "lt")
      out += '<';
    else if (entity == "gt")
      out += '>';
    else if (entity == "amp")
      out += '&';
    else if (entity == "quot")
      out += '"';
    else if (entity == "apos")
      out += '\'';
    else
      out += std::string(s.substr(i, end - i + 1));
    i = end;
  }
  return out;
}

class xml_reader {
 public:
  explicit xml_reader(std::string text) : text_(std::move(text)) {}

  xml_element read_document() {
    xml_element root;
    read_content(root);
    return root.children.empty() ? xml_element{} : root.children.front();
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  // Reads children and text until the closing tag of `parent` (or the end of input).
  void read_content(xml_element& parent) {
    while (pos_ < text_.size()) {
      auto lt = text_.find('<', pos_);
      if (lt == std::string::npos) lt = text_.size();
      parent.text += decode_entities(std::string_view(text_).substr(pos_, lt - pos_));
      pos_ = lt;
      if (pos_ >= text_.size()) return;
      if (text_.compare(pos_, 4, "<!--") == 0) {
        pos_ = text_.find("-->", pos_) + 3;
      } else if (text_.compare(pos_, 9, "<![CDATA[") == 0) {
        auto end = text_.find("]]>", pos_);
        parent.text += text_.substr(pos_ + 9, end - pos_ - 9);
        pos_ = end + 3;
      } else if (text_.compare(pos_, 2, "<?") == 0) {
        pos_ = text_.find("?>", pos_) + 2;
      } else if (text_.compare(pos_, 2, "</") == 0) {
        pos_ = text_.find('>', pos_) + 1;
        return;
      } else {
        parent.children.push_back(read_element());
      }
    }
  }

  xml_element read_element() {
    xml_element e;
    ++pos_;  // '<'
    auto start = pos_;
    while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_])) &&
           text_[pos_] != '>' && text_[pos_] != '/')
      ++pos_;
    e.name = text_.substr(start, pos_ - start);
    while (true) {
      skip_space();
      if (text_[pos_] == '/') {
        pos_ += 2;  // "/>"
        return e;
      }
      if (text_[pos_] == '>') {
        ++pos_;
        read_content(e);
        return e;
      }
      auto eq = text_.find('=', pos_);
      std::string name = text_.substr(pos_, eq - pos_);
      while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
      pos_ = eq + 1;
      skip_space();
      char quote = text_[pos_];
      auto close = text_.find(quote, pos_ + 1);
      e.attributes[name] = decode_entities(std::string_view(text_).substr(pos_ + 1, close - pos_ - 1));
      pos_ = close + 1;
    }
  }

  std::string text_;
  std::size_t pos_ = 0;
};

struct suite_case {
  std::string name;
  std::string input_file;
  std::string expression;
  std::string invalid;
  std::string mode;
  std::string predicate;
  std::vector<std::pair<std::string, std::string>> outputs;  // type, text
};

void collect_cases(const xml_element& e, std::vector<suite_case>& out) {
  if (e.name == "test") {
    suite_case c;
    c.name = e.attributes.count("name") ? e.attributes.at("name") : "";
    c.input_file = e.attributes.count("inputfile") ? e.attributes.at("inputfile") : "";
    c.mode = e.attributes.count("mode") ? e.attributes.at("mode") : "";
    c.predicate = e.attributes.count("predicate") ? e.attributes.at("predicate") : "";
    for (const auto& child : e.children) {
      if (child.name == "expression") {
        c.expression = child.text;
        if (child.attributes.count("invalid")) c.invalid = child.attributes.at("invalid");
        if (child.attributes.count("mode")) c.mode = child.attributes.at("mode");
      } else if (child.name == "output") {
        c.outputs.emplace_back(child.attributes.count("type") ? child.attributes.at("type") : "", child.text);
      }
    }
    out.push_back(std::move(c));
    return;
  }
  for (const auto& child : e.children) collect_cases(child, out);
}

// Whether an actual item matches an expected <output type="..."> text.
bool matches_output(const value& actual, const std::string& type, const std::string& expected) {
  std::string text = to_text(actual);
  if (type.empty()) {
    // untyped date/time outputs are written as literals: @2014-01, @T10:30:00.000
    bool temporal = actual.kind == value_kind::date || actual.kind == value_kind::date_time ||
                    actual.kind == value_kind::time;
    if (temporal) text.insert(0, actual.kind == value_kind::time ? "@T" : "@");
    return actual.kind != value_kind::node && text == expected;
  }
  if (type == "boolean") return actual.kind == value_kind::boolean && text == expected;
  if (type == "integer") return actual.kind == value_kind::integer && text == expected;
  if (type == "decimal") {
    if (actual.kind != value_kind::decimal && actual.kind != value_kind::integer) return false;
    double a = actual.kind == value_kind::integer ? static_cast<double>(actual.integer) : actual.decimal;
    return std::fabs(a - std::strtod(expected.c_str(), nullptr)) < 1e-8;
  }
  if (type == "string" || type == "code" || type == "id" || type == "uri")
    return actual.kind == value_kind::string && text == expected;
  if (type == "date" || type == "dateTime" || type == "time") {
    // A JSON primitive of unknown FHIR type stays a string; compare its text.
    value_kind want =
        type == "date" ? value_kind::date : (type == "time" ? value_kind::time : value_kind::date_time);
    if (actual.kind != want && actual.kind != value_kind::string) return false;
    std::string rendered = (actual.kind == value_kind::time ? "@T" : "@") + text;
    return rendered == expected;
  }
  if (type == "Quantity") {
    auto q = node_as_quantity(actual);
    return q && to_text(*q) == expected;
  }
  return false;
}

// Runs one case; returns an empty string on success, else what went wrong.
std::string run_case(const suite_case& c, std::map<std::string, rapidjson::Document>& inputs) {
  rapidjson::Document empty;
  empty.SetObject();
  const rapidjson::Value* resource = &empty;
  if (!c.input_file.empty()) {
    std::string file = c.input_file;
    if (file.size() > 4 && file.substr(file.size() - 4) == ".xml")
      file = file.substr(0, file.size() - 4) + ".json";
    auto it = inputs.find(file);
    if (it == inputs.end()) {
      rapidjson::Document doc;
      std::string text = read_file(suite_dir + file);
      if (text.empty() || parse_json(text, doc)) return "input file " + file + " not available";
      it = inputs.emplace(file, std::move(doc)).first;
    }
    resource = &it->second;
  }
  auto parsed = expression::parse(c.expression);
  if (!parsed) {
    if (!c.invalid.empty()) return {};
    return "parse error: " + parsed.failure().message;
  }
  environment env;
  env.model = suite_model();
  env.strict = c.mode == "strict";
  auto evaluated = evaluate(parsed.value(), *resource, env);
  if (!evaluated) {
    if (!c.invalid.empty()) return {};
    return "evaluation error: " + evaluated.failure().message;
  }
  if (!c.invalid.empty()) return "expected an error (" + c.invalid + ")";
  collection result = evaluated.value();
  if (c.predicate == "true") {
    bool b = !result.empty() &&
             !(result.size() == 1 && result[0].kind == value_kind::boolean && !result[0].boolean);
    result = {value::make_boolean(b)};
  }
  std::string got;
  for (const auto& v : result) got += (v.kind == value_kind::node ? "<node>" : to_text(v)) + "; ";
  if (result.size() != c.outputs.size())
    return "expected " + std::to_string(c.outputs.size()) + " items, got " + std::to_string(result.size()) +
           ": " + got;
  for (std::size_t i = 0; i < result.size(); ++i)
    if (!matches_output(result[i], c.outputs[i].first, c.outputs[i].second))
      return "item " + std::to_string(i) + " expected " + c.outputs[i].first + " " + c.outputs[i].second +
             ", got " + got;
  return {};
}

std::map<std::string, std::string> read_expected_failures() {
  std::map<std::string, std::string> out;
  const char* list = suite_model() == nullptr ? "expected-failures.txt" : "expected-failures-model.txt";
  std::istringstream in(read_file(suite_dir + list));
  std::string line;
  while (std::getline(in, line)) {
    auto hash = line.find('#');
    std::string name = line.substr(0, hash);
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) name.erase(0, 1);
    if (name.empty()) continue;
    out[name] = hash == std::string::npos ? "" : line.substr(hash + 1);
  }
  return out;
}

void run_suite() {
  xml_element root = xml_reader(read_file(suite_dir + "tests-fhir-r4.xml")).read_document();
  std::vector<suite_case> cases;
  collect_cases(root, cases);
  ASSERT_GT(cases.size(), 500u);
  auto expected_failures = read_expected_failures();
  std::map<std::string, rapidjson::Document> inputs;
  std::size_t passed = 0;
  std::set<std::string> seen;
  for (const auto& c : cases) {
    seen.insert(c.name);
    std::string problem = run_case(c, inputs);
    bool listed = expected_failures.count(c.name) > 0;
    if (problem.empty()) {
      ++passed;
      EXPECT_FALSE(listed) << c.name << " now passes: remove it from expected-failures.txt";
    } else {
      EXPECT_TRUE(listed) << c.name << " failed: " << problem << "\n  expression: " << c.expression;
      if (std::getenv("FHIRPATH_SUITE_LIST") != nullptr && !listed)
        std::printf("%s # %s\n", c.name.c_str(), problem.c_str());
    }
  }
  for (const auto& [name, reason] : expected_failures)
    EXPECT_TRUE(seen.count(name) > 0) << name << " in expected-failures.txt is not a suite test";
  std::printf("fhirpath official suite (%s): %zu/%zu passed (%.1f%%)\n",
              suite_model() ? "R4 model" : "no model", passed, cases.size(),
              100.0 * static_cast<double>(passed) / static_cast<double>(cases.size()));
  EXPECT_GE(static_cast<double>(passed), 0.95 * static_cast<double>(cases.size()));
}

TEST(fhirpath_official_suite, matches_expected_failures_with_the_r4_model) {
  current_model = &definitions::type_registry::r4();
  run_suite();
  current_model = nullptr;
}

TEST(fhirpath_official_suite, matches_expected_failures_without_a_model) {
  current_model = nullptr;
  run_suite();
}

}  // namespace
}  // namespace homebase::fhir::fhirpath
