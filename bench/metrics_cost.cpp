// metrics_cost: the CPU that metrics and logs add to one message on the intake path, measured with
// Google Benchmark (bench/README.md, "Metrics on the intake path"). One message records: the request
// (route, status), the five intake stages, the rule changes of its child (6, about what the load template's
// discharge makes), and one delivery attempt; and writes two log lines (http.request, message.accepted).
//   homebase_metrics_cost --benchmark_repetitions=5 --benchmark_report_aggregates_only=true 2>/dev/null
// (the log benchmarks write to stderr). Threads: 2 = the I/O threads of the bench gateway, which share
// the families' mutexes.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>

#include "gateway/log/json_log.hpp"
#include "gateway/metrics/gateway_metrics.hpp"
#include "gateway/metrics/metrics_endpoint.hpp"
#include "gateway/metrics/route_label.hpp"

namespace {

namespace metrics = homebase::gateway::metrics;
namespace hlog = homebase::gateway::log;

void record_one_message(metrics::gateway_metrics& m) {
  m.request(metrics::route_label("/fhir/$process-message"), 200);
  for (auto s :
       {metrics::intake_stage::parse, metrics::intake_stage::validate, metrics::intake_stage::translate,
        metrics::intake_stage::writer_wait, metrics::intake_stage::commit})
    m.stage(s, std::chrono::microseconds(850));
  for (const char* change :
       {"added pcp-visit|ENC-1", "added parent-partner-outreach|ENC-1", "added weight-check|ENC-1",
        "added schedule-followup|SR-1", "added interpreter|APT-1", "added transport|APT-2"})
    m.rule_change(change);
  m.delivery_attempt("bench-medical-home", "sent");
}

void BM_metrics_per_message(benchmark::State& state) {
  auto& m = metrics::gateway_metrics::instance();
  m.set_enabled(state.range(0) != 0);
  for (auto _ : state) record_one_message(m);
  m.set_enabled(true);
  state.SetLabel(state.range(0) != 0 ? "metrics on" : "metrics off");
}
BENCHMARK(BM_metrics_per_message)->Arg(1)->Arg(0)->Threads(1)->Threads(2)->UseRealTime();

void BM_log_lines_per_message(benchmark::State& state) {
  hlog::set_level(state.range(0) != 0 ? hlog::level::info : hlog::level::warn);
  for (auto _ : state) {
    hlog::write({.lvl = hlog::level::info,
                 .event = "http.request",
                 .request_id = "5b0c1f8e2d1a4c1e9a550b9f0e4f8a01",
                 .client = "st-elsewhere-nicu",
                 .status = 200,
                 .route = "/fhir/$process-message",
                 .detail = "POST 2210 us"});
    hlog::write({.lvl = hlog::level::info,
                 .event = "message.accepted",
                 .request_id = "5b0c1f8e2d1a4c1e9a550b9f0e4f8a01",
                 .message_id = 123456,
                 .child = 4242,
                 .client = "st-elsewhere-nicu",
                 .medical_home = "bench-medical-home",
                 .detail = "nicu-discharge"});
  }
  hlog::set_level(hlog::level::info);
  state.SetLabel(state.range(0) != 0 ? "level info: written" : "level warn: filtered");
}
BENCHMARK(BM_log_lines_per_message)->Arg(1)->Arg(0)->Threads(1)->Threads(2)->UseRealTime();

// One scrape of GET /metrics (off the intake path; Prometheus asks every 15 s or so) on a store with
// `range(0)` undelivered messages of 38 KB for one medical home: the store reads, the file sizes and the
// text. It holds the store's read connection meanwhile (the delivery workers' reads wait for it).
void BM_scrape(benchmark::State& state) {
  namespace fs = std::filesystem;
  namespace store = homebase::gateway::store;
  auto pattern = (fs::temp_directory_path() / "hb-metrics-cost-XXXXXX").string();
  std::string dir = mkdtemp(pattern.data());
  auto config = homebase::config::load_text("store:\n  path: " + dir + R"(/m.db
medical_homes:
  - id: bench-medical-home
    fhir_base_url: http://127.0.0.1:9/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "1234567893"}]
)");
  {
    store::sqlite_store db({config->store.path, 256});
    const std::string body(38 * 1024, 'x');
    auto rows = state.range(0);
    std::promise<bool> done;
    auto finished = done.get_future();
    (void)db.submit(
        [rows, &body](store::write_tx& tx) {
          for (std::int64_t i = 0; i < rows; ++i) {
            auto child = tx.save_child(std::nullopt, "{}", {{"mrn", std::to_string(i)}});
            store::stored_message m;
            m.bundle_id = "b" + std::to_string(i);
            m.header_id = "h" + std::to_string(i);
            m.partner_id = "p";
            m.event_code = "nicu-discharge";
            m.received_at = "2026-12-06T00:00:00.000Z";
            m.destination = "bench-medical-home";
            m.child_id = child;
            tx.insert_outbox(tx.insert_message(m, body), child, "bench-medical-home", 0);
          }
          return tx.ok();
        },
        [&done](bool ok) { done.set_value(ok); });
    if (!finished.get()) state.SkipWithError("could not fill the store");
    metrics::metrics_endpoint endpoint(config, db);
    std::size_t bytes = 0;
    for (auto _ : state) bytes = endpoint.scrape().size();
    state.counters["bytes"] = static_cast<double>(bytes);
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_scrape)->Arg(100)->Arg(2000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
