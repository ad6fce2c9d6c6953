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
#include <string_view>
#include <type_traits>
#include <vector>

#include "gateway/http/peer_certificate.hpp"
#include "gateway/log/json_log.hpp"
#include "gateway/metrics/gateway_metrics.hpp"

namespace homebase::gateway::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_buffer_reserve = 64 * 1024;
// Graceful close: how long and how much of what a client still sends is read and discarded.
constexpr auto linger_time = std::chrono::seconds(2);
constexpr std::size_t linger_bytes = 8 * 1024 * 1024;
// Connections being answered 429/503 at once; beyond, a connection over a cap is closed unanswered.
constexpr int max_refusing = 64;

// The read ended because the connection did: nothing to answer.
bool connection_ended(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted;
}

// The header did not fit header_limit: 414 when the request line itself did not (the parser never got as
// far as a target; the parser takes the request line before the fields), else 431.
response header_too_large(const bhttp::request_parser<bhttp::string_body>& parser,
                          const config::server_settings& settings) {
  if (parser.get().target().empty())
    return make_error(
        bhttp::status::uri_too_long, "too-costly",
        "request target exceeds the limit of " + std::to_string(settings.target_limit_bytes) + " bytes");
  return make_error(
      bhttp::status::request_header_fields_too_large, "too-costly",
      "request header fields exceed the limit of " + std::to_string(settings.header_limit_bytes) + " bytes");
}

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
    log::write({.lvl = log::level::error, .event = "http.connection_exception", .detail = ex.what()});
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
    tls_ = make_tls_context(*settings.tls);
    ask_client_certificate_ = !settings.tls->client_ca_file.empty();
  }
}

std::shared_ptr<asio::ssl::context> server::make_tls_context(const config::tls_settings& tls) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  context->use_certificate_chain_file(tls.certificate_file);
  context->use_private_key_file(tls.private_key_file, asio::ssl::context::pem);
  // Resumption keeps reconnecting clients cheap: OpenSSL's server session cache and TLS 1.3 session
  // tickets are on by default; with client certificates they also need a session id context, which
  // request_client_certificates() sets.
  if (!tls.client_ca_file.empty()) request_client_certificates(context->native_handle(), tls.client_ca_file);
  return context;
}

void server::use_tls(std::shared_ptr<asio::ssl::context> context) {
  if (!tls_.load() || !context) return;  // TLS on or off needs a restart
  tls_.store(std::move(context));
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

int server::open_connections() const {
  std::lock_guard lock(connections_mutex_);
  return open_connections_;
}

server::admission server::admit(const std::string& address) {
  std::lock_guard lock(connections_mutex_);
  if (open_connections_ >= settings_.max_connections) return admission::server_full;
  auto it = connections_per_address_.try_emplace(address, 0).first;
  if (it->second >= settings_.max_connections_per_address) return admission::address_full;
  ++it->second;
  ++open_connections_;
  return admission::admitted;
}

void server::release(const std::string& address) {
  std::lock_guard lock(connections_mutex_);
  auto it = connections_per_address_.find(address);
  if (it != connections_per_address_.end() && --it->second <= 0) connections_per_address_.erase(it);
  --open_connections_;
}

asio::awaitable<void> server::accept_loop() {
  auto self = shared_from_this();
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), nothrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping_) co_return;
      // E.g. too many open files: pause instead of spinning, then accept again.
      auto why = ec.message();
      log::write({.lvl = log::level::error, .event = "http.accept_failed", .detail = why});
      asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(nothrow);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    connection_info peer;
    peer.tls = tls_.load() != nullptr;
    auto remote = socket.remote_endpoint(ec);
    if (!ec) peer.address = remote.address().to_string();
    auto executor = socket.get_executor();
    auto admitted = admit(peer.address);
    if (admitted != admission::admitted) {
      if (refusing_.fetch_add(1) >= max_refusing) {
        --refusing_;
        socket.close(ec);  // a flood of connections: not even an answer
        continue;
      }
      asio::co_spawn(executor, refuse(std::move(socket), admitted),
                     [](std::exception_ptr e) { log_exception(e); });
      continue;
    }
    if (tls_.load())
      asio::co_spawn(executor, run_tls(std::move(socket), std::move(peer)),
                     [](std::exception_ptr e) { log_exception(e); });
    else
      asio::co_spawn(executor, run_plain(std::move(socket), std::move(peer)),
                     [](std::exception_ptr e) { log_exception(e); });
  }
}

