#include "mappers/outbound/stable_uuid.hpp"

#include <openssl/sha.h>

namespace homebase::mappers::outbound {

std::array<std::uint8_t, 20> sha1(std::string_view data) {
  // OpenSSL's SHA-1 uses the CPU's SHA extensions where present.
  std::array<std::uint8_t, 20> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return digest;
}

std::string uuid_v5(std::string_view name) {
  static constexpr std::array<std::uint8_t, 16> url_namespace{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                                              0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
  std::string input(url_namespace.begin(), url_namespace.end());
  input.append(name);
  auto digest = sha1(input);
  digest[6] = static_cast<std::uint8_t>((digest[6] & 0x0F) | 0x50);
  digest[8] = static_cast<std::uint8_t>((digest[8] & 0x3F) | 0x80);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0x0F]);
  }
  return out;
}

}  // namespace homebase::mappers::outbound
