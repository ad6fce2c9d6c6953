// homebase_sink: the fastest medical home there is, for the delivery benchmark (bench/README.md,
// bench/run_delivery.sh). A bare Beast HTTP/1.1 server on 127.0.0.1 that reads each request whole (body
// limit 16 MiB, a timeout before every read and write, keep-alive) and answers 200 with a small
// transaction-response Bundle, without looking at the body: what the gateway's delivery costs, not the
// home's.
//
//   homebase_sink [--port 0] [--threads 1] [--expect N]
// Prints "LISTENING <port>" on stdout once bound. With --expect N, once the Nth POST has been answered it
// prints one JSON line: {"tool":"homebase_sink","posts":N,"first_to_last_s":S,"per_s":(N-1)/S,
// "connections":C,"bytes_per_post":B}, timed from the first POST's arrival to the Nth's answer (the
// gateway's start-up is outside). Exits 0 on SIGTERM/SIGINT.
// Threads: one io_context run by --threads threads; each connection is a coroutine on its own strand;
// the counters are atomics, the first/last times under a mutex.
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t body_limit = 16 * 1024 * 1024;
const std::string answer = R"({"resourceType":"Bundle","type":"transaction-response"})";

struct options {
  unsigned short port = 0;
  unsigned threads = 1;
  std::uint64_t expect = 0;
};

struct counters {
  std::atomic<std::uint64_t> posts{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> connections{0};
  std::mutex mutex;  // guards first and reported
  steady::time_point first{};
  bool reported = false;
};

void report(counters& c, const options& opt) {
  auto last = steady::now();
  std::lock_guard lock(c.mutex);
  if (c.reported) return;
  c.reported = true;
  const double seconds = std::chrono::duration<double>(last - c.first).count();
  const auto n = c.posts.load();
  std::printf(
      "{\"tool\":\"homebase_sink\",\"posts\":%llu,\"first_to_last_s\":%.3f,\"per_s\":%.1f,\"connections\":%"
      "llu,"
      "\"bytes_per_post\":%llu}\n",
      static_cast<unsigned long long>(n), seconds,
      seconds > 0 ? static_cast<double>(opt.expect - 1) / seconds : 0.0,
      static_cast<unsigned long long>(c.connections.load()),
      static_cast<unsigned long long>(n > 0 ? c.bytes.load() / n : 0));
  std::fflush(stdout);
}

asio::awaitable<void> session(tcp::socket socket, counters& c, const options& opt) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  buffer.reserve(64 * 1024);
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    stream.expires_after(std::chrono::seconds(60));
    auto [read_ec, read_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (read_ec) break;  // closed, timed out or malformed
    auto req = parser.release();
    if (req.method() == http::verb::post) {
      {
        std::lock_guard lock(c.mutex);
        if (c.posts.load() == 0) c.first = steady::now();
        ++c.posts;
      }
      c.bytes += req.body().size();
    }
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::server, "homebase_sink");
    res.set(http::field::content_type, "application/fhir+json");
    res.keep_alive(req.keep_alive());
    res.body() = answer;
    res.prepare_payload();
    stream.expires_after(std::chrono::seconds(30));
    auto [write_ec, written] = co_await http::async_write(stream, res, use_tuple);
    if (req.method() == http::verb::post && opt.expect > 0 && c.posts.load() >= opt.expect) report(c, opt);
    if (write_ec || !res.keep_alive()) break;
  }
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(asio::io_context& ioc, tcp::acceptor& acceptor, counters& c,
                                  const options& opt) {
  for (;;) {
    auto strand = asio::make_strand(ioc);
    auto [ec, socket] = co_await acceptor.async_accept(strand, use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    ++c.connections;
    asio::co_spawn(strand, session(std::move(socket), c, opt), asio::detached);
  }
}

bool parse_options(int argc, char** argv, options& opt) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return false;
    const char* v = argv[++i];
    if (arg == "--port")
      opt.port = static_cast<unsigned short>(std::strtoul(v, nullptr, 10));
    else if (arg == "--threads")
      opt.threads = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
    else if (arg == "--expect")
      opt.expect = std::strtoull(v, nullptr, 10);
    else
      return false;
  }
  return opt.threads >= 1 && opt.threads <= 64;
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  if (!parse_options(argc, argv, opt)) {
    std::cerr << "usage: homebase_sink [--port 0] [--threads 1] [--expect N]\n";
    return 2;
  }
  asio::io_context ioc(static_cast<int>(opt.threads));
  tcp::acceptor acceptor(ioc);
  error_code ec;
  const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), opt.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "homebase_sink: cannot listen on 127.0.0.1:" << opt.port << ": " << ec.message() << "\n";
    return 1;
  }
  std::cout << "LISTENING " << acceptor.local_endpoint().port() << std::endl;
  counters c;
  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  signals.async_wait([&](const error_code&, int) {
    error_code ignored;
    acceptor.close(ignored);
    ioc.stop();
  });
  asio::co_spawn(ioc, accept_loop(ioc, acceptor, c, opt), asio::detached);
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < opt.threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  std::cerr << "homebase_sink: " << c.posts.load() << " POSTs on " << c.connections.load()
            << " connections\n";
  return 0;
}
