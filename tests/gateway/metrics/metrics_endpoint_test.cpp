#include "gateway/metrics/metrics_endpoint.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "fhir/fhir_time.hpp"
#include "gateway/metrics/gateway_metrics.hpp"

namespace homebase::gateway::metrics {
namespace {

namespace fs = std::filesystem;

class metrics_endpoint_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pattern = (fs::temp_directory_path() / "hb-metrics-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    dir_ = mkdtemp(buffer.data());
    config_ = config::load_text("store:\n  path: " + (dir_ / "m.db").string() + R"(
medical_homes:
  - id: meadowbrook
    fhir_base_url: http://127.0.0.1:1/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "1234567893"}]
  - id: riverside
    fhir_base_url: http://127.0.0.1:2/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "5555555555"}]
)");
    store_ = std::make_unique<store::sqlite_store>(store::sqlite_store::options{config_->store.path, 16});
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  bool run_job(store::sqlite_store::job job) {
    std::promise<bool> done;
    auto result = done.get_future();
    EXPECT_TRUE(store_->submit(std::move(job), [&done](bool ok) { done.set_value(ok); }));
    return result.get();
  }
  fs::path dir_;
  config::config_ptr config_;
  std::unique_ptr<store::sqlite_store> store_;
};

// The value of the one sample line that starts with `series` ("name{labels}"), or -1.
double sample(const std::string& text, const std::string& series) {
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST_F(metrics_endpoint_test, a_scrape_reads_queues_waiting_messages_and_file_sizes_from_the_store) {
  auto queued_ms = store::now_ms() - 90'000;
  ASSERT_TRUE(run_job([queued_ms](store::write_tx& tx) {
    auto child = tx.save_child(std::nullopt, "{}", {{"mrn", "1"}});
    store::stored_message m;
    m.bundle_id = "b1";
    m.header_id = "h1";
    m.partner_id = "p";
    m.event_code = "nicu-discharge";
    m.received_at = fhir::format_instant(store::now_ms());
    m.status = store::message_status::queued;
    m.destination = "meadowbrook";
    tx.insert_outbox(tx.insert_message(m, "{}"), child, "meadowbrook", queued_ms);
    store::stored_message held = m;
    held.bundle_id = "b2";
    held.header_id = "h2";
    held.status = store::message_status::held_for_match;
    held.destination.clear();
    (void)tx.insert_message(held, "{}");
    return tx.ok();
  }));
  metrics_endpoint endpoint(config_, *store_);
  auto text = endpoint.scrape();
  EXPECT_EQ(sample(text, R"(homebase_delivery_queue_depth{medical_home="meadowbrook",status="queued"})"), 1);
  EXPECT_EQ(sample(text, R"(homebase_delivery_queue_depth{medical_home="riverside",status="queued"})"), 0);
  EXPECT_GE(sample(text, R"(homebase_delivery_oldest_age_seconds{medical_home="meadowbrook"})"), 89);
  EXPECT_EQ(sample(text, R"(homebase_delivery_oldest_age_seconds{medical_home="riverside"})"), 0);
  EXPECT_EQ(sample(text, R"(homebase_messages_waiting{status="held_for_match"})"), 1);
  EXPECT_EQ(sample(text, R"(homebase_messages_waiting{status="unroutable"})"), 0);
  EXPECT_GT(sample(text, "homebase_store_size_bytes"), 0);
  EXPECT_GE(sample(text, "homebase_store_wal_size_bytes"), 0);
  // The writer ran at least the one batch above; its size histogram has the +Inf bucket.
  EXPECT_GE(sample(text, "homebase_store_batch_size_count"), 1);
  EXPECT_GE(sample(text, R"(homebase_store_batch_size_bucket{le="+Inf"})"), 1);
  EXPECT_NE(text.find("# TYPE homebase_intake_stage_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("homebase_build_info{version=\""), std::string::npos);
}

TEST_F(metrics_endpoint_test, answers_the_text_format_and_404_when_disabled) {
  metrics_endpoint endpoint(config_, *store_);
  auto res = endpoint.handle(11);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[boost::beast::http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  gateway_metrics::instance().set_enabled(false);
  auto off = endpoint.handle(11);
  gateway_metrics::instance().set_enabled(true);
  EXPECT_EQ(off.result_int(), 404u);
}

}  // namespace
}  // namespace homebase::gateway::metrics
