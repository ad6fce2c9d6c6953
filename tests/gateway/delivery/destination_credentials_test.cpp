// destination_credentials without a network: what each method puts on a request, and the keys and
// certificates refused at start-up. (Token fetches against a real authorization server, npm jose, are in
// tests/integration/outbound_credentials_test.cpp.)
#include "gateway/delivery/destination_credentials.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>

namespace homebase::gateway::delivery {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using method = config::destination_auth::method;

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

TEST_F(destination_credentials_test, NoneAddsNothing) {
  destination_credentials credentials(config::destination_auth{}, delivery_, "medical_homes[a].auth");
  auto a = authorize(credentials);
  EXPECT_EQ(a.header, "");
  EXPECT_EQ(a.error, "");
}

TEST_F(destination_credentials_test, BearerAddsTheStaticToken) {
  config::destination_auth auth;
  auth.how = method::bearer;
  auth.bearer_token = "test-token-1";
  destination_credentials credentials(auth, delivery_, "medical_homes[a].auth");
  EXPECT_EQ(authorize(credentials).header, "Bearer test-token-1");
  credentials.drop("Bearer test-token-1");  // a static token stays what it is
  EXPECT_EQ(authorize(credentials).header, "Bearer test-token-1");
  EXPECT_EQ(credentials.token_requests(), 0);
}

TEST_F(destination_credentials_test, SmartTokenThatCannotBeHadIsAnErrorWithoutSecrets) {
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

TEST_F(destination_credentials_test, UnusableKeysAndCertificatesAreRefusedAtStartUp) {
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
