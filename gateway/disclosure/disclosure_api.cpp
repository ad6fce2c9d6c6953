#include "gateway/disclosure/disclosure_api.hpp"

#include <rapidjson/document.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "fhir/fhir_time.hpp"
#include "fhir/json_document.hpp"
#include "gateway/audit/audit_trail.hpp"
#include "gateway/disclosure/letter_workflow.hpp"
#include "gateway/letters/letter_html.hpp"
#include "gateway/letters/letter_pdf.hpp"
#include "gateway/store/consent_table.hpp"
#include "gateway/store/letter_table.hpp"
#include "gateway/store/store_awaitable.hpp"
#include "mappers/disclosure/authorization.hpp"
#include "mappers/disclosure/letter_request.hpp"
#include "mappers/disclosure/school_letter.hpp"

namespace homebase::gateway::disclosure {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace md = mappers::disclosure;
namespace model = mappers::model;
using fhir::issue_severity;

namespace {

constexpr std::string_view consent_prefix = "/fhir/Consent/";

bool parse_id(std::string_view text, std::int64_t& id) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  return ec == std::errc() && p == text.data() + text.size() && id > 0;
}

bool is_school_letter_path(std::string_view path, std::string_view op = "school-letter") {
  return path == "/fhir/$" + std::string(op) || path == "/fhir/%24" + std::string(op);
}

// The letter a Parameters names: `letter` as valueIdentifier (as $school-letter answers it) or valueString.
std::int64_t letter_param(const rapidjson::Value& params) {
  auto it = params.FindMember("parameter");
  if (it == params.MemberEnd() || !it->value.IsArray()) return 0;
  for (const auto& p : it->value.GetArray()) {
    if (!p.IsObject() || !p.HasMember("name") || std::string_view(p["name"].GetString()) != "letter")
      continue;
    std::string_view text;
    if (auto v = p.FindMember("valueIdentifier"); v != p.MemberEnd() && v->value.IsObject() &&
                                                  v->value.HasMember("value") && v->value["value"].IsString())
      text = v->value["value"].GetString();
    else if (auto s = p.FindMember("valueString"); s != p.MemberEnd() && s->value.IsString())
      text = s->value.GetString();
    std::int64_t id = 0;
    if (parse_id(text, id)) return id;
  }
  return 0;
}

// The valueString parameters of a Parameters other than `letter`, in order.
std::vector<std::pair<std::string, std::string>> text_params(const rapidjson::Value& params) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = params.FindMember("parameter");
  if (it == params.MemberEnd() || !it->value.IsArray()) return out;
  for (const auto& p : it->value.GetArray()) {
    if (!p.IsObject() || !p.HasMember("name") || !p["name"].IsString()) continue;
    std::string name = p["name"].GetString();
    if (name == "letter") continue;
    auto v = p.FindMember("valueString");
    out.emplace_back(name, v != p.MemberEnd() && v->value.IsString() ? v->value.GetString() : std::string());
  }
  return out;
}

// The data class whose free text a parameter edits.
std::optional<md::data_class> edited_class(std::string_view name) {
  if (name == "functional-impact") return md::data_class::functional_impact;
  if (name == "accommodations") return md::data_class::accommodations;
  if (name == "emergency-plan") return md::data_class::emergency_plan;
  if (name == "immunizations") return md::data_class::immunizations;
  return std::nullopt;
}

// The stored request with the clinician's edits: each edited parameter's valueString replaced (or added).
std::string with_edits(const std::string& stored,
                       const std::vector<std::pair<std::string, std::string>>& edits) {
  rapidjson::Document doc;
  if (fhir::parse_json(stored, doc) || !doc.IsObject() || !doc.HasMember("parameter")) return stored;
  auto& a = doc.GetAllocator();
  auto& list = doc["parameter"];
  for (const auto& [name, text] : edits) {
    bool replaced = false;
    for (auto& p : list.GetArray())
      if (p.HasMember("name") && name == p["name"].GetString() && p.HasMember("valueString")) {
        p["valueString"].SetString(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), a);
        replaced = true;
      }
    if (!replaced) {
      rapidjson::Value p(rapidjson::kObjectType);
      p.AddMember("name", rapidjson::Value(name.c_str(), a), a);
      p.AddMember("valueString", rapidjson::Value(text.c_str(), a), a);
      list.PushBack(p, a);
    }
  }
  return fhir::to_json(doc);
}

