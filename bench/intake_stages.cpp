// intake_stages: CPU cost of each stage a message goes through before the store, on one core,
// measured with Google Benchmark on the load template (38 KB NICU discharge message) and on the seed
// story. RapidJSON's plain DOM parse is measured beside ours in the same run.
//   homebase_intake_stages [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>

#include <string>

#include "bench/bench_message.hpp"
#include "fhir/json_document.hpp"
#include "fhir/message_bundle.hpp"
#include "fhir/validation/validator.hpp"
#include "mappers/inbound/discharge_translator.hpp"
#include "mappers/model/record_codec.hpp"
#include "mappers/outbound/medical_home_transaction.hpp"
#include "tests/mappers/outbound/full_record.hpp"

namespace {

using homebase::bench::load_message;

const std::string& message(int which) {
  static const std::string load_template = load_message("tests/fixtures/synthetic/load-template.json");
  static const std::string seed = load_message("tests/fixtures/anjali-nicu-discharge.json");
  return which == 0 ? load_template : seed;
}

void set_bytes(benchmark::State& state, int which) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(message(which).size()));
}

void rapidjson_dom_parse(benchmark::State& state) {
  const auto& text = message(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    benchmark::DoNotOptimize(doc.IsObject());
  }
  set_bytes(state, static_cast<int>(state.range(0)));
}

void parse_json_checked(benchmark::State& state) {
  const auto& text = message(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    rapidjson::Document doc;
    benchmark::DoNotOptimize(homebase::fhir::parse_json(text, doc));
  }
  set_bytes(state, static_cast<int>(state.range(0)));
}

void parse_json_in_place_checked(benchmark::State& state) {
  const auto& text = message(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::string scratch = text;
    rapidjson::Document doc;
    benchmark::DoNotOptimize(homebase::fhir::parse_json_in_place(scratch, doc));
  }
  set_bytes(state, static_cast<int>(state.range(0)));
}

void check_message_bundle(benchmark::State& state) {
  rapidjson::Document doc;
  (void)homebase::fhir::parse_json(message(static_cast<int>(state.range(0))), doc);
  for (auto _ : state) benchmark::DoNotOptimize(homebase::fhir::check_message_bundle(doc).http_status);
  set_bytes(state, static_cast<int>(state.range(0)));
}

// The R4 validation of the whole message, as intake runs it (strict, invariants included).
void validate_r4(benchmark::State& state) {
  rapidjson::Document doc;
  (void)homebase::fhir::parse_json(message(static_cast<int>(state.range(0))), doc);
  const homebase::fhir::validator validator;
  for (auto _ : state) {
    homebase::fhir::operation_outcome outcome;
    validator.validate(doc, outcome);
    benchmark::DoNotOptimize(outcome.issues().size());
  }
  set_bytes(state, static_cast<int>(state.range(0)));
}

void translate_discharge(benchmark::State& state) {
  rapidjson::Document doc;
  (void)homebase::fhir::parse_json(message(static_cast<int>(state.range(0))), doc);
  for (auto _ : state) benchmark::DoNotOptimize(homebase::mappers::inbound::translate_discharge(doc).ok);
  set_bytes(state, static_cast<int>(state.range(0)));
}

void encode_record(benchmark::State& state) {
  rapidjson::Document doc;
  (void)homebase::fhir::parse_json(message(static_cast<int>(state.range(0))), doc);
  auto t = homebase::mappers::inbound::translate_discharge(doc);
  for (auto _ : state) benchmark::DoNotOptimize(homebase::mappers::model::encode(t.value.record).size());
}

void decode_record(benchmark::State& state) {
  rapidjson::Document doc;
  (void)homebase::fhir::parse_json(message(static_cast<int>(state.range(0))), doc);
  auto json =
      homebase::mappers::model::encode(homebase::mappers::inbound::translate_discharge(doc).value.record);
  for (auto _ : state) benchmark::DoNotOptimize(homebase::mappers::model::decode(json).has_value());
}

void transaction_bundle(benchmark::State& state) {
  rapidjson::Document doc;
  (void)homebase::fhir::parse_json(message(static_cast<int>(state.range(0))), doc);
  auto t = homebase::mappers::inbound::translate_discharge(doc);
  for (auto _ : state)
    benchmark::DoNotOptimize(
        homebase::mappers::outbound::to_transaction_bundle(t.value.record, {"https://ehr.example/fhir", "h"})
            .size());
}

// The outbound translation of a record with every model v2 member set
// (tests/mappers/outbound/full_record.hpp: 61 entries, 63 KB of JSON), to compare with the seed story's 34
// entries (39 KB).
void transaction_bundle_full_record(benchmark::State& state) {
  auto record = homebase::mappers::testing::full_record();
  int64_t bytes = 0;
  for (auto _ : state) {
    auto json = homebase::mappers::outbound::to_transaction_bundle(record, {"https://ehr.example/fhir", "h"});
    bytes += static_cast<int64_t>(json.size());
    benchmark::DoNotOptimize(json.size());
  }
  state.SetBytesProcessed(bytes);
}

// Arg 0: load template (38 KB), 1: seed story.
BENCHMARK(rapidjson_dom_parse)->Arg(0)->Arg(1);
BENCHMARK(parse_json_checked)->Arg(0)->Arg(1);
BENCHMARK(parse_json_in_place_checked)->Arg(0)->Arg(1);
BENCHMARK(check_message_bundle)->Arg(0)->Arg(1);
BENCHMARK(validate_r4)->Arg(0)->Arg(1);
BENCHMARK(translate_discharge)->Arg(0)->Arg(1);
BENCHMARK(encode_record)->Arg(0)->Arg(1);
BENCHMARK(decode_record)->Arg(0)->Arg(1);
BENCHMARK(transaction_bundle)->Arg(0)->Arg(1);
BENCHMARK(transaction_bundle_full_record);

}  // namespace

BENCHMARK_MAIN();
