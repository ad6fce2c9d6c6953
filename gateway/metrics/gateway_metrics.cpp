#include "gateway/metrics/gateway_metrics.hpp"

namespace homebase::gateway::metrics {

namespace {

// 50 us to 10 s: a parse of a small message to a commit behind a long batch.
prometheus::Histogram::BucketBoundaries stage_buckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   10.0};
}

}  // namespace

std::string_view to_string(intake_stage stage) {
  switch (stage) {
    case intake_stage::parse:
      return "parse";
    case intake_stage::validate:
      return "validate";
    case intake_stage::translate:
      return "translate";
    case intake_stage::writer_wait:
      return "writer_wait";
    case intake_stage::commit:
      return "commit";
  }
  return "unknown";
}

gateway_metrics& gateway_metrics::instance() {
  static gateway_metrics metrics;
  return metrics;
}

gateway_metrics::gateway_metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("homebase_http_requests_total")
                    .Help("HTTP requests answered by the router, by route and status")
                    .Register(*registry_)),
      stages_(prometheus::BuildHistogram()
                  .Name("homebase_intake_stage_seconds")
                  .Help("Time of each intake stage of a message or document")
                  .Register(*registry_)),
      attempts_(prometheus::BuildCounter()
                    .Name("homebase_delivery_attempts_total")
                    .Help("Delivery attempts to medical homes, by outcome (sent, retry, dead)")
                    .Register(*registry_)),
      conflicts_(prometheus::BuildCounter()
                     .Name("homebase_delivery_conflicts_total")
                     .Help("Versioned writes refused with 412 because the practice changed a resource; each "
                           "costs one read-back and one retry")
                     .Register(*registry_)),
      rule_firings_(prometheus::BuildCounter()
                        .Name("homebase_rule_firings_total")
                        .Help("Changes the coordination rules made to saved records, by rule and change")
                        .Register(*registry_)),
      auth_refusals_(prometheus::BuildCounter()
                         .Name("homebase_auth_refusals_total")
                         .Help("Requests refused by authentication, permission or rate limit, by reason")
                         .Register(*registry_)),
      purged_(prometheus::BuildCounter()
                  .Name("homebase_purged_total")
                  .Help("Rows deleted by the retention purge, by kind (message_body, attempt, audit_event)")
                  .Register(*registry_)),
      queue_depth_(prometheus::BuildGauge()
                       .Name("homebase_delivery_queue_depth")
                       .Help("Undelivered outbox rows per medical home, by status (queued, retrying)")
                       .Register(*registry_)),
      oldest_age_(prometheus::BuildGauge()
                      .Name("homebase_delivery_oldest_age_seconds")
                      .Help("Age of the oldest undelivered outbox row per medical home (0: none)")
                      .Register(*registry_)),
      dead_letters_(prometheus::BuildGauge()
                        .Name("homebase_delivery_dead_letters")
                        .Help("Dead-lettered deliveries kept per medical home")
                        .Register(*registry_)),
      waiting_(prometheus::BuildGauge()
                   .Name("homebase_messages_waiting")
                   .Help("Messages waiting for a person, by status (unroutable, held_for_match)")
                   .Register(*registry_)),
      store_size_(prometheus::BuildGauge()
                      .Name("homebase_store_size_bytes")
                      .Help("Size of the SQLite database file")
                      .Register(*registry_)
                      .Add({})),
      wal_size_(prometheus::BuildGauge()
                    .Name("homebase_store_wal_size_bytes")
                    .Help("Size of the SQLite write-ahead log")
                    .Register(*registry_)
                    .Add({})) {
  for (auto s : {intake_stage::parse, intake_stage::validate, intake_stage::translate,
                 intake_stage::writer_wait, intake_stage::commit})
    stage_series_[static_cast<std::size_t>(s)] =
        &stages_.Add({{"stage", std::string(to_string(s))}}, stage_buckets());
  prometheus::BuildGauge()
      .Name("homebase_build_info")
      .Help("The running gateway's version (value 1)")
      .Register(*registry_)
      .Add({{"version", HOMEBASE_VERSION}})
      .Set(1);
  // Series that exist before their first event, so that a rate() sees them start at 0.
  waiting_.Add({{"status", "unroutable"}});
  waiting_.Add({{"status", "held_for_match"}});
}

