// coordination_record: the gateway's internal picture of one child, first cut (issue 2).
//
// What the hospital and the specialists send is translated into these plain values by mappers/inbound,
// stored by gateway/store and translated to the medical home's FHIR by mappers/outbound.
// Every entity carries the business identifier it is keyed on, so that a re-sent message updates in place.
// Plain data: no I/O, no references into a JSON tree, copyable, safe to move across threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace homebase::mappers::model {

struct identifier {
  std::string system;  // a URI; the source system's identifier namespace
  std::string value;
  friend bool operator==(const identifier&, const identifier&) = default;
};

struct quantity {
  std::string value;  // decimal kept as the sender's text ("1.50" stays "1.50")
  std::string unit;   // human unit, e.g. "g"
  std::string code;   // UCUM code, e.g. "g", "wk", "d"
  friend bool operator==(const quantity&, const quantity&) = default;
};

struct coding {
  std::string system;
  std::string code;
  std::string display;
  friend bool operator==(const coding&, const coding&) = default;
};

struct human_name {
  std::string family;
  std::vector<std::string> given;
  std::string text;
  std::string use;  // FHIR name-use: official, usual, temp, ...
  friend bool operator==(const human_name&, const human_name&) = default;
};

struct contact_point {
  std::string system;  // phone, email, ...
  std::string value;
  std::string use;
  friend bool operator==(const contact_point&, const contact_point&) = default;
};

struct child {
  std::vector<identifier> identifiers;                // per source system (hospital MRN, ...)
  std::vector<human_name> names;                      // hospital name ("Baby Girl ...") and legal name
  std::string gender;                                 // administrative-gender code
  std::string birth_date;                             // FHIR date text
  std::optional<quantity> gestational_age_at_birth;   // LOINC 76516-4, weeks
  std::optional<quantity> birth_weight;               // LOINC 8339-4, grams
  std::vector<identifier> general_practitioner_orgs;  // organisation identifiers named as the medical home
  std::vector<std::string> languages;                 // BCP-47 codes
  bool interpreter_needed = false;
  // Added: the language marked preferred in Patient.communication (BCP-47), empty when none is marked.
  std::string preferred_language;
  // Added: business keys of the Observations that carried gestational age and birth weight.
  identifier gestational_age_key;
  identifier birth_weight_key;
  friend bool operator==(const child&, const child&) = default;
};

struct family_member {
  identifier key;  // business identifier (source identifier or derived)
  human_name name;
  coding relationship;   // v3 RoleCode: MTH, FTH, ...
  std::string language;  // BCP-47
  bool interpreter_needed = false;
  bool preferred_language = false;
  std::vector<contact_point> telecom;
  friend bool operator==(const family_member&, const family_member&) = default;
};

enum class team_role { pcp, care_coordinator, parent_partner, specialist, nicu_team, other };

struct team_member {
  identifier key;  // practitioner identifier (NPI) or derived
  human_name name;
  team_role role = team_role::other;
  coding role_code;         // as sent (SNOMED / local)
  std::string specialty;    // for specialists: ophthalmology, audiology, ...
  identifier organization;  // the organisation the member acts for, when known
  std::string organization_name;
  // Added: the resource type of CareTeam.participant.member: Practitioner, Organization or RelatedPerson.
  std::string member_type = "Practitioner";
  friend bool operator==(const team_member&, const team_member&) = default;
};

struct plan_activity {
  identifier key;
  coding code;
  std::string description;
  std::string status;     // CarePlan activity detail status
  std::string scheduled;  // free text or a timing summary ("weekly")
  friend bool operator==(const plan_activity&, const plan_activity&) = default;
};

struct appointment {
  identifier key;
  std::string specialty;  // normalised specialty name
  coding specialty_code;  // as sent
  std::string start;      // FHIR instant
  std::string end;
  std::string location;  // display text
  std::string status;    // FHIR appointment status
  std::string description;
  identifier practitioner;       // who the child sees, when known
  identifier based_on_referral;  // the referral this appointment fulfils, when known
  friend bool operator==(const appointment&, const appointment&) = default;
};

struct referral {
  identifier key;
  std::string specialty;
  coding specialty_code;
  std::string reason;
  coding reason_code;
  std::string status;  // FHIR request status: draft, active, completed, revoked, ...
  std::string intent;
  std::string due_by;  // FHIR date or dateTime: the follow-up must happen by then
  std::string authored_on;
  friend bool operator==(const referral&, const referral&) = default;
};

struct measurement {
  identifier key;
  coding code;  // LOINC 29463-7 body weight, ...
  quantity value;
  std::string effective;  // dateTime
  friend bool operator==(const measurement&, const measurement&) = default;
};

struct care_team_info {
  identifier key;
  std::string name;
  std::string status;
  // Added: identifiers of CareTeam.managingOrganization, a medical-home signal for routing.
  std::vector<identifier> managing_organizations;
  friend bool operator==(const care_team_info&, const care_team_info&) = default;
};

struct care_plan_info {
  identifier key;
  std::string title;
  std::string status;
  std::string intent;
  std::string description;
  std::string period_start;
  friend bool operator==(const care_plan_info&, const care_plan_info&) = default;
};

struct encounter_info {
  identifier key;
  std::string class_code;  // v3 ActCode: IMP
  std::string period_start;
  std::string period_end;
  std::string discharge_disposition;
  std::string location;  // NICU ward name
  std::string status;    // Added: FHIR encounter status (finished, ...)
  friend bool operator==(const encounter_info&, const encounter_info&) = default;
};

// Everything one message says about one child.
struct coordination_record {
  child patient;
  std::optional<encounter_info> encounter;
  std::vector<family_member> family;
  std::optional<care_team_info> care_team;
  std::vector<team_member> team;
  std::optional<care_plan_info> care_plan;
  std::vector<plan_activity> activities;
  std::vector<appointment> appointments;
  std::vector<referral> referrals;
  std::vector<measurement> measurements;
  friend bool operator==(const coordination_record&, const coordination_record&) = default;
};

[[nodiscard]] const char* to_string(team_role role);
[[nodiscard]] std::optional<team_role> team_role_from_string(std::string_view text);

}  // namespace homebase::mappers::model
