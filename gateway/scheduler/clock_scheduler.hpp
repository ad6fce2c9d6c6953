// clock_scheduler: fires the time-driven coordination rules (EI clocks, referral loop closure, ...) when
// they come due, durably. The due times live in the store (`coordination_due`, one row per child, written
// in the same transaction as the child's record), so they survive restarts: on start the scheduler reads
// the table and anything already past fires at once.
//
// One coroutine on its own strand with its own timer sleeps until the earliest due time (or until
// notify(), or at most `idle_poll`), then, per due child, runs one writer job: load the record, run the
// rules with now, and when they changed it save it through the child writer (gateway/child/child_writer:
// record, index, next due time, and an outbox row to the child's medical home when what it gets changed);
// otherwise only the next due time is set (or cleared). The row, the record and the due time commit together,
// and every item's key is stable, so a crash before the commit fires again without duplicates and a
// commit fires never again.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "config/gateway_config.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::scheduler {

class clock_scheduler {
 public:
  // `delivered_to` is called (on the scheduler's strand) with a destination after a commit that queued
  // an outbox row for it.
  clock_scheduler(boost::asio::io_context& ioc, config::config_ptr config, store::sqlite_store& store,
                  std::function<void(const std::string&)> delivered_to);

  void start();
  // Thread-safe: a config reload; the next firing runs with `next` (its rules), and a scheduler that was
  // idle because coordination was disabled starts when the new config enables it.
  void apply(config::config_ptr next);
  // Thread-safe: a due time may have been written; look at the table again.
  void notify();
  // The job in progress finishes (the store drains it); no new one starts.
  void stop();

  // What one pass over the due children did (for the log and the tests).
  struct fired {
    std::int64_t child_id = 0;
    bool changed = false;
    std::string destination;  // empty: nothing queued
  };

  // Longest sleep without a notify: a safety net, since every ingest notifies.
  static constexpr std::chrono::seconds idle_poll{30};

 private:
  boost::asio::awaitable<void> run();
  void spawn();  // on strand_
  boost::asio::awaitable<fired> fire(std::int64_t child_id);

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;  // on strand_
  config::config_ptr config_;        // on strand_ (a reload replaces it there)
  store::sqlite_store& store_;
  std::function<void(const std::string&)> notify_delivery_;
  bool started_ = false;  // on strand_
  bool running_ = false;  // on strand_: run() was spawned
  bool woken_ = false;    // on strand_: a notify arrived while not waiting
  std::atomic<bool> stopping_{false};
};

}  // namespace homebase::gateway::scheduler
