#include "gateway/http/http_types.hpp"

#include <gtest/gtest.h>

#include "gateway/delivery/http_client.hpp"

namespace homebase::gateway {
namespace {

TEST(http_types, query_parameters_are_decoded) {
  EXPECT_EQ(http::target_path("/admin/messages?status=dead&limit=5"), "/admin/messages");
  EXPECT_EQ(http::query_param("/admin/messages?status=dead&limit=5", "limit"), "5");
  EXPECT_EQ(http::query_param("/x?a=b%20c+d", "a"), "b c d");
  EXPECT_EQ(http::query_param("/x?a=%zz", "a"), "%zz");
  EXPECT_EQ(http::query_param("/x?a=1", "b"), "");
  EXPECT_EQ(http::query_param("/x", "a"), "");
}

TEST(http_types, errors_are_operation_outcomes) {
  auto res = http::make_error(boost::beast::http::status::not_found, "not-found", "nothing here");
  EXPECT_EQ(res.result_int(), 404u);
  EXPECT_EQ(res[boost::beast::http::field::content_type], http::fhir_json);
  EXPECT_NE(res.body().find(R"("code":"not-found")"), std::string::npos);
}

TEST(http_client, parses_destination_urls) {
  delivery::parsed_url u;
  ASSERT_TRUE(delivery::parse_url("https://fhir.example.org/r4", u));
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.host, "fhir.example.org");
  EXPECT_EQ(u.port, "443");
  EXPECT_EQ(u.target, "/r4");
  ASSERT_TRUE(delivery::parse_url("http://127.0.0.1:8090/fhir", u));
  EXPECT_FALSE(u.tls);
  EXPECT_EQ(u.port, "8090");
  ASSERT_TRUE(delivery::parse_url("http://host", u));
  EXPECT_EQ(u.target, "/");
  ASSERT_TRUE(delivery::parse_url("http://[::1]:8090/fhir", u));
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, "8090");
  EXPECT_EQ(u.target, "/fhir");
  ASSERT_TRUE(delivery::parse_url("https://[2001:db8::1]/r4", u));
  EXPECT_EQ(u.host, "2001:db8::1");
  EXPECT_EQ(u.port, "443");
  EXPECT_FALSE(delivery::parse_url("http://[::1/x", u));
  EXPECT_FALSE(delivery::parse_url("http://host:80a/x", u));
  EXPECT_FALSE(delivery::parse_url("ftp://host/x", u));
  EXPECT_FALSE(delivery::parse_url("http:///x", u));
}

}  // namespace
}  // namespace homebase::gateway
