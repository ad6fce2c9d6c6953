#include "fhir/validation/primitive_format.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "fhir/definitions/type_registry.hpp"

namespace homebase::fhir {
namespace {

struct sample_set {
  std::string type;
  std::vector<std::string> values;
};

// Values on both sides of each official regex: the hand-written checks must agree with std::regex
// running R4's own expression (from profiles-types.json, through the generated model).
const std::vector<sample_set>& samples() {
  static const std::vector<sample_set> all = {
      {"id", {"a", "A-1.b", std::string(64, 'x'), std::string(65, 'x'), "", "a b", "a_b", "é"}},
      {"date",
       {"2024", "2024-02", "2024-02-29", "0000", "0001", "2024-13", "2024-00", "2024-1-01", "24",
        "2024-02-29T10:00:00Z", "2024-02-32"}},
      {"dateTime",
       {"2024", "2024-02", "2024-02-03", "2024-02-03T10:00:00Z", "2024-02-03T10:00:00.123+05:30",
        "2024-02-03T10:00Z", "2024-02-03T10:00:00", "2024-02-03T24:00:00Z", "2024-02-03T23:59:60-14:00",
        "2024-02-03T10:00:00+14:30", "2024-02T10:00:00Z", "2024-02-03T10:00:00.Z"}},
      {"instant",
       {"2024-02-03T10:00:00Z", "2024-02-03T10:00:00.5-03:00", "2024-02-03", "2024-02-03T10:00:00",
        "2024-02-03T10:00Z"}},
      {"time", {"10:00:00", "23:59:60.999", "24:00:00", "10:00", "10:00:00Z", "1:00:00"}},
      {"code", {"a", "a b", "a  b", " a", "a ", "", "a\tb", "a\t\tb"}},
      {"uri", {"http://x", "urn:uuid:1", "a b", "x\ty"}},
      {"oid",
       {"urn:oid:1.2.3", "urn:oid:2.16.840", "urn:oid:3.1", "urn:oid:1", "urn:oid:1.02", "urn:oid:1.0",
        "oid:1.2"}},
      {"uuid",
       {"urn:uuid:c757873d-ec9a-4326-a141-556f43239520", "urn:uuid:C757873D-EC9A-4326-A141-556F43239520",
        "urn:uuid:c757873d-ec9a-4326-a141-556f4323952", "c757873d-ec9a-4326-a141-556f43239520"}},
      {"base64Binary", {"AAAA", "AAAA BBBB", " AAAA ", "AA==", "AAA", "AA AA", "AA*A", "A+/="}},
      {"string", {"x", " ", "a\nb", "", "a\vb", "a\fb", "\xC2\xA0"}},
      {"markdown", {"# x", "", "\f"}},
      {"decimal", {"0", "-0", "1.50", "1e10", "-1.5E-3", "01", "1.", ".5", "+1", "1e"}},
      {"integer", {"0", "-0", "42", "-7", "007", "1.0", "+1"}},
      {"positiveInt", {"1", "42", "0", "-1", "01"}},
      {"unsignedInt", {"0", "42", "-1", "00"}},
  };
  return all;
}

// Values the regexes accept but R4's prose forbids (checked beyond the regex).
bool beyond_regex(const std::string& type, const std::string& value) {
  return (type == "date" || type == "dateTime") && (value == "2024-02-31" || value == "2023-02-29");
}

TEST(PrimitiveFormat, AgreesWithTheOfficialRegexes) {
  const auto& reg = definitions::type_registry::r4();
  for (const auto& set : samples()) {
    const auto* type = reg.find_type(set.type);
    ASSERT_NE(type, nullptr) << set.type;
    ASSERT_FALSE(type->regex.empty()) << set.type;
    const std::regex official("^(?:" + type->regex + ")$", std::regex::ECMAScript);
    for (const auto& value : set.values) {
      if (beyond_regex(set.type, value)) continue;
      EXPECT_EQ(valid_primitive_text(set.type, value), std::regex_match(value, official))
          << set.type << " '" << value << "' (regex " << type->regex << ")";
    }
  }
}

TEST(PrimitiveFormat, Base64PaddingOnlyEndsTheLastGroup) {
  EXPECT_TRUE(valid_primitive_text("base64Binary", "AB=="));
  EXPECT_TRUE(valid_primitive_text("base64Binary", "ABC="));
  EXPECT_TRUE(valid_primitive_text("base64Binary", "ABCD AB== "));
  EXPECT_FALSE(valid_primitive_text("base64Binary", "AB=C"));
  EXPECT_FALSE(valid_primitive_text("base64Binary", "===="));
  EXPECT_FALSE(valid_primitive_text("base64Binary", "AB== ABCD"));
}

TEST(PrimitiveFormat, DatesMustExist) {
  EXPECT_TRUE(valid_primitive_text("date", "2024-02-29"));
  EXPECT_FALSE(valid_primitive_text("date", "2023-02-29"));
  EXPECT_FALSE(valid_primitive_text("date", "2024-04-31"));
  EXPECT_FALSE(valid_primitive_text("dateTime", "2024-02-30T10:00:00Z"));
  EXPECT_TRUE(valid_primitive_text("date", "2000-02-29"));
  EXPECT_FALSE(valid_primitive_text("date", "1900-02-29"));
}

TEST(PrimitiveFormat, NumbersFollowJsonKindAndRange) {
  rapidjson::Document d;
  d.Parse(R"([1, 2147483647, 2147483648, -2147483648, 1.5, 0, -1, true, "1"])");
  ASSERT_FALSE(d.HasParseError());
  EXPECT_TRUE(valid_primitive("integer", d[0]));
  EXPECT_TRUE(valid_primitive("integer", d[1]));
  EXPECT_FALSE(valid_primitive("integer", d[2])) << "R4 integers are 32-bit";
  EXPECT_TRUE(valid_primitive("integer", d[3]));
  EXPECT_FALSE(valid_primitive("integer", d[4]));
  EXPECT_TRUE(valid_primitive("decimal", d[4]));
  EXPECT_FALSE(valid_primitive("positiveInt", d[5]));
  EXPECT_TRUE(valid_primitive("unsignedInt", d[5]));
  EXPECT_FALSE(valid_primitive("unsignedInt", d[6]));
  EXPECT_TRUE(valid_primitive("boolean", d[7]));
  EXPECT_FALSE(valid_primitive("integer", d[8])) << "a number in a JSON string is not a number";
  EXPECT_FALSE(valid_primitive("string", d[0]));
  EXPECT_EQ(json_kind_of("decimal"), json_kind::number);
  EXPECT_EQ(json_kind_of("uri"), json_kind::string);
}

}  // namespace
}  // namespace homebase::fhir
