// homebase: the composition root. Loads the config (exceptions allowed only here, at start-up), opens the
// store, starts the delivery workers, the coordination clock scheduler, the practice read-back (medical
// homes with read_back, gateway/scheduler/practice_read_back) and the HTTP server, and on
// SIGTERM/SIGINT stops accepting, lets in-flight requests finish within the configured deadline, drains the
// store's writer and exits 0. It also dispatches the operator's commands, each in gateway/cli/:
//
//   homebase serve --config FILE             serve (also `homebase --config FILE`); prints "LISTENING <port>"
//                                            once the socket is bound (and "METRICS <port>" when
//                                            metrics.listen is set); logs are JSON lines on stderr
//                                            (gateway/log/json_log); SIGHUP re-reads FILE and applies its
//                                            log.level (nothing else is reloaded); under systemd
//                                            (NOTIFY_SOCKET) it sends READY=1 after LISTENING, STOPPING=1,
//                                            RELOADING=1 and WATCHDOG=1 (service/service_notifier). Exit 3 on
//                                            a bad config, 1 when it cannot start otherwise
//   homebase check-config FILE               check a config file as start-up does and print a summary
//                                            (also `--check-config FILE`; gateway/cli/check_config_command)
//   homebase validate [--lenient] FILE...    validate FHIR R4 JSON files (gateway/cli/validate_command.hpp);
//                                            no server, no store
//   homebase jwks --key FILE --kid KID [--alg RS384|ES384]
//                                            print the public JWK Set of our private key, to register
//                                            Homebase at a destination (gateway/cli/jwks_command.hpp)
//   homebase backup --config FILE OUT        an online, consistent copy of the store while the gateway runs
//                                            (gateway/cli/backup_command.hpp)
//   homebase replay --url URL ...            requeue deliveries through the running gateway's admin API
//                                            (gateway/cli/replay_command.hpp)
//   homebase dry-run --config FILE MESSAGE   what intake would do with a message and send to the medical
//                                            home, on a copy of the store (gateway/cli/dry_run_command.hpp)
//   homebase hash-password [--cost LOG2N] < password
//                                            print a scrypt hash for console.users[].password_hash
//                                            (gateway/cli/hash_password_command.hpp)
//   homebase help | --help                   the commands; `homebase COMMAND --help` for each
//   homebase --version
// Commands exit 0 when done, 1 when the operation failed, 2 on a usage error.
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/gateway_config.hpp"
#include "fhir/definitions/type_registry.hpp"
#include "gateway/audit/request_audit.hpp"
#include "gateway/auth/access_token.hpp"
#include "gateway/auth/token_endpoint.hpp"
#include "gateway/auth/token_key.hpp"
#include "gateway/cli/backup_command.hpp"
#include "gateway/cli/check_config_command.hpp"
#include "gateway/cli/dry_run_command.hpp"
#include "gateway/cli/hash_password_command.hpp"
#include "gateway/cli/jwks_command.hpp"
#include "gateway/cli/replay_command.hpp"
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
#include "gateway/scheduler/practice_read_back.hpp"
#include "gateway/scheduler/retention_job.hpp"
#include "gateway/service/service_notifier.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace asio = boost::asio;
using namespace homebase;
namespace hlog = homebase::gateway::log;

namespace {

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
// The service manager hears RELOADING=1, then READY=1 (gateway/service/service_notifier).
void reload_on_hangup(asio::signal_set& hangup, const std::string& config_path,
                      gateway::service::service_notifier& notifier) {
  hangup.async_wait([&hangup, config_path, &notifier](const boost::system::error_code& ec, int) {
    if (ec) return;
    notifier.reloading();
    try {
      auto fresh = config::load_file(config_path);
      apply_log_level(*fresh);
      hlog::write(
          {.lvl = hlog::level::warn, .event = "config.reloaded", .detail = "log.level " + fresh->log.level});
    } catch (const std::exception& e) {
      hlog::write({.lvl = hlog::level::error, .event = "config.reload_failed", .detail = e.what()});
    }
    notifier.reloaded("reloaded");
    reload_on_hangup(hangup, config_path, notifier);
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
  // The pull (issue 11): medical homes with read_back get their Tasks read back on a schedule.
  gateway::scheduler::practice_read_back read_back(
      ioc, config, store, [&delivery](const std::string& destination) { delivery.notify(destination); });
  gateway::disclosure::letter_sender letters(ioc, config, store);
  gateway::scheduler::retention_job retention(ioc, config, store);  // config retention: the purge passes
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
  // systemd Type=notify: READY=1, STOPPING=1, reloads and watchdog pings; nothing without NOTIFY_SOCKET.
  gateway::service::service_notifier notifier(ioc);
  asio::signal_set hangup(ioc, SIGHUP);
  reload_on_hangup(hangup, config_path, notifier);

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    hlog::write({.lvl = hlog::level::info,
                 .event = "gateway.stopping",
                 .detail = "signal " + std::to_string(signal)});
    notifier.stopping("stopping on signal " + std::to_string(signal));  // systemd: STOPPING=1
    server->stop();
    if (metrics_server) metrics_server->stop();
    hangup.cancel();
    audit_flush.cancel();
    delivery.stop();
    scheduler.stop();
    read_back.stop();
    letters.stop();
    retention.stop();
    drain_then_stop(ioc, server, delivery, letters,
                    std::chrono::steady_clock::now() + config->server.shutdown_deadline);
  });

  server->start(routes);
  delivery.start();
  scheduler.start();  // due times already past (the gateway was down) fire at once
  read_back.start();  // the first pass of each home with read_back at once
  letters.start();
  retention.start();
  if (metrics_server) {
    metrics_server->start(metrics_handler);
    std::cout << "METRICS " << metrics_server->port() << std::endl;
  }
  std::cout << "LISTENING " << server->port() << std::endl;
  notifier.ready("listening on port " + std::to_string(server->port()));  // systemd: READY=1, watchdog
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

std::string_view serve_help() {
  return "usage: homebase serve --config FILE\n"
         "       homebase --config FILE   (the same)\n"
         "\n"
         "Runs the gateway with the configuration FILE: the HTTP(S) listener, the delivery workers, the\n"
         "coordination clock and the letter sender, on the store the file names. Prints 'LISTENING <port>'\n"
         "on stdout once the socket is bound ('METRICS <port>' too with metrics.listen). Logs are JSON "
         "lines\n"
         "on stderr. SIGHUP re-reads FILE and applies its log.level; SIGTERM or SIGINT stops it gracefully.\n"
         "\n"
         "Exit status: 0 stopped by a signal; 1 cannot start; 2 usage error; 3 the configuration is bad.\n";
}

int run_serve_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    out << serve_help();
    return 0;
  }
  if (args.size() != 2 || args[0] != "--config") {
    err << "homebase serve: expected --config FILE\n" << serve_help();
    return 2;
  }
  try {
    return serve(args[1]);
  } catch (const config::config_error& e) {
    hlog::write({.lvl = hlog::level::critical,
                 .event = "config.invalid",
                 .detail = std::string("configuration error: ") + e.what()});
    return 3;
  } catch (const std::exception& e) {
    hlog::write({.lvl = hlog::level::critical,
                 .event = "gateway.cannot_start",
                 .detail = std::string("cannot start: ") + e.what()});
    return 1;
  }
}

