#include "config/gateway_config.hpp"

#include <gtest/gtest.h>

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

TEST(gateway_config, defaults_when_keys_are_absent) {
  auto cfg = load_text("server:\n  port: 0\n");
  EXPECT_EQ(cfg->server.port, 0);
  EXPECT_EQ(cfg->server.io_threads, 2);
  EXPECT_EQ(cfg->delivery.max_attempts, 8);
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
