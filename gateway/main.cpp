// homebase: the composition root. Loads the config (exceptions allowed only here, at start-up), opens the
// store, starts the delivery workers, the coordination clock scheduler and the HTTP server, and on
// SIGTERM/SIGINT stops accepting, lets in-flight requests finish within the configured deadline, drains the
// store's writer and exits 0.
//
//   homebase --config FILE                   serve; prints "LISTENING <port>" once the socket is bound (and
//                                            "METRICS <port>" when metrics.listen is set); logs are JSON
//                                            lines on stderr (gateway/log/json_log); SIGHUP re-reads FILE
//                                            and applies its log.level (nothing else is reloaded)
//   homebase --check-config FILE             validate a config file and exit
//   homebase validate [--lenient] FILE...    validate FHIR R4 JSON files (gateway/cli/validate_command.hpp);
//                                            no server, no store
//   homebase jwks --key FILE --kid KID [--alg RS384|ES384]
//                                            print the public JWK Set of our private key, to register
//                                            Homebase at a destination (gateway/cli/jwks_command.hpp)
//   homebase hash-password [--cost LOG2N] < password
//                                            print a scrypt hash for console.users[].password_hash
//                                            (gateway/cli/hash_password_command.hpp)
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/gateway_config.hpp"
#include "fhir/definitions/type_registry.hpp"
#include "gateway/audit/request_audit.hpp"
#include "gateway/auth/access_token.hpp"
#include "gateway/auth/token_endpoint.hpp"
#include "gateway/auth/token_key.hpp"
#include "gateway/cli/hash_password_command.hpp"
#include "gateway/cli/jwks_command.hpp"
#include "gateway/cli/validate_command.hpp"
#include "gateway/delivery/delivery_service.hpp"
#include "gateway/delivery/destination_credentials.hpp"
#include "gateway/disclosure/disclosure_api.hpp"
#include "gateway/disclosure/letter_sender.hpp"
#include "gateway/http/server.hpp"
#include "gateway/log/json_log.hpp"
#include "gateway/metrics/gateway_metrics.hpp"
#include "gateway/metrics/metrics_endpoint.hpp"
#include "gateway/pipeline/message_intake.hpp"
#include "gateway/pipeline/partner_concept_maps.hpp"
#include "gateway/routes.hpp"
#include "gateway/scheduler/clock_scheduler.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace asio = boost::asio;
using namespace homebase;
namespace hlog = homebase::gateway::log;

namespace {

int usage() {
  std::cerr << "usage: homebase --config FILE | --check-config FILE | validate [--lenient] FILE... | "
               "jwks --key FILE --kid KID [--alg RS384|ES384] | hash-password | --version\n";
  return 2;
}

// Waits until no request and no delivery attempt is in flight, or the deadline passed, then stops the
// io_context.
void drain_then_stop(asio::io_context& ioc, std::shared_ptr<gateway::http::server> server,
                     const gateway::delivery::delivery_service& delivery,
                     const gateway::disclosure::letter_sender& letters,
                     std::chrono::steady_clock::time_point deadline) {
  auto timer = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(20));
  timer->async_wait([&ioc, server, &delivery, &letters, deadline, timer](const boost::system::error_code&) {
    bool idle = server->in_flight() == 0 && delivery.in_flight() == 0 && letters.in_flight() == 0;
    if (idle || std::chrono::steady_clock::now() >= deadline) {
      if (!idle)
        hlog::write({.lvl = hlog::level::warn,
                     .event = "gateway.shutdown_deadline",
                     .detail = "shutdown deadline reached with " + std::to_string(server->in_flight()) +
                               " request(s) and " + std::to_string(delivery.in_flight()) +
                               " delivery attempt(s) in flight"});
      ioc.stop();
      return;
    }
    drain_then_stop(ioc, server, delivery, letters, deadline);
  });
}

// The configured log level (config checked it).
void apply_log_level(const config::gateway_config& config) {
  if (auto level = hlog::level_from_text(config.log.level)) hlog::set_level(*level);
}

