// medical_home_transfer through child_writer on a real store: a message naming another configured
// practice, and an operator's pin, move the child; what the move leaves behind (home, re-targeted rows,
// the old home's frozen farewell row, the AuditEvent, the record event); a pin outranks later messages;
// an attempt recorded for a row re-targeted while its POST was in flight leaves the row for the new home.
#include "gateway/child/medical_home_transfer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "gateway/child/child_writer.hpp"
#include "gateway/store/audit_table.hpp"
#include "mappers/inbound/discharge_translator.hpp"
#include "mappers/model/record_codec.hpp"
#include "mappers/outbound/transfer_farewell.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::gateway::child {
namespace {

namespace fs = std::filesystem;
namespace model = mappers::model;

constexpr const char* two_homes = R"(
medical_homes:
  - id: meadowbrook
    name: Meadowbrook Pediatrics
    fhir_base_url: http://127.0.0.1:1/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "1234567893"}]
  - id: lakeside
    name: Lakeside Family Pediatrics
    fhir_base_url: http://127.0.0.1:2/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "1679576722"}]
)";
constexpr std::int64_t t0 = 1'700'000'000'000;

model::coordination_record at_meadowbrook() {
  auto doc = mappers::testing::load_fixture(mappers::testing::seed_fixture);
  auto result = mappers::inbound::translate_discharge(doc);
  EXPECT_TRUE(result.ok) << result.message;
  auto r = result.value.record;
  r.patient.general_practitioner_orgs = {{"http://hl7.org/fhir/sid/us-npi", "1234567893"}};
  return r;
}

model::coordination_record at_lakeside() {
  auto r = at_meadowbrook();
  r.patient.general_practitioner_orgs = {{"http://hl7.org/fhir/sid/us-npi", "1679576722"}};
  return r;
}

class medical_home_transfer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pattern = (fs::temp_directory_path() / "hb-transfer-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    dir_ = mkdtemp(buffer.data());
    store_ =
        std::make_unique<store::sqlite_store>(store::sqlite_store::options{(dir_ / "t.db").string(), 16});
    config_ = config::load_text(two_homes);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  bool run(std::function<bool(store::write_tx&)> body) {
    std::promise<bool> done;
    auto finished = done.get_future();
    store::sqlite_store::job job = [&](store::write_tx& tx) { return body(tx); };
    EXPECT_TRUE(store_->submit(std::move(job), [&done](bool ok) { done.set_value(ok); }));
    return finished.get();
  }

  // A message about `record` (the child `id`, or a new one), received at `now`.
  saved_child receive(model::coordination_record record, std::optional<std::int64_t> id,
                      const std::string& header, std::int64_t now) {
    store::stored_message m;
    m.bundle_id = "b-" + header;
    m.header_id = header;
    m.partner_id = "st-elsewhere-nicu";
    m.event_code = "nicu-discharge";
    m.received_at = "2023-11-14T22:13:20Z";
    mappers::audit::audit_record receipt;
    receipt.kind = mappers::audit::audit_kind::patient_create;
    receipt.recorded_ms = now;
    receipt.client = {"st-elsewhere-nicu", "partner", "", {}, "127.0.0.1"};
    save_cause cause;
    cause.kind = save_kind::message;
    cause.new_message = &m;
    cause.new_message_body = R"({"resourceType":"Bundle"})";
    cause.audit = &receipt;
    auto prepared = prepare_child(record, *config_, now, "rules");
    saved_child out;
    EXPECT_TRUE(run([&](store::write_tx& tx) {
      out = save_child(tx, id, prepared, cause, now);
      return tx.ok();
    }));
    return out;
  }

  // An operator's transfer of child `id` (whose record is `record`) to `home`.
  saved_child transfer(model::coordination_record record, std::int64_t id, const std::string& home,
                       std::int64_t now) {
    transfer_request request;
    request.reason = "family moved across town";
    request.admin.client = {"operator", "operator", "", {}, "127.0.0.1"};
    save_cause cause;
    cause.kind = save_kind::transfer;
    cause.transfer = &request;
    auto prepared = prepare_child(record, *config_, now, "rules");
    saved_child out;
    EXPECT_TRUE(run([&](store::write_tx& tx) {
      tx.set_child_home_override(id, home);
      out = save_child(tx, id, prepared, cause, now);
      return tx.ok();
    }));
    return out;
  }

  fs::path dir_;
  std::unique_ptr<store::sqlite_store> store_;
  config::config_ptr config_;
};

int transfer_audits(store::sqlite_store& store, std::int64_t child) {
  int n = 0;
  for (const auto& e : store::audit_table::events_of_child(store, child))
    if (e.find("\"transfer\"") != std::string::npos && e.find("110110") != std::string::npos) ++n;
  return n;
}

