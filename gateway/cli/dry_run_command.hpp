// dry_run_command: `homebase dry-run --config FILE MESSAGE.json`, what the gateway would do with one inbound
// message or document, without doing it. The real intake (gateway/pipeline/message_intake: validation,
// the partner's ConceptMaps, the mappers, patient matching, the merge into the child's record, the
// coordination rules, routing) runs on a COPY of the store, taken with the SQLite backup API
// (gateway/store/store_backup; online and consistent, also while the gateway runs) into a temporary
// directory that is removed afterwards. The store the config names is only read, by the backup; when it
// does not exist yet, the copy starts empty (and the real path is not created). For each delivery the
// intake queued, the transaction Bundle is built as a delivery lane builds it at the moment of sending
// (delivery/delivery_payload) from the copy's record, and checked as a lane checks it (outbound_check).
// The message is taken as coming from the partner its MessageHeader.source.endpoint (or, for a document,
// its custodian or author) names, as in development mode; it is not authenticated.
//
// Output (stdout), each JSON value minified on one line after its heading line:
//   "dry run: " MESSAGE " on a copy of " STORE " (nothing is written to it)"
//   "response: HTTP " status            then the answer the sender would get (a response message, or an
//                                       OperationOutcome)
//   "message: " status [" to " home] [" (" why ")"]   queued, unroutable, held_for_match; or "duplicate"
//   "notes:" then "  " text per note    the response's notes (validation warnings, translations, merge)
//   "record events:" then "  " at " " source " " kind ": " detail   what the message and the rules added
//   "delivery to " home " (" url "):"   then the transaction Bundle, per queued delivery
//   "  not sendable: " why              when outbound_check refuses it (a lane would dead-letter it)
// Exit status: 0 the message would be accepted (whatever its routing); 1 it would be refused (the
// OperationOutcome is printed), or the config or store cannot be used; 2 usage error or an unreadable
// MESSAGE file.
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

namespace homebase::gateway::cli {

[[nodiscard]] std::string_view dry_run_help();

// `args` are the arguments after "dry-run". Never throws.
[[nodiscard]] int run_dry_run_command(std::span<const std::string> args, std::ostream& out,
                                      std::ostream& err);

}  // namespace homebase::gateway::cli
