// homebase_harness: the minimal durable HTTP intake built from the gateway's parts (Beast, RapidJSON,
// SQLite), as a yardstick for the gateway's throughput (bench/README.md).
//
// Each POST body is parsed with RapidJSON (400 when it is not JSON), then handed to one writer thread
// that commits every request waiting at that moment in one SQLite transaction (WAL, synchronous=FULL by
// default: group commit) and only then answers 200 with a tiny JSON body. No FHIR validation, no mapping.
//
//   homebase_harness --db FILE [--port 0] [--threads 1] [--max-batch 256] [--body-limit BYTES]
//                    [--synchronous FULL|NORMAL]
// Prints "LISTENING <port>" on stdout once bound (127.0.0.1 only); exits 0 on SIGTERM/SIGINT.
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <atomic>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct options {
  unsigned short port = 0;
  unsigned threads = 1;
  std::string db_path;
  std::size_t max_batch = 256;
  std::uint64_t body_limit = 8 * 1024 * 1024;
  std::string synchronous = "FULL";
};

// ------------------------------------------------------------------------------------------------ store
// One SQLite connection owned by one writer thread. Requests queue up while a transaction commits;
// the next transaction takes all of them (up to max_batch): group commit.
class group_commit_writer {
 public:
  using handler = asio::any_completion_handler<void(error_code)>;

  bool open(const options& opt) {
    if (sqlite3_open_v2(opt.db_path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      std::cerr << "homebase_harness: cannot open " << opt.db_path << ": " << sqlite3_errmsg(db_) << "\n";
      return false;
    }
    const std::string setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + opt.synchronous +
                              "; CREATE TABLE IF NOT EXISTS inbox(id INTEGER PRIMARY KEY, msg_id TEXT UNIQUE,"
                              " received_at INTEGER NOT NULL, body BLOB NOT NULL);";
    if (!exec(setup.c_str())) return false;
    if (sqlite3_prepare_v3(db_, "INSERT OR IGNORE INTO inbox(msg_id, received_at, body) VALUES(?1, ?2, ?3)",
                           -1, SQLITE_PREPARE_PERSISTENT, &insert_, nullptr) != SQLITE_OK) {
      std::cerr << "homebase_harness: prepare: " << sqlite3_errmsg(db_) << "\n";
      return false;
    }
    max_batch_ = opt.max_batch;
    thread_ = std::thread([this] { run(); });
    return true;
  }

  ~group_commit_writer() {
    stop();
    if (insert_ != nullptr) sqlite3_finalize(insert_);
    if (db_ != nullptr) sqlite3_close(db_);
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  // Completes (on the handler's executor) once the body is durably committed.
  template <typename CompletionToken>
  auto async_commit(std::string msg_id, std::string body, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(error_code)>(
        [this](auto completion, std::string id, std::string payload) {
          std::unique_lock lock(mutex_);
          if (stopping_) {
            lock.unlock();
            auto ex = asio::get_associated_executor(completion);
            asio::post(
                ex, [c = std::move(completion)]() mutable { std::move(c)(asio::error::operation_aborted); });
            return;
          }
          asio::any_io_executor ex = asio::get_associated_executor(completion);
          queue_.push_back(
              job{std::move(id), std::move(payload), std::move(ex), handler(std::move(completion))});
          lock.unlock();
          wake_.notify_one();
        },
        token, std::move(msg_id), std::move(body));
  }

  std::uint64_t transactions() const { return transactions_.load(); }
  std::uint64_t rows() const { return rows_.load(); }

 private:
  struct job {
    std::string msg_id;
    std::string body;
    asio::any_io_executor executor;  // where the session waits (any_completion_executor cannot be posted to)
    handler done;
  };

  bool exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::cerr << "homebase_harness: " << sql << ": " << (message != nullptr ? message : "?") << "\n";
      sqlite3_free(message);
      return false;
    }
    return true;
  }

  void run() {
    std::vector<job> batch;
    const auto now_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      bool ok = exec("BEGIN IMMEDIATE");
      const auto received_at = now_ms();
      for (auto& j : batch) {
        if (!ok) break;
        sqlite3_bind_text(insert_, 1, j.msg_id.data(), static_cast<int>(j.msg_id.size()), SQLITE_STATIC);
        sqlite3_bind_int64(insert_, 2, received_at);
        sqlite3_bind_blob(insert_, 3, j.body.data(), static_cast<int>(j.body.size()), SQLITE_STATIC);
        ok = sqlite3_step(insert_) == SQLITE_DONE;
        if (!ok) std::cerr << "homebase_harness: insert: " << sqlite3_errmsg(db_) << "\n";
        sqlite3_reset(insert_);
        sqlite3_clear_bindings(insert_);
      }
      ok = ok ? exec("COMMIT") : (exec("ROLLBACK"), false);
      if (ok) {
        transactions_.fetch_add(1);
        rows_.fetch_add(batch.size());
      }
      const error_code result = ok ? error_code{} : make_error_code(boost::system::errc::io_error);
      for (auto& j : batch) {
        asio::post(j.executor, [d = std::move(j.done), result]() mutable { std::move(d)(result); });
      }
      batch.clear();
    }
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::size_t max_batch_ = 256;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> queue_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> rows_{0};
};

