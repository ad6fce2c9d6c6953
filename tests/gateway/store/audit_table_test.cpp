// audit_table on a real store: each search parameter, the medical-home restriction, keyset paging, and
// the migration of older rows (seeded through audit::record, tests/gateway/audit/audit_fixture.hpp).
#include "gateway/store/audit_table.hpp"

#include <gtest/gtest.h>

#include "tests/gateway/audit/audit_fixture.hpp"
#include "tests/gateway/store/older_schema.hpp"

namespace homebase::gateway::audit {
namespace {

class audit_table_test : public audit_fixture {};

TEST_F(audit_table_test, searches_each_parameter) {
  seed();
  store::audit_query q;
  EXPECT_EQ(found(q), (list{1, 2, 3, 4}));
  q = {};
  q.patient_ids = {{"p-1"}};
  EXPECT_EQ(found(q), (list{1, 4}));
  q.patient_ids = {{"p-1", "p-2"}};
  EXPECT_EQ(found(q), (list{1, 2, 4}));
  q.patient_ids = {{"p-1"}, {"p-2"}};  // AND
  EXPECT_EQ(found(q), list{});
  q = {};
  q.child_id = 2;
  EXPECT_EQ(found(q), (list{2}));
  q = {};
  q.dates = {{fhir::date_prefix::eq, *fhir::parse_date_range("2026-11-24", fhir::date_syntax::search)}};
  EXPECT_EQ(found(q), (list{2}));
  q.dates = {{fhir::date_prefix::ge, *fhir::parse_date_range("2026-11-25", fhir::date_syntax::search)}};
  EXPECT_EQ(found(q), (list{3, 4}));
  q.dates = {{fhir::date_prefix::ge, *fhir::parse_date_range("2026-11-24", fhir::date_syntax::search)},
             {fhir::date_prefix::lt, *fhir::parse_date_range("2026-11-26", fhir::date_syntax::search)}};
  EXPECT_EQ(found(q), (list{2, 3}));
  q = {};
  q.types = {{{std::nullopt, "rest"}}};
  EXPECT_EQ(found(q), (list{1, 2}));
  q.types = {{{std::string(ma::dicom_system), "110106"}, {std::nullopt, "110113"}}};
  EXPECT_EQ(found(q), (list{3, 4}));
  q.types = {{{std::string("http://wrong"), "rest"}}};
  EXPECT_EQ(found(q), list{});
  q = {};
  q.subtypes = {{{std::nullopt, "read"}}};
  EXPECT_EQ(found(q), (list{2}));
  q.subtypes = {{{std::string(ma::refusal_reason_system), "invalid_token"}}};
  EXPECT_EQ(found(q), (list{3}));
  q = {};
  q.outcomes = {{4}};
  EXPECT_EQ(found(q), (list{3}));
  q.outcomes = {{0, 8}};
  EXPECT_EQ(found(q), (list{1, 2, 4}));
  q = {};
  q.agents = {{"nicu-gw"}};
  EXPECT_EQ(found(q), (list{1}));
  q.agents = {{"home-a"}};  // a disclosure without a client: its recipient
  EXPECT_EQ(found(q), (list{4}));
  q = {};
  q.no_match = true;
  EXPECT_EQ(found(q), list{});
}

TEST_F(audit_table_test, medical_home_sees_only_events_about_its_children) {
  seed();
  store::audit_query q;
  q.medical_home = "home-a";
  EXPECT_EQ(found(q), (list{1, 4}));
  q.medical_home = "home-b";
  EXPECT_EQ(found(q), (list{2}));
  q.patient_ids = {{"p-1"}};  // another home's child: nothing
  EXPECT_EQ(found(q), list{});
  q = {};
  q.medical_home = "";  // a refusal names no child: never a home's
  EXPECT_EQ(found(q), list{});
}

TEST_F(audit_table_test, keyset_paging_walks_every_row_once) {
  seed();
  store::audit_query q;
  q.count = 1;
  std::vector<std::int64_t> walked;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = store::audit_table::search(*store_, q);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->total, 4);
    for (const auto& r : page->rows) walked.push_back(r.id);
    if (!page->more) break;
    q.after_id = page->rows.back().id;
  }
  EXPECT_EQ(walked, ids_);
}

