#include "mappers/disclosure/school_letter.hpp"

#include <algorithm>
#include <array>

#include "fhir/json_document.hpp"
#include "fhir/xml_text.hpp"
#include "mappers/outbound/stable_uuid.hpp"

namespace homebase::mappers::disclosure {
namespace {

using rapidjson::Value;
using alloc_t = rapidjson::Document::AllocatorType;

constexpr std::string_view icd10cm_system = "http://hl7.org/fhir/sid/icd-10-cm";
constexpr std::string_view snomed_system = "http://snomed.info/sct";
constexpr std::string_view xhtml_open = "<div xmlns=\"http://www.w3.org/1999/xhtml\">";
// SNOMED CT disorders that are behavioral health whatever else they are coded with.
constexpr std::array<std::string_view, 4> behavioral_snomed = {
    "406506008",  // attention deficit hyperactivity disorder
    "35489007",   // depressive disorder
    "197480006",  // anxiety disorder
    "35919005",   // pervasive developmental disorder
};
// HIPAA 164.508(c)(2)(iii): information disclosed under an authorization may be redisclosed by the
// recipient and is then no longer protected by the Privacy Rule. Once at the school it is an education
// record under FERPA.
constexpr std::string_view redisclosure_notice =
    "Released with the written authorization of the child's parent or guardian. Information disclosed "
    "under this authorization may be redisclosed by the recipient and may then no longer be protected by "
    "federal privacy rules (HIPAA). At the school it is part of the student's education record (FERPA).";

class builder {
 public:
  explicit builder(alloc_t& a) : a_(a) {}
  Value str(std::string_view s) { return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a_); }
  Value obj() { return Value(rapidjson::kObjectType); }
  Value arr() { return Value(rapidjson::kArrayType); }
  void set(Value& o, const char* name, Value v) { o.AddMember(Value(name, a_), v, a_); }
  void set(Value& o, const char* name, std::string_view s) { set(o, name, str(s)); }
  void push(Value& array, Value v) { array.PushBack(v, a_); }
  Value coding(std::string_view system, std::string_view code, std::string_view display = {}) {
    auto c = obj();
    set(c, "system", system);
    set(c, "code", code);
    if (!display.empty()) set(c, "display", display);
    return c;
  }
  Value concept_(const model::coding& c, std::string_view text = {}) {
    auto cc = obj();
    if (!c.code.empty()) {
      auto codings = arr();
      push(codings, coding(c.system, c.code, c.display));
      set(cc, "coding", std::move(codings));
    }
    if (!text.empty())
      set(cc, "text", text);
    else if (c.code.empty())
      set(cc, "text", c.display.empty() ? std::string_view("unspecified") : std::string_view(c.display));
    return cc;
  }
  Value reference(const std::string& full_url) {
    auto r = obj();
    set(r, "reference", full_url);
    return r;
  }
  Value narrative(const std::string& xhtml_body) {
    auto t = obj();
    set(t, "status", "generated");
    set(t, "div", std::string(xhtml_open) + xhtml_body + "</div>");
    return t;
  }

 private:
  alloc_t& a_;
};

std::string esc(std::string_view s) {
  return fhir::escape_xml(s);
}

std::string full_url(const letter_parties& p, std::string_view what) {
  return "urn:uuid:" + outbound::uuid_v5(std::string(school_letter_id_system) + "|" + p.letter_id + "|" +
                                         std::string(what));
}

std::string problem_text(const model::problem& p) {
  if (!p.text.empty()) return p.text;
  if (!p.code.display.empty()) return p.code.display;
  return p.code.code;
}

std::string medication_text(const model::medication& m) {
  return !m.text.empty() ? m.text : !m.code.display.empty() ? m.code.display : m.code.code;
}

bool active_problem(const model::problem& p) {
  return p.clinical_status.empty() || p.clinical_status == "active" || p.clinical_status == "recurrence" ||
         p.clinical_status == "relapse";
}

}  // namespace

bool is_behavioral_health(const model::problem& p) {
  if (p.code.system == icd10cm_system && !p.code.code.empty() &&
      (p.code.code[0] == 'F' || p.code.code[0] == 'f'))
    return true;
  return p.code.system == snomed_system && std::find(behavioral_snomed.begin(), behavioral_snomed.end(),
                                                     p.code.code) != behavioral_snomed.end();
}

std::vector<data_class> letter_sections(const letter_request& request, const authorization& permit) {
  std::vector<data_class> out;
  for (auto c : request.sections) {
    if (std::find(permit.excluded.begin(), permit.excluded.end(), c) != permit.excluded.end()) continue;
    bool permitted =
        permit.basis == authorization_basis::immunization_agreement
            ? c == data_class::immunizations
            : std::find(permit.permitted.begin(), permit.permitted.end(), c) != permit.permitted.end();
    if (permitted) out.push_back(c);
  }
  return out;
}