// 200 Parameters {letter, status[, document]}.
http::response letter_answer(std::int64_t letter_id, std::string_view status, const std::string& document,
                             const std::string& consent = {}) {
  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  out.AddMember("resourceType", "Parameters", a);
  rapidjson::Value params(rapidjson::kArrayType);
  auto add = [&](const char* name, const char* type, rapidjson::Value v) {
    rapidjson::Value p(rapidjson::kObjectType);
    p.AddMember("name", rapidjson::StringRef(name), a);
    p.AddMember(rapidjson::StringRef(type), v, a);
    params.PushBack(p, a);
  };
  auto letter = std::to_string(letter_id);
  rapidjson::Value ident(rapidjson::kObjectType);
  ident.AddMember(
      "system", rapidjson::StringRef(md::school_letter_id_system.data(), md::school_letter_id_system.size()),
      a);
  ident.AddMember("value", rapidjson::Value(letter.c_str(), a), a);
  add("letter", "valueIdentifier", std::move(ident));
  add("status", "valueCode", rapidjson::Value(std::string(status).c_str(), a));
  if (!consent.empty())
    add("authorization", "valueString", rapidjson::Value(("Consent/" + consent).c_str(), a));
  if (!document.empty()) {
    rapidjson::Value ref(rapidjson::kObjectType);
    ref.AddMember("reference", rapidjson::Value(("DocumentReference/" + document).c_str(), a), a);
    add("document", "valueReference", std::move(ref));
  }
  out.AddMember("parameter", params, a);
  auto res = http::make_response(bhttp::status::ok, fhir::to_json(out), http::fhir_json);
  res.set(bhttp::field::location, "/admin/school-letters/" + letter);
  return res;
}

struct rendering {
  bool ok = false;
  std::string pdf, html, error;
};

// Lays `content` out as PDF and HTML (gateway/letters); runs on the render pool.
void render(const md::letter_content& content, rendering& out) {
  auto pdf = letters::render_pdf(content);
  if (!pdf) {
    out.error = pdf.error();
    return;
  }
  out.pdf = std::move(*pdf);
  out.html = letters::render_html(content);
  out.ok = true;
}

http::response not_allowed(std::string_view allow, std::string_view path) {
  auto res =
      http::make_error(bhttp::status::method_not_allowed, "not-supported",
                       "method not allowed on " + std::string(path) + "; allowed: " + std::string(allow));
  res.set(bhttp::field::allow, allow);
  return res;
}

// Parses and validates a body as an R4 resource of `type`; on failure `error` is the answer.
bool read_resource(const http::request& req, std::string_view type, const fhir::validator& validator,
                   std::size_t max_depth, rapidjson::Document& doc, std::optional<http::response>& error) {
  if (!http::is_fhir_json(req[bhttp::field::content_type])) {
    error = http::make_error(bhttp::status::unsupported_media_type, "not-supported",
                             "expected Content-Type application/fhir+json");
    return false;
  }
  if (auto e = fhir::parse_json(req.body(), doc, {max_depth})) {
    error = http::make_error(bhttp::status::bad_request, "structure",
                             "malformed JSON at byte " + std::to_string(e->offset) + ": " + e->message);
    return false;
  }
  if (!doc.IsObject()) {
    error = http::make_error(bhttp::status::bad_request, "structure", "the body must be a JSON object");
    return false;
  }
  fhir::operation_outcome outcome;
  validator.validate(doc, outcome, {}, type);
  if (outcome.has_errors()) {
    fhir::operation_outcome errors;
    for (const auto& i : outcome.issues())
      if (i.severity == issue_severity::error || i.severity == issue_severity::fatal) errors.add(i);
    error = http::make_outcome(bhttp::status::unprocessable_entity, errors);
    return false;
  }
  return true;
}

