// hash_password_command: `homebase hash-password [--cost LOG2N]`, reads one password from stdin (the
// first line, without its line end) and prints its scrypt hash (gateway/console/password_hash) for the
// config's console.users[].password_hash. The password is never an argument (it would show in `ps` and
// the shell history). --cost sets log2(N) (default 15, with r=8, p=3; 10..20).
// Exit status: 0 printed; 2 on a usage error or an empty password (the reason on stderr); 1 when OpenSSL
// fails.
#pragma once

#include <iosfwd>
#include <span>
#include <string>

namespace homebase::gateway::cli {

// `args` are the arguments after "hash-password". Never throws.
[[nodiscard]] int run_hash_password_command(std::span<const std::string> args, std::istream& in,
                                            std::ostream& out, std::ostream& err);

}  // namespace homebase::gateway::cli
