// Outbound credentials through the real binary (issue 9 item 4): Homebase reaches a medical home that
// demands SMART Backend Services tokens. The home (tests/tools/medical-home-server.mjs --require-token) is
// a token service built on npm jose, not on the code under test: it verifies Homebase's client assertion
// against the JWK Set that `homebase jwks` printed for a key made by `openssl genpkey`, and issues its own
// tokens. Also: short-lived tokens, a token the home revoked (401, then a new token), an assertion the home
// refuses (the message keeps retrying, the error in its attempts), ES384, a static bearer token, and a key
// that cannot be used (the gateway refuses to start).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <sstream>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

namespace fs = std::filesystem;
const std::string process_message = "/fhir/$process-message";

// A private key made by OpenSSL's command line tool: "rsa" (2048 bits) or "ec" (P-384).
fs::path make_key(const temp_dir& dir, const std::string& name, const std::string& kind) {
  auto path = dir.path() / (name + ".pem");
  std::vector<std::string> argv{"openssl", "genpkey", "-out", path.string()};
  if (kind == "rsa") {
    argv.insert(argv.end(), {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"});
  } else {
    argv.insert(argv.end(), {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"});
  }
  std::string output;
  EXPECT_EQ(run(argv, output), 0) << output;
  return path;
}

// `homebase jwks`: the public JWK Set an operator registers at the practice.
fs::path make_jwks(const temp_dir& dir, const fs::path& key, const std::string& kid,
                   const std::string& name) {
  std::string output;
  EXPECT_EQ(run({homebase_binary(), "jwks", "--key", key.string(), "--kid", kid}, output), 0) << output;
  auto path = dir.path() / (name + ".jwks.json");
  write_file(path, output);
  return path;
}

std::string smart_auth(const medical_home_server& home, const fs::path& key, const std::string& kid,
                       const std::string& alg) {
  return "    auth:\n      smart:\n        token_url: " + home.token_url() +
         "\n        client_id: homebase\n        private_key_file: " + key.string() +
         "\n        key_id: " + kid + "\n        algorithm: " + alg + "\n        scope: system/*.write\n";
}

struct delivery_view {
  std::string status = "?";
  int attempts = 0;
  std::string errors;  // every attempt's error, one per line
};

delivery_view view(const gateway_process& gw, int id) {
  delivery_view v;
  auto reply = http_call("GET", gw.url("/admin/messages/" + std::to_string(id)));
  rapidjson::Document doc;
  doc.Parse(reply.body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("status")) return v;
  v.status = doc["status"].GetString();
  if (doc.HasMember("deliveries") && doc["deliveries"].IsArray() && !doc["deliveries"].Empty()) {
    const auto& d = doc["deliveries"][0];
    v.attempts = d["attempts"].GetInt();
    for (const auto& a : d["history"].GetArray())
      if (a.HasMember("error")) v.errors += std::string(a["error"].GetString()) + "\n";
  }
  return v;
}

struct log_entry {
  std::string method, path, client, token_client, token_alg, token_kid, token_error;
  int status = 0;
};

std::vector<log_entry> home_log(const medical_home_server& home) {
  std::vector<log_entry> out;
  std::istringstream lines(read_file(home.log));
  std::string line;
  while (std::getline(lines, line)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.IsObject()) continue;
    log_entry e;
    auto text = [](const rapidjson::Value& v, const char* key) {
      return v.HasMember(key) && v[key].IsString() ? std::string(v[key].GetString()) : std::string();
    };
    e.method = text(doc, "method");
    e.path = text(doc, "path");
    e.status = doc.HasMember("status") ? doc["status"].GetInt() : 0;
    e.client = text(doc, "client");
    if (doc.HasMember("token") && doc["token"].IsObject()) {
      e.token_client = text(doc["token"], "client_id");
      e.token_alg = text(doc["token"], "alg");
      e.token_kid = text(doc["token"], "kid");
      e.token_error = text(doc["token"], "error");
    }
    out.push_back(e);
  }
  return out;
}

bool is_token_request(const log_entry& e) {
  return e.method == "POST" && e.path == "/auth/token";
}
bool is_transaction(const log_entry& e) {
  return e.method == "POST" && e.path == "/fhir";
}

int count_if(const std::vector<log_entry>& log, auto predicate) {
  return static_cast<int>(std::count_if(log.begin(), log.end(), predicate));
}

fs::path message_file(const temp_dir& dir, int n) {
  auto path = dir.path() / ("message-" + std::to_string(n) + ".json");
  if (n == 1) {
    write_file(path, seed_text());
  } else {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%012d", n);
    write_file(path, make_variant(seed_text(), {.bundle_id = std::string("b0b0b0b0-0000-4000-8000-") + suffix,
                                                .header_id = std::string("c0c0c0c0-0000-4000-8000-") + suffix,
                                                .mrn = "CRED-" + std::to_string(n)}));
  }
  return path;
}

// Nothing secret left the gateway's process in its log or its admin answers: no JWT (they all start
// with the base64url of '{"', "eyJ").
void expect_no_jwt(const gateway_process& gw, int message_id) {
  EXPECT_EQ(read_file(gw.log).find("eyJ"), std::string::npos) << read_file(gw.log);
  auto admin = http_call("GET", gw.url("/admin/messages/" + std::to_string(message_id)));
  EXPECT_EQ(admin.body.find("eyJ"), std::string::npos) << admin.body;
}

class outbound_credentials : public ::testing::Test {
 protected:
  // Starts the home (tokens required, Homebase's JWKS registered) and the gateway with smart auth.
  void start(const std::string& kind, const std::string& alg, int token_lifetime = 0,
             bool register_other_key = false, std::string delivery_extra = {}) {
    key_ = make_key(dir_, "homebase", kind);
    auto registered = register_other_key ? make_key(dir_, "someone-else", kind) : key_;
    auto jwks = make_jwks(dir_, registered, "homebase-1", "registered");
    std::string error;
    ASSERT_TRUE(home_.start(
        dir_, {.require_token = true, .client_jwks = jwks.string(), .token_lifetime = token_lifetime}, error))
        << error;
    ASSERT_TRUE(gw_.start(dir_,
                          {.medical_home_base = home_.base(),
                           .max_attempts = 8,
                           .delivery_extra = std::move(delivery_extra),
                           .medical_home_auth = smart_auth(home_, key_, "homebase-1", alg)},
                          error))
        << error;
  }
  temp_dir dir_;
  medical_home_server home_;
  gateway_process gw_;
  fs::path key_;
};

TEST_F(outbound_credentials, seed_story_is_delivered_with_a_token_rs384) {
  start("rsa", "RS384");
  ASSERT_EQ(http_call("POST", gw_.url(process_message), message_file(dir_, 1)).status, 200);
  ASSERT_TRUE(eventually([&] { return view(gw_, 1).status == "sent"; })) << view(gw_, 1).status;
  auto log = home_log(home_);
  // One token (it lives 300 s and is cached), granted to our assertion, then the transaction with it.
  EXPECT_EQ(count_if(log, [](const log_entry& e) { return is_token_request(e) && e.status == 200; }), 1);
  ASSERT_FALSE(log.empty());
  EXPECT_TRUE(is_token_request(log.front()));
  EXPECT_EQ(log.front().token_client, "homebase");
  EXPECT_EQ(log.front().token_alg, "RS384");
  EXPECT_EQ(log.front().token_kid, "homebase-1");
  EXPECT_EQ(count_if(log,
                     [](const log_entry& e) {
                       return is_transaction(e) && e.status == 200 && e.client == "homebase";
                     }),
            1);
  EXPECT_EQ(count_if(log, [](const log_entry& e) { return e.status == 401; }), 0);
  EXPECT_EQ(home_.transaction_posts(), 1);
  // A second child reuses the cached token.
  ASSERT_EQ(http_call("POST", gw_.url(process_message), message_file(dir_, 2)).status, 200);
  ASSERT_TRUE(eventually([&] { return view(gw_, 2).status == "sent"; })) << view(gw_, 2).status;
  EXPECT_EQ(count_if(home_log(home_), is_token_request), 1);
  expect_no_jwt(gw_, 1);
}

TEST_F(outbound_credentials, es384_assertion_is_accepted) {
  start("ec", "ES384");
  ASSERT_EQ(http_call("POST", gw_.url(process_message), message_file(dir_, 1)).status, 200);
  ASSERT_TRUE(eventually([&] { return view(gw_, 1).status == "sent"; })) << view(gw_, 1).status;
  auto log = home_log(home_);
  ASSERT_FALSE(log.empty());
  EXPECT_TRUE(is_token_request(log.front()));
  EXPECT_EQ(log.front().status, 200);
  EXPECT_EQ(log.front().token_alg, "ES384");
  EXPECT_EQ(count_if(log,
                     [](const log_entry& e) {
                       return is_transaction(e) && e.status == 200 && e.client == "homebase";
                     }),
            1);
}

TEST_F(outbound_credentials, short_lived_tokens_still_deliver_every_message) {
  // One delivery at a time: with a wider window, deliveries in flight together may share one fresh token.
  start("rsa", "RS384", /*token_lifetime=*/1, /*register_other_key=*/false, "  window: 1\n");
  for (int n = 1; n <= 3; ++n)
    ASSERT_EQ(http_call("POST", gw_.url(process_message), message_file(dir_, n)).status, 200);
  for (int n = 1; n <= 3; ++n)
    ASSERT_TRUE(eventually([&] { return view(gw_, n).status == "sent"; }))
        << n << ": " << view(gw_, n).status;
  auto log = home_log(home_);
  EXPECT_EQ(count_if(log,
                     [](const log_entry& e) {
                       return is_transaction(e) && e.status == 200 && e.client == "homebase";
                     }),
            3);
  // A token that lives 1 s is not kept: each delivery got a fresh one.
  EXPECT_GE(count_if(log, [](const log_entry& e) { return is_token_request(e) && e.status == 200; }), 3);
}

TEST_F(outbound_credentials, a_revoked_token_is_replaced_after_the_401) {
  start("ec", "ES384");
  ASSERT_EQ(http_call("POST", gw_.url(process_message), message_file(dir_, 1)).status, 200);
  ASSERT_TRUE(eventually([&] { return view(gw_, 1).status == "sent"; })) << view(gw_, 1).status;
  ASSERT_TRUE(home_.revoke_tokens());  // the cached token (valid for minutes) is now refused
  ASSERT_EQ(http_call("POST", gw_.url(process_message), message_file(dir_, 2)).status, 200);
  ASSERT_TRUE(eventually([&] { return view(gw_, 2).status == "sent"; })) << view(gw_, 2).status;
  EXPECT_EQ(view(gw_, 2).attempts, 1);  // the new token was fetched and used within the same attempt
  auto log = home_log(home_);
  EXPECT_EQ(count_if(log, [](const log_entry& e) { return is_token_request(e) && e.status == 200; }), 2);
  // In order: the refused transaction, the new token, the transaction with it.
  std::vector<std::string> after_revoke;
  bool revoked = false;
  for (const auto& e : log) {
    if (e.path == "/__revoke-tokens")
      revoked = true;
    else if (revoked)
      after_revoke.push_back(e.method + " " + e.path + " " + std::to_string(e.status));
  }
  EXPECT_EQ(after_revoke,
            (std::vector<std::string>{"POST /fhir 401", "POST /auth/token 200", "POST /fhir 200"}));
}

TEST_F(outbound_credentials, a_refused_assertion_leaves_the_message_retrying_with_the_error) {
  start("rsa", "RS384", 0, /*register_other_key=*/true);  // the home knows another key as homebase-1
  ASSERT_EQ(http_call("POST", gw_.url(process_message), message_file(dir_, 1)).status, 200);
  ASSERT_TRUE(eventually([&] { return view(gw_, 1).attempts >= 2; })) << view(gw_, 1).attempts;
  auto v = view(gw_, 1);
  EXPECT_EQ(v.status, "retrying");
  EXPECT_NE(v.errors.find("token request to " + home_.token_url() + ": HTTP 401 invalid_client"),
            std::string::npos)
      << v.errors;
  // Nothing reached the FHIR endpoint without a token.
  EXPECT_EQ(home_.transaction_posts(), 0);
  auto log = home_log(home_);
  EXPECT_EQ(count_if(log, [](const log_entry& e) { return e.path.starts_with("/fhir"); }), 0);
  EXPECT_GE(
      count_if(log,
               [](const log_entry& e) { return is_token_request(e) && e.token_error == "invalid_client"; }),
      2);
  expect_no_jwt(gw_, 1);
}

TEST_F(outbound_credentials, a_static_bearer_token_is_sent_as_is) {
  // The token comes from the home's own token service, asked by npm jose (not by Homebase).
  auto key = make_key(dir_, "tester", "ec");
  auto jwks = make_jwks(dir_, key, "tester-1", "tester");
  std::string error;
  ASSERT_TRUE(home_.start(dir_, {.require_token = true, .client_jwks = jwks.string()}, error)) << error;
  auto tools = test_data("tools").string();
  auto script = "import * as jose from '" + tools +
                "/node_modules/jose/dist/webapi/index.js';\n"
                "import { readFileSync } from 'node:fs';\n"
                "import { createPrivateKey, randomUUID } from 'node:crypto';\n"
                "const key = createPrivateKey(readFileSync('" +
                key.string() +
                "'));\n"
                "const url = '" +
                home_.token_url() +
                "';\n"
                "const assertion = await new jose.SignJWT({}).setProtectedHeader({ alg: 'ES384', kid: "
                "'tester-1', typ: 'JWT' })\n"
                "  "
                ".setIssuer('tester').setSubject('tester').setAudience(url).setExpirationTime('2m').setJti("
                "randomUUID()).sign(key);\n"
                "const res = await fetch(url, { method: 'POST', body: new URLSearchParams({ grant_type: "
                "'client_credentials',\n"
                "  scope: 'system/*.write', client_assertion_type: "
                "'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',\n"
                "  client_assertion: assertion }) });\n"
                "process.stdout.write((await res.json()).access_token ?? '');\n";
  auto script_file = dir_.path() / "get-token.mjs";
  write_file(script_file, script);
  std::string token;
  ASSERT_EQ(run({node_binary(), script_file.string()}, token), 0) << token;
  ASSERT_FALSE(token.empty());
  ASSERT_TRUE(gw_.start(dir_,
                        {.medical_home_base = home_.base(),
                         .medical_home_auth = "    auth:\n      bearer_token: " + token + "\n"},
                        error))
      << error;
  ASSERT_EQ(http_call("POST", gw_.url(process_message), message_file(dir_, 1)).status, 200);
  ASSERT_TRUE(eventually([&] { return view(gw_, 1).status == "sent"; })) << view(gw_, 1).status;
  auto log = home_log(home_);
  EXPECT_EQ(count_if(log,
                     [](const log_entry& e) {
                       return is_transaction(e) && e.status == 200 && e.client == "tester";
                     }),
            1);
  EXPECT_EQ(count_if(log, is_token_request), 1);  // only the test's own
}

TEST_F(outbound_credentials, an_unusable_key_stops_the_gateway_at_start_up) {
  auto junk = dir_.path() / "junk.pem";
  write_file(junk, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
  std::string error;
  ASSERT_TRUE(home_.start(dir_, {}, error)) << error;
  auto auth = "    auth:\n      smart:\n        token_url: " + home_.token_url() +
              "\n        client_id: homebase\n        private_key_file: " + junk.string() +
              "\n        key_id: k1\n";
  EXPECT_FALSE(gw_.start(dir_, {.medical_home_base = home_.base(), .medical_home_auth = auth}, error));
  auto log = read_file(gw_.log);
  EXPECT_NE(log.find("configuration error"), std::string::npos) << log;
  EXPECT_NE(log.find("medical_homes[meadowbrook].auth.smart"), std::string::npos) << log;
  // --check-config finds it too, before anything is started.
  std::string output;
  EXPECT_EQ(run({homebase_binary(), "--check-config", gw_.config.string()}, output), 1) << output;
  EXPECT_NE(output.find("medical_homes[meadowbrook].auth.smart"), std::string::npos) << output;
}

// A test PKI made with the openssl command line tool: a CA, the home's server certificate for 127.0.0.1,
// and a client certificate for Homebase (CN homebase).
struct test_pki {
  fs::path ca, ca_key, server, server_key, client, client_key;
};

bool make_pki(const temp_dir& dir, test_pki& pki) {
  auto p = [&](const std::string& name) { return dir.path() / name; };
  pki = {p("ca.pem"), p("ca.key"), p("server.pem"), p("server.key"), p("client.pem"), p("client.key")};
  write_file(p("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  write_file(p("client.ext"), "extendedKeyUsage=clientAuth\n");
  std::string out;
  auto ok = [&](std::vector<std::string> argv) {
    if (run(argv, out) == 0) return true;
    ADD_FAILURE() << out;
    return false;
  };
  const std::vector<std::string> ec_key{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"};
  auto req = [&](const fs::path& key, const fs::path& csr, const std::string& cn) {
    std::vector<std::string> argv{"openssl", "req"};
    argv.insert(argv.end(), ec_key.begin(), ec_key.end());
    argv.insert(argv.end(), {"-keyout", key.string(), "-out", csr.string(), "-subj", "/CN=" + cn});
    return ok(argv);
  };
  auto sign = [&](const fs::path& csr, const fs::path& cert, const fs::path& ext) {
    return ok({"openssl", "x509", "-req", "-in", csr.string(), "-CA", pki.ca.string(), "-CAkey",
               pki.ca_key.string(), "-CAcreateserial", "-out", cert.string(), "-days", "2", "-extfile",
               ext.string()});
  };
  std::vector<std::string> ca{"openssl", "req", "-x509"};
  ca.insert(ca.end(), ec_key.begin(), ec_key.end());
  ca.insert(ca.end(),
            {"-keyout", pki.ca_key.string(), "-out", pki.ca.string(), "-days", "2", "-subj", "/CN=test-ca"});
  return ok(ca) && req(pki.server_key, p("server.csr"), "127.0.0.1") &&
         sign(p("server.csr"), pki.server, p("server.ext")) &&
         req(pki.client_key, p("client.csr"), "homebase") &&
         sign(p("client.csr"), pki.client, p("client.ext"));
}

TEST_F(outbound_credentials, a_tls_client_certificate_opens_an_https_home_that_demands_one) {
  test_pki pki;
  ASSERT_TRUE(make_pki(dir_, pki));
  std::string error;
  ASSERT_TRUE(home_.start(
      dir_,
      {.tls_cert = pki.server.string(), .tls_key = pki.server_key.string(), .client_ca = pki.ca.string()},
      error))
      << error;
  ASSERT_EQ(home_.base().substr(0, 8), "https://");
  ASSERT_TRUE(gw_.start(
      dir_,
      {.medical_home_base = home_.base(),
       .medical_home_auth =
           "    auth:\n      client_certificate:\n        certificate_file: " + pki.client.string() +
           "\n        private_key_file: " + pki.client_key.string() + "\n",
       .delivery_ca_file = pki.ca.string()},
      error))
      << error;
  ASSERT_EQ(http_call("POST", gw_.url(process_message), message_file(dir_, 1)).status, 200);
  ASSERT_TRUE(eventually([&] { return view(gw_, 1).status == "sent"; })) << view(gw_, 1).errors;
  auto log = read_file(home_.log);
  EXPECT_NE(log.find(R"("client_cert":"homebase")"), std::string::npos) << log.substr(0, 500);
}

TEST_F(outbound_credentials, without_its_client_certificate_the_https_home_is_not_reached) {
  test_pki pki;
  ASSERT_TRUE(make_pki(dir_, pki));
  std::string error;
  ASSERT_TRUE(home_.start(
      dir_,
      {.tls_cert = pki.server.string(), .tls_key = pki.server_key.string(), .client_ca = pki.ca.string()},
      error))
      << error;
  ASSERT_TRUE(
      gw_.start(dir_, {.medical_home_base = home_.base(), .delivery_ca_file = pki.ca.string()}, error))
      << error;
  ASSERT_EQ(http_call("POST", gw_.url(process_message), message_file(dir_, 1)).status, 200);
  ASSERT_TRUE(eventually([&] { return view(gw_, 1).attempts >= 1; }));
  auto v = view(gw_, 1);
  // Retrying, or already dead after the few fast attempts of the test config on a loaded machine: never sent.
  EXPECT_TRUE(v.status == "retrying" || v.status == "dead") << v.status;
  EXPECT_FALSE(v.errors.empty());
  EXPECT_EQ(read_file(home_.log), "");  // no request got through
}

TEST(jwks_command, prints_a_public_jwks_and_refuses_bad_use) {
  temp_dir dir;
  auto key = make_key(dir, "k", "ec");
  std::string output;
  ASSERT_EQ(run({homebase_binary(), "jwks", "--key", key.string(), "--kid", "k-1"}, output), 0) << output;
  rapidjson::Document jwks;
  jwks.Parse(output.c_str());
  ASSERT_TRUE(jwks.IsObject() && jwks.HasMember("keys")) << output;
  EXPECT_EQ(std::string(jwks["keys"][0]["kty"].GetString()), "EC");
  EXPECT_EQ(std::string(jwks["keys"][0]["kid"].GetString()), "k-1");
  EXPECT_FALSE(jwks["keys"][0].HasMember("d"));
  EXPECT_EQ(run({homebase_binary(), "jwks", "--key", key.string()}, output), 2);  // no --kid
  EXPECT_EQ(run({homebase_binary(), "jwks", "--key", key.string(), "--kid", "k", "--alg", "RS384"}, output),
            2);
  EXPECT_EQ(
      run({homebase_binary(), "jwks", "--key", (dir.path() / "none.pem").string(), "--kid", "k"}, output), 2);
}

}  // namespace
}  // namespace homebase::testing
