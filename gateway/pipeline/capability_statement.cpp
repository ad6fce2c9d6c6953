#include "gateway/pipeline/capability_statement.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace homebase::gateway::pipeline {

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
  w.Key("documentation");
  w.String(
      "Only the operations $process-message (system level) and $validate (system level and on every R4 "
      "resource type, POST [base]/[type]/$validate; the base R4 profiles only) are implemented, and "
      "POST [base]/Bundle for NICU discharge summary documents (Bundle.type document, Composition LOINC "
      "18842-5; 201 with Location, 200 for a repeated Bundle.identifier).");
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

}  // namespace homebase::gateway::pipeline
