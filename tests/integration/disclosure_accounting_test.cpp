// GET /fhir/Patient/{id}/$disclosures through the real binary (issue 12 item 4, 45 CFR 164.528): after a
// letter reached the school, the child's accounting of disclosures lists it (the school, the date, what was
// sent), and lists nothing of the care team's own deliveries (an earlier delivery to the child's medical
// home, kept in the store as the delivery worker leaves it). Another medical home's client gets 404, a
// caller without credentials 401, and every accounting answered is itself audited (BALP Query).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <ctime>
#include <future>

#include "gateway/audit/audit_trail.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/audit/audit_event_builder.hpp"
#include "mappers/model/record_codec.hpp"
#include "tests/integration/gateway_harness.hpp"
#include "tests/mappers/disclosure/sofia_record.hpp"

namespace homebase::testing {
namespace {

namespace ma = mappers::audit;

const std::string sofia_patient = "sofia-reyes";
const std::string accounting_path = "/fhir/Patient/" + sofia_patient + "/$disclosures";

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

std::string utc_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[16];
  std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
  return date;
}

// The fixtures' authorizations run to 2027-08-31; a run after that date moves the expiry a year past now.
std::string with_future_expiry(std::string text) {
  std::string later = utc_date(std::time(nullptr) + 365 * 86400);
  if (later < "2027-08-31") return text;
  for (auto at = text.find("2027-08-31"); at != std::string::npos; at = text.find("2027-08-31", at))
    text.replace(at, 10, later);
  return text;
}

class disclosure_accounting : public ::testing::Test {
 protected:
  temp_dir dir;
  temp_dir school_dir;
  medical_home_server school;
  gateway_process gw;

  // Sofia as earlier messages left her: her record, her Patient in the read API, and one delivery of her
  // record to her medical home (Meadowbrook) with its PrivacyDisclosure AuditEvent, as the delivery worker
  // writes it.
  void seed_child() {
    gateway::store::sqlite_store store({(dir.path() / "homebase.db").string(), 16});
    std::promise<bool> done;
    auto record = mappers::model::encode(sofia_record());
    store.submit(
        [&record](gateway::store::write_tx& tx) {
          auto id = tx.save_child(std::nullopt, record, {{sofia_mrn_system, sofia_mrn}});
          tx.set_child_home(id, "meadowbrook");
          gateway::store::indexed_write w;
          w.row = {
              0,
              "Patient",
              sofia_patient,
              id,
              sofia_patient,
              "active",
              1,
              gateway::store::now_ms(),
              R"({"resourceType":"Patient","id":")" + sofia_patient + R"(","name":[{"family":"Reyes"}]})"};
          tx.put_indexed(w, std::nullopt);
          ma::audit_record delivery;
          delivery.kind = ma::audit_kind::privacy_disclosure;
          delivery.recorded_ms = gateway::store::now_ms() - 3600 * 1000;
          delivery.outcome_desc = "child record sent to medical home Meadowbrook Pediatrics (HTTP 200)";
          delivery.patient_identifier = {sofia_mrn_system, sofia_mrn};
          delivery.recipient = {
              "meadowbrook", "medical_home", "Meadowbrook Pediatrics", {}, "http://127.0.0.1:9/fhir"};
          delivery.purpose = {"http://terminology.hl7.org/CodeSystem/v3-ActReason", "COC",
                              "coordination of care"};
          delivery.entity_type = "Bundle";
          delivery.entity_identifier = {"http://homebase.example.org/fhir/sid/delivery", "1"};
          return gateway::audit::record(tx, delivery, {id, std::nullopt}) > 0 && tx.ok();
        },
        [&done](bool committed) { done.set_value(committed); });
    ASSERT_TRUE(done.get_future().get());
    store.stop();
  }

  void start() {
    std::string error;
    ASSERT_TRUE(school.start(school_dir, {0, 0, 0}, error)) << error;
    seed_child();
    gateway_options options;
    options.medical_home_base = "http://127.0.0.1:9/fhir";  // no message is ingested here
    options.second_home_base = "http://127.0.0.1:9/fhir";   // Riverside: another practice, with its client
    options.second_home_npi = "1999999992";
    // The signing clinician's app: a letter goes out only once the signer approved it (issue 12).
    options.extra_clients = std::string(
                                "  - id: meadowbrook-clinician\n    kind: medical_home\n"
                                "    medical_home: meadowbrook\n    jwks_file: ") +
                            auth_fixture("meadowbrook-clinician.jwks.json").string() +
                            "\n    scopes: [system/*.rs, system/Consent.cru, system/DocumentReference.c]\n"
                            "    rate_limit: {per_second: 0}\n"
                            "    clinician:\n      name: Priya Nair\n      credentials: MD\n      npi: \"" +
                            std::string(pcp_npi) + "\"\n";
    options.extra_config =
        "schools:\n"
        "  - id: lincoln-usd\n    name: Lincoln Unified School District\n    fhir_base_url: " +
        school.base() + "\n    organization_identifiers:\n      - system: " + school_system +
        "\n        value: lincoln-usd\n";
    ASSERT_TRUE(gw.start(dir, options, error)) << error;
  }

