#include "gateway/admin/config_reload_operation.hpp"

#include <gtest/gtest.h>

namespace homebase::gateway::admin {
namespace {

TEST(config_reload_operation, success_lists_each_kind_of_change_and_the_restart_keys) {
  reload::reload_result r;
  r.ok = true;
  r.changes.partners.added = {"clinic"};
  r.changes.clients.removed = {"old-app"};
  r.changes.restart_keys = {"server.port"};
  auto json = config_reload_operation::outcome_of(r).to_json();
  EXPECT_NE(json.find("partners added: clinic"), std::string::npos) << json;
  EXPECT_NE(json.find("clients removed: old-app"), std::string::npos) << json;
  EXPECT_NE(json.find("\"severity\":\"warning\""), std::string::npos) << json;
  EXPECT_NE(json.find("applied only after a restart (the running values stay): server.port"),
            std::string::npos);
  EXPECT_FALSE(config_reload_operation::outcome_of(r).has_errors());
}

TEST(config_reload_operation, no_change_is_said_so) {
  reload::reload_result r;
  r.ok = true;
  auto json = config_reload_operation::outcome_of(r).to_json();
  EXPECT_NE(json.find("no change"), std::string::npos) << json;
}

TEST(config_reload_operation, failure_is_an_error_with_the_loaders_text) {
  reload::reload_result r;
  r.error = "/etc/homebase.yaml:12: delivery.window: must be a number";
  auto outcome = config_reload_operation::outcome_of(r);
  EXPECT_TRUE(outcome.has_errors());
  EXPECT_NE(outcome.to_json().find("/etc/homebase.yaml:12: delivery.window"), std::string::npos);
}

}  // namespace
}  // namespace homebase::gateway::admin