TEST_F(audit_table_test, leaves_out_excluded_agents) {
  seed();
  store::audit_query q;
  q.excluded_agents = {"home-a"};  // the medical home a delivery went to
  EXPECT_EQ(found(q), (list{1, 2, 3}));
  q.excluded_agents = {"home-a", "nicu-gw", "nobody"};
  EXPECT_EQ(found(q), (list{2, 3}));
}

TEST_F(audit_table_test, pages_newest_first) {
  seed();
  store::audit_query q;
  q.newest_first = true;
  EXPECT_EQ(found(q), (list{4, 3, 2, 1}));
  q.count = 1;
  std::vector<std::int64_t> walked;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = store::audit_table::search(*store_, q);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->total, 4);
    for (const auto& r : page->rows) walked.push_back(r.id);
    if (!page->more) break;
    q.before_id = page->rows.back().id;
  }
  EXPECT_EQ(walked, std::vector<std::int64_t>(ids_.rbegin(), ids_.rend()));
}

TEST_F(audit_table_test, migration_keeps_older_letter_events_searchable) {
  // A store as the letters left it before migration 9: the old table, one row, schema version 8 (and
  // migration 10's outbox changes undone, since it runs again too).
  ASSERT_TRUE(run([](store::write_tx& tx) {
    auto c = tx.save_child(std::nullopt, "{}", {{mrn1.system, mrn1.value}});
    store::indexed_write w;
    w.row = {0, "Patient", "p-1", c, "p-1", "active", 1, t0, R"({"resourceType":"Patient","id":"p-1"})"};
    tx.put_indexed(w, std::nullopt);
    return tx.ok();
  }));
  store_.reset();
  // Undo migrations 12 to 9.
  const char* sql = R"sql(
DROP INDEX fhir_resources_child_patient;
DROP TABLE audit_events;
CREATE TABLE audit_events(id INTEGER PRIMARY KEY, child_id INTEGER NOT NULL REFERENCES children(id),
  letter_id INTEGER, recorded TEXT NOT NULL, body TEXT NOT NULL);
INSERT INTO audit_events VALUES(7, 1, NULL, '2026-11-23T17:00:00Z',
  '{"resourceType":"AuditEvent","id":"7","type":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"110106"},"subtype":[{"system":"http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle","code":"disclose"}],"action":"R","outcome":"0","agent":[{},{"who":{"identifier":{"value":"lincoln-usd"}}}]}');
DROP INDEX outbox_due;
DROP INDEX outbox_child_pending;
DROP INDEX outbox_dead;
ALTER TABLE outbox DROP COLUMN queued_ms;
DELETE FROM schema_version WHERE version >= 9;
)sql";
  ASSERT_EQ(store::testing::take_back(db_path(), sql), "");
  open();
  EXPECT_EQ(store_->schema_version(), store::sqlite_store::latest_schema_version());
  ids_ = {7};
  store::audit_query q;
  q.patient_ids = {{"p-1"}};
  q.types = {{{std::string(ma::dicom_system), "110106"}}};
  q.subtypes = {{{std::nullopt, "disclose"}}};
  q.outcomes = {{0}};
  q.agents = {{"lincoln-usd"}};
  q.dates = {
      {fhir::date_prefix::eq, *fhir::parse_date_range("2026-11-23T17:00:00Z", fhir::date_syntax::search)}};
  EXPECT_EQ(found(q), (list{1}));
  // And the table takes events without a child now.
  ma::audit_record refused;
  refused.kind = ma::audit_kind::security_alert;
  refused.recorded_ms = t0;
  EXPECT_TRUE(run([&](store::write_tx& tx) { return record(tx, refused) > 0 && tx.ok(); }));
}

}  // namespace
}  // namespace homebase::gateway::audit
