#include "gateway/child/child_resources.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <future>
#include <map>
#include <set>

#include "fhir/date_prefix.hpp"
#include "fhir/validation/validator.hpp"
#include "mappers/inbound/discharge_translator.hpp"
#include "mappers/outbound/medical_home_transaction.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::gateway::child {
namespace {

namespace fs = std::filesystem;
namespace model = mappers::model;

model::coordination_record seed_record() {
  auto doc = mappers::testing::load_fixture(mappers::testing::seed_fixture);
  auto result = mappers::inbound::translate_discharge(doc);
  EXPECT_TRUE(result.ok) << result.message;
  return result.value.record;
}

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  EXPECT_FALSE(doc.HasParseError()) << json.substr(0, 200);
  return doc;
}

std::string with_meta(const projected_resource& p) {
  return p.head + R"(,"meta":{"versionId":"1","lastUpdated":"2024-01-17T00:00:00.000Z"})" + p.tail;
}

void collect_references(const rapidjson::Value& v, std::vector<std::string>& out) {
  if (v.IsArray()) {
    for (const auto& item : v.GetArray()) collect_references(item, out);
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (std::string_view(m.name.GetString()) == "reference" && m.value.IsString())
        out.emplace_back(m.value.GetString());
      else
        collect_references(m.value, out);
    }
  }
}

TEST(child_resources, one_resource_per_bundle_entry_with_the_urn_uuid_as_id) {
  auto record = seed_record();
  auto bundle = parse(mappers::outbound::to_transaction_bundle(record, {}));
  auto projected = project_child_resources(record);
  const auto& entries = bundle["entry"];
  ASSERT_EQ(projected.resources.size(), entries.Size());
  for (rapidjson::SizeType i = 0; i < entries.Size(); ++i) {
    const auto& p = projected.resources[i];
    EXPECT_EQ("urn:uuid:" + p.id, entries[i]["fullUrl"].GetString());
    EXPECT_EQ(p.type, entries[i]["resource"]["resourceType"].GetString());
    auto doc = parse(with_meta(p));
    EXPECT_EQ(std::string(doc["id"].GetString()), p.id);
    if (entries[i]["resource"].HasMember("status")) {
      EXPECT_EQ(p.status, entries[i]["resource"]["status"].GetString());
    }
    if (p.type == "Patient") {
      EXPECT_EQ(projected.patient_id, p.id);
    }
  }
  EXPECT_FALSE(projected.patient_id.empty());
}

TEST(child_resources, references_between_entries_become_relative_and_resolve) {
  auto projected = project_child_resources(seed_record());
  std::set<std::string> known;
  for (const auto& p : projected.resources) known.insert(p.type + "/" + p.id);
  int relative = 0;
  for (const auto& p : projected.resources) {
    std::vector<std::string> refs;
    collect_references(parse(with_meta(p)), refs);
    for (const auto& ref : refs) {
      EXPECT_FALSE(ref.starts_with("urn:uuid:")) << p.type << " keeps " << ref;
      EXPECT_TRUE(known.contains(ref)) << p.type << "/" << p.id << " points to " << ref;
      ++relative;
    }
  }
  EXPECT_GT(relative, 20);
}

TEST(child_resources, every_resource_served_validates_with_zero_errors) {
  fhir::validator validator;
  for (const auto& p : project_child_resources(seed_record()).resources) {
    auto doc = parse(with_meta(p));
    fhir::operation_outcome outcome;
    validator.validate(doc, outcome, {}, p.type);
    EXPECT_FALSE(outcome.has_errors()) << p.type << "/" << p.id << ": " << outcome.to_json();
  }
}

TEST(child_resources, search_values_follow_the_r4_elements) {
  auto projected = project_child_resources(seed_record());
  std::map<std::string, int> seen;  // type.param -> values
  for (const auto& p : projected.resources)
    for (const auto& v : p.values) {
      ++seen[p.type + "." + v.param];
      if (v.param == "patient") {
        EXPECT_EQ(v.system, "Patient");
        EXPECT_EQ(v.value, projected.patient_id);
      }
    }
  EXPECT_EQ(seen["Appointment.patient"], 8);
  EXPECT_EQ(seen["Appointment.date"], 8);
  EXPECT_EQ(seen["CarePlan.date"], 1);
  EXPECT_EQ(seen["CarePlan.subject"], 1);
  EXPECT_EQ(seen["RelatedPerson.patient"], 2);
  EXPECT_EQ(seen["ServiceRequest.patient"], 7);
  EXPECT_GE(seen["Patient.identifier"], 1);
  EXPECT_EQ(seen["Patient.birthdate"], 1);
  EXPECT_EQ(seen.count("Observation.date"), 0u);  // a type read but not searched gets no values
}

// ---- in the store ----

