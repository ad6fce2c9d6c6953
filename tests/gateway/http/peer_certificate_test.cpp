// The client-certificate description on certificates made by the openssl command line
// (tests/fixtures/mtls/README.md), and through a real TLS handshake in memory (two SSL objects joined
// by a BIO pair) with the server context configured as the gateway configures it.
#include "gateway/http/peer_certificate.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace homebase::gateway::http {
namespace {

std::string fixture(const std::string& name) {
  return std::string(HOMEBASE_TEST_DATA_DIR) + "/fixtures/mtls/" + name;
}

struct x509_free {
  void operator()(X509* x) const { X509_free(x); }
};
using x509_ptr = std::unique_ptr<X509, x509_free>;

x509_ptr load(const std::string& name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(fixture(name).c_str(), "r"), &BIO_free);
  if (!bio) return nullptr;
  return x509_ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// Fingerprint and subject as `openssl x509 -fingerprint -sha256 -subject -nameopt RFC2253` prints them
// (colons removed, lower case).
const std::string client_sha256 = "f28aa3e75a8a0e3cfffef68924efc818cf8378f9c45dbf2550d8d3f67000dd3b";
const std::string client_subject = "CN=nicu-gw,O=St. Elsewhere\\, Inc.,C=US";

TEST(peer_certificate, describes_fingerprint_subject_and_alternative_names) {
  auto cert = load("client.pem");
  ASSERT_TRUE(cert);
  auto d = describe_certificate(cert.get(), X509_V_OK);
  EXPECT_TRUE(d.trusted);
  EXPECT_EQ(d.verify_error, "");
  EXPECT_EQ(d.sha256, client_sha256);
  EXPECT_EQ(d.subject, client_subject);
  // DNS, URI and e-mail, in the certificate's order; the IP address is not a name a client is bound to.
  EXPECT_EQ(d.subject_alt_names,
            (std::vector<std::string>{"nicu-gw.st-elsewhere.example.org",
                                      "https://ehr.st-elsewhere-childrens.example.org/fhir",
                                      "integration@st-elsewhere.example.org"}));
}

TEST(peer_certificate, a_verification_failure_is_untrusted_with_its_reason) {
  auto cert = load("stranger.pem");
  ASSERT_TRUE(cert);
  auto d = describe_certificate(cert.get(), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_FALSE(d.trusted);
  EXPECT_EQ(d.verify_error, "unable to get local issuer certificate");
  EXPECT_EQ(d.subject, "CN=stranger");
  EXPECT_EQ(d.sha256, "17ca7295ec4c4e92618e7cb8f5409fb0406af9405e95caaa9faa005e36b18cf5");
  EXPECT_TRUE(d.subject_alt_names.empty());
}

TEST(peer_certificate, no_session_no_certificate) {
  EXPECT_FALSE(describe_peer_certificate(nullptr).has_value());
}

TEST(peer_certificate, an_unreadable_client_ca_file_stops_start_up) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  EXPECT_THROW(request_client_certificates(ctx.get(), fixture("no-such-file.pem")), std::runtime_error);
  EXPECT_THROW(request_client_certificates(ctx.get(), fixture("README.md")), std::runtime_error);
}

// A TLS 1.3 handshake in memory: the server as the gateway configures it, the client with `cert`/`key`
// (or none). Returns what the server saw, or the handshake's failure.
struct handshake_result {
  bool completed = false;
  std::optional<peer_certificate> seen;
};

handshake_result handshake(const std::string& cert, const std::string& key) {
  using ctx_ptr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
  using ssl_ptr = std::unique_ptr<SSL, decltype(&SSL_free)>;
  ctx_ptr server_ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  ctx_ptr client_ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  handshake_result result;
  if (SSL_CTX_use_certificate_chain_file(server_ctx.get(), fixture("server.pem").c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(server_ctx.get(), fixture("server.key").c_str(), SSL_FILETYPE_PEM) != 1)
    return result;
  request_client_certificates(server_ctx.get(), fixture("ca.pem"));
  if (!cert.empty() &&
      (SSL_CTX_use_certificate_chain_file(client_ctx.get(), fixture(cert).c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(client_ctx.get(), fixture(key).c_str(), SSL_FILETYPE_PEM) != 1))
    return result;
  ssl_ptr server(SSL_new(server_ctx.get()), &SSL_free);
  ssl_ptr client(SSL_new(client_ctx.get()), &SSL_free);
  BIO* server_bio = nullptr;
  BIO* client_bio = nullptr;
  if (BIO_new_bio_pair(&server_bio, 0, &client_bio, 0) != 1) return result;
  SSL_set_bio(server.get(), server_bio, server_bio);
  SSL_set_bio(client.get(), client_bio, client_bio);
  SSL_set_accept_state(server.get());
  SSL_set_connect_state(client.get());
  bool server_done = false, client_done = false;
  for (int round = 0; round < 20 && !(server_done && client_done); ++round) {
    if (!client_done) {
      int rc = SSL_do_handshake(client.get());
      client_done = rc == 1;
      if (rc != 1 && SSL_get_error(client.get(), rc) != SSL_ERROR_WANT_READ) return result;
    }
    if (!server_done) {
      int rc = SSL_do_handshake(server.get());
      server_done = rc == 1;
      if (rc != 1 && SSL_get_error(server.get(), rc) != SSL_ERROR_WANT_READ) return result;
    }
  }
  result.completed = server_done && client_done;
  result.seen = describe_peer_certificate(server.get());
  return result;
}

TEST(peer_certificate, a_certificate_from_the_client_ca_is_trusted) {
  auto r = handshake("client.pem", "client.key");
  ASSERT_TRUE(r.completed);
  ASSERT_TRUE(r.seen.has_value());
  EXPECT_TRUE(r.seen->trusted) << r.seen->verify_error;
  EXPECT_EQ(r.seen->sha256, client_sha256);
  EXPECT_EQ(r.seen->subject, client_subject);
}

TEST(peer_certificate, a_certificate_from_another_ca_completes_the_handshake_untrusted) {
  auto r = handshake("stranger.pem", "stranger.key");
  ASSERT_TRUE(r.completed);  // so that the gateway can answer 401 and audit it
  ASSERT_TRUE(r.seen.has_value());
  EXPECT_FALSE(r.seen->trusted);
  EXPECT_FALSE(r.seen->verify_error.empty());
  EXPECT_EQ(r.seen->subject, "CN=stranger");
}

TEST(peer_certificate, a_client_without_a_certificate_completes_the_handshake) {
  auto r = handshake("", "");
  ASSERT_TRUE(r.completed);
  EXPECT_FALSE(r.seen.has_value());
}

}  // namespace
}  // namespace homebase::gateway::http
