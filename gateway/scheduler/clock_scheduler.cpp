#include "gateway/scheduler/clock_scheduler.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "gateway/child/child_writer.hpp"
#include "gateway/log/json_log.hpp"
#include "gateway/store/store_awaitable.hpp"
#include "mappers/model/record_codec.hpp"

namespace homebase::gateway::scheduler {

namespace asio = boost::asio;
namespace model = mappers::model;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr int batch_limit = 64;  // children per pass; the next pass follows at once
}  // namespace

clock_scheduler::clock_scheduler(asio::io_context& ioc, config::config_ptr config, store::sqlite_store& store,
                                 std::function<void(const std::string&)> delivered_to)
    : strand_(asio::make_strand(ioc)),
      timer_(strand_),
      config_(std::move(config)),
      store_(store),
      notify_delivery_(std::move(delivered_to)) {}

void clock_scheduler::start() {
  asio::post(strand_, [this] {
    started_ = true;
    if (config_->coordination.enabled) spawn();
  });
}

void clock_scheduler::apply(config::config_ptr next) {
  asio::post(strand_, [this, next] {
    config_ = next;  // the next firing runs the rules of the new config
    if (started_ && !running_ && config_->coordination.enabled && !stopping_) spawn();
    woken_ = true;
    timer_.cancel();
  });
}

void clock_scheduler::spawn() {
  running_ = true;
  asio::co_spawn(strand_, run(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::write({.lvl = log::level::critical, .event = "scheduler.stopped", .detail = ex.what()});
    }
  });
}

void clock_scheduler::notify() {
  asio::post(strand_, [this] {
    woken_ = true;
    timer_.cancel();
  });
}

void clock_scheduler::stop() {
  stopping_ = true;
  asio::post(strand_, [this] { timer_.cancel(); });
}

asio::awaitable<void> clock_scheduler::run() {
  while (!stopping_) {
    woken_ = false;
    auto now = store::now_ms();
    auto due = store_.coordination_due_children(now, batch_limit);
    for (auto child_id : due) {
      if (stopping_) co_return;
      auto result = co_await fire(child_id);
      if (!result.destination.empty() && notify_delivery_) notify_delivery_(result.destination);
    }
    if (static_cast<int>(due.size()) == batch_limit) continue;
    auto next = store_.earliest_coordination_due();
    now = store::now_ms();
    auto wait = std::chrono::milliseconds(next ? std::max<std::int64_t>(*next - now, 0) : 0);
    if (!next || wait > idle_poll) wait = idle_poll;
    if (next && *next <= now) continue;
    if (woken_ || stopping_) continue;
    timer_.expires_after(wait);
    co_await timer_.async_wait(nothrow);
  }
}

asio::awaitable<clock_scheduler::fired> clock_scheduler::fire(std::int64_t child_id) {
  auto result = std::make_shared<fired>();
  result->child_id = child_id;
  auto config = config_;
  store::sqlite_store::job job = [result, config, child_id](store::write_tx& tx) {
    auto now = store::now_ms();
    // Looked at again inside the transaction: an ingest may have moved or cleared it meanwhile.
    auto due = tx.coordination_due(child_id);
    if (!due || *due > now) return tx.ok();
    auto stored = tx.child_record(child_id);
    auto record = stored ? model::decode(*stored) : std::nullopt;
    if (!record) {
      // A record this version cannot read cannot be evaluated; firing again would not change that.
      tx.set_coordination_due(child_id, std::nullopt);
      return tx.ok();
    }
    auto prepared = child::prepare_child(*record, *config, now, "scheduler");
    result->changed = prepared.coordination.changed;
    if (!prepared.coordination.changed) {
      // Nothing to save but the next due time.
      child::save_coordination_due(tx, child_id, prepared.coordination);
      return tx.ok();
    }
    child::save_cause cause;
    cause.kind = child::save_kind::clock;
    auto saved = child::save_child(tx, child_id, prepared, cause, now);
    if (saved.queued) result->destination = saved.home;
    return tx.ok();
  };
  bool committed = co_await store::run_in_store(store_, std::move(job));
  if (!committed) {
    result->destination.clear();
    // The due row is unchanged: back off briefly instead of spinning on a failing store.
    timer_.expires_after(std::chrono::seconds(1));
    co_await timer_.async_wait(nothrow);
  }
  co_return *result;
}

}  // namespace homebase::gateway::scheduler