namespace {
// Gives a connection's place back however its coroutine ends.
template <typename Release>
struct scope_exit {
  Release release;
  ~scope_exit() { release(); }
};
template <typename Release>
scope_exit(Release) -> scope_exit<Release>;
}  // namespace

asio::awaitable<void> server::run_plain(tcp::socket socket, connection_info peer) {
  auto self = shared_from_this();
  scope_exit slot{[this, address = peer.address] { release(address); }};
  beast::tcp_stream stream(std::move(socket));
  co_await serve(stream, peer);
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> server::run_tls(tcp::socket socket, connection_info peer) {
  auto self = shared_from_this();
  scope_exit slot{[this, address = peer.address] { release(address); }};
  // The context of this connection's handshake, kept for its life: a reload that swaps in a rotated
  // certificate serves it to new connections only.
  auto context = tls_.load();
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *context);
  stream.next_layer().expires_after(settings_.read_timeout);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
  if (ec) co_return;
  if (ask_client_certificate_) peer.certificate = describe_peer_certificate(stream.native_handle());
  bool closed = co_await serve(stream, peer);
  if (closed) co_return;
  stream.next_layer().expires_after(settings_.write_timeout);
  co_await stream.async_shutdown(nothrow);
}

asio::awaitable<void> server::refuse(tcp::socket socket, admission why) {
  auto self = shared_from_this();
  scope_exit counted{[this] { --refusing_; }};
  response res = why == admission::address_full
                     ? make_error(bhttp::status::too_many_requests, "throttled",
                                  "too many connections from this address; retry shortly")
                     : make_error(bhttp::status::service_unavailable, "transient",
                                  "the gateway has too many connections open; retry shortly");
  res.set(bhttp::field::retry_after, "1");
  metrics::gateway_metrics::instance().request("(edge)", static_cast<int>(res.result_int()));
  if (auto context = tls_.load()) {
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *context);
    stream.next_layer().expires_after(linger_time);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
    if (ec) co_return;
    co_await answer_and_close(stream, res);
  } else {
    beast::tcp_stream stream(std::move(socket));
    co_await answer_and_close(stream, res);
  }
}

template <typename Stream>
asio::awaitable<void> server::answer_and_close(Stream& stream, response& res) {
  // Read the request's header first (bounded), so that the answer is one the client reads as such.
  beast::flat_buffer buffer;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(settings_.header_limit_bytes));
  lowest(stream).expires_after(linger_time);
  auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, nothrow);
  if (!hec) res.version(parser.get().version());
  res.keep_alive(false);
  lowest(stream).expires_after(settings_.write_timeout);
  auto [wec, wn] = co_await bhttp::async_write(stream, res, nothrow);
  if (!wec) co_await linger_close(stream);
}

template <typename Stream>
asio::awaitable<void> server::linger_close(Stream& stream) {
  boost::system::error_code ec;
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
  // On TLS the sending side stays open at the TCP level (a close_notify would need the peer's answer);
  // the client, having read a complete response with Connection: close, closes first.
  std::vector<char> scratch(read_buffer_reserve);
  std::size_t discarded = 0;
  lowest(stream).expires_after(linger_time);  // one deadline for the whole drain
  while (discarded < linger_bytes) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(scratch), nothrow);
    if (rec) break;
    discarded += n;
  }
  lowest(stream).socket().close(ec);
}

