#include "gateway/admin/child_transfer.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <climits>

#include "gateway/audit/audit_trail.hpp"
#include "gateway/child/child_writer.hpp"
#include "gateway/store/store_awaitable.hpp"
#include "mappers/model/record_codec.hpp"

namespace homebase::gateway::admin {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;

namespace {

std::optional<transfer_error> from_parameters(const rapidjson::Document& doc, transfer_params& out,
                                              bool& home_seen) {
  auto list = doc.FindMember("parameter");
  if (list == doc.MemberEnd()) return std::nullopt;
  if (!list->value.IsArray()) return transfer_error{"", "Parameters.parameter must be an array"};
  for (const auto& p : list->value.GetArray()) {
    if (!p.IsObject()) return transfer_error{"", "a parameter must be an object"};
    auto name = p.FindMember("name");
    if (name == p.MemberEnd() || !name->value.IsString())
      return transfer_error{"", "a parameter has no name"};
    std::string n = name->value.GetString();
    if (n != "medical-home" && n != "reason")
      return transfer_error{n, "unknown parameter '" + n + "'; use medical-home and reason"};
    std::string value;
    int values = 0;
    for (auto m = p.MemberBegin(); m != p.MemberEnd(); ++m) {
      std::string_view key(m->name.GetString(), m->name.GetStringLength());
      if (key == "name") continue;
      bool accepted = n == "reason" ? key == "valueString"
                                    : key == "valueString" || key == "valueId" || key == "valueCode";
      if (!accepted || !m->value.IsString())
        return transfer_error{n, "parameter '" + n + "': " + std::string(key) + " is not accepted (" +
                                     (n == "reason" ? "valueString" : "valueString, valueId or valueCode") +
                                     ")"};
      value = m->value.GetString();
      ++values;
    }
    if (values != 1) return transfer_error{n, "parameter '" + n + "' needs exactly one value"};
    if (n == "medical-home") {
      if (home_seen) return transfer_error{n, "medical-home is given twice"};
      home_seen = true;
      out.medical_home = value;
    } else {
      if (!out.reason.empty()) return transfer_error{n, "reason is given twice"};
      out.reason = value;
    }
  }
  return std::nullopt;
}

std::optional<transfer_error> from_object(const rapidjson::Document& doc, transfer_params& out,
                                          bool& home_seen) {
  for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
    std::string key(m->name.GetString(), m->name.GetStringLength());
    bool home = key == "medical_home" || key == "medical-home";
    if (!home && key != "reason")
      return transfer_error{key, "unknown member '" + key + "'; use medical_home and reason"};
    if (!m->value.IsString()) return transfer_error{key, key + " must be a string"};
    if (home) {
      if (home_seen) return transfer_error{key, "the medical home is given twice"};
      home_seen = true;
      out.medical_home = m->value.GetString();
    } else {
      out.reason = m->value.GetString();
    }
  }
  return std::nullopt;
}

}  // namespace

std::variant<transfer_params, transfer_error> parse_transfer(const config::gateway_config& config,
                                                             std::string_view content_type,
                                                             std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return transfer_error{"", "the body is not a JSON object"};
  transfer_params out;
  bool home_seen = false;
  auto type = doc.FindMember("resourceType");
  bool parameters = type != doc.MemberEnd();
  if (parameters && (!type->value.IsString() || std::string_view(type->value.GetString()) != "Parameters"))
    return transfer_error{"",
                          "the body must be a Parameters resource (or a JSON object without resourceType)"};
  if (parameters && !http::is_fhir_json(content_type) && !content_type.starts_with("application/json"))
    return transfer_error{"", "a Parameters body is application/fhir+json"};
  if (auto error = parameters ? from_parameters(doc, out, home_seen) : from_object(doc, out, home_seen))
    return *error;
  if (out.medical_home.empty()) return transfer_error{"medical-home", "medical-home is required"};
  if (config.find_medical_home(out.medical_home) == nullptr)
    return transfer_error{"medical-home", "no configured medical home '" + out.medical_home + "'"};
  if (out.reason.size() > 1000) return transfer_error{"reason", "reason is longer than 1000 characters"};
  return out;
}

std::optional<std::int64_t> transfer_path_child(std::string_view path) {
  constexpr std::string_view prefix = "/admin/children/";
  if (!path.starts_with(prefix)) return std::nullopt;
  auto rest = path.substr(prefix.size());
  std::string_view id_text;
  for (std::string_view suffix : {"/$transfer", "/%24transfer"})
    if (rest.ends_with(suffix)) id_text = rest.substr(0, rest.size() - suffix.size());
  if (id_text.empty()) return std::nullopt;
  std::int64_t id = 0;
  auto [p, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || p != id_text.data() + id_text.size() || id <= 0) return std::nullopt;
  return id;
}

