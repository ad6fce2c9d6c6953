// http_client: posts one FHIR payload to a destination URL (or, for the console's OpenID provider, GETs a
// JSON document: gateway/console/oidc_provider) over HTTP or HTTPS (TLS 1.2+, peer verified
// with SNI unless configured otherwise) with one deadline for resolve, connect, handshake, write and read,
// and a limit on the answer's size. Never throws; every failure is in the result.
// By default each post() opens a connection and closes it. A client made with keep_alive keeps the
// connection open for its next post() to the same origin (scheme, host, port), as long as the destination
// answers HTTP/1.1 without "Connection: close" and the connection was idle less than `keep_alive_idle`
// (below the usual server idle timeouts, so that it is seldom closed under us); close() drops it. When a
// kept connection turns out closed before any answer arrived, the request is sent once more on a new one
// within the same deadline (deliveries are idempotent conditional writes). Not thread-safe: a
// client belongs to one strand (a delivery lane, gateway/delivery/delivery_service).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <string>

namespace homebase::gateway::delivery {

struct http_result {
  int status = 0;           // HTTP status; 0 when there was no HTTP answer
  std::string error;        // transport error text, empty on an HTTP answer
  std::string body;         // response body (truncated to the client's kept_body, 8 KiB by default)
  std::string retry_after;  // the Retry-After field, as sent (gateway/delivery/retry_after)
};

struct parsed_url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;  // path and query, "/" when empty
};

// false when the URL is not http(s)://host[:port][/path].
[[nodiscard]] bool parse_url(const std::string& url, parsed_url& out);

class http_client {
 public:
  static constexpr std::chrono::seconds keep_alive_idle{4};

  http_client(boost::asio::ssl::context& tls, std::chrono::milliseconds timeout, bool keep_alive = false);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // `authorization`: the Authorization header value, none when empty (destination_credentials.hpp).
  // `request_id`: sent as X-Request-Id when not empty (the correlation id of what caused the POST).
  boost::asio::awaitable<http_result> post(const std::string& url, const std::string& body,
                                           const std::string& content_type,
                                           const std::string& authorization = {},
                                           const std::string& accept = "application/fhir+json",
                                           const std::string& request_id = {});
  // GET `url` (no body). Used for small JSON documents; answers larger than kept_body are cut.
  // `authorization` as for post() (the practice read-back, gateway/scheduler/practice_read_back).
  boost::asio::awaitable<http_result> get(const std::string& url, std::string accept = "application/json",
                                          std::string authorization = {});
  // How much of an answer's body a result keeps (default 8 KiB; at most 4 MiB are ever read).
  void set_kept_body(std::size_t bytes) { kept_body_ = bytes; }
  // Closes a kept connection (without TLS close_notify); the next post() opens a new one.
  void close();
  // Connections opened so far (tests, bench).
  [[nodiscard]] int connects() const { return connects_; }

 private:
  struct connection;
  boost::asio::ssl::context& tls_;
  std::chrono::milliseconds timeout_;
  bool keep_alive_;
  std::unique_ptr<connection> kept_;
  int connects_ = 0;
  std::size_t kept_body_ = 8 * 1024;

  boost::asio::awaitable<http_result> send(bool get, const std::string& url, const std::string& body,
                                           const std::string& content_type, const std::string& authorization,
                                           const std::string& accept, const std::string& request_id);
};

}  // namespace homebase::gateway::delivery
