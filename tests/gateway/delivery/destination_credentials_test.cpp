// destination_credentials: what each method puts on a request, the token request and its cache against a
// minimal token endpoint on 127.0.0.1 (canned answers, counted requests), and the keys and certificates
// refused at start-up. (Token fetches against a real authorization server, npm jose, are in
// tests/integration/outbound_credentials_test.cpp.)
#include "gateway/delivery/destination_credentials.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <filesystem>
#include <vector>

namespace homebase::gateway::delivery {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using method = config::destination_auth::method;

namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// A token endpoint that answers every request with `status` and `body`, and counts and keeps them.
class fake_token_endpoint {
 public:
  fake_token_endpoint(asio::io_context& ioc, int status, std::string body)
      : acceptor_(ioc, {asio::ip::make_address("127.0.0.1"), 0}), status_(status), body_(std::move(body)) {
    asio::co_spawn(ioc, serve(), asio::detached);
  }
  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/auth/token";
  }
  void answer(int status, std::string body) {
    status_ = status;
    body_ = std::move(body);
  }
  int requests = 0;
  std::string last_body, last_content_type;

 private:
  asio::awaitable<void> serve() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
      if (ec) co_return;
      beast::flat_buffer buffer;
      bhttp::request<bhttp::string_body> req;
      auto [rec, n] = co_await bhttp::async_read(socket, buffer, req, nothrow);
      if (rec) continue;
      ++requests;
      last_body = req.body();
      last_content_type = std::string(req[bhttp::field::content_type]);
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status_), 11};
      res.set(bhttp::field::content_type, "application/json");
      res.body() = body_;
      res.prepare_payload();
      co_await bhttp::async_write(socket, res, nothrow);
      boost::system::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
    }
  }
  tcp::acceptor acceptor_;
  int status_;
  std::string body_;
};

// Runs `count` concurrent authorize() calls to completion (the endpoint keeps serving on the next run).
std::vector<destination_credentials::authorization> authorize_concurrently(
    asio::io_context& ioc, destination_credentials& credentials, int count) {
  std::vector<destination_credentials::authorization> results;
  for (int i = 0; i < count; ++i)
    asio::co_spawn(ioc, credentials.authorize(),
                   [&](std::exception_ptr, destination_credentials::authorization a) {
                     results.push_back(std::move(a));
                     if (static_cast<int>(results.size()) == count) ioc.stop();
                   });
  ioc.run();
  ioc.restart();
  return results;
}

destination_credentials::authorization authorize(destination_credentials& credentials) {
  asio::io_context ioc;
  auto future = asio::co_spawn(ioc, credentials.authorize(), asio::use_future);
  ioc.run();
  return future.get();
}

class destination_credentials_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("homebase-credentials-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string write_ec_key(const std::string& name) {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    auto path = (dir_ / name).string();
    FILE* f = std::fopen(path.c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    EVP_PKEY_free(key);
    return path;
  }
  fs::path dir_;
  config::delivery_settings delivery_;
};

TEST_F(destination_credentials_test, none_adds_nothing) {
  destination_credentials credentials(config::destination_auth{}, delivery_, "medical_homes[a].auth");
  auto a = authorize(credentials);
  EXPECT_EQ(a.header, "");
  EXPECT_EQ(a.error, "");
}

TEST_F(destination_credentials_test, bearer_adds_the_static_token) {
  config::destination_auth auth;
  auth.how = method::bearer;
  auth.bearer_token = "test-token-1";
  destination_credentials credentials(auth, delivery_, "medical_homes[a].auth");
  EXPECT_EQ(authorize(credentials).header, "Bearer test-token-1");
  credentials.drop("Bearer test-token-1");  // a static token stays what it is
  EXPECT_EQ(authorize(credentials).header, "Bearer test-token-1");
  EXPECT_EQ(credentials.token_requests(), 0);
}

TEST_F(destination_credentials_test, smart_token_that_cannot_be_had_is_an_error_without_secrets) {
  config::destination_auth auth;
  auth.how = method::smart;
  auth.token_url = "http://127.0.0.1:1/auth/token";  // nothing listens on port 1
  auth.client_id = "homebase";
  auth.key_id = "k1";
  auth.algorithm = "ES384";
  auth.private_key_file = write_ec_key("ec.pem");
  delivery_.request_timeout = std::chrono::milliseconds(2000);
  destination_credentials credentials(auth, delivery_, "medical_homes[a].auth");
  auto a = authorize(credentials);
  EXPECT_EQ(a.header, "");
  EXPECT_NE(a.error.find("token request to http://127.0.0.1:1/auth/token: "), std::string::npos) << a.error;
  EXPECT_EQ(a.error.find("eyJ"), std::string::npos) << a.error;  // no JWT in the error
  EXPECT_EQ(credentials.token_requests(), 1);
}

class smart_credentials : public destination_credentials_test {
 protected:
  config::destination_auth smart(const std::string& token_url) {
    config::destination_auth auth;
    auth.how = method::smart;
    auth.token_url = token_url;
    auth.client_id = "homebase";
    auth.key_id = "k1";
    auth.algorithm = "ES384";
    auth.scope = "system/*.write";
    auth.private_key_file = write_ec_key("ec.pem");
    return auth;
  }
  asio::io_context ioc_;
};

