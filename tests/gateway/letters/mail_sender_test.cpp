// mail_sender against a real SMTP server: tests/tools/school-mail-server.mjs (npm smtp-server, mailparser),
// started on 127.0.0.1 port 0 with the test certificates of tests/fixtures/mail. What arrived is read from
// the server's mailbox directory (<n>.json, written before the server answers 250); S/MIME messages are
// decrypted and verified here with OpenSSL CMS and their inner entity parsed by tests/tools/parse-mail.mjs.
#include "gateway/letters/mail_sender.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "tests/integration/gateway_harness.hpp"

namespace homebase::gateway::letters {
namespace {

namespace fs = std::filesystem;
using homebase::testing::child_process;
using homebase::testing::temp_dir;
using homebase::testing::test_data;

std::string fixture(const std::string& name) {
  return test_data("fixtures/mail/" + name).string();
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &n, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

// A small PDF-like attachment with every byte value in it (binary-safe transport is what is tested).
std::string pdf_bytes() {
  std::string pdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  for (int round = 0; round < 40; ++round)
    for (int b = 0; b < 256; ++b) pdf += static_cast<char>(b);
  pdf += "\n%%EOF\n";
  return pdf;
}

mail_message letter() {
  mail_message m;
  m.from = "Meadowbrook Pediatrics <letters@meadowbrook.example.org>";
  m.to = {"Lincoln USD School Nurse <nurse@lincoln-usd.example.org>"};
  m.subject = "504 plan support letter for Sofía Reyes";
  m.text = "Dear school nurse,\nplease find the letter for Sofía attached.\n";
  m.attachments.push_back({"letter-504-sofia-reyes.pdf", "application/pdf", pdf_bytes()});
  m.message_id = "<letter-12@homebase.example.org>";
  return m;
}

struct server_options {
  bool tls = true;
  std::string cert = fixture("smtp-server.pem");
  std::string key = fixture("smtp-server.key");
  bool auth = true;
  int reject = 0;
  std::string reject_at{};
};

// The SMTP server and its mailbox.
struct mail_server {
  temp_dir dir;
  fs::path mailbox = dir.path() / "mailbox";
  child_process process;

  void start(const server_options& o) {
    fs::create_directories(mailbox);
    std::vector<std::string> argv{homebase::testing::node_binary(),
                                  test_data("tools/school-mail-server.mjs").string(), "--port=0",
                                  "--out=" + mailbox.string()};
    if (o.tls) {
      argv.push_back("--tls-cert=" + o.cert);
      argv.push_back("--tls-key=" + o.key);
    }
    if (o.auth) {
      argv.emplace_back("--user=letters");
      argv.emplace_back("--password=correct horse");
    }
    if (o.reject != 0) argv.push_back("--reject=" + std::to_string(o.reject));
    if (!o.reject_at.empty()) argv.push_back("--reject-at=" + o.reject_at);
    std::string error;
    ASSERT_TRUE(process.start(argv, dir.path() / "server.log", std::chrono::seconds(30), error))
        << error << homebase::testing::read_file(dir.path() / "server.log");
  }

  [[nodiscard]] smtp_settings settings() const {
    smtp_settings s;
    s.url = "smtp://127.0.0.1:" + std::to_string(process.port());
    s.username = "letters";
    s.password = "correct horse";
    s.ca_file = fixture("ca.pem");
    s.timeout = std::chrono::seconds(20);
    return s;
  }

  // Waits (bounded) for message n's record; the server writes it before it answers 250, so after a send
  // that reported `sent` it is normally there at once.
  [[nodiscard]] bool wait_for(int n, rapidjson::Document& record) const {
    fs::path json = mailbox / (std::to_string(n) + ".json");
    if (!homebase::testing::eventually([&] { return fs::exists(json); }, std::chrono::seconds(10)))
      return false;
    record.Parse(homebase::testing::read_file(json).c_str());
    return !record.HasParseError() && record.IsObject();
  }

  [[nodiscard]] bool empty() const { return fs::is_empty(mailbox); }
  [[nodiscard]] std::string log() const { return homebase::testing::read_file(dir.path() / "server.log"); }
};

TEST(mail_sender, delivers_a_pdf_attachment_intact_over_starttls) {
  mail_server server;
  ASSERT_NO_FATAL_FAILURE(server.start({}));
  mail_message m = letter();
  m.html = "<p>Dear school nurse,</p><p>please find the letter for Sofía attached.</p>";
  mail_result r = send_mail(server.settings(), {}, m);
  ASSERT_TRUE(r.sent) << r.detail << "\n" << server.log();
  EXPECT_EQ(r.smtp_code, 250);
  EXPECT_EQ(r.detail.find("correct horse"), std::string::npos);

  rapidjson::Document got;
  ASSERT_TRUE(server.wait_for(1, got)) << server.log();
  EXPECT_STREQ(got["envelope"]["from"].GetString(), "letters@meadowbrook.example.org");
  ASSERT_EQ(got["envelope"]["to"].Size(), 1u);
  EXPECT_STREQ(got["envelope"]["to"][0].GetString(), "nurse@lincoln-usd.example.org");
  EXPECT_TRUE(got["envelope"]["secure"].GetBool());  // the message went over TLS
  EXPECT_STREQ(got["envelope"]["user"].GetString(), "letters");
  EXPECT_STREQ(got["subject"].GetString(), "504 plan support letter for Sofía Reyes");
  EXPECT_STREQ(got["from"][0].GetString(), "Meadowbrook Pediatrics <letters@meadowbrook.example.org>");
  EXPECT_STREQ(got["to"][0].GetString(), "Lincoln USD School Nurse <nurse@lincoln-usd.example.org>");
  EXPECT_STREQ(got["messageId"].GetString(), "<letter-12@homebase.example.org>");
  EXPECT_TRUE(got["date"].IsString());
  EXPECT_NE(std::string(got["text"].GetString()).find("the letter for Sofía attached"), std::string::npos);
  EXPECT_NE(std::string(got["html"].GetString()).find("<p>Dear school nurse,</p>"), std::string::npos);
  ASSERT_EQ(got["attachments"].Size(), 1u);
  const auto& a = got["attachments"][0];
  EXPECT_STREQ(a["filename"].GetString(), "letter-504-sofia-reyes.pdf");
  EXPECT_STREQ(a["contentType"].GetString(), "application/pdf");
  EXPECT_EQ(a["size"].GetUint64(), pdf_bytes().size());
  EXPECT_EQ(a["sha256"].GetString(), sha256_hex(pdf_bytes()));
  EXPECT_EQ(homebase::testing::read_file(server.mailbox / a["file"].GetString()), pdf_bytes());
}

TEST(mail_sender, encodes_non_ascii_names_and_long_subjects) {
  mail_server server;
  ASSERT_NO_FATAL_FAILURE(server.start({}));
  mail_message m = letter();
  m.from = "Clínica Meadowbrook <letters@meadowbrook.example.org>";
  m.to = {"nurse@lincoln-usd.example.org", "\"Coordinator, 504\" <coordinator@lincoln-usd.example.org>"};
  m.subject =
      "Carta de apoyo para Sofía Reyes y su hermano Aarav (आरव) — plan 504, revisión anual del distrito";
  m.attachments[0].filename = "carta-Sofía.pdf";
  m.message_id.clear();
  mail_result r = send_mail(server.settings(), {}, m);
  ASSERT_TRUE(r.sent) << r.detail << "\n" << server.log();

  rapidjson::Document got;
  ASSERT_TRUE(server.wait_for(1, got)) << server.log();
  EXPECT_STREQ(got["subject"].GetString(), m.subject.c_str());
  EXPECT_STREQ(got["from"][0].GetString(), "Clínica Meadowbrook <letters@meadowbrook.example.org>");
  ASSERT_EQ(got["envelope"]["to"].Size(), 2u);
  EXPECT_STREQ(got["to"][1].GetString(), "Coordinator, 504 <coordinator@lincoln-usd.example.org>");
  EXPECT_STREQ(got["attachments"][0]["filename"].GetString(), "carta-Sofía.pdf");
  std::string id = got["messageId"].GetString();
  EXPECT_TRUE(id.ends_with("@meadowbrook.example.org>")) << id;
}

TEST(mail_sender, refuses_a_server_without_starttls) {
  mail_server server;
  ASSERT_NO_FATAL_FAILURE(server.start({.tls = false}));
  mail_result r = send_mail(server.settings(), {}, letter());
  EXPECT_FALSE(r.sent);
  EXPECT_FALSE(r.transient);
  EXPECT_NE(r.detail.find("STARTTLS"), std::string::npos) << r.detail;
  EXPECT_TRUE(server.empty());
}

TEST(mail_sender, wrong_password_is_not_sent) {
  mail_server server;
  ASSERT_NO_FATAL_FAILURE(server.start({}));
  smtp_settings s = server.settings();
  s.password = "wrong battery";
  mail_result r = send_mail(s, {}, letter());
  EXPECT_FALSE(r.sent);
  EXPECT_FALSE(r.transient);
  EXPECT_EQ(r.smtp_code, 535);
  EXPECT_NE(r.detail.find("authentication"), std::string::npos) << r.detail;
  EXPECT_EQ(r.detail.find("wrong battery"), std::string::npos);
  EXPECT_TRUE(server.empty());
}

TEST(mail_sender, a_4xx_at_the_end_of_data_is_transient) {
  mail_server server;
  ASSERT_NO_FATAL_FAILURE(server.start({.reject = 451}));
  mail_result r = send_mail(server.settings(), {}, letter());
  EXPECT_FALSE(r.sent);
  EXPECT_TRUE(r.transient) << r.detail;
  EXPECT_EQ(r.smtp_code, 451);
  EXPECT_TRUE(server.empty());
}

TEST(mail_sender, a_4xx_at_rcpt_is_transient) {
  mail_server server;
  ASSERT_NO_FATAL_FAILURE(server.start({.reject = 451, .reject_at = "rcpt"}));
  mail_result r = send_mail(server.settings(), {}, letter());
  EXPECT_FALSE(r.sent);
  EXPECT_TRUE(r.transient) << r.detail;
  EXPECT_EQ(r.smtp_code, 451);
  EXPECT_TRUE(server.empty());
}

TEST(mail_sender, a_5xx_is_permanent) {
  for (std::string at : {"data", "rcpt"}) {
    mail_server server;
    ASSERT_NO_FATAL_FAILURE(server.start({.reject = 550, .reject_at = at}));
    mail_result r = send_mail(server.settings(), {}, letter());
    EXPECT_FALSE(r.sent) << at;
    EXPECT_FALSE(r.transient) << at << ": " << r.detail;
    EXPECT_EQ(r.smtp_code, 550) << at;
    EXPECT_TRUE(server.empty()) << at;
  }
}

TEST(mail_sender, an_untrusted_server_certificate_is_not_sent_to) {
  mail_server server;
  // A self-signed certificate for 127.0.0.1 that the mail CA did not sign.
  ASSERT_NO_FATAL_FAILURE(server.start({.cert = test_data("fixtures/mtls/server.pem").string(),
                                        .key = test_data("fixtures/mtls/server.key").string()}));
  mail_result r = send_mail(server.settings(), {}, letter());
  EXPECT_FALSE(r.sent);
  EXPECT_FALSE(r.transient);
  EXPECT_NE(r.detail.find("certificate"), std::string::npos) << r.detail;
  EXPECT_TRUE(server.empty());
}

TEST(mail_sender, a_server_that_never_answers_is_a_transient_timeout) {
  // A listening socket that is never accepted: the TCP handshake completes, the greeting never comes.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  smtp_settings s;
  s.url = "smtp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  s.timeout = std::chrono::milliseconds(1500);
  auto started = std::chrono::steady_clock::now();
  mail_result r = send_mail(s, {}, letter());
  auto took = std::chrono::steady_clock::now() - started;
  close(fd);
  EXPECT_FALSE(r.sent);
  EXPECT_TRUE(r.transient) << r.detail;
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(mail_sender, nothing_listening_is_transient) {
  smtp_settings s;
  s.url = "smtp://127.0.0.1:" + std::to_string(homebase::testing::free_port());
  mail_result r = send_mail(s, {}, letter());
  EXPECT_FALSE(r.sent);
  EXPECT_TRUE(r.transient) << r.detail;
}

TEST(mail_sender, header_injection_and_bad_settings_are_refused_before_connecting) {
  smtp_settings s;
  s.url = "smtp://127.0.0.1:" + std::to_string(homebase::testing::free_port());
  mail_message m = letter();
  m.subject = "Letter\r\nBcc: everyone@example.org";
  mail_result r = send_mail(s, {}, m);
  EXPECT_FALSE(r.sent);
  EXPECT_FALSE(r.transient);
  EXPECT_NE(r.detail.find("line break"), std::string::npos) << r.detail;

  m = letter();
  m.to = {"nurse@lincoln-usd.example.org>\r\nRCPT TO:<x@example.org"};
  r = send_mail(s, {}, m);
  EXPECT_FALSE(r.sent);
  EXPECT_FALSE(r.transient);

  m = letter();
  m.to.clear();
  EXPECT_FALSE(send_mail(s, {}, m).sent);

  s.url = "http://127.0.0.1/";
  r = send_mail(s, {}, letter());
  EXPECT_FALSE(r.sent);
  EXPECT_FALSE(r.transient);
}

// --- S/MIME ----------------------------------------------------------------------------------------

struct bio_free {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
using bio_ptr = std::unique_ptr<BIO, bio_free>;

bio_ptr mem(const std::string& s) {  // reads `s` in place
  return bio_ptr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += std::string(" ") + buf;
  }
  return out;
}

std::string bio_string(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

smime_settings practice_to_school() {
  smime_settings s;
  s.enabled = true;
  s.signer_certificate_pem = homebase::testing::read_file(fixture("practice.pem"));
  s.signer_key_pem = homebase::testing::read_file(fixture("practice.key"));
  s.recipient_certificate_pem = homebase::testing::read_file(fixture("school.pem"));
  return s;
}

// Decrypts `eml` with the school's key and verifies the signature against the test mail CA; returns the
// inner MIME entity, or "" (with the reason in `error`).
std::string open_smime(const std::string& eml, std::string& error) {
  auto in = mem(eml);
  CMS_ContentInfo* enveloped = SMIME_read_CMS(in.get(), nullptr);
  if (enveloped == nullptr) {
    error = "not an S/MIME message:" + openssl_errors();
    return {};
  }
  std::string key_pem = homebase::testing::read_file(fixture("school.key"));
  std::string cert_pem = homebase::testing::read_file(fixture("school.pem"));
  auto key_bio = mem(key_pem);  // the BIO reads the string in place: it must outlive the BIO
  auto cert_bio = mem(cert_pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
  X509* cert = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr);
  bio_ptr decrypted(BIO_new(BIO_s_mem()));
  int ok = CMS_decrypt(enveloped, key, cert, nullptr, decrypted.get(), 0);
  EVP_PKEY_free(key);
  X509_free(cert);
  CMS_ContentInfo_free(enveloped);
  if (ok != 1) {
    error = "CMS_decrypt failed:" + openssl_errors();
    return {};
  }
  std::string signed_entity = bio_string(decrypted.get());
  auto signed_bio = mem(signed_entity);
  BIO* content = nullptr;
  CMS_ContentInfo* signed_cms = SMIME_read_CMS(signed_bio.get(), &content);
  if (signed_cms == nullptr || content == nullptr) {
    error = "the decrypted entity is not multipart/signed";
    CMS_ContentInfo_free(signed_cms);
    BIO_free_all(content);
    return {};
  }
  X509_STORE* store = X509_STORE_new();
  X509_STORE_load_file(store, fixture("ca.pem").c_str());
  bio_ptr verified(BIO_new(BIO_s_mem()));
  ok = CMS_verify(signed_cms, nullptr, store, content, verified.get(), 0);
  std::string signer;
  if (ok == 1) {
    STACK_OF(X509)* signers = CMS_get0_signers(signed_cms);
    if (signers != nullptr && sk_X509_num(signers) == 1) {
      char name[256] = {};
      X509_NAME_get_text_by_NID(X509_get_subject_name(sk_X509_value(signers, 0)), NID_commonName, name,
                                sizeof name);
      signer = name;
    }
    sk_X509_free(signers);
  }
  X509_STORE_free(store);
  BIO_free_all(content);
  CMS_ContentInfo_free(signed_cms);
  if (ok != 1) {
    error = "CMS_verify failed:" + openssl_errors();
    return {};
  }
  if (signer != "Meadowbrook Pediatrics Letters") {
    error = "signed by " + signer;
    return {};
  }
  return bio_string(verified.get());
}

TEST(mail_sender, smime_is_signed_by_the_practice_and_encrypted_to_the_school) {
  mail_server server;
  ASSERT_NO_FATAL_FAILURE(server.start({}));
  mail_message m = letter();
  m.html = "<p>the letter for Sofía</p>";
  mail_result r = send_mail(server.settings(), practice_to_school(), m);
  ASSERT_TRUE(r.sent) << r.detail << "\n" << server.log();

  rapidjson::Document got;
  ASSERT_TRUE(server.wait_for(1, got)) << server.log();
  EXPECT_STREQ(got["contentType"].GetString(), "application/pkcs7-mime");
  EXPECT_STREQ(got["contentTypeParams"]["smime-type"].GetString(), "enveloped-data");
  EXPECT_STREQ(got["subject"].GetString(), "504 plan support letter for Sofía Reyes");  // outer header
  std::string eml = homebase::testing::read_file(server.mailbox / "1.eml");
  EXPECT_EQ(eml.find("Sofía attached"), std::string::npos);  // the body is not readable in transit
  EXPECT_EQ(eml.find("%PDF"), std::string::npos);

  std::string error;
  std::string inner = open_smime(eml, error);
  ASSERT_FALSE(inner.empty()) << error;
  fs::path inner_file = server.dir.path() / "inner.eml";
  homebase::testing::write_file(inner_file, inner);
  fs::path parsed = server.dir.path() / "inner";
  fs::create_directories(parsed);
  std::string output;
  ASSERT_EQ(
      homebase::testing::run({homebase::testing::node_binary(), test_data("tools/parse-mail.mjs").string(),
                              inner_file.string(), parsed.string()},
                             output),
      0)
      << output;
  rapidjson::Document record;
  record.Parse(homebase::testing::read_file(parsed / "1.json").c_str());
  ASSERT_TRUE(record.IsObject());
  EXPECT_NE(std::string(record["text"].GetString()).find("the letter for Sofía attached"), std::string::npos);
  EXPECT_NE(std::string(record["html"].GetString()).find("the letter for Sofía"), std::string::npos);
  ASSERT_EQ(record["attachments"].Size(), 1u);
  const auto& a = record["attachments"][0];
  EXPECT_STREQ(a["filename"].GetString(), "letter-504-sofia-reyes.pdf");
  EXPECT_STREQ(a["contentType"].GetString(), "application/pdf");
  EXPECT_EQ(a["sha256"].GetString(), sha256_hex(pdf_bytes()));
  EXPECT_EQ(homebase::testing::read_file(parsed / a["file"].GetString()), pdf_bytes());
}

TEST(mail_sender, smime_with_a_key_that_is_not_the_certificates_is_not_sent) {
  mail_server server;
  ASSERT_NO_FATAL_FAILURE(server.start({}));
  smime_settings s = practice_to_school();
  s.signer_key_pem = homebase::testing::read_file(fixture("school.key"));
  mail_result r = send_mail(server.settings(), s, letter());
  EXPECT_FALSE(r.sent);
  EXPECT_FALSE(r.transient);
  EXPECT_NE(r.detail.find("S/MIME"), std::string::npos) << r.detail;

  s = practice_to_school();
  s.recipient_certificate_pem = "not a certificate";
  r = send_mail(server.settings(), s, letter());
  EXPECT_FALSE(r.sent);
  EXPECT_NE(r.detail.find("recipient"), std::string::npos) << r.detail;
  EXPECT_TRUE(server.empty());
}

}  // namespace
}  // namespace homebase::gateway::letters