struct temp_db {
  temp_db() {
    auto pattern = (fs::temp_directory_path() / "hb-index-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    dir = mkdtemp(buffer.data());
  }
  ~temp_db() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
};

bool run_job(store::sqlite_store& s, store::sqlite_store::job job) {
  std::promise<bool> done;
  auto result = done.get_future();
  EXPECT_TRUE(s.submit(std::move(job), [&done](bool ok) { done.set_value(ok); }));
  return result.get();
}

// Saves the record as a child (like a writer would) and refreshes its resources at `now`.
int save(store::sqlite_store& s, const model::coordination_record& record, std::int64_t now,
         std::int64_t& child_id) {
  int changed = -1;
  EXPECT_TRUE(run_job(s, [&](store::write_tx& tx) {
    std::optional<std::int64_t> existing;
    if (child_id != 0) existing = child_id;
    child_id = tx.save_child(existing, "{}", {{"mrn", record.patient.identifiers.at(0).value}});
    changed = store_child_resources(tx, child_id, project_child_resources(record), now);
    return tx.ok();
  }));
  return changed;
}

TEST(child_resources, versions_change_only_with_content_and_nothing_is_dropped) {
  temp_db db;
  store::sqlite_store s({(db.dir / "t.db").string(), 16});
  auto record = seed_record();
  const auto count = static_cast<int>(project_child_resources(record).resources.size());
  std::int64_t child = 0;
  EXPECT_EQ(save(s, record, 1000, child), count);
  EXPECT_EQ(save(s, record, 2000, child), 0);  // same content: no new version

  auto& first = record.appointments.at(0);
  auto first_id = project_child_resources(record).resources;  // ids are stable per business key
  first.status = "cancelled";
  // The Appointment, and the CarePlan whose narrative lists it; nothing else.
  EXPECT_EQ(save(s, record, 3000, child), 2);

  std::string appointment_id;
  for (const auto& p : first_id)
    if (p.type == "Appointment" && p.tail.find(first.key.value) != std::string::npos) appointment_id = p.id;
  ASSERT_FALSE(appointment_id.empty());
  auto row = s.get_indexed("Appointment", appointment_id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->version, 2);
  EXPECT_EQ(row->last_updated_ms, 3000);
  EXPECT_EQ(row->status, "cancelled");
  EXPECT_NE(row->json.find(R"("meta":{"versionId":"2","lastUpdated":"1970-01-01T00:00:03.000Z"})"),
            std::string::npos);

  // The record stops producing the appointment: it stays, as it was.
  record.appointments.erase(record.appointments.begin());
  EXPECT_EQ(save(s, record, 4000, child), 1);  // the CarePlan (its activity references); not the Appointment
  auto kept = s.get_indexed("Appointment", appointment_id);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->version, 2);

  store::index_search all{"Appointment", {}, 100, 0, std::nullopt};
  auto page = s.search_indexed(all);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 8);
}

TEST(child_resources, index_searches_by_patient_status_date_and_pages_without_gaps) {
  temp_db db;
  store::sqlite_store s({(db.dir / "t.db").string(), 16});
  auto record = seed_record();
  std::int64_t child = 0;
  save(s, record, 1000, child);
  auto patient = project_child_resources(record).patient_id;

  using f = store::index_filter;
  store::index_search by_patient{"Appointment", {}, 3, 0, std::nullopt};
  by_patient.filters.push_back({f::on::reference, "patient", {{"Patient", patient, false, true, 0, 0, 0}}});
  auto first = s.search_indexed(by_patient);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->total, 8);
  ASSERT_EQ(first->rows.size(), 3u);
  EXPECT_TRUE(first->more);

  // A second child arrives between two pages: its appointments come after, the walk neither repeats nor
  // skips, and stays on the first child's appointments.
  auto other = record;
  other.patient.identifiers.at(0).value = "OTHER-1";
  for (auto& a : other.appointments) a.key.value += "-other";
  std::int64_t other_child = 0;
  save(s, other, 2000, other_child);
  std::set<std::string> ids;
  for (const auto& r : first->rows) ids.insert(r.id);
  auto cursor = first->rows.back().seq;
  for (;;) {
    by_patient.after_seq = cursor;
    auto page = s.search_indexed(by_patient);
    ASSERT_TRUE(page);
    for (const auto& r : page->rows) EXPECT_TRUE(ids.insert(r.id).second) << "repeated " << r.id;
    if (!page->more) break;
    cursor = page->rows.back().seq;
  }
  EXPECT_EQ(ids.size(), 8u);

  store::index_search all{"Appointment", {}, 100, 0, std::nullopt};
  EXPECT_EQ(s.search_indexed(all)->total, 16);

  store::index_search booked_in_march{"Appointment", {}, 100, 0, std::nullopt};
  booked_in_march.filters.push_back({f::on::status, "status", {{"", "booked", true, true, 0, 0, 0}}});
  auto march = fhir::parse_date_range("2024-03", fhir::date_syntax::search);
  booked_in_march.filters.push_back(
      {f::on::date,
       "date",
       {{"", "", true, true, static_cast<int>(fhir::date_prefix::eq), march->low, march->high}}});
  auto in_march = s.search_indexed(booked_in_march);
  ASSERT_TRUE(in_march);
  EXPECT_GT(in_march->total, 0);
  for (const auto& r : in_march->rows)
    EXPECT_NE(r.json.find(R"("start":"2024-03)"), std::string::npos) << r.json;

  store::index_search updated_after{"Appointment", {}, 100, 0, std::nullopt};
  updated_after.filters.push_back(
      {f::on::last_updated,
       "_lastUpdated",
       {{"", "", true, true, static_cast<int>(fhir::date_prefix::gt), 1000, 1001}}});
  EXPECT_EQ(s.search_indexed(updated_after)->total, 8);  // only the second child's
}

}  // namespace
}  // namespace homebase::gateway::child
