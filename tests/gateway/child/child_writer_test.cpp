// child_writer on a real store: what one save leaves behind for each cause (the record, the index, the
// message's routing, the outbox row, the AuditEvent), and that a cause other than a message queues a
// delivery only when what the medical home gets changed. The writer's callers are checked with the same
// snapshot in their own tests (pipeline/message_intake, scheduler/clock_scheduler,
// disclosure/letter_workflow).
#include "gateway/child/child_writer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "gateway/store/audit_table.hpp"
#include "mappers/inbound/discharge_translator.hpp"
#include "tests/gateway/child/child_consistency.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::gateway::child {
namespace {

namespace fs = std::filesystem;
namespace model = mappers::model;

constexpr const char* routed = R"(
medical_homes:
  - id: meadowbrook
    fhir_base_url: http://127.0.0.1:1/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "1234567893"}]
)";
constexpr const char* no_homes = "server:\n  public_base_url: http://127.0.0.1:8080/fhir\n";

model::coordination_record seed_record() {
  auto doc = mappers::testing::load_fixture(mappers::testing::seed_fixture);
  auto result = mappers::inbound::translate_discharge(doc);
  EXPECT_TRUE(result.ok) << result.message;
  return result.value.record;
}

class child_writer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pattern = (fs::temp_directory_path() / "hb-child-writer-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    dir_ = mkdtemp(buffer.data());
    store_ =
        std::make_unique<store::sqlite_store>(store::sqlite_store::options{(dir_ / "t.db").string(), 16});
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Saves `record` (prepared with `config` at `now`) as child `id` for `cause`; the job's verdict.
  saved_child save(const char* config_text, model::coordination_record record, std::optional<std::int64_t> id,
                   save_cause cause, std::int64_t now = 1'700'000'000'000) {
    auto config = config::load_text(config_text);
    auto prepared = prepare_child(record, *config, now, "rules");
    saved_child out;
    std::promise<bool> done;
    auto finished = done.get_future();
    store::sqlite_store::job job = [&](store::write_tx& tx) {
      out = save_child(tx, id, prepared, cause, now);
      return tx.ok();
    };
    EXPECT_TRUE(store_->submit(std::move(job), [&done](bool ok) { done.set_value(ok); }));
    EXPECT_TRUE(finished.get());
    return out;
  }

  // A message received about the record: the row the writer inserts.
  saved_child receive(const char* config_text, const model::coordination_record& record,
                      std::optional<std::int64_t> id, const std::string& header_id) {
    store::stored_message m;
    m.bundle_id = "b-" + header_id;
    m.header_id = header_id;
    m.partner_id = "st-elsewhere";
    m.event_code = "nicu-discharge";
    m.received_at = "2023-11-14T22:13:20Z";
    mappers::audit::audit_record receipt;
    receipt.kind = mappers::audit::audit_kind::patient_create;
    receipt.recorded_ms = 1'700'000'000'000;
    receipt.entity_type = "MessageHeader";
    receipt.entity_id = header_id;
    save_cause cause;
    cause.kind = save_kind::message;
    cause.new_message = &m;
    cause.new_message_body = R"({"resourceType":"Bundle"})";
    cause.audit = &receipt;
    return save(config_text, record, id, cause);
  }

  fs::path dir_;
  std::unique_ptr<store::sqlite_store> store_;
};

TEST_F(child_writer, a_message_saves_indexes_routes_queues_and_audits_its_child) {
  auto saved = receive(routed, seed_record(), std::nullopt, "h1");
  ASSERT_TRUE(saved.message_id);
  EXPECT_TRUE(saved.queued);
  EXPECT_GT(saved.resources_changed, 0);
  auto snap = testing::snapshot(*store_, saved.child_id);
  EXPECT_TRUE(snap.record_readable);
  EXPECT_EQ(snap.index_problem, "");
  EXPECT_EQ(snap.resources, saved.resources_changed);
  EXPECT_EQ(snap.outbox_rows, 1);
  EXPECT_EQ(snap.medical_home, "meadowbrook");
  auto message = store_->get_message(*saved.message_id);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->status, store::message_status::queued);
  EXPECT_EQ(message->destination, "meadowbrook");
  EXPECT_EQ(message->child_id, saved.child_id);
  EXPECT_EQ(store::audit_table::events_of_child(*store_, saved.child_id).size(), 1U);
}

