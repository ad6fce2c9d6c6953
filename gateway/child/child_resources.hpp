// child_resources: the FHIR resources the gateway sends a child's medical home, kept in the store's
// resource index so that the read API (api/fhir_rest_api) serves them as plain R4 REST.
// The source of truth is the outbound mapper (mappers::outbound::to_transaction_bundle): every entry of
// the transaction Bundle, whatever its type, becomes one indexed resource. Its id is the uuid of the
// entry's `urn:uuid:` fullUrl (derived from the business key, so stable), and references between
// entries become relative `Type/id`. A resource's version and lastUpdated change only when its content
// does; resources the record stops producing stay in the index (nothing is silently dropped).
//
// The child writer (child_writer::save_child) stores them in the transaction that saves the child, so a
// read after the commit sees it. The projection is pure and may run on any thread (message_intake
// computes it off the writer thread for a child the gateway does not know yet).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/store/sqlite_store.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::gateway::child {

struct projected_resource {
  std::string type;
  std::string id;
  std::string status;
  std::string head;  // {"resourceType":"T","id":"X"   (meta goes between head and tail)
  std::string tail;  // the other members: ,"a":...}   or }
  std::int64_t content_hash = 0;
  std::vector<store::index_value> values;
};

struct child_resources {
  std::string patient_id;  // the id of the child's Patient resource
  std::vector<projected_resource> resources;
};

// Pure: the resources the record gives the medical home.
[[nodiscard]] child_resources project_child_resources(const mappers::model::coordination_record& record);

// Writer thread: stores each resource whose content changed (new version, lastUpdated = now_ms).
// Returns how many changed; errors are in tx (tx.ok()).
int store_child_resources(store::write_tx& tx, std::int64_t child_id, const child_resources& resources,
                          std::int64_t now_ms);

}  // namespace homebase::gateway::child
