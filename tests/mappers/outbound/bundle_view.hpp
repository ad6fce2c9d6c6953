// bundle_view: a parsed outbound transaction Bundle with the look-ups the outbound tests need.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/operation_outcome.hpp"
#include "fhir/validation/validator.hpp"

namespace homebase::mappers::testing {

class bundle_view {
 public:
  explicit bundle_view(const std::string& json) {
    doc_.Parse(json.data(), json.size());
    EXPECT_FALSE(doc_.HasParseError());
    for (const auto& e : doc_["entry"].GetArray()) {
      type_of_[e["fullUrl"].GetString()] = e["resource"]["resourceType"].GetString();
    }
  }

  [[nodiscard]] const rapidjson::Document& doc() const { return doc_; }

  // The entries whose resource is of `type`, in Bundle order.
  [[nodiscard]] std::vector<const rapidjson::Value*> entries(std::string_view type) const {
    std::vector<const rapidjson::Value*> out;
    for (const auto& e : doc_["entry"].GetArray()) {
      if (type == e["resource"]["resourceType"].GetString()) out.push_back(&e);
    }
    return out;
  }

  // The entry of `type` whose first identifier has `value`; fails the test when there is none.
  [[nodiscard]] const rapidjson::Value& by_identifier(std::string_view type, std::string_view value) const {
    for (const auto* e : entries(type)) {
      const auto& r = (*e)["resource"];
      if (r.HasMember("identifier") && value == r["identifier"][0]["value"].GetString()) return *e;
    }
    ADD_FAILURE() << "no " << type << " with identifier " << value;
    static const rapidjson::Value none(rapidjson::kObjectType);
    return none;
  }

  // The resource type of the entry a reference points at ("" when it is not in the Bundle).
  [[nodiscard]] std::string type_at(std::string_view reference) const {
    auto it = type_of_.find(std::string(reference));
    return it == type_of_.end() ? std::string() : it->second;
  }

  [[nodiscard]] int count(std::string_view type) const { return static_cast<int>(entries(type).size()); }

 private:
  rapidjson::Document doc_;
  std::map<std::string, std::string> type_of_;
};

// The errors (and fatals) our R4 validator finds, one line each ("path: diagnostics").
inline std::vector<std::string> validation_errors(const rapidjson::Value& resource) {
  fhir::operation_outcome outcome;
  fhir::validator().validate(resource, outcome);
  std::vector<std::string> out;
  for (const auto& i : outcome.issues()) {
    if (i.severity == fhir::issue_severity::error || i.severity == fhir::issue_severity::fatal) {
      out.push_back(i.expression + ": " + i.diagnostics);
    }
  }
  return out;
}

}  // namespace homebase::mappers::testing
