#include "fhir/json_document.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>

namespace homebase::fhir {
namespace {

TEST(json_document, parses_valid_json_and_keeps_decimal_precision) {
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json(R"({"resourceType":"Observation","valueQuantity":{"value":1.50}})", doc));
  EXPECT_EQ(get_string(doc, "resourceType"), "Observation");
  EXPECT_DOUBLE_EQ((*get_object(doc, "valueQuantity"))["value"].GetDouble(), 1.5);
}

TEST(json_document, reports_malformed_json_with_offset) {
  rapidjson::Document doc;
  auto error = parse_json(R"({"a": [1, 2,, 3]})", doc);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->offset, 12u);
  EXPECT_FALSE(error->message.empty());
}

TEST(json_document, rejects_duplicate_keys) {
  rapidjson::Document doc;
  auto error = parse_json(R"({"a":{"b":1,"c":2,"b":3}})", doc);
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("duplicate JSON key \"b\""), std::string::npos);
}

TEST(json_document, rejects_duplicate_keys_in_large_objects) {
  std::string text = "{";
  for (int i = 0; i < 40; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json(text + "\"last\":0}", doc));
  auto error = parse_json(text + "\"k17\":0}", doc);
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("\"k17\""), std::string::npos);
}

TEST(json_document, rejects_nesting_beyond_the_limit_without_recursion) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  rapidjson::Document doc;
  auto error = parse_json(deep, doc, {64});
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("nesting"), std::string::npos);
}

TEST(json_document, rejects_invalid_utf8) {
  rapidjson::Document doc;
  std::string bad = "{\"a\":\"\xC3\x28\"}";
  EXPECT_TRUE(parse_json(bad, doc));
}

TEST(json_document, parses_in_place_with_the_same_checks) {
  std::string text = R"({"a":"x\u00e9y","b":[1,2]})";
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json_in_place(text, doc));
  EXPECT_EQ(get_string(doc, "a"), "x\xC3\xA9y");
  std::string dup = R"({"a":1,"a":2})";
  EXPECT_TRUE(parse_json_in_place(dup, doc));
  std::string nul("{\"a\":1}\0{", 9);
  auto error = parse_json_in_place(nul, doc);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->offset, 7u);
  std::string bad = "{\"a\":\"\xC3\x28\"}";
  EXPECT_TRUE(parse_json_in_place(bad, doc));
}

// Found by tests/fuzz/json_reader: the plain reader accepted a NUL byte after the root value (RapidJSON stops
// there) and dropped what followed, where the in-place and lossless readers refuse it.
TEST(json_document, refuses_a_nul_byte_like_the_other_readers) {
  rapidjson::Document doc;
  auto error = parse_json(std::string("2\0\0\0\0\0\0\0\0  /\n]", 14), doc);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "NUL byte in the JSON text");
  EXPECT_EQ(error->offset, 1u);
  error = parse_json(std::string("{\"a\":1}\0{\"b\":2}", 15), doc);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->offset, 7u);
  EXPECT_FALSE(parse_json(std::string("{\"a\":\"\\u0000\"}"), doc));  // an escaped NUL is fine
}

// Found by tests/fuzz/message_rules: RapidJSON 1.1.0's full-precision mode read a number whose digits are all
// zero as garbage once its exponent is beyond +-22 (0E50 came back as 5e30 or -1.6e-266, depending on the
// CPU). Doubles are now read from their text, correctly rounded.
TEST(json_document, all_zero_numbers_with_large_exponents_are_zero_in_every_reader) {
  const std::string text =
      R"([0E50, -0e-23, 0.00000000000000000000000, -0.000000000000000000000000000, 0.0e-22, 1E50, 0.5e-30,)"
      R"( 1.00000000000000011102230246251565404236316680908203126, 0.1, 9007199254740993.0,)"
      R"( 1.7976931348623157e308])";
  auto check = [](const rapidjson::Value& a) {
    ASSERT_TRUE(a.IsArray());
    ASSERT_EQ(a.Size(), 11u);
    for (rapidjson::SizeType i = 0; i < 5; ++i) {
      EXPECT_EQ(a[i].GetDouble(), 0.0) << i;
      EXPECT_EQ(std::signbit(a[i].GetDouble()), i == 1 || i == 3) << i;
    }
    EXPECT_EQ(a[5].GetDouble(), 1e50);
    EXPECT_EQ(a[6].GetDouble(), 0.5e-30);
    EXPECT_EQ(a[7].GetDouble(), 1.0000000000000002);  // just above half an ULP: rounds up
    EXPECT_EQ(a[8].GetDouble(), 0.1);
    EXPECT_EQ(a[9].GetDouble(), 9007199254740992.0);
    EXPECT_EQ(a[10].GetDouble(), 1.7976931348623157e308);
  };
  rapidjson::Document plain;
  ASSERT_FALSE(parse_json(text, plain));
  check(plain);
  std::string buffer = R"({"s":"x\u00e9\"","n":)" + text + "}";
  rapidjson::Document in_place;
  ASSERT_FALSE(parse_json_in_place(buffer, in_place));
  EXPECT_EQ(get_string(in_place, "s"), "x\xC3\xA9\"");
  check(in_place["n"]);
  lossless_json lossless;
  ASSERT_FALSE(parse_json_lossless(text, lossless));
  check(lossless.document);
  EXPECT_EQ(lossless.number_text(lossless.document[0]), "0E50");
  EXPECT_EQ(to_canonical_json(lossless.document, &lossless),
            "[0E50,-0e-23,0.00000000000000000000000,-0.000000000000000000000000000,0.0e-22,1E50,0.5e-30,"
            "1.00000000000000011102230246251565404236316680908203126,0.1,9007199254740993.0,"
            "1.7976931348623157e308]");
}

