#include "gateway/audit/refusal_throttle.hpp"

#include "fhir/fhir_time.hpp"

namespace homebase::gateway::audit {

namespace {
const std::pair<std::string, std::string> overflow_key{"*", "overflow"};
}  // namespace

refusal_throttle::refusal_throttle(int per_minute, std::size_t max_keys)
    : per_minute_(per_minute < 0 ? 0 : per_minute), max_keys_(max_keys < 1 ? 1 : max_keys) {}

refusal_throttle::decision refusal_throttle::on_refusal(std::string_view address, std::string_view reason,
                                                        std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  decision out;
  key k{std::string(address), std::string(reason)};
  auto it = windows_.find(k);
  if (it == windows_.end()) {
    if (windows_.size() >= max_keys_) {
      // Make room from windows that are over and had nothing counted (nothing to report); otherwise
      // count this refusal under the overflow key.
      for (auto w = windows_.begin(); w != windows_.end() && windows_.size() >= max_keys_;) {
        if (w->second.counted == 0 && now_ms - w->second.start_ms >= window_ms)
          w = windows_.erase(w);
        else
          ++w;
      }
      if (windows_.size() >= max_keys_) {
        // Every slot busy: count under the overflow key (one slot beyond max_keys, always available).
        auto o = windows_.try_emplace(overflow_key, window{now_ms, 0, 0}).first;
        if (now_ms - o->second.start_ms >= window_ms) {
          if (o->second.counted > 0)
            out.summary = refusal_summary{o->first.first, o->first.second, o->second.counted,
                                          o->second.start_ms, o->second.start_ms + window_ms};
          o->second = window{now_ms, 0, 0};
        }
        ++o->second.counted;
        return out;
      }
    }
    it = windows_.emplace(std::move(k), window{now_ms, 0, 0}).first;
  } else if (now_ms - it->second.start_ms >= window_ms) {
    if (it->second.counted > 0)
      out.summary = refusal_summary{it->first.first, it->first.second, it->second.counted,
                                    it->second.start_ms, it->second.start_ms + window_ms};
    it->second = window{now_ms, 0, 0};
  }
  if (it->second.recorded < per_minute_) {
    ++it->second.recorded;
    out.record = true;
  } else {
    ++it->second.counted;
  }
  return out;
}

std::vector<refusal_summary> refusal_throttle::flush(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::vector<refusal_summary> out;
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (now_ms - it->second.start_ms < window_ms) {
      ++it;
      continue;
    }
    if (it->second.counted > 0)
      out.push_back({it->first.first, it->first.second, it->second.counted, it->second.start_ms,
                     it->second.start_ms + window_ms});
    it = windows_.erase(it);
  }
  return out;
}

std::size_t refusal_throttle::tracked() const {
  std::lock_guard lock(mutex_);
  return windows_.size();
}

mappers::audit::audit_record summary_record(const refusal_summary& s) {
  mappers::audit::audit_record r;
  r.kind = mappers::audit::audit_kind::refusal_summary;
  r.recorded_ms = s.window_end_ms;
  r.outcome = mappers::audit::audit_outcome::minor_failure;
  r.client.address = s.address == "*" ? std::string() : s.address;
  r.action_name = s.reason;
  r.count = s.count;
  r.outcome_desc = std::to_string(s.count) + " more refusals (" + s.reason + ") from " +
                   (s.address == "*" ? std::string("addresses beyond the tracked ones") : s.address) +
                   " between " + fhir::format_instant(s.window_start_ms) + " and " +
                   fhir::format_instant(s.window_end_ms) + ", counted, not recorded one by one";
  return r;
}

}  // namespace homebase::gateway::audit
