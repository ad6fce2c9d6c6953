#include "mappers/disclosure/disclosure_audit.hpp"

#include <rapidjson/document.h>

#include "fhir/json_document.hpp"
#include "fhir/xml_text.hpp"
#include "mappers/disclosure/school_letter.hpp"

namespace homebase::mappers::disclosure {
namespace {

using rapidjson::Value;

constexpr std::string_view dicom_system = "http://dicom.nema.org/resources/ontology/DCM";
constexpr std::string_view gateway_id_system = "http://homebase.example.org/fhir/sid/gateway";

}  // namespace

std::string build_audit_event(const audit_facts& f) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  auto str = [&](std::string_view s) {
    return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
  };
  auto coding = [&](std::string_view system, std::string_view code, std::string_view display = {}) {
    Value c(rapidjson::kObjectType);
    c.AddMember("system", str(system), a);
    c.AddMember("code", str(code), a);
    if (!display.empty()) c.AddMember("display", str(display), a);
    return c;
  };
  auto concept_ = [&](Value c) {
    Value cc(rapidjson::kObjectType);
    Value list(rapidjson::kArrayType);
    list.PushBack(c, a);
    cc.AddMember("coding", list, a);
    return cc;
  };
  auto by_identifier = [&](const model::identifier& id, std::string_view type, std::string_view display) {
    Value r(rapidjson::kObjectType);
    if (!type.empty()) r.AddMember("type", str(type), a);
    Value i(rapidjson::kObjectType);
    i.AddMember("system", str(id.system), a);
    i.AddMember("value", str(id.value), a);
    r.AddMember("identifier", i, a);
    if (!display.empty()) r.AddMember("display", str(display), a);
    return r;
  };
  const model::identifier gateway{std::string(gateway_id_system), "homebase"};
  auto network = [&](std::string_view address) {
    Value n(rapidjson::kObjectType);
    n.AddMember("address", str(address), a);
    n.AddMember("type", "5", a);  // URI
    return n;
  };

  doc.AddMember("resourceType", "AuditEvent", a);
  doc.AddMember("id", str(f.id), a);
  if (f.disclosed) {
    Value meta(rapidjson::kObjectType);
    Value profiles(rapidjson::kArrayType);
    profiles.PushBack(
        "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PrivacyDisclosure.Source", a);
    meta.AddMember("profile", profiles, a);
    doc.AddMember("meta", meta, a);
  }
  std::string status_text = f.disclosed ? "Disclosed" : "Blocked";
  doc.AddMember("text", Value(rapidjson::kObjectType), a);
  doc["text"].AddMember("status", "generated", a);
  doc["text"].AddMember(
      "div",
      str("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>" + status_text + ": school letter " + f.letter_id +
          " to " + fhir::escape_xml(f.school_name) + ". " + fhir::escape_xml(f.outcome_desc) + "</p></div>"),
      a);
  doc.AddMember("type",
                f.disclosed ? coding(dicom_system, "110106", "Export")
                            : coding(dicom_system, "110113", "Security Alert"),
                a);
  if (f.disclosed) {
    Value subtypes(rapidjson::kArrayType);
    subtypes.PushBack(coding("http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle", "disclose",
                             "Disclose Record Lifecycle Event"),
                      a);
    doc.AddMember("subtype", subtypes, a);
  }
  doc.AddMember("action", f.disclosed ? "R" : "E", a);
  doc.AddMember("recorded", str(f.recorded), a);
  doc.AddMember("outcome", f.disclosed ? "0" : "4", a);
  if (!f.outcome_desc.empty()) doc.AddMember("outcomeDesc", str(f.outcome_desc), a);
  if (!f.purpose.code.empty()) {
    Value purposes(rapidjson::kArrayType);
    purposes.PushBack(concept_(coding(f.purpose.system, f.purpose.code, f.purpose.display)), a);
    doc.AddMember("purposeOfEvent", purposes, a);
  }

  Value agents(rapidjson::kArrayType);
  {
    Value source(rapidjson::kObjectType);
    source.AddMember("type", concept_(coding(dicom_system, "110153", "Source Role ID")), a);
    source.AddMember("who", by_identifier(gateway, "Device", "Homebase gateway"), a);
    source.AddMember("requestor", false, a);
    source.AddMember("network", network(f.gateway_url), a);
    agents.PushBack(source, a);
    Value recipient(rapidjson::kObjectType);
    recipient.AddMember("type", concept_(coding(dicom_system, "110152", "Destination Role ID")), a);
    recipient.AddMember("who", by_identifier(f.school, "Organization", f.school_name), a);
    recipient.AddMember("requestor", false, a);
    if (!f.school_url.empty()) recipient.AddMember("network", network(f.school_url), a);
    agents.PushBack(recipient, a);
    if (!f.grantor.value.empty()) {
      Value authorizer(rapidjson::kObjectType);
      authorizer.AddMember("type",
                           concept_(coding("http://snomed.info/sct", "429577009", "Patient advocate")), a);
      authorizer.AddMember("who", by_identifier(f.grantor, "RelatedPerson", f.grantor_display), a);
      authorizer.AddMember("requestor", false, a);
      agents.PushBack(authorizer, a);
    }
  }
  doc.AddMember("agent", agents, a);
  Value source(rapidjson::kObjectType);
  source.AddMember("observer", by_identifier(gateway, "Device", "Homebase gateway"), a);
  Value source_types(rapidjson::kArrayType);
  source_types.PushBack(
      coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server"), a);
  source.AddMember("type", source_types, a);
  doc.AddMember("source", source, a);

  Value entities(rapidjson::kArrayType);
  {
    Value patient(rapidjson::kObjectType);
    patient.AddMember("what", by_identifier(f.patient, "Patient", ""), a);
    patient.AddMember("type",
                      coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"), a);
    patient.AddMember("role", coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"), a);
    entities.PushBack(patient, a);
    Value letter(rapidjson::kObjectType);
    letter.AddMember("what", by_identifier({std::string(school_letter_id_system), f.letter_id}, "Bundle", ""),
                     a);
    letter.AddMember(
        "type", coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"), a);
    letter.AddMember("role", coding("http://terminology.hl7.org/CodeSystem/object-role", "3", "Report"), a);
    entities.PushBack(letter, a);
    if (!f.consent_id.empty()) {
      Value consent(rapidjson::kObjectType);
      Value what(rapidjson::kObjectType);
      what.AddMember("reference", str("Consent/" + f.consent_id), a);
      consent.AddMember("what", what, a);
      consent.AddMember("type", coding("http://hl7.org/fhir/resource-types", "Consent", "Consent"), a);
      entities.PushBack(consent, a);
    }
  }
  doc.AddMember("entity", entities, a);
  return fhir::to_json(doc);
}

}  // namespace homebase::mappers::disclosure
