#include "gateway/auth/access_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>

#include "gateway/auth/base64url.hpp"

namespace homebase::gateway::auth {
namespace {

constexpr std::size_t key_bytes = 32;
constexpr std::size_t hs256_bytes = 32;
constexpr std::size_t max_token_bytes = 8 * 1024;
// The one header this gateway writes; a token with any other header is not ours.
constexpr std::string_view header_json = R"({"alg":"HS256","typ":"JWT"})";

std::optional<std::string> hs256(std::string_view key, std::string_view input) {
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t out_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, sizeof out,
                &out_len) == nullptr ||
      out_len != hs256_bytes)
    return std::nullopt;
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

std::string random_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

bool string_member(const rapidjson::Value& o, const char* name, std::string& out) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsString()) return false;
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

bool int_member(const rapidjson::Value& o, const char* name, std::int64_t& out) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsInt64()) return false;
  out = it->value.GetInt64();
  return true;
}

std::optional<token_claims> reject(token_error e, token_error* why) {
  if (why != nullptr) *why = e;
  return std::nullopt;
}

}  // namespace

const char* describe(token_error e) {
  switch (e) {
    case token_error::malformed:
      return "the access token is malformed";
    case token_error::bad_signature:
      return "the access token's signature is not valid";
    case token_error::expired:
      return "the access token has expired";
    case token_error::wrong_issuer:
      return "the access token was not issued by this gateway";
  }
  return "the access token is not valid";
}

access_token_codec::access_token_codec(std::string key, std::string issuer)
    : key_(std::move(key)), issuer_(std::move(issuer)) {
  if (key_.size() != key_bytes) throw std::invalid_argument("the access token key must be 32 bytes");
}

std::string access_token_codec::issue(const token_claims& claims) const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto str = [&w](std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  w.Key("iss");
  str(issuer_);
  w.Key("sub");
  str(claims.client_id);
  w.Key("client_id");
  str(claims.client_id);
  w.Key("scope");
  str(claims.scope);
  w.Key("iat");
  w.Int64(claims.issued_at);
  w.Key("exp");
  w.Int64(claims.expires_at);
  w.Key("jti");
  str(claims.jti.empty() ? random_id() : claims.jti);
  w.EndObject();
  std::string input = base64url_encode(header_json);
  input += '.';
  input += base64url_encode(std::string_view(buffer.GetString(), buffer.GetSize()));
  auto mac = hs256(key_, input);
  if (!mac) return {};  // OpenSSL failed: no token rather than an unsigned one
  input += '.';
  input += base64url_encode(*mac);
  return input;
}

std::optional<token_claims> access_token_codec::verify(std::string_view token, std::int64_t now_s,
                                                       token_error* why) const {
  if (token.size() > max_token_bytes) return reject(token_error::malformed, why);
  auto first = token.find('.');
  auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return reject(token_error::malformed, why);
  // Only our own header: no other alg is ever considered.
  auto header = base64url_decode(token.substr(0, first));
  if (!header || *header != header_json) return reject(token_error::malformed, why);
  auto signature = base64url_decode(token.substr(second + 1));
  auto expected = hs256(key_, token.substr(0, second));
  if (!signature || !expected || signature->size() != expected->size() ||
      CRYPTO_memcmp(signature->data(), expected->data(), expected->size()) != 0)
    return reject(token_error::bad_signature, why);
  auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
  if (!payload) return reject(token_error::malformed, why);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(payload->data(), payload->size());
  if (doc.HasParseError() || !doc.IsObject()) return reject(token_error::malformed, why);
  token_claims out;
  std::string iss;
  if (!string_member(doc, "iss", iss) || !string_member(doc, "client_id", out.client_id) ||
      !string_member(doc, "scope", out.scope) || !string_member(doc, "jti", out.jti) ||
      !int_member(doc, "iat", out.issued_at) || !int_member(doc, "exp", out.expires_at))
    return reject(token_error::malformed, why);
  if (iss != issuer_) return reject(token_error::wrong_issuer, why);
  if (out.expires_at <= now_s) return reject(token_error::expired, why);
  return out;
}

}  // namespace homebase::gateway::auth
