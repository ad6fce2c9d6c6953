// check_config_command: `homebase check-config FILE` (also `homebase --check-config FILE`), everything the
// gateway checks at start-up before it listens, without starting it and without opening the store:
//   the YAML and every key (config::load_file: a bad value names file, line and key), the partners'
//   ConceptMaps (gateway/pipeline/partner_concept_maps), the destinations' keys and certificates
//   (delivery/destination_credentials) and every client's JWK Set (auth/token_endpoint).
//
// Output on success (stdout), then exit 0:
//   "config OK: " FILE "\n"
//   then one line each: partners, medical homes, schools, clients (by kind), store path, listeners
//   (the API, with TLS or not, and /metrics), and "auth: development mode" when it is on.
// On a bad file: "homebase check-config: configuration error: FILE:LINE: KEY: ..." on stderr, exit 1
// (the file could not be used); a usage error (no FILE, an unknown option): exit 2.
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "config/gateway_config.hpp"

namespace homebase::gateway::cli {

[[nodiscard]] std::string_view check_config_help();

// `args` are the arguments after "check-config". Never throws.
[[nodiscard]] int run_check_config_command(std::span<const std::string> args, std::ostream& out,
                                           std::ostream& err);

// The summary lines printed on success (also useful in a log).
void print_config_summary(const config::gateway_config& config, std::ostream& out);

}  // namespace homebase::gateway::cli
