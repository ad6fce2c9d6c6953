// mail_sender: see mail_sender.hpp. Two ways to the same SMTP transfer (libcurl's SMTP client, STARTTLS
// required, the server's certificate and host name verified, a total and a connect deadline):
//   - plain: the message is a libcurl mime structure (curl_mime: multipart/mixed of the text, or a
//     multipart/alternative of text and HTML, and base64 attachments), the headers a curl_slist;
//   - S/MIME: the message is built here as bytes and uploaded whole (CURLOPT_UPLOAD + READFUNCTION, libcurl's
//     way to send a pre-built RFC 5322 message). libcurl has no public call that serialises a curl_mime
//     without a transfer, and CMS needs the inner MIME entity as bytes to sign, so that entity is written
//     here, minimal and fixed: multipart/mixed with a base64 text/plain part, an optional base64 text/html
//     alternative, and base64 attachments (EVP_EncodeBlock, 76-character lines, CRLF). It is signed with
//     CMS_sign (detached: multipart/signed, so a reader without the school's key still sees the structure),
//     then the signed entity is encrypted to the recipient's certificate with CMS_encrypt (AES-256-CBC,
//     RFC 8551's common ground with Direct implementations) and written by SMIME_write_CMS as the
//     application/pkcs7-mime (smime-type=enveloped-data) body; the outer headers (From, To, Subject, Date,
//     Message-ID) stay readable for routing, as RFC 8551 §3.1 has it.
// Header values come from configuration and the letter: a CR or LF in any of them (header injection) makes
// the send fail before any connection. The password only goes to CURLOPT_PASSWORD: it is never logged
// and never part of `detail` (only server replies and libcurl's error text are).
#include "gateway/letters/mail_sender.hpp"

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

namespace homebase::gateway::letters {

namespace {

// --- small owners for the C libraries' objects ------------------------------------------------------

struct curl_deleter {
  void operator()(CURL* p) const { curl_easy_cleanup(p); }
  void operator()(curl_mime* p) const { curl_mime_free(p); }
  void operator()(curl_slist* p) const { curl_slist_free_all(p); }
};
struct ssl_deleter {
  void operator()(BIO* p) const { BIO_free_all(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(CMS_ContentInfo* p) const { CMS_ContentInfo_free(p); }
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};
using curl_ptr = std::unique_ptr<CURL, curl_deleter>;
using mime_ptr = std::unique_ptr<curl_mime, curl_deleter>;
using slist_ptr = std::unique_ptr<curl_slist, curl_deleter>;
using bio_ptr = std::unique_ptr<BIO, ssl_deleter>;
using x509_ptr = std::unique_ptr<X509, ssl_deleter>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, ssl_deleter>;
using cms_ptr = std::unique_ptr<CMS_ContentInfo, ssl_deleter>;
using x509_stack_ptr = std::unique_ptr<STACK_OF(X509), ssl_deleter>;

// Appends `line` to a curl_slist owned by `list`; false when out of memory.
bool append(slist_ptr& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown == nullptr) return false;
  (void)list.release();
  list.reset(grown);
  return true;
}

CURLcode global_init() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

// --- text helpers ---------------------------------------------------------------------------------

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(std::max(n, 0)));
  return out;
}

// Base64 in 76-character lines, each ended by CRLF (RFC 2045 §6.8): 57 input bytes per line.
std::string base64_lines(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() / 57 * 78 + 80);
  for (std::size_t at = 0; at < bytes.size(); at += 57) {
    out += base64(bytes.substr(at, 57));
    out += "\r\n";
  }
  return out;
}

// Every line ending CRLF: a lone LF becomes CRLF, a lone CR too (SMTP's DATA and MIME canonical form).
std::string crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