  http_reply post_fixture(const std::string& path, const std::string& fixture) {
    auto text = with_future_expiry(read_file(test_data("fixtures/scenarios/" + fixture)));
    auto file = dir.path() / ("body-" + std::to_string(++bodies_) + ".json");
    write_file(file, text);
    return http_call("POST", gw.url(path), file);
  }

  // Sends one school letter the way the letter flow goes, as Meadowbrook's app: the family's authorization
  // (once), the request (a draft), the signing clinician's approval, then waits until the letter is sent.
  // Returns the letter id (empty on failure, with the test failed). The one place that knows the letter
  // flow's steps.
  std::string send_letter() {
    if (!consent_posted_) {
      auto consent = post_fixture("/fhir/Consent", "10-school-letter/consent-hipaa-504.json");
      EXPECT_EQ(consent.status, 201) << consent.body;
      consent_posted_ = true;
    }
    auto reply = post_fixture("/fhir/$school-letter", "10-school-letter/letter-504-request.json");
    EXPECT_EQ(reply.status, 200) << reply.body;
    if (reply.status != 200) return {};
    std::string id = parse(reply.body)["parameter"][0]["valueIdentifier"]["value"].GetString();
    auto approval = dir.path() / ("body-" + std::to_string(++bodies_) + ".json");
    write_file(approval,
               R"({"resourceType": "Parameters", "parameter": [{"name": "letter", "valueIdentifier": )"
               R"({"system": "http://homebase.example.org/fhir/sid/school-letter", "value": ")" +
                   id + R"("}}]})");
    auto approved = http_call("POST", gw.url("/fhir/$school-letter-approve"), approval,
                              "application/fhir+json", bearer(access_token(gw, "meadowbrook-clinician")));
    EXPECT_EQ(approved.status, 200) << approved.body;
    if (approved.status != 200) return {};
    bool sent = eventually([&] {
      auto doc = parse(http_call("GET", gw.url("/admin/school-letters/" + id)).body);
      return doc.IsObject() && doc.HasMember("status") && std::string(doc["status"].GetString()) == "sent";
    });
    EXPECT_TRUE(sent) << "letter " << id << " was not sent";
    return sent ? id : std::string();
  }

  // The accounting, as `client` ("" for the default, Meadowbrook's app).
  http_reply accounting(const std::string& query = {}, const std::string& client = {}) {
    std::vector<std::string> extra;
    if (!client.empty()) extra = bearer(access_token(gw, client));
    return http_call("GET", gw.url(accounting_path + query), {}, "", extra);
  }

  int balp_queries_about_sofia() {
    auto doc = parse(
        http_call("GET", gw.url("/fhir/AuditEvent?patient=" + sofia_patient + "&subtype=search&_count=100"),
                  {}, "", bearer(access_token(gw, "operator")))
            .body);
    return doc.IsObject() ? doc["total"].GetInt() : -1;
  }

 private:
  int bodies_ = 0;
  bool consent_posted_ = false;
};