TEST(json_document, writes_minified) {
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json("{ \"a\" : [ 1 , true ] }", doc));
  EXPECT_EQ(to_json(doc), R"({"a":[1,true]})");
}

// ---- lossless parsing and canonical writing ------------------------------------------------------------

// Parses `text` losslessly (the test fails if it does not parse) and writes it back canonically.
std::string round_trip(const std::string& text) {
  lossless_json parsed;
  auto error = parse_json_lossless(text, parsed);
  EXPECT_FALSE(error) << text << ": " << (error ? error->message : "");
  return to_canonical_json(parsed.document, &parsed);
}

TEST(json_lossless, numbers_keep_their_text_and_their_value) {
  lossless_json j;
  ASSERT_FALSE(parse_json_lossless(R"({"a":1.50,"b":-0.0,"c":1e2,"d":12345678901234567890,"e":7,"f":-3,)"
                                   R"("g":1.0E-7,"h":-9223372036854775808,"i":0.1000})",
                                   j));
  const auto& d = j.document;
  EXPECT_EQ(j.number_text(d["a"]), "1.50");
  EXPECT_DOUBLE_EQ(d["a"].GetDouble(), 1.5);
  EXPECT_EQ(j.number_text(d["b"]), "-0.0");
  EXPECT_TRUE(d["b"].IsDouble());
  EXPECT_TRUE(std::signbit(d["b"].GetDouble()));
  EXPECT_EQ(j.number_text(d["c"]), "1e2");
  EXPECT_DOUBLE_EQ(d["c"].GetDouble(), 100.0);
  EXPECT_EQ(j.number_text(d["d"]), "12345678901234567890");
  ASSERT_TRUE(d["d"].IsUint64());
  EXPECT_EQ(d["d"].GetUint64(), 12345678901234567890ull);
  EXPECT_FALSE(d["d"].IsInt64());  // beyond 64-bit signed: a validator can tell it is no R4 integer
  EXPECT_EQ(j.number_text(d["e"]), "7");
  EXPECT_TRUE(d["e"].IsInt());
  EXPECT_EQ(d["e"].GetInt(), 7);
  EXPECT_EQ(j.number_text(d["f"]), "-3");
  EXPECT_EQ(d["f"].GetInt(), -3);
  EXPECT_EQ(j.number_text(d["g"]), "1.0E-7");
  EXPECT_EQ(j.number_text(d["h"]), "-9223372036854775808");
  EXPECT_TRUE(d["h"].IsInt64());
  EXPECT_FALSE(d["h"].IsInt());
  EXPECT_EQ(j.number_text(d["i"]), "0.1000");
  EXPECT_EQ(j.number_count(), 9u);
  // Strings and non-numbers have no number text.
  EXPECT_FALSE(j.number_text(rapidjson::Value("1.50")));
}

