// sd_notify through the real binary (issue 13 item 5): the test plays systemd. It binds a unix datagram
// socket, starts homebase with NOTIFY_SOCKET naming it and WATCHDOG_USEC set, and asserts what
// deploy/systemd/homebase.service relies on: READY=1 comes once the gateway listens (its status names the
// port of the LISTENING line, and /healthz and /readyz answer by then), WATCHDOG=1 comes again and again
// from the event loop, SIGHUP gives RELOADING=1 then READY=1, and SIGTERM gives STOPPING=1 before a clean
// exit. Without NOTIFY_SOCKET every other integration test runs the same binary unchanged.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/notify_socket.hpp"

namespace homebase::testing {
namespace {

TEST(service_notify, ready_after_listening_watchdog_pings_reload_and_stopping) {
  temp_dir dir;
  notify_socket manager(dir.path() / "notify.sock");
  ASSERT_TRUE(manager.bound());
  // The environment systemd gives a Type=notify service with WatchdogSec=1 (a ping every 0.5 s).
  setenv("NOTIFY_SOCKET", manager.path().c_str(), 1);
  setenv("WATCHDOG_USEC", "1000000", 1);
  gateway_process gw;
  std::string error;
  bool started = gw.start(dir, {.medical_home_base = "http://127.0.0.1:9/fhir"}, error);
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  ASSERT_TRUE(started) << error;
  auto port = std::to_string(gw.process.port());

  // READY=1 is the first thing the manager hears, and it names the port LISTENING announced.
  ASSERT_TRUE(manager.wait_until([](const auto& m) { return !m.empty(); }));
  EXPECT_EQ(manager.messages().front(), "READY=1\nSTATUS=listening on port " + port);
  EXPECT_EQ(http_call("GET", gw.url("/healthz")).status, 200);
  EXPECT_EQ(http_call("GET", gw.url("/readyz")).status, 200);

  // The watchdog: pings keep coming while the gateway runs.
  EXPECT_TRUE(manager.wait_until([](const auto& m) { return count_of(m, "WATCHDOG=1") >= 3; }))
      << manager.messages().size() << " message(s)";

  // SIGHUP: RELOADING=1 (with the monotonic time), then READY=1 again.
  kill(gw.process.pid(), SIGHUP);
  ASSERT_TRUE(manager.wait_until([](const auto& m) { return count_of(m, "READY=1\nSTATUS=reloaded") == 1; }));
  auto messages = manager.messages();
  std::size_t reloading = messages.size(), reloaded = messages.size();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].rfind("RELOADING=1\nMONOTONIC_USEC=", 0) == 0 && reloading == messages.size())
      reloading = i;
    if (messages[i] == "READY=1\nSTATUS=reloaded") reloaded = i;
  }
  EXPECT_LT(reloading, reloaded);

  // A reload of a file that does not load: READY=1 again (the gateway serves on), but never "reloaded".
  write_file(gw.config, read_file(gw.config) + "not_a_key: 1\n");
  kill(gw.process.pid(), SIGHUP);
  ASSERT_TRUE(manager.wait_until([](const auto& m) {
    for (const auto& x : m)
      if (x.rfind("READY=1\nSTATUS=reload failed, serving the previous configuration: ", 0) == 0) return true;
    return false;
  }));
  EXPECT_EQ(count_of(manager.messages(), "READY=1\nSTATUS=reloaded"), 1);
  EXPECT_EQ(http_call("GET", gw.url("/healthz")).status, 200);

  // SIGTERM: STOPPING=1, then the gateway drains and exits 0.
  EXPECT_EQ(gw.process.stop(SIGTERM), 0);
  EXPECT_TRUE(manager.wait_until(
      [](const auto& m) { return count_of(m, "STOPPING=1\nSTATUS=stopping on signal 15") == 1; }));
}

TEST(service_notify, store_path_from_the_environment_wins_over_the_config) {
  temp_dir dir;
  auto elsewhere = dir.path() / "state" / "homebase.db";
  std::filesystem::create_directories(elsewhere.parent_path());
  setenv("HOMEBASE_STORE_PATH", elsewhere.c_str(), 1);
  gateway_process gw;
  std::string error;
  bool started = gw.start(dir, {.medical_home_base = "http://127.0.0.1:9/fhir"}, error);
  unsetenv("HOMEBASE_STORE_PATH");
  ASSERT_TRUE(started) << error;
  EXPECT_EQ(http_call("GET", gw.url("/readyz")).status, 200);
  EXPECT_TRUE(std::filesystem::exists(elsewhere));
  EXPECT_FALSE(std::filesystem::exists(gw.db)) << "the config's store.path was used";
  EXPECT_EQ(gw.process.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace homebase::testing