TEST_F(disclosure_accounting, lists_the_letters_sent_outside_the_care_team_newest_first) {
  start();
  // Nothing went outside the care team yet: the delivery to Meadowbrook is not an accountable disclosure.
  auto before = accounting();
  ASSERT_EQ(before.status, 200) << before.body;
  auto empty = parse(before.body);
  EXPECT_STREQ(empty["type"].GetString(), "searchset");
  EXPECT_EQ(empty["total"].GetInt(), 0) << before.body;

  auto first = send_letter();
  auto second = send_letter();
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());

  auto reply = accounting();
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto doc = parse(reply.body);
  ASSERT_TRUE(doc.IsObject()) << reply.body;
  ASSERT_EQ(doc["total"].GetInt(), 2) << reply.body;
  const auto& entries = doc["entry"];
  ASSERT_EQ(entries.Size(), 2U);
  std::string today = utc_date(std::time(nullptr));
  std::vector<std::string> letters;
  for (const auto& e : entries.GetArray()) {
    const auto& event = e["resource"];
    EXPECT_STREQ(event["resourceType"].GetString(), "AuditEvent");
    EXPECT_STREQ(event["type"]["code"].GetString(), "110106");
    EXPECT_STREQ(event["subtype"][0]["code"].GetString(), "disclose");
    EXPECT_STREQ(event["outcome"].GetString(), "0");
    // To whom: the school; when: today; what: the letter's sections, and the letter itself.
    EXPECT_STREQ(event["agent"][1]["who"]["identifier"]["value"].GetString(), "lincoln-usd");
    EXPECT_EQ(std::string(event["recorded"].GetString()).substr(0, 10), today);
    std::string what = event["outcomeDesc"].GetString();
    EXPECT_NE(what.find("letter sent by fhir to "), std::string::npos) << what;
    EXPECT_NE(what.find("with sections: "), std::string::npos) << what;
    EXPECT_NE(what.find("diagnoses"), std::string::npos) << what;
    for (const auto& entity : event["entity"].GetArray()) {
      if (!entity.HasMember("what") || !entity["what"].HasMember("identifier")) continue;
      const auto& id = entity["what"]["identifier"];
      if (id.HasMember("system") &&
          std::string(id["system"].GetString()).find("school-letter") != std::string::npos)
        letters.push_back(id["value"].GetString());
    }
  }
  // Newest first.
  EXPECT_GT(std::stoll(entries[0]["resource"]["id"].GetString()),
            std::stoll(entries[1]["resource"]["id"].GetString()));
  EXPECT_NE(std::find(letters.begin(), letters.end(), first), letters.end());
  EXPECT_NE(std::find(letters.begin(), letters.end(), second), letters.end());
  ASSERT_EQ(letters.size(), 2U);
  EXPECT_EQ(letters[0], second);

  // The delivery to Meadowbrook is in the trail (an operator sees it), just not in the accounting.
  auto trail =
      parse(http_call("GET", gw.url("/fhir/AuditEvent?patient=" + sofia_patient + "&subtype=disclose"), {},
                      "", bearer(access_token(gw, "operator")))
                .body);
  ASSERT_TRUE(trail.IsObject());
  EXPECT_EQ(trail["total"].GetInt(), 3);

  // An operator sees any child's accounting.
  auto as_operator = accounting({}, "operator");
  ASSERT_EQ(as_operator.status, 200) << as_operator.body;
  EXPECT_EQ(parse(as_operator.body)["total"].GetInt(), 2);
}

TEST_F(disclosure_accounting, pages_and_filters_by_date) {
  start();
  ASSERT_FALSE(send_letter().empty());
  ASSERT_FALSE(send_letter().empty());
  std::string tomorrow = utc_date(std::time(nullptr) + 86400);
  std::string yesterday = utc_date(std::time(nullptr) - 86400);
  EXPECT_EQ(parse(accounting("?date=ge" + tomorrow).body)["total"].GetInt(), 0);
  EXPECT_EQ(parse(accounting("?date=le" + tomorrow + "&date=ge" + yesterday).body)["total"].GetInt(), 2);
  EXPECT_EQ(accounting("?date=someday").status, 400);

  // One per page: the next link walks to the older one.
  auto page1 = parse(accounting("?_count=1").body);
  ASSERT_TRUE(page1.IsObject());
  EXPECT_EQ(page1["total"].GetInt(), 2);
  ASSERT_EQ(page1["entry"].Size(), 1U);
  std::string next;
  for (const auto& l : page1["link"].GetArray())
    if (std::string(l["relation"].GetString()) == "next") next = l["url"].GetString();
  ASSERT_NE(next.find("_cursor="), std::string::npos) << next;
  auto page2 = parse(accounting("?" + next.substr(next.find('?') + 1)).body);
  ASSERT_TRUE(page2.IsObject());
  ASSERT_EQ(page2["entry"].Size(), 1U);
  EXPECT_LT(std::stoll(page2["entry"][0]["resource"]["id"].GetString()),
            std::stoll(page1["entry"][0]["resource"]["id"].GetString()));
}

TEST_F(disclosure_accounting, only_the_childs_practice_or_an_operator_may_ask_and_each_answer_is_audited) {
  start();
  ASSERT_FALSE(send_letter().empty());
  int queries = balp_queries_about_sofia();
  ASSERT_EQ(accounting().status, 200);
  // The accounting disclosed that Sofia's data went to a school: it is a Query in her trail itself.
  EXPECT_EQ(balp_queries_about_sofia(), queries + 1);

  // Another practice: as if Sofia did not exist, and nothing about her was disclosed (no Query).
  auto riverside = accounting({}, "riverside-app");
  EXPECT_EQ(riverside.status, 404) << riverside.body;
  EXPECT_EQ(riverside.body.find("lincoln-usd"), std::string::npos);
  EXPECT_EQ(http_call("GET", gw.url("/fhir/Patient/nobody/$disclosures")).status, 404);
  EXPECT_EQ(balp_queries_about_sofia(), queries + 1);

  // No credentials: 401 ("Authorization: " with an empty value makes curl send none).
  auto anonymous = http_call("GET", gw.url(accounting_path), {}, "", {"-H", "Authorization: "});
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  // Only GET.
  EXPECT_EQ(http_call("DELETE", gw.url(accounting_path)).status, 405);

  // The CapabilityStatement names the operation.
  EXPECT_NE(http_call("GET", gw.url("/fhir/metadata")).body.find("Patient-disclosures"), std::string::npos);
}

}  // namespace
}  // namespace homebase::testing
