#include "mappers/outbound/medical_home_transaction.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

#include "fhir/xml_text.hpp"
#include "mappers/model/code_systems.hpp"
#include "mappers/outbound/stable_uuid.hpp"

namespace homebase::mappers::outbound {
namespace {

using model::care_team_role_system;
using model::interpreter_required_url;
using model::loinc_system;
using model::us_core_interpreter_needed_url;

using model::coding;
using model::identifier;

constexpr std::string_view ucum_system = "http://unitsofmeasure.org";
constexpr std::string_view bcp47_system = "urn:ietf:bcp:47";
constexpr std::string_view act_code_system = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
constexpr std::string_view observation_category_system =
    "http://terminology.hl7.org/CodeSystem/observation-category";
constexpr std::string_view careplan_category_system =
    "http://hl7.org/fhir/us/core/CodeSystem/careplan-category";
constexpr std::string_view xhtml_open = "<div xmlns=\"http://www.w3.org/1999/xhtml\">";

bool has(const identifier& id) {
  return !id.value.empty();
}
bool has(const coding& c) {
  return !c.code.empty() || !c.display.empty();
}

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0F]);
    }
  }
  return out;
}

// A FHIR decimal per the R4 JSON grammar, so it can be written as a raw JSON number.
bool is_decimal(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  auto digits = [&] {
    std::size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0) ++i;
    return i - start;
  };
  std::size_t start = i;
  std::size_t n = digits();
  if (n == 0 || (n > 1 && s[start] == '0')) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

std::string full_name(const model::human_name& n) {
  if (!n.text.empty()) return n.text;
  std::string out;
  for (const auto& g : n.given) out += g + " ";
  out += n.family;
  return out;
}

class bundle_writer {
 public:
  bundle_writer(const model::coordination_record& record, const transaction_options& options)
      : record_(record), options_(options), w_(buffer_) {}

  std::string run();