// The stored Consent with the gateway's id and version.
std::string consent_json(const store::consent_row& row) {
  rapidjson::Document doc;
  if (fhir::parse_json(row.body, doc) || !doc.IsObject()) return row.body;
  auto id = std::to_string(row.id);
  doc.RemoveMember("id");
  doc.RemoveMember("meta");
  rapidjson::Document out(rapidjson::kObjectType);
  auto& oa = out.GetAllocator();
  out.AddMember("resourceType", "Consent", oa);
  out.AddMember("id", rapidjson::Value(id.c_str(), oa), oa);
  rapidjson::Value meta(rapidjson::kObjectType);
  meta.AddMember("versionId", rapidjson::Value(std::to_string(row.version).c_str(), oa), oa);
  out.AddMember("meta", meta, oa);
  for (auto& m : doc.GetObject()) {
    if (std::string_view(m.name.GetString()) == "resourceType") continue;
    out.AddMember(rapidjson::Value(m.name, oa), rapidjson::Value(m.value, oa), oa);
  }
  return fhir::to_json(out);
}

}  // namespace

disclosure_api::disclosure_api(config::config_ptr config, store::sqlite_store& store,
                               std::function<void()> letter_queued)
    : config_(std::move(config)), store_(store), letter_queued_(std::move(letter_queued)) {}

bool disclosure_api::owns(std::string_view path) {
  std::int64_t id = 0;
  // Only Consent/{number}: Consent/$validate and the like stay with the other routes.
  bool consent_instance =
      path.starts_with(consent_prefix) && parse_id(path.substr(consent_prefix.size()), id);
  // GET /fhir/AuditEvent is gateway/audit/audit_api's (the whole trail, not only letters).
  return path == "/fhir/Consent" || consent_instance || is_school_letter_path(path) ||
         is_school_letter_path(path, "school-letter-approve") ||
         is_school_letter_path(path, "school-letter-cancel") || path.starts_with("/admin/school-letters/");
}

asio::awaitable<http::response> disclosure_api::handle(http::request& req, const auth::principal& caller) {
  auto path = http::target_path(req.target());
  auto method = req.method();
  home_scope home;
  if (caller.is(config::client_kind::medical_home)) home = caller.medical_home_id;
  mappers::audit::audit_record asked;
  asked.client.id = caller.client_id;
  asked.client.kind = std::string(config::to_string(caller.kind));
  asked.client.address = caller.address;
  asked.request_id = std::string(req["X-Request-Id"]);
  asked.gateway_url = config_->server.public_base_url;
  asked.entity_type = "Consent";
  if (path == "/fhir/Consent") {
    if (method != bhttp::verb::post) co_return not_allowed("POST", path);
    co_return co_await post_consent(req, home, asked);
  }
  std::int64_t id = 0;
  if (path.starts_with(consent_prefix)) {
    if (!parse_id(path.substr(consent_prefix.size()), id))
      co_return http::make_error(bhttp::status::not_found, "not-found", "no Consent at " + std::string(path));
    if (method == bhttp::verb::put) co_return co_await put_consent(req, id, home, asked);
    if (method == bhttp::verb::get) co_return get_consent(id, home);
    co_return not_allowed("GET, PUT", path);
  }
  asked.entity_type = "DocumentReference";
  if (is_school_letter_path(path)) {
    if (method != bhttp::verb::post) co_return not_allowed("POST", path);
    co_return co_await school_letter(req, home, asked);
  }
  if (is_school_letter_path(path, "school-letter-approve")) {
    if (method != bhttp::verb::post) co_return not_allowed("POST", path);
    co_return co_await approve(req, caller, asked);
  }
  if (is_school_letter_path(path, "school-letter-cancel")) {
    if (method != bhttp::verb::post) co_return not_allowed("POST", path);
    co_return co_await cancel(req, home, asked);
  }
  constexpr std::string_view letters_prefix = "/admin/school-letters/";
  if (path.starts_with(letters_prefix) && parse_id(path.substr(letters_prefix.size()), id)) {
    if (method != bhttp::verb::get) co_return not_allowed("GET", path);
    co_return letter_status(id);
  }
  co_return http::make_error(bhttp::status::not_found, "not-found", "no endpoint at " + std::string(path));
}

