#include "mappers/audit/audit_event_builder.hpp"

#include <openssl/evp.h>
#include <rapidjson/document.h>

#include <vector>

#include "fhir/fhir_time.hpp"
#include "fhir/json_document.hpp"
#include "fhir/xml_text.hpp"

namespace homebase::mappers::audit {
namespace {

using rapidjson::Value;

constexpr std::string_view entity_type_system = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
constexpr std::string_view object_role_system = "http://terminology.hl7.org/CodeSystem/object-role";
constexpr std::string_view balp_entity_type_system =
    "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType";
constexpr std::string_view network_type_system = "http://terminology.hl7.org/CodeSystem/network-type";

bool disclosure_like(audit_kind k) {
  return k == audit_kind::privacy_disclosure || k == audit_kind::disclosure_blocked;
}

bool has_patient(const audit_record& r) {
  return !r.patient_id.empty() || !r.patient_identifier.value.empty();
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

std::string_view kind_text(audit_kind k) {
  switch (k) {
    case audit_kind::patient_create:
      return "Message received";
    case audit_kind::patient_read:
      return "Read";
    case audit_kind::patient_query:
      return "Search";
    case audit_kind::privacy_disclosure:
      return "Disclosure";
    case audit_kind::disclosure_blocked:
      return "Disclosure blocked";
    case audit_kind::consent_created:
      return "Consent created";
    case audit_kind::consent_revised:
      return "Consent revised";
    case audit_kind::patient_update:
      return "Updated by the medical home";
    case audit_kind::consent_revoked:
      return "Consent revoked";
    case audit_kind::admin_action:
      return "Admin action";
    case audit_kind::letter_step:
      return "School letter";
    case audit_kind::security_alert:
      return "Refused";
    case audit_kind::refusal_summary:
      return "Refusals counted";
  }
  return "Event";
}

}  // namespace

audit_codes codes_of(const audit_record& r) {
  switch (r.kind) {
    case audit_kind::patient_create:
    case audit_kind::consent_created:
      return {audit_event_type_system, "rest", restful_interaction_system, "create", "C"};
    case audit_kind::patient_read:
      return {audit_event_type_system, "rest", restful_interaction_system, "read", "R"};
    case audit_kind::patient_query:
      return {audit_event_type_system, "rest", restful_interaction_system, "search", "E"};
    case audit_kind::consent_revised:
    case audit_kind::consent_revoked:
    case audit_kind::patient_update:
      return {audit_event_type_system, "rest", restful_interaction_system, "update", "U"};
    case audit_kind::privacy_disclosure:
      return {dicom_system, "110106", lifecycle_system, "disclose", "R"};
    case audit_kind::disclosure_blocked:
      return {dicom_system, "110113", {}, {}, "E"};
    case audit_kind::admin_action:
      return {dicom_system, "110110", admin_action_system, r.action_name,
              r.action_name == "match" || r.action_name == "transfer" ? "U" : "E"};
    case audit_kind::letter_step:
      return {dicom_system, "110110", letter_step_system, r.action_name,
              r.action_name == "requested" ? "C" : "U"};
    case audit_kind::security_alert:
    case audit_kind::refusal_summary:
      return {dicom_system, "110113", r.action_name.empty() ? std::string_view{} : refusal_reason_system,
              r.action_name, "E"};
  }
  return {};
}

std::string profile_of(const audit_record& r) {
  if (r.outcome != audit_outcome::success) return {};
  std::string_view name;
  bool patient = has_patient(r);
  switch (r.kind) {
    case audit_kind::patient_create:
    case audit_kind::consent_created:
      name = patient ? "IHE.BasicAudit.PatientCreate" : "IHE.BasicAudit.Create";
      break;
    case audit_kind::patient_read:
      name = patient ? "IHE.BasicAudit.PatientRead" : "IHE.BasicAudit.Read";
      break;
    case audit_kind::patient_query:
      name = patient ? "IHE.BasicAudit.PatientQuery" : "IHE.BasicAudit.Query";
      break;
    case audit_kind::consent_revised:
    case audit_kind::consent_revoked:
    case audit_kind::patient_update:
      name = patient ? "IHE.BasicAudit.PatientUpdate" : "IHE.BasicAudit.Update";
      break;
    case audit_kind::privacy_disclosure:
      if (patient) name = "IHE.BasicAudit.PrivacyDisclosure.Source";
      break;
    default:
      break;
  }
  if (name.empty()) return {};
  return std::string(balp_profile_base) + std::string(name);
}

std::string build_audit_event(const audit_record& r, std::string_view id) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  auto str = [&](std::string_view s) {
    return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
  };
  auto coding = [&](std::string_view system, std::string_view code, std::string_view display = {}) {
    Value c(rapidjson::kObjectType);
    if (!system.empty()) c.AddMember("system", str(system), a);
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
  auto by_identifier = [&](const model::identifier& i, std::string_view type, std::string_view display) {
    Value ref(rapidjson::kObjectType);
    if (!type.empty()) ref.AddMember("type", str(type), a);
    Value v(rapidjson::kObjectType);
    if (!i.system.empty()) v.AddMember("system", str(i.system), a);
    v.AddMember("value", str(i.value), a);
    ref.AddMember("identifier", v, a);
    if (!display.empty()) ref.AddMember("display", str(display), a);
    return ref;
  };
  auto network = [&](std::string_view address, bool uri) {
    Value n(rapidjson::kObjectType);
    n.AddMember("address", str(address), a);
    n.AddMember("type", uri ? "5" : "2", a);  // 5 URI, 2 IP address
    return n;
  };
  const model::identifier gateway{std::string(gateway_id_system), "homebase"};
  auto gateway_ref = [&] { return by_identifier(gateway, "Device", "Homebase gateway"); };
  auto party_ref = [&](const audit_party& p, std::string_view type) {
    model::identifier i =
        p.identifier.value.empty() ? model::identifier{std::string(client_id_system), p.id} : p.identifier;
    return by_identifier(i, type, p.name);
  };
  auto party_type = [](const audit_party& p) -> std::string_view {
    if (p.kind == "partner" || p.kind == "medical_home" || p.kind == "school") return "Organization";
    return "Device";
  };
  const auto codes = codes_of(r);

  doc.AddMember("resourceType", "AuditEvent", a);
  if (!id.empty()) doc.AddMember("id", str(id), a);
  if (auto profile = profile_of(r); !profile.empty()) {
    Value meta(rapidjson::kObjectType);
    Value profiles(rapidjson::kArrayType);
    profiles.PushBack(str(profile), a);
    meta.AddMember("profile", profiles, a);
    doc.AddMember("meta", meta, a);
  }
  {
    std::string line(kind_text(r.kind));
    if (!r.outcome_desc.empty()) line += ": " + r.outcome_desc;
    Value text(rapidjson::kObjectType);
    text.AddMember("status", "generated", a);
    text.AddMember(
        "div", str("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>" + fhir::escape_xml(line) + "</p></div>"),
        a);
    doc.AddMember("text", text, a);
  }
  std::string_view type_display = codes.type_code == "rest"     ? "Restful Operation"
                                  : codes.type_code == "110106" ? "Export"
                                  : codes.type_code == "110110" ? "Patient Record"
                                                                : "Security Alert";
  doc.AddMember("type", coding(codes.type_system, codes.type_code, type_display), a);
  if (!codes.subtype_code.empty()) {
    Value subtypes(rapidjson::kArrayType);
    std::string_view display =
        codes.subtype_system == lifecycle_system ? std::string_view("Disclose Record Lifecycle Event") : "";
    subtypes.PushBack(coding(codes.subtype_system, codes.subtype_code, display), a);
    doc.AddMember("subtype", subtypes, a);
  }
  doc.AddMember("action", str(codes.action), a);
  doc.AddMember("recorded", str(fhir::format_instant(r.recorded_ms)), a);
  doc.AddMember("outcome", str(std::to_string(static_cast<int>(r.outcome))), a);
  if (!r.outcome_desc.empty()) doc.AddMember("outcomeDesc", str(r.outcome_desc), a);
  if (!r.purpose.code.empty()) {
    Value purposes(rapidjson::kArrayType);
    purposes.PushBack(concept_(coding(r.purpose.system, r.purpose.code, r.purpose.display)), a);
    doc.AddMember("purposeOfEvent", purposes, a);
  }

  Value agents(rapidjson::kArrayType);
  if (disclosure_like(r.kind)) {
    Value source(rapidjson::kObjectType);
    source.AddMember("type", concept_(coding(dicom_system, "110153", "Source Role ID")), a);
    source.AddMember("who", gateway_ref(), a);
    source.AddMember("requestor", false, a);
    source.AddMember("network", network(r.gateway_url.empty() ? "urn:homebase:gateway" : r.gateway_url, true),
                     a);
    agents.PushBack(source, a);
    Value recipient(rapidjson::kObjectType);
    recipient.AddMember("type", concept_(coding(dicom_system, "110152", "Destination Role ID")), a);
    // A letter the family carries is disclosed to the parent (a RelatedPerson); others to an organisation.
    recipient.AddMember(
        "who", party_ref(r.recipient, r.recipient.kind == "parent" ? "RelatedPerson" : "Organization"), a);
    recipient.AddMember("requestor", false, a);
    if (!r.recipient.address.empty()) recipient.AddMember("network", network(r.recipient.address, true), a);
    agents.PushBack(recipient, a);
    if (!r.authorizer.value.empty()) {
      Value authorizer(rapidjson::kObjectType);
      authorizer.AddMember("type",
                           concept_(coding("http://snomed.info/sct", "429577009", "Patient advocate")), a);
      authorizer.AddMember("who", by_identifier(r.authorizer, "RelatedPerson", r.authorizer_display), a);
      authorizer.AddMember("requestor", false, a);
      agents.PushBack(authorizer, a);
    }
  } else {
    Value client(rapidjson::kObjectType);
    client.AddMember("type", concept_(coding(dicom_system, "110153", "Source Role ID")), a);
    if (!r.client.id.empty()) client.AddMember("who", party_ref(r.client, party_type(r.client)), a);
    if (!r.client.kind.empty()) {
      Value roles(rapidjson::kArrayType);
      roles.PushBack(Value(rapidjson::kObjectType), a);
      roles[0].AddMember("text", str(r.client.kind), a);
      client.AddMember("role", roles, a);
    }
    client.AddMember("requestor", true, a);
    if (!r.client.address.empty()) client.AddMember("network", network(r.client.address, false), a);
    agents.PushBack(client, a);
    Value server(rapidjson::kObjectType);
    server.AddMember("type", concept_(coding(dicom_system, "110152", "Destination Role ID")), a);
    server.AddMember("who", gateway_ref(), a);
    server.AddMember("requestor", false, a);
    server.AddMember("network", network(r.gateway_url.empty() ? "urn:homebase:gateway" : r.gateway_url, true),
                     a);
    agents.PushBack(server, a);
  }
  doc.AddMember("agent", agents, a);

  Value source(rapidjson::kObjectType);
  source.AddMember("observer", gateway_ref(), a);
  Value source_types(rapidjson::kArrayType);
  source_types.PushBack(
      coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server"), a);
  source.AddMember("type", source_types, a);
  doc.AddMember("source", source, a);

  Value entities(rapidjson::kArrayType);
  if (has_patient(r)) {
    Value patient(rapidjson::kObjectType);
    Value what(rapidjson::kObjectType);
    if (!r.patient_id.empty()) what.AddMember("reference", str("Patient/" + r.patient_id), a);
    what.AddMember("type", "Patient", a);
    if (!r.patient_identifier.value.empty()) {
      Value i(rapidjson::kObjectType);
      if (!r.patient_identifier.system.empty()) i.AddMember("system", str(r.patient_identifier.system), a);
      i.AddMember("value", str(r.patient_identifier.value), a);
      what.AddMember("identifier", i, a);
    }
    patient.AddMember("what", what, a);
    patient.AddMember("type", coding(entity_type_system, "1", "Person"), a);
    patient.AddMember("role", coding(object_role_system, "1", "Patient"), a);
    entities.PushBack(patient, a);
  }
  if (r.kind == audit_kind::patient_query) {
    Value query(rapidjson::kObjectType);
    query.AddMember("type", coding(entity_type_system, "2", "System Object"), a);
    query.AddMember("role", coding(object_role_system, "24", "Query"), a);
    query.AddMember("query", str(base64(r.query)), a);
    if (!r.query.empty()) query.AddMember("description", str(r.query), a);
    entities.PushBack(query, a);
  } else if (!r.entity_id.empty() || !r.entity_identifier.value.empty()) {
    bool letter = disclosure_like(r.kind);
    Value data(rapidjson::kObjectType);
    if (!r.entity_identifier.value.empty())
      data.AddMember("what", by_identifier(r.entity_identifier, r.entity_type, ""), a);
    else {
      Value what(rapidjson::kObjectType);
      what.AddMember("reference", str(r.entity_type + "/" + r.entity_id), a);
      data.AddMember("what", what, a);
    }
    data.AddMember("type", coding(entity_type_system, "2", "System Object"), a);
    data.AddMember("role",
                   letter ? coding(object_role_system, "3", "Report")
                          : coding(object_role_system, "4", "Domain Resource"),
                   a);
    entities.PushBack(data, a);
  }
  if (!r.consent_id.empty()) {
    Value consent(rapidjson::kObjectType);
    Value what(rapidjson::kObjectType);
    what.AddMember("reference", str("Consent/" + r.consent_id), a);
    consent.AddMember("what", what, a);
    consent.AddMember("type", coding("http://hl7.org/fhir/resource-types", "Consent", "Consent"), a);
    entities.PushBack(consent, a);
  }
  if (!r.request_id.empty()) {
    Value transaction(rapidjson::kObjectType);
    Value what(rapidjson::kObjectType);
    Value i(rapidjson::kObjectType);
    i.AddMember("value", str(r.request_id), a);
    what.AddMember("identifier", i, a);
    transaction.AddMember("what", what, a);
    transaction.AddMember("type", coding(balp_entity_type_system, "XrequestId", "X-Request-Id"), a);
    entities.PushBack(transaction, a);
  }
  if (r.kind == audit_kind::refusal_summary) {
    Value counted(rapidjson::kObjectType);
    counted.AddMember("type", coding(entity_type_system, "4", "Other"), a);
    counted.AddMember("description", "refusals counted, not recorded one by one", a);
    Value details(rapidjson::kArrayType);
    Value d(rapidjson::kObjectType);
    d.AddMember("type", "count", a);
    d.AddMember("valueString", str(std::to_string(r.count)), a);
    details.PushBack(d, a);
    counted.AddMember("detail", details, a);
    entities.PushBack(counted, a);
  }
  if (!entities.Empty()) doc.AddMember("entity", entities, a);
  return fhir::to_json(doc);
}

}  // namespace homebase::mappers::audit
