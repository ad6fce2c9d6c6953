// server: the HTTP/1.1 listener and its connections (plain TCP, or TLS 1.2+ when configured, asking clients
// for a certificate when server.tls.client_ca_file is set).
//
// The edge, before any handler runs (RFC 9110, RFC 6585); every answer is an OperationOutcome:
//   - open connections are counted in total and per address (server.max_connections,
//     max_connections_per_address); a connection beyond the per-address cap is answered 429, beyond the
//     total 503, both with Retry-After, and closed;
//   - each request takes a token from its address's bucket (server.per_address_rate); none left: 429 with
//     Retry-After, the handler is not called;
//   - header fields over server.header_limit_bytes: 431; a request target over target_limit_bytes: 414;
//     a body over body_limit_bytes: 413, as soon as the header announces it (Content-Length) or when a
//     chunked body crosses it; a body that does not fit the in-flight budget: 503 with Retry-After.
//   An answer given before the request's body was read closes the connection gracefully: the response is
//   sent with Connection: close, the sending side shut down, and what the client still sends is read and
//   discarded for a bounded time and size, so that a client still sending sees the answer, not a reset.
//
// Each accepted connection runs as one coroutine on its own strand: it reads a request with a fresh
// parser, with a timeout on every read and write (idle timeout while waiting for the next keep-alive
// request), calls the request_handler and writes the response. The read buffer is reserved up front
// (64 KiB) so that Beast reads bodies in large chunks. On a TLS connection the client's certificate, if it
// presented one, is described once after the handshake into connection_info (gateway/http/peer_certificate).
// stop() closes the acceptor; connections finish the request they are handling and close; in_flight()
// tells when no request is in flight.
//
// Threads: the server's members are touched from all io threads: the counters are atomics, the
// per-address connection counts are guarded by connections_mutex_, the rate limiter has its own mutex;
// settings_ is fixed after construction; tls_ is an atomic shared_ptr that use_tls() swaps (a config reload
// rotating the certificate): each TLS connection takes it once, before its handshake, and keeps it.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "config/gateway_config.hpp"
#include "gateway/auth/rate_limiter.hpp"
#include "gateway/http/request_handler.hpp"

namespace homebase::gateway::http {

class server : public std::enable_shared_from_this<server> {
 public:
  // Binds the listening socket; throws at start-up when it cannot (port in use, bad certificate or
  // client CA file).
  server(boost::asio::io_context& ioc, const config::server_settings& settings);

  // Starts accepting; `handler` must outlive the server.
  void start(request_handler& handler);
  // A TLS context for `tls` (certificate chain, key, client CA); throws (at start-up or in a reload's check)
  // when a file is unusable.
  [[nodiscard]] static std::shared_ptr<boost::asio::ssl::context> make_tls_context(
      const config::tls_settings& tls);
  // Thread-safe: new connections handshake with `context`; open ones keep theirs. Ignored when the server
  // does not serve TLS (turning TLS on or off, or mutual TLS, needs a restart).
  void use_tls(std::shared_ptr<boost::asio::ssl::context> context);
  void stop();
  [[nodiscard]] unsigned short port() const { return port_; }
  [[nodiscard]] int in_flight() const { return in_flight_.load(); }
  [[nodiscard]] bool stopping() const { return stopping_.load(); }
  // Connections open now (admitted ones; not those being refused).
  [[nodiscard]] int open_connections() const;

 private:
  enum class admission { admitted, address_full, server_full };

  boost::asio::awaitable<void> accept_loop();
  // Serves requests until the connection ends; true when it ended with a graceful close already done
  // (an answer given before the body was read).
  template <typename Stream>
  boost::asio::awaitable<bool> serve(Stream& stream, const connection_info& peer);
  boost::asio::awaitable<void> run_plain(boost::asio::ip::tcp::socket socket, connection_info peer);
  boost::asio::awaitable<void> run_tls(boost::asio::ip::tcp::socket socket, connection_info peer);
  // A connection beyond a cap: read its request header (bounded), answer 429/503, close gracefully.
  boost::asio::awaitable<void> refuse(boost::asio::ip::tcp::socket socket, admission why);
  template <typename Stream>
  boost::asio::awaitable<void> answer_and_close(Stream& stream, response& res);
  // After an answer sent with Connection: close: shut down the sending side (plain TCP), then read and
  // discard what the client still sends, for a bounded time and size.
  template <typename Stream>
  boost::asio::awaitable<void> linger_close(Stream& stream);
  // Takes `bytes` from the body budget; false when they do not fit.
  bool reserve_body(std::size_t bytes);
  // Counts a new connection from `address` unless a cap is reached; release() gives it back.
  admission admit(const std::string& address);
  void release(const std::string& address);

  boost::asio::io_context& ioc_;
  config::server_settings settings_;
  request_handler* handler_ = nullptr;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<std::shared_ptr<boost::asio::ssl::context>> tls_;  // null: plain HTTP
  bool ask_client_certificate_ = false;
  unsigned short port_ = 0;
  std::atomic<int> in_flight_{0};
  std::atomic<std::size_t> body_bytes_in_flight_{0};  // against settings_.inflight_body_budget_bytes
  std::atomic<bool> stopping_{false};
  std::atomic<int> refusing_{0};  // connections being answered 429/503 now (bounded, beyond: closed at once)
  auth::rate_limiter per_address_limiter_;  // settings_.per_address, keyed by address
  mutable std::mutex connections_mutex_;
  int open_connections_ = 0;                                      // guarded by connections_mutex_
  std::unordered_map<std::string, int> connections_per_address_;  // guarded by connections_mutex_
};

}  // namespace homebase::gateway::http