TEST_F(smart_credentials, concurrent_requests_share_one_token_fetch_and_the_token_is_cached) {
  fake_token_endpoint endpoint(ioc_, 200,
                               R"({"access_token":"tok-1","token_type":"bearer","expires_in":300})");
  destination_credentials credentials(smart(endpoint.url()), delivery_, "medical_homes[a].auth");
  auto results = authorize_concurrently(ioc_, credentials, 3);
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    EXPECT_EQ(r.header, "Bearer tok-1");
    EXPECT_EQ(r.error, "");
  }
  EXPECT_EQ(endpoint.requests, 1);
  EXPECT_EQ(credentials.token_requests(), 1);
  // SMART-02: the form of a client_credentials request with a signed assertion.
  EXPECT_EQ(endpoint.last_content_type, "application/x-www-form-urlencoded");
  EXPECT_NE(endpoint.last_body.find("grant_type=client_credentials"), std::string::npos)
      << endpoint.last_body;
  EXPECT_NE(endpoint.last_body.find("scope=system%2F%2A.write"), std::string::npos) << endpoint.last_body;
  EXPECT_NE(endpoint.last_body.find(
                "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"),
            std::string::npos)
      << endpoint.last_body;
  EXPECT_NE(endpoint.last_body.find("client_assertion=eyJ"), std::string::npos) << endpoint.last_body;
  // Cached: no second request while it is fresh.
  EXPECT_EQ(authorize(credentials).header, "Bearer tok-1");
  EXPECT_EQ(credentials.token_requests(), 1);
}

TEST_F(smart_credentials, a_dropped_token_is_fetched_again) {
  fake_token_endpoint endpoint(ioc_, 200,
                               R"({"access_token":"tok-1","token_type":"Bearer","expires_in":300})");
  destination_credentials credentials(smart(endpoint.url()), delivery_, "medical_homes[a].auth");
  auto first = authorize_concurrently(ioc_, credentials, 1);
  ASSERT_EQ(first.at(0).header, "Bearer tok-1");
  credentials.drop("Bearer some-other-token");  // not the cached one: kept
  EXPECT_EQ(authorize(credentials).header, "Bearer tok-1");
  EXPECT_EQ(endpoint.requests, 1);
  endpoint.answer(200, R"({"access_token":"tok-2","token_type":"Bearer","expires_in":300})");
  credentials.drop("Bearer tok-1");  // the destination answered 401 to it
  EXPECT_EQ(authorize_concurrently(ioc_, credentials, 1).at(0).header, "Bearer tok-2");
  EXPECT_EQ(endpoint.requests, 2);
}

TEST_F(smart_credentials, short_lived_tokens_are_not_kept) {
  fake_token_endpoint endpoint(ioc_, 200,
                               R"({"access_token":"tok-1","token_type":"bearer","expires_in":20})");
  destination_credentials credentials(smart(endpoint.url()), delivery_, "medical_homes[a].auth");
  EXPECT_EQ(authorize_concurrently(ioc_, credentials, 1).at(0).header, "Bearer tok-1");
  endpoint.answer(200, R"({"access_token":"tok-2","token_type":"bearer","expires_in":20})");
  // 20 s is within the 30 s refresh margin: the next request gets a new token.
  EXPECT_EQ(authorize_concurrently(ioc_, credentials, 1).at(0).header, "Bearer tok-2");
  EXPECT_EQ(endpoint.requests, 2);
}

TEST_F(smart_credentials, refusals_and_odd_answers_are_errors_naming_the_o_auth_error) {
  struct answer {
    int status;
    std::string body;
    std::string expected;
  };
  for (const auto& a : std::vector<answer>{
           {401, R"({"error":"invalid_client","error_description":"signature verification failed"})",
            ": HTTP 401 invalid_client (signature verification failed)"},
           {400, "not json", ": HTTP 400"},
           {200, R"({"token_type":"bearer","expires_in":300})", ": the answer has no access_token"},
           {200, R"({"access_token":"t","token_type":"mac","expires_in":300})", "token_type is not Bearer"},
       }) {
    asio::io_context ioc;
    fake_token_endpoint endpoint(ioc, a.status, a.body);
    destination_credentials credentials(smart(endpoint.url()), delivery_, "medical_homes[a].auth");
    auto r = authorize_concurrently(ioc, credentials, 1).at(0);
    EXPECT_EQ(r.header, "");
    EXPECT_NE(r.error.find("token request to " + endpoint.url()), std::string::npos) << r.error;
    EXPECT_NE(r.error.find(a.expected), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find("eyJ"), std::string::npos) << r.error;
  }
}

TEST_F(destination_credentials_test, unusable_keys_and_certificates_are_refused_at_start_up) {
  config::destination_auth smart;
  smart.how = method::smart;
  smart.token_url = "https://ehr.example/auth/token";
  smart.client_id = "homebase";
  smart.key_id = "k1";
  smart.algorithm = "RS384";  // an EC key does not sign RS384
  smart.private_key_file = write_ec_key("ec.pem");
  try {
    destination_credentials credentials(smart, delivery_, "medical_homes[meadowbrook].auth");
    ADD_FAILURE() << "an EC key was accepted for RS384";
  } catch (const config::config_error& e) {
    EXPECT_NE(std::string(e.what()).find("medical_homes[meadowbrook].auth.smart"), std::string::npos)
        << e.what();
  }

  config::destination_auth certificate;
  certificate.how = method::certificate;
  certificate.certificate_file = (dir_ / "missing.pem").string();
  certificate.certificate_key_file = (dir_ / "missing.key").string();
  EXPECT_THROW(destination_credentials(certificate, delivery_, "schools[x].auth"), config::config_error);

  config::delivery_settings bad_ca;
  bad_ca.ca_file = (dir_ / "missing-ca.pem").string();
  EXPECT_THROW(destination_credentials(config::destination_auth{}, bad_ca, "schools[x].auth"),
               config::config_error);
}

}  // namespace
}  // namespace homebase::gateway::delivery
