#include "gateway/admin/admin_api.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>

#include "fhir/fhir_time.hpp"
#include "gateway/pipeline/response_message.hpp"
#include "gateway/store/letter_table.hpp"

namespace homebase::gateway::admin {

namespace bhttp = boost::beast::http;
namespace {

using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;
void str(writer_t& w, std::string_view s) {
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
  str(w, store::to_text(m.status));
  w.Key("destination");
  str(w, m.destination);
  if (m.child_id) {  // the child as the admin API names it (?child=, POST /admin/children/{id}/$transfer)
    w.Key("child_id");
    w.Int64(*m.child_id);
  }
  if (m.status == store::message_status::held_for_match) {
    w.Key("match_candidates");
    str(w, m.match_candidates);
  }
}

long long to_number(const std::string& text, long long fallback) {
  long long v = fallback;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && p == text.data() + text.size() ? v : fallback;
}

constexpr std::string_view json = "application/json";

void coding(writer_t& w, const char* system, const char* code, const char* display) {
  w.StartObject();
  w.Key("coding");
  w.StartArray();
  w.StartObject();
  w.Key("system");
  w.String(system);
  w.Key("code");
  w.String(code);
  w.Key("display");
  w.String(display);
  w.EndObject();
  w.EndArray();
  w.EndObject();
}

void input(writer_t& w, const char* type, const std::string& value) {
  w.StartObject();
  w.Key("type");
  w.StartObject();
  w.Key("text");
  w.String(type);
  w.EndObject();
  w.Key("valueString");
  str(w, value);
  w.EndObject();
}

// One held message as the care coordinator's triage Task.
void triage_task(writer_t& w, const store::stored_message& m) {
  w.StartObject();
  w.Key("resourceType");
  w.String("Task");
  w.Key("id");
  str(w, "match-" + std::to_string(m.id));
  w.Key("status");
  w.String("requested");
  w.Key("intent");
  w.String("order");
  w.Key("priority");
  w.String("urgent");
  w.Key("code");
  coding(w, "http://homebase.example.org/fhir/CodeSystem/action-type", "patient-match-review",
         "Confirm which child a message is about");
  w.Key("description");
  str(w, "A message from " + m.partner_id +
             " is held: " + std::string(pipeline::held_for_match_reason(m.route_note)) +
             ". Answer with POST /admin/messages/" + std::to_string(m.id) +
             "/match {\"child\": <id>} or {\"child\": \"new\"}.");
  w.Key("authoredOn");
  str(w, m.received_at);
  w.Key("performerType");
  w.StartArray();
  coding(w, "http://homebase.example.org/fhir/CodeSystem/care-team-role", "care-coordinator",
         "Care coordinator");
  w.EndArray();
  w.Key("input");
  w.StartArray();
  input(w, "held message", "/admin/messages/" + std::to_string(m.id));
  std::string_view rest = m.match_candidates;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    input(w, "candidate child", "child " + std::string(rest.substr(0, comma)));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

http::response admin_api::triage() {
  auto rows = store_.list_messages(store::message_status::held_for_match, 1000, 0);
  rapidjson::StringBuffer b;
  writer_t w(b);
  w.StartObject();
  w.Key("resourceType");
  w.String("Bundle");
  w.Key("type");
  w.String("searchset");
  w.Key("total");
  w.Uint64(rows.size());
  w.Key("entry");
  w.StartArray();
  for (const auto& m : rows) {
    w.StartObject();
    w.Key("fullUrl");
    str(w, "urn:homebase:triage:match-" + std::to_string(m.id));
    w.Key("resource");
    triage_task(w, m);
    w.Key("search");
    w.StartObject();
    w.Key("mode");
    w.String("match");
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return http::make_response(bhttp::status::ok, {b.GetString(), b.GetSize()}, http::fhir_json);
}

http::response admin_api::status(const config::gateway_config& config) {
  auto counts = store_.outbox_counts();
  // Every configured home, and any destination still in the store that is not configured any more.
  std::vector<store::delivery_counts> homes;
  for (const auto& h : config.medical_homes) {
    store::delivery_counts c;
    c.destination = h.id;
    for (const auto& found : counts)
      if (found.destination == h.id) c = found;
    homes.push_back(c);
  }
  for (const auto& found : counts)
    if (config.find_medical_home(found.destination) == nullptr) homes.push_back(found);
  std::int64_t queued = 0, retrying = 0, dead = 0;
  for (const auto& c : homes) {
    queued += c.queued;
    retrying += c.retrying;
    dead += c.dead;
  }
  auto unroutable = store_.count_messages(store::message_status::unroutable);
  auto held = store_.count_messages(store::message_status::held_for_match);
  auto dead_letters = store::letter_table::count_dead(store_);

  rapidjson::StringBuffer b;
  writer_t w(b);
  w.StartObject();
  w.Key("deliveries");
  w.StartObject();
  w.Key("queued");
  w.Int64(queued);
  w.Key("retrying");
  w.Int64(retrying);
  w.Key("dead");
  w.Int64(dead);
  w.EndObject();
  w.Key("medical_homes");
  w.StartArray();
  for (const auto& c : homes) {
    const auto* home = config.find_medical_home(c.destination);
    w.StartObject();
    w.Key("id");
    str(w, c.destination);
    w.Key("configured");
    w.Bool(home != nullptr);
    if (home != nullptr) {
      w.Key("window");
      w.Int(config.delivery_window(*home));
    }
    w.Key("queued");
    w.Int64(c.queued);
    w.Key("retrying");
    w.Int64(c.retrying);
    w.Key("dead");
    w.Int64(c.dead);
    if (c.oldest_queued_ms > 0) {
      w.Key("oldest_queued_at");
      str(w, fhir::format_instant(c.oldest_queued_ms));
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("messages");
  w.StartObject();
  w.Key("unroutable");
  w.Int64(unroutable);
  w.Key("held_for_match");
  w.Int64(held);
  w.EndObject();
  w.Key("school_letters");
  w.StartObject();
  w.Key("dead");
  w.Int64(dead_letters);
  w.EndObject();
  // What needs an operator: dead letters (nothing more happens to them by itself), then messages that
  // wait for a person.
  w.Key("alerts");
  w.StartArray();
  auto alert = [&w](const char* severity, const char* code, const std::string& home, std::int64_t n,
                    const std::string& text) {
    w.StartObject();
    w.Key("severity");
    w.String(severity);
    w.Key("code");
    w.String(code);
    if (!home.empty()) {
      w.Key("medical_home");
      str(w, home);
    }
    w.Key("count");
    w.Int64(n);
    w.Key("text");
    str(w, text);
    w.EndObject();
  };
  for (const auto& c : homes)
    if (c.dead > 0)
      alert("error", "dead-letters", c.destination, c.dead,
            std::to_string(c.dead) + " deliveries to " + c.destination +
                " are dead letters and will not be retried: see GET /admin/messages?status=dead, then POST "
                "/admin/messages/$replay?status=dead&medical-home=" +
                c.destination);
  if (dead_letters > 0)
    alert("error", "dead-school-letters", "", dead_letters,
          std::to_string(dead_letters) +
              " school letters failed for good (a permanent refusal, or retried until the give-up period): "
              "GET /admin/school-letters/{id} names the reason; request the letter again once it is fixed");
  if (unroutable > 0)
    alert("warning", "unroutable", "", unroutable,
          std::to_string(unroutable) +
              " messages belong to no configured medical home: GET /admin/messages?status=unroutable");
  if (held > 0)
    alert("warning", "held-for-match", "", held,
          std::to_string(held) +
              " messages wait for a person to say which child they are about: GET /admin/triage");
  w.EndArray();
  w.EndObject();
  return http::make_response(bhttp::status::ok, {b.GetString(), b.GetSize()}, json);
}

std::variant<store::message_filter, http::response> admin_api::list_filter(const http::request& req) {
  store::message_filter f;
  auto status = http::query_param(req.target(), "status");
  if (!status.empty()) {
    f.status = store::message_status_from_text(status);
    if (!f.status)
      return http::make_error(
          bhttp::status::bad_request, "value",
          "unknown status '" + status + "'; use queued, retrying, sent, dead, unroutable or held_for_match",
          "status");
  }
  f.partner_id = http::query_param(req.target(), "partner");
  f.event_code = http::query_param(req.target(), "event");
  f.destination = http::query_param(req.target(), "medical-home");
  auto child = http::query_param(req.target(), "child");
  if (!child.empty()) {
    auto id = to_number(child, 0);
    if (id < 1)
      return http::make_error(bhttp::status::bad_request, "value", "child must be a child id", "child");
    f.child_id = id;
  }
  for (const char* name : {"received-from", "received-to"}) {
    auto text = http::query_param(req.target(), name);
    if (text.empty()) continue;
    auto range = fhir::parse_date_range(text, fhir::date_syntax::search);
    if (!range)
      return http::make_error(bhttp::status::bad_request, "value",
                              std::string(name) + ": '" + text + "' is not a FHIR date or dateTime", name);
    if (std::string_view(name) == "received-from")
      f.received_from = fhir::format_instant(std::max<std::int64_t>(range->low, 0));
    else
      f.received_before = fhir::format_instant(std::max<std::int64_t>(range->high, 0));
  }
  auto limit = to_number(http::query_param(req.target(), "limit"), 50);
  f.limit = limit < 1 || limit > 1000 ? 50 : static_cast<int>(limit);
  f.before_id = to_number(http::query_param(req.target(), "before"), 0);
  return f;
}

http::response admin_api::list(const http::request& req) {
  auto parsed = list_filter(req);
  if (auto* error = std::get_if<http::response>(&parsed)) return std::move(*error);
  const auto& f = std::get<store::message_filter>(parsed);
  auto rows = store_.list_messages(f);
  auto limit = static_cast<long long>(f.limit);
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
    // The same query with the next page's `before`.
    std::string next = "/admin/messages?";
    std::string_view target(req.target().data(), req.target().size());
    auto q = target.find('?');
    std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      auto pair = query.substr(0, amp);
      if (!pair.starts_with("before=") && !pair.empty()) next.append(pair).append("&");
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    }
    next.append("before=").append(std::to_string(rows.back().id));
    str(w, next);
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
  // A delivered message past retention.message_bodies has no body left: its notes cannot be rebuilt.
  auto body = store_.get_message_body(id);
  w.Key("body_purged");
  w.Bool(body.empty());
  w.Key("notes");
  auto rebuilt = pipeline::rebuild_response_message(
      std::move(body), public_base_url_, m->received_at, m->route_note,
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
    str(w, store::to_text(d.status));
    w.Key("attempts");
    w.Int(d.attempts);
    if (d.status == store::outbox_status::queued || d.status == store::outbox_status::retrying) {
      w.Key("next_attempt_at");
      str(w, fhir::format_instant(d.next_attempt_ms));
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
