// The HTTP edge against the running binary (issue 9 items 2 and 6): RFC 9110/6585 limits (431, 414, 413
// with a graceful close), the connection caps (429/503), the per-address rate limit (429), and mutual TLS
// handshakes with trusted, untrusted and absent client certificates. Every answer is an OperationOutcome.
//
// Other source addresses: Linux routes all of 127.0.0.0/8 to loopback, so a test connects from 127.0.0.2
// or 127.0.0.3 to be "another address" (raw sockets bind them; curl uses --interface).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

const std::string pm = "/fhir/$process-message";

// A TCP connection from `source` to the gateway that sends nothing: it holds a connection slot.
class held_connection {
 public:
  held_connection(const std::string& source, unsigned short port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
                 connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~held_connection() { close(); }
  held_connection(const held_connection&) = delete;
  held_connection& operator=(const held_connection&) = delete;
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  [[nodiscard]] bool connected() const { return connected_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

bool is_outcome(const http_reply& reply, const std::string& code) {
  return reply.body.find(R"("resourceType":"OperationOutcome")") != std::string::npos &&
         reply.body.find(R"("code":")" + code + "\"") != std::string::npos;
}

// curl as a client that keeps sending its body: its exit status and the status it saw.
struct upload_result {
  int exit_status = -1;
  int status = 0;
  std::string output;
};
upload_result upload(const std::string& url, const std::filesystem::path& body,
                     std::vector<std::string> extra) {
  std::vector<std::string> argv{"curl",
                                "-sS",
                                "-o",
                                "/dev/null",
                                "-w",
                                "\n%{http_code}",
                                "--max-time",
                                "30",
                                "-H",
                                "Content-Type: application/fhir+json",
                                "--data-binary",
                                "@" + body.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  upload_result r;
  r.exit_status = run(argv, r.output);
  auto nl = r.output.rfind('\n');
  try {
    r.status = std::stoi(r.output.substr(nl == std::string::npos ? 0 : nl + 1));
  } catch (...) {
    r.status = 0;
  }
  return r;
}

class http_edge : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new temp_dir();
    gw_ = new gateway_process();
    std::string error;
    ASSERT_TRUE(
        gw_->start(*dir_, {.medical_home_base = "http://127.0.0.1:9/fhir", .body_limit = 1024 * 1024}, error))
        << error;
  }
  static void TearDownTestSuite() {
    delete gw_;
    delete dir_;
  }
  static temp_dir* dir_;
  static gateway_process* gw_;
};
temp_dir* http_edge::dir_ = nullptr;
gateway_process* http_edge::gw_ = nullptr;

TEST_F(http_edge, header_fields_over_the_limit_get_431) {
  // server.header_limit_bytes is 16 KiB by default.
  auto reply =
      http_call("GET", gw_->url("/healthz"), {}, "", {"-H", "X-Padding: " + std::string(20'000, 'a')});
  EXPECT_EQ(reply.status, 431) << reply.body;
  EXPECT_TRUE(is_outcome(reply, "too-costly")) << reply.body;
  EXPECT_NE(reply.headers.find("application/fhir+json"), std::string::npos) << reply.headers;
  EXPECT_EQ(http_call("GET", gw_->url("/healthz")).status, 200);
}

TEST_F(http_edge, a_request_target_over_the_limit_gets_414) {
  // server.target_limit_bytes is 8 KiB by default: a 9 KB target fits the header limit, a 20 KB one not.
  for (std::size_t length : {9'000u, 20'000u}) {
    SCOPED_TRACE(length);
    auto reply = http_call("GET", gw_->url("/fhir/Patient?name=" + std::string(length, 'x')));
    EXPECT_EQ(reply.status, 414) << reply.body;
    EXPECT_TRUE(is_outcome(reply, "too-costly")) << reply.body;
  }
  EXPECT_EQ(http_call("GET", gw_->url("/healthz")).status, 200);
}

TEST_F(http_edge, a_body_over_the_limit_gets_413_and_not_a_reset) {
  auto big = dir_->path() / "12mib.json";
  write_file(big, std::string(12 * 1024 * 1024, ' '));
  // Without "Expect: 100-continue" curl sends the whole body at once; the 413 is sent after the header,
  // and the gateway reads and discards what follows until curl, having read the 413, stops.
  auto eager = upload(gw_->url(pm), big, {"-H", "Expect:"});
  EXPECT_EQ(eager.exit_status, 0) << eager.output;  // not 55/56 (connection reset)
  EXPECT_EQ(eager.status, 413) << eager.output;
  // With it (curl's default for large bodies) the 413 comes instead of "100 Continue".
  auto polite = upload(gw_->url(pm), big, {});
  EXPECT_EQ(polite.exit_status, 0) << polite.output;
  EXPECT_EQ(polite.status, 413) << polite.output;
  // A chunked body announces no length: 413 when it crosses the limit.
  auto two = dir_->path() / "2mib.json";
  write_file(two, std::string(2 * 1024 * 1024, ' '));
  auto chunked = upload(gw_->url(pm), two, {"-H", "Expect:", "-H", "Transfer-Encoding: chunked"});
  EXPECT_EQ(chunked.exit_status, 0) << chunked.output;
  EXPECT_EQ(chunked.status, 413) << chunked.output;
  // The answer itself is an OperationOutcome.
  auto reply = http_call("POST", gw_->url(pm), big, "application/fhir+json", {"-H", "Expect:"});
  EXPECT_EQ(reply.status, 413);
  EXPECT_TRUE(is_outcome(reply, "too-costly")) << reply.body;
  EXPECT_NE(reply.headers.find("Connection: close"), std::string::npos) << reply.headers;
  // Nothing was kept, and the gateway serves on.
  std::string why;
  auto token = access_token(*gw_, "operator", {}, &why);
  ASSERT_FALSE(token.empty()) << why;
  auto list = http_call("GET", gw_->url("/admin/messages"), {}, "", bearer(token));
  EXPECT_EQ(list.body, R"({"messages":[]})");
  EXPECT_EQ(http_call("GET", gw_->url("/healthz")).status, 200);
}

TEST(http_edge_caps, connections_beyond_the_caps_get_429_per_address_and_503_in_total) {
  temp_dir dir;
  gateway_process gw;
  std::string error;
  ASSERT_TRUE(gw.start(dir,
                       {.medical_home_base = "http://127.0.0.1:9/fhir",
                        .server_extra = "  max_connections: 3\n  max_connections_per_address: 2\n"},
                       error))
      << error;
  auto port = gw.process.port();
  // Two idle connections from 127.0.0.1 fill its share. The gateway accepts in order, so they are counted
  // before the next connection is.
  held_connection a("127.0.0.1", port), b("127.0.0.1", port);
  ASSERT_TRUE(a.connected() && b.connected());
  auto per_address = http_call("GET", gw.url("/healthz"), {}, "", {"--interface", "127.0.0.1"});
  EXPECT_EQ(per_address.status, 429) << per_address.body;
  EXPECT_TRUE(is_outcome(per_address, "throttled")) << per_address.body;
  EXPECT_NE(per_address.headers.find("Retry-After: 1"), std::string::npos) << per_address.headers;

  // A third from 127.0.0.2 fills the total: now everyone gets 503.
  held_connection c("127.0.0.2", port);
  ASSERT_TRUE(c.connected());
  auto total = http_call("GET", gw.url("/healthz"), {}, "", {"--interface", "127.0.0.3"});
  EXPECT_EQ(total.status, 503) << total.body;
  EXPECT_TRUE(is_outcome(total, "transient")) << total.body;
  EXPECT_NE(total.headers.find("Retry-After: 1"), std::string::npos) << total.headers;

  // Closed connections give their places back.
  a.close();
  c.close();
  EXPECT_TRUE(eventually([&] {
    return http_call("GET", gw.url("/healthz"), {}, "", {"--interface", "127.0.0.3"}).status == 200;
  }));
  EXPECT_TRUE(eventually([&] {
    return http_call("GET", gw.url("/healthz"), {}, "", {"--interface", "127.0.0.1"}).status == 200;
  }));
}

TEST(http_edge_caps, requests_beyond_the_per_address_rate_get_429_without_reaching_the_handler) {
  temp_dir dir;
  gateway_process gw;
  std::string error;
  // Three requests, then one every 100 s: the test never waits long enough for another token.
  // Development mode, without tokens: fetching one would itself take from the address's bucket.
  ASSERT_TRUE(gw.start(dir,
                       {.medical_home_base = "http://127.0.0.1:9/fhir",
                        .development_mode = true,
                        .with_credentials = false,
                        .server_extra = "  per_address_rate:\n    per_second: 0.01\n    burst: 3\n"},
                       error))
      << error;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(http_call("GET", gw.url("/healthz")).status, 200) << i;
  auto body = dir.path() / "message.json";
  write_file(body, seed_text());
  auto refused = http_call("POST", gw.url(pm), body);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_TRUE(is_outcome(refused, "throttled")) << refused.body;
  auto at = refused.headers.find("Retry-After: ");
  ASSERT_NE(at, std::string::npos) << refused.headers;
  int retry_after = std::stoi(refused.headers.substr(at + 13));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 100);
  // Another address has its own bucket; the refused message was never handled.
  auto list = http_call("GET", gw.url("/admin/messages"), {}, "", {"--interface", "127.0.0.2"});
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.body, R"({"messages":[]})");
}

TEST(http_edge_tls, client_certificates_trusted_or_not_complete_the_handshake) {
  temp_dir dir;
  auto p = [&](const std::string& name) { return (dir.path() / name).string(); };
  std::string output;
  auto openssl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "openssl");
    return run(args, output);
  };
  const std::vector<std::string> ec{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"};
  auto self_signed = [&](const std::string& name, const std::string& subject) {
    std::vector<std::string> args{"req", "-x509"};
    args.insert(args.end(), ec.begin(), ec.end());
    args.insert(args.end(),
                {"-keyout", p(name + ".key"), "-out", p(name + ".pem"), "-days", "1", "-subj", subject});
    return openssl(args);
  };
  auto signed_by = [&](const std::string& name, const std::string& ca, const std::string& subject) {
    std::vector<std::string> args{"req"};
    args.insert(args.end(), ec.begin(), ec.end());
    args.insert(args.end(), {"-keyout", p(name + ".key"), "-out", p(name + ".csr"), "-subj", subject});
    if (openssl(args) != 0) return -1;
    return openssl({"x509", "-req", "-in", p(name + ".csr"), "-CA", p(ca + ".pem"), "-CAkey", p(ca + ".key"),
                    "-CAcreateserial", "-out", p(name + ".pem"), "-days", "1"});
  };
  ASSERT_EQ(self_signed("server", "/CN=127.0.0.1"), 0) << output;
  ASSERT_EQ(self_signed("client-ca", "/CN=Partner CA"), 0) << output;
  ASSERT_EQ(self_signed("other-ca", "/CN=Other CA"), 0) << output;
  ASSERT_EQ(signed_by("partner", "client-ca", "/O=St. Elsewhere/CN=nicu-gw"), 0) << output;
  ASSERT_EQ(signed_by("stranger", "other-ca", "/CN=stranger"), 0) << output;

  gateway_process gw;
  std::string error;
  ASSERT_TRUE(gw.start(dir,
                       {.medical_home_base = "http://127.0.0.1:9/fhir",
                        .body_limit = 1024 * 1024,
                        .tls = true,
                        .with_credentials = false,  // the certificate is the only credential here
                        .client_ca_file = "client-ca.pem"},
                       error))
      << error;
  auto with_cert = [&](const std::string& name) {
    return std::vector<std::string>{"-k", "--cert", p(name + ".pem"), "--key", p(name + ".key")};
  };
  auto trusted = http_call("GET", gw.url("/healthz"), {}, "", with_cert("partner"));
  EXPECT_EQ(trusted.status, 200) << trusted.body;
  // A certificate from a CA the gateway does not trust still completes the handshake, so that the
  // refusal can be answered and audited (the authenticator decides, not the handshake).
  auto untrusted = http_call("GET", gw.url("/healthz"), {}, "", with_cert("stranger"));
  EXPECT_EQ(untrusted.status, 200) << untrusted.body;
  // Beyond the open routes the authenticator decides on what the server saw: untrusted, or trusted but
  // bound to no client, is 401 (and audited), not a failed handshake.
  auto stranger_read = http_call("GET", gw.url("/fhir/Patient"), {}, "", with_cert("stranger"));
  EXPECT_EQ(stranger_read.status, 401) << stranger_read.body;
  EXPECT_NE(stranger_read.body.find("not trusted"), std::string::npos) << stranger_read.body;
  auto unbound_read = http_call("GET", gw.url("/fhir/Patient"), {}, "", with_cert("partner"));
  EXPECT_EQ(unbound_read.status, 401) << unbound_read.body;
  EXPECT_NE(unbound_read.body.find("CN=nicu-gw,O=St. Elsewhere"), std::string::npos) << unbound_read.body;
  auto none = http_call("GET", gw.url("/healthz"), {}, "", {"-k"});
  EXPECT_EQ(none.status, 200) << none.body;
  auto tls12 = http_call("GET", gw.url("/healthz"), {}, "",
                         {"-k", "--tls-max", "1.2", "--cert", p("partner.pem"), "--key", p("partner.key")});
  EXPECT_EQ(tls12.status, 200) << tls12.body;

  // The graceful 413 also holds over TLS.
  auto big = dir.path() / "3mib.json";
  write_file(big, std::string(3 * 1024 * 1024, ' '));
  auto refused = upload(gw.url(pm), big, {"-k", "-H", "Expect:"});
  EXPECT_EQ(refused.exit_status, 0) << refused.output;
  EXPECT_EQ(refused.status, 413) << refused.output;
}

}  // namespace
}  // namespace homebase::testing