bool server::reserve_body(std::size_t bytes) {
  auto used = body_bytes_in_flight_.load();
  do {
    if (used + bytes > settings_.inflight_body_budget_bytes) return false;
  } while (!body_bytes_in_flight_.compare_exchange_weak(used, used + bytes));
  return true;
}

template <typename Stream>
asio::awaitable<bool> server::serve(Stream& stream, const connection_info& peer) {
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
    if (connection_ended(ec)) co_return false;

    // An answer given from the header alone, before any body is read and without calling the handler.
    std::optional<response> early;
    if (ec == bhttp::error::header_limit) {
      early = header_too_large(parser, settings_);
    } else if (ec == bhttp::error::body_limit) {  // Content-Length announces more than the limit
      early = make_error(
          bhttp::status::payload_too_large, "too-costly",
          "request body exceeds the limit of " + std::to_string(settings_.body_limit_bytes) + " bytes");
    } else if (ec) {
      early = make_error(bhttp::status::bad_request, "structure", "malformed HTTP request: " + ec.message());
    } else if (parser.get().target().size() > settings_.target_limit_bytes) {
      early = make_error(
          bhttp::status::uri_too_long, "too-costly",
          "request target exceeds the limit of " + std::to_string(settings_.target_limit_bytes) + " bytes");
    } else if (int retry_after = 1; !per_address_limiter_.take(
                   peer.address, settings_.per_address, std::chrono::steady_clock::now(), &retry_after)) {
      early = make_error(
          bhttp::status::too_many_requests, "throttled",
          "too many requests from this address; retry after " + std::to_string(retry_after) + " s");
      early->set(bhttp::field::retry_after, std::to_string(retry_after));
    }

    // The body's share of the budget: its announced length, or the limit for a chunked body.
    std::size_t reserved = 0;
    if (!early && !parser.is_done()) {
      auto announced = parser.content_length();
      std::size_t want = announced ? static_cast<std::size_t>(*announced) : settings_.body_limit_bytes;
      if (want <= settings_.body_limit_bytes) {
        if (reserve_body(want)) {
          reserved = want;
        } else {
          early = make_error(bhttp::status::service_unavailable, "transient",
                             "the gateway is receiving too much at once; send again shortly");
          early->set(bhttp::field::retry_after, "1");
        }
      }
    }
    // Give the budget back however this request ends.
    scope_exit release_body{[this, reserved] { body_bytes_in_flight_ -= reserved; }};
    if (!early && !parser.is_done() && beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
      // The client waits for this before it sends the body (curl does for large bodies).
      bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, parser.get().version()};
      lowest(stream).expires_after(settings_.write_timeout);
      auto [cec, cn] = co_await bhttp::async_write(stream, go_on, nothrow);
      if (cec) co_return false;
    }
    if (!early && !parser.is_done()) {
      lowest(stream).expires_after(settings_.read_timeout);
      auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, nothrow);
      ec = bec;
      if (connection_ended(ec)) co_return false;
      if (ec == bhttp::error::body_limit)  // a chunked body crossed the limit
        early = make_error(
            bhttp::status::payload_too_large, "too-costly",
            "request body exceeds the limit of " + std::to_string(settings_.body_limit_bytes) + " bytes");
      else if (ec)
        early =
            make_error(bhttp::status::bad_request, "structure", "malformed HTTP request: " + ec.message());
    }

    response res;
    bool keep_alive = false;
    bool counted = false;
    // Whether the whole request has been read: if not, the connection is closed gracefully after the answer.
    bool consumed = !ec && parser.is_done();
    if (early) {
      res = std::move(*early);
      // Answered at the edge, before the router: counted under one route name.
      metrics::gateway_metrics::instance().request("(edge)", static_cast<int>(res.result_int()));
      if (!ec) res.version(parser.get().version());
      keep_alive = consumed && parser.get().keep_alive();
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
    if (wec) co_return false;
    if (!consumed) {
      co_await linger_close(stream);
      co_return true;
    }
    if (!keep_alive) co_return false;
  }
}

}  // namespace homebase::gateway::http
