// message_intake: `POST /fhir/$process-message`, the path of one inbound message (docs/ARCHITECTURE.md):
//   content type -> JSON (limits) -> message Bundle rules -> partner (the authenticated one) -> R4 validation
//   of the whole Bundle (fhir/validation; strict, or lenient per partner; any error: 422 listing every issue,
//   nothing kept; warnings go into the response) -> event -> the partner's ConceptMaps add standard codings
//   next to its local codes (mappers/terminology; each translation is a note of the response) -> translation
//   (pure, on the connection's strand) -> one store transaction on the writer thread (duplicate check, merge
//   into the child's record, routing, inbox row, outbox row) -> commit -> response message.
// The response is sent only after the commit (persist, then acknowledge). A message whose
// Bundle.id + MessageHeader.id was seen before gets the original response and no second delivery.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/gateway_config.hpp"
#include "fhir/validation/validator.hpp"
#include "gateway/auth/principal.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/pipeline/partner_concept_maps.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/audit/audit_event_builder.hpp"

namespace homebase::gateway::pipeline {

struct ingest_state;  // one message or document on its way through (message_intake.cpp)

// How a partner's messages are validated: strict, or lenient (unknown elements are warnings).
[[nodiscard]] fhir::validation_options ingest_validation_options(const config::partner& partner);

class message_intake {
 public:
  // `delivered_to` is called (any thread) with a destination id after a commit that queued work for it.
  // `concept_maps`: the partners' ConceptMaps; when null they are loaded here from the config, which throws
  // config::config_error for a bad one (start-up only).
  message_intake(config::config_ptr config, store::sqlite_store& store,
                 std::function<void(const std::string&)> delivered_to,
                 concept_maps_ptr concept_maps = nullptr);

  // `sender`: the authenticated partner client. The message's MessageHeader.source.endpoint must belong
  // to it (403 otherwise, nothing kept) and its event be one it may send; in development mode (method
  // development) the partner is whoever the endpoint names, as before authentication existed.
  boost::asio::awaitable<http::response> process(http::request& req, const auth::principal& sender);

  // `POST /fhir/Bundle`: a NICU discharge as a FHIR document (Bundle.type document, Composition LOINC
  // 18842-5 first). The sender is the partner whose organization_identifiers name the Composition's
  // custodian or an author; Bundle.identifier (required for documents, bdl-9) recognises a repeat. The same
  // stages and store transaction as a message; answered per R4 create: 201 with Location, or 200 for a
  // repeat (nothing processed again, the same body), the body an OperationOutcome listing the notes.
  // The same sender rule: the Composition's custodian or author must be the authenticated partner.
  boost::asio::awaitable<http::response> process_document(http::request& req, const auth::principal& sender);

  // Re-runs patient matching and routing for an unroutable or held message, or requeues a dead-lettered one.
  // `admin`: who asked (client, address, request id) for the admin action's AuditEvent, written with the
  // effect.
  boost::asio::awaitable<http::response> retry(std::int64_t message_id, mappers::audit::audit_record admin);

  // A person's answer for a message held for patient matching: it is about `child_id`, or (nullopt) about
  // a child the gateway does not know yet. The message is then merged and routed like any other.
  boost::asio::awaitable<http::response> resolve_match(std::int64_t message_id,
                                                       std::optional<std::int64_t> child_id,
                                                       mappers::audit::audit_record admin);

  [[nodiscard]] const concept_maps_ptr& concept_maps() const { return concept_maps_; }

 private:
  struct match_choice {
    std::optional<std::int64_t> child_id;  // nullopt: a new child
  };
  boost::asio::awaitable<http::response> resolve(std::int64_t message_id, std::optional<match_choice> choice,
                                                 mappers::audit::audit_record admin);
  // Translation done: one store job (duplicate check, merge, routing, inbox and outbox rows), then commit.
  // Sets the state's outputs; kind failed when nothing was kept.
  boost::asio::awaitable<void> commit(std::shared_ptr<ingest_state> state);

  config::config_ptr config_;
  store::sqlite_store& store_;
  std::function<void(const std::string&)> notify_;
  fhir::validator validator_;      // immutable; shared by every connection's strand
  concept_maps_ptr concept_maps_;  // immutable; likewise
};

}  // namespace homebase::gateway::pipeline
