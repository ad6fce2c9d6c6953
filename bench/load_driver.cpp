// homebase_load: closed-loop HTTP/1.1 load driver for POST /fhir/$process-message (bench/README.md).
//
// Opens C keep-alive connections to 127.0.0.1:PORT; each connection posts one message, waits for the
// answer, posts the next. Every message is distinct: the template's {{BUNDLE_ID}} and {{HEADER_ID}} are
// replaced by fresh UUIDs and {{MRN}} by a fresh patient identifier. Requests completing during the
// warm-up are not counted; then for D seconds it counts 2xx answers (acknowledged) and errors
// (non-2xx, transport errors, timeouts) and records latencies.
//
//   homebase_load --port N --template FILE [--connections 64] [--duration 10] [--warmup 2]
//                 [--path /fhir/$process-message] [--host 127.0.0.1] [--timeout 10]
//                 [--header "Name: value"]... [--tls [--ca FILE] [--cert FILE --key FILE]] [--count N]
// --count N sends N messages in all and stops (the measured window then ends with the last answer), e.g.
// to fill a store with N children (bench/run_delivery.sh).
// --header adds a field to every request (repeatable; e.g. "Authorization: Bearer ..."); a name given
// again is sent again, a default field (Content-Type, Accept, User-Agent, Host) of the same name is replaced.
// --tls speaks HTTPS (TLS 1.2 or later; OpenSSL offers 1.3 first): the server's certificate must chain to
// --ca (default: the system's trust store) and name the host (IP SAN for 127.x); --cert/--key present a
// client certificate (mutual TLS). Each connection handshakes once and then stays keep-alive, so the
// handshake is outside the measured request latencies; "connects" counts the connections opened.
// Prints a human summary, then one JSON line starting with {"tool":"homebase_load". Exit 0 when at
// least one message was acknowledged and no error occurred, 1 otherwise, 2 on bad usage.
// One thread: the io_context, every coroutine and run_state belong to it.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct options {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  unsigned connections = 64;
  double duration_s = 10;
  double warmup_s = 2;
  double timeout_s = 10;
  std::string template_path;
  std::string path = "/fhir/$process-message";
  std::vector<std::pair<std::string, std::string>> headers;  // --header, in the order given
  bool tls = false;
  std::string ca_file;    // --ca: trust anchors for the server's certificate
  std::string cert_file;  // --cert/--key: the client certificate (PEM chain) and its key
  std::string key_file;
  std::uint64_t count = 0;  // --count: messages in all (0: as many as the duration allows)
};

// The template split at its placeholders: literal[0] ph[0] literal[1] ph[1] ... literal[n].
enum class placeholder { bundle_id, header_id, mrn };

struct message_template {
  std::vector<std::string> literals;
  std::vector<placeholder> holes;
  std::size_t literal_bytes = 0;
};

bool split_template(const std::string& text, message_template& out) {
  static constexpr std::array<std::pair<std::string_view, placeholder>, 3> names{{
      {"{{BUNDLE_ID}}", placeholder::bundle_id},
      {"{{HEADER_ID}}", placeholder::header_id},
      {"{{MRN}}", placeholder::mrn},
  }};
  std::size_t pos = 0;
  for (;;) {
    std::size_t best = std::string::npos;
    const std::pair<std::string_view, placeholder>* which = nullptr;
    for (const auto& n : names) {
      const auto at = text.find(n.first, pos);
      if (at < best) {
        best = at;
        which = &n;
      }
    }
    if (which == nullptr) {
      out.literals.push_back(text.substr(pos));
      break;
    }
    out.literals.push_back(text.substr(pos, best - pos));
    out.holes.push_back(which->second);
    pos = best + which->first.size();
  }
  for (const auto& l : out.literals) out.literal_bytes += l.size();
  const auto has = [&](placeholder p) {
    return std::find(out.holes.begin(), out.holes.end(), p) != out.holes.end();
  };
  return has(placeholder::bundle_id) && has(placeholder::header_id);
}

