#include "gateway/metrics/route_label.hpp"

#include <gtest/gtest.h>

namespace homebase::gateway::metrics {
namespace {

TEST(route_label, names_each_route_without_ids_or_types) {
  EXPECT_EQ(route_label("/fhir/$process-message"), "/fhir/$process-message");
  EXPECT_EQ(route_label("/fhir/%24process-message"), "/fhir/$process-message");
  EXPECT_EQ(route_label("/fhir/Bundle"), "/fhir/Bundle");
  EXPECT_EQ(route_label("/fhir/metadata"), "/fhir/metadata");
  EXPECT_EQ(route_label("/fhir/$validate"), "/fhir/$validate");
  EXPECT_EQ(route_label("/fhir/Patient/$validate"), "/fhir/{type}/$validate");
  EXPECT_EQ(route_label("/fhir/Patient"), "/fhir/{type}");
  EXPECT_EQ(route_label("/fhir/Task/_search"), "/fhir/{type}/_search");
  EXPECT_EQ(route_label("/fhir/Patient/3f2a-anjali"), "/fhir/{type}/{id}");
  EXPECT_EQ(route_label("/fhir/Patient/abc/$medical-home-checklist"),
            "/fhir/Patient/{id}/$medical-home-checklist");
  EXPECT_EQ(route_label("/fhir/Patient/abc/$disclosures"), "/fhir/Patient/{id}/$disclosures");
  EXPECT_EQ(route_label("/fhir/Patient/abc/%24disclosures"), "/fhir/Patient/{id}/$disclosures");
  EXPECT_EQ(route_label("/admin/messages/17"), "/admin/messages/{id}");
  EXPECT_EQ(route_label("/admin/messages/17/retry"), "/admin/messages/{id}/retry");
  EXPECT_EQ(route_label("/admin/messages/17/match"), "/admin/messages/{id}/match");
  EXPECT_EQ(route_label("/admin/messages/$replay"), "/admin/messages/$replay");
  EXPECT_EQ(route_label("/admin/school-letters/4"), "/admin/school-letters/{id}");
  EXPECT_EQ(route_label("/metrics"), "/metrics");
  EXPECT_EQ(route_label("/healthz"), "/healthz");
}

TEST(route_label, anything_else_is_other) {
  EXPECT_EQ(route_label("/"), "other");
  EXPECT_EQ(route_label("/wp-login.php"), "other");
  EXPECT_EQ(route_label("/fhir/"), "other");
  EXPECT_EQ(route_label("/fhir/patient"), "other");  // not a type name
  EXPECT_EQ(route_label("/fhir/Patient/1/2/3"), "other");
  EXPECT_EQ(route_label("/admin/messages/1/2/3"), "other");
}

}  // namespace
}  // namespace homebase::gateway::metrics