TEST_F(child_writer, an_unroutable_message_is_kept_and_indexed_without_a_delivery) {
  auto saved = receive(no_homes, seed_record(), std::nullopt, "h1");
  EXPECT_FALSE(saved.queued);
  auto snap = testing::snapshot(*store_, saved.child_id);
  EXPECT_EQ(snap.index_problem, "");
  EXPECT_EQ(snap.outbox_rows, 0);
  EXPECT_EQ(snap.medical_home, "");
  EXPECT_EQ(store_->get_message(*saved.message_id)->status, store::message_status::unroutable);
}

TEST_F(child_writer, an_operator_retry_routes_the_stored_message_once_a_home_is_configured) {
  auto first = receive(no_homes, seed_record(), std::nullopt, "h1");
  ASSERT_EQ(store_->get_message(*first.message_id)->status, store::message_status::unroutable);
  save_cause retry;
  retry.kind = save_kind::admin_retry;
  retry.message_id = first.message_id;
  auto saved = save(routed, seed_record(), first.child_id, retry);
  EXPECT_EQ(saved.child_id, first.child_id);
  EXPECT_TRUE(saved.queued);
  EXPECT_EQ(saved.resources_changed, 0);  // the same record: the index had it already
  auto snap = testing::snapshot(*store_, saved.child_id);
  EXPECT_EQ(snap.index_problem, "");
  EXPECT_EQ(snap.outbox_rows, 1);
  EXPECT_EQ(snap.medical_home, "meadowbrook");
  auto message = store_->get_message(*first.message_id);
  EXPECT_EQ(message->status, store::message_status::queued);
  EXPECT_EQ(message->destination, "meadowbrook");
}

TEST_F(child_writer, other_causes_deliver_only_what_changed_with_the_childs_newest_message) {
  auto record = seed_record();
  auto first = receive(routed, record, std::nullopt, "h1");
  auto second = receive(routed, record, first.child_id, "h2");
  EXPECT_EQ(testing::snapshot(*store_, first.child_id).outbox_rows, 2);  // every message is delivered

  for (auto kind : {save_kind::clock, save_kind::letter, save_kind::consent}) {
    save_cause cause;
    cause.kind = kind;
    auto same = save(routed, record, first.child_id, cause);
    EXPECT_EQ(same.resources_changed, 0) << to_string(kind);
    EXPECT_FALSE(same.queued) << to_string(kind);
  }
  EXPECT_EQ(testing::snapshot(*store_, first.child_id).outbox_rows, 2);

  // New work for the practice (a coordinator's Task, as a cancelled school letter leaves).
  model::action_item item;
  item.key = {"http://homebase.example.org/fhir/sid/action-item", "test|1"};
  item.type = "review_school_letter";
  item.owner_role = "care_coordinator";
  item.due = "2023-11-15";
  item.priority = "urgent";
  item.description = "Talk with the family.";
  item.rule = "disclosure-gate";
  item.created = "2023-11-14T22:13:20Z";
  record.actions.push_back(item);
  save_cause letter;
  letter.kind = save_kind::letter;
  auto saved = save(routed, record, first.child_id, letter);
  EXPECT_GT(saved.resources_changed, 0);
  EXPECT_TRUE(saved.queued);
  EXPECT_FALSE(saved.message_id);
  auto snap = testing::snapshot(*store_, first.child_id);
  EXPECT_EQ(snap.index_problem, "");
  EXPECT_EQ(snap.outbox_rows, 3);
  auto rows = store_->outbox_for_message(*second.message_id);
  EXPECT_EQ(rows.size(), 2U);  // the newest message carries the record again
}

}  // namespace
}  // namespace homebase::gateway::child
