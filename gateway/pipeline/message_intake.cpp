#include "gateway/pipeline/message_intake.hpp"

#include <algorithm>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "fhir/fhir_time.hpp"
#include "fhir/json_document.hpp"
#include "fhir/message_bundle.hpp"
#include "gateway/audit/audit_trail.hpp"
#include "gateway/child/child_writer.hpp"
#include "gateway/log/json_log.hpp"
#include "gateway/metrics/gateway_metrics.hpp"
#include "gateway/pipeline/response_message.hpp"
#include "gateway/store/store_awaitable.hpp"
#include "mappers/inbound/discharge_translator.hpp"
#include "mappers/inbound/message_dispatcher.hpp"
#include "mappers/model/patient_match.hpp"
#include "mappers/model/record_codec.hpp"
#include "mappers/model/record_merge.hpp"
#include "mappers/outbound/stable_uuid.hpp"
#include "mappers/terminology/coding_translation.hpp"

namespace homebase::gateway::pipeline {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace model = mappers::model;
using fhir::issue_severity;

namespace {

// The note a repeat gets when the original's body was purged after its retention period.
mappers::inbound::mapping_note purged_body_note(const std::string& received_at) {
  return {"information", "Bundle",
          "this message was received at " + received_at +
              " and delivered; it is not processed again. Its body has since been purged under the retention "
              "policy, so the notes of the original response cannot be repeated"};
}

std::vector<store::identifier_key> keys_of(const model::child& c) {
  std::vector<store::identifier_key> keys;
  for (const auto& id : c.identifiers)
    if (!id.system.empty() && !id.value.empty()) keys.push_back({id.system, id.value});
  return keys;
}

enum class ingest_kind { failed, created, duplicate, bundle_reused };

// Which child a message is about, as patient matching decided.
struct match_target {
  std::optional<std::int64_t> child_id;  // nullopt: a new child
  // Patient matching could not decide which child the message is about: nothing is merged.
  bool held = false;
  std::string hold_reason;
  std::string candidates;  // "3,5"
};

// What a message does to its child, ready for the child writer.
struct child_update {
  child::prepared_child prepared;
  std::vector<mappers::inbound::mapping_note> merge_notes;  // what the merge decided that the sender learns
};

std::vector<model::match_candidate> candidates_of(
    const std::vector<std::pair<std::int64_t, std::string>>& rows, bool& unreadable) {
  std::vector<model::match_candidate> out;
  for (const auto& [id, json] : rows) {
    auto record = model::decode(json);
    if (!record) {
      unreadable = true;
      continue;
    }
    out.push_back({id, std::move(*record)});
  }
  return out;
}

std::string joined(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (auto id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

// Which child the message is about (mappers/model/patient_match): by identifier, else among the children
// born the same day that share a match key. Reads only what the decision needs. A match that is not
// confident holds the message (a person decides, POST /admin/messages/{id}/match).
match_target match(store::write_tx& tx, const model::coordination_record& incoming) {
  bool unreadable = false;
  auto by_identifier = candidates_of(tx.find_children(keys_of(incoming.patient)), unreadable);
  std::vector<model::match_candidate> same_day;
  if (by_identifier.empty() && !incoming.patient.birth_date.empty())
    same_day = candidates_of(tx.children_matching(incoming.patient.birth_date, model::match_keys(incoming)),
                             unreadable);
  match_target target;
  if (unreadable) {
    target.held = true;
    target.hold_reason = "a stored record the message could be about cannot be read";
    return target;
  }
  auto decision = model::match_child(incoming, by_identifier, same_day);
  switch (decision.verdict) {
    case model::match_verdict::hold:
      target.held = true;
      target.hold_reason = decision.reason;
      target.candidates = joined(decision.candidates);
      break;
    case model::match_verdict::link:
      target.child_id = decision.child_id;
      break;
    case model::match_verdict::new_child:
      break;
  }
  return target;
}

// What saving `incoming` as child `child_id` means: merged into the stored record (prepared again on the
// writer thread), or, for a child the gateway does not know, `fresh` as prepared off the writer thread.
child_update merge_into(store::write_tx& tx, const model::coordination_record& incoming,
                        const config::gateway_config& config, child::prepared_child fresh,
                        std::optional<std::int64_t>& child_id) {
  std::optional<std::string> stored;
  if (child_id) stored = tx.child_record(*child_id);
  child_update u;
  if (!stored) {
    child_id.reset();
    u.prepared = std::move(fresh);
    return u;
  }
  auto decoded = model::decode(*stored);
  model::coordination_record merged = decoded ? std::move(*decoded) : incoming;
  model::merge_summary summary;
  if (decoded) summary = model::merge(merged, incoming);
  u.prepared = child::prepare_child(merged, config, store::now_ms(), "rules");
  for (auto& n : summary.notes) u.merge_notes.push_back({n.severity, n.subject, std::move(n.text)});
  return u;
}

// R4 validation of a whole message or document, strict or lenient per partner. Its warnings become the
// response's notes; with errors, the 422 to answer: every error with its path, then those warnings.
std::optional<http::response> refuse_invalid(const fhir::validator& validator, const rapidjson::Value& doc,
                                             const config::partner& partner,
                                             std::vector<fhir::issue>& notes) {
  fhir::operation_outcome validation;
  validator.validate(doc, validation, ingest_validation_options(partner), "Bundle");
  notes = response_notes(validation);
  if (!validation.has_errors()) return std::nullopt;
  fhir::operation_outcome rejected;
  for (const auto& i : validation.issues())
    if (i.severity == issue_severity::error || i.severity == issue_severity::fatal) rejected.add(i);
  for (const auto& i : notes) rejected.add(i);
  return http::make_outcome(bhttp::status::unprocessable_entity, rejected);
}

}  // namespace

struct ingest_state {
  // Inputs (immutable once submitted).
  std::string body;
  fhir::message_envelope envelope;
  std::string partner_id;
  mappers::inbound::translation translation;
  std::vector<fhir::issue> validation_notes;  // warnings of the validation, reported in the response
  child::prepared_child fresh;                // prepared on the I/O thread, as if the child were new
  bool document = false;                      // a document POSTed to /fhir/Bundle (no Bundle.id check)
  // Outputs, written by the job on the writer thread, read after the completion.
  ingest_kind kind = ingest_kind::failed;
  std::string received_at;
  std::string route_note;  // non-empty: held as unroutable
  std::string prior_body;  // duplicate: the body of the message first received
  std::string destination;
  std::string farewell_home;  // the child changed home: the old one, whose last delivery is queued
  std::vector<mappers::inbound::mapping_note> merge_notes;  // created: what the merge noted
  std::string prior_merge_notes;                            // duplicate: what it noted the first time
  // The AuditEvent of the message's receipt (BALP PatientCreate), filled on the strand, written with it.
  mappers::audit::audit_record received_audit;
  std::string request_id;       // the correlation id (X-Request-Id), kept with the message
  std::int64_t message_id = 0;  // created: the messages row
  std::int64_t child_id = 0;    // created and merged: the child
  // The writer's side of the stage timings: set by the job on the writer thread, read after the completion.
  std::chrono::steady_clock::time_point job_started{};
  std::chrono::steady_clock::time_point job_ended{};
};

namespace {

// Stamps the message's record events with the time it was received (record_event.at).
void stamp_events(model::coordination_record& record, const std::string& at) {
  for (auto& ev : record.events)
    if (ev.at.empty()) ev.at = at;
}

}  // namespace

message_intake::message_intake(config::config_ptr config, store::sqlite_store& store,
                               std::function<void(const std::string&)> delivered_to,
                               concept_maps_ptr concept_maps)
    : config_(std::move(config)),
      store_(store),
      notify_(std::move(delivered_to)),
      concept_maps_(concept_maps ? std::move(concept_maps)
                                 : partner_concept_maps::load(*config_, validator_)) {}

namespace {

// The authenticated sender must be the partner the message or document names, and may send `what` (an
// event code, or a document kind). Development mode (no credentials on loopback) trusts the content.
std::optional<http::response> sender_refusal(const config::gateway_config& config,
                                             const auth::principal& sender, const config::partner& named,
                                             const std::string& what, bool document) {
  if (sender.method == auth::auth_method::development) return std::nullopt;
  if (sender.partner_id != named.id)
    return http::make_error(
        bhttp::status::forbidden, "forbidden",
        document ? "the document's custodian or author organisation belongs to partner '" + named.id +
                       "', not to the authenticated client '" + sender.client_id + "'"
                 : "the message's source.endpoint belongs to partner '" + named.id +
                       "', not to the authenticated client '" + sender.client_id + "'",
        document ? "Bundle.entry[0].resource.custodian" : "Bundle.entry[0].resource.source.endpoint");
  const auto* client = config.find_client(sender.client_id);
  if (client == nullptr) return http::make_error(bhttp::status::forbidden, "forbidden", "unknown client");
  bool all = document ? client->all_documents : client->all_events;
  const auto& allowed = document ? client->documents : client->events;
  if (!all && std::find(allowed.begin(), allowed.end(), what) == allowed.end())
    return http::make_error(bhttp::status::forbidden, "forbidden",
                            std::string("partner '") + named.id + "' may not send " +
                                (document ? "documents of kind '" : "the event '") + what + "'",
                            document ? "Bundle" : "Bundle.entry[0].resource.eventCoding");
  return std::nullopt;
}

// Who sent it, for the receipt's AuditEvent: the authenticated partner (in development mode, the
// partner the content names), its address and the request id the routes put on the request.
mappers::audit::audit_record receipt_audit(const config::gateway_config& config,
                                           const auth::principal& sender, const config::partner& partner,
                                           const http::request& req) {
  mappers::audit::audit_record r;
  r.kind = mappers::audit::audit_kind::patient_create;
  r.client.id = partner.id;
  r.client.kind = "partner";
  r.client.name = partner.name;
  r.client.address = sender.address;
  r.request_id = std::string(req["X-Request-Id"]);
  r.gateway_url = config.server.public_base_url;
  return r;
}

}  // namespace

fhir::validation_options ingest_validation_options(const config::partner& partner) {
  fhir::validation_options options;
  options.unknown_elements_are_warnings = partner.validation == config::validation_mode::lenient;
  return options;
}

asio::awaitable<http::response> message_intake::process(http::request& req, const auth::principal& sender) {
  if (!http::is_fhir_json(req[bhttp::field::content_type]))
    co_return http::make_error(bhttp::status::unsupported_media_type, "not-supported",
                               "expected Content-Type application/fhir+json, got '" +
                                   std::string(req[bhttp::field::content_type]) + "'");

  auto& meter = metrics::gateway_metrics::instance();
  auto started = std::chrono::steady_clock::now();
  auto state = std::make_shared<ingest_state>();
  state->body = std::move(req.body());
  state->request_id = std::string(req["X-Request-Id"]);
  // Parsed in place on a copy: the copy is cheap next to the parse it saves, and the body itself is kept
  // byte for byte for the store.
  std::string scratch = state->body;
  rapidjson::Document doc;
  if (auto error = fhir::parse_json_in_place(scratch, doc, {config_->server.json_max_depth}))
    co_return http::make_error(
        bhttp::status::bad_request, "structure",
        "malformed JSON at byte " + std::to_string(error->offset) + ": " + error->message);
  meter.stage(metrics::intake_stage::parse, std::chrono::steady_clock::now() - started);

  auto check = fhir::check_message_bundle(doc);
  if (check.http_status != 200)
    co_return http::make_outcome(static_cast<bhttp::status>(check.http_status), check.outcome);
  state->envelope = std::move(check.envelope);
  const auto& env = state->envelope;

  const auto* partner = config_->find_partner_by_endpoint(env.source_endpoint);
  if (partner == nullptr)
    co_return http::make_error(
        bhttp::status::forbidden, "forbidden",
        "'" + env.source_endpoint + "' is not a partner allowed to send to this gateway",
        "Bundle.entry[0].resource.source.endpoint");
  if (auto refused = sender_refusal(*config_, sender, *partner, env.event_code, false))
    co_return std::move(*refused);
  state->partner_id = partner->id;
  state->received_audit = receipt_audit(*config_, sender, *partner, req);

  // R4 validation of the whole Bundle. It needs the partner (strict or lenient), so it follows the
  // partner check; an unknown sender is refused before its message costs a validation.
  started = std::chrono::steady_clock::now();
  auto refused_invalid = refuse_invalid(validator_, doc, *partner, state->validation_notes);
  meter.stage(metrics::intake_stage::validate, std::chrono::steady_clock::now() - started);
  if (refused_invalid) co_return std::move(*refused_invalid);

  if (!mappers::inbound::message_event_of(env.event_system, env.event_code))
    co_return http::make_error(bhttp::status::unprocessable_entity, "not-supported",
                               "message event '" + env.event_system + "|" + env.event_code +
                                   "' is not supported; see GET /fhir/metadata",
                               "Bundle.entry[0].resource.eventCoding");

  // The partner's local codes get their standard equivalents next to them, before the translation, which
  // recognises only standard codes. Only the parsed tree changes: the body is stored as it was received.
  started = std::chrono::steady_clock::now();
  auto code_notes = mappers::terminology::translate_codings(doc, doc.GetAllocator(),
                                                            concept_maps_->for_partner(partner->id));
  auto translated = mappers::inbound::translate_message(doc, partner->id);
  meter.stage(metrics::intake_stage::translate, std::chrono::steady_clock::now() - started);
  if (!translated.ok)
    co_return http::make_error(bhttp::status::unprocessable_entity, "processing", translated.message,
                               "Bundle");
  state->translation = std::move(translated.value);
  // Noted in the response like unmapped content, first (they happened first).
  state->translation.notes.insert(state->translation.notes.begin(), code_notes.begin(), code_notes.end());
  co_await commit(state);
  if (state->kind == ingest_kind::failed)
    co_return http::make_error(bhttp::status::service_unavailable, "transient",
                               "the message could not be stored; nothing was kept, send it again");
  if (state->kind == ingest_kind::bundle_reused)
    co_return http::make_error(
        bhttp::status::unprocessable_entity, "duplicate",
        "Bundle.id '" + env.bundle_id +
            "' was already received with another MessageHeader.id; Bundle.id values must "
            "not be reused",
        "Bundle.id");
  if (state->kind == ingest_kind::duplicate && state->prior_body.empty()) {
    // The original was delivered and its body purged (config retention.message_bodies): still recognised,
    // not processed again; the answer says so instead of repeating the original's notes.
    std::vector<mappers::inbound::mapping_note> purged{purged_body_note(state->received_at)};
    co_return http::make_response(
        bhttp::status::ok,
        build_response_message(
            {&env, &purged, nullptr, config_->server.public_base_url, state->received_at, state->route_note}),
        http::fhir_json);
  }
  if (state->kind == ingest_kind::duplicate) {
    auto original = rebuild_response_message(
        std::move(state->prior_body), config_->server.public_base_url, state->received_at, state->route_note,
        &concept_maps_->for_partner(state->partner_id), validator_, decode_notes(state->prior_merge_notes));
    if (!original)
      co_return http::make_error(
          bhttp::status::internal_server_error, "exception",
          "message " + env.header_id + " was received before, but its original response cannot be rebuilt");
    co_return http::make_response(bhttp::status::ok, std::move(*original), http::fhir_json);
  }
  auto notes = state->translation.notes;
  notes.insert(notes.end(), state->merge_notes.begin(), state->merge_notes.end());
  co_return http::make_response(
      bhttp::status::ok,
      build_response_message({&env, &notes, &state->validation_notes, config_->server.public_base_url,
                              state->received_at, state->route_note}),
      http::fhir_json);
}

asio::awaitable<void> message_intake::commit(std::shared_ptr<ingest_state> state) {
  // The time the message was received: its record events' time, and the messages row's.
  state->received_at = fhir::format_instant(store::now_ms());
  stamp_events(state->translation.record, state->received_at);
  {
    auto record = state->translation.record;  // the rules may add work: to the prepared copy only
    state->fresh = child::prepare_child(record, *config_, store::now_ms(), "rules");
  }

  auto config = config_;
  store::sqlite_store::job ingest = [state, config](store::write_tx& tx) {
    const auto& envelope = state->envelope;
    if (auto prior = tx.message_by_header(state->partner_id, envelope.header_id)) {
      // Same MessageHeader.id: the sender did not get our response (same Bundle.id), or resubmits a message
      // of consequence (new Bundle.id). Either way: the original response, no second processing.
      state->kind = ingest_kind::duplicate;
      state->received_at = prior->received_at;
      state->route_note = prior->route_note;
      state->prior_body = tx.message_body(prior->id);
      state->prior_merge_notes = prior->merge_notes;
      return tx.ok();
    }
    if (!state->document && tx.message_by_bundle(state->partner_id, envelope.bundle_id)) {
      state->kind = ingest_kind::bundle_reused;
      return true;
    }
    store::stored_message m;
    m.bundle_id = envelope.bundle_id;
    m.header_id = envelope.header_id;
    m.partner_id = state->partner_id;
    m.event_code = envelope.event_code;
    m.received_at = state->received_at;
    m.request_id = state->request_id;
    // The receipt's AuditEvent, in the same transaction (a held message names the child by identifier).
    auto& received = state->received_audit;
    received.recorded_ms = store::now_ms();
    received.entity_type = state->document ? "Bundle" : "MessageHeader";
    received.entity_id = state->document ? envelope.bundle_id : envelope.header_id;
    if (!state->translation.record.patient.identifiers.empty())
      received.patient_identifier = state->translation.record.patient.identifiers.front();

    auto target = match(tx, state->translation.record);
    if (target.held) {
      // Nothing is merged: what the message said is kept until a person decides.
      state->route_note = held_for_match_note(target.hold_reason);
      m.status = store::message_status::held_for_match;
      m.translation = model::encode(state->translation.record);
      m.route_note = state->route_note;
      m.match_candidates = target.candidates;
      state->message_id = tx.insert_message(m, state->body);
      (void)audit::record(tx, received, {});
      state->kind = ingest_kind::created;
      return tx.ok();
    }
    auto update =
        merge_into(tx, state->translation.record, *config, std::move(state->fresh), target.child_id);
    state->merge_notes = std::move(update.merge_notes);
    const auto& route = update.prepared.destination;
    if (route.home == nullptr) {
      // What this message said is kept while it waits for a route; once routed, the raw body suffices.
      state->route_note = route.reason;
      m.translation = model::encode(state->translation.record);
    }
    m.route_note = state->route_note;
    m.merge_notes = encode_notes(state->merge_notes);
    child::save_cause cause;
    cause.kind = child::save_kind::message;
    cause.new_message = &m;
    cause.new_message_body = state->body;
    cause.audit = &received;
    auto saved = child::save_child(tx, target.child_id, update.prepared, cause, store::now_ms());
    if (saved.queued) state->destination = saved.home;  // the operator's pin may outrank the route
    state->farewell_home = saved.transferred_from;
    state->message_id = saved.message_id.value_or(0);
    state->child_id = saved.child_id;
    state->kind = ingest_kind::created;
    return tx.ok();
  };
  // The writer-side stage times: waiting for the writer (submit to the job's start), and the commit
  // (the job's end to this coroutine's resumption: the rest of the batch, COMMIT with its fsync, the post).
  store::sqlite_store::job timed = [state, work = std::move(ingest)](store::write_tx& tx) {
    state->job_started = std::chrono::steady_clock::now();
    bool ok = work(tx);
    state->job_ended = std::chrono::steady_clock::now();
    return ok;
  };
  auto submitted = std::chrono::steady_clock::now();
  bool committed = co_await store::run_in_store(store_, std::move(timed));
  if (committed && state->job_started != std::chrono::steady_clock::time_point{}) {
    auto& meter = metrics::gateway_metrics::instance();
    meter.stage(metrics::intake_stage::writer_wait, state->job_started - submitted);
    meter.stage(metrics::intake_stage::commit, std::chrono::steady_clock::now() - state->job_ended);
  }
  if (!committed) state->kind = ingest_kind::failed;
  switch (state->kind) {
    case ingest_kind::created:
      log::write({.lvl = log::level::info,
                  .event = state->document ? "document.accepted" : "message.accepted",
                  .request_id = state->request_id,
                  .message_id = state->message_id,
                  .child = state->child_id,
                  .client = state->partner_id,
                  .medical_home = state->destination,
                  .detail = state->route_note.empty()
                                ? std::string_view(state->envelope.event_code)
                                : std::string_view("held: see the message's route note")});
      break;
    case ingest_kind::duplicate:
      log::write({.lvl = log::level::info,
                  .event = "message.repeated",
                  .request_id = state->request_id,
                  .client = state->partner_id,
                  .detail = "answered with the original response"});
      break;
    case ingest_kind::failed:
      log::write({.lvl = log::level::error,
                  .event = "message.store_failed",
                  .request_id = state->request_id,
                  .client = state->partner_id,
                  .detail = "the store job failed; 503 sent"});
      break;
    case ingest_kind::bundle_reused:
      break;
  }
  if (state->kind == ingest_kind::created && !state->destination.empty() && notify_)
    notify_(state->destination);
  if (state->kind == ingest_kind::created && !state->farewell_home.empty() && notify_)
    notify_(state->farewell_home);
}

asio::awaitable<http::response> message_intake::process_document(http::request& req,
                                                                 const auth::principal& sender) {
  if (!http::is_fhir_json(req[bhttp::field::content_type]))
    co_return http::make_error(bhttp::status::unsupported_media_type, "not-supported",
                               "expected Content-Type application/fhir+json, got '" +
                                   std::string(req[bhttp::field::content_type]) + "'");
  auto& meter = metrics::gateway_metrics::instance();
  auto started = std::chrono::steady_clock::now();
  auto state = std::make_shared<ingest_state>();
  state->document = true;
  state->body = std::move(req.body());
  state->request_id = std::string(req["X-Request-Id"]);
  std::string scratch = state->body;
  rapidjson::Document doc;
  if (auto error = fhir::parse_json_in_place(scratch, doc, {config_->server.json_max_depth}))
    co_return http::make_error(
        bhttp::status::bad_request, "structure",
        "malformed JSON at byte " + std::to_string(error->offset) + ": " + error->message);
  meter.stage(metrics::intake_stage::parse, std::chrono::steady_clock::now() - started);
  auto member_text = [](const rapidjson::Value& v, const char* name) -> std::string {
    if (!v.IsObject()) return {};
    auto it = v.FindMember(name);
    return it != v.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString()) : std::string();
  };
  if (member_text(doc, "resourceType") != "Bundle")
    co_return http::make_error(bhttp::status::bad_request, "structure",
                               "POST /fhir/Bundle takes a Bundle resource", "Bundle");
  if (member_text(doc, "type") != "document")
    co_return http::make_error(bhttp::status::unprocessable_entity, "not-supported",
                               "POST /fhir/Bundle accepts discharge documents (Bundle.type document); send "
                               "messages to $process-message",
                               "Bundle.type");
  // What identifies the document (bdl-9): its repeat is recognised by it.
  std::string id_system;
  std::string id_value;
  if (auto it = doc.FindMember("identifier"); it != doc.MemberEnd()) {
    id_system = member_text(it->value, "system");
    id_value = member_text(it->value, "value");
  }
  if (id_system.empty() || id_value.empty())
    co_return http::make_error(bhttp::status::unprocessable_entity, "required",
                               "bdl-9: a document must have an identifier with a system and a value",
                               "Bundle.identifier");
  // The sender: an organisation the Composition names as custodian or author that a partner lists.
  const config::partner* partner = nullptr;
  auto senders = mappers::inbound::document_sender_identifiers(doc);
  for (const auto& id : senders)
    if ((partner = config_->find_partner_by_organization(id.system, id.value)) != nullptr) break;
  if (partner != nullptr)
    if (auto refused = sender_refusal(*config_, sender, *partner, "discharge-summary", true))
      co_return std::move(*refused);
  if (partner == nullptr)
    co_return http::make_error(
        bhttp::status::forbidden, "forbidden",
        senders.empty()
            ? std::string("the document names no custodian or author organisation with an identifier")
            : "no partner is configured for the document's custodian or author organisation ('" +
                  senders.front().system + "|" + senders.front().value + "')",
        "Bundle.entry[0].resource.custodian");
  state->partner_id = partner->id;
  state->received_audit = receipt_audit(*config_, sender, *partner, req);

  started = std::chrono::steady_clock::now();
  auto refused_invalid = refuse_invalid(validator_, doc, *partner, state->validation_notes);
  meter.stage(metrics::intake_stage::validate, std::chrono::steady_clock::now() - started);
  if (refused_invalid) co_return std::move(*refused_invalid);
  if (!mappers::inbound::is_discharge_document(doc))
    co_return http::make_error(bhttp::status::unprocessable_entity, "not-supported",
                               "only discharge summary documents (Composition.type LOINC 18842-5) are "
                               "accepted",
                               "Bundle.entry[0].resource.type");
  started = std::chrono::steady_clock::now();
  auto code_notes = mappers::terminology::translate_codings(doc, doc.GetAllocator(),
                                                            concept_maps_->for_partner(partner->id));
  auto translated = mappers::inbound::translate_discharge_document(doc, partner->id);
  meter.stage(metrics::intake_stage::translate, std::chrono::steady_clock::now() - started);
  if (!translated.ok)
    co_return http::make_error(bhttp::status::unprocessable_entity, "processing", translated.message,
                               "Bundle");
  state->translation = std::move(translated.value);
  state->translation.notes.insert(state->translation.notes.begin(), code_notes.begin(), code_notes.end());
  // A document is kept like a message: its identifier takes the place of MessageHeader.id.
  state->envelope.bundle_id = member_text(doc, "id");
  state->envelope.header_id = "document:" + id_system + "|" + id_value;
  state->envelope.event_code = "nicu-discharge-document";
  co_await commit(state);
  if (state->kind == ingest_kind::failed)
    co_return http::make_error(bhttp::status::service_unavailable, "transient",
                               "the document could not be stored; nothing was kept, send it again");
  // http.html create: 201 with the new resource's Location; a repeat (conditional create matching the
  // one already there) 200 with the same body.
  auto location = config_->server.public_base_url + "/Bundle/" +
                  mappers::outbound::uuid_v5("urn:homebase:document:" + id_system + "|" + id_value);
  http::response res;
  if (state->kind == ingest_kind::duplicate && state->prior_body.empty()) {
    std::vector<mappers::inbound::mapping_note> purged{purged_body_note(state->received_at)};
    res = http::make_response(bhttp::status::ok, build_document_outcome(purged, {}, state->route_note),
                              http::fhir_json);
  } else if (state->kind == ingest_kind::duplicate) {
    auto original = rebuild_document_outcome(std::move(state->prior_body), state->route_note,
                                             &concept_maps_->for_partner(state->partner_id), validator_,
                                             decode_notes(state->prior_merge_notes));
    if (!original)
      co_return http::make_error(
          bhttp::status::internal_server_error, "exception",
          "the document was received before, but its original answer cannot be rebuilt");
    res = http::make_response(bhttp::status::ok, std::move(*original), http::fhir_json);
  } else {
    auto notes = state->translation.notes;
    notes.insert(notes.end(), state->merge_notes.begin(), state->merge_notes.end());
    res = http::make_response(bhttp::status::created,
                              build_document_outcome(notes, state->validation_notes, state->route_note),
                              http::fhir_json);
  }
  res.set(bhttp::field::location, location);
  co_return res;
}

asio::awaitable<http::response> message_intake::retry(std::int64_t message_id,
                                                      mappers::audit::audit_record admin) {
  admin.action_name = "retry";
  co_return co_await resolve(message_id, std::nullopt, std::move(admin));
}

asio::awaitable<http::response> message_intake::resolve_match(std::int64_t message_id,
                                                              std::optional<std::int64_t> child_id,
                                                              mappers::audit::audit_record admin) {
  admin.action_name = "match";
  co_return co_await resolve(message_id, match_choice{child_id}, std::move(admin));
}

asio::awaitable<http::response> message_intake::resolve(std::int64_t message_id,
                                                        std::optional<match_choice> choice,
                                                        mappers::audit::audit_record admin) {
  struct retry_state {
    // not_found | no_child | nothing | routed | requeued | still_unroutable | still_held
    std::string outcome;
    std::string destination;
    std::string reason;
  };
  auto st = std::make_shared<retry_state>();
  auto config = config_;
  admin.kind = mappers::audit::audit_kind::admin_action;
  admin.entity_type = "MessageHeader";
  admin.gateway_url = config_->server.public_base_url;
  store::sqlite_store::job reroute = [st, config, message_id, choice, admin](store::write_tx& tx) {
    // The admin action's AuditEvent, with the effect it records (only when there was one).
    auto audit_effect = [&](std::optional<std::int64_t> child_id, const std::string& what) {
      auto r = admin;
      r.recorded_ms = store::now_ms();
      r.outcome_desc = what;
      audit::audit_links links;
      links.child_id = child_id;
      (void)audit::record(tx, r, links);
    };
    auto m = tx.message_by_id(message_id);
    if (!m) {
      st->outcome = "not_found";
      return true;
    }
    if (choice && m->status != store::message_status::held_for_match) {
      st->outcome = "nothing";
      st->reason = "message is " + std::string(store::to_text(m->status)) + ", not held for patient matching";
      return true;
    }
    if (m->status == store::message_status::dead) {
      st->outcome = tx.requeue_outbox(message_id, store::now_ms()) > 0 ? "requeued" : "nothing";
      st->destination = m->destination;
      if (st->outcome == "requeued")
        audit_effect(m->child_id, "message " + std::to_string(message_id) + ": dead letter requeued for " +
                                      m->destination);
      return tx.ok();
    }
    if (m->status != store::message_status::unroutable &&
        m->status != store::message_status::held_for_match) {
      st->outcome = "nothing";
      st->reason = "message is " + std::string(store::to_text(m->status));
      return true;
    }
    auto incoming = model::decode(m->translation);
    if (!incoming) {
      st->outcome = "nothing";
      st->reason = "stored translation cannot be read";
      return true;
    }
    match_target target;
    if (choice) {
      // A person decided: this child (it must exist), or a new one.
      if (choice->child_id && !tx.child_record(*choice->child_id)) {
        st->outcome = "no_child";
        st->reason = "no child " + std::to_string(*choice->child_id);
        return true;
      }
      target.child_id = choice->child_id;
    } else {
      target = match(tx, *incoming);
    }
    if (target.held) {
      st->outcome = "still_held";
      st->reason = target.hold_reason;
      return true;  // nothing was merged
    }
    auto fresh_record = *incoming;
    auto update =
        merge_into(tx, *incoming, *config,
                   child::prepare_child(fresh_record, *config, store::now_ms(), "rules"), target.child_id);
    const auto& route = update.prepared.destination;
    // The merge is idempotent; a message that was held now belongs to its child, waiting for a route if
    // there is still none.
    auto r = admin;
    r.recorded_ms = store::now_ms();
    r.outcome_desc = "message " + std::to_string(message_id) +
                     (route.home != nullptr ? ": routed to " + route.home->id : ": merged, still unroutable");
    child::save_cause cause;
    cause.kind = child::save_kind::admin_retry;
    cause.message_id = message_id;
    cause.audit = &r;
    auto saved = child::save_child(tx, target.child_id, update.prepared, cause, store::now_ms());
    st->outcome = !saved.home.empty() ? "routed" : "still_unroutable";
    st->destination = saved.home;
    st->reason = route.reason;
    return tx.ok();
  };
  bool committed = co_await store::run_in_store(store_, std::move(reroute));
  if (!committed)
    co_return http::make_error(bhttp::status::service_unavailable, "transient",
                               "the store could not be updated");
  if (st->outcome == "not_found")
    co_return http::make_error(bhttp::status::not_found, "not-found",
                               "no message " + std::to_string(message_id));
  if (st->outcome == "no_child")
    co_return http::make_error(bhttp::status::unprocessable_entity, "not-found", st->reason);
  if (st->outcome == "nothing")
    co_return http::make_error(bhttp::status::conflict, "conflict", "nothing to retry: " + st->reason);
  if (st->outcome == "still_held")
    co_return http::make_error(bhttp::status::conflict, "conflict",
                               "still held for patient matching: " + st->reason);
  if (st->outcome == "still_unroutable")
    co_return http::make_error(bhttp::status::conflict, "not-found", "still unroutable: " + st->reason);
  if (notify_) notify_(st->destination);
  fhir::operation_outcome ok(issue_severity::information, "informational",
                             st->outcome == "routed"
                                 ? "routed to " + st->destination + " (" + st->reason + ")"
                                 : "dead letter requeued for " + st->destination);
  co_return http::make_outcome(bhttp::status::ok, ok);
}

}  // namespace homebase::gateway::pipeline
