#include "gateway/audit/audit_api.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

#include "fhir/date_prefix.hpp"
#include "gateway/api/fhir_rest_api.hpp"
#include "gateway/api/search_request.hpp"
#include "gateway/store/audit_table.hpp"

namespace homebase::gateway::audit {

namespace bhttp = boost::beast::http;

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;
constexpr std::string_view outcome_system = "http://terminology.hl7.org/CodeSystem/audit-event-outcome";

struct bad_value {
  std::string param;
  std::string message;
};

// R4 search value lists: comma-separated, with `\,` an escaped comma.
std::vector<std::string> split_values(std::string_view v) {
  std::vector<std::string> out(1);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size() && (v[i + 1] == ',' || v[i + 1] == '|' || v[i + 1] == '\\')) {
      if (v[i + 1] == '|') out.back().push_back('\\');
      out.back().push_back(v[++i]);
    } else if (v[i] == ',') {
      out.emplace_back();
    } else {
      out.back().push_back(v[i]);
    }
  }
  return out;
}

bool parse_int(std::string_view text, std::int64_t& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

// "system|code", "|code" (no system), "code" (any system).
std::optional<store::audit_query::token> parse_token(const std::string& v) {
  store::audit_query::token t;
  auto bar = v.find('|');
  if (bar == std::string::npos) {
    t.code = v;
  } else {
    t.system = v.substr(0, bar);
    t.code = v.substr(bar + 1);
  }
  if (t.code.empty()) return std::nullopt;
  return t;
}

std::string search_url(const std::string& base,
                       const std::vector<std::pair<std::string, std::string>>& echoed, int count,
                       std::int64_t cursor) {
  std::string url = base + "/AuditEvent?";
  for (const auto& [name, value] : echoed) url += name + "=" + api::query_encode(value) + "&";
  url += "_count=" + std::to_string(count);
  if (cursor > 0) url += "&_cursor=" + std::to_string(cursor);
  return url;
}

void write_link(writer& w, const char* relation, const std::string& url) {
  w.StartObject();
  w.Key("relation");
  w.String(relation);
  w.Key("url");
  w.String(url.c_str(), static_cast<rapidjson::SizeType>(url.size()));
  w.EndObject();
}

}  // namespace

audit_api::audit_api(config::config_ptr config, store::sqlite_store& store)
    : config_(std::move(config)), store_(store) {}

http::response audit_api::handle(const http::request& req,
                                 const std::optional<std::string>& medical_home) const {
  if (req.method() != bhttp::verb::get) {
    auto res = http::make_error(bhttp::status::method_not_allowed, "not-supported",
                                "method not allowed on /fhir/AuditEvent; allowed: GET", {}, req.version());
    res.set(bhttp::field::allow, "GET");
    return res;
  }
  std::string_view target = req.target();
  auto q = target.find('?');
  std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  return search(query, api::fhir_rest_api::prefers_strict(req[bhttp::field::prefer]), medical_home,
                req.version());
}

