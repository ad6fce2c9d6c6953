// mail_sender: one secure e-mail through libcurl's SMTP client (issue 12 item 3): STARTTLS required
// (CURLUSESSL_ALL: a server that does not offer it is a failure, never a plain-text send), the server's
// certificate verified (system anchors or `ca_file`), authentication, a deadline. The message is MIME
// (libcurl's mime API): a text/plain body, an optional text/html alternative, and attachments. With
// `smime` set, the message is signed with the practice's certificate and encrypted to the recipient's
// certificate as S/MIME (OpenSSL CMS), Direct secure messaging's format.
// libcurl's easy interface blocks: `send_mail` runs on the caller's thread, so callers run it on a thread
// of their own (never an I/O thread of the server).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace homebase::gateway::letters {

struct smtp_settings {
  std::string url;  // smtp://host:port (STARTTLS is then required) or smtps://host:port (TLS from the start)
  std::string username;  // empty: no authentication
  std::string password;
  std::string ca_file;  // empty: the system's trust anchors
  std::chrono::milliseconds timeout{30'000};
};

struct smime_settings {
  bool enabled = false;
  std::string signer_certificate_pem;     // the practice's certificate (and chain)
  std::string signer_key_pem;             // its private key
  std::string recipient_certificate_pem;  // the school's (Direct address) certificate
};

struct mail_attachment {
  std::string filename;      // "letter-504-sofia-reyes.pdf"
  std::string content_type;  // "application/pdf"
  std::string bytes;
};

struct mail_message {
  std::string from;  // "Meadowbrook Pediatrics <letters@meadowbrook.example.org>"
  std::vector<std::string> to;
  std::string subject;  // UTF-8 (encoded as RFC 2047 when not ASCII)
  std::string text;     // text/plain body
  std::string html;     // optional text/html alternative
  std::vector<mail_attachment> attachments;
  std::string message_id;  // "<letter-12@homebase.example.org>"; empty: one is made
};

struct mail_result {
  bool sent = false;       // the server accepted the message for every recipient (SMTP 250)
  bool transient = false;  // when not sent: worth retrying (connection, 4xx, timeout) vs. permanent (5xx)
  long smtp_code = 0;      // the server's last reply code, 0 when none
  std::string detail;      // the server's reply or the transport error, for the letter's record and log
};

// Never throws.
[[nodiscard]] mail_result send_mail(const smtp_settings& smtp, const smime_settings& smime,
                                    const mail_message& message);

}  // namespace homebase::gateway::letters