// RFC 2047 "B" encoded words for a UTF-8 value that is not plain ASCII (each word at most 75 characters,
// never splitting a UTF-8 sequence), joined by `separator`; ASCII values are returned as they are.
std::string encoded_words(std::string_view utf8, std::string_view separator) {
  if (is_ascii(utf8)) return std::string(utf8);
  constexpr std::size_t max_bytes = 45;  // 60 base64 characters + "=?UTF-8?B?" + "?=" = 72
  std::string out;
  std::size_t at = 0;
  while (at < utf8.size()) {
    std::size_t end = std::min(at + max_bytes, utf8.size());
    while (end < utf8.size() && end > at + 1 && (static_cast<unsigned char>(utf8[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += separator;
    out += "=?UTF-8?B?" + base64(utf8.substr(at, end - at)) + "?=";
    at = end;
  }
  return out;
}

// A header's unstructured value (Subject): folded between encoded words.
std::string header_text(std::string_view utf8) {
  return encoded_words(utf8, "\r\n ");
}

struct mail_address {
  std::string display;  // may be empty
  std::string address;  // local@domain
};

// "Name <local@domain>" or "local@domain"; nullopt when the address part is not a plain ASCII address.
std::optional<mail_address> parse_address(std::string_view text) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  mail_address out;
  std::string_view addr = trim(text);
  if (auto open = addr.rfind('<'); open != std::string_view::npos) {
    if (addr.back() != '>') return std::nullopt;
    std::string_view display = trim(addr.substr(0, open));
    if (display.size() >= 2 && display.front() == '"' && display.back() == '"')
      display = display.substr(1, display.size() - 2);
    out.display = std::string(display);
    addr = trim(addr.substr(open + 1, addr.size() - open - 2));
  }
  auto at = addr.find('@');
  if (addr.empty() || at == 0 || at == std::string_view::npos || at + 1 == addr.size() || !is_ascii(addr))
    return std::nullopt;
  for (char c : addr)
    if (c <= ' ' || c == '<' || c == '>' || c == '"' || c == ',' || c == '(' || c == ')' || c == '\\' ||
        c == 0x7f)
      return std::nullopt;
  if (has_control(out.display)) return std::nullopt;
  out.address = std::string(addr);
  return out;
}

// The address as a header shows it: the display name quoted when ASCII, encoded words when not.
std::string header_address(const mail_address& a) {
  if (a.display.empty()) return a.address;
  if (!is_ascii(a.display)) return encoded_words(a.display, " ") + " <" + a.address + ">";
  std::string quoted = "\"";
  for (char c : a.display) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\" <" + a.address + ">";
}

// RFC 5322 §3.3 date-time in UTC, English names whatever the locale.
std::string rfc5322_date(std::chrono::system_clock::time_point when) {
  static constexpr std::array<const char*, 7> days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%s, %02d %s %04d %02d:%02d:%02d +0000",
                days.at(static_cast<std::size_t>(tm.tm_wday)), tm.tm_mday,
                months.at(static_cast<std::size_t>(tm.tm_mon)), tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf.data();
}

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    // Only uniqueness matters here (boundaries, Message-ID), not secrecy.
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    for (std::size_t i = 0; i < bytes; ++i) raw[i] = static_cast<char>((now >> ((i % 8) * 8)) & 0xff);
  }
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

// A file name safe inside a quoted MIME parameter: no control characters, quotes or backslashes; encoded
// words when it is not ASCII (what mail readers decode in `filename=`).
std::string safe_filename(std::string_view name) {
  std::string cleaned;
  for (char c : name)
    if (static_cast<unsigned char>(c) >= 0x20 && c != '"' && c != '\\' && c != 0x7f) cleaned += c;
  if (cleaned.empty()) cleaned = "attachment";
  return encoded_words(cleaned, " ");
}

// "type/subtype" (with optional parameters) without line breaks; anything else is sent as octets.
std::string safe_content_type(std::string_view type) {
  if (type.empty() || has_control(type) || type.find('/') == std::string_view::npos || !is_ascii(type))
    return "application/octet-stream";
  return std::string(type);
}

std::string openssl_error(std::string_view what) {
  std::string out(what);
  unsigned long code = ERR_get_error();
  if (code != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    out += " (";
    out += buf.data();
    out += ")";
  }
  ERR_clear_error();
  return out;
}

mail_result failure(bool transient, std::string detail) {
  mail_result r;
  r.transient = transient;
  r.detail = std::move(detail);
  return r;
}

// --- the message ----------------------------------------------------------------------------------

struct prepared_headers {
  mail_address from;
  std::vector<mail_address> to;
  std::vector<std::string> lines;  // "From: ...", "To: ...", "Subject: ...", "Date: ...", "Message-ID: ..."
};

std::optional<prepared_headers> prepare_headers(const mail_message& m, std::string& error) {
  prepared_headers h;
  auto from = parse_address(m.from);
  if (!from) {
    error = "the sender address is not a valid e-mail address";
    return std::nullopt;
  }
  h.from = *from;
  if (m.to.empty()) {
    error = "no recipient";
    return std::nullopt;
  }
  std::string to_line = "To: ";
  for (const auto& text : m.to) {
    auto a = parse_address(text);
    if (!a) {
      error = "a recipient address is not a valid e-mail address";
      return std::nullopt;
    }
    if (!h.to.empty()) to_line += ",\r\n ";
    to_line += header_address(*a);
    h.to.push_back(std::move(*a));
  }
  if (has_control(m.subject) || has_control(m.message_id)) {
    error = "a line break in the subject or Message-ID";
    return std::nullopt;
  }
  std::string id = m.message_id;
  if (id.empty()) {
    id = "<" + random_hex(16) + "@" + h.from.address.substr(h.from.address.find('@') + 1) + ">";
  } else if (id.front() != '<') {
    id = "<" + id + ">";
  }
  h.lines.push_back("From: " + header_address(h.from));
  h.lines.push_back(std::move(to_line));
  h.lines.push_back("Subject: " + header_text(m.subject));
  h.lines.push_back("Date: " + rfc5322_date(std::chrono::system_clock::now()));
  h.lines.push_back("Message-ID: " + id);
  return h;
}

// The plain message as a libcurl mime structure (owned by `curl`'s handle lifetime through the result).
mime_ptr build_mime(CURL* curl, const mail_message& m, std::string& error) {
  mime_ptr mime(curl_mime_init(curl));
  if (!mime) {
    error = "out of memory";
    return nullptr;
  }
  bool ok = true;
  auto text_part = [&](curl_mime* into, const std::string& body, const char* type) {
    curl_mimepart* part = curl_mime_addpart(into);
    std::string normalised = crlf(body);
    ok = ok && part != nullptr && curl_mime_data(part, normalised.data(), normalised.size()) == CURLE_OK &&
         curl_mime_type(part, type) == CURLE_OK && curl_mime_encoder(part, "quoted-printable") == CURLE_OK;
  };
  if (m.html.empty()) {
    text_part(mime.get(), m.text, "text/plain; charset=utf-8");
  } else {
    curl_mimepart* body = curl_mime_addpart(mime.get());
    mime_ptr alternative(curl_mime_init(curl));
    if (body == nullptr || !alternative) {
      error = "out of memory";
      return nullptr;
    }
    text_part(alternative.get(), m.text, "text/plain; charset=utf-8");
    text_part(alternative.get(), m.html, "text/html; charset=utf-8");
    ok = ok && curl_mime_subparts(body, alternative.get()) == CURLE_OK;
    if (ok) (void)alternative.release();  // now owned by `body`
    slist_ptr disposition;
    ok = ok && curl_mime_type(body, "multipart/alternative") == CURLE_OK &&
         append(disposition, "Content-Disposition: inline") &&
         curl_mime_headers(body, disposition.get(), 1) == CURLE_OK;
    if (ok) (void)disposition.release();  // now owned by `body`
  }
  for (const auto& a : m.attachments) {
    curl_mimepart* part = curl_mime_addpart(mime.get());
    ok = ok && part != nullptr && curl_mime_data(part, a.bytes.data(), a.bytes.size()) == CURLE_OK &&
         curl_mime_filename(part, safe_filename(a.filename).c_str()) == CURLE_OK &&
         curl_mime_type(part, safe_content_type(a.content_type).c_str()) == CURLE_OK &&
         curl_mime_encoder(part, "base64") == CURLE_OK;
  }
  if (!ok) {
    error = "cannot build the MIME message";
    return nullptr;
  }
  return mime;
}

// The inner MIME entity of an S/MIME message (see the header comment), CRLF line endings.
std::string inner_entity(const mail_message& m) {
  std::string mixed = "hb-mixed-" + random_hex(12);
  std::string out = "Content-Type: multipart/mixed; boundary=\"" + mixed + "\"\r\n\r\n";
  out += "--" + mixed + "\r\n";
  auto text_part = [&](const std::string& body, std::string_view type) {
    out += "Content-Type: ";
    out += type;
    out += "; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    out += base64_lines(crlf(body));
  };
  if (m.html.empty()) {
    text_part(m.text, "text/plain");
  } else {
    std::string alternative = "hb-alt-" + random_hex(12);
    out += "Content-Type: multipart/alternative; boundary=\"" + alternative + "\"\r\n\r\n";
    out += "--" + alternative + "\r\n";
    text_part(m.text, "text/plain");
    out += "--" + alternative + "\r\n";
    text_part(m.html, "text/html");
    out += "--" + alternative + "--\r\n";
  }
  for (const auto& a : m.attachments) {
    std::string name = safe_filename(a.filename);
    out += "--" + mixed + "\r\n";
    out += "Content-Type: " + safe_content_type(a.content_type) + "; name=\"" + name + "\"\r\n";
    out += "Content-Disposition: attachment; filename=\"" + name + "\"\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    out += base64_lines(a.bytes);
  }
  out += "--" + mixed + "--\r\n";
  return out;
}

bio_ptr memory_bio(std::string_view bytes) {
  return bio_ptr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// Every certificate of a PEM text, in order.
x509_stack_ptr read_certificates(const std::string& pem) {
  x509_stack_ptr certs(sk_X509_new_null());
  auto bio = memory_bio(pem);
  if (!certs || !bio) return nullptr;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (sk_X509_push(certs.get(), cert) <= 0) {
      X509_free(cert);
      return nullptr;
    }
  }
  ERR_clear_error();  // the end of the PEM text
  if (sk_X509_num(certs.get()) == 0) return nullptr;
  return certs;
}

// The entity signed (multipart/signed) and encrypted (application/pkcs7-mime), headers included.
std::optional<std::string> smime_entity(const smime_settings& s, const std::string& inner,
                                        std::string& error) {
  auto signer_chain = read_certificates(s.signer_certificate_pem);
  if (!signer_chain) {
    error = openssl_error("S/MIME: cannot read the practice's certificate");
    return std::nullopt;
  }
  x509_ptr signer(sk_X509_shift(signer_chain.get()));  // the rest is its chain
  auto key_bio = memory_bio(s.signer_key_pem);
  pkey_ptr key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    error = openssl_error("S/MIME: cannot read the practice's private key");
    return std::nullopt;
  }
  if (X509_check_private_key(signer.get(), key.get()) != 1) {
    error = openssl_error("S/MIME: the practice's private key does not match its certificate");
    return std::nullopt;
  }
  auto recipients = read_certificates(s.recipient_certificate_pem);
  if (!recipients) {
    error = openssl_error("S/MIME: cannot read the recipient's certificate");
    return std::nullopt;
  }
  while (sk_X509_num(recipients.get()) > 1) X509_free(sk_X509_pop(recipients.get()));  // the first is theirs

  // Sign: detached, written as multipart/signed with CRLF line ends. Streaming (CMS_STREAM): the signature
  // is computed while SMIME_write_CMS copies the content, which is how OpenSSL writes a detached
  // signature (without it, writing an already signed structure fails its attribute check).
  auto content = memory_bio(inner);
  constexpr unsigned int sign_flags = CMS_DETACHED | CMS_STREAM;
  cms_ptr signed_cms(
      content ? CMS_sign(signer.get(), key.get(), signer_chain.get(), content.get(), sign_flags) : nullptr);
  bio_ptr signed_out(BIO_new(BIO_s_mem()));
  if (!signed_cms || !signed_out ||
      SMIME_write_CMS(signed_out.get(), signed_cms.get(), content.get(), sign_flags | CMS_CRLFEOL) != 1) {
    error = openssl_error("S/MIME: signing failed");
    return std::nullopt;
  }
  std::string signed_entity = crlf(bio_text(signed_out.get()));  // OpenSSL's base64 lines end in LF

  // Encrypt the signed entity, bytes as they are.
  auto plain = memory_bio(signed_entity);
  cms_ptr enveloped(plain ? CMS_encrypt(recipients.get(), plain.get(), EVP_aes_256_cbc(), CMS_BINARY)
                          : nullptr);
  bio_ptr enveloped_out(BIO_new(BIO_s_mem()));
  if (!enveloped || !enveloped_out ||
      SMIME_write_CMS(enveloped_out.get(), enveloped.get(), nullptr, CMS_CRLFEOL) != 1) {
    error = openssl_error("S/MIME: encryption failed");
    return std::nullopt;
  }
  return crlf(bio_text(enveloped_out.get()));
}

// --- the transfer ---------------------------------------------------------------------------------

struct upload_source {
  std::string_view bytes;
  std::size_t at = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* src = static_cast<upload_source*>(user);
  std::size_t n = std::min(size * count, src->bytes.size() - src->at);
  std::copy_n(src->bytes.data() + src->at, n, buffer);
  src->at += n;
  return n;
}

// The server's replies (never what we send: AUTH carries the password), the last one kept for `detail`.
int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  if (type != CURLINFO_HEADER_IN) return 0;
  auto* last = static_cast<std::string*>(user);
  std::string_view line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (!line.empty()) last->assign(line.substr(0, 300));
  return 0;
}

