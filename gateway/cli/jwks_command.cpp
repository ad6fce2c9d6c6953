#include "gateway/cli/jwks_command.hpp"

#include <ostream>

#include "gateway/auth/client_assertion_signer.hpp"

namespace homebase::gateway::cli {

namespace {
constexpr const char* usage_text = "usage: homebase jwks --key FILE --kid KID [--alg RS384|ES384]\n";
}  // namespace

int run_jwks_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  std::string key_file, kid, alg;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    std::string* target = arg == "--key"   ? &key_file
                          : arg == "--kid" ? &kid
                          : arg == "--alg" ? &alg
                                           : nullptr;
    if (target == nullptr || i + 1 >= args.size() || !target->empty()) {
      err << usage_text;
      return 2;
    }
    *target = args[++i];
  }
  if (key_file.empty() || kid.empty() || (!alg.empty() && alg != "RS384" && alg != "ES384")) {
    err << usage_text;
    return 2;
  }
  try {
    auth::client_assertion_signer signer(key_file, kid, alg);
    auto jwks = signer.public_jwks();
    if (jwks.empty()) {
      err << "homebase jwks: cannot read the public key of '" << key_file << "'\n";
      return 2;
    }
    out << jwks << "\n";
    return 0;
  } catch (const std::exception& e) {
    err << "homebase jwks: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace homebase::gateway::cli
