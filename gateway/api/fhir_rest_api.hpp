// fhir_rest_api: the care coordinator's read side, plain FHIR R4 REST over the resource index
// (child/child_resources keeps it, in the same transaction that saves a child):
//   GET  /fhir/{type}/{id}             read: 200 with ETag W/"<versionId>" and Last-Modified; 404 for an
//                                      unknown id or a type not served; 400 for a malformed id
//   GET  /fhir/{type}?...              search (api/search_parameters lists the types and parameters):
//   POST /fhir/{type}/_search          the same with an application/x-www-form-urlencoded body
//     a searchset Bundle with total, self and next links, entries in index order (seq), fullUrl under
//     server.public_base_url; _include=<type>:patient|subject adds the Patients (search.mode include).
// Every bad request gets an OperationOutcome; nothing here throws.
#pragma once

#include <string>
#include <string_view>

#include "gateway/api/read_scope.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::api {

class fhir_rest_api {
 public:
  fhir_rest_api(store::sqlite_store& store, std::string public_base_url)
      : store_(store), base_(std::move(public_base_url)) {}

  // `scope` limits what is visible (another medical home's child is 404, absent from searches and
  // _include) and collects the Patients disclosed.
  [[nodiscard]] http::response read(std::string_view type, std::string_view id, unsigned version,
                                    read_scope& scope) const;
  // `query`: the query string (GET) or the form body (POST _search), undecoded.
  [[nodiscard]] http::response search(std::string_view type, std::string_view query, bool strict,
                                      unsigned version, read_scope& scope) const;

  // Whether `Prefer` asks for strict handling of search parameters.
  [[nodiscard]] static bool prefers_strict(std::string_view prefer);

 private:
  store::sqlite_store& store_;
  std::string base_;
};

}  // namespace homebase::gateway::api
