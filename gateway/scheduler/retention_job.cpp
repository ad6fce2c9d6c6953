#include "gateway/scheduler/retention_job.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <string>

#include "fhir/fhir_time.hpp"
#include "gateway/audit/audit_trail.hpp"
#include "gateway/log/json_log.hpp"
#include "gateway/metrics/gateway_metrics.hpp"
#include "gateway/store/retention_purge.hpp"
#include "gateway/store/store_awaitable.hpp"

namespace homebase::gateway::scheduler {

namespace asio = boost::asio;
namespace purge = store::retention_purge;
namespace audit_model = mappers::audit;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

enum class purge_kind { message_body, attempt, audit_event };

const char* label(purge_kind kind) {
  switch (kind) {
    case purge_kind::message_body:
      return "message_body";
    case purge_kind::attempt:
      return "attempt";
    case purge_kind::audit_event:
      return "audit_event";
  }
  return "unknown";
}

const char* noun(purge_kind kind) {
  switch (kind) {
    case purge_kind::message_body:
      return "bodies of delivered messages";
    case purge_kind::attempt:
      return "delivery attempts of sent deliveries";
    case purge_kind::audit_event:
      return "AuditEvents";
  }
  return "rows";
}

}  // namespace

retention_job::retention_job(asio::io_context& ioc, config::config_ptr config, store::sqlite_store& store,
                             std::function<std::int64_t()> clock)
    : strand_(asio::make_strand(ioc)),
      timer_(strand_),
      config_(std::move(config)),
      store_(store),
      clock_(clock ? std::move(clock) : std::function<std::int64_t()>(&store::now_ms)) {}

void retention_job::start() {
  asio::post(strand_, [this] {
    started_ = true;
    if (config_->retention.enabled) spawn();
  });
}

void retention_job::apply(config::config_ptr next) {
  asio::post(strand_, [this, next] {
    config_ = next;  // the next pass (and pause) uses the new retention settings
    if (started_ && !running_ && config_->retention.enabled && !stopping_) spawn();
  });
}

void retention_job::spawn() {
  running_ = true;
  asio::co_spawn(strand_, run(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::write({.lvl = log::level::critical, .event = "retention.stopped", .detail = ex.what()});
    }
  });
}

void retention_job::stop() {
  stopping_ = true;
  asio::post(strand_, [this] { timer_.cancel(); });
}

asio::awaitable<bool> retention_job::pause() {
  if (stopping_) co_return false;
  timer_.expires_after(config_->retention.purge_pause);
  co_await timer_.async_wait(nothrow);
  co_return !stopping_;
}

asio::awaitable<void> retention_job::run() {
  while (!stopping_) {
    auto started = std::chrono::steady_clock::now();
    auto totals = co_await pass();
    ++passes_;
    if (totals.message_bodies + totals.attempts + totals.audit_events > 0 || totals.failed)
      log::write({.lvl = totals.failed ? log::level::warn : log::level::info,
                  .event = "retention.pass",
                  .detail = "purged " + std::to_string(totals.message_bodies) + " message bodies, " +
                            std::to_string(totals.attempts) + " attempts, " +
                            std::to_string(totals.audit_events) + " AuditEvents" +
                            (totals.failed ? "; a batch failed, the next pass tries again" : "")});
    if (stopping_) break;
    timer_.expires_at(started + config_->retention.purge_every);
    co_await timer_.async_wait(nothrow);
  }
}

asio::awaitable<retention_job::pass_totals> retention_job::pass() {
  pass_totals totals;
  const auto config = config_;  // the pass's config: a reload meanwhile applies to the next pass
  const auto& settings = config->retention;
  const std::int64_t now = clock_();
  auto cutoff_ms = [now](std::chrono::seconds keep) { return now - keep.count() * 1000; };
  const int limit = settings.purge_batch;
  const std::string gateway_url = config->server.public_base_url;

  for (auto kind : {purge_kind::message_body, purge_kind::attempt, purge_kind::audit_event}) {
    const std::int64_t cut = cutoff_ms(kind == purge_kind::message_body ? settings.message_bodies
                                       : kind == purge_kind::attempt    ? settings.delivery_attempts
                                                                        : settings.audit_events);
    const std::string cut_text = fhir::format_instant(cut);
    std::int64_t cursor = 0;
    for (bool done = false; !done && !stopping_;) {
      auto result = std::make_shared<purge::batch_result>();
      store::sqlite_store::job batch = [kind, cursor, cut, cut_text, limit, now, gateway_url,
                                        result](store::write_tx& tx) {
        switch (kind) {
          case purge_kind::message_body:
            *result = purge::purge_message_bodies(tx, cursor, cut_text, limit);
            break;
          case purge_kind::attempt:
            *result = purge::purge_attempts(tx, cursor, cut_text, limit);
            break;
          case purge_kind::audit_event:
            *result = purge::purge_audit_events(tx, cut, limit);
            break;
        }
        if (tx.ok() && result->purged > 0) {
          // The operator-visible effect, audited with it: what went, how many, and up to when.
          audit_model::audit_record r;
          r.kind = audit_model::audit_kind::admin_action;
          r.action_name = "purge";
          r.recorded_ms = now;
          r.client = {.id = "homebase",
                      .kind = "gateway",
                      .name = "retention purge",
                      .identifier = {},
                      .address = ""};
          r.gateway_url = gateway_url;
          r.outcome_desc = "purged " + std::to_string(result->purged) + " " + noun(kind) + " older than " +
                           cut_text + " (retention)";
          (void)audit::record(tx, r);
        }
        return tx.ok();
      };
      bool committed = co_await store::run_in_store(store_, std::move(batch));
      if (!committed) {
        totals.failed = true;
        break;
      }
      metrics::gateway_metrics::instance().purged(label(kind), result->purged);
      (kind == purge_kind::message_body ? totals.message_bodies
       : kind == purge_kind::attempt    ? totals.attempts
                                        : totals.audit_events) += result->purged;
      cursor = result->cursor;
      done = result->done;
      if (!done && !(co_await pause())) break;
    }
  }
  co_return totals;
}

}  // namespace homebase::gateway::scheduler
