// retention_purge on a real store: only delivered messages lose their body, only sent deliveries their
// attempts, only old AuditEvents go; rows stay, batches are bounded and a pass stops at the cutoff.
#include "gateway/store/retention_purge.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <future>

#include "fhir/fhir_time.hpp"
#include "gateway/store/audit_table.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::store {
namespace {

namespace fs = std::filesystem;

struct temp_db {
  temp_db() {
    auto pattern = (fs::temp_directory_path() / "hb-purge-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    dir = mkdtemp(buffer.data());
    path = (dir / "test.db").string();
  }
  ~temp_db() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
  std::string path;
};

bool run_job(sqlite_store& store, const std::function<bool(write_tx&)>& job) {
  std::promise<bool> done;
  auto result = done.get_future();
  EXPECT_TRUE(store.submit(job, [&done](bool ok) { done.set_value(ok); }));
  return result.get();
}

constexpr std::int64_t day_ms = 86'400'000;

// A message received `received_ms` with one delivery per entry of `deliveries` (each attempted once and
// left in that status); none: unroutable (or `held`).
std::int64_t add_message(write_tx& tx, const std::string& n, std::int64_t received_ms,
                         const std::vector<outbox_status>& deliveries,
                         message_status unrouted = message_status::unroutable) {
  stored_message m;
  m.bundle_id = "bundle-" + n;
  m.header_id = "header-" + n;
  m.partner_id = "p";
  m.event_code = "nicu-discharge";
  m.received_at = fhir::format_instant(received_ms);
  m.status = deliveries.empty() ? unrouted : message_status::queued;
  m.translation = "{}";
  auto child = tx.save_child(std::nullopt, "{}", {{"mrn", n}});
  auto id = tx.insert_message(m, "body of " + n);
  for (auto status : deliveries) {
    auto outbox = tx.insert_outbox(id, child, "home", 0);
    if (status == outbox_status::queued) continue;
    attempt_row a{fhir::format_instant(received_ms + 1000), status == outbox_status::sent ? 200 : 503, "",
                  "response"};
    tx.record_attempt(outbox, a, status, 0);
  }
  return id;
}

struct purge_totals {
  std::int64_t purged = 0;
  int batches = 0;
};

template <typename Batch>
purge_totals purge_all(sqlite_store& store, Batch batch) {
  purge_totals t;
  std::int64_t cursor = 0;
  for (bool done = false; !done;) {
    retention_purge::batch_result r;
    EXPECT_TRUE(run_job(store, [&](write_tx& tx) {
      r = batch(tx, cursor);
      return tx.ok();
    }));
    t.purged += r.purged;
    ++t.batches;
    cursor = r.cursor;
    done = r.done;
    if (t.batches > 1000) break;
  }
  return t;
}

TEST(retention_purge, only_delivered_messages_lose_their_body_and_their_rows_stay) {
  temp_db db;
  sqlite_store store({db.path, 16});
  const auto old = now_ms() - 100 * day_ms;
  std::map<std::string, std::int64_t> ids;
  ASSERT_TRUE(run_job(store, [&](write_tx& tx) {
    ids["sent"] = add_message(tx, "sent", old, {outbox_status::sent});
    ids["queued"] = add_message(tx, "queued", old, {outbox_status::queued});
    ids["retrying"] = add_message(tx, "retrying", old, {outbox_status::retrying});
    ids["dead"] = add_message(tx, "dead", old, {outbox_status::dead});
    ids["unroutable"] = add_message(tx, "unroutable", old, {});
    ids["held"] = add_message(tx, "held", old, {}, message_status::held_for_match);
    ids["sent2"] = add_message(tx, "sent2", old, {outbox_status::sent, outbox_status::sent});
    // Delivered once, then queued again for the same message (a later clock): not done.
    ids["partly"] = add_message(tx, "partly", old, {outbox_status::sent, outbox_status::queued});
    return tx.ok();
  }));
  // The cutoff is after every delivery (they were all written just now).
  auto cutoff = fhir::format_instant(now_ms() + 1000);
  auto totals = purge_all(store, [&](write_tx& tx, std::int64_t cursor) {
    return retention_purge::purge_message_bodies(tx, cursor, cutoff, 3);
  });
  EXPECT_EQ(totals.purged, 2);
  EXPECT_GE(totals.batches, 3);  // 8 messages, 3 per batch
  for (const auto& [name, id] : ids) {
    bool purged = name == "sent" || name == "sent2";
    EXPECT_EQ(store.get_message_body(id).empty(), purged) << name;
    auto m = store.get_message(id);
    ASSERT_TRUE(m) << name;  // the row stays
    EXPECT_EQ(m->header_id, "header-" + name);
  }
  EXPECT_EQ(store.get_message(ids["sent"])->status, message_status::sent);
  // A repeat is still recognised by its header id.
  ASSERT_TRUE(
      run_job(store, [](write_tx& tx) { return tx.message_by_header("p", "header-sent").has_value(); }));
}

TEST(retention_purge, a_delivery_after_the_cutoff_keeps_the_body_and_a_pass_stops_at_the_cutoff) {
  temp_db db;
  sqlite_store store({db.path, 16});
  const auto now = now_ms();
  std::int64_t older = 0, recent = 0, fresh = 0;
  ASSERT_TRUE(run_job(store, [&](write_tx& tx) {
    older = add_message(tx, "older", now - 100 * day_ms, {outbox_status::sent});
    recent = add_message(tx, "recent", now - 100 * day_ms, {outbox_status::sent});
    fresh = add_message(tx, "fresh", now - day_ms, {outbox_status::sent});
    return tx.ok();
  }));
  // Received 100 days ago, but `recent` was delivered (its outbox updated) after the cutoff: a body is kept
  // for the retention period counted from its delivery. Here: move the delivery of `recent` past the cutoff.
  auto cutoff_ms = now - 90 * day_ms;
  ASSERT_TRUE(run_job(store, [&](write_tx& tx) {
    auto& s = tx.prepare("UPDATE outbox SET updated_at = ?1 WHERE message_id = ?2");
    s.bind(1, fhir::format_instant(now)).bind(2, recent);
    tx.check(s.step(), "test");
    auto& o = tx.prepare("UPDATE outbox SET updated_at = ?1 WHERE message_id = ?2");
    o.bind(1, fhir::format_instant(now - 95 * day_ms)).bind(2, older);
    tx.check(o.step(), "test");
    return tx.ok();
  }));
  retention_purge::batch_result r;
  ASSERT_TRUE(run_job(store, [&](write_tx& tx) {
    r = retention_purge::purge_message_bodies(tx, 0, fhir::format_instant(cutoff_ms), 100);
    return tx.ok();
  }));
  EXPECT_EQ(r.purged, 1);
  EXPECT_TRUE(r.done);
  EXPECT_TRUE(store.get_message_body(older).empty());
  EXPECT_FALSE(store.get_message_body(recent).empty());
  EXPECT_FALSE(store.get_message_body(fresh).empty());
}

TEST(retention_purge, only_sent_deliveries_lose_their_attempts) {
  temp_db db;
  sqlite_store store({db.path, 16});
  std::int64_t sent = 0, retrying = 0, dead = 0;
  ASSERT_TRUE(run_job(store, [&](write_tx& tx) {
    auto old = now_ms() - 100 * day_ms;
    sent = add_message(tx, "sent", old, {outbox_status::sent});
    retrying = add_message(tx, "retrying", old, {outbox_status::retrying});
    dead = add_message(tx, "dead", old, {outbox_status::dead});
    return tx.ok();
  }));
  auto cutoff = fhir::format_instant(now_ms() + 1000);
  auto totals = purge_all(store, [&](write_tx& tx, std::int64_t cursor) {
    return retention_purge::purge_attempts(tx, cursor, cutoff, 1);
  });
  EXPECT_EQ(totals.purged, 1);
  auto of = [&](std::int64_t id) { return store.outbox_for_message(id).at(0); };
  EXPECT_TRUE(of(sent).history.empty());
  EXPECT_EQ(of(sent).attempts, 1);  // the count stays with the row
  EXPECT_EQ(of(sent).status, outbox_status::sent);
  EXPECT_EQ(of(retrying).history.size(), 1u);
  EXPECT_EQ(of(dead).history.size(), 1u);
}

TEST(retention_purge, audit_events_older_than_the_cutoff_go_in_batches) {
  temp_db db;
  sqlite_store store({db.path, 16});
  const auto now = now_ms();
  ASSERT_TRUE(run_job(store, [&](write_tx& tx) {
    for (int i = 0; i < 7; ++i) {
      audit_entry e;
      e.recorded_ms = i < 5 ? now - 7 * 365 * day_ms + i : now - day_ms;
      e.type_code = "rest";
      auto id = audit_table::insert(tx, e);
      (void)audit_table::set_body(tx, id, "{\"resourceType\":\"AuditEvent\"}");
    }
    return tx.ok();
  }));
  auto totals = purge_all(store, [&](write_tx& tx, std::int64_t) {
    return retention_purge::purge_audit_events(tx, now - 6 * 365 * day_ms, 2);
  });
  EXPECT_EQ(totals.purged, 5);
  EXPECT_EQ(totals.batches, 3);
  audit_query everything;
  everything.count = 100;
  auto page = audit_table::search(store, everything);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 2);
}

}  // namespace
}  // namespace homebase::gateway::store
