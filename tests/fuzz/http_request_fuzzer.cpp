// http_request_fuzzer: raw bytes -> Beast's request parser with the server's limits ->
// gateway::routes::handle, the whole path a request takes through the router and its handlers (intake,
// $validate, read and search, admin, Consent and letters), run on an io_context like the server runs it. One
// gateway for the whole run, set up once: a small config in loopback development mode and a temporary SQLite
// store that accumulates what the inputs wrote (so later reads find data). Nothing is delivered: no delivery
// worker runs. Every parsed request must be answered with a status in 100..599; a crash, a hang (-timeout) or
// a sanitizer report is a finding.
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/gateway_config.hpp"
#include "gateway/audit/request_audit.hpp"
#include "gateway/auth/access_token.hpp"
#include "gateway/auth/token_endpoint.hpp"
#include "gateway/auth/token_key.hpp"
#include "gateway/disclosure/disclosure_api.hpp"
#include "gateway/http/connection_info.hpp"
#include "gateway/pipeline/message_intake.hpp"
#include "gateway/routes.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;
using namespace homebase;

namespace {

constexpr std::string_view config_yaml = R"(server:
  listen_address: 127.0.0.1
  port: 0
  header_limit_bytes: 16384
  body_limit_bytes: 1048576
partners:
  - id: st-elsewhere-nicu
    source_endpoints:
      - https://ehr.st-elsewhere-childrens.example.org/fhir
    organization_identifiers:
      - system: http://hl7.org/fhir/sid/us-npi
        value: "1203984756"
medical_homes:
  - id: meadowbrook
    name: Meadowbrook Pediatrics
    fhir_base_url: http://127.0.0.1:9/fhir
    organization_identifiers:
      - system: http://hl7.org/fhir/sid/us-npi
        value: "1234567893"
schools:
  - id: lincoln-usd
    name: Lincoln Unified School District
    fhir_base_url: http://127.0.0.1:9/fhir
    organization_identifiers:
      - system: http://homebase.example.org/fhir/sid/school-district
        value: lincoln-usd
auth:
  development_mode: true
)";

// The gateway under test, built on the first input and kept for the run.
struct gateway_fixture {
  fs::path dir;
  config::config_ptr config;
  std::unique_ptr<gateway::store::sqlite_store> store;
  std::unique_ptr<gateway::pipeline::message_intake> intake;
  std::unique_ptr<gateway::disclosure::disclosure_api> disclosure;
  std::unique_ptr<gateway::auth::access_token_codec> codec;
  std::unique_ptr<gateway::audit::request_audit> audit;
  std::unique_ptr<gateway::auth::token_endpoint> tokens;
  std::unique_ptr<gateway::routes> routes;
  asio::io_context ioc{1};
  gateway::http::connection_info peer{"127.0.0.1", false, std::nullopt};

  gateway_fixture() {
    // /dev/shm when there is one: the store fsyncs every commit.
    fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::string pattern = (base / "homebase-http-fuzz-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir = pattern;
    config = config::with_bound_port(
        config::load_text(std::string(config_yaml), "<http_request_fuzzer>", dir.string()), 8080);
    store = std::make_unique<gateway::store::sqlite_store>(
        gateway::store::sqlite_store::options{(dir / "homebase.db").string(), config->store.max_batch});
    intake = std::make_unique<gateway::pipeline::message_intake>(config, *store, [](const std::string&) {});
    disclosure = std::make_unique<gateway::disclosure::disclosure_api>(config, *store, [] {});
    // The trust steps too: a request with credentials is checked (the fuzzer may write any header), one
    // without is taken in development mode.
    codec = std::make_unique<gateway::auth::access_token_codec>(
        gateway::auth::load_or_create_token_key(*store), config->server.public_base_url);
    audit = std::make_unique<gateway::audit::request_audit>(config, *store);
    tokens = std::make_unique<gateway::auth::token_endpoint>(config, *store, *codec);
    routes =
        std::make_unique<gateway::routes>(config, *store, *intake, disclosure.get(), *tokens, *codec, *audit);
  }
  ~gateway_fixture() {
    routes.reset();
    tokens.reset();
    audit.reset();
    codec.reset();
    disclosure.reset();
    intake.reset();
    store->stop();
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  gateway_fixture(const gateway_fixture&) = delete;
  gateway_fixture& operator=(const gateway_fixture&) = delete;

  // Runs the handler on the io_context until it answered; returns the status.
  unsigned handle(gateway::http::request& req) {
    ioc.restart();  // the previous input's run stopped the context when its work ended
    auto guard = asio::make_work_guard(ioc);  // the store's completions arrive from its writer thread
    bool done = false;
    unsigned status = 0;
    asio::co_spawn(ioc, routes->handle(req, peer),
                   [&](std::exception_ptr error, gateway::http::response res) {
                     if (error) std::abort();  // handlers must not throw (request_handler.hpp)
                     status = res.result_int();
                     (void)res.body().size();
                     done = true;
                   });
    while (!done) ioc.run_one();
    return status;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static gateway_fixture gateway;
  const auto& limits = gateway.config->server;

  // As the server reads a request: a fresh parser with the header and body limits.
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.header_limit_bytes));
  parser.body_limit(limits.body_limit_bytes);
  parser.eager(true);
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  boost::system::error_code ec;
  while (!rest.empty() && !parser.is_done()) {
    std::size_t used = parser.put(asio::buffer(rest.data(), rest.size()), ec);
    if (ec == bhttp::error::need_more) {
      ec = {};
      break;
    }
    if (ec) return 0;  // the server answers 400/413/431 itself
    rest.remove_prefix(used);
    if (used == 0) break;
  }
  if (!parser.is_done()) {
    // As Beast's read does: the end of a stream that sent nothing is no request (put_eof asserts on it).
    if (!parser.got_some()) return 0;
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
  }
  auto req = parser.release();
  if (req.target().size() > limits.target_limit_bytes) return 0;  // the server answers 414

  unsigned status = gateway.handle(req);
  if (status < 100 || status > 599) std::abort();
  return 0;
}
