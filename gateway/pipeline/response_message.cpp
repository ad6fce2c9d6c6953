#include "gateway/pipeline/response_message.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "fhir/json_document.hpp"
#include "fhir/operation_outcome.hpp"
#include "mappers/inbound/discharge_translator.hpp"
#include "mappers/inbound/message_dispatcher.hpp"
#include "mappers/outbound/stable_uuid.hpp"
#include "mappers/terminology/coding_translation.hpp"

namespace homebase::gateway::pipeline {
namespace {

constexpr std::string_view match_hold_prefix = "patient match: ";

using fhir::issue_severity;
using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;
void str(writer_t& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

fhir::operation_outcome details_of(const std::vector<fhir::issue>* validation_notes,
                                   const std::vector<mappers::inbound::mapping_note>* notes,
                                   const std::string& route_note) {
  fhir::operation_outcome details;
  if (validation_notes != nullptr)
    for (const auto& i : *validation_notes) details.add(i);
  if (notes != nullptr)
    for (const auto& n : *notes)
      details.add(n.severity == "information" ? issue_severity::information : issue_severity::warning,
                  n.severity == "information" ? "informational" : "not-supported", n.text, n.expression);
  if (is_held_for_match(route_note)) {
    details.add(issue_severity::warning, "multiple-matches",
                "accepted and held until a person confirms which child it is about: " +
                    route_note.substr(match_hold_prefix.size()) +
                    "; nothing was merged, a coordinator resolves it");
  } else if (!route_note.empty()) {
    details.add(issue_severity::warning, "not-found",
                "accepted and held as unroutable: " + route_note +
                    "; an operator re-routes it after a config change");
  }
  return details;
}

fhir::operation_outcome details_of(const response_inputs& in) {
  return details_of(in.validation_notes, in.notes, in.route_note);
}

}  // namespace

std::string held_for_match_note(std::string_view reason) {
  return std::string(match_hold_prefix) + std::string(reason);
}

bool is_held_for_match(std::string_view route_note) {
  return route_note.starts_with(match_hold_prefix);
}

std::string_view held_for_match_reason(std::string_view route_note) {
  return is_held_for_match(route_note) ? route_note.substr(match_hold_prefix.size()) : route_note;
}

std::string build_response_message(const response_inputs& in) {
  const auto& env = *in.envelope;
  const auto& now = in.received_at;
  const auto& gateway_endpoint = in.gateway_endpoint;
  auto details = details_of(in);
  // Name-based ids: the same request always gets the same response.
  auto id_for = [&env](const char* part) {
    return mappers::outbound::uuid_v5("urn:homebase:response:" + env.header_id + "#" + part);
  };
  auto outcome_url = "urn:uuid:" + id_for("outcome");
  rapidjson::StringBuffer b;
  writer_t w(b);
  w.StartObject();
  w.Key("resourceType");
  w.String("Bundle");
  w.Key("id");
  str(w, id_for("bundle"));
  w.Key("meta");
  w.StartObject();
  w.Key("lastUpdated");
  str(w, now);
  w.EndObject();
  w.Key("type");
  w.String("message");
  w.Key("timestamp");
  str(w, now);
  w.Key("entry");
  w.StartArray();
  auto header_id = id_for("header");
  w.StartObject();
  w.Key("fullUrl");
  str(w, "urn:uuid:" + header_id);
  w.Key("resource");
  w.StartObject();
  w.Key("resourceType");
  w.String("MessageHeader");
  w.Key("id");
  str(w, header_id);
  if (!env.event_system.empty()) {
    w.Key("eventCoding");
    w.StartObject();
    w.Key("system");
    str(w, env.event_system);
    w.Key("code");
    str(w, env.event_code);
    w.EndObject();
  } else {
    w.Key("eventUri");
    str(w, env.event_code);
  }
  w.Key("destination");
  w.StartArray();
  w.StartObject();
  w.Key("endpoint");
  str(w, env.source_endpoint);
  w.EndObject();
  w.EndArray();
  w.Key("source");
  w.StartObject();
  w.Key("name");
  w.String("Homebase");
  w.Key("software");
  w.String("Homebase gateway");
  w.Key("endpoint");
  str(w, gateway_endpoint);
  w.EndObject();
  w.Key("response");
  w.StartObject();
  w.Key("identifier");
  str(w, env.header_id);
  w.Key("code");
  w.String("ok");
  if (!details.empty()) {
    w.Key("details");
    w.StartObject();
    w.Key("reference");
    str(w, outcome_url);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();  // resource
  w.EndObject();  // entry
  if (!details.empty()) {
    w.StartObject();
    w.Key("fullUrl");
    str(w, outcome_url);
    w.Key("resource");
    auto outcome = details.to_json();
    w.RawValue(outcome.data(), outcome.size(), rapidjson::kObjectType);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {b.GetString(), b.GetSize()};
}

std::vector<fhir::issue> response_notes(const fhir::operation_outcome& validation) {
  std::vector<fhir::issue> notes;
  for (const auto& i : validation.issues())
    if (i.severity == issue_severity::warning && i.code != "processing" &&
        !i.diagnostics.starts_with("dom-6:"))
      notes.push_back(i);
  return notes;
}

namespace {

// The notes a stored message or document gave its sender, worked out again from its body: the validation's
// warnings (lenient, which gives the same warnings in either mode), the code translations, the translation's
// notes, then what the merge noted at the time. nullopt when the body no longer translates.
struct rebuilt_notes {
  std::vector<fhir::issue> validation;
  std::vector<mappers::inbound::mapping_note> notes;
};
std::optional<rebuilt_notes> notes_again(rapidjson::Document& doc,
                                         const std::vector<mappers::terminology::concept_map>* concept_maps,
                                         const fhir::validator& validator,
                                         const std::vector<mappers::inbound::mapping_note>& merge_notes,
                                         bool document) {
  fhir::operation_outcome validation;
  fhir::validation_options lenient;
  lenient.unknown_elements_are_warnings = true;
  validator.validate(doc, validation, lenient, "Bundle");
  std::vector<mappers::inbound::mapping_note> code_notes;
  if (concept_maps != nullptr)
    code_notes = mappers::terminology::translate_codings(doc, doc.GetAllocator(), *concept_maps);
  auto translated = document ? mappers::inbound::translate_discharge_document(doc)
                             : mappers::inbound::translate_message(doc);
  if (!translated.ok) return std::nullopt;
  rebuilt_notes out{response_notes(validation), std::move(translated.value.notes)};
  out.notes.insert(out.notes.begin(), code_notes.begin(), code_notes.end());
  out.notes.insert(out.notes.end(), merge_notes.begin(), merge_notes.end());
  return out;
}

}  // namespace

std::optional<std::string> rebuild_response_message(
    std::string body, const std::string& gateway_endpoint, const std::string& received_at,
    const std::string& route_note, const std::vector<mappers::terminology::concept_map>* concept_maps,
    const fhir::validator& validator, const std::vector<mappers::inbound::mapping_note>& merge_notes) {
  rapidjson::Document doc;
  if (fhir::parse_json_in_place(body, doc, {1024})) return std::nullopt;
  auto check = fhir::check_message_bundle(doc);
  if (check.http_status != 200) return std::nullopt;
  auto again = notes_again(doc, concept_maps, validator, merge_notes, false);
  if (!again) return std::nullopt;
  return build_response_message(
      {&check.envelope, &again->notes, &again->validation, gateway_endpoint, received_at, route_note});
}

std::string build_document_outcome(const std::vector<mappers::inbound::mapping_note>& notes,
                                   const std::vector<fhir::issue>& validation_notes,
                                   const std::string& route_note) {
  auto details = details_of(&validation_notes, &notes, route_note);
  if (details.empty())
    details.add(issue_severity::information, "informational", "the discharge document was processed");
  return details.to_json();
}

std::optional<std::string> rebuild_document_outcome(
    std::string body, const std::string& route_note,
    const std::vector<mappers::terminology::concept_map>* concept_maps, const fhir::validator& validator,
    const std::vector<mappers::inbound::mapping_note>& merge_notes) {
  rapidjson::Document doc;
  if (fhir::parse_json_in_place(body, doc, {1024})) return std::nullopt;
  auto again = notes_again(doc, concept_maps, validator, merge_notes, true);
  if (!again) return std::nullopt;
  return build_document_outcome(again->notes, again->validation, route_note);
}

namespace {
std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}
}  // namespace

std::string encode_notes(const std::vector<mappers::inbound::mapping_note>& notes) {
  std::string out;
  for (const auto& n : notes)
    out += one_line(n.severity) + "\t" + one_line(n.expression) + "\t" + one_line(n.text) + "\n";
  return out;
}

std::vector<mappers::inbound::mapping_note> decode_notes(std::string_view text) {
  std::vector<mappers::inbound::mapping_note> notes;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    auto a = line.find('\t');
    auto b = a == std::string_view::npos ? a : line.find('\t', a + 1);
    if (b == std::string_view::npos) continue;
    notes.push_back({std::string(line.substr(0, a)), std::string(line.substr(a + 1, b - a - 1)),
                     std::string(line.substr(b + 1))});
  }
  return notes;
}

}  // namespace homebase::gateway::pipeline
