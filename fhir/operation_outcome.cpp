#include "fhir/operation_outcome.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace homebase::fhir {

std::string_view to_string(issue_severity severity) {
  switch (severity) {
    case issue_severity::fatal:
      return "fatal";
    case issue_severity::error:
      return "error";
    case issue_severity::warning:
      return "warning";
    case issue_severity::information:
      return "information";
  }
  return "error";
}

operation_outcome::operation_outcome(issue_severity severity, std::string code, std::string diagnostics,
                                     std::string expression) {
  add(severity, std::move(code), std::move(diagnostics), std::move(expression));
}

void operation_outcome::add(issue_severity severity, std::string code, std::string diagnostics,
                            std::string expression) {
  issues_.push_back({severity, std::move(code), std::move(diagnostics), std::move(expression)});
}

bool operation_outcome::has_errors() const {
  for (const auto& i : issues_)
    if (i.severity == issue_severity::error || i.severity == issue_severity::fatal) return true;
  return false;
}

std::string operation_outcome::to_json() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto write_issue = [&w](std::string_view severity, std::string_view code, std::string_view diagnostics,
                          std::string_view expression) {
    w.StartObject();
    w.Key("severity");
    w.String(severity.data(), static_cast<rapidjson::SizeType>(severity.size()));
    w.Key("code");
    w.String(code.data(), static_cast<rapidjson::SizeType>(code.size()));
    if (!diagnostics.empty()) {
      w.Key("diagnostics");
      w.String(diagnostics.data(), static_cast<rapidjson::SizeType>(diagnostics.size()));
    }
    if (!expression.empty()) {
      w.Key("expression");
      w.StartArray();
      w.String(expression.data(), static_cast<rapidjson::SizeType>(expression.size()));
      w.EndArray();
    }
    w.EndObject();
  };
  w.StartObject();
  w.Key("resourceType");
  w.String("OperationOutcome");
  w.Key("issue");
  w.StartArray();
  if (issues_.empty()) write_issue("information", "informational", "All OK", {});
  for (const auto& i : issues_) write_issue(to_string(i.severity), i.code, i.diagnostics, i.expression);
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace homebase::fhir