struct uuid_source {
  std::mt19937_64 rng;
  explicit uuid_source(std::uint64_t seed) : rng(seed) {}
  void append(std::string& out) {
    static constexpr char hex[] = "0123456789abcdef";
    std::uint64_t hi = rng();
    std::uint64_t lo = rng();
    hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
    lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
    char buf[36];
    int n = 0;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) buf[n++] = '-';
      const std::uint64_t word = i < 16 ? hi : lo;
      buf[n++] = hex[(word >> (60 - 4 * (i % 16))) & 0xf];
    }
    out.append(buf, sizeof buf);
  }
};

struct run_state {
  const options& opt;
  const message_template& tpl;
  steady::time_point measure_from;
  steady::time_point measure_until;
  std::uint64_t sequence = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t errors = 0;
  std::uint64_t warmup_requests = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t connects = 0;  // connections opened (TCP connected, and for TLS handshaken)
  std::map<std::string, std::uint64_t> error_kinds{};
  std::vector<double> latencies_ms{};
  unsigned active = 0;
  asio::steady_timer* guard = nullptr;
  const http::request<http::string_body>* prototype = nullptr;  // request_prototype(opt), owned by main
  std::string tls_version{};  // of the first handshake ("TLSv1.3"), empty over plain HTTP
  std::string tls_cipher{};
  steady::time_point all_done{steady::time_point::max()};  // when the last connection stopped (--count)
  std::uint64_t reserved = 0;                              // --count: messages taken by a connection
};

std::string build_body(run_state& state, uuid_source& uuids, unsigned connection) {
  std::string body;
  body.reserve(state.tpl.literal_bytes + state.tpl.holes.size() * 40);
  const auto seq = ++state.sequence;
  for (std::size_t i = 0; i < state.tpl.literals.size(); ++i) {
    body += state.tpl.literals[i];
    if (i == state.tpl.holes.size()) break;
    switch (state.tpl.holes[i]) {
      case placeholder::bundle_id:
      case placeholder::header_id:
        uuids.append(body);  // each occurrence is fresh; Bundle.id/identifier pairs differ, harmless
        break;
      case placeholder::mrn:
        body += "LOAD-" + std::to_string(connection) + "-" + std::to_string(seq);
        break;
    }
  }
  return body;
}

void note_error(run_state& state, bool counted, const std::string& kind) {
  if (!counted) return;
  ++state.errors;
  ++state.error_kinds[kind];
}

// The request every message of a run starts from: method, target, keep-alive and the header fields
// (the defaults, then --header: a name given again is added again, a default of the same name replaced).
http::request<http::string_body> request_prototype(const options& opt) {
  http::request<http::string_body> req{http::verb::post, opt.path, 11};
  req.set(http::field::host, opt.host + ":" + std::to_string(opt.port));
  req.set(http::field::content_type, "application/fhir+json");
  req.set(http::field::accept, "application/fhir+json");
  req.set(http::field::user_agent, "homebase_load");
  req.keep_alive(true);
  std::vector<std::string_view> given;
  for (const auto& [name, value] : opt.headers) {
    const bool again =
        std::any_of(given.begin(), given.end(), [&](std::string_view g) { return beast::iequals(g, name); });
    if (again) {
      req.insert(name, value);
    } else {
      req.set(name, value);
      given.push_back(name);
    }
  }
  return req;
}

template <bool Tls>
using stream_for = std::conditional_t<Tls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

// Opens one connection: TCP connect, then for TLS the handshake, with the server's certificate checked
// against the host (an IP address: its subjectAltName IP entry). Returns the error and what failed.
template <bool Tls>
asio::awaitable<std::pair<error_code, const char*>> open_connection(stream_for<Tls>& stream, run_state& state,
                                                                    const tcp::endpoint& endpoint,
                                                                    steady::duration timeout) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(timeout);
  auto [ec] = co_await tcp_layer.async_connect(endpoint, use_tuple);
  if (ec) co_return std::pair{ec, "connect: "};
  error_code ignored;
  tcp_layer.socket().set_option(tcp::no_delay(true), ignored);
  if constexpr (Tls) {
    X509_VERIFY_PARAM* param = SSL_get0_param(stream.native_handle());
    if (X509_VERIFY_PARAM_set1_ip_asc(param, state.opt.host.c_str()) != 1)
      co_return std::pair{error_code(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category()),
                          "tls setup: "};
    tcp_layer.expires_after(timeout);
    auto [hs_ec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
    if (hs_ec) co_return std::pair{hs_ec, "handshake: "};
    if (state.tls_version.empty()) {
      state.tls_version = SSL_get_version(stream.native_handle());
      state.tls_cipher = SSL_get_cipher_name(stream.native_handle());
    }
  }
  co_return std::pair{error_code{}, ""};
}

