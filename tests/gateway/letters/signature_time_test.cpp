#include "gateway/letters/signature_time.hpp"

#include <gtest/gtest.h>

namespace homebase::gateway::letters {
namespace {

TEST(signature_time, prints_an_instant_for_people) {
  EXPECT_EQ(printed_instant("2026-12-06T14:03:27.123Z"), "December 6, 2026 at 14:03 UTC");
  EXPECT_EQ(printed_instant("2027-01-31T09:05:00-05:00"), "January 31, 2027 at 09:05 UTC-05:00");
  EXPECT_EQ(printed_instant("2026-12-06T14:03"), "December 6, 2026 at 14:03");
}

TEST(signature_time, leaves_other_text_as_it_is) {
  EXPECT_EQ(printed_instant(""), "");
  EXPECT_EQ(printed_instant("yesterday"), "yesterday");
  EXPECT_EQ(printed_instant("2026-13-06T14:03:27Z"), "2026-13-06T14:03:27Z");
  EXPECT_EQ(printed_instant("2026-12-06"), "2026-12-06");
}

}  // namespace
}  // namespace homebase::gateway::letters
