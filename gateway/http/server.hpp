// server: the HTTP/1.1 listener and its connections (plain TCP, or TLS 1.2+ when configured).
//
// Each accepted connection runs as one coroutine on its own strand: it reads a request with a fresh
// parser (header and body limits from config; 413 beyond), with a timeout on every read and write
// (idle timeout while waiting for the next keep-alive request), calls the request_handler and writes the
// response. The read buffer is reserved up front (64 KiB) so that Beast reads bodies in large chunks.
// stop() closes the acceptor; connections finish the request they are handling and close; wait_idle()
// tells when no request is in flight.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <optional>

#include "config/gateway_config.hpp"
#include "gateway/http/request_handler.hpp"

namespace homebase::gateway::http {

class server : public std::enable_shared_from_this<server> {
 public:
  // Binds the listening socket; throws at start-up when it cannot (port in use, bad certificate).
  server(boost::asio::io_context& ioc, const config::server_settings& settings);

  // Starts accepting; `handler` must outlive the server.
  void start(request_handler& handler);
  void stop();
  [[nodiscard]] unsigned short port() const { return port_; }
  [[nodiscard]] int in_flight() const { return in_flight_.load(); }
  [[nodiscard]] bool stopping() const { return stopping_.load(); }

 private:
  boost::asio::awaitable<void> accept_loop();
  template <typename Stream>
  boost::asio::awaitable<void> serve(Stream& stream, const connection_info& peer);
  boost::asio::awaitable<void> run_plain(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<void> run_tls(boost::asio::ip::tcp::socket socket);
  // Takes `bytes` from the body budget; false when they do not fit.
  bool reserve_body(std::size_t bytes);

  boost::asio::io_context& ioc_;
  config::server_settings settings_;
  request_handler* handler_ = nullptr;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::optional<boost::asio::ssl::context> tls_;
  unsigned short port_ = 0;
  std::atomic<int> in_flight_{0};
  std::atomic<std::size_t> body_bytes_in_flight_{0};  // against settings_.inflight_body_budget_bytes
  std::atomic<bool> stopping_{false};
};

}  // namespace homebase::gateway::http
