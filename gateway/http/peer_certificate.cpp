#include "gateway/http/peer_certificate.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace homebase::gateway::http {

namespace {
struct bio_free {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct x509_free {
  void operator()(X509* x) const { X509_free(x); }
};
struct general_names_free {
  void operator()(GENERAL_NAMES* n) const { GENERAL_NAMES_free(n); }
};

// Every chain is accepted here; the result OpenSSL recorded (SSL_get_verify_result) decides trust later.
int accept_any_chain(int /*preverify_ok*/, X509_STORE_CTX* /*ctx*/) {
  return 1;
}

std::string hex(const unsigned char* data, unsigned int length) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0x0F]);
  }
  return out;
}

std::string rfc2253_subject(X509* cert) {
  std::unique_ptr<BIO, bio_free> bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return length > 0 && data ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}

// An IA5String SAN as written; empty when it hides a NUL (a name that would read differently in C).
std::string ia5_text(const ASN1_IA5STRING* s) {
  if (!s) return {};
  const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(s));
  auto length = static_cast<std::size_t>(ASN1_STRING_length(s));
  if (!data || length == 0 || std::memchr(data, '\0', length)) return {};
  return std::string(data, length);
}
}  // namespace

void request_client_certificates(SSL_CTX* ctx, const std::string& client_ca_file) {
  if (SSL_CTX_load_verify_locations(ctx, client_ca_file.c_str(), nullptr) != 1) {
    ERR_clear_error();
    throw std::runtime_error("server.tls.client_ca_file: cannot load trust anchors from '" + client_ca_file +
                             "'");
  }
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(client_ca_file.c_str());
  if (!names) {
    ERR_clear_error();
    throw std::runtime_error("server.tls.client_ca_file: no certificate in '" + client_ca_file + "'");
  }
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any_chain);
  // Needed to resume a session in which the client presented a certificate (OpenSSL refuses otherwise).
  static constexpr unsigned char session_context[] = "homebase-gateway";
  SSL_CTX_set_session_id_context(ctx, session_context, sizeof session_context - 1);
}

peer_certificate describe_certificate(X509* cert, long verify_result) {
  peer_certificate out;
  out.trusted = verify_result == X509_V_OK;
  if (!out.trusted) out.verify_error = X509_verify_cert_error_string(verify_result);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_length = 0;
  if (X509_digest(cert, EVP_sha256(), md, &md_length) == 1) out.sha256 = hex(md, md_length);
  out.subject = rfc2253_subject(cert);
  std::unique_ptr<GENERAL_NAMES, general_names_free> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (names) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
      std::string text;
      switch (name->type) {
        case GEN_DNS:
          text = ia5_text(name->d.dNSName);
          break;
        case GEN_URI:
          text = ia5_text(name->d.uniformResourceIdentifier);
          break;
        case GEN_EMAIL:
          text = ia5_text(name->d.rfc822Name);
          break;
        default:
          break;
      }
      if (!text.empty()) out.subject_alt_names.push_back(std::move(text));
    }
  }
  ERR_clear_error();  // nothing of a bad certificate is left on this thread's error queue
  return out;
}

std::optional<peer_certificate> describe_peer_certificate(SSL* ssl) {
  if (!ssl) return std::nullopt;
  std::unique_ptr<X509, x509_free> cert(SSL_get1_peer_certificate(ssl));
  if (!cert) return std::nullopt;
  return describe_certificate(cert.get(), SSL_get_verify_result(ssl));
}

}  // namespace homebase::gateway::http
