#include "gateway/cli/hash_password_command.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "gateway/console/password_hash.hpp"

namespace cli = homebase::gateway::cli;

TEST(hash_password_command, prints_a_hash_of_the_first_line_of_stdin) {
  std::istringstream in("s3cret pass\r\nignored\n");
  std::ostringstream out, err;
  std::vector<std::string> args{"--cost", "10"};
  ASSERT_EQ(cli::run_hash_password_command(args, in, out, err), 0) << err.str();
  auto hash = out.str();
  ASSERT_TRUE(hash.ends_with("\n"));
  hash.pop_back();
  EXPECT_TRUE(hash.starts_with("$scrypt$ln=10,r=8,p=3$")) << hash;
  EXPECT_TRUE(homebase::gateway::console::verify_password("s3cret pass", hash));
  EXPECT_EQ(hash.find("s3cret"), std::string::npos);
}

TEST(hash_password_command, refuses_an_empty_password_and_bad_arguments) {
  std::ostringstream out, err;
  std::istringstream empty("");
  EXPECT_EQ(cli::run_hash_password_command({}, empty, out, err), 2);
  EXPECT_NE(err.str().find("no password"), std::string::npos);
  std::istringstream in("pw\n");
  std::vector<std::string> bad{"--cost", "40"};
  EXPECT_EQ(cli::run_hash_password_command(bad, in, out, err), 2);
  std::vector<std::string> password_as_argument{"hunter2"};
  EXPECT_EQ(cli::run_hash_password_command(password_as_argument, in, out, err), 2);
  EXPECT_TRUE(out.str().empty());
}
