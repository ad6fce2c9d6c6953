// connection_info: what the server knows about the other end of a connection, beside the request itself:
// its network address and, on a TLS connection where the client presented a certificate (checked against
// server.tls.client_ca_file), that certificate's identity and whether it is trusted. Filled once per
// connection by the server (after the handshake) and read by the authenticator (gateway/auth); plain
// value, no Asio.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace homebase::gateway::http {

// A client certificate the client presented (only asked for when server.tls.client_ca_file is set). The
// handshake completes either way so that a refusal can be answered and audited; `trusted` says whether
// it chains to the client CA.
struct peer_certificate {
  bool trusted = false;
  std::string verify_error;                    // why not trusted (OpenSSL's verify result text)
  std::string sha256;                          // fingerprint of the DER encoding: lower-case hex, no colons
  std::string subject;                         // one line, RFC 2253 order, e.g. "CN=nicu-gw,O=St. Elsewhere"
  std::vector<std::string> subject_alt_names;  // DNS names, URIs and e-mail addresses, as written
};

struct connection_info {
  std::string address;  // the peer's IP address as text ("127.0.0.1", "::1")
  bool tls = false;
  std::optional<peer_certificate> certificate;  // present when the client sent one
};

}  // namespace homebase::gateway::http