 private:
  // ---- primitives ----
  void key(std::string_view k) { w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
  void str(std::string_view v) { w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size())); }
  void field(std::string_view k, std::string_view v) {
    if (v.empty()) return;
    key(k);
    str(v);
  }

  static std::string urn(std::string_view type, const identifier& id) {
    std::string name = "urn:homebase:";
    name.append(type).append(":").append(id.system).append("|").append(id.value);
    return "urn:uuid:" + uuid_v5(name);
  }

  void reference(std::string_view k, std::string_view type, const identifier& id) {
    key(k);
    w_.StartObject();
    field("reference", urn(type, id));
    w_.EndObject();
  }

  // A logical reference (Reference.identifier) to something the transaction does not write.
  void logical_reference(std::string_view type, const identifier& id, std::string_view display) {
    w_.StartObject();
    field("type", type);
    key("identifier");
    identifier_value(id);
    field("display", display);
    w_.EndObject();
  }

  void identifier_value(const identifier& id) {
    w_.StartObject();
    field("system", id.system);
    field("value", id.value);
    w_.EndObject();
  }

  void identifiers(const std::vector<identifier>& ids) {
    if (ids.empty()) return;
    key("identifier");
    w_.StartArray();
    for (const auto& id : ids) identifier_value(id);
    w_.EndArray();
  }

  void coding_value(const coding& c) {
    w_.StartObject();
    field("system", c.system);
    field("code", c.code);
    field("display", c.display);
    w_.EndObject();
  }

  // CodeableConcept from codings (empty ones skipped) and a text; nothing when all are empty.
  void codeable_concept(std::string_view k, std::initializer_list<coding> codings, std::string_view text) {
    if (!any_concept(codings, text)) return;
    key(k);
    concept_value(codings, text);
  }

  // The same, as a one-element array (for elements of cardinality 0..*).
  void concept_list(std::string_view k, std::initializer_list<coding> codings, std::string_view text) {
    if (!any_concept(codings, text)) return;
    key(k);
    w_.StartArray();
    concept_value(codings, text);
    w_.EndArray();
  }

  static bool any_concept(std::initializer_list<coding> codings, std::string_view text) {
    return !text.empty() ||
           std::any_of(codings.begin(), codings.end(), [](const coding& c) { return has(c); });
  }

  void concept_value(std::initializer_list<coding> codings, std::string_view text) {
    w_.StartObject();
    if (std::any_of(codings.begin(), codings.end(), [](const coding& c) { return has(c); })) {
      key("coding");
      w_.StartArray();
      for (const auto& c : codings) {
        if (has(c)) coding_value(c);
      }
      w_.EndArray();
    }
    field("text", text);
    w_.EndObject();
  }

  void name_value(const model::human_name& n) {
    w_.StartObject();
    field("use", n.use);
    field("text", n.text);
    field("family", n.family);
    if (!n.given.empty()) {
      key("given");
      w_.StartArray();
      for (const auto& g : n.given) str(g);
      w_.EndArray();
    }
    w_.EndObject();
  }

  void names(const std::vector<model::human_name>& list) {
    if (list.empty()) return;
    key("name");
    w_.StartArray();
    for (const auto& n : list) name_value(n);
    w_.EndArray();
  }

  void narrative(const std::string& xhtml_body) {
    key("text");
    w_.StartObject();
    field("status", "generated");
    field("div", std::string(xhtml_open) + xhtml_body + "</div>");
    w_.EndObject();
  }

  void meta() {
    if (options_.source_name.empty()) return;
    std::string source = options_.source_name;
    if (!options_.message_id.empty()) source += "#" + options_.message_id;
    key("meta");
    w_.StartObject();
    field("source", source);
    w_.EndObject();
  }

  void subject() { reference("subject", "Patient", patient_key_); }

  // Opens an entry and its resource; the caller writes the resource's own members and calls end_entry().
  void begin_entry(std::string_view type, const identifier& key_id) {
    w_.StartObject();
    field("fullUrl", urn(type, key_id));
    key("resource");
    w_.StartObject();
    field("resourceType", type);
    meta();
    entry_type_ = std::string(type);
    entry_key_ = key_id;
  }

  void end_entry() {
    w_.EndObject();  // resource
    key("request");
    w_.StartObject();
    if (has(entry_key_)) {
      field("method", "PUT");
      field("url", entry_type_ + "?identifier=" + url_encode(entry_key_.system) + "|" +
                       url_encode(entry_key_.value));
    } else {
      field("method", "POST");
      field("url", entry_type_);
    }
    w_.EndObject();
    w_.EndObject();  // entry
  }

  void quantity_value(std::string_view k, const model::quantity& q) {
    if (!is_decimal(q.value)) return;
    key(k);
    w_.StartObject();
    key("value");
    w_.RawValue(q.value.data(), q.value.size(), rapidjson::kNumberType);
    field("unit", q.unit.empty() ? q.code : q.unit);
    if (!q.code.empty()) {
      field("system", ucum_system);
      field("code", q.code);
    }
    w_.EndObject();
  }

  // ---- resources ----
  void patient();
  void family_member(const model::family_member& m);
  void team_resource(const model::team_member& m);
  void encounter(const model::encounter_info& e);
  void care_team(const model::care_team_info& ct);
  void care_plan(const model::care_plan_info& cp);
  void referral(const model::referral& r);
  void appointment(const model::appointment& a);
  void observation(const identifier& key_id, const coding& code, const model::quantity& value,
                   const std::string& effective, bool vital_sign);

  bool is_referral(const identifier& id) const {
    return std::any_of(record_.referrals.begin(), record_.referrals.end(),
                       [&](const model::referral& r) { return r.key == id; });
  }
  const model::team_member* team_member_by_key(const identifier& id) const {
    for (const auto& m : record_.team) {
      if (m.key == id && (m.member_type == "Practitioner" || m.member_type == "Organization")) return &m;
    }
    return nullptr;
  }
  bool is_family(const identifier& id) const {
    return std::any_of(record_.family.begin(), record_.family.end(),
                       [&](const model::family_member& f) { return f.key == id; });
  }

  const model::coordination_record& record_;
  const transaction_options& options_;
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
  identifier patient_key_;
  std::string entry_type_;
  identifier entry_key_;
};

