// Delivery speed and patience (issue 10): several children's Bundles in flight per medical home while
// each child's go one after the other; a home that is down for a while gets everything once it is back,
// with nothing dead-lettered; Retry-After on 429 and 503, in both of its forms.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <map>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

const std::string pm = "/fhir/$process-message";

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

// "2026-12-06T12:42:12.123Z" -> unix ms.
std::int64_t unix_ms(const std::string& iso) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

struct attempt {
  int http_status = 0;
  std::int64_t at_ms = 0;
};
struct message_view {
  std::string status;
  std::vector<attempt> history;
};

message_view view(const gateway_process& gw, int id) {
  message_view v;
  auto doc = parse(http_call("GET", gw.url("/admin/messages/" + std::to_string(id))).body);
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("status")) return v;
  v.status = doc["status"].GetString();
  for (const auto& d : doc["deliveries"].GetArray())
    for (const auto& a : d["history"].GetArray())
      v.history.push_back({a["http_status"].GetInt(), unix_ms(a["at"].GetString())});
  return v;
}

// A message about child `mrn` with its own envelope ids.
std::filesystem::path child_message(const temp_dir& dir, const std::string& mrn, int n) {
  char ids[2][64];
  std::snprintf(ids[0], sizeof ids[0], "b%07d-0000-4000-8000-000000000001", n);
  std::snprintf(ids[1], sizeof ids[1], "h%07d-0000-4000-8000-000000000002", n);
  auto p = dir.path() / ("message-" + std::to_string(n) + ".json");
  write_file(p, make_variant(seed_text(), {.bundle_id = ids[0], .header_id = ids[1], .mrn = mrn}));
  return p;
}

int sent_count(const gateway_process& gw, int messages) {
  int sent = 0;
  for (int id = 1; id <= messages; ++id) sent += view(gw, id).status == "sent";
  return sent;
}

// One transaction POST as the medical home logged it.
struct received {
  std::string mrn;        // the child (its Patient's first identifier)
  std::string header_id;  // the message the delivery was queued by (meta.source fragment)
  int in_flight = 0, arrived = 0, answered = 0;
};

std::vector<received> transaction_log(const medical_home_server& home) {
  std::vector<received> out;
  std::ifstream in(home.log);
  std::string line;
  while (std::getline(in, line)) {
    auto doc = parse(line);
    if (doc.HasParseError() || !doc.HasMember("arrived") || !doc.HasMember("body") || !doc["body"].IsObject())
      continue;
    received r;
    r.in_flight = doc["in_flight"].GetInt();
    r.arrived = doc["arrived"].GetInt();
    r.answered = doc["answered"].GetInt();
    for (const auto& e : doc["body"]["entry"].GetArray()) {
      const auto& res = e["resource"];
      if (std::string(res["resourceType"].GetString()) == "Patient")
        r.mrn = res["identifier"][0]["value"].GetString();
      if (r.header_id.empty() && res.HasMember("meta") && res["meta"].HasMember("source")) {
        std::string source = res["meta"]["source"].GetString();
        r.header_id = source.substr(source.find('#') + 1);
      }
    }
    out.push_back(r);
  }
  return out;
}

TEST(delivery_window, several_children_in_flight_and_each_childs_messages_in_order) {
  temp_dir dir;
  medical_home_server home;
  std::string error;
  // The home holds each transaction until four are in flight together: one at a time would crawl.
  ASSERT_TRUE(home.start(dir, {.hold = 4}, error)) << error;
  gateway_process gw;
  ASSERT_TRUE(gw.start(
      dir, {.medical_home_base = home.base(), .max_attempts = 0, .delivery_extra = "  window: 4\n"}, error))
      << error;
  // Six children, three messages each, posted round after round: child c's messages in posting order.
  constexpr int children = 6, rounds = 3;
  std::map<std::string, std::vector<std::string>> posted;  // mrn -> header ids in posting order
  int n = 0;
  for (int round = 0; round < rounds; ++round)
    for (int c = 0; c < children; ++c) {
      auto mrn = "WIN-" + std::to_string(c);
      auto file = child_message(dir, mrn, ++n);
      ASSERT_EQ(http_call("POST", gw.url(pm), file).status, 200);
      posted[mrn].push_back(parse(read_file(file))["entry"][0]["resource"]["id"].GetString());
    }
  ASSERT_TRUE(eventually([&] { return sent_count(gw, n) == n; }, std::chrono::seconds(120)))
      << sent_count(gw, n) << " of " << n << " sent";

  auto log = transaction_log(home);
  ASSERT_EQ(static_cast<int>(log.size()), n);  // each message's delivery once, nothing failed
  int most = 0;
  for (const auto& r : log) most = std::max(most, r.in_flight);
  EXPECT_EQ(most, 4);  // parallel, and never beyond the window
  for (const auto& [mrn, headers] : posted) {
    std::vector<received> mine;
    for (const auto& r : log)
      if (r.mrn == mrn) mine.push_back(r);
    std::sort(mine.begin(), mine.end(), [](const auto& a, const auto& b) { return a.arrived < b.arrived; });
    ASSERT_EQ(mine.size(), headers.size()) << mrn;
    for (std::size_t i = 0; i < mine.size(); ++i) {
      EXPECT_EQ(mine[i].header_id, headers[i]) << mrn << " delivery " << i;  // FIFO per child
      if (i > 0) {  // never two of one child in flight: the next arrives after the previous was answered
        EXPECT_GT(mine[i].arrived, mine[i - 1].answered) << mrn << " delivery " << i;
      }
    }
  }
}

