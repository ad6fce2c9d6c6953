// letter_html: the letter as an accessible, self-contained HTML document.
#include "gateway/letters/letter_html.hpp"

#include <gtest/gtest.h>

#include "tests/gateway/letters/sample_letter.hpp"

namespace homebase::gateway::letters {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

TEST(letter_html, is_one_accessible_document) {
  auto letter = test::sample_letter();
  std::string html = render_html(letter);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0u);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<title>Section 504 plan: health information for Sofía Reyes</title>"),
            std::string::npos);
  EXPECT_EQ(count(html, "<main>"), 1u);
  EXPECT_EQ(count(html, "</main>"), 1u);
  EXPECT_EQ(count(html, "<h1>"), 1u);
  // One h2 per section and one per notice; headings in the letter's order after the h1.
  EXPECT_EQ(count(html, "<h2"), letter.sections.size() + 2);
  std::size_t at = html.find("<h1>");
  for (const auto& s : letter.sections) {
    std::size_t next = html.find(">" + s.heading + "</h2>", at);
    ASSERT_NE(next, std::string::npos) << s.heading;
    EXPECT_GT(next, at);
    at = next;
  }
  EXPECT_GT(html.find("Notice to the recipient: redisclosure</h2>"), at);
  // A real list for the items, no layout tables, nothing fetched from outside.
  EXPECT_EQ(count(html, "<ul>"), 3u);
  EXPECT_EQ(count(html, "<li>"), 2u + 4u + 3u);
  EXPECT_EQ(html.find("<table"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_NE(html.find("<style>"), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
}

TEST(letter_html, carries_everything_the_letter_says) {
  std::string html = render_html(test::sample_letter());
  for (const char* text : {"Riverbend Pediatrics", "Phone (217) 555-0142", "Fax (217) 555-0143",
                           "December 6, 2026", "Section 504 Coordinator", "Lincoln Elementary School",
                           "400 North Grand Avenue", "<strong>Student:</strong> Sofía Reyes",
                           "<strong>Date of birth:</strong> March 3, 2015", "Dear Section 504 Coordinator,",
                           "José Reyes and अनन्या शर्मा", "Elena Brooks, MD, FAAP", "NPI 1234567893",
                           "Electronically signed on <time datetime=\"2026-12-06T14:03:27Z\">December 6, "
                           "2026 at 14:03 UTC</time>",
                           "45 CFR Parts 160 and 164", "The right to revoke this authorization",
                           "Consent/cons-4411", "Letter ltr-7f3a9c"})
    EXPECT_NE(html.find(text), std::string::npos) << text;
  EXPECT_EQ(html.find("DRAFT"), std::string::npos);
}

TEST(letter_html, escapes_every_text) {
  auto letter = test::sample_letter();
  letter.child_name = "<script>alert(1)</script>";
  letter.sections[0].heading = "A & B <i>";
  letter.sections[1].items[0] = "x\" onload=\"y";
  letter.head.practice_name = "O'Brien <Clinic>";
  letter.signer.signed_at = "\"><img src=x>";
  std::string html = render_html(letter);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<i>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<Clinic>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("A &amp; B &lt;i&gt;"), std::string::npos);
  EXPECT_NE(html.find("x&quot; onload=&quot;y"), std::string::npos);
  EXPECT_NE(html.find("O&#39;Brien &lt;Clinic&gt;"), std::string::npos);
}

TEST(letter_html, marks_a_draft) {
  auto letter = test::sample_letter();
  letter.draft = true;
  letter.signer.signed_at.clear();
  std::string html = render_html(letter);
  EXPECT_NE(html.find("role=\"note\">DRAFT - not approved</p>"), std::string::npos);
  EXPECT_NE(html.find("Not yet signed"), std::string::npos);
  EXPECT_EQ(html.find("Electronically signed"), std::string::npos);
}

}  // namespace
}  // namespace homebase::gateway::letters
