// peer_certificate (functions): how the server asks a TLS client for a certificate (mutual TLS, when
// server.tls.client_ca_file is set) and how it describes the certificate the client presented, as the
// connection_info::certificate that the authenticator reads (gateway/http/connection_info.hpp).
//
// The handshake completes whether or not the certificate chains to the client CA: the verify callback
// accepts every chain, OpenSSL still records the verification result, and the description says whether
// the certificate is trusted and, if not, why. So a refusal is answered (401 OperationOutcome) and audited
// rather than being a failed handshake the client cannot read.
//
// Pure functions over OpenSSL objects (OpenSSL 3 APIs only); called on the connection's strand after the
// handshake. Nothing here throws except request_client_certificates(), which runs at start-up.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <optional>
#include <string>

#include "gateway/http/connection_info.hpp"

namespace homebase::gateway::http {

// Makes `ctx` ask every client for a certificate (SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT), with the
// certificates in `client_ca_file` (PEM) as trust anchors and as the CA names sent to the client, and a
// session id context so that sessions with client certificates can be resumed. Throws std::runtime_error
// (start-up) when the file cannot be read or holds no certificate.
void request_client_certificates(SSL_CTX* ctx, const std::string& client_ca_file);

// The certificate `cert` described, with `verify_result` (an X509_V_* code) deciding `trusted`.
[[nodiscard]] peer_certificate describe_certificate(X509* cert, long verify_result);

// The certificate the client presented on `ssl` after the handshake, with OpenSSL's verification result;
// nullopt when it presented none (or `ssl` is null).
[[nodiscard]] std::optional<peer_certificate> describe_peer_certificate(SSL* ssl);

}  // namespace homebase::gateway::http
