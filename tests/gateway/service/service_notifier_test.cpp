// service_notifier against a real unix datagram socket standing in for systemd: READY=1 with a status,
// WATCHDOG=1 repeatedly from the io_context at half the interval, RELOADING=1 with MONOTONIC_USEC, then
// READY=1, STOPPING=1 that ends the pings; and nothing at all, not even a timer, without NOTIFY_SOCKET.
#include "gateway/service/service_notifier.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <thread>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/notify_socket.hpp"

namespace homebase::testing {
namespace {

using gateway::service::service_notifier;
using namespace std::chrono_literals;

// The environment a service manager gives its service (each test sets all of it; tests share a process
// when the binary is run by hand).
void manager_environment(const std::string& socket, const std::string& watchdog_usec,
                         const std::string& watchdog_pid = {}) {
  auto set = [](const char* name, const std::string& value) {
    if (value.empty())
      unsetenv(name);
    else
      setenv(name, value.c_str(), 1);
  };
  set("NOTIFY_SOCKET", socket);
  set("WATCHDOG_USEC", watchdog_usec);
  set("WATCHDOG_PID", watchdog_pid);
}

TEST(service_notifier, does_nothing_without_notify_socket) {
  temp_dir dir;
  notify_socket manager(dir.path() / "notify.sock");
  ASSERT_TRUE(manager.bound());
  manager_environment("", "100000");
  boost::asio::io_context ioc;
  {
    service_notifier notifier(ioc);
    EXPECT_FALSE(notifier.active());
    EXPECT_EQ(notifier.watchdog_interval().count(), 0);
    notifier.ready("up");
    notifier.reloading();
    notifier.reloaded("up");
    notifier.stopping("down");
  }
  EXPECT_EQ(ioc.run(), 0u);  // no timer, no posted work

  // A notifier that does have the socket: its message is the first the manager gets.
  manager_environment(manager.path().string(), "");
  service_notifier later(ioc);
  later.reloaded("marker");
  ASSERT_TRUE(manager.wait_until([](const auto& m) { return !m.empty(); }));
  EXPECT_EQ(manager.messages().front(), "READY=1\nSTATUS=marker");
}

TEST(service_notifier, sends_ready_then_pings_the_watchdog_until_stopping) {
  temp_dir dir;
  notify_socket manager(dir.path() / "notify.sock");
  ASSERT_TRUE(manager.bound());
  manager_environment(manager.path().string(), "100000");  // 100 ms: a ping every 50 ms
  boost::asio::io_context ioc;
  service_notifier notifier(ioc);
  EXPECT_TRUE(notifier.active());
  EXPECT_EQ(notifier.watchdog_interval(), 100ms);

  notifier.ready("listening on port 8080");
  std::thread loop([&ioc] { ioc.run_for(60s); });
  EXPECT_TRUE(manager.wait_until([](const auto& m) { return count_of(m, "WATCHDOG=1") >= 3; }));
  auto first = manager.messages();
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.front(), "READY=1\nSTATUS=listening on port 8080");

  notifier.stopping("stopping on signal 15");
  loop.join();  // the cancelled timer was the loop's last work: it returns long before 60 s
  EXPECT_TRUE(ioc.stopped());
  EXPECT_TRUE(manager.wait_until(
      [](const auto& m) { return count_of(m, "STOPPING=1\nSTATUS=stopping on signal 15") == 1; }));
}

TEST(service_notifier, reload_says_reloading_with_the_monotonic_time_then_ready) {
  temp_dir dir;
  notify_socket manager(dir.path() / "notify.sock");
  ASSERT_TRUE(manager.bound());
  manager_environment(manager.path().string(), "");
  boost::asio::io_context ioc;
  service_notifier notifier(ioc);
  EXPECT_EQ(notifier.watchdog_interval().count(), 0);
  notifier.reloading();
  notifier.reloaded("reloaded");
  ASSERT_TRUE(manager.wait_until([](const auto& m) { return m.size() >= 2; }));
  auto messages = manager.messages();
  EXPECT_EQ(messages[0].rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u) << messages[0];
  auto usec = messages[0].substr(std::string("RELOADING=1\nMONOTONIC_USEC=").size());
  EXPECT_FALSE(usec.empty());
  EXPECT_EQ(usec.find_first_not_of("0123456789"), std::string::npos) << usec;
  EXPECT_EQ(messages[1], "READY=1\nSTATUS=reloaded");
  EXPECT_EQ(ioc.run(), 0u);  // no watchdog asked for: no timer
}

TEST(service_notifier, a_failed_reload_is_ready_again_but_never_says_reloaded) {
  temp_dir dir;
  notify_socket manager(dir.path() / "notify.sock");
  ASSERT_TRUE(manager.bound());
  manager_environment(manager.path().string(), "");
  boost::asio::io_context ioc;
  service_notifier notifier(ioc);
  notifier.reloading();
  notifier.reload_failed("homebase.yaml:12: delivery.window: must be a number\nmore");
  ASSERT_TRUE(manager.wait_until([](const auto& m) { return m.size() >= 2; }));
  auto messages = manager.messages();
  EXPECT_EQ(messages[0].rfind("RELOADING=1\n", 0), 0u) << messages[0];
  EXPECT_EQ(messages[1],
            "READY=1\nSTATUS=reload failed, serving the previous configuration: homebase.yaml:12: "
            "delivery.window: must be a number more");
}

TEST(service_notifier, ignores_a_watchdog_meant_for_another_process) {
  temp_dir dir;
  notify_socket manager(dir.path() / "notify.sock");
  ASSERT_TRUE(manager.bound());
  manager_environment(manager.path().string(), "100000", std::to_string(getppid()));
  boost::asio::io_context ioc;
  service_notifier notifier(ioc);
  EXPECT_TRUE(notifier.active());
  EXPECT_EQ(notifier.watchdog_interval().count(), 0);
  manager_environment(manager.path().string(), "100000", std::to_string(getpid()));
  service_notifier ours(ioc);
  EXPECT_EQ(ours.watchdog_interval(), 100ms);
}

}  // namespace
}  // namespace homebase::testing