asio::awaitable<http::response> disclosure_api::post_consent(http::request& req, home_scope home,
                                                             mappers::audit::audit_record asked) {
  rapidjson::Document doc;
  std::optional<http::response> error;
  if (!read_resource(req, "Consent", validator_, config_->server.json_max_depth, doc, error))
    co_return std::move(*error);
  auto parsed = md::authorization_from_consent(doc, "");
  if (!parsed.value)
    co_return http::make_error(bhttp::status::unprocessable_entity, "business-rule", parsed.error,
                               parsed.expression);
  struct state {
    std::string body;
    model::identifier patient;
    std::string status;
    std::optional<store::consent_row> row;
    bool not_yours = false;  // a medical_home caller, and not one of its children (or none)
  };
  auto st = std::make_shared<state>();
  st->body = std::move(req.body());
  st->patient = parsed.value->patient;
  st->status = parsed.value->status;
  auto config = config_;
  store::sqlite_store::job work = [st, home, asked, config](store::write_tx& tx) {
    auto child = load_child(tx, st->patient);
    if (home && (!child || tx.child_home(child->id) != *home)) {
      st->not_yours = true;
      return true;
    }
    if (!child) return true;
    auto now = fhir::format_instant(store::now_ms());
    auto id = store::consent_table::insert(tx, child->id, st->status, st->body, now);
    child->record.events.push_back({now,
                                    "AuthorizationGranted",
                                    "disclosure",
                                    {},
                                    "Consent/" + std::to_string(id) + " (" + st->status + ") received"});
    save_child(tx, *config, *child, child::save_kind::consent);
    st->row = store::consent_table::find(tx, id);
    auto r = asked;
    r.kind = mappers::audit::audit_kind::consent_created;
    r.recorded_ms = store::now_ms();
    r.entity_id = std::to_string(id);
    r.patient_identifier = st->patient;
    audit::audit_links links;
    links.child_id = child->id;
    (void)audit::record(tx, r, links);
    return tx.ok();
  };
  bool committed = co_await store::run_in_store(store_, std::move(work));
  if (!committed)
    co_return http::make_error(bhttp::status::service_unavailable, "transient",
                               "the Consent could not be stored");
  if (st->not_yours)
    co_return http::make_error(bhttp::status::forbidden, "forbidden",
                               "the child " + st->patient.system + "|" + st->patient.value +
                                   " is not one of this medical home's children; nothing was stored",
                               "Consent.patient.identifier");
  if (!st->row)
    co_return http::make_error(bhttp::status::unprocessable_entity, "not-found",
                               "no child with identifier " + st->patient.system + "|" + st->patient.value,
                               "Consent.patient.identifier");
  auto res = http::make_response(bhttp::status::created, consent_json(*st->row), http::fhir_json);
  res.set(bhttp::field::location, config_->server.public_base_url + "/Consent/" +
                                      std::to_string(st->row->id) + "/_history/" +
                                      std::to_string(st->row->version));
  co_return res;
}

asio::awaitable<http::response> disclosure_api::put_consent(http::request& req, std::int64_t id,
                                                            home_scope home,
                                                            mappers::audit::audit_record asked) {
  rapidjson::Document doc;
  std::optional<http::response> error;
  if (!read_resource(req, "Consent", validator_, config_->server.json_max_depth, doc, error))
    co_return std::move(*error);
  if (auto it = doc.FindMember("id"); it != doc.MemberEnd() && it->value.IsString() &&
                                      std::string_view(it->value.GetString()) != std::to_string(id))
    co_return http::make_error(
        bhttp::status::bad_request, "invalid",
        "Consent.id '" + std::string(it->value.GetString()) + "' does not match the URL", "Consent.id");
  auto parsed = md::authorization_from_consent(doc, std::to_string(id));
  if (!parsed.value)
    co_return http::make_error(bhttp::status::unprocessable_entity, "business-rule", parsed.error,
                               parsed.expression);
  struct state {
    std::string body;
    md::authorization auth;
    std::string outcome;  // "" ok | not_found | other_child
    std::vector<std::string> notes;
    std::optional<store::consent_row> row;
  };
  auto st = std::make_shared<state>();
  st->body = std::move(req.body());
  st->auth = std::move(*parsed.value);
  auto config = config_;
  store::sqlite_store::job work = [st, config, id, home, asked](store::write_tx& tx) {
    auto existing = store::consent_table::find(tx, id);
    if (existing && home && tx.child_home(existing->child_id) != *home) existing.reset();
    if (!existing) {
      st->outcome = "not_found";
      return true;
    }
    auto child = load_child(tx, st->auth.patient);
    if (!child || child->id != existing->child_id) {
      st->outcome = "other_child";
      return true;
    }
    auto now = fhir::format_instant(store::now_ms());
    store::consent_table::update(tx, id, st->auth.status, st->body, now);
    if (st->auth.status != "active") st->notes = revoke(tx, *config, id, now);
    st->row = store::consent_table::find(tx, id);
    auto r = asked;
    r.kind = st->auth.status == "active" ? mappers::audit::audit_kind::consent_revised
                                         : mappers::audit::audit_kind::consent_revoked;
    r.recorded_ms = store::now_ms();
    r.entity_id = std::to_string(id);
    r.patient_identifier = st->auth.patient;
    audit::audit_links links;
    links.child_id = existing->child_id;
    (void)audit::record(tx, r, links);
    return tx.ok();
  };
  bool committed = co_await store::run_in_store(store_, std::move(work));
  if (!committed)
    co_return http::make_error(bhttp::status::service_unavailable, "transient",
                               "the Consent could not be stored");
  if (st->outcome == "not_found")
    co_return http::make_error(bhttp::status::not_found, "not-found", "no Consent/" + std::to_string(id));
  if (st->outcome == "other_child")
    co_return http::make_error(bhttp::status::unprocessable_entity, "business-rule",
                               "Consent.patient must stay the same child", "Consent.patient");
  auto res = http::make_response(bhttp::status::ok, consent_json(*st->row), http::fhir_json);
  // What the revocation did to letters, for the caller (the letters' own status says it too).
  std::string summary;
  for (const auto& n : st->notes) summary += (summary.empty() ? "" : "; ") + n;
  if (!summary.empty()) res.set("X-Homebase-Disclosure", summary);
  co_return res;
}

