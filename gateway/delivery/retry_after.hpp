// retry_after: the Retry-After field of an HTTP answer (RFC 9110 §10.2.3) as a delay.
//   Retry-After = HTTP-date / delay-seconds
// delay-seconds is 1*DIGIT; an HTTP-date is one of the three forms of RFC 9110 §5.6.7, which a recipient
// must all accept:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   rfc850-date  "Sunday, 06-Nov-94 08:49:37 GMT"  (a two-digit year more than 50 years ahead of `now` is
//                                                   the most recent such year in the past)
//   asctime-date "Sun Nov  6 08:49:37 1994"
// A date in the past is a delay of zero. Anything else (empty, signs, fractions, a bad date) is no value:
// the caller falls back to its own backoff. The caller caps the delay. Pure; no exceptions.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace homebase::gateway::delivery {

[[nodiscard]] std::optional<std::chrono::seconds> retry_after_delay(
    std::string_view value, std::chrono::system_clock::time_point now);

// An HTTP-date in any of the three forms above; nullopt when it is not one.
[[nodiscard]] std::optional<std::chrono::sys_seconds> parse_http_date(
    std::string_view text, std::chrono::system_clock::time_point now);

}  // namespace homebase::gateway::delivery
