// config_reloader: loads the configuration file again and, when it is good, switches every part of the
// running gateway to it at once; when it is not, nothing changes. SIGHUP and POST /admin/config/$reload
// (operators) both call reload().
//
// A reload is two phases over the components that registered (on_reload, at start-up, before the server
// runs):
//   1. check and prepare: the file is loaded as at start-up (config::load_file, the same HOMEBASE_STORE_PATH
//      rule), its restart-only settings are replaced by the running ones (config::keep_running_settings),
//      and each component's `prepare` builds what it needs from it (ConceptMaps, client key sets, the
//      destinations' credentials, a new TLS context, the routes) without switching anything. Any of them
//      may throw (config::config_error names file:line: key): the reload fails, what was prepared is
//      dropped, the running configuration stays.
//   2. commit: every `commit` returned by phase 1 runs, in registration order; they do not fail.
// Reloads are serialised (one mutex); a reload runs on the caller's thread (an I/O thread: it takes a few
// milliseconds, mostly reading the ConceptMaps and keys).
//
// How a component receives reloads (docs/ARCHITECTURE.md, "Start-up, reload and shutdown"): give it an
// `apply(config_ptr)` (or a prepare step that may throw, returning the step that switches) and register it
// in main.cpp with on_reload(...). Per-request components are rebuilt as part of the request generation
// (gateway/request_generation) instead.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "config/config_changes.hpp"
#include "config/gateway_config.hpp"

namespace homebase::gateway::reload {

struct reload_result {
  bool ok = false;
  std::string error;  // when !ok: what the loader or a component said (file:line: key ...)
  config::config_changes changes;
};

class config_reloader {
 public:
  using commit_fn = std::function<void()>;
  // Builds what the component needs from the new (effective) config; throws to refuse it. Returns the step
  // that switches the component to it (may be empty: nothing to switch).
  using prepare_fn = std::function<commit_fn(const config::config_ptr&)>;

  // `path`: the file to read again; `started_file`: the config as loaded from it at start-up (before
  // with_bound_port), for the restart-only keys; `running`: the config the gateway runs with.
  config_reloader(std::string path, config::config_ptr started_file, config::config_ptr running);

  // Registers a component, before the first reload (not thread-safe against reload()).
  void on_reload(std::string name, prepare_fn prepare);

  // Thread-safe, serialised. Logs config.reloaded (with the summary and the keys that need a restart) or
  // config.reload_failed.
  [[nodiscard]] reload_result reload();

  // The config the gateway runs with now (thread-safe).
  [[nodiscard]] config::config_ptr current() const;

 private:
  struct component {
    std::string name;
    prepare_fn prepare;
  };
  std::string path_;
  config::config_ptr started_file_;  // restart-only keys are compared with it
  std::string running_text_;         // the file's text at the last successful load (for the summary)
  mutable std::mutex mutex_;
  config::config_ptr running_;  // guarded by mutex_
  std::vector<component> components_;
};

}  // namespace homebase::gateway::reload
