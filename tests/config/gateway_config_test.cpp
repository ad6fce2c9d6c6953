#include "config/gateway_config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace homebase::config {
namespace {

TEST(gateway_config, example_config_loads) {
  auto cfg = load_file(std::string(HOMEBASE_TEST_DATA_DIR) + "/../config/homebase.example.yaml");
  EXPECT_EQ(cfg->server.listen_address, "127.0.0.1");
  EXPECT_EQ(cfg->server.port, 8080);
  EXPECT_FALSE(cfg->server.tls);
  ASSERT_EQ(cfg->medical_homes.size(), 1u);
  EXPECT_EQ(cfg->medical_homes[0].organization_identifiers[0].value, "1234567893");
  ASSERT_NE(cfg->find_partner_by_endpoint("https://ehr.st-elsewhere-childrens.example.org/fhir"), nullptr);
  EXPECT_EQ(cfg->find_partner_by_endpoint("https://unknown.example"), nullptr);
  EXPECT_TRUE(std::filesystem::path(cfg->store.path).is_absolute());
  EXPECT_EQ(cfg->partners[0].validation, validation_mode::strict);
}

TEST(gateway_config, store_path_from_the_environment_replaces_the_files) {
  auto example = std::string(HOMEBASE_TEST_DATA_DIR) + "/../config/homebase.example.yaml";
  setenv("HOMEBASE_STORE_PATH", "var/elsewhere.db", 1);
  auto cfg = load_file(example);
  unsetenv("HOMEBASE_STORE_PATH");
  EXPECT_EQ(cfg->store.path, (std::filesystem::current_path() / "var/elsewhere.db").string());
  EXPECT_EQ(load_file(example)->store.path,
            (std::filesystem::path(example).parent_path() / "homebase.db").lexically_normal().string());

  EXPECT_EQ(with_store_path(cfg, "/var/lib/homebase/homebase.db", "x")->store.path,
            "/var/lib/homebase/homebase.db");
  EXPECT_EQ(with_store_path(cfg, ":memory:", "x")->store.path, ":memory:");
  try {
    (void)with_store_path(cfg, "", "HOMEBASE_STORE_PATH");
    FAIL() << "an empty store path was taken";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), "HOMEBASE_STORE_PATH: store.path: must not be empty");
  }
}

TEST(gateway_config, defaults_when_keys_are_absent) {
  auto cfg = load_text("server:\n  port: 0\n");
  EXPECT_EQ(cfg->server.port, 0);
  EXPECT_EQ(cfg->server.io_threads, 2);
  EXPECT_EQ(cfg->delivery.max_attempts, 0);  // no limit by count: retries end after give_up_after
  EXPECT_EQ(cfg->delivery.give_up_after, std::chrono::hours(72));
  EXPECT_EQ(cfg->delivery.max_backoff, std::chrono::hours(1));
  EXPECT_EQ(cfg->delivery.window, 4);
  EXPECT_EQ(with_bound_port(cfg, 4321)->server.public_base_url, "http://127.0.0.1:4321/fhir");
}

TEST(gateway_config, partner_validation_is_strict_unless_configured_lenient) {
  auto cfg = load_text(
      "partners:\n  - id: a\n    source_endpoints: [x]\n  - id: b\n    source_endpoints: [y]\n"
      "    validation: lenient\n  - id: c\n    source_endpoints: [z]\n    validation: strict\n");
  ASSERT_EQ(cfg->partners.size(), 3u);
  EXPECT_EQ(cfg->partners[0].validation, validation_mode::strict);
  EXPECT_EQ(cfg->partners[1].validation, validation_mode::lenient);
  EXPECT_EQ(cfg->partners[2].validation, validation_mode::strict);
}

