// audit_event_builder: every kind is valid R4 (zero validator errors) and carries what BALP asks of it.
#include "mappers/audit/audit_event_builder.hpp"

#include <gtest/gtest.h>

#include "fhir/json_document.hpp"
#include "fhir/validation/validator.hpp"

namespace homebase::mappers::audit {
namespace {

constexpr std::int64_t t0 = 1'795'453'200'250;  // 2026-11-23T17:00:00.250Z

audit_record base(audit_kind kind) {
  audit_record r;
  r.kind = kind;
  r.recorded_ms = t0;
  r.client = {"nicu-gw", "partner", "St. Elsewhere NICU", {}, "10.1.2.3"};
  r.request_id = "req-7";
  r.patient_id = "p-1";
  r.patient_identifier = {"http://st-elsewhere-childrens.example.org/fhir/sid/mrn", "SE-448812"};
  r.gateway_url = "https://homebase.example.org/fhir";
  return r;
}

rapidjson::Document checked(const std::string& json) {
  rapidjson::Document doc;
  EXPECT_FALSE(fhir::parse_json(json, doc)) << json;
  fhir::operation_outcome out;
  fhir::validator().validate(doc, out);
  for (const auto& i : out.issues())
    EXPECT_TRUE(i.severity != fhir::issue_severity::error && i.severity != fhir::issue_severity::fatal)
        << i.expression << ": " << i.diagnostics << "\n"
        << json;
  return doc;
}

std::string profile(const rapidjson::Document& doc) {
  if (!doc.HasMember("meta")) return {};
  return doc["meta"]["profile"][0].GetString();
}

// The entity whose type code is `code`, or null.
const rapidjson::Value* entity(const rapidjson::Document& doc, std::string_view code) {
  if (!doc.HasMember("entity")) return nullptr;
  for (const auto& e : doc["entity"].GetArray())
    if (e.HasMember("type") && code == e["type"]["code"].GetString()) return &e;
  return nullptr;
}

TEST(audit_event_builder, EveryKindIsValidR4) {
  for (auto kind : {audit_kind::patient_create, audit_kind::patient_read, audit_kind::patient_query,
                    audit_kind::privacy_disclosure, audit_kind::disclosure_blocked,
                    audit_kind::consent_created, audit_kind::consent_revised, audit_kind::consent_revoked,
                    audit_kind::admin_action, audit_kind::security_alert, audit_kind::refusal_summary}) {
    for (auto outcome : {audit_outcome::success, audit_outcome::serious_failure}) {
      auto r = base(kind);
      r.outcome = outcome;
      r.outcome_desc = "what happened <&>";
      r.entity_type = "Bundle";
      r.entity_id = "b-1";
      r.query = "/fhir/Observation?patient=p-1&code=http://loinc.org|29463-7";
      r.action_name = kind == audit_kind::admin_action ? "retry" : "invalid_token";
      r.count = 12;
      r.recipient = {"children-first",
                     "medical_home",
                     "Children First Pediatrics",
                     {"http://hl7.org/fhir/sid/us-npi", "1234567893"},
                     "https://cf.example.org/fhir"};
      SCOPED_TRACE(static_cast<int>(kind));
      auto doc = checked(build_audit_event(r, "17"));
      EXPECT_STREQ(doc["id"].GetString(), "17");
      EXPECT_STREQ(doc["recorded"].GetString(), "2026-11-23T17:00:00.250Z");
      EXPECT_EQ(std::string(doc["outcome"].GetString()), std::to_string(static_cast<int>(outcome)));
      // val-audit-source: the gateway is an agent and the observer.
      bool gateway_agent = false;
      for (const auto& a : doc["agent"].GetArray())
        if (a.HasMember("who") && fhir::to_json(a["who"]) == fhir::to_json(doc["source"]["observer"]))
          gateway_agent = true;
      EXPECT_TRUE(gateway_agent);
      // Patient slice and the X-Request-Id entity.
      const auto* patient = entity(doc, "1");
      ASSERT_NE(patient, nullptr);
      EXPECT_STREQ((*patient)["role"]["code"].GetString(), "1");
      EXPECT_STREQ((*patient)["what"]["reference"].GetString(), "Patient/p-1");
      const auto* request = entity(doc, "XrequestId");
      ASSERT_NE(request, nullptr);
      EXPECT_STREQ((*request)["what"]["identifier"]["value"].GetString(), "req-7");
      if (outcome != audit_outcome::success) {
        EXPECT_EQ(profile(doc), "");
      }
    }
  }
}

TEST(audit_event_builder, MessageReceivedIsABalpPatientCreate) {
  auto r = base(audit_kind::patient_create);
  r.entity_type = "Bundle";
  r.entity_id = "msg-1";
  auto doc = checked(build_audit_event(r, "1"));
  EXPECT_EQ(profile(doc),
            "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientCreate");
  EXPECT_STREQ(doc["type"]["code"].GetString(), "rest");
  EXPECT_STREQ(doc["subtype"][0]["system"].GetString(), "http://hl7.org/fhir/restful-interaction");
  EXPECT_STREQ(doc["subtype"][0]["code"].GetString(), "create");
  EXPECT_STREQ(doc["action"].GetString(), "C");
  // client then server (BALP slices), the client by its id and IP address.
  EXPECT_STREQ(doc["agent"][0]["type"]["coding"][0]["code"].GetString(), "110153");
  EXPECT_STREQ(doc["agent"][0]["who"]["identifier"]["value"].GetString(), "nicu-gw");
  EXPECT_STREQ(doc["agent"][0]["network"]["address"].GetString(), "10.1.2.3");
  EXPECT_STREQ(doc["agent"][0]["network"]["type"].GetString(), "2");
  EXPECT_TRUE(doc["agent"][0]["requestor"].GetBool());
  EXPECT_STREQ(doc["agent"][1]["type"]["coding"][0]["code"].GetString(), "110152");
  const auto* data = entity(doc, "2");
  ASSERT_NE(data, nullptr);
  EXPECT_STREQ((*data)["what"]["reference"].GetString(), "Bundle/msg-1");
  EXPECT_STREQ((*data)["role"]["code"].GetString(), "4");
}

TEST(audit_event_builder, ReadAndQueryFollowTheirProfiles) {
  auto read = base(audit_kind::patient_read);
  read.entity_type = "Observation";
  read.entity_id = "o-1";
  auto doc = checked(build_audit_event(read, "2"));
  EXPECT_EQ(profile(doc), "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead");
  EXPECT_STREQ(doc["subtype"][0]["code"].GetString(), "read");
  EXPECT_STREQ(doc["action"].GetString(), "R");

  auto query = base(audit_kind::patient_query);
  query.query = "/fhir/Observation?patient=p-1";
  doc = checked(build_audit_event(query, "3"));
  EXPECT_EQ(profile(doc),
            "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientQuery");
  EXPECT_STREQ(doc["subtype"][0]["code"].GetString(), "search");
  EXPECT_STREQ(doc["action"].GetString(), "E");
  const rapidjson::Value* q = nullptr;
  for (const auto& e : doc["entity"].GetArray())
    if (e.HasMember("role") && std::string_view(e["role"]["code"].GetString()) == "24") q = &e;
  ASSERT_NE(q, nullptr);
  EXPECT_STREQ((*q)["query"].GetString(),
               "L2ZoaXIvT2JzZXJ2YXRpb24/cGF0aWVudD1wLTE=");  // base64 of the raw query
  EXPECT_FALSE(q->HasMember("name"));                        // sev-1

  query.patient_id.clear();
  query.patient_identifier = {};
  doc = checked(build_audit_event(query, "4"));
  EXPECT_EQ(profile(doc), "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Query");
}

TEST(audit_event_builder, DeliveryToAMedicalHomeIsAPrivacyDisclosure) {
  auto r = base(audit_kind::privacy_disclosure);
  r.client = {};
  r.recipient = {"children-first",
                 "medical_home",
                 "Children First Pediatrics",
                 {"http://hl7.org/fhir/sid/us-npi", "1234567893"},
                 "https://cf.example.org/fhir"};
  r.entity_type = "Bundle";
  r.entity_identifier = {"http://homebase.example.org/fhir/sid/delivery", "5"};
  auto doc = checked(build_audit_event(r, "5"));
  EXPECT_EQ(profile(doc),
            "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PrivacyDisclosure.Source");
  EXPECT_STREQ(doc["type"]["code"].GetString(), "110106");
  EXPECT_STREQ(doc["subtype"][0]["system"].GetString(),
               "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle");
  EXPECT_STREQ(doc["subtype"][0]["code"].GetString(), "disclose");
  EXPECT_STREQ(doc["action"].GetString(), "R");
  EXPECT_EQ(fhir::to_json(doc["agent"][0]["who"]), fhir::to_json(doc["source"]["observer"]));
  EXPECT_STREQ(doc["agent"][1]["type"]["coding"][0]["code"].GetString(), "110152");
  EXPECT_STREQ(doc["agent"][1]["who"]["identifier"]["value"].GetString(), "1234567893");
  EXPECT_STREQ(doc["agent"][1]["network"]["address"].GetString(), "https://cf.example.org/fhir");
  EXPECT_GE(doc["entity"].Size(), 2U);  // PrivacyDisclosure: the patient and the data

  r.outcome = audit_outcome::minor_failure;
  doc = checked(build_audit_event(r, "6"));
  EXPECT_EQ(profile(doc), "");  // not known to be a disclosure
  EXPECT_STREQ(doc["outcome"].GetString(), "4");
}

TEST(audit_event_builder, ConsentChangesAreRestfulCreateAndUpdate) {
  auto r = base(audit_kind::consent_created);
  r.entity_type = "Consent";
  r.entity_id = "9";
  auto doc = checked(build_audit_event(r, "7"));
  EXPECT_STREQ(doc["subtype"][0]["code"].GetString(), "create");
  EXPECT_STREQ(doc["action"].GetString(), "C");
  r.kind = audit_kind::consent_revoked;
  doc = checked(build_audit_event(r, "8"));
  EXPECT_EQ(profile(doc),
            "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientUpdate");
  EXPECT_STREQ(doc["subtype"][0]["code"].GetString(), "update");
  EXPECT_STREQ(doc["action"].GetString(), "U");
}

TEST(audit_event_builder, AdminActionsAndRefusals) {
  auto r = base(audit_kind::admin_action);
  r.client = {"ops", "operator", "", {}, "127.0.0.1"};
  r.action_name = "match";
  auto doc = checked(build_audit_event(r, "9"));
  EXPECT_STREQ(doc["type"]["code"].GetString(), "110110");
  EXPECT_STREQ(doc["subtype"][0]["code"].GetString(), "match");
  EXPECT_STREQ(doc["action"].GetString(), "U");

  audit_record refused;
  refused.kind = audit_kind::security_alert;
  refused.recorded_ms = t0;
  refused.outcome = audit_outcome::minor_failure;
  refused.outcome_desc = "bearer token expired";
  refused.client.address = "203.0.113.9";  // nobody identified
  refused.action_name = "invalid_token";
  refused.request_id = "req-9";
  doc = checked(build_audit_event(refused, "10"));
  EXPECT_STREQ(doc["type"]["code"].GetString(), "110113");
  EXPECT_STREQ(doc["subtype"][0]["code"].GetString(), "invalid_token");
  EXPECT_FALSE(doc["agent"][0].HasMember("who"));
  EXPECT_STREQ(doc["agent"][0]["network"]["address"].GetString(), "203.0.113.9");
  EXPECT_EQ(entity(doc, "1"), nullptr);  // no patient

  refused.kind = audit_kind::refusal_summary;
  refused.count = 250;
  doc = checked(build_audit_event(refused, "11"));
  const auto* counted = entity(doc, "4");
  ASSERT_NE(counted, nullptr);
  EXPECT_STREQ((*counted)["detail"][0]["valueString"].GetString(), "250");
}

TEST(audit_event_builder, CodesOfARecordAreWhatTheStoreIndexes) {
  auto c = codes_of(base(audit_kind::patient_query));
  EXPECT_EQ(c.type_code, "rest");
  EXPECT_EQ(c.subtype_code, "search");
  EXPECT_EQ(c.action, "E");
  auto alert = base(audit_kind::security_alert);
  alert.action_name = "forbidden";
  c = codes_of(alert);
  EXPECT_EQ(c.type_system, dicom_system);
  EXPECT_EQ(c.type_code, "110113");
  EXPECT_EQ(c.subtype_code, "forbidden");
}

}  // namespace
}  // namespace homebase::mappers::audit
