#include "gateway/cli/hash_password_command.hpp"

#include <openssl/crypto.h>

#include <charconv>
#include <istream>
#include <ostream>

#include "gateway/console/password_hash.hpp"

namespace homebase::gateway::cli {

int run_hash_password_command(std::span<const std::string> args, std::istream& in, std::ostream& out,
                              std::ostream& err) {
  constexpr const char* usage = "usage: homebase hash-password [--cost LOG2N] < password\n";
  console::scrypt_cost cost;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      out << usage
          << "Reads a password from stdin and prints its scrypt hash for console.users[].password_hash.\n";
      return 0;
    }
    if (args[i] == "--cost" && i + 1 < args.size()) {
      const auto& v = args[++i];
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), cost.log2_n);
      if (ec != std::errc() || p != v.data() + v.size() || cost.log2_n < 10 || cost.log2_n > 20) {
        err << "homebase hash-password: --cost must be 10..20\n";
        return 2;
      }
      continue;
    }
    err << usage;
    return 2;
  }
  std::string password;
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    err << "homebase hash-password: no password on stdin\n";
    return 2;
  }
  auto hash = console::hash_password(password, cost);
  OPENSSL_cleanse(password.data(), password.size());
  if (!hash) {
    err << "homebase hash-password: OpenSSL could not derive the key\n";
    return 1;
  }
  out << *hash << "\n";
  return 0;
}

}  // namespace homebase::gateway::cli
