#include "gateway/metrics/gateway_metrics.hpp"

#include <gtest/gtest.h>

namespace homebase::gateway::metrics {
namespace {

// The registry is the process's: each test looks at differences.
TEST(gateway_metrics, counts_requests_by_route_and_status) {
  auto& m = gateway_metrics::instance();
  prometheus::Labels labels{{"route", "/fhir/{type}"}, {"status", "200"}};
  auto before = m.counter_value("homebase_http_requests_total", labels);
  m.request("/fhir/{type}", 200);
  m.request("/fhir/{type}", 200);
  m.request("/fhir/{type}", 404);
  EXPECT_EQ(m.counter_value("homebase_http_requests_total", labels), before + 2);
}

TEST(gateway_metrics, rule_changes_are_counted_by_rule_and_change_never_by_subject) {
  auto& m = gateway_metrics::instance();
  prometheus::Labels labels{{"rule", "pcp-visit"}, {"change", "added"}};
  auto before = m.counter_value("homebase_rule_firings_total", labels);
  m.rule_change("added pcp-visit|ENC-1");
  m.rule_change("added pcp-visit|ENC-2");
  m.rule_change("no-space-here");  // not a change line: ignored
  EXPECT_EQ(m.counter_value("homebase_rule_firings_total", labels), before + 2);
  for (const auto& family : m.registry().Collect())
    for (const auto& metric : family.metric)
      for (const auto& label : metric.label) EXPECT_EQ(label.value.find("ENC-"), std::string::npos);
}

TEST(gateway_metrics, disabled_records_nothing) {
  auto& m = gateway_metrics::instance();
  prometheus::Labels labels{{"reason", "no-credentials"}};
  auto before = m.counter_value("homebase_auth_refusals_total", labels);
  m.set_enabled(false);
  m.auth_refused("no-credentials");
  m.set_enabled(true);
  EXPECT_EQ(m.counter_value("homebase_auth_refusals_total", labels), before);
  m.auth_refused("no-credentials");
  EXPECT_EQ(m.counter_value("homebase_auth_refusals_total", labels), before + 1);
}

TEST(gateway_metrics, delivery_attempts_by_home_and_outcome) {
  auto& m = gateway_metrics::instance();
  prometheus::Labels sent{{"medical_home", "meadowbrook"}, {"outcome", "sent"}};
  auto before = m.counter_value("homebase_delivery_attempts_total", sent);
  m.delivery_attempt("meadowbrook", "sent");
  m.delivery_attempt("meadowbrook", "retry");
  EXPECT_EQ(m.counter_value("homebase_delivery_attempts_total", sent), before + 1);
}

}  // namespace
}  // namespace homebase::gateway::metrics
