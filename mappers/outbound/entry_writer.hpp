// entry_writer: writes the entries of one outbound transaction Bundle as JSON, one resource at a time, and
// knows what the Bundle holds, so that the resource families (patient_entries, clinical_summary_entries,
// care_plan_entries, referral_entries, appointment_entries, coordination_task_entries, provenance_entries)
// only decide content. It owns the framing every entry shares:
//   - fullUrl = urn:uuid:<UUID v5 of "urn:homebase:<Type>:<system>|<value>">, so references between
//     entries are stable for the same business key;
//   - request = PUT "Type?identifier=system|value" (conditional update), or POST with ifNoneExist for
//     resources written once (begin_create_once);
//   - meta.source = the sending partner and message.
// One writer per Bundle; not shared between threads. Pure: no I/O, no clock.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mappers/model/coordination_record.hpp"
#include "mappers/outbound/medical_home_transaction.hpp"

namespace homebase::mappers::outbound {

[[nodiscard]] bool has(const model::identifier& id);
[[nodiscard]] bool has(const model::coding& c);
// Percent-encodes everything but RFC 3986 unreserved characters.
[[nodiscard]] std::string url_encode(std::string_view s);
// A search parameter value with the FHIR search escapes (R4 search.html "Escaping Search Parameters"):
// `\`, `|`, `,` and `$` inside a value are preceded by a backslash, so that "rule|subject" is one value
// and not a system|code pair.
[[nodiscard]] std::string search_escape(std::string_view s);
// "system|value" of a token search for `id`, escaped and then percent-encoded.
[[nodiscard]] std::string token_query(const model::identifier& id);
// A gateway-made key value derived from another key: UUID v5 of "system|value". Opaque, but it has no
// character that would need escaping in a search, so every server matches it (some, e.g. Medplum's
// in-memory repository, cannot match a token value that contains `|` however it is escaped).
[[nodiscard]] std::string derived_key_value(const model::identifier& from);
// A FHIR decimal per the R4 JSON grammar, so it can be written as a raw JSON number.
[[nodiscard]] bool is_decimal(std::string_view s);
[[nodiscard]] std::string full_name(const model::human_name& n);
// The local care-team-role code of a role ("care-coordinator"); empty for `other`.
[[nodiscard]] std::string role_code_of(model::team_role role);
// Human text of a role ("care coordinator").
[[nodiscard]] std::string role_text_of(model::team_role role);
// True when `code` is one of `allowed`.
[[nodiscard]] bool one_of(std::string_view code, std::initializer_list<std::string_view> allowed);

class entry_writer {
 public:
  entry_writer(const model::coordination_record& record, const transaction_options& options);

  [[nodiscard]] const model::coordination_record& record() const { return record_; }
  [[nodiscard]] const model::identifier& patient_key() const { return patient_key_; }

  // ---- JSON primitives ----
  void key(std::string_view k);
  void str(std::string_view v);
  void boolean(bool v);
  void integer(int v);
  void start_object();
  void end_object();
  void start_array();
  void end_array();
  // Writes "k": "v" unless v is empty.
  void field(std::string_view k, std::string_view v);

