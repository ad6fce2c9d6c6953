// destination_credentials: how Homebase proves itself to one destination (a medical home's or a school's
// FHIR server), per config::destination_auth, and the authenticated POST the delivery workers use.
//   none         plain request
//   bearer       "Authorization: Bearer <configured token>" (test set-ups only)
//   certificate  a TLS client certificate and key, loaded into this destination's own TLS context
//   smart        SMART Backend Services as a client (fhir-rules.md §6): an access token from POST token_url
//                (grant_type=client_credentials, client_assertion_type=...:jwt-bearer, client_assertion
//                signed by gateway/auth/client_assertion_signer, scope), sent as "Authorization: Bearer
//                <token>". The token is cached until 30 s before its expires_in (a token that lives 30 s or
//                less is used for the requests waiting on its fetch only). Concurrent requests share one
//                fetch. A 401 from the destination drops the token, and post() sends the request once more
//                with a new one, within the same delivery attempt. (smart may be combined with certificate.)
// A token request that fails is returned as a failed attempt without an HTTP status (the delivery retries)
// and an error naming the token URL and the authorization server's RFC 6749 error; the assertion and the
// tokens never appear in an error, a log line or a stored attempt.
// Ownership: built at start-up by the worker that delivers to the destination (throws config::config_error
// when a key or certificate is unusable); owns its TLS context, signer and token cache. post() may be
// called from any executor, also concurrently: the cache is guarded by a mutex held only between awaits.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "config/gateway_config.hpp"
#include "gateway/delivery/http_client.hpp"

namespace homebase::gateway::delivery {

// A TLS client context with the gateway's outbound settings (TLS 1.2+, delivery.ca_file,
// delivery.verify_tls_peer). Throws config::config_error when ca_file cannot be loaded.
[[nodiscard]] std::unique_ptr<boost::asio::ssl::context> make_client_tls_context(
    const config::delivery_settings& delivery);

// Loads every medical home's and school's credentials once and drops them: what `--check-config` runs so
// that an unusable key or certificate is found before the gateway is started. Throws config::config_error.
void check_destination_credentials(const config::gateway_config& config);

class destination_credentials {
 public:
  // `name` names the destination in start-up errors ("medical_homes[meadowbrook].auth").
  destination_credentials(const config::destination_auth& auth, const config::delivery_settings& delivery,
                          const std::string& name);
  ~destination_credentials();
  destination_credentials(const destination_credentials&) = delete;
  destination_credentials& operator=(const destination_credentials&) = delete;

  // POSTs `body` to `url` with this destination's credentials (see above). Never throws.
  boost::asio::awaitable<http_result> post(const std::string& url, const std::string& body,
                                           const std::string& content_type);
  // The same through `client` (made with client_for(); a delivery lane keeps its connection open), with
  // `request_id` as X-Request-Id when not empty.
  boost::asio::awaitable<http_result> post(http_client& client, const std::string& url,
                                           const std::string& body, const std::string& content_type,
                                           const std::string& request_id = {});
  // GETs `url` through `client` with this destination's credentials (a 401 with a SMART token: once more
  // with a new one), accepting FHIR JSON; what the practice read-back reads pages of Tasks with.
  boost::asio::awaitable<http_result> get(http_client& client, const std::string& url);
  // A keep-alive client with this destination's TLS context (its client certificate) and timeout.
  [[nodiscard]] std::unique_ptr<http_client> client_for() const;

  // The Authorization header value for a request now (empty for none and certificate), or why there is
  // none (`error` set: the token request failed).
  struct authorization {
    std::string header;
    std::string error;
  };
  boost::asio::awaitable<authorization> authorize();
  // The destination refused `header` (401): forget the cached token if it is still that one.
  void drop(const std::string& header);

  // Token requests sent so far (smart), for tests and metrics.
  [[nodiscard]] int token_requests() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace homebase::gateway::delivery
