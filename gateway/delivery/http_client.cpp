#include "gateway/delivery/http_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace homebase::gateway::delivery {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_response_body = 4 * 1024 * 1024;

struct exchange_result {
  http_result result;
  bool keep = false;          // the answer allows the connection to be used again
  bool nothing_back = false;  // no byte of an answer arrived (the request may be sent again elsewhere)
};

// What one request sends and keeps: POST with a body, or GET without.
struct request_shape {
  bool get = false;
  std::size_t kept_body = 8 * 1024;
};

template <typename Stream>
asio::awaitable<exchange_result> exchange(Stream& stream, beast::tcp_stream& lowest, const parsed_url& url,
                                          const request_shape& shape, const std::string& body,
                                          const std::string& content_type, const std::string& authorization,
                                          const std::string& accept, const std::string& request_id,
                                          std::chrono::steady_clock::time_point deadline) {
  exchange_result out;
  auto& result = out.result;
  bhttp::request<bhttp::string_body> req{shape.get ? bhttp::verb::get : bhttp::verb::post, url.target, 11};
  // RFC 9110 §7.2: the port is part of Host unless it is the scheme's default.
  bool default_port = url.port == (url.tls ? "443" : "80");
  auto host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;  // IPv6 literal
  req.set(bhttp::field::host, default_port ? host : host + ":" + url.port);
  req.set(bhttp::field::user_agent, "homebase");
  if (!shape.get) req.set(bhttp::field::content_type, content_type);
  req.set(bhttp::field::accept, accept);
  if (!authorization.empty()) req.set(bhttp::field::authorization, authorization);
  if (!request_id.empty()) req.set("X-Request-Id", request_id);  // the correlation id of the cause
  if (!shape.get) {
    req.body() = body;
    req.prepare_payload();
  }
  lowest.expires_at(deadline);
  auto [wec, wn] = co_await bhttp::async_write(stream, req, nothrow);
  if (wec) {
    result.error = "write: " + wec.message();
    out.nothing_back = true;
    co_return out;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_response_body);
  auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, nothrow);
  if (rec) {
    result.error = "read: " + rec.message();
    out.nothing_back = !parser.got_some() && rec != beast::error::timeout;
    co_return out;
  }
  auto res = parser.release();
  result.status = static_cast<int>(res.result_int());
  result.retry_after = std::string(res[bhttp::field::retry_after]);
  result.body = std::move(res.body());
  if (result.body.size() > shape.kept_body) result.body.resize(shape.kept_body);
  out.keep = res.keep_alive() && buffer.size() == 0;
  co_return out;
}
}  // namespace

bool parse_url(const std::string& url, parsed_url& out) {
  std::string_view rest(url);
  if (rest.starts_with("https://")) {
    out.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    out.tls = false;
    rest.remove_prefix(7);
  } else {
    return false;
  }
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.empty()) return false;
  out.port = out.tls ? "443" : "80";
  if (authority.front() == '[') {  // IPv6 literal: [::1] or [::1]:8090
    auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    out.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      out.port = std::string(after.substr(1));
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    out.host = std::string(authority.substr(0, colon));
    out.port = std::string(authority.substr(colon + 1));
  } else {
    out.host = std::string(authority);
  }
  if (out.host.empty() || out.port.empty()) return false;
  for (char c : out.port)
    if (c < '0' || c > '9') return false;
  return true;
}

// An open connection: plain TCP or TLS over TCP, to one origin.
struct http_client::connection {
  std::string origin;
  parsed_url url;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  std::chrono::steady_clock::time_point last_used;