// SIGHUP: re-reads the config file and applies its log.level; a file that does not load changes nothing.
void reload_on_hangup(asio::signal_set& hangup, const std::string& config_path) {
  hangup.async_wait([&hangup, config_path](const boost::system::error_code& ec, int) {
    if (ec) return;
    try {
      auto fresh = config::load_file(config_path);
      apply_log_level(*fresh);
      hlog::write(
          {.lvl = hlog::level::warn, .event = "config.reloaded", .detail = "log.level " + fresh->log.level});
    } catch (const std::exception& e) {
      hlog::write({.lvl = hlog::level::error, .event = "config.reload_failed", .detail = e.what()});
    }
    reload_on_hangup(hangup, config_path);
  });
}

int serve(const std::string& config_path) {
  auto file_config = config::load_file(config_path);
  apply_log_level(*file_config);
  gateway::metrics::gateway_metrics::instance().set_enabled(file_config->metrics.enabled);
  // The R4 model the validator uses, loaded now rather than on the first request (throws only when the
  // embedded model is broken, and then the gateway must not start).
  (void)fhir::definitions::type_registry::r4();
  // The partners' ConceptMaps, read and validated before anything listens (a bad one: config_error).
  auto concept_maps = gateway::pipeline::partner_concept_maps::load(*file_config, fhir::validator());
  asio::io_context ioc(file_config->server.io_threads);
  auto server = std::make_shared<gateway::http::server>(ioc, file_config->server);
  auto config = config::with_bound_port(file_config, server->port());
  gateway::store::sqlite_store store({config->store.path, config->store.max_batch});
  gateway::delivery::delivery_service delivery(ioc, config, store);
  gateway::scheduler::clock_scheduler scheduler(
      ioc, config, store, [&delivery](const std::string& destination) { delivery.notify(destination); });
  // After an ingest commit: the home's worker has a row, and the child may have a new rule due time.
  gateway::pipeline::message_intake intake(
      config, store,
      [&delivery, &scheduler](const std::string& destination) {
        delivery.notify(destination);
        scheduler.notify();
      },
      concept_maps);
  gateway::disclosure::letter_sender letters(ioc, config, store);
  gateway::disclosure::disclosure_api disclosure(config, store, [&letters] { letters.notify(); });
  // Trust (docs/ARCHITECTURE.md): the access-token key lives in the store, so tokens survive a restart;
  // the token endpoint reads every client's JWKS now (a bad one: config_error, the gateway does not start).
  gateway::auth::access_token_codec codec(gateway::auth::load_or_create_token_key(store),
                                          config->server.public_base_url);
  gateway::audit::request_audit audit(config, store);
  gateway::auth::token_endpoint tokens(
      config, store, codec,
      [&audit](const gateway::auth::token_refusal& refused, const gateway::http::connection_info& peer) {
        audit.token_refused(refused, peer);
      });
  gateway::routes routes(config, store, intake, &disclosure, tokens, codec, audit,
                         [&delivery](const std::string& destination) { delivery.notify(destination); });
  // The counted refusals of each minute become one AuditEvent (gateway/audit/refusal_throttle).
  asio::steady_timer audit_flush(ioc);
  std::function<void()> flush_refusals = [&] {
    audit_flush.expires_after(std::chrono::seconds(15));
    audit_flush.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      audit.flush();
      flush_refusals();
    });
  };
  flush_refusals();
  if (config->auth.development_mode)
    hlog::write({.lvl = hlog::level::warn,
                 .event = "gateway.development_mode",
                 .detail =
                     "DEVELOPMENT MODE (auth.development_mode): requests without credentials are served, "
                     "as the partner their message names or as an operator. Loopback only; never expose "
                     "this gateway."});
  // metrics.listen: /metrics alone on a listener of its own (no authentication, no TLS).
  gateway::metrics::metrics_endpoint metrics_endpoint(config, store);
  gateway::metrics::metrics_listener metrics_handler(metrics_endpoint);
  std::shared_ptr<gateway::http::server> metrics_server;
  if (!config->metrics.listen_address.empty() && config->metrics.enabled) {
    auto settings = config->server;
    settings.listen_address = config->metrics.listen_address;
    settings.port = config->metrics.listen_port;
    settings.tls.reset();
    metrics_server = std::make_shared<gateway::http::server>(ioc, settings);
  }
  asio::signal_set hangup(ioc, SIGHUP);
  reload_on_hangup(hangup, config_path);

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    hlog::write({.lvl = hlog::level::info,
                 .event = "gateway.stopping",
                 .detail = "signal " + std::to_string(signal)});
    server->stop();
    if (metrics_server) metrics_server->stop();
    hangup.cancel();
    audit_flush.cancel();
    delivery.stop();
    scheduler.stop();
    letters.stop();
    drain_then_stop(ioc, server, delivery, letters,
                    std::chrono::steady_clock::now() + config->server.shutdown_deadline);
  });

  server->start(routes);
  delivery.start();
  scheduler.start();  // due times already past (the gateway was down) fire at once
  letters.start();
  if (metrics_server) {
    metrics_server->start(metrics_handler);
    std::cout << "METRICS " << metrics_server->port() << std::endl;
  }
  std::cout << "LISTENING " << server->port() << std::endl;
  hlog::write({.lvl = hlog::level::info,
               .event = "gateway.listening",
               .detail = std::string(config->server.tls ? "https://" : "http://") +
                         config->server.listen_address + ":" + std::to_string(server->port()) + " (store " +
                         config->store.path + ", schema v" + std::to_string(store.schema_version()) + ", " +
                         std::to_string(config->medical_homes.size()) + " medical home(s), " +
                         std::to_string(config->partners.size()) + " partner(s))"});

  std::vector<std::thread> threads;
  for (int i = 1; i < config->server.io_threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  store.stop();
  hlog::write({.lvl = hlog::level::info, .event = "gateway.stopped"});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::cout << "homebase 0.1.0\n";
    return 0;
  }
  if (argc >= 2 && std::strcmp(argv[1], "validate") == 0) {
    std::vector<std::string> args(argv + 2, argv + argc);
    try {
      return gateway::cli::run_validate_command(args, std::cout, std::cerr);
    } catch (const std::exception& e) {
      std::cerr << "homebase validate: " << e.what() << "\n";
      return 2;
    }
  }
  if (argc >= 2 && std::strcmp(argv[1], "jwks") == 0) {
    std::vector<std::string> args(argv + 2, argv + argc);
    return gateway::cli::run_jwks_command(args, std::cout, std::cerr);
  }
  if (argc >= 2 && std::strcmp(argv[1], "hash-password") == 0) {
    std::vector<std::string> args(argv + 2, argv + argc);
    return gateway::cli::run_hash_password_command(args, std::cin, std::cout, std::cerr);
  }
  if (argc != 3) return usage();
  std::string option = argv[1];
  try {
    if (option == "--check-config") {
      auto checked = config::load_file(argv[2]);
      (void)gateway::pipeline::partner_concept_maps::load(*checked, fhir::validator());
      gateway::delivery::check_destination_credentials(*checked);  // keys and certificates of destinations
      gateway::auth::token_endpoint::check_client_keys(*checked);  // every client's JWK Set
      std::cout << "config OK\n";
      return 0;
    }
    if (option == "--config") return serve(argv[2]);
  } catch (const config::config_error& e) {
    if (option == "--check-config")
      std::cerr << "homebase: configuration error: " << e.what() << "\n";
    else
      hlog::write({.lvl = hlog::level::critical,
                   .event = "config.invalid",
                   .detail = std::string("configuration error: ") + e.what()});
    return 3;
  } catch (const std::exception& e) {
    if (option == "--check-config")
      std::cerr << "homebase: cannot start: " << e.what() << "\n";
    else
      hlog::write({.lvl = hlog::level::critical,
                   .event = "gateway.cannot_start",
                   .detail = std::string("cannot start: ") + e.what()});
    return 1;
  }
  return usage();
}
