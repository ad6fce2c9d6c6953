// stable_uuid: name-based UUIDs (RFC 4122 version 5, SHA-1) so that the same business key always yields
// the same urn:uuid fullUrl. SHA-1 comes from OpenSSL's libcrypto; it names, it does not protect.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace homebase::mappers::outbound {

// SHA-1 digest of `data`.
[[nodiscard]] std::array<std::uint8_t, 20> sha1(std::string_view data);

// UUID v5 of `name` in the RFC 4122 URL namespace (6ba7b811-9dad-11d1-80b4-00c04fd430c8), lower-case text.
[[nodiscard]] std::string uuid_v5(std::string_view name);

}  // namespace homebase::mappers::outbound