TEST(delivery_window, a_home_down_for_a_while_gets_everything_when_it_is_back_and_nothing_is_dead) {
  temp_dir dir;
  auto port = free_port();
  gateway_process gw;
  std::string error;
  // The retry policy scaled down: 100 ms doubling to 400 ms (an hour's cap in the defaults), no count limit,
  // giving up after a minute (72 h in the defaults). The outage below lasts several caps.
  ASSERT_TRUE(gw.start(dir,
                       {.medical_home_base = "http://127.0.0.1:" + std::to_string(port) + "/fhir",
                        .max_attempts = 0,
                        .delivery_extra = "  window: 4\n  give_up_after: 1m\n"},
                       error))
      << error;
  constexpr int messages = 8;
  for (int i = 1; i <= messages; ++i)
    ASSERT_EQ(http_call("POST", gw.url(pm), child_message(dir, "DOWN-" + std::to_string(i), i)).status, 200);
  // Down for a while: wait until the gateway has failed again and again (connection refused).
  auto failed_attempts = [&] {
    int failed = 0;
    for (int id = 1; id <= messages; ++id)
      for (const auto& a : view(gw, id).history) failed += a.http_status == 0;
    return failed;
  };
  ASSERT_TRUE(eventually([&] { return failed_attempts() >= 10; }, std::chrono::seconds(60)));
  auto status = parse(http_call("GET", gw.url("/admin/status")).body);
  EXPECT_EQ(status["deliveries"]["dead"].GetInt(), 0);
  EXPECT_EQ(status["deliveries"]["queued"].GetInt() + status["deliveries"]["retrying"].GetInt(), messages);

  medical_home_server home;
  ASSERT_TRUE(home.start(dir, {.port = port}, error)) << error;
  ASSERT_TRUE(eventually([&] { return sent_count(gw, messages) == messages; }, std::chrono::seconds(60)))
      << sent_count(gw, messages) << " of " << messages << " sent";
  for (int id = 1; id <= messages; ++id) {
    auto v = view(gw, id);
    ASSERT_FALSE(v.history.empty());
    EXPECT_EQ(v.history.back().http_status, 200) << id;
    for (std::size_t i = 0; i + 1 < v.history.size(); ++i) EXPECT_EQ(v.history[i].http_status, 0) << id;
  }
  status = parse(http_call("GET", gw.url("/admin/status")).body);
  EXPECT_EQ(status["deliveries"]["dead"].GetInt(), 0);
  EXPECT_EQ(status["deliveries"]["retrying"].GetInt(), 0);
  EXPECT_EQ(status["alerts"].Size(), 0u);
  EXPECT_EQ(home.count("Patient"), messages);
}

// The gap between a delivery's failed attempt and the next, when the home asked for `retry_after`.
std::int64_t gap_after(const temp_dir& dir, int fail_status, const std::string& retry_after) {
  medical_home_server home;
  std::string error;
  EXPECT_TRUE(
      home.start(dir, {.fail_first = 1, .fail_status = fail_status, .retry_after = retry_after}, error))
      << error;
  gateway_process gw;
  // base 100 ms: without Retry-After the second attempt would come within 100 ms. The cap (which bounds a
  // Retry-After too) is a minute.
  EXPECT_TRUE(
      gw.start(dir, {.medical_home_base = home.base(), .max_attempts = 0, .max_backoff_ms = 60'000}, error))
      << error;
  EXPECT_EQ(http_call("POST", gw.url(pm), child_message(dir, "RA-1", 1)).status, 200);
  EXPECT_TRUE(eventually([&] { return view(gw, 1).status == "sent"; }));
  auto v = view(gw, 1);
  if (v.history.size() != 2) {
    ADD_FAILURE() << v.history.size() << " attempts";
    return -1;
  }
  EXPECT_EQ(v.history[0].http_status, fail_status);
  EXPECT_EQ(v.history[1].http_status, 200);
  return v.history[1].at_ms - v.history[0].at_ms;
}

TEST(delivery_window, retry_after_in_seconds_on_503_is_waited_for) {
  temp_dir dir;
  EXPECT_GE(gap_after(dir, 503, "2"), 2000);
}

TEST(delivery_window, retry_after_as_an_http_date_on_429_is_waited_for) {
  temp_dir dir;
  // An HTTP-date 2 s ahead has whole seconds: at least a second from the answer.
  EXPECT_GE(gap_after(dir, 429, "date:2"), 1000);
}

}  // namespace
}  // namespace homebase::testing
