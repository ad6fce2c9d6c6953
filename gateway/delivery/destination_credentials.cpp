#include "gateway/delivery/destination_credentials.hpp"

#include <openssl/ssl.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <cctype>
#include <chrono>
#include <mutex>
#include <vector>

#include "gateway/auth/client_assertion_signer.hpp"
#include "gateway/log/json_log.hpp"

namespace homebase::gateway::delivery {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr auto refresh_margin = std::chrono::seconds(30);
constexpr std::size_t max_error_description = 200;
const std::string jwt_bearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// application/x-www-form-urlencoded value: everything but RFC 3986 unreserved characters percent-encoded.
std::string form_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// Printable ASCII only, bounded: text from the authorization server goes into the attempt row.
std::string sanitized(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, max_error_description)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool loopback_url(const std::string& url) {
  parsed_url parsed;
  return parse_url(url, parsed) &&
         (parsed.host == "127.0.0.1" || parsed.host == "::1" || parsed.host == "localhost");
}

struct token_answer {
  std::string token;
  std::int64_t expires_in = 0;
  std::string error;
};

// The token response (SMART-12; errors RFC 6749 §5.2), read without trusting it.
token_answer read_token_answer(const http_result& reply, const std::string& token_url) {
  token_answer answer;
  const std::string where = "token request to " + token_url + ": ";
  if (reply.status == 0) {
    answer.error = where + reply.error;
    return answer;
  }
  rapidjson::Document doc;
  doc.Parse(reply.body.data(), reply.body.size());
  bool object = !doc.HasParseError() && doc.IsObject();
  auto text = [&](const char* name) -> std::string_view {
    if (!object) return {};
    auto it = doc.FindMember(name);
    if (it == doc.MemberEnd() || !it->value.IsString()) return {};
    return {it->value.GetString(), it->value.GetStringLength()};
  };
  if (reply.status < 200 || reply.status >= 300) {
    answer.error = where + "HTTP " + std::to_string(reply.status);
    if (auto code = text("error"); !code.empty()) answer.error += " " + sanitized(code);
    if (auto description = text("error_description"); !description.empty())
      answer.error += " (" + sanitized(description) + ")";
    return answer;
  }
  auto token = text("access_token");
  if (token.empty()) {
    answer.error = where + "the answer has no access_token";
    return answer;
  }
  if (!iequals(text("token_type"), "bearer")) {
    answer.error = where + "the answer's token_type is not Bearer";
    return answer;
  }
  if (object && doc.HasMember("expires_in") && doc["expires_in"].IsNumber()) {
    double seconds = doc["expires_in"].GetDouble();
    answer.expires_in = seconds > 0 && seconds < 86'400.0 * 366 ? static_cast<std::int64_t>(seconds) : 0;
  }
  answer.token = std::string(token);
  return answer;
}

}  // namespace

std::unique_ptr<asio::ssl::context> make_client_tls_context(const config::delivery_settings& d) {
  auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  tls->set_default_verify_paths();
  if (!d.ca_file.empty()) {
    boost::system::error_code ec;
    tls->load_verify_file(d.ca_file, ec);
    if (ec) throw config::config_error("delivery.ca_file '" + d.ca_file + "': " + ec.message());
  }
  tls->set_verify_mode(d.verify_tls_peer ? asio::ssl::verify_peer : asio::ssl::verify_none);
  return tls;
}

struct destination_credentials::state {
  config::destination_auth auth;
  std::chrono::milliseconds timeout{};
  std::unique_ptr<asio::ssl::context> tls;
  std::unique_ptr<auth::client_assertion_signer> signer;  // smart
  std::atomic<int> token_requests{0};

  std::mutex mutex;    // guards what follows
  std::string header;  // "Bearer <token>" of the cached token, empty when none
  steady::time_point refresh_at{};
  bool fetching = false;
  std::uint64_t generation = 0;                              // token fetches completed
  authorization last;                                        // the outcome of fetch number `generation`
  std::vector<std::shared_ptr<asio::steady_timer>> waiters;  // woken (cancelled) when a fetch completes
};

destination_credentials::destination_credentials(const config::destination_auth& a,
                                                 const config::delivery_settings& delivery,
                                                 const std::string& name)
    : state_(std::make_shared<state>()) {
  auto& s = *state_;
  s.auth = a;
  s.timeout = delivery.request_timeout;
  s.tls = make_client_tls_context(delivery);
  using method = config::destination_auth::method;
  if (!a.certificate_file.empty()) {
    boost::system::error_code ec;
    s.tls->use_certificate_chain_file(a.certificate_file, ec);
    if (ec)
      throw config::config_error(name + ".client_certificate.certificate_file '" + a.certificate_file +
                                 "': " + ec.message());
    s.tls->use_private_key_file(a.certificate_key_file, asio::ssl::context::pem, ec);
    if (ec || SSL_CTX_check_private_key(s.tls->native_handle()) != 1)
      throw config::config_error(name + ".client_certificate.private_key_file '" + a.certificate_key_file +
                                 "': not the key of the certificate" + (ec ? " (" + ec.message() + ")" : ""));
  }
  if (a.how == method::smart) {
    try {
      s.signer = std::make_unique<auth::client_assertion_signer>(a.private_key_file, a.key_id, a.algorithm);
    } catch (const config::config_error& e) {
      throw config::config_error(name + ".smart: " + e.what());
    }
    if (a.token_url.starts_with("http://") && !loopback_url(a.token_url))
      log::write({.lvl = log::level::warn,
                  .event = "config.plain_http_token_url",
                  .detail = name + ".smart.token_url is plain http (SMART requires TLS)"});
  }
}

