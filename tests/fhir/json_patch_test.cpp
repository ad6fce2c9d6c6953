// json_patch: the RFC 6902 operations, including the examples of its appendix A that apply here.
#include "fhir/json_patch.hpp"

#include <gtest/gtest.h>

#include "fhir/json_document.hpp"

namespace homebase::fhir {
namespace {

rapidjson::Document parsed(const char* text) {
  rapidjson::Document d;
  EXPECT_FALSE(parse_json(text, d)) << text;
  return d;
}

// Applies `patch` to `doc` and expects `want` (or the error kind).
void expect_patch(const char* doc, const char* patch, const char* want) {
  auto d = parsed(doc);
  auto p = parsed(patch);
  auto error = apply_json_patch(d, p);
  ASSERT_FALSE(error) << error->message;
  EXPECT_EQ(d, parsed(want)) << patch;
}

json_patch_error::kind expect_error(const char* doc, const char* patch) {
  auto d = parsed(doc);
  auto p = parsed(patch);
  auto error = apply_json_patch(d, p);
  EXPECT_TRUE(error) << patch;
  return error ? error->what : json_patch_error::kind::malformed;
}

TEST(json_patch, add_sets_members_and_inserts_into_arrays) {
  expect_patch(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])",
               R"({"foo":"bar","baz":"qux"})");
  expect_patch(R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])",
               R"({"foo":["bar","qux","baz"]})");
  expect_patch(R"({"foo":["bar"]})", R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])",
               R"({"foo":["bar",["abc","def"]]})");
  expect_patch(R"({"foo":"bar"})", R"([{"op":"add","path":"/foo","value":{"a":1}}])", R"({"foo":{"a":1}})");
  expect_patch(R"({"a/b":1,"m~n":2})",
               R"([{"op":"add","path":"/a~1b","value":3},{"op":"add","path":"/m~0n","value":4}])",
               R"({"a/b":3,"m~n":4})");
}

TEST(json_patch, remove_replace_move_copy) {
  expect_patch(R"({"foo":"bar","baz":"qux"})", R"([{"op":"remove","path":"/baz"}])", R"({"foo":"bar"})");
  expect_patch(R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])",
               R"({"foo":["bar","baz"]})");
  expect_patch(R"({"baz":"qux","foo":"bar"})", R"([{"op":"replace","path":"/baz","value":"boo"}])",
               R"({"baz":"boo","foo":"bar"})");
  expect_patch(R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
               R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
               R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})");
  expect_patch(R"({"foo":["all","grass","cows","eat"]})",
               R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])",
               R"({"foo":["all","cows","eat","grass"]})");
  expect_patch(R"({"a":[1],"b":{}})", R"([{"op":"copy","from":"/a","path":"/b/c"}])",
               R"({"a":[1],"b":{"c":[1]}})");
}

TEST(json_patch, test_passes_or_stops_the_patch) {
  expect_patch(R"({"baz":"qux","foo":["a",2,"c"]})",
               R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])",
               R"({"baz":"qux","foo":["a",2,"c"]})");
  EXPECT_EQ(expect_error(R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])"),
            json_patch_error::kind::failed);
}

TEST(json_patch, what_cannot_apply_fails_and_what_is_not_a_patch_is_malformed) {
  using k = json_patch_error::kind;
  EXPECT_EQ(expect_error(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz/bat","value":"qux"}])"), k::failed);
  EXPECT_EQ(expect_error(R"({"foo":"bar"})", R"([{"op":"remove","path":"/nope"}])"), k::failed);
  EXPECT_EQ(expect_error(R"({"foo":"bar"})", R"([{"op":"replace","path":"/nope","value":1}])"), k::failed);
  EXPECT_EQ(expect_error(R"({"foo":[1]})", R"([{"op":"add","path":"/foo/5","value":1}])"), k::failed);
  EXPECT_EQ(expect_error(R"({"foo":[1]})", R"([{"op":"add","path":"/foo/01","value":1}])"), k::failed);
  EXPECT_EQ(expect_error(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])"), k::failed);
  EXPECT_EQ(expect_error(R"({})", R"({"op":"add"})"), k::malformed);
  EXPECT_EQ(expect_error(R"({})", R"([{"op":"frobnicate","path":"/a"}])"), k::malformed);
  EXPECT_EQ(expect_error(R"({})", R"([{"op":"add","path":"/a"}])"), k::malformed);
  EXPECT_EQ(expect_error(R"({})", R"([{"op":"add","path":"a","value":1}])"), k::malformed);
  auto d = parsed(R"({"foo":"bar"})");
  auto p = parsed(R"([{"op":"replace","path":"/foo","value":1},{"op":"remove","path":"/x"}])");
  auto error = apply_json_patch(d, p);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "operation 1 (remove /x): the path does not exist");
}

}  // namespace
}  // namespace homebase::fhir
