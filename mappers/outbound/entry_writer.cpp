#include "mappers/outbound/entry_writer.hpp"

#include <algorithm>
#include <cctype>

#include "fhir/validation/primitive_format.hpp"
#include "mappers/outbound/outbound_uris.hpp"
#include "mappers/outbound/stable_uuid.hpp"

namespace homebase::mappers::outbound {

using model::coding;
using model::identifier;

bool has(const identifier& id) {
  return !id.value.empty();
}
bool has(const coding& c) {
  return !c.code.empty() || !c.display.empty();
}

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

std::string search_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\' || c == '|' || c == ',' || c == '$') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string token_query(const identifier& id) {
  return url_encode(search_escape(id.system)) + "|" + url_encode(search_escape(id.value));
}

std::string derived_key_value(const identifier& from) {
  return uuid_v5(from.system + "|" + from.value);
}

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

std::string role_text_of(model::team_role role) {
  switch (role) {
    case model::team_role::pcp:
      return "primary care physician";
    case model::team_role::care_coordinator:
      return "care coordinator";
    case model::team_role::parent_partner:
      return "parent partner";
    case model::team_role::specialist:
      return "specialist";
    case model::team_role::nicu_team:
      return "NICU team";
    case model::team_role::ei_coordinator:
      return "early intervention service coordinator";
    case model::team_role::school_nurse:
      return "school nurse";
    case model::team_role::social_worker:
      return "social worker";
    case model::team_role::other:
      break;
  }
  return "other";
}

bool one_of(std::string_view code, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), code) != allowed.end();
}

entry_writer::entry_writer(const model::coordination_record& record, const transaction_options& options)
    : record_(record), options_(options), w_(buffer_) {
  if (!record_.patient.identifiers.empty()) patient_key_ = record_.patient.identifiers.front();
  w_.StartObject();
  field("resourceType", "Bundle");
  field("type", "transaction");
  key("entry");
  w_.StartArray();
}

std::string entry_writer::finish() {
  w_.EndArray();
  w_.EndObject();
  return {buffer_.GetString(), buffer_.GetSize()};
}