destination_credentials::~destination_credentials() = default;

void check_destination_credentials(const config::gateway_config& config) {
  for (const auto& home : config.medical_homes)
    destination_credentials(home.auth, config.delivery, "medical_homes[" + home.id + "].auth");
  for (const auto& school : config.schools)
    destination_credentials(school.auth, config.delivery, "schools[" + school.id + "].auth");
}

int destination_credentials::token_requests() const {
  return state_->token_requests.load();
}

void destination_credentials::drop(const std::string& header) {
  std::lock_guard lock(state_->mutex);
  if (!header.empty() && state_->header == header) state_->header.clear();
}

asio::awaitable<destination_credentials::authorization> destination_credentials::authorize() {
  auto s = state_;  // keeps the state alive across the awaits below
  using method = config::destination_auth::method;
  if (s->auth.how == method::bearer) co_return authorization{"Bearer " + s->auth.bearer_token, {}};
  if (s->auth.how != method::smart) co_return authorization{};

  auto executor = co_await asio::this_coro::executor;
  for (;;) {
    std::shared_ptr<asio::steady_timer> wait;
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(s->mutex);
      if (!s->header.empty() && steady::now() < s->refresh_at) co_return authorization{s->header, {}};
      if (!s->fetching) {
        s->fetching = true;
        break;  // this request fetches; the others wait for it
      }
      seen = s->generation;
      wait = std::make_shared<asio::steady_timer>(executor, 2 * s->timeout);
      s->waiters.push_back(wait);
    }
    auto [ec] = co_await wait->async_wait(nothrow);
    std::lock_guard lock(s->mutex);
    if (s->generation != seen) co_return s->last;
    if (!ec) break;  // the fetch never finished (its request has its own deadline): fetch anew
  }

  // Fetch: POST token_url (SMART-02).
  authorization outcome;
  std::int64_t lifetime = 0;
  auto now_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto assertion = s->signer->sign(s->auth.client_id, s->auth.token_url, now_s);
  if (!assertion) {
    outcome.error = "token request to " + s->auth.token_url + ": cannot sign the client assertion";
  } else {
    std::string form = "grant_type=client_credentials&scope=" + form_encode(s->auth.scope) +
                       "&client_assertion_type=" + form_encode(jwt_bearer) +
                       "&client_assertion=" + form_encode(*assertion);
    ++s->token_requests;
    http_client client(*s->tls, s->timeout);
    auto reply = co_await client.post(s->auth.token_url, form, "application/x-www-form-urlencoded", {},
                                      "application/json");
    auto answer = read_token_answer(reply, s->auth.token_url);
    if (answer.error.empty()) {
      outcome.header = "Bearer " + answer.token;
      lifetime = answer.expires_in;
    } else {
      outcome.error = std::move(answer.error);
    }
  }
  std::lock_guard lock(s->mutex);
  s->fetching = false;
  ++s->generation;
  s->last = outcome;
  if (outcome.error.empty()) {
    s->header = outcome.header;
    s->refresh_at = steady::now() + std::chrono::seconds(lifetime) - refresh_margin;
  }
  for (auto& waiter : s->waiters) asio::post(waiter->get_executor(), [waiter] { waiter->cancel(); });
  s->waiters.clear();
  co_return outcome;
}

std::unique_ptr<http_client> destination_credentials::client_for() const {
  return std::make_unique<http_client>(*state_->tls, state_->timeout, /*keep_alive=*/true);
}

asio::awaitable<http_result> destination_credentials::post(const std::string& url, const std::string& body,
                                                           const std::string& content_type) {
  auto s = state_;
  http_client client(*s->tls, s->timeout);
  co_return co_await post(client, url, body, content_type);
}

asio::awaitable<http_result> destination_credentials::post(http_client& client, const std::string& url,
                                                           const std::string& body,
                                                           const std::string& content_type,
                                                           const std::string& request_id) {
  auto s = state_;
  const std::string accept = "application/fhir+json";
  auto credential = co_await authorize();
  if (!credential.error.empty()) co_return http_result{0, credential.error, {}, {}};
  auto result = co_await client.post(url, body, content_type, credential.header, accept, request_id);
  if (result.status == 401 && s->auth.how == config::destination_auth::method::smart) {
    // The token expired early or was revoked: once more with a new one.
    drop(credential.header);
    credential = co_await authorize();
    if (!credential.error.empty())
      co_return http_result{0, "HTTP 401 with our access token, then " + credential.error, {}, {}};
    result = co_await client.post(url, body, content_type, credential.header, accept, request_id);
  }
  co_return result;
}

asio::awaitable<http_result> destination_credentials::get(http_client& client, const std::string& url) {
  auto s = state_;
  const std::string accept = "application/fhir+json";
  auto credential = co_await authorize();
  if (!credential.error.empty()) co_return http_result{0, credential.error, {}, {}};
  auto result = co_await client.get(url, accept, credential.header);
  if (result.status == 401 && s->auth.how == config::destination_auth::method::smart) {
    drop(credential.header);
    credential = co_await authorize();
    if (!credential.error.empty())
      co_return http_result{0, "HTTP 401 with our access token, then " + credential.error, {}, {}};
    result = co_await client.get(url, accept, credential.header);
  }
  co_return result;
}

}  // namespace homebase::gateway::delivery
