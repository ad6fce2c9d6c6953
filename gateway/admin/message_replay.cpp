#include "gateway/admin/message_replay.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <climits>
#include <optional>

#include "fhir/fhir_time.hpp"
#include "gateway/api/search_request.hpp"
#include "gateway/audit/audit_trail.hpp"
#include "gateway/store/store_awaitable.hpp"

namespace homebase::gateway::admin {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;

namespace {

constexpr std::int64_t year_10000_ms = 253'402'300'800'000;  // an instant's text has four year digits

// One parameter as given: its name and text value, and where it came from (for errors).
struct given {
  std::string name;
  std::string value;
};

std::optional<replay_error> from_body(std::string_view body, std::vector<given>& out) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return replay_error{"", "the body is not a JSON object"};
  auto type = doc.FindMember("resourceType");
  if (type == doc.MemberEnd() || !type->value.IsString() ||
      std::string_view(type->value.GetString()) != "Parameters")
    return replay_error{"", "the body must be a Parameters resource"};
  auto list = doc.FindMember("parameter");
  if (list == doc.MemberEnd()) return std::nullopt;
  if (!list->value.IsArray()) return replay_error{"", "Parameters.parameter must be an array"};
  static constexpr std::string_view value_names[] = {"valueCode", "valueString",   "valueId",
                                                     "valueDate", "valueDateTime", "valueInstant"};
  for (const auto& p : list->value.GetArray()) {
    if (!p.IsObject()) return replay_error{"", "a parameter must be an object"};
    auto name = p.FindMember("name");
    if (name == p.MemberEnd() || !name->value.IsString()) return replay_error{"", "a parameter has no name"};
    given g{name->value.GetString(), {}};
    int values = 0;
    for (auto m = p.MemberBegin(); m != p.MemberEnd(); ++m) {
      std::string_view key(m->name.GetString(), m->name.GetStringLength());
      if (key == "name") continue;
      if (std::find(std::begin(value_names), std::end(value_names), key) == std::end(value_names) ||
          !m->value.IsString())
        return replay_error{g.name, "parameter '" + g.name + "': " + std::string(key) +
                                        " is not accepted (a code, string, id, date, dateTime or instant)"};
      g.value = m->value.GetString();
      ++values;
    }
    if (values != 1) return replay_error{g.name, "parameter '" + g.name + "' needs exactly one value"};
    out.push_back(std::move(g));
  }
  return std::nullopt;
}

}  // namespace