void bundle_writer::patient() {
  const auto& c = record_.patient;
  begin_entry("Patient", patient_key_);
  bool wants_preferred = !c.preferred_language.empty();
  if (c.interpreter_needed) {
    key("extension");
    w_.StartArray();
    w_.StartObject();
    field("url", interpreter_required_url);
    key("valueBoolean");
    w_.Bool(true);
    w_.EndObject();
    w_.EndArray();
  }
  identifiers(c.identifiers);
  names(c.names);
  field("gender", c.gender);
  field("birthDate", c.birth_date);
  if (!c.languages.empty()) {
    key("communication");
    w_.StartArray();
    for (const auto& language : c.languages) {
      w_.StartObject();
      codeable_concept("language", {coding{std::string(bcp47_system), language, ""}}, "");
      if (wants_preferred && language == c.preferred_language) {
        key("preferred");
        w_.Bool(true);
      }
      w_.EndObject();
    }
    w_.EndArray();
  }
  if (!c.general_practitioner_orgs.empty()) {
    key("generalPractitioner");
    w_.StartArray();
    for (const auto& org : c.general_practitioner_orgs) logical_reference("Organization", org, "");
    w_.EndArray();
  }
  end_entry();
}

void bundle_writer::family_member(const model::family_member& m) {
  begin_entry("RelatedPerson", m.key);
  if (m.interpreter_needed) {
    key("extension");
    w_.StartArray();
    w_.StartObject();
    field("url", us_core_interpreter_needed_url);
    key("valueCoding");
    coding_value({"http://terminology.hl7.org/CodeSystem/v2-0136", "Y", "Yes"});
    w_.EndObject();
    w_.EndArray();
  }
  identifiers({m.key});
  reference("patient", "Patient", patient_key_);
  if (has(m.relationship)) concept_list("relationship", {m.relationship}, "");
  if (m.name != model::human_name{}) names({m.name});
  if (!m.telecom.empty()) {
    key("telecom");
    w_.StartArray();
    for (const auto& t : m.telecom) {
      w_.StartObject();
      field("system", t.system);
      field("value", t.value);
      field("use", t.use);
      w_.EndObject();
    }
    w_.EndArray();
  }
  if (!m.language.empty()) {
    key("communication");
    w_.StartArray();
    w_.StartObject();
    codeable_concept("language", {coding{std::string(bcp47_system), m.language, ""}}, "");
    if (m.preferred_language) {
      key("preferred");
      w_.Bool(true);
    }
    w_.EndObject();
    w_.EndArray();
  }
  end_entry();
}

void bundle_writer::team_resource(const model::team_member& m) {
  begin_entry(m.member_type, m.key);
  identifiers({m.key});
  if (m.member_type == "Organization") {
    field("name", m.organization_name.empty() ? full_name(m.name) : m.organization_name);
  } else if (m.name != model::human_name{}) {
    names({m.name});
  }
  end_entry();
}

void bundle_writer::encounter(const model::encounter_info& e) {
  begin_entry("Encounter", e.key);
  identifiers({e.key});
  field("status", e.status.empty() ? "unknown" : e.status);
  key("class");
  coding_value({std::string(act_code_system), e.class_code, ""});
  subject();
  if (!e.period_start.empty() || !e.period_end.empty()) {
    key("period");
    w_.StartObject();
    field("start", e.period_start);
    field("end", e.period_end);
    w_.EndObject();
  }
  if (!e.discharge_disposition.empty()) {
    key("hospitalization");
    w_.StartObject();
    codeable_concept("dischargeDisposition", {}, e.discharge_disposition);
    w_.EndObject();
  }
  if (!e.location.empty()) {
    key("location");
    w_.StartArray();
    w_.StartObject();
    key("location");
    w_.StartObject();
    field("display", e.location);
    w_.EndObject();
    w_.EndObject();
    w_.EndArray();
  }
  end_entry();
}

std::string role_code_of(model::team_role role) {
  switch (role) {
    case model::team_role::pcp:
      return "pcp";
    case model::team_role::care_coordinator:
      return "care-coordinator";
    case model::team_role::parent_partner:
      return "parent-partner";
    case model::team_role::specialist:
      return "specialist";
    case model::team_role::nicu_team:
      return "nicu-team";
    case model::team_role::ei_coordinator:
      return "ei-coordinator";
    case model::team_role::school_nurse:
      return "school-nurse";
    case model::team_role::social_worker:
      return "social-worker";
    case model::team_role::other:
      break;
  }
  return {};
}