// `homebase backup` (gateway/cli/backup_command) takes argc/argv and prints its own --help.
int run_backup(std::span<const std::string> args, std::ostream&, std::ostream&) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return gateway::cli::run_backup_command(static_cast<int>(args.size()), argv.data());
}

// `homebase hash-password` (gateway/cli/hash_password_command) reads the password from stdin and prints its
// own --help.
int run_hash_password(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  return gateway::cli::run_hash_password_command(args, std::cin, out, err);
}

// One operator command: `homebase NAME ARGS...`; `homebase NAME --help` prints help() (when null, the
// command prints its own).
struct command {
  std::string_view name;
  std::string_view summary;
  std::string_view (*help)();
  int (*run)(std::span<const std::string> args, std::ostream& out, std::ostream& err);
};

constexpr command commands[] = {
    {"serve", "run the gateway (--config FILE)", serve_help, run_serve_command},
    {"check-config", "check a configuration file as start-up does, and summarise it",
     gateway::cli::check_config_help, gateway::cli::run_check_config_command},
    {"replay", "requeue dead, retrying or sent deliveries through the running gateway",
     gateway::cli::replay_help, gateway::cli::run_replay_command},
    {"dry-run", "show what a message would change and send, without writing the store",
     gateway::cli::dry_run_help, gateway::cli::run_dry_run_command},
    {"backup", "an online, consistent copy of the store while the gateway runs", nullptr, run_backup},
    {"validate", "validate FHIR R4 JSON files", gateway::cli::validate_help,
     gateway::cli::run_validate_command},
    {"jwks", "print the public JWK Set of Homebase's key", gateway::cli::jwks_help,
     gateway::cli::run_jwks_command},
    {"hash-password", "print a scrypt hash of a password read from stdin, for console.users", nullptr,
     run_hash_password},
};

int help(std::ostream& out) {
  out << "usage: homebase COMMAND [ARGS...]\n"
         "       homebase COMMAND --help\n"
         "\n"
         "Commands:\n";
  for (const auto& c : commands) {
    std::string name(c.name);
    name.resize(std::max<std::size_t>(name.size(), 14), ' ');
    out << "  " << name << c.summary << "\n";
  }
  out << "  help          this list\n"
         "\n"
         "Also: homebase --config FILE (serve), homebase --check-config FILE, homebase --version.\n"
         "Exit status: 0 done; 1 the operation failed; 2 usage error (serve: 3 for a bad configuration).\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  if (args.empty()) {
    help(std::cerr);
    return 2;
  }
  const std::string& first = args[0];
  if (first == "--version" && args.size() == 1) {
    std::cout << "homebase 0.1.0\n";
    return 0;
  }
  if (first == "help" || first == "--help" || first == "-h") {
    if (args.size() == 2)
      for (const auto& c : commands)
        if (c.name == args[1]) {
          if (c.help == nullptr) {  // the command prints its own
            const std::vector<std::string> ask_help = {"--help"};
            return c.run(ask_help, std::cout, std::cerr);
          }
          std::cout << c.help();
          return 0;
        }
    if (args.size() == 1) return help(std::cout);
    std::cerr << "homebase: unknown command '" << args[1] << "'\n";
    help(std::cerr);
    return 2;
  }
  // The spellings from before the subcommands, which scripts and tests use.
  if (first == "--config") return run_serve_command(args, std::cout, std::cerr);
  if (first == "--check-config")
    return gateway::cli::run_check_config_command(std::span(args).subspan(1), std::cout, std::cerr);
  for (const auto& c : commands)
    if (c.name == first) {
      try {
        return c.run(std::span(args).subspan(1), std::cout, std::cerr);
      } catch (const std::exception& e) {  // only the embedded R4 model's load may throw here
        std::cerr << "homebase " << first << ": " << e.what() << "\n";
        return 1;
      }
    }
  std::cerr << "homebase: unknown command '" << first << "'\n";
  help(std::cerr);
  return 2;
}
