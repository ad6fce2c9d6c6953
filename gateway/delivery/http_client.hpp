// http_client: posts one FHIR payload to a destination URL over HTTP or HTTPS (TLS 1.2+, peer verified
// with SNI unless configured otherwise) with one deadline for resolve, connect, handshake, write and read.
// A fresh connection per delivery: deliveries are infrequent per destination and this keeps failure
// handling simple. Never throws; every failure is in the result.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <string>

namespace homebase::gateway::delivery {

struct http_result {
  int status = 0;     // HTTP status; 0 when there was no HTTP answer
  std::string error;  // transport error text, empty on an HTTP answer
  std::string body;   // response body (truncated to 8 KiB)
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
  http_client(boost::asio::ssl::context& tls, std::chrono::milliseconds timeout);

  // `authorization`: the Authorization header value, none when empty (destination_credentials.hpp).
  boost::asio::awaitable<http_result> post(const std::string& url, const std::string& body,
                                           const std::string& content_type,
                                           const std::string& authorization = {},
                                           const std::string& accept = "application/fhir+json");

 private:
  boost::asio::ssl::context& tls_;
  std::chrono::milliseconds timeout_;
};

}  // namespace homebase::gateway::delivery
