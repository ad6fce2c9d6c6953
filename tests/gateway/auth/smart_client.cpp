#include "smart_client.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <memory>

#include "tests/integration/gateway_harness.hpp"

namespace homebase::gateway::auth::testing {
namespace {

namespace hb = homebase::testing;

std::string tool() {
  return hb::test_data("tools/smart-client.mjs").string();
}

hb::temp_dir& key_dir() {
  static hb::temp_dir dir;
  return dir;
}

client_key make_key(const std::string& alg, const std::string& kid) {
  client_key k{alg, kid, key_dir().path() / (kid + ".pem"), key_dir().path() / (kid + ".jwks.json"), {}};
  std::string out;
  int rc = hb::run({hb::node_binary(), tool(), "keygen", "--alg", alg, "--kid", kid, "--private",
                    k.private_pem.string(), "--jwks", k.jwks_file.string()},
                   out);
  EXPECT_EQ(rc, 0) << out;
  k.jwks_json = hb::read_file(k.jwks_file);
  return k;
}

}  // namespace

const client_key& rs384_key() {
  static const client_key key = make_key("RS384", "rs-1");
  return key;
}

const client_key& es384_key() {
  static const client_key key = make_key("ES384", "es-1");
  return key;
}

std::string mint(const client_key& key, const std::vector<std::string>& args) {
  std::vector<std::string> argv{hb::node_binary(), tool(),  "assertion", "--key", key.private_pem.string(),
                                "--alg",           key.alg, "--kid",     key.kid};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  int rc = hb::run(argv, out);
  EXPECT_EQ(rc, 0) << out;
  if (rc != 0) return {};
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  auto newline = out.rfind('\n');
  return newline == std::string::npos ? out : out.substr(newline + 1);
}

std::string combined_jwks(const client_key& a, const client_key& b) {
  rapidjson::Document da, db;
  da.Parse(a.jwks_json.c_str());
  db.Parse(b.jwks_json.c_str());
  for (auto& k : db["keys"].GetArray())
    da["keys"].PushBack(rapidjson::Value(k, da.GetAllocator()), da.GetAllocator());
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  da.Accept(w);
  return buffer.GetString();
}

}  // namespace homebase::gateway::auth::testing
