#include "gateway/console/console_sessions.hpp"

#include <gtest/gtest.h>

#include "gateway/console/console_principal.hpp"

namespace console = homebase::gateway::console;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;

namespace {

struct fixture {
  std::int64_t now = 1'000'000;
  homebase::config::console_settings settings = [] {
    homebase::config::console_settings s;
    s.session_ttl = 3600s;
    s.idle_timeout = 600s;
    return s;
  }();
  console::console_sessions sessions{settings, [this] { return now; }};
};

console::console_identity maria() {
  return {"maria", console::console_role::care_coordinator, "meadowbrook", "password"};
}

// The cookie value a sign-in set, as the next request's Cookie header.
homebase::gateway::http::request with_cookie(const homebase::gateway::http::response& signed_in) {
  std::string set(signed_in[bhttp::field::set_cookie]);
  homebase::gateway::http::request req{bhttp::verb::get, "/console/", 11};
  req.set(bhttp::field::cookie, "other=1; " + set.substr(0, set.find(';')));
  return req;
}

}  // namespace

TEST(console_sessions, signed_in_sets_a_strict_http_only_cookie) {
  fixture f;
  auto res = f.sessions.signed_in(maria(), true);
  EXPECT_EQ(res.result(), bhttp::status::see_other);
  EXPECT_EQ(res[bhttp::field::location], "/console/");
  std::string cookie(res[bhttp::field::set_cookie]);
  EXPECT_TRUE(cookie.starts_with("homebase_console=")) << cookie;
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("; Secure"), std::string::npos);
  EXPECT_NE(cookie.find("; Path=/console"), std::string::npos);
  EXPECT_EQ(cookie.find(';') - std::string("homebase_console=").size(), 43u);  // 256 bits, base64url
  auto dev = f.sessions.signed_in(maria(), false);
  EXPECT_EQ(std::string(dev[bhttp::field::set_cookie]).find("Secure"), std::string::npos);
}

TEST(console_sessions, finds_the_session_until_it_ends) {
  fixture f;
  auto req = with_cookie(f.sessions.signed_in(maria(), true));
  auto s = f.sessions.find(req);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->who.name, "maria");
  EXPECT_EQ(s->who.medical_home_id, "meadowbrook");
  // Idle: 10 minutes without a request ends it.
  f.now += 599'000;
  EXPECT_TRUE(f.sessions.find(req));
  f.now += 600'000;
  EXPECT_FALSE(f.sessions.find(req));
}

TEST(console_sessions, ends_at_the_absolute_limit_however_busy) {
  fixture f;
  auto req = with_cookie(f.sessions.signed_in(maria(), true));
  for (int i = 0; i < 12; ++i) {
    f.now += 300'000;
    ASSERT_EQ(f.sessions.find(req).has_value(), i < 11) << i;  // 12 x 5 min = the hour
  }
}

TEST(console_sessions, unknown_or_signed_out_cookie_is_no_session) {
  fixture f;
  auto req = with_cookie(f.sessions.signed_in(maria(), true));
  homebase::gateway::http::request forged{bhttp::verb::get, "/console/", 11};
  forged.set(bhttp::field::cookie, "homebase_console=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_FALSE(f.sessions.find(forged));
  auto out = f.sessions.signed_out(req, true);
  EXPECT_EQ(out.result(), bhttp::status::see_other);
  EXPECT_NE(std::string(out[bhttp::field::set_cookie]).find("Max-Age=0"), std::string::npos);
  EXPECT_FALSE(f.sessions.find(req));
}

TEST(console_sessions, csrf_token_is_required_by_header_or_form_field) {
  fixture f;
  auto req = with_cookie(f.sessions.signed_in(maria(), true));
  auto s = *f.sessions.find(req);
  homebase::gateway::http::request post{bhttp::verb::post, "/console/sign-out", 11};
  EXPECT_FALSE(console::console_sessions::csrf_ok(s, post));
  post.set("X-CSRF-Token", s.csrf);
  EXPECT_TRUE(console::console_sessions::csrf_ok(s, post));
  post.set("X-CSRF-Token", std::string(s.csrf.size(), 'A'));
  EXPECT_FALSE(console::console_sessions::csrf_ok(s, post));
  homebase::gateway::http::request form{bhttp::verb::post, "/console/sign-out", 11};
  form.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
  form.body() = "a=1&csrf=" + s.csrf;
  EXPECT_TRUE(console::console_sessions::csrf_ok(s, form));
}

TEST(console_sessions, keeps_at_most_max_sessions) {
  homebase::config::console_settings settings;
  std::int64_t now = 0;
  console::console_sessions sessions(
      settings, [&now] { return ++now; }, 3);
  for (int i = 0; i < 10; ++i) (void)sessions.signed_in(maria(), true);
  EXPECT_EQ(sessions.size(), 3u);
}

TEST(console_principal, maps_roles_to_the_api_identity) {
  auto op = console::to_principal({"ops", console::console_role::operator_, "", "password"}, "10.0.0.1");
  EXPECT_EQ(op.client_id, "console:ops");
  EXPECT_TRUE(op.is(homebase::config::client_kind::operator_));
  EXPECT_TRUE(op.scopes.allows("Patient", homebase::gateway::auth::interaction::read));
  EXPECT_EQ(op.address, "10.0.0.1");
  auto cc = console::to_principal(maria(), "10.0.0.2");
  EXPECT_TRUE(cc.is(homebase::config::client_kind::medical_home));
  EXPECT_EQ(cc.medical_home_id, "meadowbrook");
  EXPECT_FALSE(cc.scopes.allows("Patient", homebase::gateway::auth::interaction::create));
}