http::response disclosure_api::get_consent(std::int64_t id, const home_scope& home) {
  auto row = store::consent_table::read(store_, id);
  if (row && home && store_.child_home(row->child_id) != *home) row.reset();
  if (!row)
    return http::make_error(bhttp::status::not_found, "not-found", "no Consent/" + std::to_string(id));
  return http::make_response(bhttp::status::ok, consent_json(*row), http::fhir_json);
}

asio::awaitable<http::response> disclosure_api::school_letter(http::request& req, home_scope home,
                                                              mappers::audit::audit_record asked) {
  rapidjson::Document doc;
  std::optional<http::response> error;
  if (!read_resource(req, "Parameters", validator_, config_->server.json_max_depth, doc, error))
    co_return std::move(*error);
  auto parsed = md::letter_request_from_parameters(doc);
  if (!parsed.value)
    co_return http::make_error(bhttp::status::unprocessable_entity, "invalid", parsed.error,
                               parsed.expression);
  const auto* school = config_->find_school(parsed.value->school.system, parsed.value->school.value);
  if (school == nullptr)
    co_return http::make_error(bhttp::status::unprocessable_entity, "not-found",
                               "no configured school has the identifier " + parsed.value->school.system +
                                   "|" + parsed.value->school.value,
                               "Parameters.parameter.where(name = 'school')");
  if (!parsed.value->channel.empty()) {
    bool offered = false;
    for (const auto& c : school->channels)
      offered = offered || config::to_string(c.kind) == parsed.value->channel;
    if (!offered)
      co_return http::make_error(bhttp::status::unprocessable_entity, "not-supported",
                                 school->name + " has no " + parsed.value->channel +
                                     " channel (config schools[" + school->id + "].channels)",
                                 "Parameters.parameter.where(name = 'channel')");
  }
  struct state {
    std::string body;
    md::letter_request request;
    std::string problem;  // a request error found against the record
    request_outcome outcome;
    bool not_yours = false;  // a medical_home caller, and not one of its children (or none)
  };
  auto st = std::make_shared<state>();
  st->body = std::move(req.body());
  st->request = std::move(*parsed.value);
  auto config = config_;
  store::sqlite_store::job work = [st, config, school, home, asked](store::write_tx& tx) {
    auto child = load_child(tx, st->request.patient);
    if (home && (!child || tx.child_home(child->id) != *home)) {
      st->not_yours = true;
      return true;
    }
    if (!child) {
      st->problem =
          "no child with identifier " + st->request.patient.system + "|" + st->request.patient.value;
      return true;
    }
    const auto& team = child->record.team;
    if (std::none_of(team.begin(), team.end(), [&](const model::team_member& t) {
          return t.key == st->request.signer &&
                 (t.role == model::team_role::pcp || t.role == model::team_role::specialist);
        })) {
      st->problem = "the signer " + st->request.signer.system + "|" + st->request.signer.value +
                    " is not a clinician (PCP or specialist) on the child's care team";
      return true;
    }
    std::vector<model::coding> unknown;
    (void)md::school_hours_medications(st->request, child->record, &unknown);
    if (!unknown.empty()) {
      st->problem =
          "the medication " + unknown[0].system + "|" + unknown[0].code + " is not in the child's record";
      return true;
    }
    st->outcome = request_letter(tx, *child, *config, *school, st->request, st->body,
                                 fhir::format_instant(store::now_ms()), asked);
    return tx.ok();
  };
  bool committed = co_await store::run_in_store(store_, std::move(work));
  if (!committed)
    co_return http::make_error(bhttp::status::service_unavailable, "transient",
                               "the letter could not be stored");
  if (st->not_yours)
    co_return http::make_error(
        bhttp::status::forbidden, "forbidden",
        "the child is not one of this medical home's children; no letter was requested",
        "Parameters.parameter.where(name = 'patient')");
  if (!st->problem.empty())
    co_return http::make_error(bhttp::status::unprocessable_entity, "processing", st->problem, "Parameters");
  const auto& d = st->outcome.decision;
  auto letter = std::to_string(st->outcome.letter_id);
  if (!d.allowed) {
    fhir::operation_outcome blocked(
        issue_severity::error, d.reason == md::block_reason::expired ? "expired" : "forbidden",
        "school letter " + letter + " blocked (" + std::string(md::to_string(d.reason)) + "): " + d.detail);
    blocked.add(issue_severity::information, "informational",
                "nothing was sent to " + school->name + "; the block is recorded as an AuditEvent");
    co_return http::make_outcome(bhttp::status::unprocessable_entity, blocked);
  }
  co_await render_draft(st->outcome.letter_id);
  co_return letter_answer(st->outcome.letter_id, "draft", "school-letter-" + letter, d.consent_id);
}

