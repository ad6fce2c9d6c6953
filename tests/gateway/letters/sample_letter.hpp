// sample_letter: a typical school letter (five sections, a Spanish-speaking family, a parent's name in
// Devanagari) for the letter rendering tests and bench/letter_render_bench. Header-only test data.
#pragma once

#include <string>

#include "mappers/disclosure/letter_content.hpp"

namespace homebase::test {

inline mappers::disclosure::letter_content sample_letter() {
  mappers::disclosure::letter_content l;
  l.head.practice_name = "Riverbend Pediatrics";
  l.head.address_lines = {"1200 Riverbend Road, Suite 300", "Springfield, IL 62704"};
  l.head.phone = "(217) 555-0142";
  l.head.fax = "(217) 555-0143";
  l.head.email = "care@riverbend-peds.example.org";
  l.head.website = "riverbend-peds.example.org";
  l.date = "December 6, 2026";
  l.addressee = "Section 504 Coordinator";
  l.school_name = "Lincoln Elementary School";
  l.school_address_lines = {"400 North Grand Avenue", "Springfield, IL 62702"};
  l.child_name = "Sofía Reyes";
  l.child_birth_date = "March 3, 2015";
  l.subject = "Section 504 plan: health information for Sofía Reyes";
  l.salutation = "Dear Section 504 Coordinator,";
  l.sections = {
      {"Why we are writing",
       {"Sofía has been a patient of our practice since 2015. Her parents, José Reyes and अनन्या शर्मा, asked "
        "us "
        "to write to you so that the school can plan for her health needs during the school day. This letter "
        "shares only the information her family has authorized."},
       {}},
      {"What her diagnoses mean at school",
       {},
       {"Type 1 diabetes mellitus (ICD-10-CM E10.9): her body does not make insulin. She checks her blood "
        "sugar before lunch and before physical education, and needs insulin with lunch.",
        "Mild persistent asthma (ICD-10-CM J45.30): cold air, dust and hard exercise can bring on coughing "
        "and wheezing. She uses an inhaler before recess and physical education."}},
      {"What she needs at school",
       {"These are needs, not diagnoses; the team knows best how to meet them in her classroom."},
       {"Access to water, snacks and the restroom at any time, without asking first.",
        "A trained adult who can check her blood sugar and give glucagon.",
        "Extra time on tests after a low blood sugar, and a quiet place to recover.",
        "Her inhaler and diabetes supplies with her, on field trips too."}},
      {"Medications during school hours",
       {},
       {"Insulin lispro, dose by carbohydrate count (1 unit per 15 g), with lunch at about 11:45.",
        "Albuterol inhaler 90 mcg, 2 puffs 15 minutes before physical education or recess, as needed.",
        "Glucagon 1 mg nasal powder for a severe low blood sugar (emergency only)."}},
      {"If there is an emergency",
       {"If Sofía is confused, cannot swallow or is unconscious, give glucagon, call 911 and then her "
        "parents. If she is wheezing and her inhaler has not helped within 10 minutes, call 911. Her "
        "parents' "
        "phone numbers are in the school's emergency card."},
       {}}};
  l.signer = {"Elena Brooks",
              "MD, FAAP",
              "1234567893",
              "(217) 555-0142",
              "e.brooks@riverbend-peds.example.org",
              "2026-12-06T14:03:27Z"};
  l.redisclosure_notice =
      "This information has been disclosed to you from health records protected by federal law (HIPAA, 45 "
      "CFR "
      "Parts 160 and 164). It was disclosed with the written authorization of the student's parent for the "
      "purpose stated above. Once it is part of the student's education record it is protected by FERPA; do "
      "not share it with anyone else without the parent's written consent.";
  l.revocation_notice =
      "The parent may revoke this authorization at any time by writing to Riverbend Pediatrics, 1200 "
      "Riverbend "
      "Road, Suite 300, Springfield, IL 62704, or through the family portal. A revocation does not undo "
      "information already shared under it.";
  l.authorization_footer =
      "Disclosed under authorization Consent/cons-4411 granted by José Reyes (parent) on November 20, 2026, "
      "valid until June 30, 2027, for Lincoln Elementary School.";
  l.letter_id = "ltr-7f3a9c";
  return l;
}

}  // namespace homebase::test
