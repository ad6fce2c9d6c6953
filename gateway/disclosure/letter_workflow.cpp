#include "gateway/disclosure/letter_workflow.hpp"

#include <functional>

#include "fhir/json_document.hpp"
#include "gateway/api/search_parameters.hpp"
#include "gateway/audit/audit_trail.hpp"
#include "gateway/store/audit_table.hpp"
#include "gateway/store/consent_table.hpp"
#include "gateway/store/letter_table.hpp"
#include "mappers/disclosure/disclosure_audit.hpp"
#include "mappers/disclosure/letter_composer.hpp"
#include "mappers/disclosure/letter_document.hpp"
#include "mappers/disclosure/school_letter.hpp"
#include "mappers/model/record_codec.hpp"

namespace homebase::gateway::disclosure {
namespace {

namespace model = mappers::model;
namespace md = mappers::disclosure;
namespace letter_table = store::letter_table;
using store::letter_status;

constexpr std::string_view action_item_system = "http://homebase.example.org/fhir/sid/action-item";

std::optional<md::letter_request> parse_request(const std::string& body) {
  rapidjson::Document doc;
  if (fhir::parse_json(body, doc)) return std::nullopt;
  auto r = md::letter_request_from_parameters(doc);
  return r.value;
}

const md::authorization* find_authorization(const std::vector<md::authorization>& list,
                                            const std::string& id) {
  for (const auto& a : list)
    if (a.consent_id == id) return &a;
  return nullptr;
}

void add_event(child_state& child, const std::string& now, std::string kind, std::string detail,
               std::string actor = "disclosure") {
  child.record.events.push_back({now, std::move(kind), std::move(actor), {}, std::move(detail)});
}

// The actor of a record event: the client that took the step, or the gateway.
std::string actor_of(const step_actor& a) {
  return a.client.id.empty() ? std::string("disclosure") : "client:" + a.client.id;
}

// The AuditEvent of one step of a letter's life (requested, drafted, approved, queued, cancelled,
// reminded), with the client that took it.
void audit_step(store::write_tx& tx, std::int64_t child_id, std::int64_t letter_id, const step_actor& actor,
                const std::string& step, const model::identifier& patient, const std::string& detail,
                const std::string& now) {
  auto r = actor;
  r.kind = mappers::audit::audit_kind::letter_step;
  r.action_name = step;
  if (auto t = fhir::first_second(now))
    r.recorded_ms = static_cast<std::int64_t>(t->time_since_epoch().count()) * 1000;
  if (r.recorded_ms == 0) r.recorded_ms = store::now_ms();
  r.outcome = mappers::audit::audit_outcome::success;
  r.outcome_desc =
      "school letter " + std::to_string(letter_id) + " " + step + (detail.empty() ? "" : ": " + detail);
  r.patient_identifier = patient;
  r.entity_type = "DocumentReference";
  r.entity_id = {};
  r.entity_identifier = {std::string(md::school_letter_id_system), std::to_string(letter_id)};
  if (r.client.id.empty()) {
    r.client.id = "homebase";
    r.client.kind = "gateway";
    r.client.name = "Homebase letter workflow";
  }
  audit::record(tx, r, {child_id, letter_id});
}

step_actor gateway_actor(const config::gateway_config& config) {
  step_actor a;
  a.gateway_url = config.server.public_base_url;
  return a;
}

const config::client* clinician_client(const config::gateway_config& config, const std::string& npi) {
  for (const auto& c : config.clients)
    if (c.clinician && c.clinician->npi == npi) return &c;
  return nullptr;
}

std::string document_id(std::int64_t letter_id) {
  return "school-letter-" + std::to_string(letter_id);
}

// The letter's DocumentReference, put into the read API's resource index (a new version when changed).
void index_document(store::write_tx& tx, const config::gateway_config& config,
                    const store::letter_row& letter, const md::letter_request& request,
                    const model::coordination_record& record, const config::client* signer, bool signed_,
                    const std::string& pdf, const std::string& html, const std::string& now) {
  md::letter_document_facts f;
  f.id = document_id(letter.id);
  f.letter_id = std::to_string(letter.id);
  f.patient_id = store::audit_table::patient_id_of_child(tx, letter.child_id);
  f.patient = request.patient;
  f.child_name = md::child_display_name(record);
  f.signed_ = signed_;
  f.date = now;
  f.kind = request.kind;
  f.title = md::letter_title(request.kind);
  const auto* school = config.find_school_by_id(letter.school_id);
  f.school_name = school != nullptr ? school->name : letter.school_id;
  f.signer_npi = request.signer.value;
  if (signer != nullptr && signer->clinician)
    f.signer_name = signer->clinician->name +
                    (signer->clinician->credentials.empty() ? "" : ", " + signer->clinician->credentials);
  const auto* home = config.find_medical_home(tx.child_home(letter.child_id));
  if (home != nullptr) {
    f.practice_name = home->letterhead.name;
    for (const auto& i : home->organization_identifiers)
      f.practice_identifiers.push_back({i.system, i.value});
  }
  f.consent_id = letter.consent_id ? std::to_string(*letter.consent_id) : std::string();
  f.pdf = pdf;
  f.html = html;
  auto json = md::build_letter_document(f);
  rapidjson::Document doc;
  if (fhir::parse_json(json, doc)) return;
  auto hash = static_cast<std::int64_t>(std::hash<std::string>{}(json)&0x7fffffffffffffffLL);
  auto before = tx.indexed_version("DocumentReference", f.id);
  if (before && before->content_hash == hash) return;
  store::indexed_write w;
  w.row.type = "DocumentReference";
  w.row.id = f.id;
  w.row.child_id = letter.child_id;
  w.row.patient_id = f.patient_id;
  w.row.status = "current";
  w.row.version = before ? before->version + 1 : 1;
  w.row.last_updated_ms = store::now_ms();
  auto& a = doc.GetAllocator();
  rapidjson::Value meta(rapidjson::kObjectType);
  meta.AddMember("versionId", rapidjson::Value(std::to_string(w.row.version).c_str(), a), a);
  meta.AddMember("lastUpdated", rapidjson::Value(fhir::format_instant(w.row.last_updated_ms).c_str(), a), a);
  doc.AddMember("meta", meta, a);
  w.row.json = fhir::to_json(doc);
  w.content_hash = hash;
  w.values = api::extract_search_values("DocumentReference", doc);
  tx.put_indexed(w, before ? std::optional<std::int64_t>(before->seq) : std::nullopt);
}

// The care coordinator is told of a letter that will not go, as an urgent Task in the child's record.
void add_coordinator_task(child_state& child, std::int64_t letter_id, const std::string& now,
                          std::string text) {
  model::action_item item;
  item.key = {std::string(action_item_system), "school-letter-cancelled|" + std::to_string(letter_id)};
  for (const auto& a : child.record.actions)
    if (a.key == item.key) return;
  item.type = "review_school_letter";
  item.owner_role = "care_coordinator";
  item.due = now.substr(0, 10);
  item.priority = "urgent";
  item.description = std::move(text);
  item.rule = "disclosure-gate";
  item.created = now;
  child.record.actions.push_back(std::move(item));
}

md::audit_facts facts_for(const config::gateway_config& config, const config::school& school,
                          const md::letter_request& req, std::int64_t letter_id, const std::string& now) {
  md::audit_facts f;
  f.recorded = now;
  f.purpose = req.purpose;
  f.patient = req.patient;
  f.school = req.school;
  f.school_name = school.name;
  f.school_url = school.fhir_base_url;
  f.gateway_url = config.server.public_base_url;
  f.letter_id = std::to_string(letter_id);
  return f;
}

void audit(store::write_tx& tx, std::int64_t child_id, std::int64_t letter_id, md::audit_facts facts,
           const std::vector<md::authorization>& auths) {
  if (const auto* a = find_authorization(auths, facts.consent_id)) {
    facts.grantor = a->grantor;
    facts.grantor_display = a->grantor_display;
  }
  audit::record(tx, md::letter_audit_record(facts), {child_id, letter_id});
}

}  // namespace

std::optional<child_state> load_child(store::write_tx& tx, const model::identifier& key) {
  auto found = tx.find_child({{key.system, key.value}});
  if (!found) return std::nullopt;
  auto record = model::decode(found->second);
  if (!record) return std::nullopt;
  return child_state{found->first, std::move(*record)};
}

std::optional<child_state> load_child_by_id(store::write_tx& tx, std::int64_t child_id) {
  auto stored = tx.child_record(child_id);
  if (!stored) return std::nullopt;
  auto record = model::decode(*stored);
  if (!record) return std::nullopt;
  return child_state{child_id, std::move(*record)};
}

void save_child(store::write_tx& tx, const config::gateway_config& config, child_state& child,
                child::save_kind why) {
  auto now = store::now_ms();
  auto prepared = child::prepare_child(child.record, config, now, "rules");
  child::save_cause cause;
  cause.kind = why;
  (void)child::save_child(tx, child.id, prepared, cause, now);
}

std::vector<md::authorization> authorizations_of(store::write_tx& tx, std::int64_t child_id) {
  std::vector<md::authorization> out;
  for (const auto& row : store::consent_table::of_child(tx, child_id)) {
    rapidjson::Document doc;
    if (fhir::parse_json(row.body, doc)) continue;
    auto a = md::authorization_from_consent(doc, std::to_string(row.id));
    if (a.value) {
      a.value->status = row.status;  // the stored status is the one in force
      out.push_back(std::move(*a.value));
    }
  }
  return out;
}

std::vector<model::identifier> school_identifiers(const config::school& school) {
  std::vector<model::identifier> out;
  for (const auto& id : school.organization_identifiers) out.push_back({id.system, id.value});
  return out;
}

request_outcome request_letter(store::write_tx& tx, child_state& child, const config::gateway_config& config,
                               const config::school& school, const md::letter_request& request,
                               const std::string& request_body, const std::string& now,
                               const step_actor& actor) {
  auto auths = authorizations_of(tx, child.id);
  request_outcome out;
  out.decision = md::decide(request, school_identifiers(school), auths, child.record, now);
  store::letter_row row;
  row.child_id = child.id;
  row.school_id = school.id;
  row.kind = request.kind;
  row.request = request_body;
  row.channel = !request.channel.empty()  ? request.channel
                : school.channels.empty() ? std::string("fhir")
                                          : std::string(config::to_string(school.channels.front().kind));
  row.status = out.decision.allowed ? letter_status::draft : letter_status::blocked;
  if (!out.decision.allowed)
    row.reason = std::string(md::to_string(out.decision.reason)) + ": " + out.decision.detail;
  if (!out.decision.consent_id.empty()) row.consent_id = std::stoll(out.decision.consent_id);
  row.next_attempt_ms = store::now_ms();
  row.created_at = now;
  out.letter_id = letter_table::insert(tx, row);
  auto id = std::to_string(out.letter_id);
  if (out.decision.allowed) {
    add_event(child, now, "SchoolLetterRequested",
              "letter " + id + " (" + request.kind + ") to " + school.name + " by " + row.channel +
                  ", signer NPI " + request.signer.value,
              actor_of(actor));
    add_event(child, now, "SchoolLetterDrafted",
              "letter " + id + " drafted under Consent/" + out.decision.consent_id +
                  "; waiting for the signing clinician's approval");
    audit_step(tx, child.id, out.letter_id, actor, "requested", request.patient,
               request.kind + " letter to " + school.name, now);
    audit_step(tx, child.id, out.letter_id, gateway_actor(config), "drafted", request.patient,
               "under Consent/" + out.decision.consent_id + ", waiting for approval", now);
  } else {
    add_event(child, now, "SchoolLetterBlocked", "letter " + id + " to " + school.name + ": " + row.reason,
              actor_of(actor));
    auto facts = facts_for(config, school, request, out.letter_id, now);
    facts.outcome_desc = "blocked: " + row.reason;
    facts.consent_id = out.decision.consent_id;
    audit(tx, child.id, out.letter_id, std::move(facts), auths);
  }
  save_child(tx, config, child, child::save_kind::letter);
  return out;
}

std::optional<std::int64_t> letter_child(store::write_tx& tx, std::int64_t letter_id) {
  auto letter = letter_table::find(tx, letter_id);
  if (!letter) return std::nullopt;
  return letter->child_id;
}

namespace {
// The draft `letter_id`, waiting for its signer's approval; otherwise nullopt with the answer's status
// (404 no such letter, 409 not a draft) and why.
std::optional<store::letter_row> find_draft(store::write_tx& tx, std::int64_t letter_id, int& status,
                                            std::string& problem) {
  auto letter = letter_table::find(tx, letter_id);
  if (!letter) {
    status = 404;
    problem = "no school letter " + std::to_string(letter_id);
  } else if (letter->status != letter_status::draft) {
    status = 409;
    problem = "school letter " + std::to_string(letter_id) + " is " +
              std::string(store::to_string(letter->status)) + ", not a draft waiting for approval";
    letter.reset();
  }
  return letter;
}
}  // namespace

compose_outcome compose_letter(store::write_tx& tx, const config::gateway_config& config,
                               std::int64_t letter_id, const config::client* approver,
                               const std::string& approved_request, const std::string& now) {
  compose_outcome out;
  auto letter = find_draft(tx, letter_id, out.status, out.problem);
  if (!letter) return out;
  const auto* school = config.find_school_by_id(letter->school_id);
  auto request = parse_request(approved_request.empty() ? letter->request : approved_request);
  auto child = load_child_by_id(tx, letter->child_id);
  if (school == nullptr || !request || !child) {
    out.status = 409;
    out.problem = "the letter's school, request or record cannot be read";
    return out;
  }
  auto auths = authorizations_of(tx, child->id);
  auto decision = md::decide(*request, school_identifiers(*school), auths, child->record, now);
  if (!decision.allowed) {
    out.status = 422;
    out.reason = std::string(md::to_string(decision.reason));
    out.problem = out.reason + ": " + decision.detail;
    return out;
  }
  const auto* permit = find_authorization(auths, decision.consent_id);
  md::letter_context ctx;
  const auto* home = config.find_medical_home(tx.child_home(child->id));
  if (home != nullptr) {
    const auto& h = home->letterhead;
    ctx.head = {h.name, h.address_lines, h.phone, h.fax, h.email, h.website};
  }
  ctx.school_name = school->name;
  ctx.letter_id = std::to_string(letter_id);
  ctx.now = now;
  const auto* signer = approver != nullptr ? approver : clinician_client(config, request->signer.value);
  if (signer != nullptr && signer->clinician) {
    const auto& c = *signer->clinician;
    ctx.signer = {c.name, c.credentials, c.npi, c.phone, c.email, {}};
  } else {
    ctx.signer.npi = request->signer.value;
    for (const auto& t : child->record.team)
      if (t.key == request->signer) {
        ctx.signer.name = !t.name.text.empty()
                              ? t.name.text
                              : (t.name.given.empty() ? "" : t.name.given[0] + " ") + t.name.family;
      }
  }
  if (approver != nullptr) ctx.signer.signed_at = now;
  out.content = md::compose_letter(*request, *permit, child->record, ctx);
  out.sections = md::letter_sections(*request, *permit);
  out.stored_request = letter->request;
  return out;
}

void keep_draft_rendering(store::write_tx& tx, const config::gateway_config& config, std::int64_t letter_id,
                          const std::string& pdf, const std::string& html, const std::string& now) {
  auto letter = letter_table::find(tx, letter_id);
  if (!letter || letter->status != letter_status::draft) return;
  auto request = parse_request(letter->request);
  auto child = load_child_by_id(tx, letter->child_id);
  if (!request || !child) return;
  letter_table::set_rendering(tx, letter_id, md::base64_of(pdf), html);
  index_document(tx, config, *letter, *request, child->record,
                 clinician_client(config, request->signer.value), false, pdf, html, now);
}

approve_outcome approve_letter(store::write_tx& tx, const config::gateway_config& config,
                               std::int64_t letter_id, const config::client& approver,
                               const std::string& approved_request, const std::string& pdf,
                               const std::string& html, const std::string& now, const step_actor& actor) {
  approve_outcome out;
  auto letter = find_draft(tx, letter_id, out.status, out.problem);
  if (!letter) return out;
  const auto* school = config.find_school_by_id(letter->school_id);
  auto request = parse_request(approved_request);
  auto child = load_child_by_id(tx, letter->child_id);
  if (school == nullptr || !request || !child) {
    out.status = 409;
    out.problem = "the letter's school, request or record cannot be read";
    return out;
  }
  auto id = std::to_string(letter_id);
  auto auths = authorizations_of(tx, child->id);
  auto decision = md::decide(*request, school_identifiers(*school), auths, child->record, now);
  if (!decision.allowed) {
    out.status = 422;
    out.reason = std::string(md::to_string(decision.reason));
    out.problem = out.reason + ": " + decision.detail;
    letter_table::update(tx, letter_id, letter_status::cancelled, "checked again at approval: " + out.problem,
                         now);
    auto facts = facts_for(config, *school, *request, letter_id, now);
    facts.outcome_desc = "cancelled at approval: " + out.problem;
    facts.consent_id = decision.consent_id;
    audit(tx, child->id, letter_id, std::move(facts), auths);
    add_event(*child, now, "SchoolLetterCancelled",
              "letter " + id + " to " + school->name + " at approval: " + out.problem, actor_of(actor));
    add_coordinator_task(*child, letter_id, now,
                         "The " + request->kind + " letter to " + school->name +
                             " was cancelled at approval (" + out.problem + "). Talk with the family.");
    save_child(tx, config, *child, child::save_kind::letter);
    return out;
  }
  letter_table::set_consent(tx, letter_id, std::stoll(decision.consent_id));
  letter->consent_id = std::stoll(decision.consent_id);
  letter_table::approve(tx, letter_id, approver.id, now, approved_request, store::now_ms());
  letter_table::set_rendering(tx, letter_id, md::base64_of(pdf), html);
  index_document(tx, config, *letter, *request, child->record, &approver, true, pdf, html, now);
  const auto& who = approver.clinician ? approver.clinician->name : approver.id;
  add_event(*child, now, "SchoolLetterApproved",
            "letter " + id + " approved and signed by " + who + " (NPI " + request->signer.value + ")",
            actor_of(actor));
  add_event(*child, now, "SchoolLetterQueued",
            "letter " + id + " queued for " + school->name + " by " + letter->channel);
  audit_step(tx, child->id, letter_id, actor, "approved", request->patient, "signed by " + who, now);
  audit_step(tx, child->id, letter_id, gateway_actor(config), "queued", request->patient,
             "for " + school->name + " by " + letter->channel, now);
  save_child(tx, config, *child, child::save_kind::letter);
  out.document_id = document_id(letter_id);
  return out;
}

cancel_outcome cancel_letter(store::write_tx& tx, const config::gateway_config& config,
                             std::int64_t letter_id, const std::string& reason, const std::string& now,
                             const step_actor& actor) {
  cancel_outcome out;
  auto letter = letter_table::find(tx, letter_id);
  if (!letter) {
    out.status = 404;
    out.problem = "no school letter " + std::to_string(letter_id);
    return out;
  }
  if (letter->status != letter_status::draft && letter->status != letter_status::queued &&
      letter->status != letter_status::retrying) {
    out.status = 409;
    out.problem = "school letter " + std::to_string(letter_id) + " is " +
                  std::string(store::to_string(letter->status)) +
                  ": only a draft or a letter not yet sent can be cancelled";
    return out;
  }
  auto child = load_child_by_id(tx, letter->child_id);
  auto request = parse_request(letter->request);
  auto why = "cancelled by " + (actor.client.id.empty() ? std::string("the gateway") : actor.client.id) +
             (reason.empty() ? "" : ": " + reason);
  letter_table::update(tx, letter_id, letter_status::cancelled, why, now);
  if (child && request) {
    add_event(*child, now, "SchoolLetterCancelled", "letter " + std::to_string(letter_id) + " " + why,
              actor_of(actor));
    audit_step(tx, child->id, letter_id, actor, "cancelled", request->patient, reason, now);
    save_child(tx, config, *child, child::save_kind::letter);
  }
  return out;
}

claim_outcome claim_letter(store::write_tx& tx, const config::gateway_config& config, std::int64_t letter_id,
                           const std::string& now) {
  claim_outcome out;
  auto letter = letter_table::find(tx, letter_id);
  if (!letter || !store::is_pending(letter->status)) {
    out.reason = "no longer pending";
    return out;
  }
  const auto* school = config.find_school_by_id(letter->school_id);
  auto request = parse_request(letter->approved_request.empty() ? letter->request : letter->approved_request);
  auto child = load_child_by_id(tx, letter->child_id);
  const config::letter_channel* channel = nullptr;
  static const config::letter_channel fhir_channel{};  // a school configured without channels
  if (school != nullptr) {
    for (const auto& c : school->channels)
      if (config::to_string(c.kind) == letter->channel) channel = &c;
    if (school->channels.empty() && letter->channel == "fhir") channel = &fhir_channel;
  }
  if (school == nullptr || channel == nullptr || !request || !child || letter->approved_at.empty()) {
    out.reason = school == nullptr             ? "school '" + letter->school_id + "' is no longer configured"
                 : channel == nullptr          ? "the school has no " + letter->channel + " channel any more"
                 : letter->approved_at.empty() ? std::string("the letter was never approved")
                                               : "the stored request or record cannot be read";
    letter_table::update(tx, letter_id, letter_status::dead, out.reason, now);
    return out;
  }
  auto auths = authorizations_of(tx, child->id);
  auto decision = md::decide(*request, school_identifiers(*school), auths, child->record, now);
  if (!decision.allowed) {
    out.reason = std::string(md::to_string(decision.reason)) + ": " + decision.detail;
    letter_table::update(tx, letter_id, letter_status::cancelled,
                         "checked again before sending: " + out.reason, now);
    auto facts = facts_for(config, *school, *request, letter_id, now);
    facts.outcome_desc = "cancelled before sending: " + out.reason;
    facts.consent_id = decision.consent_id;
    audit(tx, child->id, letter_id, std::move(facts), auths);
    add_event(*child, now, "SchoolLetterCancelled",
              "letter " + std::to_string(letter_id) + " to " + school->name + ": " + out.reason);
    add_coordinator_task(*child, letter_id, now,
                         "The " + request->kind + " letter to " + school->name +
                             " was cancelled before sending (" + out.reason + "). Talk with the family.");
    save_child(tx, config, *child, child::save_kind::letter);
    return out;
  }
  out.channel = channel->kind;
  out.pdf = md::decode_base64(letter->pdf_base64);
  out.html = letter->html;
  const std::string* document = nullptr;
  if (channel->kind == config::letter_channel_kind::fhir) {
    const auto* permit = find_authorization(auths, decision.consent_id);
    out.document = md::build_school_letter(*request, *permit, child->record,
                                           {school->name, request->school, std::to_string(letter_id), now});
    out.school_url = school->fhir_base_url + "/Bundle";
    document = &out.document;
  } else if (channel->kind == config::letter_channel_kind::email) {
    const auto* home = config.find_medical_home(tx.child_home(child->id));
    out.subject = md::letter_title(request->kind) + " from " +
                  (home != nullptr ? home->letterhead.name : std::string("the medical home")) + " (letter " +
                  std::to_string(letter_id) + ")";
    out.filename = "letter-" + std::to_string(letter_id) + "-" + request->kind + ".pdf";
    out.to = channel->to;
    out.certificate_file = channel->certificate_file;
    if (out.pdf.empty()) {
      out.reason = "the signed PDF is missing";
      letter_table::update(tx, letter_id, letter_status::dead, out.reason, now);
      return out;
    }
  }
  out.send = true;
  letter_table::set_consent(tx, letter_id, std::stoll(decision.consent_id));
  letter_table::update(tx, letter_id, letter_status::sending, "", now, false, letter->next_attempt_ms,
                       document);
  return out;
}

void finish_letter(store::write_tx& tx, const config::gateway_config& config, std::int64_t letter_id,
                   letter_status status, const std::string& detail, const std::string& response,
                   std::int64_t next_attempt_ms, const std::string& now) {
  const bool sent = status == letter_status::sent;
  letter_table::update(tx, letter_id, status, sent ? "" : detail, now, true, next_attempt_ms, nullptr,
                       &response);
  if (!sent) return;
  auto letter = letter_table::find(tx, letter_id);
  const auto* school = letter ? config.find_school_by_id(letter->school_id) : nullptr;
  auto request =
      letter ? parse_request(letter->approved_request.empty() ? letter->request : letter->approved_request)
             : std::nullopt;
  auto child = letter ? load_child_by_id(tx, letter->child_id) : std::nullopt;
  if (!letter || school == nullptr || !request || !child) return;
  auto auths = authorizations_of(tx, child->id);
  auto facts = facts_for(config, *school, *request, letter_id, now);
  facts.disclosed = true;
  facts.consent_id = letter->consent_id ? std::to_string(*letter->consent_id) : std::string();
  std::string sections;
  const auto* permit = find_authorization(auths, facts.consent_id);
  if (permit != nullptr)
    for (auto c : md::letter_sections(*request, *permit))
      sections += (sections.empty() ? "" : ", ") + std::string(md::to_string(c));
  std::string to = school->name;
  auto record = md::letter_audit_record(facts);
  if (const auto* a = find_authorization(auths, facts.consent_id)) {
    record.authorizer = a->grantor;
    record.authorizer_display = a->grantor_display;
  }
  if (letter->channel == "hand_carry") {
    // The family carries the letter: disclosed to the parent with legal authority who signed the Consent.
    to = permit != nullptr && !permit->grantor_display.empty() ? permit->grantor_display : "the parent";
    record.recipient = {};
    record.recipient.kind = "parent";
    record.recipient.name = to;
    record.recipient.identifier = permit != nullptr ? permit->grantor : model::identifier{};
    record.recipient.id = record.recipient.identifier.value;
  } else if (letter->channel == "email") {
    if (const auto* ch = school->find_channel(config::letter_channel_kind::email)) {
      std::string addresses;
      for (const auto& t : ch->to) addresses += (addresses.empty() ? "" : ",") + t;
      record.recipient.address = "mailto:" + addresses;
    }
  }
  record.outcome_desc =
      request->kind + " letter sent by " + letter->channel + " to " + to + " with sections: " + sections;
  audit::record(tx, record, {child->id, letter_id});
  add_event(*child, now, "SchoolLetterSent",
            "letter " + std::to_string(letter_id) + " to " + to + " by " + letter->channel + " (" + sections +
                ") under Consent/" + (letter->consent_id ? std::to_string(*letter->consent_id) : ""));
  save_child(tx, config, *child, child::save_kind::letter);
}

void remind(store::write_tx& tx, const config::gateway_config& config, std::int64_t letter_id,
            const std::string& now) {
  auto letter = letter_table::find(tx, letter_id);
  if (!letter || letter->status != letter_status::draft || letter->reminded) return;
  auto request = parse_request(letter->request);
  auto child = load_child_by_id(tx, letter->child_id);
  letter_table::set_reminded(tx, letter_id);
  if (!request || !child) return;
  const auto* school = config.find_school_by_id(letter->school_id);
  model::action_item item;
  item.key = {std::string(action_item_system), "school-letter-approval|" + std::to_string(letter_id)};
  item.type = "approve_school_letter";
  item.owner_role = "pcp";
  item.due = now.substr(0, 10);
  item.priority = "routine";
  item.description = "The " + md::letter_title(request->kind) + " to " +
                     (school != nullptr ? school->name : letter->school_id) + " (letter " +
                     std::to_string(letter_id) + ", requested " + letter->created_at +
                     ") waits for approval by the signing clinician (NPI " + request->signer.value +
                     "): POST $school-letter-approve, or $school-letter-cancel.";
  item.rule = "school-letter-approval";
  item.created = now;
  child->record.actions.push_back(std::move(item));
  add_event(*child, now, "SchoolLetterReminder",
            "letter " + std::to_string(letter_id) + " still waits for approval: a Task for the signer");
  audit_step(tx, child->id, letter_id, gateway_actor(config), "reminded", request->patient,
             "a Task for the signing clinician", now);
  save_child(tx, config, *child, child::save_kind::letter);
}

std::vector<std::string> revoke(store::write_tx& tx, const config::gateway_config& config,
                                std::int64_t consent_id, const std::string& now) {
  std::vector<std::string> notes;
  auto consent = store::consent_table::find(tx, consent_id);
  if (!consent) return notes;
  auto child = load_child_by_id(tx, consent->child_id);
  if (!child) return notes;
  auto auths = authorizations_of(tx, child->id);
  add_event(*child, now, "AuthorizationRevoked",
            "Consent/" + std::to_string(consent_id) + " is now " + consent->status);
  for (const auto& letter : letter_table::of_consent(tx, consent_id)) {
    const auto* school = config.find_school_by_id(letter.school_id);
    std::string school_name = school != nullptr ? school->name : letter.school_id;
    auto id = std::to_string(letter.id);
    if (letter.status == letter_status::draft || letter.status == letter_status::queued ||
        letter.status == letter_status::retrying) {
      auto reason = "Consent/" + std::to_string(consent_id) + " was revoked (status " + consent->status +
                    ") before the letter was sent";
      letter_table::update(tx, letter.id, letter_status::cancelled, reason, now);
      if (school != nullptr) {
        if (auto request = parse_request(letter.request)) {
          auto facts = facts_for(config, *school, *request, letter.id, now);
          facts.outcome_desc = "cancelled: " + reason;
          facts.consent_id = std::to_string(consent_id);
          audit(tx, child->id, letter.id, std::move(facts), auths);
        }
      }
      add_event(*child, now, "SchoolLetterCancelled", "letter " + id + " to " + school_name + ": " + reason);
      add_coordinator_task(*child, letter.id, now,
                           "The " + letter.kind + " letter to " + school_name +
                               " was cancelled: the family revoked its authorization. Talk with the family.");
      notes.push_back("letter " + id + " to " + school_name + " cancelled: it had not been sent");
    } else if (letter.status == letter_status::sent || letter.status == letter_status::sending) {
      auto note = "letter " + id + " to " + school_name + " was " +
                  (letter.status == letter_status::sent ? "sent on " + letter.sent_at
                                                        : std::string("already being sent")) +
                  " in reliance on the authorization; it is not recalled (45 CFR 164.508(b)(5)); no further "
                  "letters go under this authorization";
      add_event(*child, now, "DisclosedInReliance", note);
      notes.push_back(note);
    }
  }
  save_child(tx, config, *child, child::save_kind::consent);
  return notes;
}

}  // namespace homebase::gateway::disclosure
