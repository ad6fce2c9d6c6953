// validate_command: `homebase validate [--lenient] FILE...`, the R4 validator (fhir/validation) run on
// files, without the server and without the store.
//
// Output, one line on stdout per FILE, in the order given:
//   line = FILE ": " operation-outcome "\n"      ; operation-outcome: minified R4 OperationOutcome JSON
// An outcome without issues carries one "information" issue ("All OK"), as R4 requires 1..* issue.
// Exit status: 0 when no file has an error (or fatal) issue; 1 when any has one; 2 on a usage error or a
// file that cannot be read (that file's line carries a fatal issue), which takes precedence over 1.
//
// Files are read as the gateway reads a request body, with its default limits: at most
// server.body_limit_bytes (8 MiB) and JSON nesting server.json_max_depth (64). Malformed JSON, a file over
// the limit, or a document that is not a JSON object is an error issue for that file.
// --lenient: unknown elements are warnings, as for a partner configured `validation: lenient`.
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

namespace homebase::gateway::cli {

// What `homebase validate --help` prints.
[[nodiscard]] std::string_view validate_help();

// `args` are the arguments after "validate". Never throws for bad input; the R4 model load throws only
// when the embedded model is broken.
[[nodiscard]] int run_validate_command(std::span<const std::string> args, std::ostream& out,
                                       std::ostream& err);

}  // namespace homebase::gateway::cli
