#include "gateway/api/fhir_rest_api.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "fhir/fhir_time.hpp"
#include "gateway/api/search_parameters.hpp"
#include "gateway/api/search_request.hpp"

namespace homebase::gateway::api {

namespace bhttp = boost::beast::http;

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_link(writer& w, std::string_view relation, const std::string& url) {
  w.StartObject();
  w.Key("relation");
  write_string(w, relation);
  w.Key("url");
  write_string(w, url);
  w.EndObject();
}

void write_entry(writer& w, const std::string& base, const store::indexed_resource& r,
                 std::string_view mode) {
  w.StartObject();
  w.Key("fullUrl");
  write_string(w, base + "/" + r.type + "/" + r.id);
  w.Key("resource");
  w.RawValue(r.json.data(), r.json.size(), rapidjson::kObjectType);
  w.Key("search");
  w.StartObject();
  w.Key("mode");
  write_string(w, mode);
  w.EndObject();
  w.EndObject();
}

std::string search_url(const std::string& base, std::string_view type, const search_request& request,
                       std::int64_t cursor) {
  std::string url = base + "/" + std::string(type) + "?";
  for (const auto& [name, value] : request.echoed)
    url += query_encode(name) + "=" + query_encode(value) + "&";
  url += "_count=" + std::to_string(request.query.count);
  if (cursor > 0) url += "&_cursor=" + std::to_string(cursor);
  return url;
}

// The Patient ids a page's resources point to through `param` (their own values, read from the JSON).
std::vector<std::string> included_patients(const store::index_page& page,
                                           const std::vector<std::string>& params) {
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const auto& r : page.rows) {
    rapidjson::Document doc;
    doc.Parse(r.json.data(), r.json.size());
    if (doc.HasParseError()) continue;
    for (const auto& v : extract_search_values(r.type, doc)) {
      if (v.system != "Patient") continue;
      for (const auto& p : params)
        if (v.param == p && seen.insert(v.value).second) ids.push_back(v.value);
    }
  }
  return ids;
}

}  // namespace

bool fhir_rest_api::prefers_strict(std::string_view prefer) {
  // Prefer: handling=strict (RFC 7240 preferences, comma or semicolon separated).
  auto pos = prefer.find("handling");
  while (pos != std::string_view::npos) {
    auto rest = prefer.substr(pos + 8);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.starts_with("=")) {
      rest.remove_prefix(1);
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '"')) rest.remove_prefix(1);
      return rest.starts_with("strict");
    }
    pos = prefer.find("handling", pos + 8);
  }
  return false;
}

http::response fhir_rest_api::read(std::string_view type, std::string_view id, unsigned version,
                                   read_scope& scope) const {
  if (!is_valid_id(id))
    return http::make_error(bhttp::status::bad_request, "invalid",
                            "'" + std::string(id) + "' is not an R4 id ([A-Za-z0-9-.]{1,64})", {}, version);
  auto row = store_.get_indexed(std::string(type), std::string(id));
  // Another home's child is not there for this caller: the same answer as an unknown id.
  if (row && scope.medical_home && !scope.allows(store_.child_home(row->child_id))) row.reset();
  if (row) scope.saw(row->patient_id);
  if (!row)
    return http::make_error(bhttp::status::not_found, "not-found",
                            std::string(type) + "/" + std::string(id) + " is not known to this gateway", {},
                            version);
  auto res = http::make_response(bhttp::status::ok, std::move(row->json), http::fhir_json, version);
  res.set(bhttp::field::etag, "W/\"" + std::to_string(row->version) + "\"");
  res.set(bhttp::field::last_modified, fhir::format_http_date(row->last_updated_ms));
  return res;
}

http::response fhir_rest_api::search(std::string_view type, std::string_view query, bool strict,
                                     unsigned version, read_scope& scope) const {
  if (!is_searchable(type))
    return http::make_error(bhttp::status::not_found, "not-supported",
                            "search is not served for " + std::string(type) + " (see GET /fhir/metadata)", {},
                            version);
  auto parsed = parse_search(type, query, strict);
  if (auto* error = std::get_if<search_error>(&parsed))
    return http::make_error(
        bhttp::status::bad_request, "invalid",
        error->param.empty() ? error->message : "search parameter '" + error->param + "': " + error->message,
        {}, version);
  auto& request = std::get<search_request>(parsed);
  request.query.medical_home = scope.medical_home;
  auto page = store_.search_indexed(request.query);
  if (!page)
    return http::make_error(bhttp::status::service_unavailable, "transient", "the store could not be read",
                            {}, version);

  std::vector<store::indexed_resource> included;
  if (!request.include_params.empty()) {
    std::set<std::string> matched;
    for (const auto& r : page->rows)
      if (r.type == "Patient") matched.insert(r.id);
    for (const auto& id : included_patients(*page, request.include_params))
      if (!matched.contains(id))
        if (auto p = store_.get_indexed("Patient", id);
            p && (!scope.medical_home || scope.allows(store_.child_home(p->child_id))))
          included.push_back(std::move(*p));
  }
  for (const auto& r : page->rows) scope.saw(r.patient_id);
  for (const auto& r : included) scope.saw(r.patient_id);

  rapidjson::StringBuffer buffer;
  writer w(buffer);
  w.StartObject();
  w.Key("resourceType");
  w.String("Bundle");
  w.Key("type");
  w.String("searchset");
  w.Key("total");
  w.Int64(page->total);
  w.Key("link");
  w.StartArray();
  write_link(w, "self", search_url(base_, type, request, request.query.after_seq));
  if (page->more && !page->rows.empty())
    write_link(w, "next", search_url(base_, type, request, page->rows.back().seq));
  w.EndArray();
  if (!page->rows.empty() || !included.empty()) {
    w.Key("entry");
    w.StartArray();
    for (const auto& r : page->rows) write_entry(w, base_, r, "match");
    for (const auto& r : included) write_entry(w, base_, r, "include");
    w.EndArray();
  }
  w.EndObject();
  return http::make_response(bhttp::status::ok, std::string(buffer.GetString(), buffer.GetSize()),
                             http::fhir_json, version);
}

}  // namespace homebase::gateway::api
