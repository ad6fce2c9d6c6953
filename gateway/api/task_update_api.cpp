#include "gateway/api/task_update_api.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <charconv>
#include <memory>
#include <set>

#include "fhir/fhir_time.hpp"
#include "fhir/json_document.hpp"
#include "fhir/json_patch.hpp"
#include "gateway/api/search_request.hpp"
#include "gateway/audit/audit_trail.hpp"
#include "gateway/child/child_writer.hpp"
#include "gateway/store/store_awaitable.hpp"
#include "gateway/store/write_tx.hpp"
#include "mappers/model/practice_change.hpp"
#include "mappers/model/record_codec.hpp"

namespace homebase::gateway::api {

namespace bhttp = boost::beast::http;
namespace model = mappers::model;

namespace {

constexpr std::array<std::string_view, 7> owned_members{"status", "statusReason", "businessStatus", "owner",
                                                        "note",   "output",       "lastModified"};
// Members that describe the resource, not its content: the server keeps them.
constexpr std::array<std::string_view, 3> server_members{"meta", "id", "text"};

constexpr std::array<std::string_view, 12> task_statuses{
    "draft",     "requested",   "received", "accepted", "rejected",  "ready",
    "cancelled", "in-progress", "on-hold",  "failed",   "completed", "entered-in-error"};

template <std::size_t N>
bool in(const std::array<std::string_view, N>& list, std::string_view s) {
  for (auto x : list)
    if (x == s) return true;
  return false;
}

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// W/"7" or "7" -> 7; nullopt when it is not one version.
std::optional<std::int64_t> version_of(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() < 3 || etag.front() != '"' || etag.back() != '"') return std::nullopt;
  etag = etag.substr(1, etag.size() - 2);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(etag.data(), etag.data() + etag.size(), v);
  if (ec != std::errc() || end != etag.data() + etag.size() || v <= 0) return std::nullopt;
  return v;
}

// The first member outside the practice's that differs between the two Tasks, or empty.
std::string foreign_change(const rapidjson::Value& current, const rapidjson::Value& next) {
  std::set<std::string> names;
  for (const auto& m : current.GetObject()) names.emplace(m.name.GetString(), m.name.GetStringLength());
  for (const auto& m : next.GetObject()) names.emplace(m.name.GetString(), m.name.GetStringLength());
  for (const auto& name : names) {
    if (in(owned_members, name) || in(server_members, name)) continue;
    auto a = current.FindMember(name.c_str());
    auto b = next.FindMember(name.c_str());
    bool has_a = a != current.MemberEnd();
    bool has_b = b != next.MemberEnd();
    if (has_a != has_b || (has_a && !(a->value == b->value))) return name;
  }
  return {};
}

http::response task_answer(store::indexed_resource row, unsigned version) {
  auto res = http::make_response(bhttp::status::ok, std::move(row.json), http::fhir_json, version);
  res.set(bhttp::field::etag, "W/\"" + std::to_string(row.version) + "\"");
  res.set(bhttp::field::last_modified, fhir::format_http_date(row.last_updated_ms));
  return res;
}

}  // namespace

bool task_update_api::practice_owned(std::string_view member) {
  return in(owned_members, member);
}

