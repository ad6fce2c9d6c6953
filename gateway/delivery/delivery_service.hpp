// delivery_service: one worker per destination (medical home) that takes its destination's outbox rows
// in order (FIFO), posts each with http_client, records every attempt through the store's writer and
// retries per retry_policy. Each worker is a coroutine on its own strand with its own timer, so one
// destination that is down or slow never delays another. Work already in the store when the gateway
// starts is resumed at once; notify() wakes a worker when a new row was committed. Every attempt is
// recorded with its AuditEvent (a PrivacyDisclosure to the medical home; a failed attempt with a failure
// outcome) in the same store job.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "config/gateway_config.hpp"
#include "gateway/delivery/retry_policy.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/audit/audit_event_builder.hpp"

namespace homebase::gateway::delivery {

class delivery_service {
 public:
  delivery_service(boost::asio::io_context& ioc, config::config_ptr config, store::sqlite_store& store);
  ~delivery_service();

  // Starts one worker per configured medical home.
  void start();
  // Thread-safe: a row for `destination` was committed.
  void notify(const std::string& destination);
  // Workers finish the attempt in progress and stop.
  void stop();
  // Deliveries between their POST and the recording of its outcome (any thread).
  [[nodiscard]] int in_flight() const { return in_flight_.load(); }

 private:
  struct worker;
  boost::asio::awaitable<void> run(std::shared_ptr<worker> w);
  // The AuditEvent facts of one attempt to deliver `row` to `home`.
  [[nodiscard]] mappers::audit::audit_record disclosure_record(const config::medical_home& home,
                                                               const store::outbox_row& row,
                                                               const mappers::model::identifier& patient,
                                                               const store::attempt_row& attempt, verdict v,
                                                               int attempt_number) const;

  boost::asio::io_context& ioc_;
  config::config_ptr config_;
  store::sqlite_store& store_;
  boost::asio::ssl::context tls_;
  retry_policy policy_;
  std::map<std::string, std::shared_ptr<worker>> workers_;  // fixed after start()
  std::atomic<int> in_flight_{0};
};

}  // namespace homebase::gateway::delivery
