// retention_job on a real store and io_context: one pass with a clock 100 days ahead purges delivered
// bodies and sent attempts in several batches, audits each batch, counts homebase_purged_total, and
// leaves an undelivered message whole.
#include "gateway/scheduler/retention_job.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <future>

#include "fhir/fhir_time.hpp"
#include "gateway/metrics/gateway_metrics.hpp"
#include "gateway/store/audit_table.hpp"

namespace homebase::gateway::scheduler {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr std::int64_t day_ms = 86'400'000;

TEST(retention_job, a_pass_purges_in_batches_audits_and_counts) {
  auto pattern = (fs::temp_directory_path() / "hb-retention-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  fs::path dir = mkdtemp(buffer.data());
  auto config = config::load_text(R"(retention:
  message_bodies: 90d
  delivery_attempts: 30d
  purge_batch: 4
  purge_pause_ms: 1
)");
  ASSERT_EQ(config->retention.delivery_attempts, std::chrono::seconds(30 * 86'400));
  auto& metrics = metrics::gateway_metrics::instance();
  const double bodies_before = metrics.counter_value("homebase_purged_total", {{"kind", "message_body"}});
  const double attempts_before = metrics.counter_value("homebase_purged_total", {{"kind", "attempt"}});
  {
    store::sqlite_store store({(dir / "t.db").string(), 16});
    std::int64_t waiting = 0;
    std::promise<bool> saved;
    store::sqlite_store::job fill = [&waiting](store::write_tx& tx) {
      auto child = tx.save_child(std::nullopt, "{}", {{"mrn", "1"}});
      for (int i = 0; i < 10; ++i) {
        store::stored_message m;
        m.bundle_id = m.header_id = "m" + std::to_string(i);
        m.partner_id = "p";
        m.event_code = "nicu-discharge";
        m.received_at = fhir::format_instant(store::now_ms());
        m.translation = "{}";
        auto id = tx.insert_message(m, "body");
        auto outbox = tx.insert_outbox(id, child, "home", 0);
        bool delivered = i != 9;
        store::attempt_row a{fhir::format_instant(store::now_ms()), delivered ? 200 : 503, "", ""};
        tx.record_attempt(outbox, a, delivered ? store::outbox_status::sent : store::outbox_status::retrying,
                          0);
        if (!delivered) waiting = id;
      }
      return tx.ok();
    };
    ASSERT_TRUE(store.submit(std::move(fill), [&saved](bool ok) { saved.set_value(ok); }));
    ASSERT_TRUE(saved.get_future().get());

    asio::io_context ioc;
    const auto later = store::now_ms() + 100 * day_ms;
    retention_job job(ioc, config, store, [later] { return later; });
    std::promise<retention_job::pass_totals> finished;
    asio::co_spawn(ioc, job.pass(),
                   [&finished](std::exception_ptr, retention_job::pass_totals t) { finished.set_value(t); });
    ioc.run();
    auto totals = finished.get_future().get();
    EXPECT_FALSE(totals.failed);
    EXPECT_EQ(totals.message_bodies, 9);
    EXPECT_EQ(totals.attempts, 9);
    EXPECT_EQ(totals.audit_events, 0);  // kept 6 years
    EXPECT_FALSE(store.get_message_body(waiting).empty());
    EXPECT_EQ(store.outbox_for_message(waiting).at(0).history.size(), 1u);
    EXPECT_EQ(metrics.counter_value("homebase_purged_total", {{"kind", "message_body"}}) - bodies_before, 9);
    EXPECT_EQ(metrics.counter_value("homebase_purged_total", {{"kind", "attempt"}}) - attempts_before, 9);

    // One AuditEvent per batch that deleted something, saying what went.
    store::audit_query purges;
    purges.subtypes = {{{std::nullopt, "purge"}}};
    purges.count = 100;
    auto page = store::audit_table::search(store, purges);
    ASSERT_TRUE(page);
    EXPECT_GE(page->total, 6);  // 9 bodies and 9 attempts in batches of at most 4
    ASSERT_FALSE(page->rows.empty());
    EXPECT_NE(page->rows[0].body.find("bodies of delivered messages"), std::string::npos);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace homebase::gateway::scheduler
