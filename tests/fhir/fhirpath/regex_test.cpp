// The exception-free regular expressions behind matches(), matchesFull() and replaceMatches().
#include "fhir/fhirpath/regex.hpp"

#include <gtest/gtest.h>

#include <string>

namespace homebase::fhir::fhirpath {
namespace {

bool search(std::string_view pattern, std::string_view text) {
  auto re = regex::compile(pattern);
  EXPECT_TRUE(re.has_value()) << pattern;
  return re && re->search(text);
}

bool full(std::string_view pattern, std::string_view text) {
  auto re = regex::compile(pattern);
  EXPECT_TRUE(re.has_value()) << pattern;
  return re && re->full_match(text);
}

std::string replace(std::string_view pattern, std::string_view text, std::string_view with) {
  auto re = regex::compile(pattern);
  EXPECT_TRUE(re.has_value()) << pattern;
  return re ? re->replace_all(text, with) : "<invalid>";
}

TEST(fhirpath_regex, literals_classes_and_anchors) {
  EXPECT_TRUE(search("FHIR", "the FHIR spec"));
  EXPECT_FALSE(search("fhir", "the FHIR spec"));
  EXPECT_TRUE(search("^the", "the FHIR spec"));
  EXPECT_FALSE(search("^FHIR$", "the FHIR spec"));
  EXPECT_TRUE(search("spec$", "the FHIR spec"));
  EXPECT_TRUE(search("[0-9]{3}-[0-9]{4}", "call 555-1234 now"));
  EXPECT_FALSE(search("[0-9]{3}-[0-9]{4}", "call 55-1234 now"));
  EXPECT_TRUE(search("\\d+\\.\\d*", "1.5"));
  EXPECT_TRUE(search("[^a-z]", "abc1"));
  EXPECT_FALSE(search("[^a-z]", "abc"));
  EXPECT_TRUE(search("\\bcat\\b", "a cat sat"));
  EXPECT_FALSE(search("\\bcat\\b", "concatenate"));
  EXPECT_TRUE(search("[\\s\\S]", "\n"));
  EXPECT_TRUE(search("a{2,}", "caaat"));
  EXPECT_FALSE(search("a{4,}", "caaat"));
  EXPECT_TRUE(search("x{", "x{"));  // a '{' that starts no quantifier is a literal
}

TEST(fhirpath_regex, single_line_mode_and_utf8) {
  EXPECT_TRUE(search("A.*B", "A\nB"));   // '.' matches a newline
  EXPECT_TRUE(full("..", "\xC3\xA9t"));  // "ét": two code points
  EXPECT_TRUE(full("[\xC3\xA0-\xC3\xBF]", "\xC3\xA9"));
}

TEST(fhirpath_regex, full_match_needs_the_whole_text) {
  EXPECT_TRUE(full(".*Library.*", "http://x/Library/y"));
  EXPECT_FALSE(full("Library", "http://x/Library/y"));
  EXPECT_TRUE(full("a|ab", "ab"));  // the second alternative when the first does not reach the end
  EXPECT_TRUE(full("(a|b)*c", "ababc"));
}

TEST(fhirpath_regex, replacement_with_groups) {
  EXPECT_EQ(replace("234", "123456", "X"), "1X56");
  EXPECT_EQ(replace("[0-9]", "abc123", "-"), "abc---");
  EXPECT_EQ(replace("(\\w+)@(\\w+)", "joe@example", "$2 at $1"), "example at joe");
  EXPECT_EQ(replace("\\b(?<month>\\d{1,2})/(?<day>\\d{1,2})/(?<year>\\d{2,4})\\b", "11/30/1972",
                    "${day}-${month}-${year}"),
            "30-11-1972");
  EXPECT_EQ(replace("a*", "bab", "-"), "-b--b-");  // as ECMAScript: empty matches advance one character
  EXPECT_EQ(replace("a+?", "aaa", "x"), "xxx");    // lazy
  EXPECT_EQ(replace("a+", "aaa", "x"), "x");       // greedy
}

TEST(fhirpath_regex, invalid_patterns_are_values_not_exceptions) {
  std::string problem;
  EXPECT_FALSE(regex::compile("[a-", &problem).has_value());
  EXPECT_FALSE(problem.empty());
  EXPECT_FALSE(regex::compile("(abc").has_value());
  EXPECT_FALSE(regex::compile("abc)").has_value());
  EXPECT_FALSE(regex::compile("*a").has_value());
  EXPECT_FALSE(regex::compile("a{3,2}").has_value());
  EXPECT_FALSE(regex::compile("(a)\\1").has_value());
  EXPECT_FALSE(regex::compile(std::string(300, '(') + std::string(300, ')')).has_value());
  EXPECT_FALSE(regex::compile("(a{1000}){1000}").has_value());  // too large once expanded
}

TEST(fhirpath_regex, no_catastrophic_backtracking) {
  // (a+)+b against many a's is exponential for a backtracking matcher; here it is linear.
  std::string text(5000, 'a');
  EXPECT_FALSE(search("(a+)+b", text));
  EXPECT_TRUE(search("(a+)+$", text));
}

}  // namespace
}  // namespace homebase::fhir::fhirpath
