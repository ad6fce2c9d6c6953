#include "gateway/reload/config_reloader.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/gateway_harness.hpp"

namespace homebase::gateway::reload {
namespace {

using testing::temp_dir;
using testing::write_file;

const std::string good =
    "server:\n  port: 0\n"
    "store:\n  path: ':memory:'\n"
    "partners:\n  - id: nicu\n    source_endpoints: [https://nicu.example/fhir]\n";

struct fixture {
  temp_dir dir;
  std::string path = (dir.path() / "homebase.yaml").string();
  config::config_ptr started;
  fixture() {
    write_file(path, good);
    started = config::load_file(path);
  }
};

TEST(config_reloader, a_good_file_is_prepared_then_committed_everywhere) {
  fixture f;
  config_reloader reloader(f.path, f.started, config::with_bound_port(f.started, 4321));
  std::vector<std::string> steps;
  config::config_ptr seen;
  reloader.on_reload("a", [&](const config::config_ptr& next) {
    steps.push_back("prepare a");
    seen = next;
    return config_reloader::commit_fn([&] { steps.push_back("commit a"); });
  });
  reloader.on_reload("b", [&](const config::config_ptr&) {
    steps.push_back("prepare b");
    return config_reloader::commit_fn([&] { steps.push_back("commit b"); });
  });
  write_file(f.path, good + "  - id: clinic\n    source_endpoints: [https://clinic.example/fhir]\n");
  auto r = reloader.reload();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(steps, (std::vector<std::string>{"prepare a", "prepare b", "commit a", "commit b"}));
  EXPECT_EQ(r.changes.partners.added, std::vector<std::string>{"clinic"});
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->server.port, 4321);  // the running (bound) port: restart-only
  EXPECT_EQ(reloader.current(), seen);
  // The next reload compares with what the last one applied.
  auto again = reloader.reload();
  ASSERT_TRUE(again.ok);
  EXPECT_TRUE(again.changes.partners.empty());
}

TEST(config_reloader, a_bad_file_changes_nothing_and_names_file_line_and_key) {
  fixture f;
  auto running = config::with_bound_port(f.started, 4321);
  config_reloader reloader(f.path, f.started, running);
  int prepared = 0;
  reloader.on_reload("a", [&](const config::config_ptr&) {
    ++prepared;
    return config_reloader::commit_fn([] { FAIL() << "committed a bad config"; });
  });
  write_file(f.path, good + "delivery:\n  window: many\n");
  auto r = reloader.reload();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(prepared, 0);
  EXPECT_EQ(r.error.rfind(f.path + ":", 0), 0u) << r.error;
  EXPECT_NE(r.error.find("delivery.window"), std::string::npos) << r.error;
  EXPECT_EQ(reloader.current(), running);
}

TEST(config_reloader, a_component_that_refuses_stops_every_commit) {
  fixture f;
  config_reloader reloader(f.path, f.started, f.started);
  bool committed = false;
  reloader.on_reload("first", [&](const config::config_ptr&) {
    return config_reloader::commit_fn([&] { committed = true; });
  });
  reloader.on_reload("keys", [&](const config::config_ptr&) -> config_reloader::commit_fn {
    throw config::config_error("the key cannot be read");
  });
  auto r = reloader.reload();
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(committed);
  EXPECT_NE(r.error.find("keys: the key cannot be read"), std::string::npos) << r.error;
}

TEST(config_reloader, restart_only_keys_are_reported_and_not_applied) {
  fixture f;
  config_reloader reloader(f.path, f.started, f.started);
  config::config_ptr seen;
  reloader.on_reload("a", [&](const config::config_ptr& next) {
    seen = next;
    return config_reloader::commit_fn();
  });
  std::string changed = good;
  changed.replace(changed.find("port: 0"), 7, "port: 9");
  write_file(f.path, changed + "  - id: clinic\n    source_endpoints: [https://clinic.example/fhir]\n");
  auto r = reloader.reload();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.changes.restart_keys, std::vector<std::string>{"server.port"});
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->server.port, 0);
  EXPECT_EQ(seen->partners.size(), 2u);
}

}  // namespace
}  // namespace homebase::gateway::reload
