#include "gateway/admin/admin_api.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>

#include "gateway/pipeline/response_message.hpp"

namespace homebase::gateway::admin {

namespace bhttp = boost::beast::http;
namespace {

using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;
void str(writer_t& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void summary(writer_t& w, const store::stored_message& m) {
  w.Key("id");
  w.Int64(m.id);
  w.Key("bundle_id");
  str(w, m.bundle_id);
  w.Key("header_id");
  str(w, m.header_id);
  w.Key("partner");
  str(w, m.partner_id);
  w.Key("event");
  str(w, m.event_code);
  w.Key("received_at");
  str(w, m.received_at);
  w.Key("status");
  str(w, m.status);
  w.Key("destination");
  str(w, m.destination);
}

long long to_number(const std::string& text, long long fallback) {
  long long v = fallback;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && p == text.data() + text.size() ? v : fallback;
}

constexpr std::string_view json = "application/json";

}  // namespace

http::response admin_api::list(const http::request& req) {
  auto status = http::query_param(req.target(), "status");
  static const char* known[] = {"", "queued", "retrying", "sent", "dead", "unroutable"};
  bool ok = false;
  for (const char* k : known) ok = ok || status == k;
  if (!ok)
    return http::make_error(
        bhttp::status::bad_request, "value",
        "unknown status '" + status + "'; use queued, retrying, sent, dead or unroutable");
  auto limit = to_number(http::query_param(req.target(), "limit"), 50);
  if (limit < 1 || limit > 1000) limit = 50;
  auto before = to_number(http::query_param(req.target(), "before"), 0);
  auto rows = store_.list_messages(status, static_cast<int>(limit), before);
  rapidjson::StringBuffer b;
  writer_t w(b);
  w.StartObject();
  w.Key("messages");
  w.StartArray();
  for (const auto& m : rows) {
    w.StartObject();
    summary(w, m);
    w.EndObject();
  }
  w.EndArray();
  if (static_cast<long long>(rows.size()) == limit) {
    w.Key("next");
    str(w, "/admin/messages?limit=" + std::to_string(limit) + (status.empty() ? "" : "&status=" + status) +
               "&before=" + std::to_string(rows.back().id));
  }
  w.EndObject();
  return http::make_response(bhttp::status::ok, {b.GetString(), b.GetSize()}, json);
}

http::response admin_api::show(std::int64_t id) {
  auto m = store_.get_message(id);
  if (!m) return http::make_error(bhttp::status::not_found, "not-found", "no message " + std::to_string(id));
  auto deliveries = store_.outbox_for_message(id);
  rapidjson::StringBuffer b;
  writer_t w(b);
  w.StartObject();
  summary(w, *m);
  if (m->child_id) {
    w.Key("child_id");
    w.Int64(*m->child_id);
  }
  // Mapping and routing notes: the issues of the OperationOutcome in the response sent to the partner.
  w.Key("notes");
  auto rebuilt = pipeline::rebuild_response_message(
      store_.get_message_body(id), public_base_url_, m->received_at, m->route_note,
      concept_maps_ ? &concept_maps_->for_partner(m->partner_id) : nullptr);
  rapidjson::Document response;
  response.Parse(rebuilt ? rebuilt->c_str() : "{}");
  bool written = false;
  if (!response.HasParseError() && response.IsObject() && response.HasMember("entry") &&
      response["entry"].IsArray())
    for (const auto& e : response["entry"].GetArray())
      if (e.IsObject() && e.HasMember("resource") && e["resource"].IsObject() &&
          e["resource"].HasMember("issue") && !written) {
        e["resource"]["issue"].Accept(w);
        written = true;
      }
  if (!written) {
    w.StartArray();
    w.EndArray();
  }
  w.Key("deliveries");
  w.StartArray();
  for (const auto& d : deliveries) {
    w.StartObject();
    w.Key("destination");
    str(w, d.destination);
    w.Key("status");
    str(w, d.status);
    w.Key("attempts");
    w.Int(d.attempts);
    if (d.status == "queued" || d.status == "retrying") {
      w.Key("next_attempt_at");
      str(w, store::iso_utc(d.next_attempt_ms));
    }
    w.Key("history");
    w.StartArray();
    for (const auto& a : d.history) {
      w.StartObject();
      w.Key("at");
      str(w, a.at);
      w.Key("http_status");
      w.Int(a.http_status);
      if (!a.error.empty()) {
        w.Key("error");
        str(w, a.error);
      }
      if (!a.response.empty()) {
        w.Key("response");
        str(w, a.response);
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return http::make_response(bhttp::status::ok, {b.GetString(), b.GetSize()}, json);
}

}  // namespace homebase::gateway::admin