asio::awaitable<void> disclosure_api::render_draft(std::int64_t letter_id) {
  auto composed = std::make_shared<compose_outcome>();
  auto config = config_;
  store::sqlite_store::job compose = [composed, config, letter_id](store::write_tx& tx) {
    *composed = compose_letter(tx, *config, letter_id, nullptr, {}, fhir::format_instant(store::now_ms()));
    return tx.ok();
  };
  if (!co_await store::run_in_store(store_, std::move(compose)) || composed->status != 200) co_return;
  auto rendered = std::make_shared<rendering>();
  // A named operation: GCC 12 mishandles temporaries inside a co_await expression.
  auto work = [composed, rendered]() -> asio::awaitable<void> {
    render(composed->content, *rendered);
    co_return;
  };
  auto rendering_op = asio::co_spawn(render_pool_, std::move(work), asio::use_awaitable);
  co_await std::move(rendering_op);
  if (!rendered->ok) co_return;
  store::sqlite_store::job keep = [rendered, config, letter_id](store::write_tx& tx) {
    keep_draft_rendering(tx, *config, letter_id, rendered->pdf, rendered->html,
                         fhir::format_instant(store::now_ms()));
    return tx.ok();
  };
  (void)co_await store::run_in_store(store_, std::move(keep));
}

