// homebase_validation: parse + validate throughput of the FHIR R4 conformance engine (issue 3), beside
// RapidJSON's unchecked parse of the same bytes, in one run. Inputs: the seed NICU discharge message
// and a Synthea patient bundle (tests/fixtures). Before the benchmarks it reports what loading the R4
// model costs (time and resident memory of a fresh load). Figures: bench/README.md.
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "fhir/definitions/embedded_model.hpp"
#include "fhir/definitions/type_registry.hpp"
#include "fhir/json_document.hpp"
#include "fhir/validation/validator.hpp"

namespace {

using namespace homebase::fhir;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in && s.str().empty()) {
    std::cerr << "cannot read " << path << "\n";
    std::exit(2);
  }
  return s.str();
}

const std::string& input(int which) {
  static const std::string seed =
      read_file(std::string(HOMEBASE_SOURCE_DIR) + "/tests/fixtures/anjali-nicu-discharge.json");
  static const std::string synthea = read_file(
      std::string(HOMEBASE_SOURCE_DIR) +
      "/tests/fixtures/external/synthea/Carlene_Schamberger_cc19113f-aa63-434b-ab4e-62a5f97f1f0b.json");
  return which == 0 ? seed : synthea;
}

void label(benchmark::State& state) {
  state.SetLabel(state.range(0) == 0 ? "seed NICU discharge" : "Synthea bundle");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(input(static_cast<int>(state.range(0))).size()));
}

void BM_RapidJsonParse(benchmark::State& state) {
  const std::string& text = input(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    benchmark::DoNotOptimize(d.HasParseError());
  }
  label(state);
}
BENCHMARK(BM_RapidJsonParse)->Arg(0)->Arg(1);

void BM_CheckedParse(benchmark::State& state) {
  const std::string& text = input(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    rapidjson::Document d;
    benchmark::DoNotOptimize(parse_json(text, d, {128}));
  }
  label(state);
}
BENCHMARK(BM_CheckedParse)->Arg(0)->Arg(1);

void run_validation(benchmark::State& state, bool invariants) {
  const std::string& text = input(static_cast<int>(state.range(0)));
  const validator v;
  validation_options options;
  options.invariants = invariants;
  std::size_t issues = 0;
  for (auto _ : state) {
    rapidjson::Document d;
    if (parse_json(text, d, {128})) state.SkipWithError("parse failed");
    operation_outcome out;
    v.validate(d, out, options);
    issues = out.issues().size();
  }
  state.counters["issues"] = static_cast<double>(issues);
  label(state);
}

void BM_ParseAndValidate(benchmark::State& state) {
  run_validation(state, true);
}
BENCHMARK(BM_ParseAndValidate)->Arg(0)->Arg(1);

void BM_ParseAndValidateStructureOnly(benchmark::State& state) {
  run_validation(state, false);
}
BENCHMARK(BM_ParseAndValidateStructureOnly)->Arg(0)->Arg(1);

long resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The model load, measured on a fresh registry before anything else touched it.
  const long before = resident_kib();
  const auto t0 = std::chrono::steady_clock::now();
  auto loaded = definitions::type_registry::load(definitions::embedded_r4_model());
  const auto t1 = std::chrono::steady_clock::now();
  const long after = resident_kib();
  if (!std::holds_alternative<std::unique_ptr<definitions::type_registry>>(loaded)) return 2;
  std::printf("R4 model load: %.1f ms, +%.1f MiB resident (%zu types, %zu elements, %zu constraints)\n",
              std::chrono::duration<double, std::milli>(t1 - t0).count(),
              static_cast<double>(after - before) / 1024.0, std::get<0>(loaded)->stats().types,
              std::get<0>(loaded)->stats().elements, std::get<0>(loaded)->stats().constraints);
  (void)definitions::type_registry::r4();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
