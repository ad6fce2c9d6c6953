#include "gateway/cli/backup_command.hpp"

#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>

#include "config/gateway_config.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "gateway/store/store_backup.hpp"

namespace homebase::gateway::cli {
namespace {

constexpr const char* help_text =
    "usage: homebase backup --config CONFIG OUT\n"
    "\n"
    "Copies the store that CONFIG names (store.path) to OUT, which must not exist yet, while the gateway\n"
    "runs: an online, consistent copy through SQLite's backup API (the database as of the moment the copy\n"
    "began). The copy is checked (PRAGMA quick_check) and opened, and what it holds is printed.\n"
    "\n"
    "Restore: stop the gateway, copy OUT over store.path (remove the -wal and -shm files beside it), and\n"
    "start the gateway again.\n"
    "\n"
    "Exit status: 0 copied and checked; 1 the copy failed; 2 a usage or config error.\n";

}  // namespace

int run_backup_command(int argc, char** argv) {
  std::string config_path;
  std::string out;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << help_text;
      return 0;
    }
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (!arg.empty() && arg[0] != '-' && out.empty()) {
      out = arg;
    } else {
      std::cerr << "homebase backup: unexpected argument '" << arg << "'\n" << help_text;
      return 2;
    }
  }
  if (config_path.empty() || out.empty()) {
    std::cerr << help_text;
    return 2;
  }
  std::string source;
  try {
    source = config::load_file(config_path)->store.path;
  } catch (const std::exception& e) {
    std::cerr << "homebase backup: " << e.what() << "\n";
    return 2;
  }
  std::cout << "backup: " << source << " -> " << out << std::endl;
  auto result = store::backup_store(source, out);
  if (!result.ok) {
    std::cerr << "homebase backup: " << result.error << "\n";
    return 1;
  }
  std::error_code ec;
  auto bytes = std::filesystem::file_size(out, ec);
  std::cout << "copied " << result.pages << " pages (" << (ec ? 0 : bytes) << " bytes), ";
  // Opened as the gateway would open it: the schema it holds and its messages.
  try {
    store::sqlite_store copy({.path = out, .max_batch = 1});
    std::cout << "schema version " << copy.schema_version() << ", quick_check ok\nmessages:";
    const char* separator = " ";
    for (auto status : {store::message_status::sent, store::message_status::queued,
                        store::message_status::retrying, store::message_status::dead,
                        store::message_status::unroutable, store::message_status::held_for_match}) {
      std::cout << separator << copy.count_messages(status) << " " << store::to_text(status);
      separator = ", ";
    }
    std::cout << "\n";
  } catch (const std::exception& e) {
    std::cout << "\n";
    std::cerr << "homebase backup: the copy was written but cannot be opened as a store: " << e.what()
              << "\n";
    return 1;
  }
  return 0;
}

}  // namespace homebase::gateway::cli
