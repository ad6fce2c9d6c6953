// password_hash: the console's password hashes (config console.users[].password_hash): scrypt through
// OpenSSL's EVP_KDF "SCRYPT", written as one self-describing string
//   hash    = "$scrypt$ln=" LOG2N ",r=" R ",p=" P "$" SALT "$" KEY
//   SALT    = base64url (no padding) of 16 random bytes (RAND_bytes)
//   KEY     = base64url (no padding) of the 32-byte derived key
// The default cost is one of OWASP's scrypt settings (Password Storage Cheat Sheet): N=2^15, r=8, p=3
// (32 MiB, about 0.1-0.2 s here). Verifying recomputes the key with the string's own parameters and
// compares in constant time (CRYPTO_memcmp); parameters outside sane bounds are refused, so a bad string
// cannot make a check take minutes or gigabytes. Pure functions, thread-safe, CPU-heavy: the console runs
// them off the I/O threads (console_routes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace homebase::gateway::console {

struct scrypt_cost {
  int log2_n = 15;
  int r = 8;
  int p = 3;
};

// nullopt when OpenSSL fails (no randomness, out of memory) or the cost is out of bounds.
[[nodiscard]] std::optional<std::string> hash_password(std::string_view password,
                                                       const scrypt_cost& cost = {});

// Whether `encoded` is a well-formed hash this unit can check (bounds included).
[[nodiscard]] bool is_password_hash(std::string_view encoded);

// true only when `encoded` is well formed and `password` derives the same key.
[[nodiscard]] bool verify_password(std::string_view password, std::string_view encoded);

}  // namespace homebase::gateway::console