template <bool Tls>
asio::awaitable<void> connection_loop(run_state& state, tcp::endpoint endpoint, unsigned id,
                                      ssl::context* tls_context) {
  auto ex = co_await asio::this_coro::executor;
  uuid_source uuids(std::random_device{}() ^ (std::uint64_t{id} << 32));
  const auto timeout =
      std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(state.opt.timeout_s));
  beast::flat_buffer buffer;
  buffer.reserve(16 * 1024);
  std::optional<stream_for<Tls>> stream;
  bool answered = false;  // the current connection has carried a whole exchange
  while (steady::now() < state.measure_until) {
    // --count: reserve this message before any wait, so that the connections send N in all, not more.
    if (state.opt.count > 0 && state.reserved++ >= state.opt.count) break;
    if (!stream) {
      if constexpr (Tls)
        stream.emplace(ex, *tls_context);
      else
        stream.emplace(ex);
      auto [ec, what] = co_await open_connection<Tls>(*stream, state, endpoint, timeout);
      if (ec) {
        note_error(state, steady::now() >= state.measure_from, what + ec.message());
        if (state.opt.count > 0) --state.reserved;  // not sent: another connection may send it
        stream.reset();
        asio::steady_timer pause(ex, std::chrono::milliseconds(100));
        co_await pause.async_wait(use_tuple);
        continue;
      }
      ++state.connects;
      answered = false;
      buffer.clear();
    }
    http::request<http::string_body> req = *state.prototype;
    req.body() = build_body(state, uuids, id);
    req.prepare_payload();
    const auto body_size = req.body().size();

    const auto started = steady::now();
    beast::get_lowest_layer(*stream).expires_after(timeout);
    auto [write_ec, written] = co_await http::async_write(*stream, req, use_tuple);
    http::response<http::string_body> res;
    error_code ec = write_ec;
    if (!ec) {
      auto [read_ec, read] = co_await http::async_read(*stream, buffer, res, use_tuple);
      ec = read_ec;
    }
    const auto finished = steady::now();
    const bool counted = started >= state.measure_from && finished <= state.measure_until;
    if (!counted && started < state.measure_from) ++state.warmup_requests;
    if (ec) {
      note_error(state, counted, (write_ec ? "write: " : "read: ") + ec.message());
      stream.reset();
      if (!answered) {  // refused before any answer (e.g. a client certificate the server rejects): back off
        asio::steady_timer pause(ex, std::chrono::milliseconds(100));
        co_await pause.async_wait(use_tuple);
      }
      continue;
    }
    answered = true;
    const unsigned status = res.result_int();
    if (counted) {
      if (status >= 200 && status < 300) {
        ++state.acknowledged;
        state.bytes_sent += body_size;
        state.latencies_ms.push_back(std::chrono::duration<double, std::milli>(finished - started).count());
      } else {
        note_error(state, true, "HTTP " + std::to_string(status));
      }
    }
    if (!res.keep_alive()) stream.reset();
  }
  if (stream) {
    if constexpr (Tls) {  // close_notify, bounded: the server may not answer with its own
      beast::get_lowest_layer(*stream).expires_after(
          std::min(timeout, steady::duration(std::chrono::seconds(1))));
      auto closed = co_await stream->async_shutdown(use_tuple);
      (void)closed;
    }
    error_code ignored;
    beast::get_lowest_layer(*stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
  if (--state.active == 0) state.all_done = steady::now();
  if (state.active == 0 && state.guard != nullptr) state.guard->cancel();  // all done: let run() return
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// "Name: value" (RFC 9110 field syntax: a token, a colon, the value with optional spaces around it).
std::optional<std::pair<std::string, std::string>> parse_header(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const std::string_view name = text.substr(0, colon);
  const auto tchar = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  };
  if (!std::all_of(name.begin(), name.end(), tchar)) return std::nullopt;
  std::string_view value = text.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  const auto bad = [](char c) { return c == '\r' || c == '\n' || c == '\0'; };
  if (std::any_of(value.begin(), value.end(), bad)) return std::nullopt;
  return std::pair{std::string(name), std::string(value)};
}

bool parse_options(int argc, char** argv, options& opt) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--tls") {
      opt.tls = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const char* v = argv[++i];
    if (arg == "--host") {
      opt.host = v;
    } else if (arg == "--port") {
      opt.port = static_cast<unsigned short>(std::strtoul(v, nullptr, 10));
    } else if (arg == "--connections") {
      opt.connections = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
    } else if (arg == "--duration") {
      opt.duration_s = std::strtod(v, nullptr);
    } else if (arg == "--warmup") {
      opt.warmup_s = std::strtod(v, nullptr);
    } else if (arg == "--timeout") {
      opt.timeout_s = std::strtod(v, nullptr);
    } else if (arg == "--template") {
      opt.template_path = v;
    } else if (arg == "--path") {
      opt.path = v;
    } else if (arg == "--header") {
      auto header = parse_header(v);
      if (!header) {
        std::cerr << "homebase_load: --header wants \"Name: value\" (a token name, no line breaks)\n";
        return false;
      }
      opt.headers.push_back(std::move(*header));
    } else if (arg == "--ca") {
      opt.ca_file = v;
    } else if (arg == "--cert") {
      opt.cert_file = v;
    } else if (arg == "--key") {
      opt.key_file = v;
    } else if (arg == "--count") {
      opt.count = std::strtoull(v, nullptr, 10);
    } else {
      return false;
    }
  }
  const bool tls_files_need_tls =
      opt.tls || (opt.ca_file.empty() && opt.cert_file.empty() && opt.key_file.empty());
  return opt.port != 0 && !opt.template_path.empty() && opt.connections >= 1 && opt.connections <= 4096 &&
         opt.duration_s > 0 && opt.duration_s <= 3600 && opt.warmup_s >= 0 && opt.warmup_s <= 600 &&
         opt.timeout_s > 0 && !opt.path.empty() && opt.path.front() == '/' && tls_files_need_tls &&
         opt.cert_file.empty() == opt.key_file.empty();
}

