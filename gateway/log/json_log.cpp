#include "gateway/log/json_log.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace homebase::gateway::log {

namespace {

spdlog::level::level_enum to_spdlog(level lvl) {
  switch (lvl) {
    case level::trace:
      return spdlog::level::trace;
    case level::debug:
      return spdlog::level::debug;
    case level::info:
      return spdlog::level::info;
    case level::warn:
      return spdlog::level::warn;
    case level::error:
      return spdlog::level::err;
    case level::critical:
      return spdlog::level::critical;
    case level::off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

// The one logger: stderr, unbuffered lines under spdlog's mutex, time in UTC with milliseconds.
spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> instance = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto l = std::make_shared<spdlog::logger>("homebase", sink);
    l->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::trace);  // every line reaches the file at once (crash, kill -9)
    return l;
  }();
  return *instance;
}

}  // namespace

std::optional<level> level_from_text(std::string_view text) {
  if (text == "trace") return level::trace;
  if (text == "debug") return level::debug;
  if (text == "info") return level::info;
  if (text == "warn" || text == "warning") return level::warn;
  if (text == "error") return level::error;
  if (text == "critical") return level::critical;
  if (text == "off") return level::off;
  return std::nullopt;
}

void set_level(level lvl) {
  logger().set_level(to_spdlog(lvl));
}

level current_level() {
  switch (logger().level()) {
    case spdlog::level::trace:
      return level::trace;
    case spdlog::level::debug:
      return level::debug;
    case spdlog::level::info:
      return level::info;
    case spdlog::level::warn:
      return level::warn;
    case spdlog::level::err:
      return level::error;
    case spdlog::level::critical:
      return level::critical;
    default:
      return level::off;
  }
}

bool enabled(level lvl) {
  return lvl != level::off && logger().should_log(to_spdlog(lvl));
}

std::string members(const entry& e) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto text = [&w](const char* key, std::string_view value) {
    if (value.empty()) return;
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  auto number = [&w](const char* key, std::int64_t value) {
    if (value == 0) return;
    w.Key(key);
    w.Int64(value);
  };
  w.StartObject();
  text("event", e.event.empty() ? std::string_view("log") : e.event);
  text("request_id", e.request_id);
  number("message_id", e.message_id);
  number("child", e.child);
  text("client", e.client);
  text("medical_home", e.medical_home);
  number("delivery", e.delivery);
  number("status", e.status);
  text("route", e.route);
  text("detail", e.detail);
  w.EndObject();
  std::string_view object(buffer.GetString(), buffer.GetSize());
  return std::string(object.substr(1, object.size() - 2));  // without the braces: the pattern adds them
}

void write(const entry& e) noexcept {
  if (!enabled(e.lvl)) return;
  try {
    logger().log(to_spdlog(e.lvl), "{}", members(e));
  } catch (...) {
    // A log line that cannot be written (out of memory, a closed stderr) is lost, never the request.
  }
}

}  // namespace homebase::gateway::log