asio::awaitable<http::response> disclosure_api::approve(http::request& req, const auth::principal& caller,
                                                        mappers::audit::audit_record asked) {
  rapidjson::Document doc;
  std::optional<http::response> error;
  if (!read_resource(req, "Parameters", validator_, config_->server.json_max_depth, doc, error))
    co_return std::move(*error);
  const auto* client = config_->find_client(caller.client_id);
  if (!caller.is(config::client_kind::medical_home) || client == nullptr || !client->clinician)
    co_return http::make_error(
        bhttp::status::forbidden, "forbidden",
        "only a medical_home client with a clinician identity (clients[].clinician) may "
        "approve a school letter");
  auto letter_id = letter_param(doc);
  if (letter_id == 0)
    co_return http::make_error(
        bhttp::status::bad_request, "required",
        "parameter 'letter' (valueIdentifier or valueString: the letter's id) is required",
        "Parameters.parameter.where(name = 'letter')");
  auto edits = text_params(doc);
  for (const auto& [name, text] : edits) {
    if (!edited_class(name))
      co_return http::make_error(
          bhttp::status::unprocessable_entity, "invalid",
          "parameter '" + name +
              "' cannot be edited: only functional-impact, accommodations, emergency-plan "
              "and immunizations (valueString)",
          "Parameters.parameter.where(name = '" + name + "')");
    if (text.empty())
      co_return http::make_error(bhttp::status::unprocessable_entity, "invalid",
                                 "parameter '" + name + "' needs a non-empty valueString",
                                 "Parameters.parameter.where(name = '" + name + "')");
  }
  struct state {
    int status = 200;
    std::string problem;
    std::string approved_request;
    compose_outcome composed;
  };
  auto st = std::make_shared<state>();
  auto config = config_;
  home_scope home = caller.medical_home_id;
  const auto npi = client->clinician->npi;
  store::sqlite_store::job prepare = [st, config, letter_id, home, npi, client, edits](store::write_tx& tx) {
    auto child = letter_child(tx, letter_id);
    if (!child || (home && tx.child_home(*child) != *home)) {
      st->status = 404;
      st->problem = "no school letter " + std::to_string(letter_id);
      return true;
    }
    auto now = fhir::format_instant(store::now_ms());
    auto plain = compose_letter(tx, *config, letter_id, nullptr, {}, now);
    if (plain.status != 200) {
      st->status = plain.status;
      st->problem = plain.problem;
      return true;
    }
    rapidjson::Document stored;
    (void)fhir::parse_json(plain.stored_request, stored);
    auto request = md::letter_request_from_parameters(stored);
    if (!request.value || request.value->signer.value != npi) {
      st->status = 403;
      st->problem = "the letter's signer is NPI " +
                    (request.value ? request.value->signer.value : std::string("?")) +
                    "; this client approves as NPI " + npi + " and may not sign it";
      return true;
    }
    for (const auto& [name, text] : edits) {
      auto c = edited_class(name);
      if (std::find(plain.sections.begin(), plain.sections.end(), *c) == plain.sections.end()) {
        st->status = 422;
        st->problem =
            "the section " + std::string(md::to_string(*c)) +
            " is not in this letter (not requested or not permitted by the family); it cannot be edited";
        return true;
      }
    }
    st->approved_request = with_edits(plain.stored_request, edits);
    st->composed = compose_letter(tx, *config, letter_id, client, st->approved_request, now);
    if (st->composed.status != 200) {
      st->status = st->composed.status;
      st->problem = st->composed.problem;
    }
    return true;
  };
  if (!co_await store::run_in_store(store_, std::move(prepare)))
    co_return http::make_error(bhttp::status::service_unavailable, "transient",
                               "the letter could not be read");
  if (st->status != 200 && st->status != 422)
    co_return http::make_error(static_cast<bhttp::status>(st->status),
                               st->status == 404   ? "not-found"
                               : st->status == 403 ? "forbidden"
                                                   : "conflict",
                               st->problem);
  auto rendered = std::make_shared<rendering>();
  if (st->status == 200) {
    auto work = [st, rendered]() -> asio::awaitable<void> {
      render(st->composed.content, *rendered);
      co_return;
    };
    auto rendering_op = asio::co_spawn(render_pool_, std::move(work), asio::use_awaitable);
    co_await std::move(rendering_op);
    if (!rendered->ok)
      co_return http::make_error(bhttp::status::internal_server_error, "exception",
                                 "the letter could not be rendered: " + rendered->error);
  } else if (st->composed.reason.empty()) {
    co_return http::make_error(bhttp::status::unprocessable_entity, "business-rule", st->problem);
  }
  auto outcome = std::make_shared<approve_outcome>();
  store::sqlite_store::job commit = [outcome, st, rendered, config, letter_id, client,
                                     asked](store::write_tx& tx) {
    *outcome = approve_letter(tx, *config, letter_id, *client, st->approved_request, rendered->pdf,
                              rendered->html, fhir::format_instant(store::now_ms()), asked);
    return tx.ok();
  };
  if (!co_await store::run_in_store(store_, std::move(commit)))
    co_return http::make_error(bhttp::status::service_unavailable, "transient",
                               "the approval could not be stored");
  if (outcome->status == 422) {
    fhir::operation_outcome refused(
        issue_severity::error, "forbidden",
        "school letter " + std::to_string(letter_id) +
            " cannot be approved: the family's authorization no longer permits it (" + outcome->problem +
            ")");
    refused.add(issue_severity::information, "informational",
                "the letter is cancelled and nothing was sent; the care coordinator has a Task");
    co_return http::make_outcome(bhttp::status::unprocessable_entity, refused);
  }
  if (outcome->status != 200)
    co_return http::make_error(static_cast<bhttp::status>(outcome->status),
                               outcome->status == 404 ? "not-found" : "conflict", outcome->problem);
  if (letter_queued_) letter_queued_();
  co_return letter_answer(letter_id, "queued", outcome->document_id);
}

