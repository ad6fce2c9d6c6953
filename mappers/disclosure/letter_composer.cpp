#include "mappers/disclosure/letter_composer.hpp"

#include <array>
#include <utility>

#include "mappers/disclosure/school_letter.hpp"

namespace homebase::mappers::disclosure {
namespace {

constexpr std::string_view icd10cm_system = "http://hl7.org/fhir/sid/icd-10-cm";

// What a few common diagnoses mean for the school day, by ICD-10-CM prefix; others point to the
// functional impact the clinician wrote.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> school_meaning{{
    {"G40", "seizures can happen during the school day; staff near the child should know the emergency plan"},
    {"J45", "asthma flares can limit exercise and may need a rescue inhaler at school"},
    {"E10", "blood sugar needs checking during the day; meals, snacks and insulin follow the care plan"},
    {"Z91.01", "a food allergy: exposure can cause a severe reaction; epinephrine must be at hand"},
    {"T78.0", "a risk of anaphylaxis: epinephrine must be at hand and staff must know when to use it"},
    {"Q90", "learning and development may need support; see the functional impact below"},
    {"H90", "hearing loss: seating, captions or an FM system may be needed in class"},
    {"G80", "cerebral palsy: mobility, fine motor tasks and fatigue may need support"},
}};

std::string meaning_of(const model::problem& p) {
  if (p.code.system == icd10cm_system)
    for (const auto& [prefix, text] : school_meaning)
      if (p.code.code.starts_with(prefix)) return std::string(text);
  return "see how it affects the school day below";
}

std::string problem_name(const model::problem& p) {
  if (!p.text.empty()) return p.text;
  if (!p.code.display.empty()) return p.code.display;
  return p.code.code;
}

std::string code_label(const model::coding& c) {
  if (c.code.empty()) return {};
  std::string system = c.system == icd10cm_system             ? "ICD-10-CM "
                       : c.system == "http://snomed.info/sct" ? "SNOMED CT "
                                                              : "";
  return " (" + system + c.code + ")";
}

bool active(const model::problem& p) {
  return p.clinical_status.empty() || p.clinical_status == "active" || p.clinical_status == "recurrence" ||
         p.clinical_status == "relapse";
}

std::string first_name(const model::coordination_record& record) {
  for (const auto& n : record.patient.names)
    if (n.use == "official" && !n.given.empty()) return n.given[0];
  for (const auto& n : record.patient.names)
    if (!n.given.empty()) return n.given[0];
  return "the student";
}

void add_text(letter_section& s, const std::string& text) {
  // Paragraphs as the clinician wrote them (blank lines separate them).
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find("\n\n", start);
    auto part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) s.paragraphs.push_back(part);
    if (end == std::string::npos) break;
    start = end + 2;
  }
}

}  // namespace

std::string addressee_of(std::string_view kind) {
  if (kind == "iep_support") return "IEP Team";
  if (kind == "504_support") return "Section 504 Coordinator";
  return "School Nurse";
}

std::string printed_date(std::string_view d) {
  static constexpr std::array<std::string_view, 12> months = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  if (d.size() < 10 || d[4] != '-' || d[7] != '-') return std::string(d);
  int month = (d[5] - '0') * 10 + (d[6] - '0');
  int day = (d[8] - '0') * 10 + (d[9] - '0');
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::string(d);
  return std::string(months[month - 1]) + " " + std::to_string(day) + ", " + std::string(d.substr(0, 4));
}

std::string child_display_name(const model::coordination_record& record) {
  const model::human_name* chosen = nullptr;
  for (const auto& n : record.patient.names)
    if (n.use == "official" || chosen == nullptr) chosen = &n;
  if (chosen == nullptr) return {};
  if (!chosen->text.empty()) return chosen->text;
  std::string out;
  for (const auto& g : chosen->given) out += g + " ";
  return out + chosen->family;
}

