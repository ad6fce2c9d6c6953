#include "mappers/inbound/discharge_translator.hpp"

#include <algorithm>

#include "mappers/inbound/bundle_mapper.hpp"
#include "mappers/inbound/fhir_reading.hpp"
#include "mappers/model/code_systems.hpp"

namespace homebase::mappers::inbound {
namespace {

using rapidjson::Value;

constexpr std::string_view own_event_code = "nicu-discharge";
constexpr std::string_view davinci_event_system =
    "http://hl7.org/fhir/us/davinci-alerts/CodeSystem/notification-event";
constexpr std::string_view davinci_event_code = "notification-discharge";

mapping_context discharge_context(std::string_view source) {
  mapping_context c;
  c.translator = "discharge translator";
  c.source = std::string(source);
  c.referral_origin = "nicu_discharge";
  c.team_source = "discharge";
  return c;
}

void add_event(translation& t, std::string_view source, std::string message_id) {
  model::record_event ev;
  ev.kind = discharge_received_event;
  ev.source = std::string(source);
  ev.message_id = std::move(message_id);
  if (t.record.encounter) {
    ev.detail = "encounter " + t.record.encounter->key.system + "|" + t.record.encounter->key.value;
  }
  t.record.events.push_back(std::move(ev));
}

translate_result fail(translate_error error, std::string message) {
  translate_result result;
  result.error = error;
  result.message = std::move(message);
  return result;
}

}  // namespace

bool is_discharge_event(std::string_view system, std::string_view code) {
  return (system == message_event_system && code == own_event_code) ||
         (system == davinci_event_system && code == davinci_event_code);
}

translate_result translate_discharge(const Value& message_bundle, std::string_view source) {
  if (!message_bundle.IsObject() || text(message_bundle, "type") != "message")
    return fail(translate_error::not_a_discharge, "the Bundle is not of type message");
  bundle_mapper mapper(message_bundle, discharge_context(source));
  const auto& entries = mapper.index().entries();
  if (entries.empty() || entries.front().resource_type != "MessageHeader")
    return fail(translate_error::not_a_discharge,
                "the Bundle is not a message: its first entry is not a MessageHeader");
  const fhir::bundle_entry& header = entries.front();
  const Value* event = object_member(*header.resource, "eventCoding");
  if (event == nullptr || !is_discharge_event(text(*event, "system"), text(*event, "code")))
    return fail(translate_error::not_a_discharge, "MessageHeader.eventCoding is not a discharge event");
  if (mapper.find_child(array_member(*header.resource, "focus"), header) == nullptr)
    return fail(translate_error::no_patient, "the discharge message names no Patient");
  mapper.map_entries({&header});
  mapper.finish();
  translate_result result;
  result.ok = true;
  result.value = std::move(mapper.out());
  add_event(result.value, source, text(*header.resource, "id"));
  return result;
}

bool is_discharge_document(const Value& bundle) {
  if (!bundle.IsObject() || text(bundle, "type") != "document") return false;
  const Value* first = first_object(bundle, "entry");
  const Value* composition = first != nullptr ? object_member(*first, "resource") : nullptr;
  if (composition == nullptr || text(*composition, "resourceType") != "Composition") return false;
  return coding_in(object_member(*composition, "type"), model::loinc_system).code == discharge_summary_loinc;
}

std::vector<model::identifier> document_sender_identifiers(const Value& bundle) {
  std::vector<model::identifier> out;
  if (!bundle.IsObject() || text(bundle, "type") != "document") return out;
  bundle_mapper mapper(bundle, discharge_context({}));
  const auto& entries = mapper.index().entries();
  if (entries.empty() || entries.front().resource_type != "Composition") return out;
  const fhir::bundle_entry& composition = entries.front();
  auto add = [&](const Value* reference) {
    for (auto& id : mapper.organization_ids(reference, composition))
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
  };
  add(object_member(*composition.resource, "custodian"));
  if (const Value* authors = array_member(*composition.resource, "author"))
    for (const auto& a : authors->GetArray()) add(&a);
  return out;
}

translate_result translate_discharge_document(const Value& document_bundle, std::string_view source) {
  if (!is_discharge_document(document_bundle))
    return fail(translate_error::not_a_discharge,
                "the Bundle is not a discharge summary document (Bundle.type document, first entry a "
                "Composition of type LOINC 18842-5)");
  bundle_mapper mapper(document_bundle, discharge_context(source));
  const fhir::bundle_entry& composition = mapper.index().entries().front();
  const Value& c = *composition.resource;
  // The Composition's subject is the child and its encounter the discharge encounter, as the
  // MessageHeader's focus is in the message form.
  if (const fhir::bundle_entry* encounter = mapper.resolve(object_member(c, "encounter"), composition);
      encounter != nullptr && encounter->resource_type == "Encounter") {
    mapper.set_focus_encounter(encounter);
  }
  const Value* subject = object_member(c, "subject");
  if (mapper.find_child(nullptr, composition) == nullptr)
    return fail(translate_error::no_patient, "the discharge document names no Patient");
  if (const fhir::bundle_entry* named = mapper.resolve(subject, composition);
      named == nullptr || named != mapper.child()) {
    mapper.note("warning", "Bundle.entry[0].resource.subject",
                "Composition.subject does not name the Patient of the document; the first Patient is used");
  }
  // Sections only organise the entries, which are mapped by their type; a section that has only
  // narrative carries nothing the model can hold.
  if (const Value* sections = array_member(c, "section")) {
    for (rapidjson::SizeType k = 0; k < sections->Size(); ++k) {
      const Value& s = (*sections)[k];
      std::string where = "Bundle.entry[0].resource.section[" + std::to_string(k) + "]";
      const Value* entries = array_member(s, "entry");
      if (entries == nullptr || entries->Empty()) {
        if (array_member(s, "section") == nullptr)
          mapper.note("information", where,
                      "section '" + concept_text(object_member(s, "code")) +
                          "' has narrative only; nothing of it is mapped");
        continue;
      }
      for (rapidjson::SizeType j = 0; j < entries->Size(); ++j) {
        if (mapper.resolve(&(*entries)[j], composition) == nullptr)
          mapper.note("warning", where + ".entry[" + std::to_string(j) + "]",
                      "section entry does not resolve inside the document; not mapped");
      }
    }
  }
  // Who wrote and who keeps the document: read to recognise the sender (gateway), not mapped here.
  if (const Value* authors = array_member(c, "author"))
    for (const auto& a : authors->GetArray()) (void)mapper.resolve(&a, composition);
  (void)mapper.resolve(object_member(c, "custodian"), composition);
  mapper.map_entries({&composition});
  mapper.finish();
  translate_result result;
  result.ok = true;
  result.value = std::move(mapper.out());
  const Value* id = object_member(document_bundle, "identifier");
  add_event(result.value, source, text(id, "system") + "|" + text(id, "value"));
  return result;
}

}  // namespace homebase::mappers::inbound
