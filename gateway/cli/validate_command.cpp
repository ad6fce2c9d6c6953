#include "gateway/cli/validate_command.hpp"

#include <fstream>
#include <ostream>
#include <vector>

#include "config/gateway_config.hpp"
#include "fhir/json_document.hpp"
#include "fhir/validation/validator.hpp"

namespace homebase::gateway::cli {
namespace {

using fhir::issue_severity;

constexpr const char* usage_text = "usage: homebase validate [--lenient] FILE...\n";

enum class file_result { valid, invalid, unreadable };

// Reads at most `limit` + 1 bytes, so that a file over the limit is noticed without reading all of it.
bool read_bounded(const std::string& path, std::size_t limit, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  text.resize(limit + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return false;
  text.resize(static_cast<std::size_t>(in.gcount()));
  return true;
}

file_result validate_file(const std::string& path, const fhir::validator& validator,
                          const fhir::validation_options& options, fhir::operation_outcome& outcome) {
  const config::server_settings limits;  // the gateway's defaults
  std::string text;
  if (!read_bounded(path, limits.body_limit_bytes, text)) {
    outcome.add(issue_severity::fatal, "not-found", "the file cannot be read");
    return file_result::unreadable;
  }
  if (text.size() > limits.body_limit_bytes) {
    outcome.add(issue_severity::error, "too-costly",
                "the file is larger than " + std::to_string(limits.body_limit_bytes) +
                    " bytes, the gateway's default body limit");
    return file_result::invalid;
  }
  rapidjson::Document doc;
  if (auto error = fhir::parse_json_in_place(text, doc, {limits.json_max_depth})) {
    outcome.add(issue_severity::error, "structure",
                "malformed JSON at byte " + std::to_string(error->offset) + ": " + error->message);
    return file_result::invalid;
  }
  validator.validate(doc, outcome, options);
  return outcome.has_errors() ? file_result::invalid : file_result::valid;
}

}  // namespace

std::string_view validate_help() {
  return "usage: homebase validate [--lenient] FILE...\n"
         "\n"
         "Validates FHIR R4 JSON files with the gateway's validator, without a server or a store, and "
         "prints\n"
         "one line per FILE: 'FILE: ' and its OperationOutcome (minified JSON).\n"
         "  --lenient   unknown elements are warnings (as for a partner with validation: lenient)\n"
         "  --          every following argument is a FILE\n"
         "\n"
         "Exit status: 0 no file has an error; 1 some file has one; 2 usage error or an unreadable file.\n";
}

int run_validate_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    out << validate_help();
    return 0;
  }
  fhir::validation_options options;
  std::vector<std::string> files;
  bool only_files = false;
  for (const auto& a : args) {
    if (!only_files && a == "--") {
      only_files = true;
    } else if (!only_files && a == "--lenient") {
      options.unknown_elements_are_warnings = true;
    } else if (!only_files && a.starts_with("-") && a != "-") {
      err << "homebase validate: unknown option '" << a << "'\n" << usage_text;
      return 2;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    err << usage_text;
    return 2;
  }
  const fhir::validator validator;
  bool any_invalid = false;
  bool any_unreadable = false;
  for (const auto& file : files) {
    fhir::operation_outcome outcome;
    auto result = validate_file(file, validator, options, outcome);
    any_invalid = any_invalid || result == file_result::invalid;
    if (result == file_result::unreadable) {
      any_unreadable = true;
      err << "homebase validate: cannot read " << file << "\n";
    }
    out << file << ": " << outcome.to_json() << "\n";
  }
  out.flush();
  if (any_unreadable) return 2;
  return any_invalid ? 1 : 0;
}

}  // namespace homebase::gateway::cli
