// letter_document: every school letter kept as an R4 DocumentReference the medical home can read (issue 12
// item 2): subject the child's Patient, status current, docStatus preliminary (a draft) or final (signed),
// date, author and authenticator the signing clinician (display + NPI identifier), custodian the practice,
// content[0] the PDF and content[1] the HTML (contentType, data as base64, size, and hash: the SHA-1 of
// the bytes, base64, as R4 Attachment.hash defines), and the Consent the letter rests on.
// The Consent: R4's DocumentReference.relatesTo can only target another DocumentReference, so the link
// to the authorization is context.related (Reference(Any)), with its display saying what it is.
// Pure (OpenSSL EVP for the hash).
#pragma once

#include <string>
#include <vector>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::disclosure {

struct letter_document_facts {
  std::string id;          // the DocumentReference's id ("school-letter-12")
  std::string letter_id;   // the gateway's letter id (identifier school_letter_id_system|letter_id)
  std::string patient_id;  // the child's Patient resource id in the read API; empty: by identifier
  model::identifier patient;
  std::string child_name;
  bool signed_ = false;  // docStatus final (approved and signed) vs preliminary (a draft)
  std::string date;      // FHIR instant: when this version was made (the approval, or the draft)
  std::string kind;      // 504_support, ...
  std::string title;     // "Section 504 support letter"
  std::string school_name;
  std::string signer_name;
  std::string signer_npi;
  std::string practice_name;
  std::vector<model::identifier> practice_identifiers;
  std::string consent_id;
  std::string pdf;   // the bytes
  std::string html;  // UTF-8
};

[[nodiscard]] std::string build_letter_document(const letter_document_facts& facts);

// Base64 of `bytes` (OpenSSL EVP), and base64 of its SHA-1.
[[nodiscard]] std::string base64_of(std::string_view bytes);
[[nodiscard]] std::string decode_base64(std::string_view text);
[[nodiscard]] std::string sha1_base64(std::string_view bytes);

}  // namespace homebase::mappers::disclosure
