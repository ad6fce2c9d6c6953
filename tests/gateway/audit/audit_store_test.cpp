// audit_store and audit_api on a real store: what `record` keeps, each search parameter, keyset paging,
// the medical-home restriction, the HTTP answers of bad searches, and the migration of older rows.
#include "gateway/audit/audit_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <set>

#include "config/gateway_config.hpp"
#include "fhir/json_document.hpp"
#include "gateway/audit/audit_api.hpp"

namespace homebase::gateway::audit {
namespace {

namespace fs = std::filesystem;
namespace ma = mappers::audit;

constexpr std::int64_t t0 = 1'795'453'200'000;  // 2026-11-23T17:00:00Z
constexpr std::int64_t day = 86'400'000;
const mappers::model::identifier mrn1{"http://example.org/mrn", "SE-1"};
const mappers::model::identifier mrn2{"http://example.org/mrn", "SE-2"};

class audit_store_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pattern = (fs::temp_directory_path() / "hb-audit-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    dir_ = mkdtemp(buffer.data());
    open();
    config_ = config::load_text("server:\n  public_base_url: http://127.0.0.1:8080/fhir\n");
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void open() { store_ = std::make_unique<store::sqlite_store>(store::sqlite_store::options{db_path(), 16}); }
  [[nodiscard]] std::string db_path() const { return (dir_ / "t.db").string(); }

  bool run(store::sqlite_store::job job) {
    std::promise<bool> done;
    auto result = done.get_future();
    EXPECT_TRUE(store_->submit(std::move(job), [&done](bool ok) { done.set_value(ok); }));
    return result.get();
  }

  // Two children: 1 (SE-1, Patient p-1 in the index, home-a) and 2 (SE-2, home-b), and four events.
  void seed() {
    ASSERT_TRUE(run([](store::write_tx& tx) {
      auto c1 = tx.save_child(std::nullopt, "{}", {{mrn1.system, mrn1.value}});
      auto c2 = tx.save_child(std::nullopt, "{}", {{mrn2.system, mrn2.value}});
      tx.set_child_home(c1, "home-a");
      tx.set_child_home(c2, "home-b");
      store::indexed_write w;
      w.row = {0, "Patient", "p-1", c1, "p-1", "active", 1, t0, R"({"resourceType":"Patient","id":"p-1"})"};
      tx.put_indexed(w, std::nullopt);
      return tx.ok();
    }));
    ma::audit_record create;
    create.kind = ma::audit_kind::patient_create;
    create.recorded_ms = t0;
    create.client = {"nicu-gw", "partner", "", {}, "10.0.0.1"};
    create.patient_identifier = mrn1;  // child and Patient id found from it
    create.request_id = "hdr-1";
    ma::audit_record read;
    read.kind = ma::audit_kind::patient_read;
    read.recorded_ms = t0 + day;
    read.client = {"cf-app", "medical_home", "", {}, "10.0.0.2"};
    read.patient_id = "p-2";
    ma::audit_record refused;
    refused.kind = ma::audit_kind::security_alert;
    refused.recorded_ms = t0 + 2 * day;
    refused.outcome = ma::audit_outcome::minor_failure;
    refused.client.address = "203.0.113.9";
    refused.action_name = "invalid_token";
    ma::audit_record disclosed;
    disclosed.kind = ma::audit_kind::privacy_disclosure;
    disclosed.recorded_ms = t0 + 3 * day;
    disclosed.outcome = ma::audit_outcome::serious_failure;
    disclosed.recipient = {"home-a", "medical_home", "Home A", {}, "http://home-a/fhir"};
    ASSERT_TRUE(run([&](store::write_tx& tx) {
      ids_.push_back(record(tx, create));
      ids_.push_back(record(tx, read, {2, std::nullopt}));
      ids_.push_back(record(tx, refused));
      ids_.push_back(record(tx, disclosed, {1, std::nullopt}));
      return tx.ok();
    }));
  }

  // The 1-based positions (in seeding order) of the events a query finds.
  std::vector<int> found(audit_query q) {
    q.count = 100;
    auto page = search(*store_, q);
    EXPECT_TRUE(page);
    std::vector<int> out;
    if (!page) return out;
    EXPECT_EQ(page->total, static_cast<std::int64_t>(page->rows.size()));
    for (const auto& r : page->rows)
      for (std::size_t i = 0; i < ids_.size(); ++i)
        if (ids_[i] == r.id) out.push_back(static_cast<int>(i + 1));
    return out;
  }

  http::response get(const std::string& query, bool strict = false,
                     const std::optional<std::string>& home = std::nullopt) {
    audit_api api(config_, *store_);
    return api.search(query, strict, home);
  }

  fs::path dir_;
  std::unique_ptr<store::sqlite_store> store_;
  config::config_ptr config_;
  std::vector<std::int64_t> ids_;
};

using list = std::vector<int>;

TEST_F(audit_store_test, RecordKeepsTheEventWithItsIdAndSearchColumns) {
  seed();
  ASSERT_EQ(ids_.size(), 4U);
  for (auto id : ids_) EXPECT_GT(id, 0);
  auto events = events_of_child(*store_, 1);
  ASSERT_EQ(events.size(), 2U);
  rapidjson::Document doc;
  ASSERT_FALSE(fhir::parse_json(events[0], doc));
  EXPECT_EQ(std::string(doc["id"].GetString()), std::to_string(ids_[0]));
  // The Patient resource id was found from the identifier.
  bool patient_ref = false;
  for (const auto& e : doc["entity"].GetArray())
    if (e["what"].HasMember("reference") &&
        std::string_view(e["what"]["reference"].GetString()) == "Patient/p-1")
      patient_ref = true;
  EXPECT_TRUE(patient_ref);
}

TEST_F(audit_store_test, SearchesEachParameter) {
  seed();
  audit_query q;
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

TEST_F(audit_store_test, MedicalHomeSeesOnlyEventsAboutItsChildren) {
  seed();
  audit_query q;
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

TEST_F(audit_store_test, KeysetPagingWalksEveryRowOnce) {
  seed();
  audit_query q;
  q.count = 1;
  std::vector<std::int64_t> walked;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = search(*store_, q);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->total, 4);
    for (const auto& r : page->rows) walked.push_back(r.id);
    if (!page->more) break;
    q.after_id = page->rows.back().id;
  }
  EXPECT_EQ(walked, ids_);
}

TEST_F(audit_store_test, ApiAnswersASearchsetWithNextLinks) {
  seed();
  auto res = get("patient=Patient/p-1&_count=1");
  ASSERT_EQ(res.result_int(), 200);
  rapidjson::Document doc;
  ASSERT_FALSE(fhir::parse_json(res.body(), doc));
  EXPECT_STREQ(doc["type"].GetString(), "searchset");
  EXPECT_EQ(doc["total"].GetInt(), 2);
  ASSERT_EQ(doc["entry"].Size(), 1U);
  EXPECT_STREQ(doc["entry"][0]["resource"]["resourceType"].GetString(), "AuditEvent");
  std::string next;
  for (const auto& l : doc["link"].GetArray())
    if (std::string_view(l["relation"].GetString()) == "next") next = l["url"].GetString();
  ASSERT_FALSE(next.empty());
  auto query = next.substr(next.find('?') + 1);
  res = get(query);
  ASSERT_EQ(res.result_int(), 200);
  ASSERT_FALSE(fhir::parse_json(res.body(), doc));
  ASSERT_EQ(doc["entry"].Size(), 1U);
  EXPECT_EQ(std::string(doc["entry"][0]["resource"]["id"].GetString()), std::to_string(ids_[3]));
  for (const auto& l : doc["link"].GetArray()) EXPECT_STRNE(l["relation"].GetString(), "next");

  ASSERT_FALSE(fhir::parse_json(get("patient:identifier=http://example.org/mrn|SE-2").body(), doc));
  EXPECT_EQ(doc["total"].GetInt(), 1);
  ASSERT_FALSE(fhir::parse_json(get("patient:identifier=http://example.org/mrn|nobody").body(), doc));
  EXPECT_EQ(doc["total"].GetInt(), 0);
  ASSERT_FALSE(fhir::parse_json(get("date=ge2026-11-25&outcome=4&type=110113&agent=").body(), doc));
  EXPECT_EQ(doc["total"].GetInt(), 1);
  ASSERT_FALSE(fhir::parse_json(get("", false, std::string("home-b")).body(), doc));
  EXPECT_EQ(doc["total"].GetInt(), 1);
}

TEST_F(audit_store_test, ApiRefusesBadValuesAndUnknownParametersWhenStrict) {
  seed();
  for (const char* bad : {"date=yesterday", "outcome=3", "patient=Patient/a%20b", "patient:identifier=nobar",
                          "_count=-1", "_cursor=x", "type=system|"}) {
    auto res = get(bad);
    EXPECT_EQ(res.result_int(), 400) << bad;
    EXPECT_NE(res.body().find("OperationOutcome"), std::string::npos);
  }
  EXPECT_EQ(get("color=blue").result_int(), 200);
  EXPECT_EQ(get("color=blue", true).result_int(), 400);
  EXPECT_EQ(get("_count=0").result_int(), 200);
}

TEST_F(audit_store_test, MigrationKeepsOlderLetterEventsSearchable) {
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
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
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
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_close(db);
  open();
  EXPECT_EQ(store_->schema_version(), store::sqlite_store::latest_schema_version());
  ids_ = {7};
  audit_query q;
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