std::string describe(CURLcode rc, const char* error_buffer, const std::string& last_reply) {
  std::string out = curl_easy_strerror(rc);
  if (error_buffer != nullptr && error_buffer[0] != '\0' && out != error_buffer) {
    out += ": ";
    out += error_buffer;
  }
  if (!last_reply.empty()) out += " (server: " + last_reply + ")";
  return out;
}

mail_result classify(CURLcode rc, long code, const std::string& what, const std::string& last_reply) {
  mail_result r;
  r.smtp_code = code;
  if (rc == CURLE_OK) {
    r.sent = true;
    r.detail = last_reply.empty() ? std::string("accepted by the server") : "accepted: " + last_reply;
    return r;
  }
  switch (rc) {
    case CURLE_USE_SSL_FAILED:
      r.detail = "not sent: the server does not offer STARTTLS and TLS is required; " + what;
      return r;
    case CURLE_LOGIN_DENIED:
      r.transient = code >= 400 && code < 500;  // 454: a temporary authentication failure
      r.detail = "not sent: authentication failed; " + what;
      return r;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      r.detail = "not sent: the server's certificate is not trusted; " + what;
      return r;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      r.detail = "not sent: bad SMTP settings; " + what;
      return r;
    default:
      break;
  }
  if (code >= 500 && code < 600) {
    r.detail = "refused by the server (" + std::to_string(code) + "); " + what;
  } else if (code >= 400 && code < 500) {
    r.transient = true;
    r.detail = "deferred by the server (" + std::to_string(code) + "); " + what;
  } else {
    r.transient = true;  // connection, time-out, TLS handshake, a cut connection
    r.detail = "not sent: " + what;
  }
  return r;
}

}  // namespace

