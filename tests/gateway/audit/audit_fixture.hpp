// The audit tests' fixture: a real store in a temporary directory, seeded through audit::record with two
// children and four events (tests/gateway/audit/audit_trail_test.cpp,
// tests/gateway/store/audit_table_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <set>

#include "config/gateway_config.hpp"
#include "fhir/json_document.hpp"
#include "gateway/audit/audit_api.hpp"
#include "gateway/audit/audit_trail.hpp"
#include "gateway/store/audit_table.hpp"

namespace homebase::gateway::audit {

namespace fs = std::filesystem;
namespace ma = mappers::audit;

inline constexpr std::int64_t t0 = 1'795'453'200'000;  // 2026-11-23T17:00:00Z
inline constexpr std::int64_t day = 86'400'000;
inline const mappers::model::identifier mrn1{"http://example.org/mrn", "SE-1"};
inline const mappers::model::identifier mrn2{"http://example.org/mrn", "SE-2"};

class audit_fixture : public ::testing::Test {
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
  std::vector<int> found(store::audit_query q) {
    q.count = 100;
    auto page = store::audit_table::search(*store_, q);
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

}  // namespace homebase::gateway::audit