TEST(json_lossless, numbers_are_the_same_values_parse_json_gives) {
  std::string text =
      R"([0,-0,1,-1,2147483647,2147483648,-2147483648,-2147483649,4294967295,4294967296,)"
      R"(9223372036854775807,18446744073709551615,18446744073709551616,3.14159265358979323846,)"
      R"(1e-400,2.2250738585072011e-308,1.7976931348623157e308,123456789012345678901234567890])";
  rapidjson::Document plain;
  ASSERT_FALSE(parse_json(text, plain));
  lossless_json j;
  ASSERT_FALSE(parse_json_lossless(text, j));
  ASSERT_EQ(j.document.Size(), plain.Size());
  for (rapidjson::SizeType i = 0; i < plain.Size(); ++i) {
    EXPECT_EQ(j.document[i].GetType(), plain[i].GetType()) << i;
    EXPECT_EQ(j.document[i].IsInt(), plain[i].IsInt()) << i;
    EXPECT_EQ(j.document[i].IsUint64(), plain[i].IsUint64()) << i;
    EXPECT_EQ(j.document[i].IsDouble(), plain[i].IsDouble()) << i;
    EXPECT_TRUE(j.document[i] == plain[i]) << i;
  }
  // Each number written back exactly as it came.
  EXPECT_EQ(to_canonical_json(j.document, &j), text);
}

TEST(json_lossless, numbers_in_every_position_get_their_own_text) {
  // Numbers as root, after '[', ',', ':' and whitespace, in nested arrays, and next to look-alike strings.
  EXPECT_EQ(round_trip("1.50"), "1.50");
  EXPECT_EQ(round_trip(" \n-0.0\t"), "-0.0");
  EXPECT_EQ(round_trip(R"([1.0,[2.00,[3.000E+1]], {"x" : 4.10 , "y":"5.0"}, 6e-0])"),
            R"([1.0,[2.00,[3.000E+1]],{"x":4.10,"y":"5.0"},6e-0])");
}

TEST(json_lossless, moving_the_result_keeps_the_texts) {
  lossless_json a;
  ASSERT_FALSE(parse_json_lossless("2.50", a));
  lossless_json b = std::move(a);
  EXPECT_EQ(b.number_text(b.document), "2.50");
  EXPECT_EQ(to_canonical_json(b.document, &b), "2.50");
  lossless_json c;
  ASSERT_FALSE(parse_json_lossless(R"({"v":[0.10]})", c));
  lossless_json d = std::move(c);
  EXPECT_EQ(to_canonical_json(d.document, &d), R"({"v":[0.10]})");
}

TEST(json_lossless, a_changed_number_is_written_from_its_value) {
  lossless_json j;
  ASSERT_FALSE(parse_json_lossless(R"({"a":1.50,"b":2.50,"c":3})", j));
  j.document["a"].SetDouble(1.25);
  j.document["c"].SetInt(4);
  EXPECT_FALSE(j.number_text(j.document["a"]));
  EXPECT_EQ(j.number_text(j.document["b"]), "2.50");
  EXPECT_EQ(to_canonical_json(j.document, &j), R"({"a":1.25,"b":2.50,"c":4})");
  // Without the source, numbers are written as to_json writes them.
  EXPECT_EQ(to_canonical_json(j.document), R"({"a":1.25,"b":2.5,"c":4})");
}

TEST(json_lossless, primitive_extensions_and_null_placeholders_survive) {
  std::string text =
      R"({"resourceType":"Patient","birthDate":"2024-01-05","_birthDate":{"extension":[{"url":)"
      R"("http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"2024-01-05T08:10:00Z"}]},)"
      R"("name":[{"given":["Ana",null,"Maria"],"_given":[null,{"extension":[{"url":"u","valueString":"x"}]},null]}],)"
      R"("code":[null,"x"]})";
  EXPECT_EQ(round_trip(text), text);
  lossless_json j;
  ASSERT_FALSE(parse_json_lossless(text, j));
  const auto& given = j.document["name"][0]["_given"];
  ASSERT_EQ(given.Size(), 3u);
  EXPECT_TRUE(given[0].IsNull());
  EXPECT_TRUE(given[1].IsObject());
  EXPECT_TRUE(j.document["code"][0].IsNull());
  EXPECT_TRUE(j.document.HasMember("_birthDate"));
}