// ------------------------------------------------------------------------------------------------ http
http::response<http::string_body> make_response(http::status status, std::string body, unsigned version,
                                                bool keep_alive) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::server, "homebase_harness");
  res.set(http::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// Bundle.id when present (used as the idempotency key), else empty.
std::optional<std::string> parse_message(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  const auto id = doc.FindMember("id");
  if (id != doc.MemberEnd() && id->value.IsString())
    return std::string(id->value.GetString(), id->value.GetStringLength());
  return std::string{};
}

asio::awaitable<void> session(tcp::socket socket, group_commit_writer& writer, const options& opt) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  buffer.reserve(64 * 1024);  // research B.1: the default buffer costs 6x on 30 KB bodies
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(opt.body_limit);
    stream.expires_after(std::chrono::seconds(60));
    auto [read_ec, read_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (read_ec) break;  // closed, timed out or malformed: drop the connection
    auto req = parser.release();
    const bool keep_alive = req.keep_alive();
    http::response<http::string_body> res;
    if (req.method() != http::verb::post) {
      res = make_response(http::status::method_not_allowed, R"({"error":"POST only"})", req.version(),
                          keep_alive);
    } else if (auto msg_id = parse_message(req.body()); !msg_id) {
      res = make_response(http::status::bad_request, R"({"error":"body is not JSON"})", req.version(),
                          keep_alive);
    } else {
      auto [commit_ec] = co_await writer.async_commit(std::move(*msg_id), std::move(req.body()), use_tuple);
      res =
          commit_ec
              ? make_response(http::status::service_unavailable, R"({"error":"store"})", req.version(), false)
              : make_response(http::status::ok, R"({"status":"accepted"})", req.version(), keep_alive);
    }
    stream.expires_after(std::chrono::seconds(30));
    auto [write_ec, written] = co_await http::async_write(stream, res, use_tuple);
    if (write_ec || !res.keep_alive()) break;
  }
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, group_commit_writer& writer, const options& opt) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, session(std::move(socket), writer, opt), asio::detached);
  }
}

bool parse_options(int argc, char** argv, options& opt) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    auto need = [&]() -> const char* {
      if (value == nullptr) return nullptr;
      ++i;
      return value;
    };
    const char* v = nullptr;
    if (arg == "--port" && (v = need())) {
      opt.port = static_cast<unsigned short>(std::strtoul(v, nullptr, 10));
    } else if (arg == "--threads" && (v = need())) {
      opt.threads = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
    } else if (arg == "--db" && (v = need())) {
      opt.db_path = v;
    } else if (arg == "--max-batch" && (v = need())) {
      opt.max_batch = std::strtoul(v, nullptr, 10);
    } else if (arg == "--body-limit" && (v = need())) {
      opt.body_limit = std::strtoull(v, nullptr, 10);
    } else if (arg == "--synchronous" && (v = need())) {
      opt.synchronous = v;
    } else {
      return false;
    }
  }
  return !opt.db_path.empty() && opt.threads >= 1 && opt.threads <= 64 && opt.max_batch >= 1 &&
         (opt.synchronous == "FULL" || opt.synchronous == "NORMAL");
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  if (!parse_options(argc, argv, opt)) {
    std::cerr << "usage: homebase_harness --db FILE [--port 0] [--threads 1] [--max-batch 256]"
                 " [--body-limit BYTES] [--synchronous FULL|NORMAL]\n";
    return 2;
  }
  group_commit_writer writer;
  if (!writer.open(opt)) return 1;

  asio::io_context ioc(static_cast<int>(opt.threads));
  tcp::acceptor acceptor(ioc);
  error_code ec;
  const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), opt.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "homebase_harness: cannot listen on 127.0.0.1:" << opt.port << ": " << ec.message() << "\n";
    return 1;
  }
  std::cout << "LISTENING " << acceptor.local_endpoint().port() << std::endl;

  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  signals.async_wait([&](const error_code&, int) {
    error_code ignored;
    acceptor.close(ignored);
    ioc.stop();
  });
  asio::co_spawn(ioc, accept_loop(acceptor, writer, opt), asio::detached);

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < opt.threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  writer.stop();
  std::cerr << "homebase_harness: " << writer.rows() << " rows in " << writer.transactions()
            << " transactions\n";
  return 0;
}
