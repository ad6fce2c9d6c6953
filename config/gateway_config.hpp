// gateway_config: the YAML configuration, loaded and checked once at start-up into immutable values.
// A bad file names the key and the line and the gateway refuses to start (load throws config_error;
// exceptions are allowed here because this only runs before the first request).
// See config/homebase.example.yaml for every key with its default.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace homebase::config {

struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct tls_settings {
  std::string certificate_file;  // PEM chain
  std::string private_key_file;  // PEM key
};

struct server_settings {
  std::string listen_address = "127.0.0.1";
  unsigned short port = 8080;
  int io_threads = 2;
  std::size_t header_limit_bytes = 16 * 1024;
  std::size_t body_limit_bytes = 8 * 1024 * 1024;
  // Request bodies being read or handled at once, all connections together; a request that does not fit
  // is answered 503 with Retry-After (bounds memory: a parsed body takes up to ~16x its size).
  std::size_t inflight_body_budget_bytes = 32 * 1024 * 1024;
  std::size_t json_max_depth = 64;
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_deadline{10'000};
  std::string public_base_url;      // how partners reach us (CapabilityStatement, responses); empty: derived
                                    // from the bound address by with_bound_port()
  std::optional<tls_settings> tls;  // absent: plain HTTP
};

struct store_settings {
  std::string path = "homebase.db";
  int max_batch = 256;  // group commit: most requests committed in one transaction
};

struct delivery_settings {
  std::chrono::milliseconds base_backoff{500};
  std::chrono::milliseconds max_backoff{60'000};
  int max_attempts = 8;
  std::chrono::milliseconds request_timeout{15'000};
  bool verify_tls_peer = true;
  std::string ca_file;  // extra trust anchors for https destinations; empty: system defaults
};

struct business_identifier {
  std::string system;
  std::string value;
};

// How the ingest path validates a partner's messages against R4 (fhir/validation/validator.hpp).
//   strict:  every validation error rejects the message (422)
//   lenient: unknown elements are warnings (reported in the response, not rejected); other errors reject
enum class validation_mode { strict, lenient };

// A FHIR R4 ConceptMap file (JSON) that translates a partner's local codes (partners[].concept_maps).
struct concept_map_file {
  std::string path;    // resolved against the config file's directory
  std::string origin;  // "FILE:LINE: partners[i].concept_maps[j]", to name the entry in start-up errors
};

struct partner {
  std::string id;
  std::string name;
  std::vector<std::string> source_endpoints;  // MessageHeader.source.endpoint values that identify it
  validation_mode validation = validation_mode::strict;
  std::vector<concept_map_file> concept_maps;  // applied in this order at ingest (mappers/terminology)
  // Organisation identifiers that identify it as the sender of a document (POST /fhir/Bundle), matched
  // against the Composition's custodian and authors; a document has no MessageHeader.source.
  std::vector<business_identifier> organization_identifiers;
};

struct medical_home {
  std::string id;
  std::string name;
  std::string fhir_base_url;                                  // where the transaction Bundle is posted
  std::vector<business_identifier> organization_identifiers;  // in Patient.generalPractitioner / CareTeam
  std::vector<business_identifier> patients;                  // explicit mapping of child identifiers
};

struct gateway_config {
  server_settings server;
  store_settings store;
  delivery_settings delivery;
  std::vector<partner> partners;
  std::vector<medical_home> medical_homes;

  [[nodiscard]] const partner* find_partner_by_endpoint(std::string_view source_endpoint) const;
  [[nodiscard]] const partner* find_partner(std::string_view id) const;
  // The partner that lists system|value among its organization_identifiers, or nullptr.
  [[nodiscard]] const partner* find_partner_by_organization(std::string_view system,
                                                            std::string_view value) const;
};

using config_ptr = std::shared_ptr<const gateway_config>;

// A copy of `config` whose server.port is the port actually bound (port 0 in the file picks a free one)
// and whose public_base_url, when the file left it empty, is derived from the listen address.
[[nodiscard]] config_ptr with_bound_port(const config_ptr& config, unsigned short port);

// Loads and checks a YAML file. Relative paths in it (store, TLS files, ConceptMaps) are taken relative
// to the file. A ConceptMap file must exist; its content is checked when the gateway loads it.
[[nodiscard]] config_ptr load_file(const std::string& path);
// Loads from text; `origin` names the source in error messages.
[[nodiscard]] config_ptr load_text(const std::string& yaml, const std::string& origin = "<text>",
                                   const std::string& base_dir = ".");

}  // namespace homebase::config
