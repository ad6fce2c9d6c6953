#include "gateway/api/capability_statement.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <tuple>

#include "gateway/api/search_parameters.hpp"
#include "gateway/auth/token_endpoint.hpp"

namespace homebase::gateway::api {

std::string capability_statement(const config::gateway_config& config, const std::string& started_at) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  auto str = [&w](const std::string& s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  const auto& base = config.server.public_base_url;
  w.StartObject();
  w.Key("resourceType");
  w.String("CapabilityStatement");
  w.Key("status");
  w.String("active");
  w.Key("date");
  str(started_at);
  w.Key("publisher");
  w.String("Homebase");
  w.Key("kind");
  w.String("instance");
  w.Key("software");
  w.StartObject();
  w.Key("name");
  w.String("Homebase gateway");
  w.Key("version");
  w.String("0.1.0");
  w.EndObject();
  w.Key("implementation");
  w.StartObject();
  w.Key("description");
  w.String("Homebase: routes NICU discharge messages to the child's primary-care medical home");
  w.Key("url");
  str(base);
  w.EndObject();
  w.Key("fhirVersion");
  w.String("4.0.1");
  w.Key("format");
  w.StartArray();
  w.String("application/fhir+json");
  w.String("json");
  w.EndArray();
  w.Key("rest");
  w.StartArray();
  w.StartObject();
  w.Key("mode");
  w.String("server");
  // SMART Backend Services (fhir-rules.md §6): where to get a token, and where operators introspect one.
  auto token_url = auth::token_endpoint::token_url(config);
  auto introspect_url =
      token_url.substr(0, token_url.size() - std::string_view("token").size()) + "introspect";
  w.Key("security");
  w.StartObject();
  w.Key("extension");
  w.StartArray();
  w.StartObject();
  w.Key("url");
  w.String("http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
  w.Key("extension");
  w.StartArray();
  w.StartObject();
  w.Key("url");
  w.String("token");
  w.Key("valueUri");
  str(token_url);
  w.EndObject();
  w.StartObject();
  w.Key("url");
  w.String("introspect");
  w.Key("valueUri");
  str(introspect_url);
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.Key("cors");
  w.Bool(false);
  w.Key("service");
  w.StartArray();
  w.StartObject();
  w.Key("coding");
  w.StartArray();
  w.StartObject();
  w.Key("system");
  w.String("http://terminology.hl7.org/CodeSystem/restful-security-service");
  w.Key("code");
  w.String("SMART-on-FHIR");
  w.EndObject();
  w.EndArray();
  w.Key("text");
  w.String("SMART Backend Services (client_credentials with a private_key_jwt assertion, RS384 or ES384)");
  w.EndObject();
  w.EndArray();
  w.Key("description");
  w.String(
      "Every request but metadata, /.well-known/smart-configuration, /healthz, /readyz and the token "
      "endpoint needs a bearer access token from the token endpoint, or a client certificate bound to a "
      "configured client (mutual TLS). Partners send messages and documents; a medical home's client reads "
      "only its own children; scopes: SMART v1 system/X.read|write and v2 system/X.cruds.");
  w.EndObject();
  w.Key("documentation");
  w.String(
      "The operations $process-message (system level) and $validate (system level and on every R4 "
      "resource type, POST [base]/[type]/$validate; the base R4 profiles only), and read-only REST over "
      "what the gateway builds for each child's medical home: read on every type it sends, search on "
      "some. Search: repeated parameters AND, comma-separated values OR; dates take the R4 prefixes and "
      "partial dates are ranges (a time without zone is UTC); unknown parameters are ignored unless "
      "Prefer: handling=strict; _count defaults to 20, at most 100; results in the order the gateway "
      "first stored them, paged by next links. A medical home updates the coordination Tasks it was "
      "given (update and patch, If-Match required, the fields it owns only). Also $school-letter, the "
      "family's disclosure authorizations "
      "as Consent (create, update, read) and the audit trail as AuditEvent (search by patient, "
      "patient:identifier, date, type, subtype, outcome, agent). POST [base]/Bundle takes NICU discharge "
      "summary documents (Bundle.type "
      "document, Composition LOINC 18842-5; 201 with Location, 200 for a repeated Bundle.identifier).");
  w.Key("resource");
  w.StartArray();
  for (auto type : api::readable_types()) {
    w.StartObject();
    w.Key("type");
    str(std::string(type));
    w.Key("interaction");
    w.StartArray();
    // Task: the medical home's push (api/task_update_api): update and JSON Patch of the fields it owns.
    const bool task = type == "Task";
    for (const char* code : {"read", "update", "patch", "search-type"}) {
      std::string_view c(code);
      if (c == "search-type" && !api::is_searchable(type)) continue;
      if ((c == "update" || c == "patch") && !task) continue;
      w.StartObject();
      w.Key("code");
      w.String(code);
      if (c == "update" || c == "patch") {
        w.Key("documentation");
        w.String(
            "The medical home's own children only; If-Match: W/\"<versionId>\" required (428 without, 412 "
            "when stale); only status, statusReason, businessStatus, owner, note and output may change "
            "(422 naming any other element); patch takes JSON Patch (application/json-patch+json). The "
            "change flows into the coordination model.");
      }
      w.EndObject();
    }
    w.EndArray();
    w.Key("versioning");
    w.String(task ? "versioned-update" : "versioned");
    w.Key("readHistory");
    w.Bool(false);
    if (task) {
      w.Key("updateCreate");
      w.Bool(false);
      w.Key("conditionalUpdate");
      w.Bool(false);
    }
    if (api::is_searchable(type)) {
      const auto params = api::search_parameters_of(type);
      std::vector<std::string> includes;
      for (const auto& p : params)
        if (p.kind == api::param_kind::reference)
          includes.push_back(std::string(type) + ":" + std::string(p.name));
      if (!includes.empty()) {
        w.Key("searchInclude");
        w.StartArray();
        for (const auto& i : includes) str(i);
        w.EndArray();
      }
      w.Key("searchParam");
      w.StartArray();
      auto param = [&](std::string_view name, std::string_view definition, std::string_view kind) {
        w.StartObject();
        w.Key("name");
        str(std::string(name));
        w.Key("definition");
        str(std::string(definition));
        w.Key("type");
        str(std::string(kind));
        w.EndObject();
      };
      param("_id", "http://hl7.org/fhir/SearchParameter/Resource-id", "token");
      param("_lastUpdated", "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated", "date");
      for (const auto& p : params)
        param(p.name, p.definition,
              p.kind == api::param_kind::date        ? "date"
              : p.kind == api::param_kind::reference ? "reference"
                                                     : "token");
      w.EndArray();
    }
    w.EndObject();
  }
  // The disclosure side (gateway/disclosure): the family's authorizations and the audit trail.
  auto disclosure_resource = [&](const char* type, std::initializer_list<const char*> interactions,
                                 const char* search_param) {
    w.StartObject();
    w.Key("type");
    w.String(type);
    w.Key("interaction");
    w.StartArray();
    for (const char* code : interactions) {
      w.StartObject();
      w.Key("code");
      w.String(code);
      w.EndObject();
    }
    w.EndArray();
    if (search_param != nullptr) {
      w.Key("searchParam");
      w.StartArray();
      w.StartObject();
      w.Key("name");
      w.String(search_param);
      w.Key("type");
      w.String("reference");
      w.Key("documentation");
      w.String("only with the :identifier modifier: patient:identifier=system|value");
      w.EndObject();
      w.EndArray();
    }
    w.EndObject();
  };
  disclosure_resource("Consent", {"create", "update", "read"}, nullptr);
  // The audit trail (gateway/audit/audit_api).
  w.StartObject();
  w.Key("type");
  w.String("AuditEvent");
  w.Key("interaction");
  w.StartArray();
  w.StartObject();
  w.Key("code");
  w.String("search-type");
  w.EndObject();
  w.EndArray();
  w.Key("searchParam");
  w.StartArray();
  for (auto [name, type, doc] :
       {std::tuple{"patient", "reference", "Patient/{id} or {id}; also patient:identifier=system|value"},
        std::tuple{"date", "date", "AuditEvent.recorded"}, std::tuple{"type", "token", "AuditEvent.type"},
        std::tuple{"subtype", "token", "AuditEvent.subtype"},
        std::tuple{"outcome", "token", "AuditEvent.outcome"},
        std::tuple{"agent", "reference", "the client id of the caller"}}) {
    w.StartObject();
    w.Key("name");
    w.String(name);
    w.Key("type");
    w.String(type);
    w.Key("documentation");
    w.String(doc);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.Key("operation");
  w.StartArray();
  w.StartObject();
  w.Key("name");
  w.String("process-message");
  w.Key("definition");
  w.String("http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message");
  w.EndObject();
  w.StartObject();
  w.Key("name");
  w.String("validate");
  w.Key("definition");
  w.String("http://hl7.org/fhir/OperationDefinition/Resource-validate");
  w.Key("documentation");
  w.String(
      "Validates a resource against the R4 definitions (structure, cardinality, formats, required "
      "bindings, invariants); answers 200 with an OperationOutcome.");
  w.EndObject();
  w.StartObject();
  w.Key("name");
  w.String("medical-home-checklist");
  w.Key("definition");
  w.String("http://homebase.example.org/fhir/OperationDefinition/medical-home-checklist");
  w.Key("documentation");
  w.String(
      "GET [base]/Patient/{id}/$medical-home-checklist: the 11 items of the Medical Homes Checklist for the "
      "child, each with status evidence | gap | no-evidence | not-derivable and the evidence the "
      "coordination record holds, and the corrected age while it applies, as Parameters.");
  w.EndObject();
  w.StartObject();
  w.Key("name");
  w.String("disclosures");
  w.Key("definition");
  w.String("http://homebase.example.org/fhir/OperationDefinition/Patient-disclosures");
  w.Key("documentation");
  w.String(
      "GET [base]/Patient/{id}/$disclosures[?date=&_count=]: the accounting of disclosures (45 CFR 164.528) "
      "from the audit trail: every successful disclosure of the child's data outside the care team (school "
      "letters sent, letters handed to a parent; not deliveries to a medical home), as a searchset Bundle "
      "of the AuditEvents, newest first. Needs AuditEvent search; a medical home sees only its own "
      "children.");
  w.EndObject();
  w.StartObject();
  w.Key("name");
  w.String("school-letter");
  w.Key("definition");
  w.String("http://homebase.example.org/fhir/OperationDefinition/school-letter");
  w.Key("documentation");
  w.String(
      "Requests an IEP/504 support letter or immunization proof for a configured school. The letter is "
      "drafted only when the family's authorization permits every requested section (else 422 with the "
      "reason); the draft (PDF and HTML, watermarked) is DocumentReference/school-letter-{id} (docStatus "
      "preliminary). It waits for $school-letter-approve, is checked again right before it is sent (by "
      "secure e-mail, FHIR or hand-carry: the school's channels), and every step is audited.");
  w.EndObject();
  w.StartObject();
  w.Key("name");
  w.String("school-letter-approve");
  w.Key("definition");
  w.String("http://homebase.example.org/fhir/OperationDefinition/school-letter-approve");
  w.Key("documentation");
  w.String(
      "The signing clinician approves and signs a drafted letter (Parameters: letter, and optionally the "
      "edited text of functional-impact, accommodations, emergency-plan or immunizations, only of sections "
      "the letter has). Only the medical_home client whose clinician NPI is the letter's signer (else 403). "
      "The gate runs again (422: the letter is cancelled); 200 Parameters {letter, status queued, "
      "document}; 409 when the letter is not a draft.");
  w.EndObject();
  w.StartObject();
  w.Key("name");
  w.String("school-letter-cancel");
  w.Key("definition");
  w.String("http://homebase.example.org/fhir/OperationDefinition/school-letter-cancel");
  w.Key("documentation");
  w.String(
      "Cancels a draft or a letter not yet sent (Parameters: letter, reason). 200 Parameters {letter, "
      "status cancelled}; 409 when it was already sent or ended.");
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.Key("messaging");
  w.StartArray();
  w.StartObject();
  w.Key("endpoint");
  w.StartArray();
  w.StartObject();
  w.Key("protocol");
  w.StartObject();
  w.Key("system");
  w.String("http://terminology.hl7.org/CodeSystem/message-transport");
  w.Key("code");
  w.String("http");
  w.EndObject();
  w.Key("address");
  str(base + "/$process-message");
  w.EndObject();
  w.EndArray();
  w.Key("reliableCache");
  w.Uint(0);  // minutes; 0 = received message ids are kept without expiry
  w.Key("documentation");
  w.String(
      "Receives the events nicu-discharge, specialist-visit-summary, referral-update (BSeR referral "
      "Task) and appointment-update of http://homebase.example.org/fhir/CodeSystem/message-event, and "
      "the Da Vinci Unsolicited Notifications event notification-discharge. A repeated Bundle.id + "
      "MessageHeader.id gets the original response.");
  w.Key("supportedMessage");
  w.StartArray();
  for (const char* definition :
       {"http://homebase.example.org/fhir/MessageDefinition/nicu-discharge",
        "http://homebase.example.org/fhir/MessageDefinition/specialist-visit-summary",
        "http://homebase.example.org/fhir/MessageDefinition/referral-update",
        "http://homebase.example.org/fhir/MessageDefinition/appointment-update",
        "http://hl7.org/fhir/us/davinci-alerts/MessageDefinition/notifications-message"}) {
    w.StartObject();
    w.Key("mode");
    w.String("receiver");
    w.Key("definition");
    w.String(definition);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return {b.GetString(), b.GetSize()};
}

}  // namespace homebase::gateway::api