std::variant<replay_request, replay_error> parse_replay(const config::gateway_config& config,
                                                        std::string_view query, std::string_view body) {
  std::vector<given> params;
  auto split = api::split_query(query);
  if (!split) return replay_error{"", "the query string has a bad percent escape"};
  for (auto& [name, value] : *split) params.push_back({name, value});
  if (!body.empty())
    if (auto error = from_body(body, params)) return *error;

  replay_request out;
  auto& f = out.filter;
  std::optional<fhir::date_range> from, to;
  for (const auto& p : params) {
    if (p.name == "status") {
      std::string_view rest = p.value;
      do {
        auto comma = rest.find(',');
        auto code = std::string(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        auto delivery = store::outbox_status_from_text(code);
        if (delivery && *delivery != store::outbox_status::queued) {
          if (std::find(f.statuses.begin(), f.statuses.end(), *delivery) == f.statuses.end())
            f.statuses.push_back(*delivery);
        } else if (delivery) {
          return replay_error{"status", "status 'queued': those deliveries are queued already"};
        } else if (code == "unroutable" || code == "held_for_match") {
          return replay_error{"status", "status '" + code +
                                            "': such a message has no delivery yet; use POST "
                                            "/admin/messages/{id}/retry (or /match) for each"};
        } else {
          return replay_error{"status", "unknown status '" + code + "'; use dead, retrying or sent"};
        }
      } while (!rest.empty());
    } else if (p.name == "medical-home") {
      if (!f.destination.empty()) return replay_error{"medical-home", "medical-home is given twice"};
      if (config.find_medical_home(p.value) == nullptr)
        return replay_error{"medical-home", "no configured medical home '" + p.value + "'"};
      f.destination = p.value;
    } else if (p.name == "received-from" || p.name == "received-to") {
      auto& slot = p.name == "received-from" ? from : to;
      if (slot) return replay_error{p.name, p.name + " is given twice"};
      slot = fhir::parse_date_range(p.value, fhir::date_syntax::search);
      if (!slot) return replay_error{p.name, p.name + ": '" + p.value + "' is not a FHIR date or dateTime"};
    } else {
      return replay_error{
          p.name, "unknown parameter '" + p.name + "'; use status, medical-home, received-from, received-to"};
    }
  }
  if (f.statuses.empty()) return replay_error{"status", "status is required: dead, retrying or sent"};
  if (from && from->low > 0) f.received_from = fhir::format_instant(std::min(from->low, year_10000_ms - 1));
  if (to && to->high < year_10000_ms)
    f.received_before = fhir::format_instant(std::max<std::int64_t>(to->high, 0));
  if (from && to && from->low >= to->high)
    return replay_error{"received-to", "received-to must end after received-from starts"};

  out.criteria = "status=";
  for (std::size_t i = 0; i < f.statuses.size(); ++i)
    out.criteria += (i ? "," : "") + std::string(store::to_text(f.statuses[i]));
  out.criteria += " medical-home=" + (f.destination.empty() ? std::string("(any)") : f.destination);
  if (!f.received_from.empty()) out.criteria += " received-from=" + f.received_from;
  if (!f.received_before.empty()) out.criteria += " received-before=" + f.received_before;
  return out;
}

asio::awaitable<http::response> message_replay::handle(const http::request& req,
                                                       mappers::audit::audit_record admin) {
  std::string_view target(req.target().data(), req.target().size());
  auto q = target.find('?');
  auto query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (!req.body().empty() && !http::is_fhir_json(req[bhttp::field::content_type]))
    co_return http::make_error(bhttp::status::unsupported_media_type, "not-supported",
                               "$replay takes a Parameters resource as application/fhir+json (or none)");
  auto parsed = parse_replay(*config_, query, req.body());
  if (auto* error = std::get_if<replay_error>(&parsed))
    co_return http::make_error(bhttp::status::bad_request, error->param.empty() ? "structure" : "value",
                               error->message,
                               error->param.empty() ? std::string() : "Parameters." + error->param);
  auto request = std::get<replay_request>(std::move(parsed));

  auto count = std::make_shared<store::replay_count>();
  admin.kind = mappers::audit::audit_kind::admin_action;
  admin.action_name = "replay";
  admin.gateway_url = config_->server.public_base_url;
  store::sqlite_store::job replay = [count, request, admin](store::write_tx& tx) mutable {
    auto now = store::now_ms();
    *count = tx.replay_outbox(request.filter, now);
    if (count->deliveries > 0) {  // the admin action's AuditEvent, with the effect it records
      admin.recorded_ms = now;
      admin.outcome_desc = "requeued " + std::to_string(count->deliveries) + " deliveries of " +
                           std::to_string(count->messages) + " messages (" + request.criteria + ")";
      (void)audit::record(tx, admin);
    }
    return tx.ok();
  };
  bool committed = co_await store::run_in_store(store_, std::move(replay));
  if (!committed)
    co_return http::make_error(bhttp::status::service_unavailable, "transient",
                               "the store could not be updated; nothing was replayed");
  if (notify_)
    for (const auto& destination : count->destinations) notify_(destination);

  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  auto integer = [&w](const char* name, std::int64_t v) {
    w.StartObject();
    w.Key("name");
    w.String(name);
    w.Key("valueInteger");
    w.Int(static_cast<int>(std::min<std::int64_t>(v, INT_MAX)));
    w.EndObject();
  };
  auto text = [&w](const char* name, const char* type, std::string_view v) {
    w.StartObject();
    w.Key("name");
    w.String(name);
    w.Key(type);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    w.EndObject();
  };
  const auto& f = request.filter;
  w.StartObject();
  w.Key("resourceType");
  w.String("Parameters");
  w.Key("parameter");
  w.StartArray();
  integer("requeued", count->deliveries);
  integer("messages", count->messages);
  for (const auto& s : f.statuses) text("status", "valueCode", store::to_text(s));
  if (!f.destination.empty()) text("medical-home", "valueString", f.destination);
  if (!f.received_from.empty()) text("received-from", "valueInstant", f.received_from);
  if (!f.received_before.empty()) text("received-before", "valueInstant", f.received_before);
  w.EndArray();
  w.EndObject();
  co_return http::make_response(bhttp::status::ok, {b.GetString(), b.GetSize()}, http::fhir_json,
                                req.version());
}

}  // namespace homebase::gateway::admin
