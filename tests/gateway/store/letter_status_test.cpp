#include "gateway/store/letter_status.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace homebase::gateway::store {
namespace {

using enum letter_status;

TEST(letter_status, every_status_has_one_text_and_reads_back_from_it) {
  const std::pair<letter_status, const char*> all[] = {
      {queued, "queued"}, {blocked, "blocked"}, {sending, "sending"},    {retrying, "retrying"},
      {sent, "sent"},     {dead, "dead"},       {cancelled, "cancelled"}};
  for (const auto& [status, text] : all) {
    EXPECT_EQ(to_string(status), text);
    EXPECT_EQ(parse_letter_status(text), status) << text;
    std::ostringstream printed;
    printed << status;
    EXPECT_EQ(printed.str(), text);
  }
}

TEST(letter_status, other_text_is_no_status) {
  for (const char* text : {"", "Sent", "sent ", "requested", "failed", "invalid"})
    EXPECT_EQ(parse_letter_status(text), std::nullopt) << text;
  EXPECT_EQ(to_string(static_cast<letter_status>(99)), "invalid");
}

TEST(letter_status, pending_is_queued_retrying_or_sending) {
  EXPECT_TRUE(is_pending(queued));
  EXPECT_TRUE(is_pending(retrying));
  EXPECT_TRUE(is_pending(sending));
  for (auto s : {blocked, sent, dead, cancelled}) EXPECT_FALSE(is_pending(s)) << s;
}

}  // namespace
}  // namespace homebase::gateway::store