// The client side of TLS: 1.2 or later, the server's certificate verified against --ca (or the system's
// trust store), and the client certificate when given. Empty message: ready; else what went wrong.
std::string configure_tls(ssl::context& ctx, const options& opt) {
  if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1)
    return "cannot require TLS 1.2+";
  error_code ec;
  ctx.set_verify_mode(ssl::verify_peer, ec);
  if (opt.ca_file.empty())
    ctx.set_default_verify_paths(ec);
  else
    ctx.load_verify_file(opt.ca_file, ec);
  if (ec) return "--ca " + opt.ca_file + ": " + ec.message();
  if (!opt.cert_file.empty()) {
    ctx.use_certificate_chain_file(opt.cert_file, ec);
    if (ec) return "--cert " + opt.cert_file + ": " + ec.message();
    ctx.use_private_key_file(opt.key_file, ssl::context::pem, ec);
    if (ec) return "--key " + opt.key_file + ": " + ec.message();
    if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) return "--key does not match --cert";
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  if (!parse_options(argc, argv, opt)) {
    std::cerr
        << "usage: homebase_load --port N --template FILE [--connections 64] [--duration 10] [--warmup 2]"
           " [--path /fhir/$process-message] [--host 127.0.0.1] [--timeout 10] [--header \"Name: value\"]..."
           " [--tls [--ca FILE] [--cert FILE --key FILE]] [--count N]\n";
    return 2;
  }
  error_code ec;
  const auto address = asio::ip::make_address_v4(opt.host, ec);
  if (ec || !address.is_loopback()) {
    std::cerr << "homebase_load: refusing host " << opt.host << ": loopback (127.x.x.x) only\n";
    return 2;
  }
  std::ifstream in(opt.template_path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  message_template tpl;
  if (!in || !split_template(text.str(), tpl)) {
    std::cerr << "homebase_load: cannot read " << opt.template_path
              << " or it lacks the {{BUNDLE_ID}} / {{HEADER_ID}} placeholders\n";
    return 2;
  }

  std::optional<ssl::context> tls_context;
  if (opt.tls) {
    tls_context.emplace(ssl::context::tls_client);
    const auto problem = configure_tls(*tls_context, opt);
    if (!problem.empty()) {
      std::cerr << "homebase_load: TLS: " << problem << "\n";
      return 2;
    }
  }
  const auto prototype = request_prototype(opt);

  asio::io_context ioc(1);
  const auto start = steady::now();
  const auto to_duration = [](double s) {
    return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s));
  };
  run_state state{.opt = opt,
                  .tpl = tpl,
                  .measure_from = start + to_duration(opt.warmup_s),
                  .measure_until = start + to_duration(opt.warmup_s + opt.duration_s)};
  state.prototype = &prototype;
  state.latencies_ms.reserve(1 << 16);
  const tcp::endpoint endpoint(address, opt.port);
  // Hard bound: whatever happens, stop one timeout after the measurement window.
  asio::steady_timer guard(ioc, state.measure_until + to_duration(opt.timeout_s));
  guard.async_wait([&ioc](const error_code& wait_ec) {
    if (!wait_ec) ioc.stop();
  });
  state.guard = &guard;
  state.active = opt.connections;
  for (unsigned c = 0; c < opt.connections; ++c) {
    if (tls_context)
      asio::co_spawn(ioc, connection_loop<true>(state, endpoint, c, &*tls_context), asio::detached);
    else
      asio::co_spawn(ioc, connection_loop<false>(state, endpoint, c, nullptr), asio::detached);
  }
  ioc.run();

  auto& lat = state.latencies_ms;
  std::sort(lat.begin(), lat.end());
  // The window ends early when --count made every connection stop before it.
  const double window_s =
      state.all_done < state.measure_until
          ? std::max(std::chrono::duration<double>(state.all_done - state.measure_from).count(), 1e-3)
          : opt.duration_s;
  const double rate = static_cast<double>(state.acknowledged) / window_s;
  const double p50 = percentile(lat, 50);
  const double p99 = percentile(lat, 99);
  const double max = lat.empty() ? 0 : lat.back();
  const double mean_kb =
      state.acknowledged ? static_cast<double>(state.bytes_sent) / state.acknowledged / 1024 : 0;

  std::printf(
      "homebase_load: %u connections, %.1f s measured after %.1f s warm-up, POST %s (%.1f KB/message)\n",
      opt.connections, opt.duration_s, opt.warmup_s, opt.path.c_str(), mean_kb);
  std::printf("  transport:          %s, %llu connections opened, %zu extra header field(s)\n",
              state.tls_version.empty() ? (opt.tls ? "TLS (no handshake completed)" : "plain HTTP")
                                        : (state.tls_version + " " + state.tls_cipher +
                                           (opt.cert_file.empty() ? "" : ", client certificate"))
                                              .c_str(),
              static_cast<unsigned long long>(state.connects), opt.headers.size());
  std::printf("  acknowledged (2xx): %llu  (%.1f msgs/s)\n",
              static_cast<unsigned long long>(state.acknowledged), rate);
  std::printf("  errors:             %llu\n", static_cast<unsigned long long>(state.errors));
  for (const auto& [kind, n] : state.error_kinds) {
    std::printf("    %-40s %llu\n", kind.c_str(), static_cast<unsigned long long>(n));
  }
  std::printf("  latency ms:         p50 %.2f  p99 %.2f  max %.2f\n", p50, p99, max);
  std::string kinds;
  for (const auto& [kind, n] : state.error_kinds) {
    kinds += (kinds.empty() ? "" : ",") + std::string("\"") + json_escape(kind) + "\":" + std::to_string(n);
  }
  std::printf(
      "{\"tool\":\"homebase_load\",\"connections\":%u,\"duration_s\":%.3f,\"warmup_s\":%.3f,\"acknowledged\":"
      "%llu,"
      "\"errors\":%llu,\"msgs_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"message_kb\":%."
      "1f,"
      "\"error_kinds\":{%s},\"connects\":%llu,\"tls\":\"%s\"}\n",
      opt.connections, opt.duration_s, opt.warmup_s, static_cast<unsigned long long>(state.acknowledged),
      static_cast<unsigned long long>(state.errors), rate, p50, p99, max, mean_kb, kinds.c_str(),
      static_cast<unsigned long long>(state.connects), json_escape(state.tls_version).c_str());
  std::fflush(stdout);
  return state.acknowledged > 0 && state.errors == 0 ? 0 : 1;
}