  beast::tcp_stream& lowest() { return secure ? secure->next_layer() : *plain; }
  asio::awaitable<exchange_result> send(const request_shape& shape, const std::string& body,
                                        const std::string& content_type, const std::string& authorization,
                                        const std::string& accept, const std::string& request_id,
                                        std::chrono::steady_clock::time_point deadline) {
    if (secure)
      co_return co_await exchange(*secure, lowest(), url, shape, body, content_type, authorization, accept,
                                  request_id, deadline);
    co_return co_await exchange(*plain, *plain, url, shape, body, content_type, authorization, accept,
                                request_id, deadline);
  }
  // Closes politely (TLS close_notify under the deadline still set on the stream).
  asio::awaitable<void> shut_down() {
    if (secure) {
      co_await secure->async_shutdown(nothrow);
    } else {
      boost::system::error_code ignored;
      plain->socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
  }
};

http_client::http_client(asio::ssl::context& tls, std::chrono::milliseconds timeout, bool keep_alive)
    : tls_(tls), timeout_(timeout), keep_alive_(keep_alive) {}

http_client::~http_client() = default;

void http_client::close() {
  if (!kept_) return;
  boost::system::error_code ignored;
  kept_->lowest().socket().close(ignored);
  kept_.reset();
}

asio::awaitable<http_result> http_client::post(const std::string& url_text, const std::string& body,
                                               const std::string& content_type,
                                               const std::string& authorization, const std::string& accept,
                                               const std::string& request_id) {
  co_return co_await send(false, url_text, body, content_type, authorization, accept, request_id);
}

asio::awaitable<http_result> http_client::get(const std::string& url_text, std::string accept,
                                              std::string authorization) {
  const std::string none;
  co_return co_await send(true, url_text, none, none, authorization, accept, none);
}

asio::awaitable<http_result> http_client::send(bool get, const std::string& url_text, const std::string& body,
                                               const std::string& content_type,
                                               const std::string& authorization, const std::string& accept,
                                               const std::string& request_id) {
  const request_shape shape{get, kept_body_};
  http_result result;
  parsed_url url;
  if (!parse_url(url_text, url)) {
    result.error = "invalid destination URL: " + url_text;
    co_return result;
  }
  const auto now = std::chrono::steady_clock::now();
  const auto deadline = now + timeout_;
  const std::string origin = (url.tls ? "https://" : "http://") + url.host + ":" + url.port;
  if (kept_ && (kept_->origin != origin || now - kept_->last_used > keep_alive_idle)) close();
  if (kept_) {
    kept_->url = url;
    auto sent = co_await kept_->send(shape, body, content_type, authorization, accept, request_id, deadline);
    if (!sent.nothing_back || std::chrono::steady_clock::now() >= deadline) {
      if (sent.keep) {
        kept_->last_used = std::chrono::steady_clock::now();
      } else {
        close();
      }
      co_return sent.result;
    }
    close();  // closed by the destination while idle: once more on a new connection
  }

  auto executor = co_await asio::this_coro::executor;
  // Name resolution is under the same deadline: a timer cancels it.
  tcp::resolver resolver(executor);
  asio::steady_timer resolve_deadline(executor);
  resolve_deadline.expires_at(deadline);
  resolve_deadline.async_wait([&resolver](const boost::system::error_code& ec) {
    if (!ec) resolver.cancel();
  });
  auto [rec, endpoints] = co_await resolver.async_resolve(url.host, url.port, nothrow);
  resolve_deadline.cancel();
  if (rec) {
    result.error = rec == asio::error::operation_aborted ? "resolve: timed out" : "resolve: " + rec.message();
    co_return result;
  }
  auto conn = std::make_unique<connection>();
  conn->origin = origin;
  conn->url = url;
  conn->plain = std::make_unique<beast::tcp_stream>(executor);
  conn->plain->expires_at(deadline);
  ++connects_;
  auto [cec, ep] = co_await conn->plain->async_connect(endpoints, nothrow);
  if (cec) {
    result.error = "connect: " + cec.message();
    co_return result;
  }
  if (url.tls) {
    conn->secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*conn->plain), tls_);
    conn->plain.reset();
    if (SSL_ctrl(conn->secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(url.host.c_str())) != 1) {
      result.error = "TLS: cannot set SNI";
      co_return result;
    }
    conn->secure->set_verify_callback(asio::ssl::host_name_verification(url.host));
    auto [hec] = co_await conn->secure->async_handshake(asio::ssl::stream_base::client, nothrow);
    if (hec) {
      result.error = "TLS handshake: " + hec.message();
      co_return result;
    }
  }
  auto sent = co_await conn->send(shape, body, content_type, authorization, accept, request_id, deadline);
  if (keep_alive_ && sent.keep) {
    conn->last_used = std::chrono::steady_clock::now();
    kept_ = std::move(conn);
  } else if (sent.result.status != 0) {
    co_await conn->shut_down();
  }
  co_return sent.result;
}

}  // namespace homebase::gateway::delivery