letter_content compose_letter(const letter_request& request, const authorization& permit,
                              const model::coordination_record& record, const letter_context& context) {
  letter_content l;
  l.head = context.head;
  l.date = printed_date(context.now);
  l.addressee = addressee_of(request.kind);
  l.school_name = context.school_name;
  if (!request.addressee.empty()) l.school_address_lines.push_back(request.addressee);
  l.child_name = child_display_name(record);
  l.child_birth_date = printed_date(record.patient.birth_date);
  l.subject = letter_title(request.kind) + ": health information for " + l.child_name;
  l.salutation = "Dear " + l.addressee + ",";
  const auto name = first_name(record);

  {
    letter_section intro;
    intro.paragraphs.push_back("I am the physician caring for " + l.child_name + " (born " +
                               l.child_birth_date + "). With the written authorization of " + name +
                               "'s parent or guardian, I am sharing the health information below so that the "
                               "school can support " +
                               name + " safely and fairly.");
    l.sections.push_back(std::move(intro));
  }
  for (auto c : letter_sections(request, permit)) {
    letter_section s;
    switch (c) {
      case data_class::diagnoses:
        s.heading = "Health conditions and what they mean at school";
        for (const auto& p : record.problems)
          if (active(p) && !is_behavioral_health(p))
            s.items.push_back(problem_name(p) + code_label(p.code) + ": " + meaning_of(p));
        if (s.items.empty()) s.paragraphs.push_back("No current diagnoses to report.");
        break;
      case data_class::behavioral_health:
        s.heading = "Behavioral health";
        for (const auto& p : record.problems)
          if (active(p) && is_behavioral_health(p)) s.items.push_back(problem_name(p) + code_label(p.code));
        break;
      case data_class::functional_impact:
        s.heading = "How this affects " + name + "'s school day";
        add_text(s, request.functional_impact);
        break;
      case data_class::accommodations:
        s.heading = "What " + name + " needs at school";
        add_text(s, request.accommodations);
        break;
      case data_class::school_hours_medications:
        s.heading = "Medicines during school hours";
        for (const auto& m : school_hours_medications(request, record)) {
          std::string line = !m.text.empty()           ? m.text
                             : !m.code.display.empty() ? m.code.display
                                                       : m.code.code;
          if (!m.dosage.empty()) line += ": " + m.dosage;
          s.items.push_back(std::move(line));
        }
        break;
      case data_class::emergency_plan:
        s.heading = "Emergency plan";
        add_text(s, request.emergency_plan);
        break;
      case data_class::immunizations:
        s.heading = "Immunizations";
        add_text(s, request.immunizations);
        break;
    }
    l.sections.push_back(std::move(s));
  }
  l.signer = context.signer;
  const auto& h = context.head;
  std::string write_to = h.practice_name;
  if (!h.address_lines.empty()) {
    write_to += ", ";
    for (std::size_t i = 0; i < h.address_lines.size(); ++i) write_to += (i ? ", " : "") + h.address_lines[i];
  }
  if (!h.fax.empty()) write_to += " (fax " + h.fax + ")";
  if (!h.email.empty()) write_to += " or by e-mail to " + h.email;
  l.redisclosure_notice =
      "Notice to the recipient: this information is disclosed with the written authorization of the "
      "student's parent or guardian (45 CFR 164.508). Once received, it may be redisclosed by the recipient "
      "and may then no longer be protected by the HIPAA Privacy Rule. At the school it becomes part "
      "of the student's education record under FERPA; share it only with staff who need it to support the "
      "student.";
  l.revocation_notice =
      "The parent or guardian may revoke this authorization at any time by writing to " + write_to +
      ". A revocation stops any further letters; it does not undo what was already disclosed in reliance on "
      "the authorization.";
  l.authorization_footer = "Disclosed under the authorization Consent/" + permit.consent_id;
  if (!permit.grantor_display.empty()) l.authorization_footer += " signed by " + permit.grantor_display;
  if (!permit.signed_on.empty()) l.authorization_footer += " on " + printed_date(permit.signed_on);
  if (!permit.period_end.empty())
    l.authorization_footer += ", valid until " + printed_date(permit.period_end);
  l.authorization_footer += ".";
  l.letter_id = context.letter_id;
  l.draft = context.signer.signed_at.empty();
  return l;
}

}  // namespace homebase::mappers::disclosure