void bundle_writer::care_team(const model::care_team_info& ct) {
  begin_entry("CareTeam", ct.key);
  std::string div = "<p>" + fhir::escape_xml(ct.name.empty() ? "Care team" : ct.name) + "</p><ul>";
  for (const auto& m : record_.team) {
    std::string role = m.role == model::team_role::other && !m.role_code.display.empty()
                           ? m.role_code.display
                           : model::to_string(m.role);
    div += "<li>" + fhir::escape_xml(full_name(m.name)) + " (" + fhir::escape_xml(role);
    if (!m.specialty.empty()) div += ", " + fhir::escape_xml(m.specialty);
    div += ")</li>";
  }
  div += "</ul>";
  narrative(div);
  identifiers({ct.key});
  field("status", ct.status);
  field("name", ct.name);
  subject();
  key("participant");
  w_.StartArray();
  for (const auto& m : record_.team) {
    bool written = m.member_type == "Practitioner" || m.member_type == "Organization" ||
                   (m.member_type == "RelatedPerson" && is_family(m.key));
    if (!written) continue;
    w_.StartObject();
    coding local;
    if (auto code = role_code_of(m.role); !code.empty())
      local = {std::string(care_team_role_system), code, ""};
    std::string role_text = m.role_code.display.empty() ? model::to_string(m.role) : m.role_code.display;
    concept_list("role", {m.role_code, local}, role_text);
    reference("member", m.member_type, m.key);
    w_.EndObject();
  }
  w_.EndArray();
  if (!ct.managing_organizations.empty()) {
    key("managingOrganization");
    w_.StartArray();
    for (const auto& org : ct.managing_organizations) logical_reference("Organization", org, "");
    w_.EndArray();
  }
  end_entry();
}

void bundle_writer::care_plan(const model::care_plan_info& cp) {
  begin_entry("CarePlan", cp.key);
  std::string div = "<p>" + fhir::escape_xml(cp.title.empty() ? "Plan of care" : cp.title) + "</p>";
  if (!cp.description.empty()) div += "<p>" + fhir::escape_xml(cp.description) + "</p>";
  if (!record_.activities.empty()) {
    div += "<ul>";
    for (const auto& a : record_.activities) {
      div += "<li>" + fhir::escape_xml(a.description.empty() ? a.code.display : a.description);
      if (!a.scheduled.empty()) div += " (" + fhir::escape_xml(a.scheduled) + ")";
      div += "</li>";
    }
    div += "</ul>";
  }
  narrative(div);
  identifiers({cp.key});
  field("status", cp.status.empty() ? "unknown" : cp.status);
  field("intent", cp.intent.empty() ? "plan" : cp.intent);
  concept_list(
      "category",
      {coding{std::string(careplan_category_system), "assess-plan", "Assessment and Plan of Treatment"}}, "");
  field("title", cp.title);
  field("description", cp.description);
  subject();
  if (!cp.period_start.empty()) {
    key("period");
    w_.StartObject();
    field("start", cp.period_start);
    w_.EndObject();
  }
  if (record_.care_team) {
    key("careTeam");
    w_.StartArray();
    w_.StartObject();
    field("reference", urn("CareTeam", record_.care_team->key));
    w_.EndObject();
    w_.EndArray();
  }
  if (!record_.activities.empty()) {
    key("activity");
    w_.StartArray();
    for (const auto& a : record_.activities) {
      w_.StartObject();
      key("detail");
      w_.StartObject();
      codeable_concept("code", {a.code}, "");
      field("status", a.status.empty() ? "unknown" : a.status);
      field("scheduledString", a.scheduled);
      field("description", a.description);
      w_.EndObject();
      w_.EndObject();
    }
    w_.EndArray();
  }
  end_entry();
}

void bundle_writer::referral(const model::referral& r) {
  begin_entry("ServiceRequest", r.key);
  identifiers({r.key});
  field("status", r.status.empty() ? "unknown" : r.status);
  field("intent", r.intent.empty() ? "order" : r.intent);
  codeable_concept("code", {r.specialty_code},
                   r.specialty_code.display.empty() ? r.specialty : r.specialty_code.display);
  subject();
  if (!r.due_by.empty()) {
    key("occurrencePeriod");
    w_.StartObject();
    field("end", r.due_by);
    w_.EndObject();
  }
  field("authoredOn", r.authored_on);
  concept_list("reasonCode", {r.reason_code}, r.reason);
  end_entry();
}

