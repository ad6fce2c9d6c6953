// json_log: the gateway's log. One JSON object per line on stderr, written through spdlog (a thread-safe
// sink; the level is an atomic and may change while the gateway runs, e.g. on SIGHUP):
//
//   line    = "{" time "," level "," event *("," member) "}" LF
//   time    = "\"time\":\"" YYYY-MM-DDThh:mm:ss.mmmZ "\""          (UTC)
//   level   = "\"level\":\"" ("trace"|"debug"|"info"|"warning"|"error"|"critical") "\""
//   event   = "\"event\":\"" dotted-name "\""                        e.g. "message.accepted"
//   member  = "request_id" | "message_id" | "child" | "client" | "medical_home" | "delivery" | "status"
//           | "route" | "detail"
// Members are present only when set. `request_id` is the correlation id (X-Request-Id), `child` the
// child's key in the store (never a name or any other PHI), `client` the authenticated client id.
// `detail` is free text: callers never put names, birth dates or record content in it.
//
// Threads: any. Nothing is formatted when the level is below the current one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace homebase::gateway::log {

enum class level { trace, debug, info, warn, error, critical, off };

// "trace" ... "off" (config's log.level); nullopt for anything else.
[[nodiscard]] std::optional<level> level_from_text(std::string_view text);

// What one line says. Empty strings and zero ids are left out. (Every member has an initializer, so that
// designated initializers may skip any: GCC's -Wmissing-field-initializers.)
struct entry {
  level lvl = level::info;
  std::string_view event{};
  std::string_view request_id{};
  std::int64_t message_id = 0;
  std::int64_t child = 0;
  std::string_view client{};
  std::string_view medical_home{};
  std::int64_t delivery = 0;
  int status = 0;
  std::string_view route{};
  std::string_view detail{};
};

// The current level (initially info).
void set_level(level lvl);
[[nodiscard]] level current_level();
[[nodiscard]] bool enabled(level lvl);

// Writes `e` as one line when its level is enabled. Never throws.
void write(const entry& e) noexcept;

// The JSON members of `e` after time and level, without braces (tests, and write()).
[[nodiscard]] std::string members(const entry& e);

}  // namespace homebase::gateway::log
