// versioned_writes: the CPU that versioned writes (issue 11 item 1; docs/ARCHITECTURE.md "Who owns which
// field") add to one delivery, on one core, with Google Benchmark. A delivery lane with versioned writes
// does, beyond building the Bundle as before:
//   1. read the child's delivery_versions rows (store read connection)          versions_read
//   2. rewrite the Bundle: parse, versioned entries, serialise                  with_versions/{0,1}
//      (0: first delivery, nothing known: parse and track only; 1: every Task/Appointment/CarePlan known)
//   3. read the versions in the transaction-response (a Medplum-like answer with every resource)
//                                                                               learned_versions
//   4. write the rows in the attempt's store job (inside a real job and commit)  versions_put
// Baseline: the Bundle itself (to_transaction_bundle) in the same run. The record is the load template's
// (tests/fixtures/synthetic/load-template.json, the record run_delivery.sh delivers).
//   homebase_versioned_writes [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
#include "mappers/outbound/versioned_writes.hpp"

#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "bench/bench_message.hpp"
#include "fhir/json_document.hpp"
#include "gateway/store/delivery_version_table.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/inbound/discharge_translator.hpp"
#include "mappers/outbound/medical_home_transaction.hpp"

namespace {

namespace fs = std::filesystem;
namespace mo = homebase::mappers::outbound;
namespace store = homebase::gateway::store;

const homebase::mappers::model::coordination_record& record() {
  static const auto r = [] {
    rapidjson::Document doc;
    (void)homebase::fhir::parse_json(
        homebase::bench::load_message("tests/fixtures/synthetic/load-template.json"), doc);
    return homebase::mappers::inbound::translate_discharge(doc).value.record;
  }();
  return r;
}

const std::string& bundle() {
  static const std::string b = mo::to_transaction_bundle(record(), {"https://ehr.example/fhir", "h"});
  return b;
}

// What a Medplum-like server answers: every entry 200/201 with its resource (id, meta.versionId), an
// ETag and a versioned location.
std::string response_for(const std::string& sent_json) {
  rapidjson::Document sent;
  (void)homebase::fhir::parse_json(sent_json, sent);
  auto& a = sent.GetAllocator();
  rapidjson::Value entries(rapidjson::kArrayType);
  int n = 0;
  for (auto& e : sent["entry"].GetArray()) {
    std::string id = "0f8e2d1a-4c1e-4a55-8b9f-" + std::to_string(100000000000 + n++);
    rapidjson::Value resource(e["resource"], a);
    if (resource.HasMember("id")) resource.RemoveMember("id");
    resource.AddMember("id", rapidjson::Value(id.c_str(), a), a);
    std::string type = resource["resourceType"].GetString();
    std::string location = type + "/" + id + "/_history/1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081";
    rapidjson::Value response(rapidjson::kObjectType);
    response.AddMember("status", "200", a);
    response.AddMember("location", rapidjson::Value(location.c_str(), a), a);
    response.AddMember("etag", "W/\"1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081\"", a);
    rapidjson::Value entry(rapidjson::kObjectType);
    entry.AddMember("resource", resource, a);
    entry.AddMember("response", response, a);
    entries.PushBack(entry, a);
  }
  rapidjson::Document out(rapidjson::kObjectType);
  out.AddMember("resourceType", "Bundle", out.GetAllocator());
  out.AddMember("type", "transaction-response", out.GetAllocator());
  out.AddMember("entry", rapidjson::Value(entries, out.GetAllocator()), out.GetAllocator());
  return homebase::fhir::to_json(out);
}

const std::vector<mo::known_version>& known() {
  static const auto k = [] {
    auto sent = mo::with_versions(bundle(), {});
    return mo::learned_versions(sent, response_for(sent.json));
  }();
  return k;
}

void transaction_bundle_baseline(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(mo::to_transaction_bundle(record(), {"https://ehr.example/fhir", "h"}).size());
}

void with_versions(benchmark::State& state) {
  std::vector<mo::known_version> none;
  const auto& k = state.range(0) == 0 ? none : known();
  int versioned = 0;
  for (auto _ : state) {
    auto v = mo::with_versions(bundle(), k);
    versioned = v.versioned;
    benchmark::DoNotOptimize(v.json.size());
  }
  state.counters["versioned_entries"] = versioned;
}

void learned_versions(benchmark::State& state) {
  auto sent = mo::with_versions(bundle(), known());
  auto response = response_for(sent.json);
  std::size_t learned = 0;
  for (auto _ : state) {
    learned = mo::learned_versions(sent, response).size();
    benchmark::DoNotOptimize(learned);
  }
  state.counters["tracked"] = static_cast<double>(learned);
  state.counters["response_kb"] = static_cast<double>(response.size()) / 1024.0;
}

struct bench_store {
  fs::path dir;
  std::unique_ptr<store::sqlite_store> db;
  std::int64_t child = 0;
  bench_store() {
    fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    dir = base / ("homebase-versioned-bench-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    db = std::make_unique<store::sqlite_store>(store::sqlite_store::options{(dir / "bench.db").string()});
    run([&](store::write_tx& tx) {
      child = tx.save_child(std::nullopt, "{}", {{"bench", "1"}});
      store::delivery_version_table::put(tx, "meadowbrook", child, known(), 1);
      return tx.ok();
    });
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

void versions_read(benchmark::State& state) {
  bench_store s;
  for (auto _ : state)
    benchmark::DoNotOptimize(store::delivery_version_table::of_child(*s.db, "meadowbrook", s.child).size());
}

// One store job that writes the rows, against one that writes nothing (the attempt's job is there anyway;
// the difference is what the versions add to it). Arg 1: with the rows, 0: without.
void versions_put(benchmark::State& state) {
  bench_store s;
  bool with_rows = state.range(0) == 1;
  for (auto _ : state) {
    s.run([&](store::write_tx& tx) {
      if (with_rows) store::delivery_version_table::put(tx, "meadowbrook", s.child, known(), 2);
      return tx.ok();
    });
  }
  state.counters["rows"] = with_rows ? static_cast<double>(known().size()) : 0;
}

}  // namespace

BENCHMARK(transaction_bundle_baseline);
BENCHMARK(with_versions)->Arg(0)->Arg(1);
BENCHMARK(learned_versions);
BENCHMARK(versions_read);
BENCHMARK(versions_put)->Arg(0)->Arg(1)->UseRealTime();

BENCHMARK_MAIN();
