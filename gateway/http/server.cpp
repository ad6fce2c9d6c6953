#include "gateway/http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <iostream>

namespace homebase::gateway::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_buffer_reserve = 64 * 1024;

beast::tcp_stream& lowest(beast::tcp_stream& s) {
  return s;
}
beast::tcp_stream& lowest(beast::ssl_stream<beast::tcp_stream>& s) {
  return s.next_layer();
}

void log_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::cerr << "homebase: connection ended by exception: " << ex.what() << "\n";
  }
}
}  // namespace

server::server(asio::io_context& ioc, const config::server_settings& settings)
    : ioc_(ioc), settings_(settings), acceptor_(asio::make_strand(ioc)) {
  auto address = asio::ip::make_address(settings.listen_address);
  tcp::endpoint endpoint(address, settings.port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
  if (settings.tls) {
    tls_.emplace(asio::ssl::context::tls_server);
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    tls_->use_certificate_chain_file(settings.tls->certificate_file);
    tls_->use_private_key_file(settings.tls->private_key_file, asio::ssl::context::pem);
  }
}

void server::start(request_handler& handler) {
  handler_ = &handler;
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), [](std::exception_ptr e) { log_exception(e); });
}

void server::stop() {
  stopping_ = true;
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
  });
}

asio::awaitable<void> server::accept_loop() {
  auto self = shared_from_this();
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), nothrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping_) co_return;
      // E.g. too many open files: pause instead of spinning, then accept again.
      std::cerr << "homebase: accept: " << ec.message() << "\n";
      asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(nothrow);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto executor = socket.get_executor();
    if (tls_)
      asio::co_spawn(executor, run_tls(std::move(socket)), [](std::exception_ptr e) { log_exception(e); });
    else
      asio::co_spawn(executor, run_plain(std::move(socket)), [](std::exception_ptr e) { log_exception(e); });
  }
}

asio::awaitable<void> server::run_plain(tcp::socket socket) {
  auto self = shared_from_this();
  connection_info peer;
  boost::system::error_code aec;
  auto remote = socket.remote_endpoint(aec);
  if (!aec) peer.address = remote.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  co_await serve(stream, peer);
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> server::run_tls(tcp::socket socket) {
  auto self = shared_from_this();
  connection_info peer;
  peer.tls = true;
  boost::system::error_code aec;
  auto remote = socket.remote_endpoint(aec);
  if (!aec) peer.address = remote.address().to_string();
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls_);
  stream.next_layer().expires_after(settings_.read_timeout);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
  if (ec) co_return;
  co_await serve(stream, peer);
  stream.next_layer().expires_after(settings_.write_timeout);
  co_await stream.async_shutdown(nothrow);
}

bool server::reserve_body(std::size_t bytes) {
  auto used = body_bytes_in_flight_.load();
  do {
    if (used + bytes > settings_.inflight_body_budget_bytes) return false;
  } while (!body_bytes_in_flight_.compare_exchange_weak(used, used + bytes));
  return true;
}

template <typename Stream>
asio::awaitable<void> server::serve(Stream& stream, const connection_info& peer) {
  beast::flat_buffer buffer;
  buffer.reserve(read_buffer_reserve);
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(settings_.header_limit_bytes));
    parser.body_limit(settings_.body_limit_bytes);

    // Idle timeout while waiting for the next request's header, then the read timeout for the rest.
    lowest(stream).expires_after(settings_.idle_timeout);
    auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, nothrow);
    boost::system::error_code ec = hec;
    // The body's share of the budget: its announced length, or the limit for a chunked body.
    std::size_t reserved = 0;
    bool over_budget = false;
    if (!ec && !parser.is_done()) {
      auto announced = parser.content_length();
      std::size_t want = announced ? static_cast<std::size_t>(*announced) : settings_.body_limit_bytes;
      if (want <= settings_.body_limit_bytes) {
        if (reserve_body(want))
          reserved = want;
        else
          over_budget = true;
      }
    }
    if (!ec && !over_budget && !parser.is_done() &&
        beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
      // The client waits for this before it sends the body (curl does for large bodies).
      bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, parser.get().version()};
      lowest(stream).expires_after(settings_.write_timeout);
      auto [cec, cn] = co_await bhttp::async_write(stream, go_on, nothrow);
      ec = cec;
    }
    if (!ec && !over_budget && !parser.is_done()) {
      lowest(stream).expires_after(settings_.read_timeout);
      auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, nothrow);
      ec = bec;
    }
    // Give the budget back however this request ends.
    struct release_guard {
      std::atomic<std::size_t>& used;
      std::size_t bytes;
      ~release_guard() { used -= bytes; }
    } release{body_bytes_in_flight_, reserved};
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
      co_return;

    response res;
    bool keep_alive = false;
    bool counted = false;
    if (over_budget) {
      // The body has not been read: answer and close the connection.
      res = make_error(bhttp::status::service_unavailable, "transient",
                       "the gateway is receiving too much at once; send again shortly");
      res.set(bhttp::field::retry_after, "1");
    } else if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      res = make_error(
          bhttp::status::payload_too_large, "too-costly",
          ec == bhttp::error::body_limit
              ? "request body exceeds the limit of " + std::to_string(settings_.body_limit_bytes) + " bytes"
              : "request header exceeds the limit of " + std::to_string(settings_.header_limit_bytes) +
                    " bytes");
    } else if (ec) {
      res = make_error(bhttp::status::bad_request, "structure", "malformed HTTP request: " + ec.message());
    } else {
      ++in_flight_;
      counted = true;
      auto req = parser.release();
      keep_alive = req.keep_alive();
      auto version = req.version();
      std::exception_ptr failure;
      try {
        res = co_await handler_->handle(req, peer);
      } catch (...) {
        failure = std::current_exception();
      }
      if (failure) {
        log_exception(failure);
        res =
            make_error(bhttp::status::internal_server_error, "exception", "internal error; nothing was kept");
        keep_alive = false;
      }
      res.version(version);
    }
    if (stopping_) keep_alive = false;
    res.keep_alive(keep_alive);
    lowest(stream).expires_after(settings_.write_timeout);
    auto [wec, wn] = co_await bhttp::async_write(stream, res, nothrow);
    if (counted) --in_flight_;  // counted from handle() until the response is written
    counted = false;
    if (wec || !keep_alive) co_return;
  }
}

}  // namespace homebase::gateway::http
