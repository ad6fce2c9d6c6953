// letter_content: what a school letter says, as plain values, ready to be laid out (issue 12 item 2).
// Built by the letter workflow from the gate-permitted sections only (a section the family did not allow
// is never put here), edited free text included; rendered by gateway/letters/letter_pdf (PDF) and
// gateway/letters/letter_html (accessible HTML). Nothing here is read from a store or config: pure data.
#pragma once

#include <string>
#include <vector>

namespace homebase::mappers::disclosure {

// The practice's letterhead (config: the medical home's `letterhead:`).
struct letterhead {
  std::string practice_name;
  std::vector<std::string> address_lines;
  std::string phone;
  std::string fax;
  std::string email;
  std::string website;
};

// One section, under a plain-language heading ("What her diagnoses mean at school"). `paragraphs` are
// free text; `items` a bulleted list (a diagnosis with its code and meaning, an accommodation, a
// medication with dose and time).
struct letter_section {
  std::string heading;
  std::vector<std::string> paragraphs;
  std::vector<std::string> items;
};

// The clinician who approved and signed the letter.
struct letter_signer {
  std::string name;         // "Elena Brooks"
  std::string credentials;  // "MD, FAAP"
  std::string npi;          // 10 digits
  std::string phone;
  std::string email;
  std::string signed_at;  // FHIR instant of the approval; empty: not yet signed (a draft)
};

struct letter_content {
  letterhead head;
  std::string date;         // the letter's date as printed ("December 6, 2026")
  std::string addressee;    // "IEP Team" | "Section 504 Coordinator" | "School Nurse"
  std::string school_name;  // the school as configured
  std::vector<std::string> school_address_lines;
  std::string child_name;        // in the family's own spelling (UTF-8: "Sofía Reyes", Devanagari too)
  std::string child_birth_date;  // as printed
  std::string subject;           // "Section 504 plan: health information for Sofía Reyes"
  std::string salutation;        // "Dear Section 504 Coordinator,"
  std::vector<letter_section> sections;  // in order; only permitted ones
  letter_signer signer;
  std::string redisclosure_notice;   // HIPAA redisclosure statement (domain.md §4.3)
  std::string revocation_notice;     // the right to revoke, and how
  std::string authorization_footer;  // names the authorization it rests on (Consent id, grantor, dates)
  std::string letter_id;             // the gateway's id of the letter, printed small in the footer
  bool draft = false;                // true: a watermark "DRAFT - not approved", never sent
};

}  // namespace homebase::mappers::disclosure
