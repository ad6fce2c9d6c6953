// clock_scheduler on a real store and io_context: a child whose coordination clock came due while the
// gateway was down fires at start, and the work the rules add reaches the index and the child's medical
// home through the child writer, consistent with the saved record.
#include "gateway/scheduler/clock_scheduler.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <future>

#include "gateway/child/child_writer.hpp"
#include "mappers/inbound/discharge_translator.hpp"
#include "tests/gateway/child/child_consistency.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::gateway::scheduler {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr const char* routed = R"(medical_homes:
  - id: meadowbrook
    fhir_base_url: http://127.0.0.1:9/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "1234567893"}]
)";
constexpr std::int64_t discharged_ms = 1'705'449'600'000;  // 2024-01-17T00:00:00Z, the seed's discharge

TEST(clock_scheduler, a_clock_that_came_due_saves_indexes_and_delivers_the_new_work) {
  auto pattern = (fs::temp_directory_path() / "hb-clock-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  fs::path dir = mkdtemp(buffer.data());
  auto config = config::load_text(routed);
  std::int64_t child_id = 0;
  {
    store::sqlite_store store({(dir / "t.db").string(), 16});
    // The seed child as its discharge message left it, at discharge time (long past): its clocks are due.
    auto doc = mappers::testing::load_fixture(mappers::testing::seed_fixture);
    auto record = mappers::inbound::translate_discharge(doc).value.record;
    auto prepared = child::prepare_child(record, *config, discharged_ms, "rules");
    std::promise<bool> saved;
    store::stored_message m;
    m.bundle_id = m.header_id = "seed";
    m.partner_id = "st-elsewhere-nicu";
    m.event_code = "nicu-discharge";
    m.received_at = "2024-01-17T00:00:00Z";
    child::save_cause cause;
    cause.new_message = &m;
    cause.new_message_body = "{}";
    store::sqlite_store::job job = [&](store::write_tx& tx) {
      child_id = child::save_child(tx, std::nullopt, prepared, cause, discharged_ms).child_id;
      // A clock that came due while the gateway was down (the rules at today's date have new work).
      tx.set_coordination_due(child_id, discharged_ms + 1);
      return tx.ok();
    };
    ASSERT_TRUE(store.submit(std::move(job), [&saved](bool ok) { saved.set_value(ok); }));
    ASSERT_TRUE(saved.get_future().get());
    ASSERT_EQ(child::testing::snapshot(store, child_id).outbox_rows, 1);

    asio::io_context ioc{1};
    std::vector<std::string> delivered;
    clock_scheduler clocks(ioc, config, store, [&](const std::string& destination) {
      delivered.push_back(destination);
      ioc.stop();
    });
    clocks.start();
    // Waits for the event (the scheduler's notify after its commit), with a deadline.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (delivered.empty() && std::chrono::steady_clock::now() < deadline)
      ioc.run_for(std::chrono::milliseconds(200));
    clocks.stop();
    ASSERT_EQ(delivered, std::vector<std::string>{"meadowbrook"});

    auto snap = child::testing::snapshot(store, child_id);
    EXPECT_EQ(snap.index_problem, "");
    EXPECT_EQ(snap.outbox_rows, 2);
    EXPECT_EQ(snap.medical_home, "meadowbrook");
    store.stop();
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace homebase::gateway::scheduler
