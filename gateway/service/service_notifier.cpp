#include "gateway/service/service_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <boost/asio/post.hpp>
#include <cstdint>
#include <cstdlib>
#include <ctime>

namespace homebase::gateway::service {

namespace {

// CLOCK_MONOTONIC in microseconds, the clock systemd compares MONOTONIC_USEC with.
std::uint64_t monotonic_usec() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000u +
         static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
}

}  // namespace

service_notifier::service_notifier(boost::asio::io_context& ioc)
    : strand_(boost::asio::make_strand(ioc)), timer_(strand_) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  active_ = socket != nullptr && *socket != '\0';
  if (!active_) return;
  std::uint64_t usec = 0;
  // > 0: WATCHDOG_USEC is set and WATCHDOG_PID, when set, is this process.
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) watchdog_ = std::chrono::microseconds(usec);
}

void service_notifier::send(const std::string& state) const {
  if (!active_) return;
  // A manager that went away is no reason to stop serving: the result is not checked.
  (void)sd_notify(0, state.c_str());
}

void service_notifier::ready(const std::string& status) {
  if (!active_) return;
  send("READY=1\nSTATUS=" + status);
  if (watchdog_.count() == 0) return;
  boost::asio::post(strand_, [this] {
    pinging_ = true;
    ping();
  });
}

void service_notifier::ping() {
  if (!pinging_) return;
  send("WATCHDOG=1");
  timer_.expires_after(watchdog_ / 2);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) ping();
  });
}

void service_notifier::reloading() {
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
}

void service_notifier::reloaded(const std::string& status) {
  send("READY=1\nSTATUS=" + status);
}

void service_notifier::reload_failed(const std::string& error) {
  // The protocol has no "reload failed": the manager hears READY=1 (the gateway serves on), and the status
  // says that it serves the previous configuration and why.
  auto status = "reload failed, serving the previous configuration: " + error;
  for (auto& c : status)
    if (c == '\n') c = ' ';
  send("READY=1\nSTATUS=" + status.substr(0, 400));
}

void service_notifier::stopping(const std::string& status) {
  if (!active_) return;
  send("STOPPING=1\nSTATUS=" + status);
  boost::asio::post(strand_, [this] {
    pinging_ = false;
    timer_.cancel();
  });
}

}  // namespace homebase::gateway::service