std::vector<model::medication> school_hours_medications(const letter_request& request,
                                                        const model::coordination_record& record,
                                                        std::vector<model::coding>* unknown) {
  std::vector<model::medication> out;
  for (const auto& wanted : request.school_hours_medications) {
    auto it =
        std::find_if(record.medications.begin(), record.medications.end(), [&](const model::medication& m) {
          return m.code.system == wanted.system && m.code.code == wanted.code;
        });
    if (it != record.medications.end())
      out.push_back(*it);
    else if (unknown != nullptr)
      unknown->push_back(wanted);
  }
  return out;
}

std::string build_school_letter(const letter_request& request, const authorization& permit,
                                const model::coordination_record& record, const letter_parties& parties) {
  rapidjson::Document doc(rapidjson::kObjectType);
  builder b(doc.GetAllocator());
  auto entries = b.arr();
  auto add_entry = [&](const std::string& url, Value resource) {
    auto e = b.obj();
    b.set(e, "fullUrl", url);
    b.set(e, "resource", std::move(resource));
    b.push(entries, std::move(e));
  };

  // The child: enough for the school to know whom the letter is about (domain.md §4.2 item 1).
  const auto patient_url = full_url(parties, "Patient");
  std::string child_name;
  auto patient = b.obj();
  b.set(patient, "resourceType", "Patient");
  {
    const model::human_name* chosen = nullptr;
    for (const auto& n : record.patient.names)
      if (n.use == "official" || chosen == nullptr) chosen = &n;
    if (chosen != nullptr) {
      auto name = b.obj();
      if (!chosen->use.empty()) b.set(name, "use", chosen->use);
      if (!chosen->family.empty()) b.set(name, "family", chosen->family);
      if (!chosen->given.empty()) {
        auto given = b.arr();
        for (const auto& g : chosen->given) b.push(given, b.str(g));
        b.set(name, "given", std::move(given));
      }
      child_name = !chosen->text.empty()
                       ? chosen->text
                       : (chosen->given.empty() ? "" : chosen->given[0] + " ") + chosen->family;
      if (!chosen->text.empty()) b.set(name, "text", chosen->text);
      auto names = b.arr();
      b.push(names, std::move(name));
      b.set(patient, "name", std::move(names));
    }
    if (!record.patient.gender.empty()) b.set(patient, "gender", record.patient.gender);
    if (!record.patient.birth_date.empty()) b.set(patient, "birthDate", record.patient.birth_date);
    b.set(patient, "text",
          b.narrative("<p>" + esc(child_name) +
                      (record.patient.birth_date.empty() ? "" : ", born " + esc(record.patient.birth_date)) +
                      "</p>"));
  }

  // The signing clinician, as the record's care team knows them.
  const auto signer_url = full_url(parties, "Practitioner");
  auto signer = b.obj();
  b.set(signer, "resourceType", "Practitioner");
  std::string signer_name = request.signer.value;
  {
    auto ids = b.arr();
    auto id = b.obj();
    b.set(id, "system", request.signer.system);
    b.set(id, "value", request.signer.value);
    b.push(ids, std::move(id));
    b.set(signer, "identifier", std::move(ids));
    auto member = std::find_if(record.team.begin(), record.team.end(),
                               [&](const model::team_member& t) { return t.key == request.signer; });
    if (member != record.team.end()) {
      const auto& n = member->name;
      auto name = b.obj();
      if (!n.family.empty()) b.set(name, "family", n.family);
      if (!n.given.empty()) {
        auto given = b.arr();
        for (const auto& g : n.given) b.push(given, b.str(g));
        b.set(name, "given", std::move(given));
      }
      signer_name = !n.text.empty() ? n.text : (n.given.empty() ? "" : n.given[0] + " ") + n.family;
      if (!n.text.empty()) b.set(name, "text", n.text);
      auto names = b.arr();
      b.push(names, std::move(name));
      b.set(signer, "name", std::move(names));
    }
    b.set(signer, "text", b.narrative("<p>" + esc(signer_name) + "</p>"));
  }

  auto sections = b.arr();
  std::vector<std::pair<std::string, Value>> cited;  // resources the sections cite
  for (auto cls : letter_sections(request, permit)) {
    auto section = b.obj();
    b.set(section, "title", display(cls));
    auto code = b.obj();
    auto codings = b.arr();
    b.push(codings, b.coding(data_class_system, to_string(cls), display(cls)));
    b.set(code, "coding", std::move(codings));
    b.set(section, "code", std::move(code));
    std::string html;
    auto refs = b.arr();
    if (cls == data_class::diagnoses || cls == data_class::behavioral_health) {
      bool behavioral = cls == data_class::behavioral_health;
      for (const auto& p : record.problems) {
        if (!active_problem(p) || is_behavioral_health(p) != behavioral) continue;
        auto url = full_url(parties, "Condition|" + p.key.system + "|" + p.key.value);
        auto condition = b.obj();
        b.set(condition, "resourceType", "Condition");
        auto status = b.obj();
        auto sc = b.arr();
        b.push(sc, b.coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"));
        b.set(status, "coding", std::move(sc));
        b.set(condition, "clinicalStatus", std::move(status));
        b.set(condition, "code", b.concept_(p.code, p.text));
        b.set(condition, "subject", b.reference(patient_url));
        b.set(condition, "text", b.narrative("<p>" + esc(problem_text(p)) + "</p>"));
        html += "<li>" + esc(problem_text(p)) + (p.code.code.empty() ? "" : " (" + esc(p.code.code) + ")") +
                "</li>";
        b.push(refs, b.reference(url));
        cited.emplace_back(url, std::move(condition));
      }
      html = html.empty() ? "<p>None recorded.</p>" : "<ul>" + html + "</ul>";
    } else if (cls == data_class::school_hours_medications) {
      for (const auto& m : school_hours_medications(request, record)) {
        auto url = full_url(parties, "MedicationStatement|" + m.key.system + "|" + m.key.value);
        auto statement = b.obj();
        b.set(statement, "resourceType", "MedicationStatement");
        b.set(statement, "status", "active");
        b.set(statement, "medicationCodeableConcept", b.concept_(m.code, m.text));
        b.set(statement, "subject", b.reference(patient_url));
        if (!m.dosage.empty()) {
          auto dosage = b.arr();
          auto d = b.obj();
          b.set(d, "text", m.dosage);
          b.push(dosage, std::move(d));
          b.set(statement, "dosage", std::move(dosage));
        }
        auto line = esc(medication_text(m)) + (m.dosage.empty() ? "" : ": " + esc(m.dosage));
        b.set(statement, "text", b.narrative("<p>" + line + "</p>"));
        html += "<li>" + line + "</li>";
        b.push(refs, b.reference(url));
        cited.emplace_back(url, std::move(statement));
      }
      html = html.empty() ? "<p>None recorded.</p>" : "<ul>" + html + "</ul>";
    } else {
      const std::string& text = cls == data_class::functional_impact ? request.functional_impact
                                : cls == data_class::accommodations  ? request.accommodations
                                : cls == data_class::emergency_plan  ? request.emergency_plan
                                                                     : request.immunizations;
      html = "<p>" + esc(text) + "</p>";
    }
    b.set(section, "text", b.narrative(html));
    if (refs.Empty()) {
      if (cls == data_class::diagnoses || cls == data_class::behavioral_health ||
          cls == data_class::school_hours_medications) {
        auto reason = b.obj();
        auto rc = b.arr();
        b.push(rc,
               b.coding("http://terminology.hl7.org/CodeSystem/list-empty-reason", "nilknown", "Nil Known"));
        b.set(reason, "coding", std::move(rc));
        b.set(section, "emptyReason", std::move(reason));
      }
    } else {
      b.set(section, "entry", std::move(refs));
    }
    b.push(sections, std::move(section));
  }

  auto composition = b.obj();
  b.set(composition, "resourceType", "Composition");
  {
    auto id = b.obj();
    b.set(id, "system", school_letter_id_system);
    b.set(id, "value", parties.letter_id);
    b.set(composition, "identifier", std::move(id));
  }
  b.set(composition, "status", "final");
  auto title = letter_title(request.kind);
  b.set(composition, "type", b.concept_({std::string(letter_kind_system), request.kind, title}));
  b.set(composition, "subject", b.reference(patient_url));
  b.set(composition, "date", parties.now);
  auto authors = b.arr();
  b.push(authors, b.reference(signer_url));
  b.set(composition, "author", std::move(authors));
  b.set(composition, "title", title);
  b.set(composition, "confidentiality", "R");
  {
    auto attesters = b.arr();
    auto attester = b.obj();
    b.set(attester, "mode", "legal");
    b.set(attester, "time", parties.now);
    b.set(attester, "party", b.reference(signer_url));
    b.push(attesters, std::move(attester));
    b.set(composition, "attester", std::move(attesters));
  }
  std::string to = parties.school_name + (request.addressee.empty() ? "" : ", " + request.addressee);
  b.set(composition, "text",
        b.narrative("<p>To: " + esc(to) + "</p><p>" + esc(title) + " about " + esc(child_name) +
                    ", signed by " + esc(signer_name) + " on " + esc(parties.now) + ".</p><p>" +
                    esc(redisclosure_notice) + "</p>"));
  if (!sections.Empty()) b.set(composition, "section", std::move(sections));

  add_entry(full_url(parties, "Composition"), std::move(composition));
  add_entry(patient_url, std::move(patient));
  add_entry(signer_url, std::move(signer));
  for (auto& [url, resource] : cited) add_entry(url, std::move(resource));

  b.set(doc, "resourceType", "Bundle");
  {
    auto id = b.obj();
    b.set(id, "system", school_letter_id_system);
    b.set(id, "value", parties.letter_id);
    b.set(doc, "identifier", std::move(id));
  }
  b.set(doc, "type", "document");
  b.set(doc, "timestamp", parties.now);
  b.set(doc, "entry", std::move(entries));
  return fhir::to_json(doc);
}

}  // namespace homebase::mappers::disclosure
