// retention_job: runs the retention purge (config `retention:`, store/retention_purge) while the gateway
// serves. Once at start and then every `purge_every`, a pass deletes what is past its retention: delivered
// messages' bodies, sent deliveries' attempts, and AuditEvents. A pass is a sequence of small write jobs
// (`purge_batch` rows each), every one waited for and followed by a pause of `purge_pause`, so that intake
// jobs reach the writer between them and a batch is only a short part of one group-commit transaction.
// Each batch that deleted anything writes, in its own transaction, an AuditEvent (admin_action "purge",
// what and how many, and the cutoff), and counts homebase_purged_total{kind}.
//
// One coroutine on its own strand with its own timer; the store's writer does the work. The cutoffs are
// taken from the wall clock at the start of each pass (`clock`, replaceable for tests).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <functional>

#include "config/gateway_config.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::scheduler {

class retention_job {
 public:
  // What one pass deleted.
  struct pass_totals {
    std::int64_t message_bodies = 0;
    std::int64_t attempts = 0;
    std::int64_t audit_events = 0;
    bool failed = false;  // a batch's transaction failed; the next pass tries again
  };

  // `clock`: unix milliseconds now (store::now_ms by default).
  retention_job(boost::asio::io_context& ioc, config::config_ptr config, store::sqlite_store& store,
                std::function<std::int64_t()> clock = {});

  // Starts the passes (nothing when retention.enabled is false).
  void start();
  // Thread-safe: a config reload; the next pass uses `next`'s retention settings (and starts the passes
  // when they were disabled).
  void apply(config::config_ptr next);
  // The batch in progress finishes (the store drains it); no new one starts.
  void stop();
  // Passes completed so far (any thread).
  [[nodiscard]] std::uint64_t passes() const { return passes_.load(); }

  // One pass, on the caller's executor (tests run it directly).
  boost::asio::awaitable<pass_totals> pass();

 private:
  boost::asio::awaitable<void> run();
  void spawn();  // on strand_
  boost::asio::awaitable<bool> pause();

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;  // on strand_
  config::config_ptr config_;        // on strand_ (a reload replaces it there)
  store::sqlite_store& store_;
  std::function<std::int64_t()> clock_;
  bool started_ = false;  // on strand_
  bool running_ = false;  // on strand_
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> passes_{0};
};

}  // namespace homebase::gateway::scheduler