asio::awaitable<http::response> disclosure_api::cancel(http::request& req, home_scope home,
                                                       mappers::audit::audit_record asked) {
  rapidjson::Document doc;
  std::optional<http::response> error;
  if (!read_resource(req, "Parameters", validator_, config_->server.json_max_depth, doc, error))
    co_return std::move(*error);
  auto letter_id = letter_param(doc);
  if (letter_id == 0)
    co_return http::make_error(
        bhttp::status::bad_request, "required",
        "parameter 'letter' (valueIdentifier or valueString: the letter's id) is required",
        "Parameters.parameter.where(name = 'letter')");
  std::string reason;
  for (const auto& [name, text] : text_params(doc)) {
    if (name != "reason")
      co_return http::make_error(bhttp::status::unprocessable_entity, "invalid",
                                 "unknown parameter '" + name + "' (letter and reason only)",
                                 "Parameters.parameter.where(name = '" + name + "')");
    reason = text;
  }
  auto outcome = std::make_shared<cancel_outcome>();
  auto config = config_;
  store::sqlite_store::job work = [outcome, config, letter_id, home, reason, asked](store::write_tx& tx) {
    auto child = letter_child(tx, letter_id);
    if (!child || (home && tx.child_home(*child) != *home)) {
      outcome->status = 404;
      outcome->problem = "no school letter " + std::to_string(letter_id);
      return true;
    }
    *outcome = cancel_letter(tx, *config, letter_id, reason, fhir::format_instant(store::now_ms()), asked);
    return tx.ok();
  };
  if (!co_await store::run_in_store(store_, std::move(work)))
    co_return http::make_error(bhttp::status::service_unavailable, "transient",
                               "the letter could not be stored");
  if (outcome->status != 200)
    co_return http::make_error(static_cast<bhttp::status>(outcome->status),
                               outcome->status == 404 ? "not-found" : "conflict", outcome->problem);
  co_return letter_answer(letter_id, "cancelled", {});
}

http::response disclosure_api::letter_status(std::int64_t id) {
  auto read = store::letter_table::read(store_, id);
  if (!read) return http::make_error(bhttp::status::internal_server_error, "exception", read.error());
  const auto& l = *read;
  if (!l)
    return http::make_error(bhttp::status::not_found, "not-found", "no school letter " + std::to_string(id));
  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  auto s = [&](const std::string& v) {
    return rapidjson::Value(v.c_str(), static_cast<rapidjson::SizeType>(v.size()), a);
  };
  out.AddMember("id", l->id, a);
  out.AddMember("status", s(std::string(store::to_string(l->status))), a);
  out.AddMember("reason", s(l->reason), a);
  out.AddMember("school", s(l->school_id), a);
  out.AddMember("kind", s(l->kind), a);
  out.AddMember("authorization", s(l->consent_id ? "Consent/" + std::to_string(*l->consent_id) : ""), a);
  out.AddMember("attempts", l->attempts, a);
  out.AddMember("created_at", s(l->created_at), a);
  out.AddMember("updated_at", s(l->updated_at), a);
  out.AddMember("sent_at", s(l->sent_at), a);
  out.AddMember("school_response", s(l->response), a);
  out.AddMember("channel", s(l->channel), a);
  out.AddMember("approved_by", s(l->approved_by), a);
  out.AddMember("approved_at", s(l->approved_at), a);
  out.AddMember("document",
                s(l->pdf_base64.empty() ? "" : "DocumentReference/school-letter-" + std::to_string(l->id)),
                a);
  return http::make_response(bhttp::status::ok, fhir::to_json(out), "application/json");
}

}  // namespace homebase::gateway::disclosure