TEST(json_lossless, resource_type_is_written_first_at_every_level) {
  std::string text =
      R"({"id":"b1","type":"collection","resourceType":"Bundle","entry":[{"fullUrl":"urn:uuid:1","resource":)"
      R"({"id":"p","contained":[{"id":"o1","name":"Clinic","resourceType":"Organization"},)"
      R"({"resourceType":"Practitioner","id":"pr"}],"resourceType":"Patient","gender":"female"}}]})";
  EXPECT_EQ(
      round_trip(text),
      R"({"resourceType":"Bundle","id":"b1","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":)"
      R"({"resourceType":"Patient","id":"p","contained":[{"resourceType":"Organization","id":"o1","name":)"
      R"("Clinic"},{"resourceType":"Practitioner","id":"pr"}],"gender":"female"}}]})");
  // Objects without resourceType keep their order; the writer has no limit on depth.
  std::string deep(10000, '[');
  deep += R"({"b":1,"a":2})";
  deep += std::string(10000, ']');
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json(deep, doc, {20000}));
  EXPECT_EQ(to_canonical_json(doc), deep);
}

TEST(json_lossless, strings_are_escaped_as_rfc_8259_requires_and_no_more) {
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json(
      R"({"a/b":"x\/y \"q\" \\ \b\f\n\r\t \u0001\u001f\u007f \u00e9\u20ac\ud83d\ude00 <\/p>"})", doc));
  EXPECT_EQ(to_canonical_json(doc),
            "{\"a/b\":\"x/y \\\"q\\\" \\\\ \\b\\f\\n\\r\\t \\u0001\\u001F\x7f "
            "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80 </p>\"}");
  // A string with an embedded NUL keeps its length.
  rapidjson::Value nul("a\0b", 3, doc.GetAllocator());
  EXPECT_EQ(to_canonical_json(nul), R"("a\u0000b")");
}

TEST(json_lossless, writes_the_same_text_as_to_json_apart_from_order_and_numbers) {
  std::string text = R"({"a":[true,false,null,"s",{"b":{}},[]],"c":{"d":[1,2.5,-7]}})";
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json(text, doc));
  EXPECT_EQ(to_canonical_json(doc), to_json(doc));
  EXPECT_EQ(round_trip(text), text);
  rapidjson::Value nan(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(to_canonical_json(nan), "null");
}

TEST(json_lossless, rejects_duplicate_keys_with_the_offset_of_the_repeated_key) {
  lossless_json j;
  std::string text = R"({"a":{"b":1,"c":2,"b":3}})";
  auto error = parse_json_lossless(text, j);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "duplicate JSON key \"b\"");
  EXPECT_EQ(error->offset, text.rfind("\"b\""));
  EXPECT_TRUE(j.document.IsNull());
  EXPECT_EQ(j.number_count(), 0u);

  // The same key spelled with an escape is the same key; the offset is that of its opening quote.
  text = R"({"id":"x","i\u0064":"y"})";
  error = parse_json_lossless(text, j);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "duplicate JSON key \"id\"");
  EXPECT_EQ(error->offset, 10u);
  text = R"({"q\\":1,"q\\":2})";
  error = parse_json_lossless(text, j);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->offset, 9u);

  // The same key in different objects, or at different levels, is fine.
  EXPECT_FALSE(parse_json_lossless(R"({"a":{"a":1},"b":[{"a":2},{"a":3}],"c":{"b":{"a":4}}})", j));
}

TEST(json_lossless, rejects_duplicate_keys_in_large_objects_reporting_the_first_repetition) {
  std::string text = "{";
  for (int i = 0; i < 40; ++i) text += "\"k" + std::to_string(i) + "\":{\"n\":" + std::to_string(i) + "},";
  lossless_json j;
  ASSERT_FALSE(parse_json_lossless(text + "\"last\":0}", j));
  EXPECT_EQ(j.number_count(), 41u);
  std::string bad = text + "\"k30\":0,\"k17\":0,\"k30\":1}";
  auto error = parse_json_lossless(bad, j);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "duplicate JSON key \"k30\"");
  EXPECT_EQ(error->offset, bad.find("\"k30\":0"));
}

TEST(json_lossless, rejects_invalid_utf8_and_control_characters_naming_the_problem) {
  lossless_json j;
  std::string bad = "{\"a\":\"ok \xC3\x28\"}";
  auto error = parse_json_lossless(bad, j);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "invalid UTF-8 in a JSON string");
  EXPECT_EQ(error->offset, 9u);
  for (std::string s : {"\xED\xA0\x80", "\xC0\xAF", "\xF8\x88\x80\x80\x80", "\xFF"}) {
    error = parse_json_lossless("[\"" + s + "\"]", j);
    ASSERT_TRUE(error) << s.size();
    EXPECT_EQ(error->message, "invalid UTF-8 in a JSON string");
  }
  error = parse_json_lossless("[\"tab\there\"]", j);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "unescaped control character U+0009 in a JSON string");
  EXPECT_EQ(error->offset, 5u);
  // Valid multi-byte UTF-8 is fine and kept as it is.
  EXPECT_EQ(round_trip("[\"\xC3\xA9\xF0\x9F\x98\x80\"]"), "[\"\xC3\xA9\xF0\x9F\x98\x80\"]");
}

