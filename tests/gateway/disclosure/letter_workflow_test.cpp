// letter_workflow on a real store (no HTTP): the gate's two runs, the revocation, and what each leaves
// behind (letter status, AuditEvents, the coordinator's Task, the child's events).
#include "gateway/disclosure/letter_workflow.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "config/gateway_config.hpp"
#include "fhir/json_document.hpp"
#include "gateway/store/audit_table.hpp"
#include "gateway/store/consent_table.hpp"
#include "gateway/store/letter_table.hpp"
#include "mappers/model/record_codec.hpp"
#include "tests/gateway/child/child_consistency.hpp"
#include "tests/mappers/disclosure/disclosure_fixtures.hpp"
#include "tests/mappers/disclosure/sofia_record.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::gateway::disclosure {
namespace {

namespace fs = std::filesystem;
namespace md = mappers::disclosure;
using store::letter_status;

class letter_workflow : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pattern = (fs::temp_directory_path() / "hb-letters-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    dir_ = mkdtemp(buffer.data());
    store_ =
        std::make_unique<store::sqlite_store>(store::sqlite_store::options{(dir_ / "t.db").string(), 16});
    config_ = config::load_text(
        "server:\n  public_base_url: http://127.0.0.1:8080/fhir\n"
        "schools:\n  - id: lincoln-usd\n    name: Lincoln Unified School District\n"
        "    fhir_base_url: http://127.0.0.1:8091/fhir\n    organization_identifiers:\n"
        "      - system: http://homebase.example.org/fhir/sid/school-district\n        value: lincoln-usd\n"
        "medical_homes:\n  - id: meadowbrook\n    fhir_base_url: http://127.0.0.1:8090/fhir\n"
        "    patients:\n      - system: " +
        std::string(homebase::testing::sofia_mrn_system) +
        "\n        value: " + homebase::testing::sofia_mrn + "\n");
    // Saved as a message left it (gateway/child/child_writer): indexed, and delivered under the message.
    run([this](store::write_tx& tx) {
      auto record = homebase::testing::sofia_record();
      auto prepared = child::prepare_child(record, *config_, store::now_ms(), "rules");
      store::stored_message m;
      m.bundle_id = m.header_id = "earlier";
      m.partner_id = "st-elsewhere";
      m.event_code = "visit-summary";
      m.received_at = "2026-11-01T00:00:00Z";
      child::save_cause cause;
      cause.new_message = &m;
      cause.new_message_body = "{}";
      (void)child::save_child(tx, std::nullopt, prepared, cause, store::now_ms());
      return tx.ok();
    });
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  bool run(store::sqlite_store::job job) {
    std::promise<bool> done;
    auto result = done.get_future();
    EXPECT_TRUE(store_->submit(std::move(job), [&done](bool ok) { done.set_value(ok); }));
    return result.get();
  }

  std::int64_t add_consent(const char* fixture) {
    auto body = mappers::testing::read_text(mappers::testing::data_path(fixture));
    std::int64_t id = 0;
    run([&](store::write_tx& tx) {
      rapidjson::Document doc;
      EXPECT_FALSE(fhir::parse_json(body, doc));
      id = store::consent_table::insert(tx, 1, doc["status"].GetString(), body, "2026-11-23T17:00:00Z");
      return tx.ok();
    });
    return id;
  }

  request_outcome request(const char* fixture, const std::string& now = "2026-11-23T17:00:00Z") {
    auto req = md::testing::load_request(fixture);
    request_outcome out;
    run([&](store::write_tx& tx) {
      auto child = load_child(tx, req.patient);
      EXPECT_TRUE(child);
      out = request_letter(tx, *child, *config_, config_->schools[0], req, "{}", now, {});
      return tx.ok();
    });
    // The stored request must be the real one: the claim reads it back.
    run([&](store::write_tx& tx) {
      auto& s = tx.prepare("UPDATE school_letters SET request = ?1 WHERE id = ?2");
      s.bind(1, mappers::testing::read_text(mappers::testing::data_path(fixture))).bind(2, out.letter_id);
      return tx.check(s.step(), "request");
    });
    return out;
  }

  // The letter as stored (read connection); a row that cannot be read fails the test.
  std::optional<store::letter_row> read_letter(std::int64_t id) {
    auto read = store::letter_table::read(*store_, id);
    EXPECT_TRUE(read.has_value()) << (read ? std::string() : read.error());
    return read ? *read : std::nullopt;
  }

  // Dr. Nair (the fixtures' signer) approves, as her medical_home client would.
  approve_outcome approve(std::int64_t letter, const char* fixture, const std::string& now) {
    config::client nair;
    nair.id = "meadowbrook-dr-nair";
    nair.kind = config::client_kind::medical_home;
    nair.medical_home_id = "meadowbrook";
    nair.clinician = config::clinician_identity{"Priya Nair", "MD", "1467583920", "", ""};
    approve_outcome out;
    run([&](store::write_tx& tx) {
      out = approve_letter(tx, *config_, letter, nair,
                           mappers::testing::read_text(mappers::testing::data_path(fixture)),
                           "%PDF-1.7 signed", "<html></html>", now, {});
      return tx.ok();
    });
    return out;
  }

  claim_outcome claim(std::int64_t letter, const std::string& now) {
    claim_outcome out;
    run([&](store::write_tx& tx) {
      out = claim_letter(tx, *config_, letter, now);
      return tx.ok();
    });
    return out;
  }

  mappers::model::coordination_record record() {
    mappers::model::coordination_record r;
    run([&](store::write_tx& tx) {
      r = load_child_by_id(tx, 1)->record;
      return true;
    });
    return r;
  }

  fs::path dir_;
  std::unique_ptr<store::sqlite_store> store_;
  config::config_ptr config_;
};

TEST_F(letter_workflow, an_allowed_letter_is_drafted_approved_then_claimed_with_its_document) {
  add_consent(md::testing::consent_504);
  auto out = request(md::testing::request_504);
  ASSERT_TRUE(out.decision.allowed) << out.decision.detail;
  EXPECT_EQ(read_letter(out.letter_id)->status, letter_status::draft);
  EXPECT_EQ(read_letter(out.letter_id)->channel, "fhir");                 // the school's only channel
  EXPECT_FALSE(claim(out.letter_id, "2026-11-23T17:00:30Z").send);        // a draft is never sent
  EXPECT_EQ(store::audit_table::events_of_child(*store_, 1).size(), 2U);  // requested, drafted
  auto approved = approve(out.letter_id, md::testing::request_504, "2026-11-23T17:01:00Z");
  ASSERT_EQ(approved.status, 200) << approved.problem;
  auto queued = read_letter(out.letter_id);
  EXPECT_EQ(queued->status, letter_status::queued);
  EXPECT_EQ(queued->approved_by, "meadowbrook-dr-nair");
  EXPECT_FALSE(queued->pdf_base64.empty());
  EXPECT_EQ(approve(out.letter_id, md::testing::request_504, "2026-11-23T17:01:01Z").status, 409);
  auto c = claim(out.letter_id, "2026-11-24T08:00:00Z");
  ASSERT_TRUE(c.send) << c.reason;
  EXPECT_EQ(c.school_url, "http://127.0.0.1:8091/fhir/Bundle");
  EXPECT_NE(c.document.find("\"type\":\"document\""), std::string::npos);
  EXPECT_EQ(read_letter(out.letter_id)->status, letter_status::sending);
  EXPECT_EQ(store::audit_table::events_of_child(*store_, 1).size(), 4U);  // + approved, queued

  run([&](store::write_tx& tx) {
    finish_letter(tx, *config_, out.letter_id, letter_status::sent, "HTTP 201", "{}", 0,
                  "2026-11-24T08:00:01Z");
    return tx.ok();
  });
  auto letter = read_letter(out.letter_id);
  EXPECT_EQ(letter->status, letter_status::sent);
  EXPECT_EQ(letter->sent_at, "2026-11-24T08:00:01Z");
  auto events = store::audit_table::events_of_child(*store_, 1);
  ASSERT_EQ(events.size(), 5U);
  EXPECT_NE(events.back().find("\"code\":\"110106\""), std::string::npos);
}

TEST_F(letter_workflow, a_blocked_letter_is_recorded_and_audited) {
  add_consent(md::testing::consent_expired);
  auto out = request(md::testing::request_504);
  EXPECT_FALSE(out.decision.allowed);
  auto letter = read_letter(out.letter_id);
  EXPECT_EQ(letter->status, letter_status::blocked);
  EXPECT_NE(letter->reason.find("expired"), std::string::npos);
  ASSERT_EQ(store::audit_table::events_of_child(*store_, 1).size(), 1U);
  EXPECT_EQ(record().events.back().kind, "SchoolLetterBlocked");
}

TEST_F(letter_workflow, the_claim_judges_again_and_cancels_what_no_longer_holds) {
  add_consent(md::testing::consent_504);
  auto out = request(md::testing::request_504);
  ASSERT_TRUE(out.decision.allowed);
  ASSERT_EQ(approve(out.letter_id, md::testing::request_504, "2026-11-23T17:01:00Z").status, 200);
  // By the time the sender gets to it, the authorization has expired.
  auto c = claim(out.letter_id, "2027-09-01T08:00:00Z");
  EXPECT_FALSE(c.send);
  EXPECT_NE(c.reason.find("expired"), std::string::npos) << c.reason;
  EXPECT_EQ(read_letter(out.letter_id)->status, letter_status::cancelled);
  auto r = record();
  ASSERT_FALSE(r.actions.empty());
  EXPECT_EQ(r.actions.back().type, "review_school_letter");
  EXPECT_EQ(r.actions.back().owner_role, "care_coordinator");
  EXPECT_EQ(store::audit_table::events_of_child(*store_, 1).size(), 5U);  // 4 steps, the cancellation
  // The coordinator's Task is in the read API's index and on its way to the medical home.
  auto snap = child::testing::snapshot(*store_, 1);
  EXPECT_EQ(snap.index_problem, "");
  EXPECT_GT(snap.resources, 0);
  // Deliveries: the message's, and one per change the home gets (the letter's events are Provenances).
  EXPECT_GE(snap.outbox_rows, 3);
  auto rows = snap.outbox_rows;
  EXPECT_EQ(snap.medical_home, "meadowbrook");
  // A second claim of a cancelled letter sends nothing and adds nothing.
  EXPECT_FALSE(claim(out.letter_id, "2027-09-01T08:00:01Z").send);
  EXPECT_EQ(record().actions.size(), r.actions.size());
  EXPECT_EQ(child::testing::snapshot(*store_, 1).outbox_rows, rows);
}

TEST_F(letter_workflow, revocation_cancels_drafts_and_queued_letters_and_notes_sent_ones) {
  auto consent = add_consent(md::testing::consent_504);
  auto sent = request(md::testing::request_504);
  auto queued = request(md::testing::request_504);
  run([&](store::write_tx& tx) {
    store::letter_table::update(tx, sent.letter_id, letter_status::sent, "", "2026-11-23T17:05:00Z");
    auto body = mappers::testing::read_text(mappers::testing::data_path(md::testing::consent_revoked));
    store::consent_table::update(tx, consent, "inactive", body, "2026-11-23T18:00:00Z");
    auto notes = revoke(tx, *config_, consent, "2026-11-23T18:00:00Z");
    EXPECT_EQ(notes.size(), 2U);
    return tx.ok();
  });
  EXPECT_EQ(read_letter(sent.letter_id)->status, letter_status::sent);  // no recall
  EXPECT_EQ(read_letter(queued.letter_id)->status, letter_status::cancelled);
  EXPECT_EQ(store::consent_table::read(*store_, consent)->version, 2);
  EXPECT_FALSE(claim(queued.letter_id, "2026-11-23T18:00:01Z").send);
  auto r = record();
  bool reliance = false;
  for (const auto& e : r.events) reliance = reliance || e.kind == "DisclosedInReliance";
  EXPECT_TRUE(reliance);
  // Future letters are blocked by the gate.
  EXPECT_EQ(request(md::testing::request_504, "2026-11-23T18:10:00Z").decision.reason,
            md::block_reason::not_active);
}

}  // namespace
}  // namespace homebase::gateway::disclosure
