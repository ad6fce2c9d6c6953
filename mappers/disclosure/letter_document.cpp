#include "mappers/disclosure/letter_document.hpp"

#include <openssl/evp.h>
#include <rapidjson/document.h>

#include "fhir/json_document.hpp"
#include "mappers/disclosure/letter_request.hpp"
#include "mappers/disclosure/school_letter.hpp"

namespace homebase::mappers::disclosure {
namespace {
constexpr std::string_view npi_system = "http://hl7.org/fhir/sid/us-npi";
}

std::string base64_of(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

std::string decode_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return {};
  std::string out(3 * (text.size() / 4) + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return {};
  std::size_t size = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  if (text.ends_with("=="))
    size -= 2;
  else if (text.ends_with("="))
    size -= 1;
  out.resize(size);
  return out;
}

std::string sha1_base64(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha1(), nullptr) != 1) return {};
  return base64_of(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string build_letter_document(const letter_document_facts& f) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  using rapidjson::Value;
  auto str = [&](std::string_view s) {
    return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
  };
  auto ident = [&](std::string_view system, std::string_view value) {
    Value i(rapidjson::kObjectType);
    i.AddMember("system", str(system), a);
    i.AddMember("value", str(value), a);
    return i;
  };
  auto clinician = [&] {
    Value r(rapidjson::kObjectType);
    r.AddMember("type", "Practitioner", a);
    r.AddMember("identifier", ident(npi_system, f.signer_npi), a);
    if (!f.signer_name.empty()) r.AddMember("display", str(f.signer_name), a);
    return r;
  };
  doc.AddMember("resourceType", "DocumentReference", a);
  doc.AddMember("id", str(f.id), a);
  doc.AddMember("masterIdentifier", ident(school_letter_id_system, f.letter_id), a);
  doc.AddMember("status", "current", a);
  doc.AddMember("docStatus", rapidjson::StringRef(f.signed_ ? "final" : "preliminary"), a);
  {
    Value type(rapidjson::kObjectType);
    Value codings(rapidjson::kArrayType);
    Value c = ident(letter_kind_system, f.kind);
    c.RemoveMember("value");
    c.AddMember("code", str(f.kind), a);
    c.AddMember("display", str(f.title), a);
    codings.PushBack(c, a);
    type.AddMember("coding", codings, a);
    type.AddMember("text", str(f.title), a);
    doc.AddMember("type", type, a);
  }
  {
    Value subject(rapidjson::kObjectType);
    if (!f.patient_id.empty())
      subject.AddMember("reference", str("Patient/" + f.patient_id), a);
    else
      subject.AddMember("identifier", ident(f.patient.system, f.patient.value), a);
    if (!f.child_name.empty()) subject.AddMember("display", str(f.child_name), a);
    doc.AddMember("subject", subject, a);
  }
  doc.AddMember("date", str(f.date), a);
  if (!f.signer_npi.empty()) {
    Value authors(rapidjson::kArrayType);
    authors.PushBack(clinician(), a);
    doc.AddMember("author", authors, a);
    if (f.signed_) doc.AddMember("authenticator", clinician(), a);
  }
  {
    Value custodian(rapidjson::kObjectType);
    custodian.AddMember("type", "Organization", a);
    if (!f.practice_identifiers.empty())
      custodian.AddMember("identifier",
                          ident(f.practice_identifiers[0].system, f.practice_identifiers[0].value), a);
    custodian.AddMember("display", str(f.practice_name), a);
    doc.AddMember("custodian", custodian, a);
  }
  doc.AddMember("description",
                str(f.title + " to " + f.school_name + (f.signed_ ? "" : " (draft, not yet approved)")), a);
  Value content(rapidjson::kArrayType);
  auto attach = [&](std::string_view type, std::string_view bytes, std::string_view title) {
    Value att(rapidjson::kObjectType);
    att.AddMember("contentType", str(type), a);
    att.AddMember("language", "en", a);
    att.AddMember("data", str(base64_of(bytes)), a);
    att.AddMember("size", static_cast<unsigned>(bytes.size()), a);
    att.AddMember("hash", str(sha1_base64(bytes)), a);
    att.AddMember("title", str(title), a);
    att.AddMember("creation", str(f.date), a);
    Value c(rapidjson::kObjectType);
    c.AddMember("attachment", att, a);
    content.PushBack(c, a);
  };
  attach("application/pdf", f.pdf, "letter-" + f.letter_id + ".pdf");
  if (!f.html.empty()) attach("text/html", f.html, "letter-" + f.letter_id + ".html");
  doc.AddMember("content", content, a);
  if (!f.consent_id.empty()) {
    Value context(rapidjson::kObjectType);
    Value related(rapidjson::kArrayType);
    Value r(rapidjson::kObjectType);
    r.AddMember("reference", str("Consent/" + f.consent_id), a);
    r.AddMember("display", "The family's authorization this letter rests on", a);
    related.PushBack(r, a);
    context.AddMember("related", related, a);
    doc.AddMember("context", context, a);
  }
  return fhir::to_json(doc);
}

}  // namespace homebase::mappers::disclosure
