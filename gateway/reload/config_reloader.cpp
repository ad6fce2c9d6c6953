#include "gateway/reload/config_reloader.hpp"

#include <fstream>
#include <sstream>

#include "gateway/log/json_log.hpp"

namespace homebase::gateway::reload {

namespace {

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  if (in) text << in.rdbuf();
  return text.str();
}

}  // namespace

config_reloader::config_reloader(std::string path, config::config_ptr started_file,
                                 config::config_ptr running)
    : path_(std::move(path)),
      started_file_(std::move(started_file)),
      running_text_(text_of(path_)),
      running_(std::move(running)) {}

void config_reloader::on_reload(std::string name, prepare_fn prepare) {
  components_.push_back({std::move(name), std::move(prepare)});
}

config::config_ptr config_reloader::current() const {
  std::lock_guard lock(mutex_);
  return running_;
}

reload_result config_reloader::reload() {
  std::lock_guard lock(mutex_);
  reload_result result;
  std::vector<commit_fn> commits;
  config::config_ptr effective;
  std::string fresh_text;
  std::string failed_in;
  try {
    fresh_text = text_of(path_);
    auto fresh = config::load_file(path_);
    effective = config::keep_running_settings(fresh, *running_);
    result.changes = config::compare(*running_, *effective, running_text_, fresh_text);
    result.changes.restart_keys = config::restart_only_changes(*started_file_, *fresh);
    for (const auto& c : components_) {
      failed_in = c.name;
      if (auto commit = c.prepare(effective)) commits.push_back(std::move(commit));
    }
  } catch (const std::exception& e) {
    result.error = e.what();
    if (!failed_in.empty() && result.error.find(path_) == std::string::npos)
      result.error = path_ + ": " + failed_in + ": " + result.error;
    log::write({.lvl = log::level::error,
                .event = "config.reload_failed",
                .detail = result.error + " (the running configuration stays)"});
    return result;
  }
  for (auto& commit : commits) commit();
  running_ = effective;
  running_text_ = std::move(fresh_text);
  result.ok = true;
  std::string detail = result.changes.summary();
  if (!result.changes.restart_keys.empty())
    log::write({.lvl = log::level::warn,
                .event = "config.restart_needed",
                .detail = "these settings changed but apply only after a restart: " + [&] {
                  std::string keys;
                  for (const auto& k : result.changes.restart_keys) keys += (keys.empty() ? "" : ", ") + k;
                  return keys;
                }()});
  log::write({.lvl = log::level::warn, .event = "config.reloaded", .detail = detail});
  return result;
}

}  // namespace homebase::gateway::reload
