// index_writer: what the writer thread spends on a child's resource index (child/child_resources'
// store_child_resources), measured with Google Benchmark inside real store jobs on a store in /dev/shm
// (so that fsync is nearly free and the figure is the SQL and B-tree work). One benchmark iteration is one
// store job for 32 children, as a group commit at 64 connections holds; the rate is children/s.
//   new_child:       every resource is new (a message about a child the gateway did not know)
//   unchanged_child: every resource is already indexed with the same content (a repeat or a clock firing)
//   homebase_index_writer [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <string>

#include "bench/bench_message.hpp"
#include "fhir/json_document.hpp"
#include "gateway/child/child_resources.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/inbound/discharge_translator.hpp"

namespace {

namespace fs = std::filesystem;
namespace store = homebase::gateway::store;
namespace child = homebase::gateway::child;

constexpr int children_per_job = 32;

// CPU time of the whole process (the benchmark thread, the store's writer and its checkpointer), in µs:
// less disturbed by other jobs on a shared machine than the elapsed time.
double process_cpu_us() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

using homebase::bench::load_message;

// The projection of the load template (0) or the seed story (1).
const child::child_resources& projected(int which) {
  static const auto make = [](const std::string& path) {
    rapidjson::Document doc;
    (void)homebase::fhir::parse_json(load_message(path), doc);
    auto t = homebase::mappers::inbound::translate_discharge(doc);
    return child::project_child_resources(t.value.record);
  };
  static const child::child_resources load_template = make("tests/fixtures/synthetic/load-template.json");
  static const child::child_resources seed = make("tests/fixtures/anjali-nicu-discharge.json");
  return which == 0 ? load_template : seed;
}

// The same resources under ids of their own: what another child's message gives.
child::child_resources renamed(const child::child_resources& base, std::int64_t n) {
  auto out = base;
  auto suffix = "-" + std::to_string(n);
  for (auto& p : out.resources) {
    auto old_id = p.id;
    p.id += suffix;
    p.head = p.head.substr(0, p.head.size() - old_id.size() - 1) + p.id + "\"";
  }
  out.patient_id += suffix;
  return out;
}

struct bench_store {
  fs::path dir;
  std::unique_ptr<store::sqlite_store> db;
  explicit bench_store(const std::string& name) {
    fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    dir = base / ("homebase-index-bench-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    db = std::make_unique<store::sqlite_store>(store::sqlite_store::options{(dir / "bench.db").string()});
  }
  ~bench_store() {
    db.reset();
    fs::remove_all(dir);
  }
  bool run(store::sqlite_store::job job) {
    std::promise<bool> done;
    auto f = done.get_future();
    db->submit(std::move(job), [&done](bool committed) { done.set_value(committed); });
    return f.get();
  }
};

std::int64_t add_children(bench_store& s, int count) {
  std::int64_t first = 0;
  s.run([&](store::write_tx& tx) {
    for (int i = 0; i < count; ++i) {
      auto id = tx.save_child(std::nullopt, "{}", {{"bench", std::to_string(i)}});
      if (i == 0) first = id;
    }
    return tx.ok();
  });
  return first;
}

void new_child(benchmark::State& state) {
  const auto& base = projected(static_cast<int>(state.range(0)));
  bench_store s("new-" + std::to_string(state.range(0)));
  std::int64_t n = 0;
  auto child_id = add_children(s, 1);
  double cpu = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<child::child_resources> batch;
    for (int i = 0; i < children_per_job; ++i) batch.push_back(renamed(base, ++n));
    state.ResumeTiming();
    auto before = process_cpu_us();
    bool ok = s.run([&](store::write_tx& tx) {
      for (const auto& r : batch) child::store_child_resources(tx, child_id, r, 1'800'000'000'000);
      return tx.ok();
    });
    cpu += process_cpu_us() - before;
    if (!ok) state.SkipWithError("store job failed");
  }
  state.SetItemsProcessed(state.iterations() * children_per_job);
  state.counters["cpu_us_per_child"] = cpu / static_cast<double>(state.iterations() * children_per_job);
  std::size_t values = 0;
  for (const auto& p : base.resources) values += p.values.size();
  state.counters["resources"] = static_cast<double>(base.resources.size());
  state.counters["values"] = static_cast<double>(values);
}

void unchanged_child(benchmark::State& state) {
  const auto& base = projected(static_cast<int>(state.range(0)));
  bench_store s("same-" + std::to_string(state.range(0)));
  auto child_id = add_children(s, 1);
  std::vector<child::child_resources> batch;
  for (int i = 0; i < children_per_job; ++i) batch.push_back(renamed(base, i));
  s.run([&](store::write_tx& tx) {
    for (const auto& r : batch) child::store_child_resources(tx, child_id, r, 1'800'000'000'000);
    return tx.ok();
  });
  auto before = process_cpu_us();
  for (auto _ : state) {
    bool ok = s.run([&](store::write_tx& tx) {
      for (const auto& r : batch) child::store_child_resources(tx, child_id, r, 1'800'000'000'000);
      return tx.ok();
    });
    if (!ok) state.SkipWithError("store job failed");
  }
  state.SetItemsProcessed(state.iterations() * children_per_job);
  state.counters["cpu_us_per_child"] =
      (process_cpu_us() - before) / static_cast<double>(state.iterations() * children_per_job);
}

// Arg 0: load template (38 KB), 1: seed story.
BENCHMARK(new_child)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(unchanged_child)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
