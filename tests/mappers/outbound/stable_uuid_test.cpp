#include "mappers/outbound/stable_uuid.hpp"

#include <gtest/gtest.h>

#include <string>

namespace homebase::mappers::outbound {
namespace {

std::string hex(const std::array<std::uint8_t, 20>& digest) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (auto b : digest) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0F]);
  }
  return out;
}

TEST(StableUuid, Sha1MatchesKnownDigests) {
  EXPECT_EQ(hex(sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  // Padding boundaries.
  EXPECT_EQ(hex(sha1(std::string(55, 'a'))), "c1c8bbdc22796e28c0e15163d20899b65621d65a");
  EXPECT_EQ(hex(sha1(std::string(56, 'a'))), "c2db330f6083854c99d4b5bfb6e8f29f201be699");
  EXPECT_EQ(hex(sha1(std::string(64, 'a'))), "0098ba824b5c16427bd7a1122a5a442a25ec644d");
  EXPECT_EQ(hex(sha1(std::string(1000, 'a'))), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
}

TEST(StableUuid, Version5InTheUrlNamespace) {
  // Python: uuid.uuid5(uuid.NAMESPACE_URL, ...)
  EXPECT_EQ(uuid_v5("http://python.org/"), "4c565f0d-3f5a-5890-b41b-20cf47701c5e");
  EXPECT_EQ(uuid_v5("urn:homebase:Patient:http://x|1"), "07bec578-b225-5c95-9d21-96e738f3a8da");
  EXPECT_NE(uuid_v5("a"), uuid_v5("b"));
}

}  // namespace
}  // namespace homebase::mappers::outbound
