// replay_command: `homebase replay`, the operator's bulk requeue from the command line. It does not touch
// the store: it calls the running gateway's admin API, so that the replay is what POST
// /admin/messages/$replay does (gateway/admin/message_replay: one store job with its AuditEvent, the
// medical homes' delivery workers woken at once), and works while the gateway runs, as an integration
// engine's operator expects. (Rows requeued in the store by another process would be found by the
// workers' 5 s idle look, but the store has one writer, the gateway; so there is no offline mode.)
//
//   homebase replay --url URL [CREDENTIALS] --status S[,S...] [--medical-home ID]
//                   [--received-from DATE] [--received-to DATE]
//   homebase replay --url URL [CREDENTIALS] --message ID
// --status/--medical-home/--received-*: POST URL/admin/messages/$replay with a Parameters body;
// --message: POST URL/admin/messages/ID/retry (one dead letter requeued, or an unroutable or held message
// routed again).
// CREDENTIALS: --client-id ID --key FILE --kid KID [--alg RS384|ES384] [--scope S] [--token-url URL],
// an operator client (clients[].kind operator, its JWK Set registered) that gets a SMART Backend Services
// token at URL/auth/token (delivery/destination_credentials signs the assertion with
// auth/client_assertion_signer). Without them the request carries no credentials: only a gateway in
// development mode on loopback serves it. --ca-file FILE: trust anchors for an https URL; --timeout S.
//
// Output: one line on stdout, "requeued N deliveries of M messages (CRITERIA)" or the retry's answer.
// Exit status: 0 done; 1 the gateway could not be reached, refused (401/403), or failed; 2 a usage error,
// an unusable key, or parameters the gateway rejected (400, its diagnostics on stderr).
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

namespace homebase::gateway::cli {

[[nodiscard]] std::string_view replay_help();

// `args` are the arguments after "replay". Never throws.
[[nodiscard]] int run_replay_command(std::span<const std::string> args, std::ostream& out, std::ostream& err);

}  // namespace homebase::gateway::cli
