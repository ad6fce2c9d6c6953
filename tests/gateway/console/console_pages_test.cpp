#include "gateway/console/console_pages.hpp"

#include <gtest/gtest.h>

namespace console = homebase::gateway::console;
namespace bhttp = boost::beast::http;

TEST(console_pages, escapes_what_it_inserts) {
  EXPECT_EQ(console::html_escape(R"(<a href="x">'&'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  auto page = console::render_sign_in("tok\"en", "bad <b>", "<script>alert(1)</script>");
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find(R"(name="csrf" value="tok&quot;en")"), std::string::npos);
}

TEST(console_pages, pages_come_from_the_assets_with_the_role_navigation) {
  console::console_identity ops{"ops", console::console_role::operator_, "", "password"};
  auto page = console::render_page("queues", "Queues", ops, "TOKEN");
  ASSERT_TRUE(page);
  EXPECT_NE(page->find(R"(<meta name="csrf-token" content="TOKEN">)"), std::string::npos);
  EXPECT_NE(page->find(R"(href="/console/dead-letters")"), std::string::npos);
  EXPECT_NE(page->find(R"(src="/console/assets/queues.js")"), std::string::npos);
  EXPECT_EQ(page->find("{{"), std::string::npos);  // every placeholder filled
  console::console_identity maria{"maria", console::console_role::care_coordinator, "meadowbrook",
                                  "password"};
  auto hers = console::render_page("queues", "Queues", maria, "T");
  ASSERT_TRUE(hers);
  EXPECT_EQ(hers->find(R"(href="/console/dead-letters")"), std::string::npos);  // not in her navigation
  EXPECT_FALSE(console::render_page("no-such-page", "x", ops, "T"));
}

TEST(console_pages, every_html_answer_carries_the_security_headers) {
  auto res = console::html_response(bhttp::status::ok, "<p>x</p>");
  std::string csp(res["Content-Security-Policy"]);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(res["X-Frame-Options"], "DENY");
  EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
  EXPECT_EQ(res[bhttp::field::content_type], "text/html; charset=utf-8");
}
