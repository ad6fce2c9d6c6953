// message_bundle: the R4 rules for a FHIR message Bundle (messaging.html, bundle.html, bdl-* invariants)
// that a receiver checks before it takes custody, and the envelope facts it needs afterwards.
//
//   400 (structure): not a JSON object, not a Bundle, Bundle.type not "message".
//   422 (processing): no entries; first entry not a MessageHeader (bdl-12); an entry without a resource
//        (bdl-5); entry.request / entry.response / entry.search in a message (bdl-3, bdl-4, bdl-2);
//        duplicate or version-specific fullUrl (bdl-7, bdl-8); missing Bundle.id or MessageHeader.id
//        (needed for reliable messaging, messaging.html §1.3); MessageHeader without event or
//        source.endpoint; a reference inside the Bundle that resolves to nothing.
// Every issue names its element path (e.g. "Bundle.entry[3].resource.participant[0].actor.reference").
#pragma once

#include <rapidjson/document.h>

#include <string>

#include "fhir/operation_outcome.hpp"

namespace homebase::fhir {

struct message_envelope {
  std::string bundle_id;
  std::string header_id;
  std::string event_system;  // eventCoding.system, or empty with event_uri
  std::string event_code;    // eventCoding.code, or eventUri
  std::string source_endpoint;
  std::string timestamp;
};

struct message_check {
  int http_status = 200;  // 200 when acceptable, otherwise 400 or 422
  operation_outcome outcome;
  message_envelope envelope;
};

[[nodiscard]] message_check check_message_bundle(const rapidjson::Value& bundle);

}  // namespace homebase::fhir
