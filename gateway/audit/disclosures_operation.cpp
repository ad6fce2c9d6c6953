#include "gateway/audit/disclosures_operation.hpp"

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

#include "fhir/date_prefix.hpp"
#include "gateway/api/fhir_rest_api.hpp"
#include "gateway/api/search_request.hpp"
#include "gateway/audit/audit_api.hpp"
#include "gateway/store/audit_table.hpp"
#include "mappers/audit/audit_event_builder.hpp"

namespace homebase::gateway::audit {

namespace bhttp = boost::beast::http;

namespace {

bool parse_count(std::string_view text, std::int64_t& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size() && out >= 0;
}

std::string operation_url(const std::string& base, std::string_view patient_id,
                          const std::vector<std::pair<std::string, std::string>>& echoed, int count,
                          std::int64_t cursor) {
  std::string url = base + "/Patient/" + std::string(patient_id) + "/$disclosures?";
  for (const auto& [name, value] : echoed) url += name + "=" + api::query_encode(value) + "&";
  url += "_count=" + std::to_string(count);
  if (cursor > 0) url += "&_cursor=" + std::to_string(cursor);
  return url;
}

}  // namespace

disclosures_operation::disclosures_operation(config::config_ptr config, store::sqlite_store& store)
    : config_(std::move(config)), store_(store) {}

std::string_view disclosures_operation::patient_of(std::string_view path) {
  constexpr std::string_view prefix = "/fhir/Patient/";
  if (!path.starts_with(prefix)) return {};
  auto rest = path.substr(prefix.size());
  for (std::string_view suffix : {"/$disclosures", "/%24disclosures"}) {
    if (rest.size() > suffix.size() && rest.ends_with(suffix)) {
      auto id = rest.substr(0, rest.size() - suffix.size());
      if (id.find('/') == std::string_view::npos) return id;
    }
  }
  return {};
}

http::response disclosures_operation::handle(const http::request& req, std::string_view patient_id,
                                             api::read_scope& scope) const {
  if (req.method() != bhttp::verb::get) {
    auto res = http::make_error(bhttp::status::method_not_allowed, "not-supported",
                                "method not allowed on $disclosures; allowed: GET", {}, req.version());
    res.set(bhttp::field::allow, "GET");
    return res;
  }
  std::string_view target = req.target();
  auto q = target.find('?');
  std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  return accounting(patient_id, query, api::fhir_rest_api::prefers_strict(req[bhttp::field::prefer]), scope,
                    req.version());
}

http::response disclosures_operation::accounting(std::string_view patient_id, std::string_view query_text,
                                                 bool strict, api::read_scope& scope,
                                                 unsigned version) const {
  auto fail = [&](const std::string& param, const std::string& message) {
    return http::make_error(bhttp::status::bad_request, "invalid", "parameter '" + param + "': " + message,
                            {}, version);
  };
  // The child first: an unknown Patient and another home's child are the same 404.
  std::optional<store::indexed_resource> patient;
  if (api::is_valid_id(patient_id)) patient = store_.get_indexed("Patient", std::string(patient_id));
  if (patient && !scope.allows(store_.child_home(patient->child_id))) patient.reset();
  if (!patient)
    return http::make_error(bhttp::status::not_found, "not-found",
                            "no Patient '" + std::string(patient_id) + "'", {}, version);

  auto params = api::split_query(query_text);
  if (!params) return fail("", "the query has a bad percent escape");
  store::audit_query q;
  q.child_id = patient->child_id;
  q.subtypes = {{{std::string(mappers::audit::lifecycle_system), "disclose"}}};
  q.outcomes = {{0}};
  for (const auto& home : config_->medical_homes) q.excluded_agents.push_back(home.id);
  q.newest_first = true;
  q.count = api::default_page_size;
  std::vector<std::pair<std::string, std::string>> echoed;
  for (const auto& [name, value] : *params) {
    if (value.empty()) continue;
    if (name == "date") {
      std::string_view v = value;
      auto prefix = fhir::split_date_prefix(v);
      auto range = fhir::parse_date_range(v, fhir::date_syntax::search);
      if (!range) return fail(name, "'" + value + "' is not a date (R4 prefixes eq ne lt gt le ge sa eb)");
      q.dates.push_back({prefix, *range});
      echoed.emplace_back(name, value);
    } else if (name == "_count") {
      std::int64_t n = 0;
      if (!parse_count(value, n)) return fail(name, "'" + value + "' is not a count");
      q.count = static_cast<int>(std::min<std::int64_t>(n, api::max_page_size));
    } else if (name == "_cursor") {
      std::int64_t n = 0;
      if (!parse_count(value, n)) return fail(name, "'" + value + "' is not a cursor");
      q.before_id = n;
    } else if (name == "_format" || name == "_pretty") {
      continue;
    } else if (strict) {
      return http::make_error(bhttp::status::bad_request, "not-supported",
                              "parameter '" + name + "' is not supported by $disclosures", {}, version);
    }
  }

  auto page = store::audit_table::search(store_, q);
  if (!page)
    return http::make_error(bhttp::status::service_unavailable, "transient", "the store could not be read",
                            {}, version);
  scope.saw(patient->id);
  const std::string& base = config_->server.public_base_url;
  std::string next;
  if (page->more && !page->rows.empty())
    next = operation_url(base, patient_id, echoed, q.count, page->rows.back().id);
  return audit_api::searchset(*page, base, operation_url(base, patient_id, echoed, q.count, q.before_id),
                              next, version);
}

}  // namespace homebase::gateway::audit
