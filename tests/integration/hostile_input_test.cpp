// Hostile input against the running binary: real messages truncated, with bytes flipped, and with
// structure swapped, deterministic (fixed seed) and bounded (a few hundred requests). Every answer must
// be a FHIR response (a message Bundle or an OperationOutcome) with a status the API documents, and the
// gateway must stay up and keep its data.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

const std::string pm = "/fhir/$process-message";

std::vector<std::string> originals() {
  return {seed_text(),
          read_file(test_data("fixtures/davinci-alerts/discharge-notification-message-bundle-01.json")),
          read_file(test_data("fixtures/davinci-alerts/connectathon-discharge_notify-2.json")),
          read_file(test_data("fixtures/davinci-alerts/admit-notification-message-bundle-01.json"))};
}

std::string mutate(const std::string& text, std::mt19937& rng) {
  std::uniform_int_distribution<std::size_t> at(0, text.size() - 1);
  std::string out = text;
  switch (rng() % 6) {
    case 0:  // truncated
      out.resize(at(rng));
      break;
    case 1:  // a few bytes flipped, possibly into invalid UTF-8 or control characters
      for (int i = 0; i < 4; ++i) out[at(rng)] = static_cast<char>(rng() & 0xFF);
      break;
    case 2:  // a structural character swapped
      for (auto& c : out)
        if ((c == '{' || c == '[') && rng() % 40 == 0) c = (c == '{' ? '[' : '{');
      break;
    case 3: {  // a chunk duplicated in place (duplicate keys, repeated entries)
      auto from = at(rng);
      auto len = std::min<std::size_t>(out.size() - from, 1 + rng() % 400);
      out.insert(from, out.substr(from, len));
      break;
    }
    case 4: {  // a chunk removed
      auto from = at(rng);
      out.erase(from, std::min<std::size_t>(out.size() - from, 1 + rng() % 400));
      break;
    }
    default:  // strings replaced by numbers, nulls and empty objects
      for (std::size_t p = out.find("\":\""); p != std::string::npos; p = out.find("\":\"", p + 3))
        if (rng() % 8 == 0) out.replace(p + 2, 0, rng() % 2 ? "null,\"x\":" : "{},\"y\":");
      break;
  }
  return out;
}

TEST(hostile_input, mangled_messages_get_documented_answers_and_the_gateway_stays_up) {
  temp_dir dir;
  medical_home_server home;
  gateway_process gw;
  std::string error;
  ASSERT_TRUE(home.start(dir, {}, error)) << error;
  ASSERT_TRUE(gw.start(dir,
                       {.medical_home_base = home.base(),
                        .extra_partner_endpoints = {"https://example.org/Endpoints/P456",
                                                    "https://example.org/Endpoints/Hospital"}},
                       error))
      << error;
  // One good message first: it must survive everything that follows.
  auto good = dir.path() / "good.json";
  write_file(good, seed_text());
  ASSERT_EQ(http_call("POST", gw.url(pm), good).status, 200);

  const std::set<int> documented{200, 400, 403, 413, 415, 422, 503};
  std::mt19937 rng(20261123);
  auto inputs = originals();
  auto file = dir.path() / "mangled.json";
  int answered = 0;
  std::set<int> seen;
  for (int i = 0; i < 240; ++i) {
    write_file(file, mutate(inputs[static_cast<std::size_t>(i) % inputs.size()], rng));
    auto reply = http_call("POST", gw.url(pm), file);
    SCOPED_TRACE("mutation " + std::to_string(i));
    ASSERT_TRUE(documented.contains(reply.status)) << reply.status << " " << reply.body.substr(0, 400);
    bool fhir = reply.body.find(R"("resourceType":"OperationOutcome")") != std::string::npos ||
                reply.body.find(R"("resourceType":"Bundle")") != std::string::npos;
    EXPECT_TRUE(fhir) << reply.body.substr(0, 400);
    ++answered;
    seen.insert(reply.status);
  }
  EXPECT_EQ(answered, 240);
  // The mutations reach several layers: JSON (400), message rules (422), and whole messages (200).
  EXPECT_TRUE(seen.contains(400));
  EXPECT_TRUE(seen.contains(422));
  EXPECT_TRUE(seen.contains(200));
  EXPECT_EQ(http_call("GET", gw.url("/readyz")).status, 200);
  // The acknowledged message is still there and still answers as before.
  EXPECT_EQ(http_call("POST", gw.url(pm), good).status, 200);
  auto first = http_call("GET", gw.url("/admin/messages/1"));
  EXPECT_NE(first.body.find("d22fb1b9-e92c-5387-a88c-62b262a6f465"), std::string::npos) << first.body;
}

}  // namespace
}  // namespace homebase::testing
