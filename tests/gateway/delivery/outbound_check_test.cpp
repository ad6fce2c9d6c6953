#include "gateway/delivery/outbound_check.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace homebase::gateway::delivery {
namespace {

std::string read(const std::string& relative) {
  std::ifstream in(std::string(HOMEBASE_TEST_DATA_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(outbound_check, the_seed_storys_transaction_is_valid_r4) {
  // What the medical home receives for the seed story (the golden file of the outbound mapper).
  const std::string bundle = read("mappers/golden/anjali-transaction.json");
  ASSERT_FALSE(bundle.empty());
  const auto problems = outbound_problems(bundle);
  EXPECT_FALSE(problems.has_value()) << *problems;
}

TEST(outbound_check, names_what_is_wrong) {
  const auto problems = outbound_problems(
      R"({"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:c757873d-ec9a-4326-a141-556f43239520",
      "resource":{"resourceType":"Patient","gender":"girl"},"request":{"method":"PUT","url":"Patient?identifier=x|1"}}]})");
  ASSERT_TRUE(problems.has_value());
  EXPECT_NE(problems->find("Bundle.entry[0].resource.gender"), std::string::npos) << *problems;
  EXPECT_TRUE(outbound_problems("{").has_value());
}

}  // namespace
}  // namespace homebase::gateway::delivery
