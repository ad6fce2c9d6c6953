// gateway_metrics: every Prometheus metric the gateway keeps (prometheus-cpp core, third_party/), in one
// registry per process. The hot path records through the typed methods below: each is a lookup of a
// prebuilt series or a labelled one (prometheus-cpp: a mutex and a hash) and an atomic add; nothing
// reads the store. What needs the store or the file system (queue depth and age, dead letters, held and
// unroutable messages, store and WAL size, group-commit batch sizes) is read at scrape time by
// metrics_endpoint and set here with `set_*`.
//
// Names (all `homebase_`):
//   http_requests_total{route,status}                 counter: every answer of the router (route_label), and
//                                                      route "(edge)": what http/server refused first
//   intake_stage_seconds{stage}                        histogram: parse, validate, translate, writer_wait,
//                                                      commit (message_intake)
//   store_batch_size                                   histogram: jobs per group-commit transaction
//   delivery_attempts_total{medical_home,outcome}      counter: sent | retry | dead
//   delivery_conflicts_total{medical_home}             counter: 412s on a versioned write, each answered
//                                                      by one read-back and one retry (delivery_service)
//   delivery_queue_depth{medical_home,status}          gauge: queued | retrying rows
//   delivery_oldest_age_seconds{medical_home}          gauge: age of the oldest undelivered row
//   delivery_dead_letters{medical_home}                gauge: dead rows kept
//   messages_waiting{status}                           gauge: unroutable | held_for_match messages
//   rule_firings_total{rule,change}                    counter: coordination rule changes saved
//   auth_refusals_total{reason}                        counter: 401/403/429 refusals (route_policy reasons)
//   purged_total{kind}                                 counter: rows the retention purge deleted:
//   message_body |
//                                                      attempt | audit_event (scheduler/retention_job)
//   store_size_bytes, store_wal_size_bytes             gauge
//   build_info{version}                                gauge, 1
//
// Threads: any; prometheus-cpp's families and metrics are thread-safe. Owned by the process (instance()),
// like a Prometheus client's default registry, so that units record without being handed a pointer.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace homebase::gateway::metrics {

enum class intake_stage { parse, validate, translate, writer_wait, commit };
[[nodiscard]] std::string_view to_string(intake_stage stage);

class gateway_metrics {
 public:
  static gateway_metrics& instance();

  // Off: every recording method returns at once (config metrics.enabled: false; the benchmark's baseline).
  void set_enabled(bool on) { enabled_.store(on, std::memory_order_relaxed); }
  [[nodiscard]] bool enabled() const { return enabled_.load(std::memory_order_relaxed); }

  void request(std::string_view route, int status);
  void stage(intake_stage stage, std::chrono::steady_clock::duration took);
  void delivery_attempt(std::string_view medical_home, std::string_view outcome);
  // A versioned write met a 412 (the practice changed a resource): one more read and one more POST.
  void delivery_conflict(std::string_view medical_home);
  // One line of mappers::coordination::rule_run::changes ("added pcp-visit|ENC-1").
  void rule_change(std::string_view change);
  void auth_refused(std::string_view reason);
  // `kind`: message_body, attempt, audit_event.
  void purged(std::string_view kind, std::int64_t rows);

  // Scrape-time values.
  void set_queue(std::string_view medical_home, std::int64_t queued, std::int64_t retrying, std::int64_t dead,
                 double oldest_age_seconds);
  void set_messages_waiting(std::int64_t unroutable, std::int64_t held_for_match);
  void set_store_size(std::uint64_t db_bytes, std::uint64_t wal_bytes);

  [[nodiscard]] prometheus::Registry& registry() { return *registry_; }
  // The current value of a counter series (tests); 0 when it does not exist.
  [[nodiscard]] double counter_value(std::string_view family, const prometheus::Labels& labels) const;

  gateway_metrics(const gateway_metrics&) = delete;
  gateway_metrics& operator=(const gateway_metrics&) = delete;

 private:
  gateway_metrics();

  std::atomic<bool> enabled_{true};
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& stages_;
  std::array<prometheus::Histogram*, 5> stage_series_{};
  prometheus::Family<prometheus::Counter>& attempts_;
  prometheus::Family<prometheus::Counter>& conflicts_;
  prometheus::Family<prometheus::Counter>& rule_firings_;
  prometheus::Family<prometheus::Counter>& auth_refusals_;
  prometheus::Family<prometheus::Counter>& purged_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Family<prometheus::Gauge>& oldest_age_;
  prometheus::Family<prometheus::Gauge>& dead_letters_;
  prometheus::Family<prometheus::Gauge>& waiting_;
  prometheus::Gauge& store_size_;
  prometheus::Gauge& wal_size_;
};

}  // namespace homebase::gateway::metrics
