// medical_home_transaction: coordination_record -> a FHIR R4 transaction Bundle for the medical home's
// FHIR server. Every entry is a conditional write keyed on a business identifier:
//   POST with ifNoneExist "identifier=system|value" for resources created once (Patient, ...), or
//   PUT "Type?identifier=system|value" (conditional update) for resources whose content changes.
// (Provenance, which has no identifier, is created once keyed on a meta.tag: see provenance_entries.)
// Sending the same Bundle twice therefore changes nothing at the destination.
// References between entries use urn:uuid fullUrls derived deterministically from the business key,
// so the same record always produces byte-identical output (idempotency keys are stable).
// Pure: no I/O, no clock.
#pragma once

#include <string>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::outbound {

struct transaction_options {
  std::string source_name;  // shown in Provenance/meta.source style text, e.g. the sending partner id
  std::string message_id;   // the inbound MessageHeader.id, recorded as meta.source fragment
};

// Returns the transaction Bundle as minified JSON.
[[nodiscard]] std::string to_transaction_bundle(const model::coordination_record& record,
                                                const transaction_options& options);

}  // namespace homebase::mappers::outbound