http::response audit_api::search(std::string_view query_text, bool strict,
                                 const std::optional<std::string>& medical_home, unsigned version) const {
  auto fail = [&](const std::string& param, const std::string& message) {
    return http::make_error(bhttp::status::bad_request, "invalid",
                            "search parameter '" + param + "': " + message, {}, version);
  };
  auto params = api::split_query(query_text);
  if (!params) return fail("", "the query has a bad percent escape");

  store::audit_query q;
  q.medical_home = medical_home;
  q.count = api::default_page_size;
  std::vector<std::pair<std::string, std::string>> echoed;
  for (const auto& [name, value] : *params) {
    if (value.empty()) continue;
    bool known = true;
    if (name == "patient") {
      auto& list = q.patient_ids.emplace_back();
      for (auto v : split_values(value)) {
        if (v.starts_with("Patient/")) v = v.substr(8);
        if (!api::is_valid_id(v)) return fail(name, "'" + v + "' is not a Patient id");
        list.push_back(v);
      }
    } else if (name == "patient:identifier") {
      auto bar = value.find('|');
      if (bar == std::string::npos || bar == 0 || bar + 1 == value.size())
        return fail(name, "expected system|value");
      auto child =
          store::audit_table::child_of_identifier(store_, value.substr(0, bar), value.substr(bar + 1));
      if (!child || (q.child_id && *q.child_id != *child))
        q.no_match = true;
      else
        q.child_id = child;
    } else if (name == "date") {
      std::string_view v = value;
      auto prefix = fhir::split_date_prefix(v);
      auto range = fhir::parse_date_range(v, fhir::date_syntax::search);
      if (!range) return fail(name, "'" + value + "' is not a date (R4 prefixes eq ne lt gt le ge sa eb)");
      q.dates.push_back({prefix, *range});
    } else if (name == "type" || name == "subtype") {
      auto& list = (name == "type" ? q.types : q.subtypes).emplace_back();
      for (const auto& v : split_values(value)) {
        auto t = parse_token(v);
        if (!t) return fail(name, "'" + v + "' is not a token (system|code or code)");
        list.push_back(*t);
      }
    } else if (name == "outcome") {
      auto& list = q.outcomes.emplace_back();
      for (const auto& v : split_values(value)) {
        std::int64_t o = -1;
        auto t = parse_token(v);
        bool system_ok = !t || !t->system || *t->system == outcome_system;
        if (!t || !system_ok || !parse_int(t->code, o) || (o != 0 && o != 4 && o != 8 && o != 12))
          return fail(name, "'" + v + "' is not an outcome (0, 4, 8 or 12)");
        list.push_back(static_cast<int>(o));
      }
    } else if (name == "agent") {
      auto& list = q.agents.emplace_back();
      for (auto v : split_values(value)) {
        if (auto slash = v.rfind('/'); slash != std::string::npos) v = v.substr(slash + 1);
        if (v.empty()) return fail(name, "expected a client id");
        list.push_back(v);
      }
    } else if (name == "_count") {
      std::int64_t n = 0;
      if (!parse_int(value, n) || n < 0) return fail(name, "'" + value + "' is not a count");
      q.count = static_cast<int>(std::min<std::int64_t>(n, api::max_page_size));
      continue;
    } else if (name == "_cursor") {
      std::int64_t n = 0;
      if (!parse_int(value, n) || n < 0) return fail(name, "'" + value + "' is not a cursor");
      q.after_id = n;
      continue;
    } else if (name == "_format" || name == "_pretty") {
      continue;
    } else {
      known = false;
    }
    if (!known) {
      if (strict)
        return http::make_error(bhttp::status::bad_request, "not-supported",
                                "search parameter '" + name + "' is not supported for AuditEvent", {},
                                version);
      continue;
    }
    echoed.emplace_back(name, value);
  }

  auto page = store::audit_table::search(store_, q);
  if (!page)
    return http::make_error(bhttp::status::service_unavailable, "transient", "the store could not be read",
                            {}, version);
  const std::string& base = config_->server.public_base_url;
  std::string next;
  if (page->more && !page->rows.empty()) next = search_url(base, echoed, q.count, page->rows.back().id);
  return searchset(*page, base, search_url(base, echoed, q.count, q.after_id), next, version);
}

http::response audit_api::searchset(const store::audit_page& page, const std::string& base,
                                    const std::string& self_url, const std::string& next_url,
                                    unsigned version) {
  rapidjson::StringBuffer buffer;
  writer w(buffer);
  w.StartObject();
  w.Key("resourceType");
  w.String("Bundle");
  w.Key("type");
  w.String("searchset");
  w.Key("total");
  w.Int64(page.total);
  w.Key("link");
  w.StartArray();
  write_link(w, "self", self_url);
  if (!next_url.empty()) write_link(w, "next", next_url);
  w.EndArray();
  if (!page.rows.empty()) {
    w.Key("entry");
    w.StartArray();
    for (const auto& r : page.rows) {
      w.StartObject();
      w.Key("fullUrl");
      auto url = base + "/AuditEvent/" + std::to_string(r.id);
      w.String(url.c_str(), static_cast<rapidjson::SizeType>(url.size()));
      w.Key("resource");
      w.RawValue(r.body.data(), r.body.size(), rapidjson::kObjectType);
      w.Key("search");
      w.StartObject();
      w.Key("mode");
      w.String("match");
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return http::make_response(bhttp::status::ok, std::string(buffer.GetString(), buffer.GetSize()),
                             http::fhir_json, version);
}

}  // namespace homebase::gateway::audit