void entry_writer::key(std::string_view k) {
  w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
void entry_writer::str(std::string_view v) {
  w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}
void entry_writer::boolean(bool v) {
  w_.Bool(v);
}
void entry_writer::integer(int v) {
  w_.Int(v);
}
void entry_writer::start_object() {
  w_.StartObject();
}
void entry_writer::end_object() {
  w_.EndObject();
}
void entry_writer::start_array() {
  w_.StartArray();
}
void entry_writer::end_array() {
  w_.EndArray();
}
void entry_writer::field(std::string_view k, std::string_view v) {
  if (v.empty()) return;
  key(k);
  str(v);
}

const std::string& entry_writer::urn(std::string_view type, const identifier& id) {
  std::string name = "urn:homebase:";
  name.append(type).append(":").append(id.system).append("|").append(id.value);
  auto [it, inserted] = urns_.try_emplace(std::move(name));
  if (inserted) it->second = "urn:uuid:" + uuid_v5(it->first);
  return it->second;
}

void entry_writer::reference(std::string_view k, std::string_view type, const identifier& id) {
  key(k);
  reference_value(type, id);
}

void entry_writer::reference_value(std::string_view type, const identifier& id) {
  w_.StartObject();
  field("reference", urn(type, id));
  w_.EndObject();
}

void entry_writer::logical_reference(std::string_view type, const identifier& id, std::string_view display) {
  w_.StartObject();
  field("type", type);
  key("identifier");
  identifier_value(id);
  field("display", display);
  w_.EndObject();
}

void entry_writer::display_reference(std::string_view type, std::string_view display) {
  w_.StartObject();
  field("type", type);
  field("display", display);
  w_.EndObject();
}

void entry_writer::identifier_value(const identifier& id) {
  w_.StartObject();
  field("system", id.system);
  field("value", id.value);
  w_.EndObject();
}

void entry_writer::identifiers(const std::vector<identifier>& ids) {
  if (ids.empty()) return;
  key("identifier");
  w_.StartArray();
  for (const auto& id : ids) identifier_value(id);
  w_.EndArray();
}

void entry_writer::coding_value(const coding& c) {
  w_.StartObject();
  field("system", c.system);
  field("code", c.code);
  field("display", c.display);
  w_.EndObject();
}

namespace {
bool any_concept(std::initializer_list<coding> codings, std::string_view text) {
  return !text.empty() || std::any_of(codings.begin(), codings.end(), [](const coding& c) { return has(c); });
}
}  // namespace

void entry_writer::codeable_concept(std::string_view k, std::initializer_list<coding> codings,
                                    std::string_view text) {
  if (!any_concept(codings, text)) return;
  key(k);
  concept_value(codings, text);
}

void entry_writer::concept_list(std::string_view k, std::initializer_list<coding> codings,
                                std::string_view text) {
  if (!any_concept(codings, text)) return;
  key(k);
  w_.StartArray();
  concept_value(codings, text);
  w_.EndArray();
}

void entry_writer::concept_value(std::initializer_list<coding> codings, std::string_view text) {
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

void entry_writer::names(const std::vector<model::human_name>& list) {
  if (list.empty()) return;
  key("name");
  w_.StartArray();
  for (const auto& n : list) {
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
  w_.EndArray();
}

void entry_writer::narrative(const std::string& xhtml_body) {
  key("text");
  w_.StartObject();
  field("status", "generated");
  field("div", std::string(xhtml_open) + xhtml_body + "</div>");
  w_.EndObject();
}

void entry_writer::annotation_list(std::string_view k, const std::vector<std::string>& texts) {
  bool any = std::any_of(texts.begin(), texts.end(), [](const std::string& t) { return !t.empty(); });
  if (!any) return;
  key(k);
  w_.StartArray();
  for (const auto& t : texts) {
    if (t.empty()) continue;
    w_.StartObject();
    field("text", t);
    w_.EndObject();
  }
  w_.EndArray();
}

void entry_writer::date_time_field(std::string_view k, std::string_view v) {
  if (fhir::valid_primitive_text("dateTime", v)) field(k, v);
}

void entry_writer::period(std::string_view k, std::string_view start, std::string_view end) {
  bool has_start = fhir::valid_primitive_text("dateTime", start);
  bool has_end = fhir::valid_primitive_text("dateTime", end);
  if (!has_start && !has_end) return;
  key(k);
  w_.StartObject();
  if (has_start) field("start", start);
  if (has_end) field("end", end);
  w_.EndObject();
}

void entry_writer::restriction_until(std::string_view end) {
  if (!fhir::valid_primitive_text("dateTime", end)) return;
  key("restriction");
  w_.StartObject();
  period("period", "", end);
  w_.EndObject();
}

void entry_writer::quantity_value(std::string_view k, const model::quantity& q) {
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

void entry_writer::subject() {
  reference("subject", "Patient", patient_key_);
}

void entry_writer::meta(const identifier* tag) {
  if (options_.source_name.empty() && tag == nullptr) return;
  key("meta");
  w_.StartObject();
  if (!options_.source_name.empty()) {
    std::string source = options_.source_name;
    if (!options_.message_id.empty()) source += "#" + options_.message_id;
    field("source", source);
  }
  if (tag != nullptr) {
    key("tag");
    w_.StartArray();
    coding_value({tag->system, tag->value, ""});
    w_.EndArray();
  }
  w_.EndObject();
}

void entry_writer::begin_entry(std::string_view type, const identifier& key_id) {
  w_.StartObject();
  field("fullUrl", urn(type, key_id));
  key("resource");
  w_.StartObject();
  field("resourceType", type);
  meta(nullptr);
  entry_type_ = std::string(type);
  entry_key_ = key_id;
  entry_create_once_ = false;
}

void entry_writer::begin_create_once(std::string_view type, const identifier& key_id) {
  w_.StartObject();
  field("fullUrl", urn(type, key_id));
  key("resource");
  w_.StartObject();
  field("resourceType", type);
  meta(&key_id);
  entry_type_ = std::string(type);
  entry_key_ = key_id;
  entry_create_once_ = true;
}

void entry_writer::end_entry() {
  w_.EndObject();  // resource
  key("request");
  w_.StartObject();
  std::string query = token_query(entry_key_);
  if (entry_create_once_) {
    field("method", "POST");
    field("url", entry_type_);
    field("ifNoneExist", "_tag=" + query);
  } else if (has(entry_key_)) {
    field("method", "PUT");
    field("url", entry_type_ + "?identifier=" + query);
  } else {
    // No business key: nothing to make the write conditional on (the inbound translation keys every
    // entity it makes, so this is a record built by hand).
    field("method", "POST");
    field("url", entry_type_);
  }
  w_.EndObject();
  w_.EndObject();  // entry
}

std::vector<const model::referral*> entry_writer::referrals() const {
  std::vector<const model::referral*> out;
  out.reserve(record_.referrals.size() + derived_referrals_.size());
  for (const auto& r : record_.referrals) out.push_back(&r);
  for (const auto& r : derived_referrals_) out.push_back(&r);
  return out;
}

const model::referral* entry_writer::referral_by_key(const identifier& id) const {
  if (!has(id)) return nullptr;
  for (const auto& r : record_.referrals) {
    if (r.key == id) return &r;
  }
  for (const auto& r : derived_referrals_) {
    if (r.key == id) return &r;
  }
  return nullptr;
}

const model::appointment* entry_writer::appointment_by_key(const identifier& id) const {
  if (!has(id)) return nullptr;
  for (const auto& a : record_.appointments) {
    if (a.key == id) return &a;
  }
  return nullptr;
}

bool entry_writer::written_as_entry(const model::team_member& m) const {
  return m.member_type == "Practitioner" || m.member_type == "Organization" ||
         m.member_type == "RelatedPerson";
}

const model::team_member* entry_writer::team_member_by_key(const identifier& id) const {
  if (!has(id)) return nullptr;
  for (const auto& m : record_.team) {
    if (m.key == id && written_as_entry(m)) return &m;
  }
  return nullptr;
}

const model::team_member* entry_writer::team_member_with_role(model::team_role role) const {
  for (const auto& m : record_.team) {
    if (m.role == role && m.period_end.empty() && has(m.key) && written_as_entry(m)) return &m;
  }
  return nullptr;
}

bool entry_writer::is_family(const identifier& id) const {
  return std::any_of(record_.family.begin(), record_.family.end(),
                     [&](const model::family_member& f) { return f.key == id; });
}

const model::family_member* entry_writer::family_voice() const {
  for (const auto& f : record_.family) {
    if (f.primary_contact) return &f;
  }
  for (const auto& f : record_.family) {
    if (f.legal_authority) return &f;
  }
  return record_.family.empty() ? nullptr : &record_.family.front();
}

}  // namespace homebase::mappers::outbound
