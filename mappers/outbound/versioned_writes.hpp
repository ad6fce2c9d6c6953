// versioned_writes: turns the conditional writes of an outbound transaction (medical_home_transaction)
// into versioned ones where the practice owns fields (field_ownership), and reads what the medical home
// answers about versions. Issue 11 item 1; docs/ARCHITECTURE.md "Who owns which field".
//
// For an entry of a type with practice-owned fields (Task, Appointment, CarePlan) whose version at this
// medical home Homebase knows (it wrote it before and the transaction-response said which version):
//   request  PUT "Type?identifier=system|value"   becomes   PUT "Type/{server id}", ifMatch W/"{version}"
//   resource gets id = server id, and the practice's kept changes overlaid (field_ownership)
// (R4 http.html#concurrency and Bundle.entry.request.ifMatch; the conditional update ignores If-Match on
// some servers, Medplum's among them, the instance-level update honours it everywhere.) A conformant
// server then refuses the whole transaction with 412 when the practice changed one of them since.
// Every other entry stays as medical_home_transaction wrote it: conditional updates keyed on business
// identifiers, and POST with ifNoneExist for what Homebase only seeds (Provenance, once per record event).
//
// After a successful transaction, learned_versions reads, for the tracked entries, the version the server
// gave each (Bundle.entry[i].response.etag W/"v", else the location's _history/v, else the resource's
// meta.versionId, in request order) and its id. After a 412, read_back_batch asks for the current
// version of every entry written with ifMatch (one batch Bundle of GETs) and read_back_results reads it.
// Pure: no I/O, no clock.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace homebase::mappers::outbound {

// What Homebase knows about one resource it wrote at a medical home (store: delivery_versions).
struct known_version {
  std::string resource_type;
  std::string business_key;  // the conditional query Homebase writes it with: "identifier=system|value"
  std::string server_id;
  std::string version;   // the server's versionId of Homebase's last write
  std::string written;   // owned fields of that write, references resolved (field_ownership), JSON
  std::string practice;  // owned fields the practice changed (field_ownership::practice_changes), JSON
  friend bool operator==(const known_version&, const known_version&) = default;
};

// An entry of a sent Bundle whose version is tracked.
struct tracked_entry {
  std::size_t index = 0;  // in Bundle.entry
  std::string resource_type;
  std::string business_key;
  std::string full_url;
  std::string server_id;     // empty: written conditionally (no version known yet)
  std::string if_match;      // the version it was written against; empty: no ifMatch
  std::string written;       // owned fields as sent (bundle-internal references not resolved)
  std::string last_written;  // known_version::written
  std::string practice;      // known_version::practice
};

struct versioned_bundle {
  std::string json;                    // the Bundle to send
  std::vector<tracked_entry> tracked;  // entries of types with practice-owned fields, in Bundle order
  std::vector<std::string> full_urls;  // of every entry, in Bundle order (to resolve references later)
  int versioned = 0;                   // entries written with ifMatch
};

// `bundle_json` (a transaction Bundle of medical_home_transaction) with the versioned writes for `known`.
// The input unchanged (and nothing tracked) when it is not a Bundle.
[[nodiscard]] versioned_bundle with_versions(std::string_view bundle_json,
                                             const std::vector<known_version>& known);

// From a successful transaction-response to `sent`: what is known now of each tracked entry (its id,
// version, and `written` with references resolved to the server's Type/id); entries the response says
// nothing usable about are left out.
[[nodiscard]] std::vector<known_version> learned_versions(const versioned_bundle& sent,
                                                          std::string_view response_json);

// A batch Bundle of `GET Type/{id}` for the entries of `sent` written with ifMatch, in their order.
[[nodiscard]] std::string read_back_batch(const versioned_bundle& sent);

struct current_version {
  std::size_t tracked = 0;    // index into sent.tracked
  std::string version;        // the server's current versionId
  std::string resource_json;  // the practice's current resource; empty when gone
  bool gone = false;          // 404/410: the practice deleted it (write it conditionally again)
};
// The batch-response to read_back_batch(sent): one result per entry that answered (200 with a resource
// of that id, or 404/410); nothing for the others.
[[nodiscard]] std::vector<current_version> read_back_results(const versioned_bundle& sent,
                                                             std::string_view response_json);

// W/"3" or "3" -> 3; empty when not an ETag.
[[nodiscard]] std::string version_of_etag(std::string_view etag);

}  // namespace homebase::mappers::outbound
