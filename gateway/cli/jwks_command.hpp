// jwks_command: `homebase jwks --key FILE --kid KID [--alg RS384|ES384]`, prints the public JWK Set of
// Homebase's private key (gateway/auth/client_assertion_signer.hpp), which an operator registers at a
// practice's or school's authorization server so that Homebase can use SMART Backend Services there
// (medical_homes[].auth.smart, schools[].auth.smart). No server, no store, no secret in the output.
//
// Output: one line on stdout, the JWK Set as minified JSON. Without --alg the algorithm follows the key
// (RSA -> RS384, EC P-384 -> ES384).
// Exit status: 0 printed; 2 on a usage error or a key that cannot be used (the reason on stderr).
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

namespace homebase::gateway::cli {

// What `homebase jwks --help` prints.
[[nodiscard]] std::string_view jwks_help();

// `args` are the arguments after "jwks". Never throws.
[[nodiscard]] int run_jwks_command(std::span<const std::string> args, std::ostream& out, std::ostream& err);

}  // namespace homebase::gateway::cli
