#include "config/config_changes.hpp"

#include <gtest/gtest.h>

namespace homebase::config {
namespace {

const std::string base =
    "server:\n  port: 0\n"
    "partners:\n  - id: nicu\n    source_endpoints: [https://nicu.example/fhir]\n"
    "medical_homes:\n  - id: meadowbrook\n    fhir_base_url: http://a.example/fhir\n";

TEST(config_changes, nothing_changed_says_no_change) {
  auto a = load_text(base);
  auto b = load_text(base);
  auto c = compare(*a, *b, base, base);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.summary(), "no change");
}

TEST(config_changes, names_partners_and_homes_added_removed_and_changed) {
  auto a = load_text(base);
  std::string text =
      "server:\n  port: 0\n"
      "partners:\n  - id: clinic\n    source_endpoints: [https://clinic.example/fhir]\n"
      "medical_homes:\n  - id: meadowbrook\n    fhir_base_url: http://b.example/fhir\n"
      "  - id: riverside\n    fhir_base_url: http://r.example/fhir\n"
      "coordination:\n  enabled: false\n";
  auto b = load_text(text);
  auto c = compare(*a, *b, base, text);
  EXPECT_EQ(c.partners.added, std::vector<std::string>{"clinic"});
  EXPECT_EQ(c.partners.removed, std::vector<std::string>{"nicu"});
  EXPECT_EQ(c.clients.added, std::vector<std::string>{"clinic"});  // a partner is a client too
  EXPECT_EQ(c.medical_homes.added, std::vector<std::string>{"riverside"});
  EXPECT_EQ(c.medical_homes.changed, std::vector<std::string>{"meadowbrook"});
  EXPECT_EQ(c.sections, std::vector<std::string>{"coordination"});
  EXPECT_TRUE(c.restart_keys.empty());
  EXPECT_NE(c.summary().find("partners added: clinic; partners removed: nicu"), std::string::npos)
      << c.summary();
}

TEST(config_changes, a_moved_line_is_not_a_change) {
  auto a = load_text(base);
  auto b = load_text("log:\n  level: info\n" + base);
  auto c = compare(*a, *b);
  EXPECT_TRUE(c.partners.empty());
  EXPECT_TRUE(c.clients.empty());
  EXPECT_TRUE(c.medical_homes.empty());
}

TEST(config_changes, the_window_and_delivery_settings_change_a_home) {
  auto a = load_text(base);
  auto b = load_text(base + "    delivery_window: 9\n");
  EXPECT_FALSE(same_medical_home(a->medical_homes[0], *a, b->medical_homes[0], *b));
  auto d = load_text(base + "delivery:\n  request_timeout_ms: 999\n");
  EXPECT_FALSE(same_medical_home(a->medical_homes[0], *a, d->medical_homes[0], *d));
  EXPECT_TRUE(same_medical_home(a->medical_homes[0], *a, a->medical_homes[0], *a));
}

TEST(config_changes, restart_only_keys_are_named_and_keep_their_running_values) {
  auto a = load_text(base);
  auto b = load_text(
      "server:\n  port: 9999\n  io_threads: 3\n  listen_address: 127.0.0.2\n"
      "store:\n  path: /tmp/other.db\n" +
      base.substr(base.find("partners:")));
  auto keys = restart_only_changes(*a, *b);
  EXPECT_EQ(keys, (std::vector<std::string>{"server.listen_address", "server.port", "server.io_threads",
                                            "store.path"}));
  auto running = with_bound_port(a, 4321);
  auto effective = keep_running_settings(b, *running);
  EXPECT_EQ(effective->server.port, 4321);
  EXPECT_EQ(effective->server.io_threads, 2);
  EXPECT_EQ(effective->server.listen_address, "127.0.0.1");
  EXPECT_EQ(effective->server.public_base_url, "http://127.0.0.1:4321/fhir");
  EXPECT_EQ(effective->store.path, running->store.path);
  EXPECT_EQ(effective->partners.size(), 1u);  // the rest is the new file's
}

TEST(config_changes, new_tls_files_are_taken_when_both_serve_tls) {
  auto tls = [](const std::string& cert) {
    return load_text(
        "server:\n  port: 0\n  tls:\n    certificate_file: " + cert + "\n    private_key_file: k.pem\n",
        "<text>", "/etc/homebase");
  };
  auto a = tls("old.pem");
  auto b = tls("new.pem");
  EXPECT_TRUE(restart_only_changes(*a, *b).empty());
  auto effective = keep_running_settings(b, *a);
  ASSERT_TRUE(effective->server.tls);
  EXPECT_EQ(effective->server.tls->certificate_file, b->server.tls->certificate_file);
  auto plain = load_text("server:\n  port: 0\n", "<text>", "/etc/homebase");
  EXPECT_EQ(restart_only_changes(*a, *plain), std::vector<std::string>{"server.tls"});
  EXPECT_TRUE(keep_running_settings(plain, *a)->server.tls);  // TLS off needs a restart
}

}  // namespace
}  // namespace homebase::config