mail_result send_mail(const smtp_settings& smtp, const smime_settings& smime, const mail_message& message) {
  try {
    if (!smtp.url.starts_with("smtp://") && !smtp.url.starts_with("smtps://"))
      return failure(false, "not sent: the SMTP url must start with smtp:// or smtps://");
    if (global_init() != CURLE_OK) return failure(true, "not sent: libcurl could not be initialised");
    std::string error;
    auto headers = prepare_headers(message, error);
    if (!headers) return failure(false, "not sent: " + error);

    // Everything the handle points to is declared before it, so that the handle is cleaned up first (its
    // clean-up may still say QUIT and call on_debug).
    std::array<char, CURL_ERROR_SIZE> error_buffer{};
    std::string last_reply;
    slist_ptr recipients;
    mime_ptr mime;
    slist_ptr header_list;
    std::string whole;
    upload_source source;
    curl_ptr curl(curl_easy_init());
    if (!curl) return failure(true, "not sent: libcurl could not make a handle");
    CURL* c = curl.get();
    long total_ms = std::max<long>(1000, static_cast<long>(smtp.timeout.count()));
    std::string mail_from = "<" + headers->from.address + ">";
    for (const auto& a : headers->to)
      if (!append(recipients, "<" + a.address + ">")) return failure(true, "not sent: out of memory");

    bool ok = curl_easy_setopt(c, CURLOPT_URL, smtp.url.c_str()) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL)) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total_ms) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min<long>(total_ms, 10'000)) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer.data()) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_VERBOSE, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_DEBUGDATA, &last_reply) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str()) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get()) == CURLE_OK;
    if (ok && !smtp.ca_file.empty())
      ok = curl_easy_setopt(c, CURLOPT_CAINFO, smtp.ca_file.c_str()) == CURLE_OK;
    if (ok && !smtp.username.empty()) {
      ok = curl_easy_setopt(c, CURLOPT_USERNAME, smtp.username.c_str()) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_PASSWORD, smtp.password.c_str()) == CURLE_OK;
    }
    if (!ok) return failure(false, "not sent: libcurl refused an option (is it built with SMTP and TLS?)");

    // The body: a mime structure (plain) or the whole S/MIME message (upload).
    if (!smime.enabled) {
      mime = build_mime(c, message, error);
      if (!mime) return failure(false, "not sent: " + error);
      for (const auto& line : headers->lines)
        if (!append(header_list, line)) return failure(true, "not sent: out of memory");
      if (!append(header_list, "MIME-Version: 1.0")) return failure(true, "not sent: out of memory");
      ok = curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list.get()) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get()) == CURLE_OK;
    } else {
      auto entity = smime_entity(smime, inner_entity(message), error);
      if (!entity) return failure(false, "not sent: " + error);
      for (const auto& line : headers->lines) whole += line + "\r\n";
      whole += *entity;  // starts with MIME-Version and the pkcs7-mime Content-Type
      source.bytes = whole;
      ok = curl_easy_setopt(c, CURLOPT_UPLOAD, 1L) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_READDATA, &source) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(whole.size())) == CURLE_OK;
    }
    if (!ok) return failure(false, "not sent: libcurl refused the message");

    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    return classify(rc, code, describe(rc, error_buffer.data(), last_reply), last_reply);
  } catch (const std::exception& e) {
    return failure(true, std::string("not sent: ") + e.what());
  } catch (...) {
    return failure(true, "not sent: unexpected error");
  }
}

}  // namespace homebase::gateway::letters
