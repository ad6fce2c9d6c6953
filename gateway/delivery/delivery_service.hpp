// delivery_service: brings outbox rows to the medical homes' FHIR servers.
//
// One worker per medical home, so that one home that is down or slow never delays another. A worker is a
// dispatcher coroutine on the worker's strand and `window` lanes (delivery.window, or the home's
// delivery_window; 0 holds the home's deliveries). Each lane has its own strand and its own keep-alive
// http_client. The dispatcher takes due rows from the store and hands each to a free lane; the lane reads
// the child's record as it is then, builds the transaction Bundle, checks it (outbound_check), posts it
// with the home's credentials (destination_credentials: SMART token, client certificate or bearer token)
// and records the attempt with its AuditEvent (a PrivacyDisclosure; a failed attempt with a failure
// outcome) in one store job, before the dispatcher hears of it.
//
// Order: FIFO per child. A row is taken only when it is the oldest undelivered row of its child for the
// home (store::sqlite_store::due_outbox) and no row of that child is in flight; the next row of the child
// is taken after the attempt committed. Different children's rows are in flight together, up to the
// window, and the lanes' CPU work (decode, mapping, validation) spreads over every I/O thread.
//
// Failures (retry_policy): a row that failed transiently waits its own backoff (or Retry-After) and is
// dead-lettered once it has been queued for delivery.give_up_after. The home as a whole is paused too: a
// transient failure (no answer, 5xx, 429, 408) stops every lane for the home's own backoff (or the
// Retry-After of a 429/503), then one row at a time is sent until one succeeds and the window opens again.
// A home that is down therefore gets a dozen attempts in its first hour and then one an hour, whatever
// the number of children waiting. A dead letter is logged as an ALERT and counted in GET /admin/status.
//
// Config reload (prepare_reload): a new medical home gets a worker; a removed one's worker stops after its
// attempts in flight (its queued rows stay in the store, for a later config or a transfer); a home whose
// URL, identifiers, credentials or window changed (or delivery settings) gets a new worker that starts once
// the old one has recorded its attempts in flight, so the next attempt uses the new settings; an unchanged
// home keeps its worker, its health and its token cache, and its next attempt builds with the new config.
//
// Work already in the store when the gateway starts resumes at once; notify() wakes a worker when a row
// was committed. stop() lets the attempts in flight finish and record. The constructor throws
// config::config_error when a home's key or certificate is unusable.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
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
  // Workers finish the attempts in progress and stop.
  void stop();
  // A config reload, phase 1: builds the workers of new and changed homes (throws config::config_error when
  // a home's key or certificate is unusable; nothing switched). Phase 2 is the returned step (thread-safe,
  // does not throw): the workers switch as the class comment says.
  [[nodiscard]] std::function<void()> prepare_reload(config::config_ptr next);
  // Deliveries between their POST and the recording of its outcome (any thread).
  [[nodiscard]] int in_flight() const { return in_flight_.load(); }

 private:
  struct lane;
  struct worker;
  struct attempt_report;
  boost::asio::awaitable<void> dispatch(std::shared_ptr<worker> w);
  void spawn(const std::shared_ptr<worker>& w);
  // On the worker's strand: hands `row` to a free lane.
  void start_lane(const std::shared_ptr<worker>& w, store::outbox_row row);
  // On the lane's strand: one attempt, recorded.
  boost::asio::awaitable<attempt_report> deliver(std::shared_ptr<worker> w, lane* l, store::outbox_row row,
                                                 std::uint64_t epoch);
  // On the worker's strand: the lane is free again; the home's health follows the outcome.
  void finish(const std::shared_ptr<worker>& w, lane* l, std::int64_t child_id, const attempt_report& r);
  // The AuditEvent facts of one attempt to deliver `row` to `home`.
  [[nodiscard]] mappers::audit::audit_record disclosure_record(const config::medical_home& home,
                                                               const store::outbox_row& row,
                                                               const mappers::model::identifier& patient,
                                                               const store::attempt_row& attempt, verdict v,
                                                               int attempt_number) const;

  boost::asio::io_context& ioc_;
  config::config_ptr config_;  // start-up config (public_base_url, a restart-only key)
  store::sqlite_store& store_;
  mutable std::mutex workers_mutex_;
  std::map<std::string, std::shared_ptr<worker>> workers_;  // guarded by workers_mutex_; a reload replaces it
  bool started_ = false;                                    // guarded by workers_mutex_
  bool stopped_ = false;                                    // guarded by workers_mutex_
  std::atomic<int> in_flight_{0};
};

}  // namespace homebase::gateway::delivery
