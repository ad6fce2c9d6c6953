#include "gateway/cli/jwks_command.hpp"

#include <ostream>

#include "gateway/auth/client_assertion_signer.hpp"

namespace homebase::gateway::cli {

namespace {
constexpr const char* usage_text = "usage: homebase jwks --key FILE --kid KID [--alg RS384|ES384]\n";
}  // namespace

std::string_view jwks_help() {
  return "usage: homebase jwks --key FILE --kid KID [--alg RS384|ES384]\n"
         "\n"
         "Prints the public JWK Set of Homebase's private key (one line of JSON), to register Homebase at a\n"
         "medical home's or school's authorization server for SMART Backend Services.\n"
         "  --key FILE   the PEM private key (RSA >= 2048 bits, or EC P-384)\n"
         "  --kid KID    the key id the JWK Set publishes (medical_homes[].auth.smart.key_id)\n"
         "  --alg ALG    RS384 or ES384; default: the one that fits the key\n"
         "\n"
         "Exit status: 0 printed; 2 usage error or a key that cannot be used.\n";
}

int run_jwks_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    out << jwks_help();
    return 0;
  }
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
