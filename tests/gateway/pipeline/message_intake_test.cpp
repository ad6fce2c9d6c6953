// message_intake on a real store and io_context (no sockets): a message and an operator's retry, each
// leaving the child's index and outbox consistent with its saved record (gateway/child/child_writer).
#include "gateway/pipeline/message_intake.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "gateway/store/audit_table.hpp"
#include "tests/gateway/child/child_consistency.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::gateway::pipeline {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;

constexpr const char* partner = R"(server:
  public_base_url: http://127.0.0.1:8080/fhir
partners:
  - id: st-elsewhere-nicu
    source_endpoints: [https://ehr.st-elsewhere-childrens.example.org/fhir]
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "1203984756"}]
auth:
  development_mode: true
)";
constexpr const char* home = R"(medical_homes:
  - id: meadowbrook
    fhir_base_url: http://127.0.0.1:9/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "1234567893"}]
)";

class message_intake_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pattern = (fs::temp_directory_path() / "hb-intake-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    dir_ = mkdtemp(buffer.data());
    store_ =
        std::make_unique<store::sqlite_store>(store::sqlite_store::options{(dir_ / "t.db").string(), 16});
    unrouted_ =
        std::make_unique<message_intake>(config::load_text(partner), *store_, [](const std::string&) {});
    routed_ = std::make_unique<message_intake>(config::load_text(std::string(partner) + home), *store_,
                                               [this](const std::string& d) { notified_.push_back(d); });
  }
  void TearDown() override {
    routed_.reset();
    unrouted_.reset();
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs one handler on the io_context until it answered.
  http::response run(asio::awaitable<http::response> handler) {
    ioc_.restart();                            // the previous run ended when its work did
    auto guard = asio::make_work_guard(ioc_);  // the store's completions arrive from its writer thread
    std::optional<http::response> out;
    asio::co_spawn(ioc_, std::move(handler), [&](std::exception_ptr error, http::response res) {
      EXPECT_FALSE(error);
      out = std::move(res);
    });
    while (!out) ioc_.run_one();
    return std::move(*out);
  }

  http::response post(message_intake& intake, std::string body) {
    http::request req{bhttp::verb::post, "/fhir/$process-message", 11};
    req.set(bhttp::field::content_type, "application/fhir+json");
    req.body() = std::move(body);
    auth::principal dev;
    dev.method = auth::auth_method::development;
    return run(intake.process(req, dev));
  }

  fs::path dir_;
  std::unique_ptr<store::sqlite_store> store_;
  std::unique_ptr<message_intake> unrouted_;  // no medical home configured yet
  std::unique_ptr<message_intake> routed_;    // the same gateway once its medical home is configured
  std::vector<std::string> notified_;
  asio::io_context ioc_{1};
};

TEST_F(message_intake_test, a_message_and_an_operators_retry_keep_index_and_outbox_with_the_record) {
  auto seed = mappers::testing::read_text(mappers::testing::data_path(mappers::testing::seed_fixture));

  // Received while no medical home is configured: saved and indexed, held as unroutable, not delivered.
  auto res = post(*unrouted_, seed);
  ASSERT_EQ(res.result_int(), 200U) << res.body();
  auto message = store_->get_message(1);
  ASSERT_TRUE(message && message->child_id);
  EXPECT_EQ(message->status, store::message_status::unroutable);
  auto child_id = *message->child_id;
  auto snap = child::testing::snapshot(*store_, child_id);
  EXPECT_GT(snap.resources, 0);
  EXPECT_EQ(snap.index_problem, "");
  EXPECT_EQ(snap.outbox_rows, 0);

  // The operator retries once the home is configured: routed and queued, with its AuditEvent.
  auto audits = store::audit_table::events_of_child(*store_, child_id).size();
  mappers::audit::audit_record admin;
  res = run(routed_->retry(1, admin));
  ASSERT_EQ(res.result_int(), 200U) << res.body();
  EXPECT_EQ(store_->get_message(1)->status, store::message_status::queued);
  snap = child::testing::snapshot(*store_, child_id);
  EXPECT_EQ(snap.index_problem, "");
  EXPECT_EQ(snap.outbox_rows, 1);
  EXPECT_EQ(snap.medical_home, "meadowbrook");
  EXPECT_EQ(store::audit_table::events_of_child(*store_, child_id).size(), audits + 1);
  EXPECT_EQ(notified_, std::vector<std::string>{"meadowbrook"});

  // A later message about the child (an amended discharge: new MessageHeader.id and Bundle.id) merges
  // into the record and is delivered too.
  auto amended = seed;
  for (auto [from, to] : {std::pair<std::string, std::string>{"d22fb1b9-e92c-5387-a88c-62b262a6f465",
                                                              "d22fb1b9-e92c-5387-a88c-62b262a6f466"},
                          {"463c11b8-8b3d-55cf-bae1-9dd92814045b", "463c11b8-8b3d-55cf-bae1-9dd92814045c"}}) {
    auto at = amended.find(from);
    ASSERT_NE(at, std::string::npos);
    for (; at != std::string::npos; at = amended.find(from, at)) amended.replace(at, from.size(), to);
  }
  res = post(*routed_, amended);
  ASSERT_EQ(res.result_int(), 200U) << res.body();
  auto second = store_->get_message(2);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->child_id, child_id);
  EXPECT_EQ(second->status, store::message_status::queued);
  snap = child::testing::snapshot(*store_, child_id);
  EXPECT_EQ(snap.index_problem, "");
  EXPECT_EQ(snap.outbox_rows, 2);
}

}  // namespace
}  // namespace homebase::gateway::pipeline
