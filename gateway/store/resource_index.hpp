// resource_index: the `fhir_resources` and `fhir_search_values` tables: what the medical home is sent for
// each child, as FHIR resources with their search parameter values (the read API). Writers store only
// what changed (child/child_writer); searches become SQL here.
// Implements write_tx's indexed_versions / put_indexed and sqlite_store's get_indexed / search_indexed
// (resource_index.cpp).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace homebase::gateway::store {

// One value of a search parameter of an indexed resource: a token (system, value), a reference (target
// type, target id) or a date range [low, high) in UTC milliseconds.
struct index_value {
  std::string param;
  std::string system;
  std::string value;
  std::int64_t low = 0, high = 0;
};

// A row of the resource index.
struct indexed_resource {
  std::int64_t seq = 0;  // insertion order, never changes: the order of search results
  std::string type;
  std::string id;
  std::int64_t child_id = 0;
  std::string patient_id;  // the child's Patient resource id
  std::string status;
  std::int64_t version = 0;  // meta.versionId
  std::int64_t last_updated_ms = 0;
  std::string json;  // with meta
};

// What a writer stores for one resource whose content changed.
struct indexed_write {
  indexed_resource row;
  std::int64_t content_hash = 0;  // of the resource without meta: unchanged content keeps its version
  std::vector<index_value> values;
  std::optional<std::int64_t> prior_seq;  // the row it replaces (its seq stays); nullopt: a new row
};

// A resource's key in the index.
struct resource_key {
  std::string_view type;
  std::string_view id;
};

// A search of the index. Filters are AND-ed, the alternatives of one filter OR-ed (R4 search.html).
struct index_filter {
  enum class on { id, status, token, reference, date, last_updated };
  struct alternative {
    std::string system;  // token: "" with any_system false means "no system"; reference: target type or ""
    std::string value;   // token value (empty with match_value false: any value), id, status, reference id
    bool any_system = true;
    bool match_value = true;
    int prefix = 0;  // date, last_updated: a fhir::date_prefix, decided by fhir::date_matches
    std::int64_t low = 0, high = 0;
  };
  on what = on::id;
  std::string param;  // token, reference, date: the parameter's name in fhir_search_values
  std::vector<alternative> any_of;
};

struct index_search {
  std::string type;
  std::vector<index_filter> filters;
  int count = 20;
  std::int64_t after_seq = 0;  // paging: only rows after this one
  // Only resources of children routed to this medical home (a medical_home client); nullopt: all.
  std::optional<std::string> medical_home;
};

struct index_page {
  std::int64_t total = 0;
  std::vector<indexed_resource> rows;
  bool more = false;  // rows beyond this page
};

namespace detail {
// Registers the SQL functions index searches use (date_match) on a read connection; false on failure.
bool register_search_functions(sqlite3* db);
}  // namespace detail

}  // namespace homebase::gateway::store