TEST(json_lossless, reports_syntax_errors_nul_bytes_and_depth_with_offsets) {
  lossless_json j;
  auto error = parse_json_lossless(R"({"a": [1, 2,, 3]})", j);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->offset, 12u);
  EXPECT_FALSE(error->message.empty());

  error = parse_json_lossless(std::string("{\"a\":1}\0{", 9), j);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "NUL byte in the JSON text");
  EXPECT_EQ(error->offset, 7u);
  error = parse_json_lossless(std::string("{\"a\":\0}", 7), j);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "NUL byte in the JSON text");
  EXPECT_EQ(error->offset, 5u);

  std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  error = parse_json_lossless(deep, j, {64});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "JSON nesting exceeds the limit of 64 levels");
  EXPECT_EQ(error->offset, 5u + 63u);  // the bracket that opens level 65
  EXPECT_EQ(deep[error->offset], '[');
  std::string ok = "{\"a\":" + std::string(63, '[') + std::string(63, ']') + "}";
  EXPECT_FALSE(parse_json_lossless(ok, j, {64}));

  error = parse_json_lossless("", j);
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->message.empty());
}

TEST(json_lossless, the_result_can_be_reused_for_another_parse) {
  lossless_json j;
  ASSERT_FALSE(parse_json_lossless(R"({"a":1.50})", j));
  ASSERT_TRUE(parse_json_lossless(R"({"a":1.50,"a":2})", j));
  ASSERT_FALSE(parse_json_lossless(R"([2.50,{"b":3.0}])", j));
  EXPECT_EQ(j.number_count(), 2u);
  EXPECT_EQ(to_canonical_json(j.document, &j), R"([2.50,{"b":3.0}])");
}

}  // namespace
}  // namespace homebase::fhir

namespace homebase::fhir {
namespace {

TEST(json_document, refuses_a_lone_low_surrogate_escape) {
  rapidjson::Document d;
  const std::string lone = R"({"family":"x\udc00y"})";
  auto error = parse_json(lone, d);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->offset, lone.find('\\'));
  EXPECT_FALSE(parse_json(R"({"family":"x\ud83d\ude00y"})", d)) << "a surrogate pair is fine";
  EXPECT_FALSE(parse_json(R"({"family":"x\\udc00y"})", d)) << "an escaped backslash then text is fine";
  std::string in_place = lone;
  EXPECT_TRUE(parse_json_in_place(in_place, d));
}

// UTF-8 is checked before parsing (RFC 3629), at the offset of the first bad sequence.
TEST(json_document, checks_utf8_by_rfc3629_at_the_offending_byte) {
  struct sample {
    std::string bytes;
    bool valid;
  };
  const sample samples[] = {
      {"\xC3\xA9", true},           // é
      {"\xE2\x82\xAC", true},       // €
      {"\xF0\x9F\x98\x80", true},   // U+1F600
      {"\xF4\x8F\xBF\xBF", true},   // U+10FFFF
      {"\xC0\xAF", false},          // overlong '/'
      {"\xE0\x80\xAF", false},      // overlong
      {"\xED\xA0\x80", false},      // surrogate U+D800
      {"\xF4\x90\x80\x80", false},  // above U+10FFFF
      {"\xF5\x80\x80\x80", false},  // invalid lead byte
      {"\xE2\x82", false},          // truncated
      {"\x80", false},              // lone continuation byte
  };
  for (const auto& s : samples) {
    // Long ASCII prefix so the word-at-a-time path runs before the sequence.
    const std::string text = "{\"resourceType\":\"Patient\",\"text\":\"abcdefghijklmnop" + s.bytes + "\"}";
    rapidjson::Document d;
    auto error = parse_json(text, d);
    EXPECT_EQ(!error.has_value(), s.valid) << text;
    if (error) {
      EXPECT_EQ(error->message, "invalid UTF-8 in a JSON string");
      EXPECT_EQ(error->offset, text.find(s.bytes)) << text;
    }
    std::string buffer = text;
    rapidjson::Document in_place;
    EXPECT_EQ(!parse_json_in_place(buffer, in_place).has_value(), s.valid) << text;
  }
}

}  // namespace
}  // namespace homebase::fhir