boost::asio::awaitable<http::response> task_update_api::handle(http::request& req, std::string id,
                                                               const auth::principal& who,
                                                               const read_scope& scope) {
  const unsigned v = req.version();
  const bool patch = req.method() == bhttp::verb::patch;
  if (!is_valid_id(id))
    co_return http::make_error(bhttp::status::bad_request, "invalid",
                               "'" + id + "' is not an R4 id ([A-Za-z0-9-.]{1,64})", {}, v);
  auto if_match = req[bhttp::field::if_match];
  if (if_match.empty()) {
    auto res = http::make_error(bhttp::status::precondition_required, "required",
                                "an update of a Task needs If-Match: W/\"<versionId>\" (read the Task first: "
                                "its ETag), so that no one's change is overwritten unseen",
                                {}, v);
    co_return res;
  }
  auto expected = version_of(std::string_view(if_match.data(), if_match.size()));
  if (!expected)
    co_return http::make_error(bhttp::status::bad_request, "invalid",
                               "If-Match must be one version tag, W/\"<versionId>\"", {}, v);

  auto row = store_.get_indexed("Task", id);
  if (row && scope.medical_home && !scope.allows(store_.child_home(row->child_id))) row.reset();
  if (!row)
    co_return http::make_error(bhttp::status::not_found, "not-found",
                               "Task/" + id + " is not known to this gateway", {}, v);
  if (row->version != *expected)
    co_return http::make_error(bhttp::status::precondition_failed, "conflict",
                               "Task/" + id + " is at version " + std::to_string(row->version) + ", not " +
                                   std::to_string(*expected) + ": read it again and re-apply the change",
                               {}, v);

  rapidjson::Document current;
  if (fhir::parse_json(row->json, current) || !current.IsObject())
    co_return http::make_error(bhttp::status::internal_server_error, "exception",
                               "the stored Task could not be read", {}, v);
  rapidjson::Document next;
  auto content_type = req[bhttp::field::content_type];
  if (patch) {
    if (!content_type.starts_with("application/json-patch+json"))
      co_return http::make_error(bhttp::status::unsupported_media_type, "not-supported",
                                 "PATCH expects Content-Type application/json-patch+json (RFC 6902)", {}, v);
    rapidjson::Document ops;
    if (auto error = fhir::parse_json(req.body(), ops, {config_->server.json_max_depth}))
      co_return http::make_error(bhttp::status::bad_request, "structure",
                                 "the JSON Patch is not JSON: " + error->message, {}, v);
    next.CopyFrom(current, next.GetAllocator());
    if (auto error = fhir::apply_json_patch(next, ops)) {
      bool malformed = error->what == fhir::json_patch_error::kind::malformed;
      co_return http::make_error(malformed ? bhttp::status::bad_request : bhttp::status::unprocessable_entity,
                                 malformed ? "structure" : "processing", error->message, {}, v);
    }
  } else {
    if (!http::is_fhir_json(content_type))
      co_return http::make_error(bhttp::status::unsupported_media_type, "not-supported",
                                 "PUT expects Content-Type application/fhir+json", {}, v);
    if (auto error = fhir::parse_json(req.body(), next, {config_->server.json_max_depth}))
      co_return http::make_error(bhttp::status::bad_request, "structure",
                                 "the body is not JSON: " + error->message, {}, v);
  }
  if (!next.IsObject() || !next.HasMember("resourceType") || !next["resourceType"].IsString() ||
      std::string_view(next["resourceType"].GetString()) != "Task")
    co_return http::make_error(bhttp::status::bad_request, "invalid", "the body is not a Task", "Task", v);
  if (auto it = next.FindMember("id");
      it != next.MemberEnd() && (!it->value.IsString() || std::string_view(it->value.GetString()) != id))
    co_return http::make_error(bhttp::status::bad_request, "invalid", "Task.id does not match the URL",
                               "Task.id", v);
  if (auto member = foreign_change(current, next); !member.empty())
    co_return http::make_error(
        bhttp::status::unprocessable_entity, "business-rule",
        "Task." + member +
            " is Homebase's (it comes from the coordination record); a medical home "
            "changes only status, statusReason, businessStatus, owner, note and output",
        "Task." + member, v);
  auto status = next.FindMember("status");
  if (status == next.MemberEnd() || !status->value.IsString() ||
      !in(task_statuses, std::string_view(status->value.GetString())))
    co_return http::make_error(bhttp::status::unprocessable_entity, "code-invalid",
                               "Task.status must be a code of http://hl7.org/fhir/task-status", "Task.status",
                               v);

  std::string home = who.medical_home_id.empty() ? who.client_id : who.medical_home_id;
  auto change = model::practice_change_from_resource(to_json(next), "medical-home:" + home + " push");
  if (!change)
    co_return http::make_error(bhttp::status::unprocessable_entity, "business-rule",
                               "Task/" + id + " is not a coordination Task Homebase wrote", "Task.identifier",
                               v);

  mappers::audit::audit_record asked;
  asked.kind = mappers::audit::audit_kind::patient_update;
  asked.client.id = who.client_id;
  asked.client.kind = std::string(config::to_string(who.kind));
  asked.client.address = who.address;
  asked.request_id = std::string(req["X-Request-Id"]);
  asked.gateway_url = config_->server.public_base_url;
  asked.entity_type = "Task";
  asked.entity_id = id;
  asked.patient_id = row->patient_id;

  struct state {
    std::string outcome;  // "" | stale | gone | unreadable
    std::int64_t version_now = 0;
    bool changed = false;
    std::vector<std::string> notes;
    std::string destination;
  };
  auto st = std::make_shared<state>();
  auto config = config_;
  const std::int64_t child_id = row->child_id;
  const std::int64_t want = *expected;
  store::sqlite_store::job work = [st, config, child_id, want, id, pushed = std::move(*change),
                                   asked](store::write_tx& tx) mutable {
    // The If-Match check again, inside the transaction: a concurrent writer may have moved it on.
    auto now_version = tx.indexed_version("Task", id);
    if (!now_version) {
      st->outcome = "gone";
      return tx.ok();
    }
    if (now_version->version != want) {
      st->outcome = "stale";
      st->version_now = now_version->version;
      return tx.ok();
    }
    auto stored = tx.child_record(child_id);
    auto record = stored ? model::decode(*stored) : std::nullopt;
    if (!record) {
      st->outcome = "unreadable";
      return tx.ok();
    }
    auto now = store::now_ms();
    auto result = model::apply_practice_change(*record, pushed, fhir::format_instant(now));
    st->changed = result.changed;
    st->notes = result.notes;
    asked.recorded_ms = now;
    for (const auto& n : result.notes) asked.outcome_desc += (asked.outcome_desc.empty() ? "" : "; ") + n;
    if (!result.changed && !result.notes.empty())
      asked.outcome = mappers::audit::audit_outcome::minor_failure;
    if (!result.changed) {
      audit::audit_links links;
      links.child_id = child_id;
      (void)audit::record(tx, asked, links);
      return tx.ok();
    }
    auto prepared = child::prepare_child(*record, *config, now, "rules");
    child::save_cause cause;
    cause.kind = child::save_kind::practice;
    cause.audit = &asked;
    auto saved = child::save_child(tx, child_id, prepared, cause, now);
    if (saved.queued && prepared.destination.home != nullptr) st->destination = prepared.destination.home->id;
    return tx.ok();
  };
  bool committed = co_await store::run_in_store(store_, std::move(work));
  if (!committed)
    co_return http::make_error(bhttp::status::service_unavailable, "transient",
                               "the change could not be stored; nothing was changed", {}, v);
  if (st->outcome == "gone")
    co_return http::make_error(bhttp::status::not_found, "not-found",
                               "Task/" + id + " is not known to this gateway", {}, v);
  if (st->outcome == "stale")
    co_return http::make_error(bhttp::status::precondition_failed, "conflict",
                               "Task/" + id + " is at version " + std::to_string(st->version_now) + ", not " +
                                   std::to_string(want) + ": read it again and re-apply the change",
                               {}, v);
  if (st->outcome == "unreadable")
    co_return http::make_error(bhttp::status::internal_server_error, "exception",
                               "the child's record could not be read", {}, v);
  if (!st->destination.empty() && notify_) notify_(st->destination);
  if (!st->changed && !st->notes.empty()) {
    std::string why;
    for (const auto& n : st->notes) why += (why.empty() ? "" : "; ") + n;
    co_return http::make_error(bhttp::status::unprocessable_entity, "business-rule", why, "Task.status", v);
  }
  auto updated = store_.get_indexed("Task", id);
  if (!updated)
    co_return http::make_error(bhttp::status::not_found, "not-found",
                               "Task/" + id + " is not known to this gateway", {}, v);
  co_return task_answer(std::move(*updated), v);
}

}  // namespace homebase::gateway::api
