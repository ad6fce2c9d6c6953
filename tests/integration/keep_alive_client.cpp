#include "tests/integration/keep_alive_client.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace homebase::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

struct keep_alive_client::impl {
  unsigned short port;
  bool tls;
  asio::io_context ioc;
  asio::ssl::context context{asio::ssl::context::tls_client};
  std::optional<tcp::socket> plain;
  std::optional<asio::ssl::stream<tcp::socket>> secure;
  beast::flat_buffer buffer;

  impl(unsigned short p, bool t) : port(p), tls(t) { context.set_verify_mode(asio::ssl::verify_none); }

  tcp::socket& socket() { return tls ? secure->next_layer() : *plain; }

  template <typename F>
  auto with_stream(F f) {
    if (tls) return f(*secure);
    return f(*plain);
  }
};

keep_alive_client::keep_alive_client(unsigned short port, bool tls)
    : impl_(std::make_unique<impl>(port, tls)) {}
keep_alive_client::~keep_alive_client() = default;

bool keep_alive_client::connect(std::string& error) {
  boost::system::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), impl_->port);
  if (impl_->tls)
    impl_->secure.emplace(impl_->ioc, impl_->context);
  else
    impl_->plain.emplace(impl_->ioc);
  auto& socket = impl_->socket();
  socket.connect(endpoint, ec);
  if (ec) {
    error = "connect: " + ec.message();
    return false;
  }
  // Every read and write gives up after 20 s (the test then fails instead of hanging).
  timeval tv{20, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (impl_->tls) {
    impl_->secure->handshake(asio::ssl::stream_base::client, ec);
    if (ec) {
      error = "handshake: " + ec.message();
      return false;
    }
  }
  return true;
}

keep_alive_reply keep_alive_client::request(const std::string& method, const std::string& target,
                                            const std::string& body,
                                            const std::vector<std::pair<std::string, std::string>>& headers) {
  keep_alive_reply reply;
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(impl_->port));
  req.keep_alive(true);
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty()) {
    req.body() = body;
    if (req[bhttp::field::content_type].empty()) req.set(bhttp::field::content_type, "application/fhir+json");
  }
  req.prepare_payload();
  boost::system::error_code ec;
  impl_->with_stream([&](auto& stream) {
    bhttp::write(stream, req, ec);
    if (ec) {
      reply.error = "write: " + ec.message();
      return 0;
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    bhttp::read(stream, impl_->buffer, parser, ec);
    if (ec) {
      reply.error = "read: " + ec.message();
      return 0;
    }
    auto res = parser.release();
    reply.status = static_cast<int>(res.result_int());
    reply.keep_alive = res.keep_alive();
    reply.body = std::move(res.body());
    return 0;
  });
  return reply;
}

std::string keep_alive_client::peer_certificate_sha256() const {
  if (!impl_->tls || !impl_->secure) return {};
  X509* cert = SSL_get1_peer_certificate(impl_->secure->native_handle());
  if (cert == nullptr) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  X509_digest(cert, EVP_sha256(), digest, &size);
  X509_free(cert);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

}  // namespace homebase::testing
