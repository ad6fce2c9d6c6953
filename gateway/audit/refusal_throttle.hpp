// refusal_throttle: keeps a flood of refused requests from filling the audit trail (issue 9 item 5).
// Per (network address, reason), the first `per_minute` refusals of a one-minute window are recorded one
// by one (`on_refusal` says record); the rest of that window are only counted. When the window is over
// (seen at the next refusal of that key, or by `flush`, which the owner runs on a timer), the count
// becomes one summary: a refusal_summary AuditEvent (`summary_record`).
// Memory is bounded: at most `max_keys` keys are tracked (plus one overflow key); when that many are busy,
// refusals of a new key are counted under the overflow key (address "*", reason "overflow"), so nothing
// goes uncounted.
// The clock is explicit: every call takes now (unix ms). Thread-safe (one mutex); no exceptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mappers/audit/audit_event_builder.hpp"

namespace homebase::gateway::audit {

// The refusals of one key in one window that were counted, not recorded.
struct refusal_summary {
  std::string address;
  std::string reason;
  int count = 0;
  std::int64_t window_start_ms = 0;
  std::int64_t window_end_ms = 0;
};

class refusal_throttle {
 public:
  static constexpr std::int64_t window_ms = 60'000;

  // per_minute: auth.audit_refusals_per_minute (0: every refusal is counted, none recorded one by one).
  explicit refusal_throttle(int per_minute, std::size_t max_keys = 4096);

  struct decision {
    bool record = false;                     // write this refusal's own security-alert AuditEvent
    std::optional<refusal_summary> summary;  // a window of this key that ended: write its summary too
  };
  [[nodiscard]] decision on_refusal(std::string_view address, std::string_view reason, std::int64_t now_ms);

  // The summaries of every window over by now_ms; forgets those keys.
  [[nodiscard]] std::vector<refusal_summary> flush(std::int64_t now_ms);

  [[nodiscard]] std::size_t tracked() const;

 private:
  struct window {
    std::int64_t start_ms = 0;
    int recorded = 0;
    int counted = 0;
  };
  using key = std::pair<std::string, std::string>;

  int per_minute_;
  std::size_t max_keys_;
  mutable std::mutex mutex_;  // guards windows_
  std::map<key, window> windows_;
};

// The AuditEvent facts of a summary (kind refusal_summary, outcome minor failure). The caller adds the
// gateway's URL and writes it with audit::record.
[[nodiscard]] mappers::audit::audit_record summary_record(const refusal_summary& summary);

}  // namespace homebase::gateway::audit