  // ---- FHIR datatypes ----
  // urn:uuid of an entry. Memoised: every subject/for/patient reference names the same Patient, and a
  // UUID v5 (one SHA-1) costs more than the lookup.
  [[nodiscard]] const std::string& urn(std::string_view type, const model::identifier& id);
  // "k": {"reference": urn(type, id)}
  void reference(std::string_view k, std::string_view type, const model::identifier& id);
  // A Reference object (no key) to an entry of this Bundle.
  void reference_value(std::string_view type, const model::identifier& id);
  // A logical reference (Reference.identifier) to something the transaction does not write.
  void logical_reference(std::string_view type, const model::identifier& id, std::string_view display);
  // A Reference with only a type and a display (an agent or performer known by name only).
  void display_reference(std::string_view type, std::string_view display);
  void identifier_value(const model::identifier& id);
  void identifiers(const std::vector<model::identifier>& ids);
  void coding_value(const model::coding& c);
  // CodeableConcept from codings (empty ones skipped) and a text; nothing when all are empty.
  void codeable_concept(std::string_view k, std::initializer_list<model::coding> codings,
                        std::string_view text);
  // The same, as a one-element array (for elements of cardinality 0..*).
  void concept_list(std::string_view k, std::initializer_list<model::coding> codings, std::string_view text);
  void concept_value(std::initializer_list<model::coding> codings, std::string_view text);
  void names(const std::vector<model::human_name>& list);
  // text.status = generated, text.div = the XHTML body (already escaped) inside the XHTML div.
  void narrative(const std::string& xhtml_body);
  // Writes "k": v only when v is a valid R4 dateTime: a date the record got wrong is left out rather than
  // making the whole Bundle invalid (the delivery check would dead-letter it).
  void date_time_field(std::string_view k, std::string_view v);
  // "k": [{"text": text}] for note-like elements; nothing when text is empty.
  void annotation_list(std::string_view k, const std::vector<std::string>& texts);
  // "k": {"start": start, "end": end} (each only when a valid dateTime); nothing when neither is.
  void period(std::string_view k, std::string_view start, std::string_view end);
  // Task.restriction with period.end = `end`; nothing when `end` is not a valid dateTime.
  void restriction_until(std::string_view end);
  void quantity_value(std::string_view k, const model::quantity& q);
  void subject();  // "subject": the Patient entry

  // ---- entries ----
  // Opens an entry and its resource for a conditional update on `key_id`; the caller writes the resource's
  // own members and calls end_entry().
  void begin_entry(std::string_view type, const model::identifier& key_id);
  // Opens an entry created once: POST with ifNoneExist "_tag=system|code". For resources that have no
  // identifier element (Provenance): the key is carried as a meta.tag, which every server can search.
  void begin_create_once(std::string_view type, const model::identifier& key_id);
  void end_entry();

  // ---- what the Bundle holds ----
  // A referral the Bundle writes although the record has no referral entity for it (the early
  // intervention referral made from the episode); referral_by_key and referrals() see it.
  void add_derived_referral(model::referral r) { derived_referrals_.push_back(std::move(r)); }
  // The record's referrals, then the derived ones.
  [[nodiscard]] std::vector<const model::referral*> referrals() const;
  [[nodiscard]] const model::referral* referral_by_key(const model::identifier& id) const;
  [[nodiscard]] const model::appointment* appointment_by_key(const model::identifier& id) const;
  // A team member written as its own entry (Practitioner, Organization or RelatedPerson).
  [[nodiscard]] const model::team_member* team_member_by_key(const model::identifier& id) const;
  // The first current team member (no period end) holding `role` and written as an entry.
  [[nodiscard]] const model::team_member* team_member_with_role(model::team_role role) const;
  [[nodiscard]] bool is_family(const model::identifier& id) const;
  // Whether a team member gets an entry of its own (and so can be referenced).
  [[nodiscard]] bool written_as_entry(const model::team_member& m) const;
  // The family member who expresses the family's goals: the primary contact, else the first legal
  // authority, else the first family member; null when the record names no family.
  [[nodiscard]] const model::family_member* family_voice() const;

  // The finished Bundle (call once, after every entry).
  [[nodiscard]] std::string finish();

 private:
  void meta(const model::identifier* tag);

  const model::coordination_record& record_;
  const transaction_options& options_;
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
  model::identifier patient_key_;
  std::string entry_type_;
  model::identifier entry_key_;
  bool entry_create_once_ = false;
  std::vector<model::referral> derived_referrals_;
  std::unordered_map<std::string, std::string> urns_;  // "urn:homebase:Type:system|value" -> urn:uuid
};

}  // namespace homebase::mappers::outbound
