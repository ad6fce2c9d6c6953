#include "mappers/disclosure/letter_composer.hpp"

#include <gtest/gtest.h>

#include "fhir/json_document.hpp"
#include "fhir/validation/validator.hpp"
#include "mappers/disclosure/letter_document.hpp"
#include "tests/mappers/disclosure/disclosure_fixtures.hpp"
#include "tests/mappers/disclosure/sofia_record.hpp"

namespace homebase::mappers::disclosure {
namespace {

using namespace testing;

// Everything a letter says, as one text, to search.
std::string all_text(const letter_content& l) {
  std::string out = l.subject + "\n" + l.salutation + "\n" + l.addressee + "\n";
  for (const auto& s : l.sections) {
    out += s.heading + "\n";
    for (const auto& p : s.paragraphs) out += p + "\n";
    for (const auto& i : s.items) out += i + "\n";
  }
  return out + l.redisclosure_notice + "\n" + l.revocation_notice + "\n" + l.authorization_footer;
}

class letter_composer : public ::testing::Test {
 protected:
  model::coordination_record record = homebase::testing::sofia_record();
  letter_request request = load_request(request_504);
  authorization permit = load_authorization(consent_504);
  letter_context context{{"Meadowbrook Pediatrics",
                          {"1200 Meadowbrook Road", "Springfield, IL 62704"},
                          "(217) 555-0142",
                          "(217) 555-0143",
                          "records@meadowbrook.example.org",
                          "meadowbrook.example.org"},
                         "Lincoln Unified School District",
                         {"Priya Nair", "MD, FAAP", "1467583920", "(217) 555-0142", "p.nair@example.org",
                          "2026-12-06T10:00:00Z"},
                         "12",
                         "2026-12-06T10:00:00Z"};
};

TEST_F(letter_composer, has_only_the_permitted_sections_under_plain_headings) {
  auto l = compose_letter(request, permit, record, context);
  auto text = all_text(l);
  EXPECT_EQ(l.addressee, "Section 504 Coordinator");
  EXPECT_EQ(l.child_name, "Sofia Isabel Ramirez");
  EXPECT_EQ(l.child_birth_date, "March 14, 2019");
  EXPECT_EQ(l.date, "December 6, 2026");
  EXPECT_NE(text.find("G40.209"), std::string::npos);
  EXPECT_NE(text.find("what they mean at school"), std::string::npos);
  EXPECT_NE(text.find("Midazolam"), std::string::npos);
  EXPECT_EQ(text.find("F90"), std::string::npos);  // behavioral health: excluded
  EXPECT_EQ(text.find("ADHD"), std::string::npos);
  EXPECT_EQ(text.find("ethylphenidate"), std::string::npos);  // not a school-hours medication
  EXPECT_EQ(text.find("R56.00"), std::string::npos);          // resolved
  EXPECT_EQ(text.find("SE-448812"), std::string::npos);       // the hospital's MRN
  EXPECT_NE(l.redisclosure_notice.find("redisclosed"), std::string::npos);
  EXPECT_NE(l.revocation_notice.find("Meadowbrook Pediatrics"), std::string::npos);
  EXPECT_NE(l.authorization_footer.find("Consent/1"), std::string::npos);
  EXPECT_FALSE(l.draft);
  EXPECT_EQ(l.signer.npi, "1467583920");
}

TEST_F(letter_composer, a_draft_is_marked_and_unsigned) {
  context.signer.signed_at.clear();
  EXPECT_TRUE(compose_letter(request, permit, record, context).draft);
}

TEST_F(letter_composer, immunization_agreement_gives_the_nurse_immunizations_only) {
  auto l = compose_letter(load_request(request_immunization), load_authorization(consent_immunization),
                          record, context);
  EXPECT_EQ(l.addressee, "School Nurse");
  auto text = all_text(l);
  EXPECT_NE(text.find("Immunizations"), std::string::npos);
  EXPECT_EQ(text.find("G40.209"), std::string::npos);
}

TEST(letter_document, is_valid_r4_with_the_pdf_hash_and_the_consent) {
  letter_document_facts f;
  f.id = "school-letter-12";
  f.letter_id = "12";
  f.patient_id = "p1";
  f.child_name = "Sofía Ramírez";
  f.signed_ = true;
  f.date = "2026-12-06T10:00:00Z";
  f.kind = "504_support";
  f.title = "Section 504 support letter";
  f.school_name = "Lincoln Unified School District";
  f.signer_name = "Priya Nair, MD";
  f.signer_npi = "1467583920";
  f.practice_name = "Meadowbrook Pediatrics";
  f.practice_identifiers = {{"http://hl7.org/fhir/sid/us-npi", "1234567893"}};
  f.consent_id = "1";
  f.pdf = std::string("%PDF-1.7\n\0binary", 17);
  f.html = "<!DOCTYPE html><html lang=\"en\"></html>";
  rapidjson::Document doc;
  ASSERT_FALSE(fhir::parse_json(build_letter_document(f), doc));
  fhir::operation_outcome out;
  fhir::validator().validate(doc, out);
  std::string errors;
  for (const auto& i : out.issues())
    if (i.severity == fhir::issue_severity::error || i.severity == fhir::issue_severity::fatal)
      errors += i.expression + ": " + i.diagnostics + "\n";
  EXPECT_EQ(errors, "");
  EXPECT_STREQ(doc["docStatus"].GetString(), "final");
  const auto& pdf = doc["content"][0]["attachment"];
  EXPECT_STREQ(pdf["contentType"].GetString(), "application/pdf");
  EXPECT_EQ(pdf["size"].GetUint(), 17U);
  EXPECT_EQ(decode_base64(pdf["data"].GetString()), f.pdf);
  EXPECT_EQ(std::string(pdf["hash"].GetString()), sha1_base64(f.pdf));
  EXPECT_EQ(sha1_base64("abc"), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");  // FIPS 180 test vector, base64
  EXPECT_STREQ(doc["content"][1]["attachment"]["contentType"].GetString(), "text/html");
  EXPECT_STREQ(doc["context"]["related"][0]["reference"].GetString(), "Consent/1");
  EXPECT_STREQ(doc["authenticator"]["identifier"]["value"].GetString(), "1467583920");
}

}  // namespace
}  // namespace homebase::mappers::disclosure
