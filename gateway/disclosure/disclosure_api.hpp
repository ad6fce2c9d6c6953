// disclosure_api: the HTTP side of disclosures to schools (docs/ARCHITECTURE.md, "The disclosure gate").
//   POST /fhir/Consent                 the family's authorization (R4 Consent, validated; the child found by
//                                      Consent.patient.identifier; unknown child 422) -> 201 + Location
//   PUT  /fhir/Consent/{id}            a new version of it; status inactive is the written revocation:
//                                      queued letters under it are cancelled, sent ones noted as disclosed
//                                      in reliance (the OperationOutcome of the 200 lists them)
//   GET  /fhir/Consent/{id}            the Consent as last received, with its id and version
//   POST /fhir/$school-letter          Parameters (mappers/disclosure/letter_request.hpp) -> the gate ->
//                                      200 Parameters {letter, status draft, document} | 422
//                                      OperationOutcome (blocked). The draft is rendered (PDF + HTML,
//                                      watermarked) and readable as DocumentReference (docStatus preliminary)
//   POST /fhir/$school-letter-approve  Parameters {letter, functional-impact | accommodations |
//                                      emergency-plan | immunizations (edited text, only of permitted
//                                      sections)}: only the medical_home client whose `clinician.npi` is the
//                                      letter's signer (403 otherwise); the gate again; signed PDF + HTML
//                                      -> 200 Parameters {letter, status queued, document} | 409 not a draft
//                                      | 422 (the gate refuses now: the letter is cancelled)
//   POST /fhir/$school-letter-cancel   Parameters {letter, reason?}: a draft or a letter not yet sent
//                                      -> 200 Parameters {letter, status cancelled} | 409
//   (GET /fhir/AuditEvent, where the letters' AuditEvents are found, is gateway/audit/audit_api)
//   GET  /admin/school-letters/{id}    a letter's status, reason, attempts, and the document sent
// Runs on the connection's strand; every store change is one writer job.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config/gateway_config.hpp"
#include "fhir/validation/validator.hpp"
#include "gateway/auth/principal.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/audit/audit_event_builder.hpp"

namespace homebase::gateway::disclosure {

class disclosure_api {
 public:
  // `letter_queued` is called after a commit that queued a letter (wakes the sender).
  disclosure_api(config::config_ptr config, store::sqlite_store& store, std::function<void()> letter_queued);

  // Whether `path` is one of these endpoints; then `handle` answers it.
  [[nodiscard]] static bool owns(std::string_view path);
  // `caller` is authenticated and allowed on the route (gateway/auth/route_policy); a medical_home client
  // reaches only its own children: another home's child is answered as an unknown one.
  boost::asio::awaitable<http::response> handle(http::request& req, const auth::principal& caller);

 private:
  // The medical home a caller is limited to (nullopt: operator, every child).
  using home_scope = std::optional<std::string>;
  // `asked`: who asked, for the Consent's AuditEvent (created, revised or revoked), written with it.
  boost::asio::awaitable<http::response> post_consent(http::request& req, home_scope home,
                                                      mappers::audit::audit_record asked);
  boost::asio::awaitable<http::response> put_consent(http::request& req, std::int64_t id, home_scope home,
                                                     mappers::audit::audit_record asked);
  http::response get_consent(std::int64_t id, const home_scope& home);
  boost::asio::awaitable<http::response> school_letter(http::request& req, home_scope home,
                                                       mappers::audit::audit_record asked);
  boost::asio::awaitable<http::response> approve(http::request& req, const auth::principal& caller,
                                                 mappers::audit::audit_record asked);
  boost::asio::awaitable<http::response> cancel(http::request& req, home_scope home,
                                                mappers::audit::audit_record asked);
  // Renders the draft of `letter_id` (off the I/O threads) and keeps it with the letter.
  boost::asio::awaitable<void> render_draft(std::int64_t letter_id);
  http::response letter_status(std::int64_t id);

  config::config_ptr config_;
  store::sqlite_store& store_;
  std::function<void()> letter_queued_;
  fhir::validator validator_;
  // Letters are laid out here (cairo/pango: tens of milliseconds), never on an I/O thread.
  boost::asio::thread_pool render_pool_{1};
};

}  // namespace homebase::gateway::disclosure
