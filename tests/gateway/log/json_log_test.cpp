#include "gateway/log/json_log.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace homebase::gateway::log {
namespace {

rapidjson::Document parsed(const entry& e) {
  rapidjson::Document doc;
  auto text = "{" + members(e) + "}";
  doc.Parse(text.c_str());
  return doc;
}

TEST(json_log, members_are_json_and_leave_out_what_is_unset) {
  auto doc = parsed({.lvl = level::info,
                     .event = "message.accepted",
                     .request_id = "corr-1",
                     .message_id = 12,
                     .child = 3,
                     .client = "st-elsewhere-nicu",
                     .medical_home = "meadowbrook"});
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["event"].GetString(), "message.accepted");
  EXPECT_STREQ(doc["request_id"].GetString(), "corr-1");
  EXPECT_EQ(doc["message_id"].GetInt64(), 12);
  EXPECT_EQ(doc["child"].GetInt64(), 3);
  EXPECT_STREQ(doc["client"].GetString(), "st-elsewhere-nicu");
  EXPECT_STREQ(doc["medical_home"].GetString(), "meadowbrook");
  EXPECT_FALSE(doc.HasMember("delivery"));
  EXPECT_FALSE(doc.HasMember("status"));
  EXPECT_FALSE(doc.HasMember("detail"));
}

TEST(json_log, text_is_escaped_so_a_line_stays_one_json_object) {
  auto doc = parsed({.event = "x", .detail = "quote \" backslash \\ newline \n tab \t control \x01 end"});
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["detail"].GetString(), "quote \" backslash \\ newline \n tab \t control \x01 end");
  EXPECT_EQ(members({.event = "x", .detail = "a\nb"}).find('\n'), std::string::npos);
}

TEST(json_log, levels_parse_and_filter) {
  EXPECT_EQ(level_from_text("debug"), level::debug);
  EXPECT_EQ(level_from_text("warn"), level::warn);
  EXPECT_EQ(level_from_text("error"), level::error);
  EXPECT_FALSE(level_from_text("loud"));
  auto before = current_level();
  set_level(level::warn);
  EXPECT_FALSE(enabled(level::info));
  EXPECT_TRUE(enabled(level::warn));
  EXPECT_TRUE(enabled(level::error));
  set_level(level::debug);
  EXPECT_TRUE(enabled(level::info));
  EXPECT_FALSE(enabled(level::trace));
  set_level(level::off);
  EXPECT_FALSE(enabled(level::critical));
  set_level(before);
}

}  // namespace
}  // namespace homebase::gateway::log
