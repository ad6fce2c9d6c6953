// service_notifier: tells systemd (or any service manager speaking its notify protocol) how the gateway is
// doing, through libsystemd's sd_notify: READY=1 once the gateway listens with its store open, STOPPING=1
// when a stop begins, RELOADING=1 and READY=1 around a config reload
// (its STATUS says whether it failed), and, when the manager asked for a
// watchdog (WATCHDOG_USEC), WATCHDOG=1 every half interval from a timer on the io_context, so the pings
// stop when the event loop stalls and the manager restarts the gateway (deploy/systemd/homebase.service:
// Type=notify, WatchdogSec=).
// Without NOTIFY_SOCKET in the environment (not started by a service manager) it does nothing at all: no
// message, no timer.
// Threads: every member function may be called from any thread (sd_notify opens a socket per message);
// the watchdog timer and its state live on a strand of the io_context.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <string>

namespace homebase::gateway::service {

class service_notifier {
 public:
  // Reads NOTIFY_SOCKET and WATCHDOG_USEC (and WATCHDOG_PID, which must be ours when set).
  explicit service_notifier(boost::asio::io_context& ioc);
  service_notifier(const service_notifier&) = delete;
  service_notifier& operator=(const service_notifier&) = delete;

  // True when a service manager listens (NOTIFY_SOCKET set).
  [[nodiscard]] bool active() const { return active_; }
  // The manager's watchdog interval (WatchdogSec); zero when it wants no pings.
  [[nodiscard]] std::chrono::microseconds watchdog_interval() const { return watchdog_; }

  // READY=1 with STATUS=`status`; starts the watchdog pings (the first at once).
  void ready(const std::string& status);
  // RELOADING=1 (with MONOTONIC_USEC, as systemd 253+ expects), then READY=1 when the reload is done.
  void reloading();
  void reloaded(const std::string& status);
  // After RELOADING=1, a reload that failed: READY=1 (the gateway still serves, on the previous
  // configuration) with STATUS="reload failed, serving the previous configuration: <error>", never the
  // success status.
  void reload_failed(const std::string& error);
  // STOPPING=1 with STATUS=`status`; no more watchdog pings.
  void stopping(const std::string& status);

 private:
  void send(const std::string& state) const;
  void ping();  // on strand_

  bool active_ = false;
  std::chrono::microseconds watchdog_{0};
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;  // on strand_
  bool pinging_ = false;             // on strand_
};

}  // namespace homebase::gateway::service