void expect_error(const std::string& yaml, const std::string& fragment) {
  try {
    (void)load_text(yaml, "test.yaml");
    ADD_FAILURE() << "no error for:\n" << yaml;
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(gateway_config, delivery_window_per_gateway_with_a_per_home_override) {
  auto cfg = load_text(
      "delivery:\n  window: 8\n  give_up_after: 3d\n  max_attempts: 20\n"
      "medical_homes:\n  - id: a\n    fhir_base_url: http://a.example/fhir\n"
      "  - id: b\n    fhir_base_url: http://b.example/fhir\n    delivery_window: 2\n"
      "  - id: c\n    fhir_base_url: http://c.example/fhir\n    delivery_window: 0\n");
  EXPECT_EQ(cfg->delivery.window, 8);
  EXPECT_EQ(cfg->delivery.give_up_after, std::chrono::hours(72));
  EXPECT_EQ(cfg->delivery.max_attempts, 20);  // kept for configurations written before issue 10
  EXPECT_EQ(cfg->delivery_window(cfg->medical_homes[0]), 8);
  EXPECT_EQ(cfg->delivery_window(cfg->medical_homes[1]), 2);
  EXPECT_EQ(cfg->delivery_window(cfg->medical_homes[2]), 0);  // held
}

TEST(gateway_config, read_back_is_off_unless_a_home_asks_for_it) {
  auto cfg = load_text(
      "medical_homes:\n  - id: a\n    fhir_base_url: http://a.example/fhir\n"
      "  - id: b\n    fhir_base_url: http://b.example/fhir\n    read_back:\n      every: 15m\n"
      "  - id: c\n    fhir_base_url: http://c.example/fhir\n    read_back: {every: 1s, max_pages: 3}\n");
  EXPECT_FALSE(cfg->medical_homes[0].read_back);
  ASSERT_TRUE(cfg->medical_homes[1].read_back);
  EXPECT_EQ(cfg->medical_homes[1].read_back->every, std::chrono::minutes(15));
  EXPECT_EQ(cfg->medical_homes[1].read_back->max_pages, 20);
  ASSERT_TRUE(cfg->medical_homes[2].read_back);
  EXPECT_EQ(cfg->medical_homes[2].read_back->every, std::chrono::seconds(1));
  EXPECT_EQ(cfg->medical_homes[2].read_back->max_pages, 3);
}

TEST(gateway_config, bad_read_back_settings_name_their_key) {
  const std::string home = "medical_homes:\n  - id: a\n    fhir_base_url: http://a.example/fhir\n";
  expect_error(home + "    read_back:\n      every: 15\n",
               "test.yaml:5: medical_homes[0].read_back.every: must be a positive duration");
  expect_error(home + "    read_back:\n      max_pages: 2\n",
               "medical_homes[0].read_back.every: is required");
  expect_error(home + "    read_back:\n      every: 1m\n      max_pages: 0\n",
               "test.yaml:6: medical_homes[0].read_back.max_pages: must be 1 to 1000");
  expect_error(home + "    read_back:\n      evry: 1m\n",
               "test.yaml:5: medical_homes[0].read_back.evry: unknown key");
  expect_error(home + "    read_back: 15m\n", "medical_homes[0].read_back: must be a map");
}

TEST(gateway_config, bad_delivery_settings_name_their_key) {
  expect_error("delivery:\n  window: 65\n", "test.yaml:2: delivery.window: must be 0 to 64");
  expect_error("delivery:\n  window: -1\n", "delivery.window: must be 0 to 64");
  expect_error("delivery:\n  give_up_after: 72\n", "test.yaml:2: delivery.give_up_after: must be a positive");
  expect_error("delivery:\n  max_attempts: -1\n", "delivery.max_attempts: must be >= 0");
  expect_error(
      "medical_homes:\n  - id: a\n    fhir_base_url: http://a.example/fhir\n    delivery_window: 100\n",
      "test.yaml:4: medical_homes[0].delivery_window: must be 0 to 64");
  expect_error(
      "medical_homes:\n  - id: a\n    fhir_base_url: http://a.example/fhir\n    delivery_window: x\n",
      "medical_homes[0].delivery_window: has the wrong type");
}

TEST(gateway_config, errors_name_the_key_and_line) {
  expect_error("server:\n  prot: 8080\n", "test.yaml:2: server.prot: unknown key");
  expect_error("server:\n  port: eighty\n", "test.yaml:2: server.port: has the wrong type");
  expect_error("server:\n  io_threads: 0\n", "server.io_threads: must be 1..64");
  expect_error("medical_homes:\n  - id: a\n    fhir_base_url: ftp://x\n", "medical_homes[0].fhir_base_url");
  expect_error("partners:\n  - id: p\n", "partners[0].source_endpoints");
  expect_error("partners:\n  - id: p\n    source_endpoints: [x]\n  - id: p\n    source_endpoints: [y]\n",
               "partners[1].id: is used twice");
  expect_error("partners:\n  - id: p\n    source_endpoints: [x]\n    validation: loose\n",
               "test.yaml:4: partners[0].validation: must be strict or lenient");
  expect_error("partners:\n  - id: p\n    source_endpoints: [x]\n    validation: [strict]\n",
               "test.yaml:4: partners[0].validation: has the wrong type");
  expect_error("server: [\n", "YAML syntax");
  expect_error(
      "medical_homes:\n  - id: a\n    fhir_base_url: http://x\n    organization_identifiers:\n"
      "      - system: s\n",
      "needs both system and value");
}

TEST(gateway_config, tls_paths_are_relative_to_the_file) {
  auto cfg = load_text("server:\n  tls:\n    certificate_file: c.pem\n    private_key_file: k.pem\n", "x",
                       "/etc/hb");
  ASSERT_TRUE(cfg->server.tls);
  EXPECT_EQ(cfg->server.tls->certificate_file, "/etc/hb/c.pem");
  EXPECT_EQ(with_bound_port(cfg, 443)->server.public_base_url, "https://127.0.0.1:443/fhir");
}

TEST(gateway_config, partner_concept_maps_are_files_relative_to_the_config) {
  const std::string dir = std::string(HOMEBASE_TEST_DATA_DIR) + "/fixtures";
  auto cfg = load_text(
      "partners:\n  - id: a\n    source_endpoints: [x]\n    concept_maps:\n"
      "      - concept-maps/st-elsewhere-local-codes.json\n      - concept-maps/invalid-equivalence.json\n"
      "  - id: b\n    source_endpoints: [y]\n",
      "test.yaml", dir);
  ASSERT_EQ(cfg->partners[0].concept_maps.size(), 2u);
  EXPECT_EQ(cfg->partners[0].concept_maps[0].path, dir + "/concept-maps/st-elsewhere-local-codes.json");
  EXPECT_EQ(cfg->partners[0].concept_maps[1].path, dir + "/concept-maps/invalid-equivalence.json");
  // Named in start-up errors about the map's content.
  EXPECT_EQ(cfg->partners[0].concept_maps[1].origin, "test.yaml:6: partners[0].concept_maps[1]");
  EXPECT_TRUE(cfg->partners[1].concept_maps.empty());
}

TEST(gateway_config, partner_concept_map_errors_name_the_key_and_line) {
  auto expect = [](const std::string& yaml, const std::string& fragment) {
    try {
      (void)load_text(yaml, "test.yaml", std::string(HOMEBASE_TEST_DATA_DIR) + "/fixtures");
      ADD_FAILURE() << "no error for:\n" << yaml;
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  const std::string partner = "partners:\n  - id: p\n    source_endpoints: [x]\n";
  expect(partner +
             "    concept_maps:\n      - concept-maps/st-elsewhere-local-codes.json\n      - missing.json\n",
         "test.yaml:6: partners[0].concept_maps[1]: '" + std::string(HOMEBASE_TEST_DATA_DIR) +
             "/fixtures/missing.json' is not a readable file");
  expect(partner + "    concept_maps: concept-maps/st-elsewhere-local-codes.json\n",
         "test.yaml:4: partners[0].concept_maps: must be a list of ConceptMap files");
  expect(partner + "    concept_maps:\n      - {file: x}\n",
         "test.yaml:5: partners[0].concept_maps[0]: must be a file name");
  expect(partner + "    concept_maps: [\"\"]\n", "partners[0].concept_maps[0]: must not be empty");
  expect(partner + "    concept_maps: [concept-maps]\n", "partners[0].concept_maps[0]: '");
}

TEST(gateway_config, coordination_defaults_are_the_clinical_norms) {
  auto cfg = load_text("server:\n  port: 0\n");
  const auto& c = cfg->coordination;
  using std::chrono::seconds;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.case_conference.weekday, 3);
  EXPECT_EQ(c.pcp_visit.within, seconds(2 * 86'400));
  EXPECT_EQ(c.early_intervention.referral_within, seconds(7 * 86'400));
  EXPECT_EQ(c.early_intervention.ifsp_within, seconds(45 * 86'400));
  EXPECT_EQ(c.referral_loop.close_within, seconds(30 * 86'400));
  EXPECT_EQ(c.appointment_burden.max_visits_per_week, 3);
  EXPECT_EQ(c.appointment_burden.max_sites_per_day, 2);
  EXPECT_EQ(c.weight_gain.min_grams_per_day, 15);
  EXPECT_EQ(c.weight_gain.window, seconds(14 * 86'400));
}

TEST(gateway_config, example_config_states_the_coordination_defaults) {
  auto example = load_file(std::string(HOMEBASE_TEST_DATA_DIR) + "/../config/homebase.example.yaml");
  auto defaults = load_text("{}");
  const auto& a = example->coordination;
  const auto& b = defaults->coordination;
  EXPECT_EQ(a.case_conference.weekday, b.case_conference.weekday);
  EXPECT_EQ(a.parent_partner_outreach.due_after_discharge, b.parent_partner_outreach.due_after_discharge);
  EXPECT_EQ(a.pcp_visit.within, b.pcp_visit.within);
  EXPECT_EQ(a.schedule_followup.due_within, b.schedule_followup.due_within);
  EXPECT_EQ(a.early_intervention.acknowledgement_within, b.early_intervention.acknowledgement_within);
  EXPECT_EQ(a.referral_loop.close_within, b.referral_loop.close_within);
  EXPECT_EQ(a.weight_gain.window, b.weight_gain.window);
}

TEST(gateway_config, coordination_rules_take_durations_with_units_and_switches) {
  auto cfg = load_text(
      "coordination:\n  case_conference:\n    weekday: Friday\n  referral_loop:\n    close_within: 5s\n"
      "  pcp_visit:\n    enabled: false\n    within: 36h\n  weight_gain:\n    window: 2w\n"
      "    min_grams_per_day: 12.5\n  early_intervention:\n    ifsp_within: 30m\n");
  const auto& c = cfg->coordination;
  EXPECT_EQ(c.case_conference.weekday, 5);
  EXPECT_EQ(c.referral_loop.close_within, std::chrono::seconds(5));
  EXPECT_FALSE(c.pcp_visit.enabled);
  EXPECT_EQ(c.pcp_visit.within, std::chrono::seconds(36 * 3'600));
  EXPECT_EQ(c.weight_gain.window, std::chrono::seconds(14 * 86'400));
  EXPECT_DOUBLE_EQ(c.weight_gain.min_grams_per_day, 12.5);
  EXPECT_EQ(c.early_intervention.ifsp_within, std::chrono::seconds(1'800));
  EXPECT_TRUE(c.transport.enabled);
  EXPECT_FALSE(load_text("coordination:\n  enabled: false\n")->coordination.enabled);
}

TEST(gateway_config, bad_coordination_values_name_the_file_line_and_key) {
  expect_error(
      "coordination:\n  referral_loop:\n    close_within: 30\n",
      "test.yaml:3: coordination.referral_loop.close_within: must be a positive duration with a unit");
  expect_error("coordination:\n  pcp_visit:\n    within: 2 days\n",
               "test.yaml:3: coordination.pcp_visit.within");
  expect_error("coordination:\n  pcp_visit:\n    within: 0d\n", "test.yaml:3: coordination.pcp_visit.within");
  expect_error("coordination:\n  pcp_visit:\n    within: -2d\n",
               "test.yaml:3: coordination.pcp_visit.within");
  expect_error("coordination:\n  case_conference:\n    weekday: someday\n",
               "test.yaml:3: coordination.case_conference.weekday: must be a day name");
  expect_error("coordination:\n  transport:\n    enabled: maybe\n",
               "test.yaml:3: coordination.transport.enabled: has the wrong type");
  expect_error("coordination:\n  transprot: {}\n", "test.yaml:2: coordination.transprot: unknown key");
  expect_error("coordination:\n  interpreter:\n    within: 2d\n",
               "test.yaml:3: coordination.interpreter.within: unknown key");
  expect_error("coordination:\n  appointment_burden:\n    max_visits_per_week: 0\n",
               "test.yaml:3: coordination.appointment_burden.max_visits_per_week: must be >= 1");
  expect_error("coordination:\n  weight_gain:\n    min_grams_per_day: -1\n",
               "test.yaml:3: coordination.weight_gain.min_grams_per_day");
  expect_error("coordination:\n  early_intervention: 7d\n",
               "test.yaml:2: coordination.early_intervention: must be a mapping");
}

TEST(gateway_config, durations_parse_with_their_unit) {
  EXPECT_EQ(parse_duration("5s"), std::chrono::seconds(5));
  EXPECT_EQ(parse_duration("15m"), std::chrono::seconds(900));
  EXPECT_EQ(parse_duration("1h"), std::chrono::seconds(3'600));
  EXPECT_EQ(parse_duration("30d"), std::chrono::seconds(30 * 86'400));
  EXPECT_EQ(parse_duration("2w"), std::chrono::seconds(14 * 86'400));
  for (const char* bad : {"", "d", "5", "5x", "0s", "1.5d", " 5s", "99999999999d"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

}  // namespace
}  // namespace homebase::config

namespace homebase::config {
namespace {

TEST(gateway_config, schools_are_found_by_any_of_their_identifiers) {
  auto cfg = load_text(
      "schools:\n  - id: lincoln-usd\n    name: Lincoln Unified School District\n"
      "    fhir_base_url: https://fhir.lincoln.example.org/fhir/\n    organization_identifiers:\n"
      "      - system: http://homebase.example.org/fhir/sid/school-district\n        value: lincoln-usd\n"
      "      - system: urn:ietf:rfc:3986\n        value: urn:nces:0622710\n");
  ASSERT_EQ(cfg->schools.size(), 1U);
  EXPECT_EQ(cfg->schools[0].fhir_base_url, "https://fhir.lincoln.example.org/fhir");
  EXPECT_EQ(cfg->find_school("urn:ietf:rfc:3986", "urn:nces:0622710"), &cfg->schools[0]);
  EXPECT_EQ(cfg->find_school("urn:ietf:rfc:3986", "urn:nces:0000000"), nullptr);
  EXPECT_EQ(cfg->find_school_by_id("lincoln-usd"), &cfg->schools[0]);
}

TEST(gateway_config, school_errors_name_the_key) {
  auto fails = [](const std::string& yaml, const std::string& fragment) {
    try {
      (void)load_text(yaml, "test.yaml");
      ADD_FAILURE() << "accepted: " << yaml;
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  fails("schools:\n  - id: s\n    fhir_base_url: http://x/fhir\n", "schools[0].organization_identifiers");
  fails(
      "schools:\n  - id: s\n    fhir_base_url: mailto:x\n    organization_identifiers: [{system: a, value: "
      "b}]\n",
      "schools[0].fhir_base_url");
  fails("schools:\n  - id: s\n    fhir_base_url: http://x\n    type: edu\n", "schools[0].type: unknown key");
  fails("schools: {}\n", "schools: must be a list");
}

}  // namespace
}  // namespace homebase::config

namespace homebase::config {
namespace {

TEST(gateway_config, partner_organization_identifiers_recognise_a_document_sender) {
  auto cfg = load_text(
      "partners:\n  - id: nicu\n    source_endpoints: [x]\n    organization_identifiers:\n"
      "      - {system: http://hl7.org/fhir/sid/us-npi, value: \"1203984756\"}\n"
      "  - id: docs-only\n    organization_identifiers:\n      - {system: urn:s, value: v}\n");
  ASSERT_EQ(cfg->partners.size(), 2u);
  EXPECT_EQ(cfg->find_partner_by_organization("http://hl7.org/fhir/sid/us-npi", "1203984756"),
            &cfg->partners[0]);
  EXPECT_EQ(cfg->find_partner_by_organization("urn:s", "v"), &cfg->partners[1]);
  EXPECT_EQ(cfg->find_partner_by_organization("urn:s", "w"), nullptr);
  EXPECT_TRUE(cfg->partners[1].source_endpoints.empty());
}

TEST(gateway_config, partner_organization_identifiers_refuse_bad_values) {
  auto expect = [](const std::string& yaml, const std::string& fragment) {
    try {
      (void)load_text(yaml, "test.yaml");
      ADD_FAILURE() << "no error for:\n" << yaml;
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect("partners:\n  - id: p\n    organization_identifiers:\n      - system: s\n",
         "test.yaml:4: partners[0].organization_identifiers[0]: needs both system and value");
  expect("partners:\n  - id: p\n    organization_identifiers: npi\n", "must be a list of {system, value}");
  expect("partners:\n  - id: p\n    organization_identifiers:\n      - {system: s, value: v, use: x}\n",
         "unknown key");
  expect(
      "partners:\n  - id: p\n    organization_identifiers: [{system: s, value: v}]\n"
      "  - id: q\n    organization_identifiers: [{system: s, value: v}]\n",
      "partners[1].organization_identifiers: 's|v' already identifies another partner");
  expect("partners:\n  - id: p\n", "needs at least one endpoint (or organization_identifiers");
}

}  // namespace
}  // namespace homebase::config

// console.oidc (gateway/console/oidc_sign_in): who may sign in, and how the gateway meets the provider.
namespace homebase::config {
namespace {

std::string oidc_yaml(const std::string& oidc_body) {
  return "medical_homes:\n"
         "  - id: north\n"
         "    fhir_base_url: http://127.0.0.1:9/fhir\n"
         "console:\n"
         "  enabled: true\n"
         "  oidc:\n" +
         oidc_body;
}
const std::string oidc_head =
    "    issuer: https://idp.example/realms/practice/\n"
    "    client_id: homebase-console\n"
    "    client_auth: none\n";

TEST(gateway_config, console_oidc_reads_the_provider_and_the_users) {
  auto cfg =
      load_text(oidc_yaml(oidc_head +
                          "    users:\n"
                          "      - {email: Anna@North.example, role: care_coordinator, medical_home: north}\n"
                          "      - {subject: abc-123, name: ops, role: operator}\n"),
                "test.yaml");
  ASSERT_TRUE(cfg->console.oidc.has_value());
  const auto& o = *cfg->console.oidc;
  EXPECT_EQ(o.issuer, "https://idp.example/realms/practice");  // a trailing slash is dropped
  EXPECT_EQ(o.scopes, "openid email profile");
  EXPECT_EQ(o.clock_skew, std::chrono::seconds(60));
  ASSERT_EQ(o.users.size(), 2u);
  EXPECT_EQ(o.users[0].email, "anna@north.example");
  EXPECT_EQ(o.users[0].name, "anna@north.example");
  EXPECT_EQ(o.users[0].medical_home_id, "north");
  EXPECT_EQ(o.users[1].role, console_user_role::operator_);
  EXPECT_EQ(o.users[1].name, "ops");
  EXPECT_FALSE(load_text("server:\n  port: 0\n")->console.oidc.has_value()) << "absent: off";
}

TEST(gateway_config, console_oidc_errors_name_the_key) {
  expect_error(oidc_yaml("    issuer: http://idp.example\n    client_id: c\n"),
               "test.yaml:7: console.oidc.issuer: must be an https URL");
  expect_error(oidc_yaml("    issuer: https://idp.example\n    client_id: c\n"),
               "console.oidc.client_secret_file: is required for client_auth client_secret_basic");
  expect_error(oidc_yaml(oidc_head), "console.oidc.users: must list who may sign in");
  expect_error(oidc_yaml(oidc_head + "    users:\n      - {email: a@b.example, role: boss}\n"),
               "test.yaml:11: console.oidc.users[0].role: must be operator or care_coordinator");
  expect_error(oidc_yaml(oidc_head + "    users:\n      - {email: a@b.example, role: care_coordinator}\n"),
               "console.oidc.users[0].medical_home: must name a medical_homes[].id");
  expect_error(
      oidc_yaml(oidc_head + "    users:\n      - {email: a@b.example, subject: x, role: operator}\n"),
      "console.oidc.users[0]: needs exactly one of subject");
  expect_error(
      oidc_yaml(oidc_head + "    scopes: email profile\n    users:\n      - {subject: x, role: operator}\n"),
      "console.oidc.scopes: must include openid");
  expect_error(
      oidc_yaml(oidc_head + "    users:\n      - {subject: x, role: operator, medical_home: north}\n"),
      "console.oidc.users[0].medical_home: only for role care_coordinator");
  expect_error(oidc_yaml(oidc_head + "    tenant: x\n"), "console.oidc.tenant: unknown key");
}

}  // namespace
}  // namespace homebase::config

namespace homebase::config {
namespace {

TEST(gateway_config, retention_defaults_and_errors_name_the_key) {
  auto defaults = load_text("server:\n  port: 0\n");
  EXPECT_TRUE(defaults->retention.enabled);
  EXPECT_EQ(defaults->retention.message_bodies, std::chrono::days(90));
  EXPECT_EQ(defaults->retention.delivery_attempts, std::chrono::days(90));
  EXPECT_GE(defaults->retention.audit_events, std::chrono::days(6 * 365 + 1));  // 6 years (HIPAA)
  auto short_lived = load_text("retention:\n  message_bodies: 2s\n  purge_every: 1s\n  purge_pause_ms: 0\n");
  EXPECT_EQ(short_lived->retention.message_bodies, std::chrono::seconds(2));
  EXPECT_EQ(short_lived->retention.purge_every, std::chrono::seconds(1));
  auto fails = [](const std::string& yaml, const std::string& fragment) {
    try {
      (void)load_text(yaml, "test.yaml");
      ADD_FAILURE() << "accepted: " << yaml;
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  fails("retention:\n  message_bodies: 90\n", "test.yaml:2: retention.message_bodies");
  fails("retention:\n  purge_batch: 0\n", "test.yaml:2: retention.purge_batch: must be 1..10000");
  fails("retention:\n  purge_pause_ms: -1\n", "retention.purge_pause_ms: must not be negative");
  fails("retention:\n  bodies: 1d\n", "retention.bodies: unknown key");
}

}  // namespace

namespace {
const std::string console_homes =
    "medical_homes:\n"
    "  - id: meadowbrook\n"
    "    fhir_base_url: http://127.0.0.1:9/fhir\n";
const std::string a_hash =
    "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
}  // namespace

TEST(gateway_config, console_users_and_lockout_load) {
  auto cfg =
      load_text(console_homes +
                "console:\n"
                "  enabled: true\n"
                "  session_ttl: 4h\n"
                "  idle_timeout: 15m\n"
                "  lockout: {failures: 3, address_failures: 10, window: 5m, duration: 1h}\n"
                "  users:\n"
                "    - {name: ops, role: operator, password_hash: \"" +
                a_hash +
                "\"}\n"
                "    - {name: maria, role: care_coordinator, medical_home: meadowbrook, password_hash: \"" +
                a_hash + "\"}\n");
  EXPECT_TRUE(cfg->console.enabled);
  EXPECT_EQ(cfg->console.session_ttl, std::chrono::hours(4));
  EXPECT_EQ(cfg->console.idle_timeout, std::chrono::minutes(15));
  EXPECT_EQ(cfg->console.lockout.failures, 3);
  EXPECT_EQ(cfg->console.lockout.address_failures, 10);
  EXPECT_EQ(cfg->console.lockout.duration, std::chrono::hours(1));
  ASSERT_EQ(cfg->console.users.size(), 2u);
  EXPECT_EQ(cfg->console.users[0].role, homebase::config::console_user_role::operator_);
  ASSERT_NE(cfg->console.find_user("maria"), nullptr);
  EXPECT_EQ(cfg->console.find_user("maria")->medical_home_id, "meadowbrook");
  EXPECT_FALSE(load_text("server:\n  port: 0\n")->console.enabled);
}

TEST(gateway_config, console_errors_name_the_key) {
  expect_error(
      console_homes + "console:\n  users:\n    - {name: ops, role: operator, password_hash: secret}\n",
      "test.yaml:6: console.users[0].password_hash: must be a hash made by `homebase hash-password`");
  expect_error(console_homes +
                   "console:\n  users:\n    - {name: m, role: care_coordinator, password_hash: \"" + a_hash +
                   "\"}\n",
               "console.users[0].medical_home: must name a medical_homes[].id");
  expect_error(
      console_homes + "console:\n  users:\n    - {name: m, role: boss, password_hash: \"" + a_hash + "\"}\n",
      "console.users[0].role: must be operator or care_coordinator");
  expect_error(console_homes + "console:\n  users:\n    - {name: ops, role: operator, password_hash: \"" +
                   a_hash + "\"}\n    - {name: ops, role: operator, password_hash: \"" + a_hash + "\"}\n",
               "console.users[1].name: is used twice");
  expect_error("console:\n  idle_timeout: 9h\n",
               "console.idle_timeout: must not be longer than console.session_ttl");
  expect_error("console:\n  lockout: {failures: 0}\n", "console.lockout.failures: must be 1..100");
  expect_error("console:\n  colour: blue\n", "console.colour: unknown key");
}

}  // namespace homebase::config

namespace homebase::config {
namespace {

const std::string school_yaml =
    "schools:\n  - id: lincoln\n    name: Lincoln\n    organization_identifiers:\n"
    "      - {system: http://x, value: lincoln}\n";

TEST(gateway_config, school_channels_mail_and_clinicians) {
  setenv("HOMEBASE_TEST_SMTP_PASSWORD", "s3cret", 1);
  auto cfg = load_text(school_yaml +
                           "    channels:\n      - kind: email\n        to: [nurse@lincoln.example.org]\n"
                           "      - kind: hand_carry\n"
                           "mail:\n  smtp_url: smtp://127.0.0.1:2525\n  username: u\n"
                           "  password_env: HOMEBASE_TEST_SMTP_PASSWORD\n  from: Letters <l@x.example.org>\n"
                           "letters:\n  approval_reminder_after: 3d\n",
                       "test.yaml", ".");
  ASSERT_EQ(cfg->schools[0].channels.size(), 2U);
  EXPECT_EQ(cfg->schools[0].channels[0].kind, letter_channel_kind::email);
  EXPECT_EQ(cfg->schools[0].channels[0].to[0], "nurse@lincoln.example.org");
  EXPECT_TRUE(cfg->schools[0].fhir_base_url.empty());  // no fhir channel: not needed
  EXPECT_EQ(cfg->mail.password, "s3cret");
  EXPECT_EQ(cfg->letters.approval_reminder_after, std::chrono::hours(72));
  // Without channels, a school has its FHIR server.
  auto old =
      load_text(school_yaml + "    fhir_base_url: https://fhir.lincoln.example.org/fhir\n", "test.yaml", ".");
  ASSERT_EQ(old->schools[0].channels.size(), 1U);
  EXPECT_EQ(old->schools[0].channels[0].kind, letter_channel_kind::fhir);
  EXPECT_EQ(old->letters.approval_reminder_after, std::chrono::hours(48));
}

TEST(gateway_config, bad_letter_settings_name_their_key) {
  expect_error(school_yaml + "    channels:\n      - kind: fax\n",
               "schools[0].channels[0].kind: must be email, fhir or hand_carry");
  expect_error(school_yaml + "    channels:\n      - kind: fhir\n",
               "schools[0].fhir_base_url: must be an http(s) URL");
  expect_error(school_yaml + "    channels:\n      - kind: email\n",
               "schools[0].channels[0].to: needs at least one");
  expect_error(school_yaml + "    channels:\n      - kind: email\n        to: [nurse@x.org]\n",
               "schools[0].channels: an email channel needs the mail: block");
  expect_error("mail:\n  smtp_url: http://x\n  from: a@b\n", "test.yaml:2: mail.smtp_url: must be smtp://");
  expect_error("mail:\n  smtp_url: smtp://x\n  from: a@b\n  password: inline\n",
               "mail.password: unknown key");
  expect_error("mail:\n  smtp_url: smtp://x\n  from: a@b\n  username: u\n",
               "mail: username needs password_file");
  expect_error("letters:\n  approval_reminder_after: 2\n",
               "letters.approval_reminder_after: must be a positive");
  expect_error(
      "medical_homes:\n  - id: h\n    fhir_base_url: http://x\nclients:\n  - id: c\n    kind: operator\n"
      "    certificates: [{san: x}]\n    clinician: {name: N, npi: \"1234567893\"}\n",
      "clients[0].clinician: only for kind medical_home");
  expect_error(
      "medical_homes:\n  - id: h\n    fhir_base_url: http://x\nclients:\n  - id: c\n    kind: medical_home\n"
      "    medical_home: h\n    certificates: [{san: x}]\n    clinician: {name: N, npi: 123}\n",
      "clients[0].clinician.npi: must be a 10-digit NPI");
}

}  // namespace
}  // namespace homebase::config