void gateway_metrics::request(std::string_view route, int status) {
  if (!enabled()) return;
  requests_.Add({{"route", std::string(route)}, {"status", std::to_string(status)}}).Increment();
}

void gateway_metrics::stage(intake_stage stage, std::chrono::steady_clock::duration took) {
  if (!enabled()) return;
  stage_series_[static_cast<std::size_t>(stage)]->Observe(std::chrono::duration<double>(took).count());
}

void gateway_metrics::delivery_attempt(std::string_view medical_home, std::string_view outcome) {
  if (!enabled()) return;
  attempts_.Add({{"medical_home", std::string(medical_home)}, {"outcome", std::string(outcome)}}).Increment();
}

void gateway_metrics::delivery_conflict(std::string_view medical_home) {
  if (!enabled()) return;
  conflicts_.Add({{"medical_home", std::string(medical_home)}}).Increment();
}

void gateway_metrics::rule_change(std::string_view change) {
  if (!enabled()) return;
  // "<change> <rule>|<subject>": the rule id is bounded (the rules' own names); the subject is not a label.
  auto space = change.find(' ');
  if (space == std::string_view::npos) return;
  auto verb = change.substr(0, space);
  auto rest = change.substr(space + 1);
  auto rule = rest.substr(0, rest.find('|'));
  if (verb.empty() || rule.empty()) return;
  rule_firings_.Add({{"rule", std::string(rule)}, {"change", std::string(verb)}}).Increment();
}

void gateway_metrics::auth_refused(std::string_view reason) {
  if (!enabled()) return;
  auth_refusals_.Add({{"reason", reason.empty() ? std::string("unknown") : std::string(reason)}}).Increment();
}

void gateway_metrics::purged(std::string_view kind, std::int64_t rows) {
  if (!enabled() || rows <= 0) return;
  purged_.Add({{"kind", std::string(kind)}}).Increment(static_cast<double>(rows));
}

void gateway_metrics::set_queue(std::string_view medical_home, std::int64_t queued, std::int64_t retrying,
                                std::int64_t dead, double oldest_age_seconds) {
  std::string home(medical_home);
  queue_depth_.Add({{"medical_home", home}, {"status", "queued"}}).Set(static_cast<double>(queued));
  queue_depth_.Add({{"medical_home", home}, {"status", "retrying"}}).Set(static_cast<double>(retrying));
  dead_letters_.Add({{"medical_home", home}}).Set(static_cast<double>(dead));
  oldest_age_.Add({{"medical_home", home}}).Set(oldest_age_seconds);
}

void gateway_metrics::set_messages_waiting(std::int64_t unroutable, std::int64_t held_for_match) {
  waiting_.Add({{"status", "unroutable"}}).Set(static_cast<double>(unroutable));
  waiting_.Add({{"status", "held_for_match"}}).Set(static_cast<double>(held_for_match));
}

void gateway_metrics::set_store_size(std::uint64_t db_bytes, std::uint64_t wal_bytes) {
  store_size_.Set(static_cast<double>(db_bytes));
  wal_size_.Set(static_cast<double>(wal_bytes));
}

double gateway_metrics::counter_value(std::string_view family, const prometheus::Labels& labels) const {
  for (const auto& f : registry_->Collect()) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      bool all = true;
      for (const auto& [name, value] : labels) {
        bool found = false;
        for (const auto& l : m.label)
          if (l.name == name && l.value == value) found = true;
        all = all && found;
      }
      if (all && m.label.size() == labels.size()) return m.counter.value;
    }
  }
  return 0;
}

}  // namespace homebase::gateway::metrics
