#include "gateway/disclosure/letter_workflow.hpp"

#include "fhir/json_document.hpp"
#include "gateway/audit/audit_trail.hpp"
#include "gateway/store/consent_table.hpp"
#include "gateway/store/letter_table.hpp"
#include "mappers/disclosure/disclosure_audit.hpp"
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

void add_event(child_state& child, const std::string& now, std::string kind, std::string detail) {
  child.record.events.push_back({now, std::move(kind), "disclosure", {}, std::move(detail)});
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
                               const std::string& request_body, const std::string& now) {
  auto auths = authorizations_of(tx, child.id);
  request_outcome out;
  out.decision = md::decide(request, school_identifiers(school), auths, child.record, now);
  store::letter_row row;
  row.child_id = child.id;
  row.school_id = school.id;
  row.kind = request.kind;
  row.request = request_body;
  row.status = out.decision.allowed ? letter_status::queued : letter_status::blocked;
  if (!out.decision.allowed)
    row.reason = std::string(md::to_string(out.decision.reason)) + ": " + out.decision.detail;
  if (!out.decision.consent_id.empty()) row.consent_id = std::stoll(out.decision.consent_id);
  row.next_attempt_ms = store::now_ms();
  row.created_at = now;
  out.letter_id = letter_table::insert(tx, row);
  if (out.decision.allowed) {
    add_event(child, now, "SchoolLetterRequested",
              "letter " + std::to_string(out.letter_id) + " (" + request.kind + ") to " + school.name +
                  " queued under Consent/" + out.decision.consent_id);
  } else {
    add_event(child, now, "SchoolLetterBlocked",
              "letter " + std::to_string(out.letter_id) + " to " + school.name + ": " + row.reason);
    auto facts = facts_for(config, school, request, out.letter_id, now);
    facts.outcome_desc = "blocked: " + row.reason;
    facts.consent_id = out.decision.consent_id;
    audit(tx, child.id, out.letter_id, std::move(facts), auths);
  }
  save_child(tx, config, child, child::save_kind::letter);
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
  auto request = parse_request(letter->request);
  auto child = load_child_by_id(tx, letter->child_id);
  if (school == nullptr || !request || !child) {
    out.reason = school == nullptr ? "school '" + letter->school_id + "' is no longer configured"
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
  const auto* permit = find_authorization(auths, decision.consent_id);
  out.document = md::build_school_letter(*request, *permit, child->record,
                                         {school->name, request->school, std::to_string(letter_id), now});
  out.school_url = school->fhir_base_url + "/Bundle";
  out.send = true;
  letter_table::set_consent(tx, letter_id, std::stoll(decision.consent_id));
  letter_table::update(tx, letter_id, letter_status::sending, "", now, false, letter->next_attempt_ms,
                       &out.document);
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
  auto request = letter ? parse_request(letter->request) : std::nullopt;
  auto child = letter ? load_child_by_id(tx, letter->child_id) : std::nullopt;
  if (!letter || school == nullptr || !request || !child) return;
  auto auths = authorizations_of(tx, child->id);
  auto facts = facts_for(config, *school, *request, letter_id, now);
  facts.disclosed = true;
  facts.consent_id = letter->consent_id ? std::to_string(*letter->consent_id) : std::string();
  std::string sections;
  if (const auto* permit = find_authorization(auths, facts.consent_id))
    for (auto c : md::letter_sections(*request, *permit))
      sections += (sections.empty() ? "" : ", ") + std::string(md::to_string(c));
  facts.outcome_desc = request->kind + " letter sent with sections: " + sections;
  audit(tx, child->id, letter_id, std::move(facts), auths);
  add_event(*child, now, "SchoolLetterSent",
            "letter " + std::to_string(letter_id) + " to " + school->name + " (" + sections +
                ") under Consent/" + (letter->consent_id ? std::to_string(*letter->consent_id) : ""));
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
    if (letter.status == letter_status::queued || letter.status == letter_status::retrying) {
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
