// letter_table and consent_table on a real store: what a letter row keeps, the due order, and a row whose
// status text no gateway writes (an error on both connections, never some status).
#include "gateway/store/letter_table.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <future>

#include "gateway/store/consent_table.hpp"
#include "tests/integration/gateway_harness.hpp"

namespace homebase::gateway::store {
namespace {

class letter_table_test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(run([this](write_tx& tx) {
      child_ = tx.save_child(std::nullopt, "{}", {{"http://example.org/mrn", "L-1"}});
      return tx.ok();
    }));
  }

  bool run(sqlite_store::job job) {
    std::promise<bool> done;
    auto result = done.get_future();
    EXPECT_TRUE(store_.submit(std::move(job), [&done](bool ok) { done.set_value(ok); }));
    return result.get();
  }

  std::int64_t add_letter(letter_status status, std::int64_t next_attempt_ms) {
    std::int64_t id = 0;
    EXPECT_TRUE(run([&](write_tx& tx) {
      letter_row row;
      row.child_id = child_;
      row.school_id = "lincoln";
      row.kind = "504";
      row.request = "{}";
      row.status = status;
      row.next_attempt_ms = next_attempt_ms;
      row.created_at = "2026-11-23T17:00:00Z";
      id = letter_table::insert(tx, row);
      return tx.ok();
    }));
    return id;
  }

  homebase::testing::temp_dir dir_;
  sqlite_store store_{{(dir_.path() / "letters.db").string(), 16}};
  std::int64_t child_ = 0;
};

TEST_F(letter_table_test, a_letter_keeps_its_status_consent_document_and_sent_time) {
  std::int64_t consent = 0;
  ASSERT_TRUE(run([&](write_tx& tx) {
    consent = consent_table::insert(tx, child_, "active", R"({"resourceType":"Consent"})", "t0");
    return tx.ok();
  }));
  auto id = add_letter(letter_status::queued, 5);
  const std::string document = R"({"resourceType":"Bundle"})";
  ASSERT_TRUE(run([&](write_tx& tx) {
    letter_table::set_consent(tx, id, consent);
    letter_table::update(tx, id, letter_status::sending, "", "t1", false, 5, &document);
    auto found = letter_table::find(tx, id);
    EXPECT_TRUE(found);
    if (found) {
      EXPECT_EQ(found->status, letter_status::sending);
      EXPECT_EQ(found->consent_id, consent);
      EXPECT_EQ(found->document, document);
      EXPECT_EQ(found->sent_at, "");
    }
    EXPECT_EQ(letter_table::of_consent(tx, consent).size(), 1U);
    return tx.ok();
  }));
  const std::string answer = "{}";
  ASSERT_TRUE(run([&](write_tx& tx) {
    letter_table::update(tx, id, letter_status::sent, "", "t2", true, 0, nullptr, &answer);
    return tx.ok();
  }));
  auto read = letter_table::read(store_, id);
  ASSERT_TRUE(read.has_value());
  ASSERT_TRUE(*read);
  const auto& letter = **read;
  EXPECT_EQ(letter.status, letter_status::sent);
  EXPECT_EQ(letter.sent_at, "t2");
  EXPECT_EQ(letter.attempts, 1);
  EXPECT_EQ(letter.document, document);  // kept: no new document
  EXPECT_EQ(letter.response, answer);
  auto none = letter_table::read(store_, id + 100);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(*none);
}

TEST_F(letter_table_test, the_next_due_letter_is_the_earliest_pending_one) {
  add_letter(letter_status::blocked, 1);
  auto later = add_letter(letter_status::retrying, 300);
  auto first = add_letter(letter_status::queued, 200);
  std::int64_t next = 0;
  auto due = letter_table::next_due(store_, 100, next);
  ASSERT_TRUE(due.has_value());
  EXPECT_FALSE(*due);
  EXPECT_EQ(next, 200);
  due = letter_table::next_due(store_, 250, next);
  ASSERT_TRUE(due.has_value() && *due);
  EXPECT_EQ((*due)->id, first);
  EXPECT_EQ(next, INT64_MAX);
  ASSERT_TRUE(run([&](write_tx& tx) {
    letter_table::update(tx, first, letter_status::sent, "", "t", true);
    return tx.ok();
  }));
  due = letter_table::next_due(store_, 400, next);
  ASSERT_TRUE(due.has_value() && *due);
  EXPECT_EQ((*due)->id, later);
}

TEST_F(letter_table_test, an_unknown_status_is_an_error_naming_the_row) {
  auto id = add_letter(letter_status::queued, 0);
  ASSERT_TRUE(run([&](write_tx& tx) {
    auto& s = tx.prepare("UPDATE school_letters SET status = 'paused' WHERE id = ?1");
    s.bind(1, id);
    return tx.check(s.step(), "damage");
  }));
  auto read = letter_table::read(store_, id);
  ASSERT_FALSE(read.has_value());
  EXPECT_NE(read.error().find("unknown status 'paused'"), std::string::npos) << read.error();
  EXPECT_NE(read.error().find("row " + std::to_string(id)), std::string::npos) << read.error();

  std::string error;
  EXPECT_FALSE(run([&](write_tx& tx) {
    EXPECT_FALSE(letter_table::find(tx, id));
    error = tx.error();
    return tx.ok();
  }));
  EXPECT_NE(error.find("unknown status 'paused'"), std::string::npos) << error;
}

}  // namespace
}  // namespace homebase::gateway::store
