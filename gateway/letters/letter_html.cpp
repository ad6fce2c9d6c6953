// letter_html: the letter as one HTML5 document. Structure for assistive technology: lang="en", the
// letterhead in <header>, the letter in <main> with one <h1> (the subject), an <h2> per section and for the
// notices, items in <ul>, the authorization in <footer>. Every text goes through fhir::escape_xml (the
// console's escaper too). Inline CSS only, with print rules for US Letter.
#include "gateway/letters/letter_html.hpp"

#include <string_view>

#include "fhir/xml_text.hpp"
#include "gateway/letters/signature_time.hpp"

namespace homebase::gateway::letters {
namespace {

namespace md = mappers::disclosure;

constexpr std::string_view style = R"(
body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;font-size:11pt;line-height:1.45;color:#1a1a1f;
max-width:46em;margin:2em auto;padding:0 1.5em;background:#fff}
header{border-bottom:2px solid #143d6b;padding-bottom:.5em;margin-bottom:1.5em}
.practice{font-size:1.6em;font-weight:700;color:#143d6b;margin:0}
.contact{font-size:.85em;color:#4a4a52;margin:.15em 0 0}
.draft{border:2px dashed #8a1c1c;color:#8a1c1c;font-weight:700;padding:.4em .8em;text-align:center}
.addressee{margin:1.5em 0}
h1{font-size:1.05em;margin:1.5em 0 .3em}
h2{font-size:1.1em;color:#143d6b;margin:1.4em 0 .3em}
ul{margin:.3em 0;padding-left:1.4em}
.signature{margin-top:2em}
.signed{font-style:italic;color:#143d6b}
.notices{border:1px solid #9ea6b3;background:#f4f5f7;padding:.6em 1em;margin-top:2em;font-size:.9em}
.notices h2{font-size:1em;color:#1a1a1f;margin:.6em 0 .2em}
footer{border-top:1px solid #9ea6b3;margin-top:2em;padding-top:.5em;font-size:.8em;color:#4a4a52}
@page{size:letter;margin:0.75in 1in}
@media print{body{margin:0;padding:0;max-width:none;font-size:10.5pt}.notices{break-inside:avoid}
.signature{break-inside:avoid}h2{break-after:avoid}}
)";

void text_element(std::string& out, std::string_view tag, std::string_view cls, const std::string& text) {
  if (text.empty()) return;
  out += '<';
  out += tag;
  if (!cls.empty()) {
    out += " class=\"";
    out += cls;
    out += '"';
  }
  out += '>';
  out += fhir::escape_xml(text);
  out += "</";
  out += tag;
  out += ">\n";
}

std::string joined(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += sep;
    out += fhir::escape_xml(p);
  }
  return out;
}

}  // namespace

std::string render_html(const md::letter_content& letter) {
  std::string out;
  out.reserve(8192);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>";
  out += fhir::escape_xml(letter.subject.empty() ? "Letter for " + letter.child_name : letter.subject);
  out += "</title>\n<style>";
  out += style;
  out += "</style>\n</head>\n<body>\n";

  // The letterhead.
  const md::letterhead& head = letter.head;
  out += "<header>\n";
  text_element(out, "p", "practice", head.practice_name);
  std::string address = joined(head.address_lines, " · ");
  if (!address.empty()) out += "<p class=\"contact\">" + address + "</p>\n";
  std::vector<std::string> contact;
  if (!head.phone.empty()) contact.push_back("Phone " + head.phone);
  if (!head.fax.empty()) contact.push_back("Fax " + head.fax);
  if (!head.email.empty()) contact.push_back(head.email);
  if (!head.website.empty()) contact.push_back(head.website);
  std::string contacts = joined(contact, " · ");
  if (!contacts.empty()) out += "<p class=\"contact\">" + contacts + "</p>\n";
  out += "</header>\n<main>\n";
  if (letter.draft) out += "<p class=\"draft\" role=\"note\">DRAFT - not approved</p>\n";

  text_element(out, "p", "date", letter.date);
  std::vector<std::string> to{letter.addressee, letter.school_name};
  to.insert(to.end(), letter.school_address_lines.begin(), letter.school_address_lines.end());
  std::string to_html = joined(to, "<br>\n");
  // joined escaped the texts; the separator is markup.
  if (!to_html.empty()) out += "<p class=\"addressee\">" + to_html + "</p>\n";

  if (!letter.subject.empty())
    out += "<h1>Re: " + fhir::escape_xml(letter.subject) + "</h1>\n";
  else
    out += "<h1>Letter for " + fhir::escape_xml(letter.child_name) + "</h1>\n";
  out += "<p class=\"student\"><strong>Student:</strong> " + fhir::escape_xml(letter.child_name);
  if (!letter.child_birth_date.empty())
    out += "<br>\n<strong>Date of birth:</strong> " + fhir::escape_xml(letter.child_birth_date);
  out += "</p>\n";
  text_element(out, "p", "salutation", letter.salutation);

  int n = 0;
  for (const md::letter_section& s : letter.sections) {
    std::string id = "section-" + std::to_string(++n);
    out += "<section aria-labelledby=\"" + id + "\">\n<h2 id=\"" + id + "\">" + fhir::escape_xml(s.heading) +
           "</h2>\n";
    for (const std::string& p : s.paragraphs) text_element(out, "p", "", p);
    if (!s.items.empty()) {
      out += "<ul>\n";
      for (const std::string& item : s.items) text_element(out, "li", "", item);
      out += "</ul>\n";
    }
    out += "</section>\n";
  }

  // The signature.
  const md::letter_signer& signer = letter.signer;
  out += "<section class=\"signature\" aria-label=\"Signature\">\n<p>Sincerely,</p>\n";
  if (!signer.signed_at.empty())
    out += "<p class=\"signed\">Electronically signed on <time datetime=\"" +
           fhir::escape_xml(signer.signed_at) + "\">" + fhir::escape_xml(printed_instant(signer.signed_at)) +
           "</time></p>\n";
  else
    out += "<p class=\"signed\">Not yet signed</p>\n";
  std::string name = signer.name;
  if (!signer.credentials.empty()) name += ", " + signer.credentials;
  out += "<p><strong>" + fhir::escape_xml(name) + "</strong>";
  if (!signer.npi.empty()) out += "<br>\nNPI " + fhir::escape_xml(signer.npi);
  std::string signer_contact = joined({signer.phone, signer.email}, " · ");
  if (!signer_contact.empty()) out += "<br>\n" + signer_contact;
  if (!head.practice_name.empty()) out += "<br>\n" + fhir::escape_xml(head.practice_name);
  out += "</p>\n</section>\n";

  // The notices.
  if (!letter.redisclosure_notice.empty() || !letter.revocation_notice.empty()) {
    out += "<aside class=\"notices\" aria-label=\"Notices\">\n";
    if (!letter.redisclosure_notice.empty()) {
      out += "<h2>Notice to the recipient: redisclosure</h2>\n";
      text_element(out, "p", "", letter.redisclosure_notice);
    }
    if (!letter.revocation_notice.empty()) {
      out += "<h2>The right to revoke this authorization</h2>\n";
      text_element(out, "p", "", letter.revocation_notice);
    }
    out += "</aside>\n";
  }
  out += "</main>\n<footer>\n";
  text_element(out, "p", "", letter.authorization_footer);
  if (!letter.letter_id.empty()) text_element(out, "p", "", "Letter " + letter.letter_id);
  out += "</footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace homebase::gateway::letters