asio::awaitable<http::response> child_transfer::handle(const http::request& req, std::int64_t child_id,
                                                       mappers::audit::audit_record admin) {
  std::string_view content_type(req[bhttp::field::content_type].data(),
                                req[bhttp::field::content_type].size());
  if (!http::is_fhir_json(content_type) && !content_type.starts_with("application/json"))
    co_return http::make_error(
        bhttp::status::unsupported_media_type, "not-supported",
        "$transfer takes a Parameters resource (application/fhir+json) or a JSON object "
        "(application/json)");
  auto parsed = parse_transfer(*config_, content_type, req.body());
  if (auto* error = std::get_if<transfer_error>(&parsed))
    co_return http::make_error(bhttp::status::bad_request, error->param.empty() ? "structure" : "value",
                               error->message,
                               error->param.empty() ? std::string() : "Parameters." + error->param);
  auto params = std::get<transfer_params>(std::move(parsed));

  struct outcome {
    bool found = false;
    bool readable = true;
    std::string from;
    std::string to;
    bool transferred = false;
    std::int64_t retargeted = 0;
    bool farewell = false;
  };
  auto st = std::make_shared<outcome>();
  admin.kind = mappers::audit::audit_kind::admin_action;
  admin.action_name = "transfer";
  admin.gateway_url = config_->server.public_base_url;
  auto config = config_;
  store::sqlite_store::job job = [st, params, admin, config, child_id](store::write_tx& tx) mutable {
    auto stored = tx.child_record(child_id);
    if (!stored) return tx.ok();
    st->found = true;
    auto record = mappers::model::decode(*stored);
    if (!record) {
      st->readable = false;
      return tx.ok();
    }
    auto now = store::now_ms();
    st->from = tx.child_home(child_id);
    tx.set_child_home_override(child_id, params.medical_home);
    auto prepared = child::prepare_child(*record, *config, now, "rules");
    child::transfer_request request{params.reason, admin};
    child::save_cause cause;
    cause.kind = child::save_kind::transfer;
    cause.transfer = &request;
    auto saved = child::save_child(tx, child_id, prepared, cause, now);
    st->to = saved.home;
    st->transferred = !saved.transferred_from.empty();
    st->retargeted = saved.retargeted;
    if (st->transferred) {
      st->farewell = config->find_medical_home(saved.transferred_from) != nullptr;
    } else {
      // No change of home: the pin alone, audited.
      admin.recorded_ms = now;
      admin.outcome_desc =
          "child pinned to medical home " + params.medical_home +
          (st->from == params.medical_home ? " (already its medical home)" : " (was unroutable)") +
          (params.reason.empty() ? std::string() : "; reason: " + params.reason);
      audit::audit_links links;
      links.child_id = child_id;
      (void)audit::record(tx, admin, links);
    }
    return tx.ok();
  };
  bool committed = co_await store::run_in_store(store_, std::move(job));
  if (!committed)
    co_return http::make_error(bhttp::status::service_unavailable, "transient",
                               "the store could not be updated; nothing was transferred");
  if (!st->found)
    co_return http::make_error(bhttp::status::not_found, "not-found", "no child " + std::to_string(child_id));
  if (!st->readable)
    co_return http::make_error(bhttp::status::internal_server_error, "exception",
                               "the child's stored record cannot be read by this version");
  if (notify_) {
    if (!st->to.empty()) notify_(st->to);
    if (st->transferred) notify_(st->from);
  }

  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  auto param = [&w](const char* name, const char* type, auto write) {
    w.StartObject();
    w.Key("name");
    w.String(name);
    w.Key(type);
    write();
    w.EndObject();
  };
  w.StartObject();
  w.Key("resourceType");
  w.String("Parameters");
  w.Key("parameter");
  w.StartArray();
  param("transferred", "valueBoolean", [&] { w.Bool(st->transferred); });
  if (!st->from.empty()) param("from", "valueString", [&] { w.String(st->from.c_str()); });
  param("to", "valueString", [&] { w.String(st->to.c_str()); });
  param("retargeted", "valueInteger",
        [&] { w.Int(static_cast<int>(std::min<std::int64_t>(st->retargeted, INT_MAX))); });
  param("farewell", "valueBoolean", [&] { w.Bool(st->farewell); });
  w.EndArray();
  w.EndObject();
  co_return http::make_response(bhttp::status::ok, {b.GetString(), b.GetSize()}, http::fhir_json,
                                req.version());
}

}  // namespace homebase::gateway::admin
