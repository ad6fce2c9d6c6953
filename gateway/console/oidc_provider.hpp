// oidc_provider: what the console knows of the practice's OpenID provider (config `console.oidc`): its
// discovery document (OpenID Connect Discovery 1.0, GET {issuer}/.well-known/openid-configuration) and
// the JWK Set its jwks_uri publishes, fetched on first use and cached. A caller that finds the cache
// wanting (a token signed by a key we do not hold, a token endpoint that cannot be reached) asks for a
// refresh; refreshes are at most one per `min_refresh` so that a flood of bad tokens cannot make the
// gateway hammer the provider, and a failed fetch keeps what was cached. With nothing cached yet (the
// provider was down), each sign-in tries once. Documents older than `max_age`
// are fetched again on the next use.
// The discovery document is checked: its issuer is exactly the configured one (§4.3), the endpoints are
// URLs of the same scheme rules as the issuer, and when it lists code_challenge_methods_supported, S256 is
// among them.
// Thread-safe: the cache is behind a mutex; fetches run as coroutines on the caller's executor (never
// blocking it) and each uses its own http_client.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/gateway_config.hpp"
#include "gateway/auth/jwk_set.hpp"
#include "gateway/delivery/http_client.hpp"

namespace homebase::gateway::console {

struct provider_metadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
};

// nullopt (and why in `error`) when `json` is not a discovery document for `expected_issuer`.
[[nodiscard]] std::optional<provider_metadata> parse_provider_metadata(std::string_view json,
                                                                       const std::string& expected_issuer,
                                                                       std::string* error);

struct provider_state {
  provider_metadata metadata;
  auth::jwk_set keys;
  std::chrono::steady_clock::time_point fetched;
};

class oidc_provider {
 public:
  static constexpr std::chrono::seconds min_refresh{10};
  static constexpr std::chrono::hours max_age{24};
  static constexpr std::size_t max_document_bytes = 256 * 1024;

  // Builds the TLS context (system trust anchors and the settings' ca_file). Throws config::config_error
  // when the ca_file cannot be loaded (start-up only).
  explicit oidc_provider(const config::console_oidc_settings& settings);

  // The provider's metadata and keys: cached, or fetched now (see above). nullptr (and why in `error`)
  // when there is nothing cached and the fetch failed.
  boost::asio::awaitable<std::shared_ptr<const provider_state>> get(bool refresh, std::string& error);

  // A client for one request to the provider (the token endpoint), with the configured timeout.
  [[nodiscard]] std::unique_ptr<delivery::http_client> client();

 private:
  boost::asio::awaitable<std::shared_ptr<const provider_state>> fetch(std::string& error);

  std::string issuer_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::mutex mutex_;
  std::shared_ptr<const provider_state> cached_;          // guarded by mutex_
  std::chrono::steady_clock::time_point last_attempt_{};  // guarded by mutex_
};

}  // namespace homebase::gateway::console