TEST_F(medical_home_transfer, a_message_naming_another_practice_moves_the_child_and_queues_a_farewell) {
  auto first = receive(at_meadowbrook(), std::nullopt, "h1", t0);
  ASSERT_EQ(first.home, "meadowbrook");
  EXPECT_TRUE(first.transferred_from.empty());
  // A second message while Meadowbrook is down: its row waits for Meadowbrook.
  auto second = receive(at_meadowbrook(), first.child_id, "h2", t0 + 1000);
  ASSERT_EQ(store_->due_outbox("meadowbrook", t0 + 10'000, 10).size(), 1U);  // FIFO: the oldest of the child

  auto moved = receive(at_lakeside(), first.child_id, "h3", t0 + 2000);
  EXPECT_EQ(moved.home, "lakeside");
  EXPECT_EQ(moved.transferred_from, "meadowbrook");
  EXPECT_EQ(moved.retargeted, 2);
  EXPECT_EQ(store_->child_home(first.child_id), "lakeside");

  // Meadowbrook: only the farewell, frozen from the record it knew.
  auto old_rows = store_->due_outbox("meadowbrook", t0 + 10'000, 10);
  ASSERT_EQ(old_rows.size(), 1U);
  EXPECT_EQ(old_rows[0].kind, store::outbox_kind::transfer_out);
  auto farewell = model::decode(old_rows[0].farewell);
  ASSERT_TRUE(farewell);
  ASSERT_TRUE(farewell->care_team);
  EXPECT_EQ(farewell->care_team->status, "inactive");
  ASSERT_FALSE(farewell->events.empty());
  EXPECT_EQ(farewell->events.back().kind, mappers::outbound::transfer_event_kind);
  EXPECT_EQ(farewell->events.back().detail.find("Lakeside"), std::string::npos);
  EXPECT_EQ(farewell->patient.general_practitioner_orgs.front().value, "1234567893");

  // Lakeside: the two re-targeted rows first (FIFO), then the transfer's own.
  auto new_rows = store_->due_outbox("lakeside", t0 + 10'000, 10);
  ASSERT_EQ(new_rows.size(), 1U);
  EXPECT_EQ(new_rows[0].message_id, *first.message_id);
  EXPECT_EQ(new_rows[0].kind, store::outbox_kind::record);
  EXPECT_EQ(store_->get_message(*second.message_id)->destination, "lakeside");

  // The record keeps the transfer (both homes named for the new home); one AuditEvent.
  auto record = model::decode(*store_->read_child_record(first.child_id));
  ASSERT_TRUE(record);
  ASSERT_FALSE(record->events.empty());
  EXPECT_EQ(record->events.back().kind, mappers::outbound::transfer_event_kind);
  EXPECT_NE(record->events.back().detail.find("Lakeside"), std::string::npos);
  EXPECT_EQ(transfer_audits(*store_, first.child_id), 1);

  // The next message goes to Lakeside only: no second transfer.
  auto later = receive(at_lakeside(), first.child_id, "h4", t0 + 3000);
  EXPECT_EQ(later.home, "lakeside");
  EXPECT_TRUE(later.transferred_from.empty());
  EXPECT_EQ(store_->due_outbox("meadowbrook", t0 + 10'000, 10).size(), 1U);
  EXPECT_EQ(transfer_audits(*store_, first.child_id), 1);
}

TEST_F(medical_home_transfer, an_operator_pin_moves_the_child_and_outranks_later_messages) {
  auto first = receive(at_meadowbrook(), std::nullopt, "h1", t0);
  auto moved = transfer(at_meadowbrook(), first.child_id, "lakeside", t0 + 1000);
  EXPECT_EQ(moved.home, "lakeside");
  EXPECT_EQ(moved.transferred_from, "meadowbrook");
  EXPECT_TRUE(moved.queued);
  EXPECT_EQ(store_->child_home(first.child_id), "lakeside");
  EXPECT_EQ(transfer_audits(*store_, first.child_id), 1);

  // A later message still naming Meadowbrook: the pin holds.
  auto later = receive(at_meadowbrook(), first.child_id, "h2", t0 + 2000);
  EXPECT_EQ(later.home, "lakeside");
  EXPECT_TRUE(later.transferred_from.empty());
  EXPECT_EQ(store_->child_home(first.child_id), "lakeside");
  EXPECT_EQ(store_->get_message(*later.message_id)->destination, "lakeside");
  auto old_rows = store_->due_outbox("meadowbrook", t0 + 10'000, 10);
  ASSERT_EQ(old_rows.size(), 1U);
  EXPECT_EQ(old_rows[0].kind, store::outbox_kind::transfer_out);
}

TEST_F(medical_home_transfer, an_attempt_in_flight_during_the_transfer_leaves_the_row_for_the_new_home) {
  auto first = receive(at_meadowbrook(), std::nullopt, "h1", t0);
  auto rows = store_->due_outbox("meadowbrook", t0 + 10'000, 10);
  ASSERT_EQ(rows.size(), 1U);
  auto in_flight = rows[0].id;
  (void)receive(at_lakeside(), first.child_id, "h2", t0 + 1000);
  // The lane's POST to Meadowbrook succeeded; it records the attempt after the transfer committed.
  ASSERT_TRUE(run([&](store::write_tx& tx) {
    tx.record_attempt(in_flight, {"2023-11-14T22:13:21Z", 200, "", ""}, store::outbox_status::sent, 0,
                      "meadowbrook");
    return tx.ok();
  }));
  auto outbox = store_->outbox_for_message(*first.message_id);
  ASSERT_FALSE(outbox.empty());
  EXPECT_EQ(outbox[0].destination, "lakeside");
  EXPECT_EQ(outbox[0].status, store::outbox_status::queued);
  EXPECT_EQ(outbox[0].history.size(), 1U);  // the attempt is kept
}

TEST(medical_home_transfer_event, names_both_homes_and_the_reason_for_the_new_home) {
  auto config = config::load_text(two_homes);
  transfer_plan plan;
  plan.from_id = "meadowbrook";
  plan.from = config->find_medical_home("meadowbrook");
  plan.to = config->find_medical_home("lakeside");
  transfer_cause cause;
  cause.by_operator = true;
  cause.reason = "family moved";
  auto e = transfer_event(plan, cause, "2026-12-06T10:00:00Z");
  EXPECT_EQ(e.kind, mappers::outbound::transfer_event_kind);
  EXPECT_EQ(e.source, "");
  EXPECT_NE(e.detail.find("Meadowbrook Pediatrics"), std::string::npos);
  EXPECT_NE(e.detail.find("Lakeside Family Pediatrics"), std::string::npos);
  EXPECT_NE(e.detail.find("family moved"), std::string::npos);
}

}  // namespace
}  // namespace homebase::gateway::child