void bundle_writer::appointment(const model::appointment& a) {
  begin_entry("Appointment", a.key);
  identifiers({a.key});
  bool timed = !a.start.empty() && !a.end.empty();
  std::string status = a.status.empty() ? (timed ? "booked" : "proposed") : a.status;
  // app-3: only proposed, cancelled or waitlist appointments may lack start and end.
  if (!timed && status != "proposed" && status != "cancelled" && status != "waitlist") status = "proposed";
  field("status", status);
  const std::string& specialty_text =
      a.specialty_code.display.empty() ? a.specialty : a.specialty_code.display;
  concept_list("serviceType", {a.specialty_code}, specialty_text);
  concept_list("specialty", {a.specialty_code}, specialty_text);
  field("description", a.description);
  if (timed) {
    field("start", a.start);
    field("end", a.end);
  }
  if (has(a.based_on_referral)) {
    key("basedOn");
    w_.StartArray();
    if (is_referral(a.based_on_referral)) {
      w_.StartObject();
      field("reference", urn("ServiceRequest", a.based_on_referral));
      w_.EndObject();
    } else {
      logical_reference("ServiceRequest", a.based_on_referral, "");
    }
    w_.EndArray();
  }
  bool confirmed =
      status == "booked" || status == "arrived" || status == "fulfilled" || status == "checked-in";
  key("participant");
  w_.StartArray();
  w_.StartObject();
  key("actor");
  w_.StartObject();
  field("reference", urn("Patient", patient_key_));
  w_.EndObject();
  field("status", "accepted");
  w_.EndObject();
  if (has(a.practitioner)) {
    w_.StartObject();
    key("actor");
    if (const auto* member = team_member_by_key(a.practitioner)) {
      w_.StartObject();
      field("reference", urn(member->member_type, member->key));
      w_.EndObject();
    } else {
      logical_reference("Practitioner", a.practitioner, "");
    }
    field("status", confirmed ? "accepted" : "needs-action");
    w_.EndObject();
  }
  if (!a.location.empty()) {
    w_.StartObject();
    key("actor");
    w_.StartObject();
    field("type", "Location");
    field("display", a.location);
    w_.EndObject();
    field("status", confirmed ? "accepted" : "needs-action");
    w_.EndObject();
  }
  w_.EndArray();
  end_entry();
}

void bundle_writer::observation(const identifier& key_id, const coding& code, const model::quantity& value,
                                const std::string& effective, bool vital_sign) {
  begin_entry("Observation", key_id);
  identifiers({key_id});
  field("status", "final");
  if (vital_sign) {
    concept_list("category", {coding{std::string(observation_category_system), "vital-signs", "Vital Signs"}},
                 "");
  }
  codeable_concept("code", {code}, "");
  subject();
  field("effectiveDateTime", effective);
  quantity_value("valueQuantity", value);
  end_entry();
}

std::string bundle_writer::run() {
  const auto& c = record_.patient;
  if (!c.identifiers.empty()) patient_key_ = c.identifiers.front();
  w_.StartObject();
  field("resourceType", "Bundle");
  field("type", "transaction");
  key("entry");
  w_.StartArray();
  patient();
  for (const auto& m : record_.family) family_member(m);
  for (const auto& m : record_.team) {
    if (m.member_type == "Practitioner" || m.member_type == "Organization") team_resource(m);
  }
  if (record_.encounter && !record_.encounter->class_code.empty()) encounter(*record_.encounter);
  if (record_.care_team) care_team(*record_.care_team);
  if (record_.care_plan) care_plan(*record_.care_plan);
  for (const auto& r : record_.referrals) referral(r);
  for (const auto& a : record_.appointments) appointment(a);
  if (c.gestational_age_at_birth && has(c.gestational_age_key)) {
    observation(c.gestational_age_key, {std::string(loinc_system), "76516-4", "Gestational age--at birth"},
                *c.gestational_age_at_birth, c.birth_date, false);
  }
  if (c.birth_weight && has(c.birth_weight_key)) {
    observation(c.birth_weight_key, {std::string(loinc_system), "8339-4", "Birth weight Measured"},
                *c.birth_weight, c.birth_date, true);
  }
  for (const auto& m : record_.measurements) {
    observation(m.key, m.code, m.value, m.effective,
                m.code.system == loinc_system && m.code.code == "29463-7");
  }
  w_.EndArray();
  w_.EndObject();
  return {buffer_.GetString(), buffer_.GetSize()};
}

}  // namespace

std::string to_transaction_bundle(const model::coordination_record& record,
                                  const transaction_options& options) {
  bundle_writer writer(record, options);
  return writer.run();
}

}  // namespace homebase::mappers::outbound
