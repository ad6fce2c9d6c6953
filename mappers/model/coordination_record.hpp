// coordination_record: the gateway's internal picture of one child (issue 2 first cut, issue 4 model v2).
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
  // v2: free-text cultural and religious preferences (Patient religion extension, notes the family gave).
  std::vector<std::string> cultural_preferences;
  std::string status = "active";  // active | transferred | deceased
  int multiple_birth_order = 0;   // Patient.multipleBirthInteger; 0: single birth or not said
  bool multiple_birth = false;    // Patient.multipleBirthBoolean true, or an order was given
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
  bool legal_authority = false;  // v2: a personal representative (parent, legal guardian)
  bool primary_contact = false;  // v2
  friend bool operator==(const family_member&, const family_member&) = default;
};

enum class team_role {
  pcp,
  care_coordinator,
  parent_partner,
  specialist,
  nicu_team,
  other,
  ei_coordinator,  // v2: early intervention (IDEA Part C) service coordinator
  school_nurse,    // v2
  social_worker,   // v2
};

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
  std::string period_start;  // v2: FHIR date/dateTime
  std::string period_end;    // v2: set when the member left the team
  std::string source;        // v2: discharge | visit_summary | referral | manual
  friend bool operator==(const team_member&, const team_member&) = default;
};

struct plan_activity {
  identifier key;
  coding code;
  std::string description;
  std::string status;            // CarePlan activity detail status
  std::string scheduled;         // free text or a timing summary ("weekly")
  bool to_be_scheduled = false;  // v2: the hand-off lists it as still to be scheduled
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
  // v2: why it was cancelled (THO appointment-cancellation-reason: pat-lt, prov, ...).
  coding cancel_reason;
  identifier replaces;                // v2: reschedule chain: the appointment this one replaces
  identifier replaced_by;             // v2: ... and the one that replaced it
  bool interpreter_required = false;  // v2: a decision-maker of the family needs an interpreter
  bool interpreter_booked = false;    // v2: a translator participant is booked on the Appointment
  std::string interpreter_language;   // v2: BCP-47
  bool transport_needed = false;      // v2
  bool transport_arranged = false;    // v2
  std::string source;                 // v2: who last told us about it (partner id)
  // Issue 11: the status the medical home's people set (booked, cancelled, noshow, ...), empty when they
  // set none. A partner's message that only restates an earlier status does not undo it (record_merge).
  std::string practice_status;
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
  // v2: the coordination flow, BSeR/360X-aligned (fhir-rules §4): draft -> sent -> accepted | declined ->
  // scheduled -> seen -> report_received -> closed; or cancelled, failed. `status` stays the FHIR status.
  std::string flow = "draft";
  std::string origin;          // nicu_discharge | pcp | specialist
  std::string performer;       // the service it was sent to, display text
  identifier performer_org;    // ... and its identifier, when known
  identifier task_key;         // the referral Task's business identifier, when the flow is Task-based
  std::string status_reason;   // why declined / cancelled / failed, text
  std::string seen_on;         // date of the visit that fulfilled it
  std::string report_ref;      // reference or identifier of the report that closed the loop
  std::string loop_close_due;  // default: seen_on + 30 days (domain.md §5.3)
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
  int version = 1;              // v2: bumped when an amended message changes the plan's content
  std::string last_reviewed;    // v2
  std::string next_review_due;  // v2
  friend bool operator==(const care_plan_info&, const care_plan_info&) = default;
};

// v2: the medical summary of the shared plan of care (problems, medications, devices) and the family's goals.
struct problem {
  identifier key;
  coding code;  // SNOMED / ICD-10-CM
  std::string text;
  std::string clinical_status;  // active | resolved | ...
  friend bool operator==(const problem&, const problem&) = default;
};

struct medication {
  identifier key;
  coding code;  // RxNorm
  std::string text;
  std::string dosage;  // Dosage.text
  std::string status;  // MedicationStatement / MedicationRequest status
  std::string source;  // who last told us (partner id)
  friend bool operator==(const medication&, const medication&) = default;
};

struct device {
  identifier key;
  coding code;
  std::string text;
  std::string status;   // active | inactive | ...
  std::string setting;  // e.g. "1/8 L/min nasal cannula"
  friend bool operator==(const device&, const device&) = default;
};

struct family_goal {
  identifier key;
  std::string text;
  std::string priority;  // high-priority | medium-priority | low-priority
  std::string status;    // Goal.lifecycleStatus
  friend bool operator==(const family_goal&, const family_goal&) = default;
};

// v2: work for the medical home's team, derived by mappers/coordination rules; sent as FHIR Task.
struct action_item {
  identifier key;               // stable: the rule and its subject, so a rule fires once per subject
  std::string type;             // schedule_followup, parent_partner_outreach, book_interpreter, ...
  std::string owner_role;       // care_coordinator, parent_partner, pcp, ...
  std::string due;              // FHIR date or dateTime
  std::string priority;         // routine | urgent | asap | stat
  std::string status = "open";  // open | in_progress | done | cancelled | blocked
  std::string description;
  identifier focus;     // the referral, appointment, ... it is about (key), when any
  std::string rule;     // id of the rule that made it
  std::string created;  // instant
  // Issue 11: what the medical home's people own on the Task (mappers/model/practice_change): who took it,
  // why its status is what it is, their notes and what came out of it. Homebase never sets these itself.
  std::string owner;  // Task.owner display (or reference) the practice set; empty: the role's team member
  std::string status_reason;
  std::vector<std::string> notes;
  std::vector<std::string> outputs;
  friend bool operator==(const action_item&, const action_item&) = default;
};

// v2: an item of the weekly case-conference agenda.
struct conference_item {
  identifier key;
  std::string conference_date;  // FHIR date of the conference it is on
  std::string reason;
  std::string added_by;            // rule id or person
  std::string status = "pending";  // pending | discussed | cancelled (the last two: off the agenda)
  std::vector<std::string> notes;  // issue 11: the team's notes on the Task (what the conference decided)
  friend bool operator==(const conference_item&, const conference_item&) = default;
};

// v2: a social need (Gravity SDOH pattern), e.g. transportation.
struct social_need {
  identifier key;
  std::string domain;                 // transportation, food, housing, ...
  coding code;                        // SNOMED 713458007 / ICD-10-CM Z59.82 ...
  std::string status = "identified";  // identified | referred | resolved | declined
  friend bool operator==(const social_need&, const social_need&) = default;
};

// v2: the IDEA Part C clocks (domain.md §1.4): referral within 7 days of identification, IFSP in 45 days.
struct ei_episode {
  std::string identified_on;
  std::string referred_on;
  std::string referral_due_by;  // identified_on + 7 days
  std::string acknowledged_on;
  std::string ifsp_due_by;  // referred_on + 45 days
  std::string ifsp_held_on;
  bool family_declined = false;
  identifier referral_key;
  friend bool operator==(const ei_episode&, const ei_episode&) = default;
};

// v2: every change is an event with a time and a source, sent as Provenance.
struct record_event {
  std::string at;          // instant
  std::string kind;        // DischargeRecordReceived, DischargeRecordAmended, ReferralStatusReceived, ...
  std::string source;      // partner id, "rules" or "scheduler"
  std::string message_id;  // MessageHeader.id (or document Bundle identifier) that caused it, when any
  std::string detail;
  friend bool operator==(const record_event&, const record_event&) = default;
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
  // v2
  std::vector<problem> problems;
  std::vector<medication> medications;
  std::vector<device> devices;
  std::vector<family_goal> goals;
  std::vector<action_item> actions;
  std::vector<conference_item> agenda;
  std::vector<social_need> social_needs;
  std::optional<ei_episode> early_intervention;
  std::vector<record_event> events;
  friend bool operator==(const coordination_record&, const coordination_record&) = default;
};

[[nodiscard]] const char* to_string(team_role role);
[[nodiscard]] std::optional<team_role> team_role_from_string(std::string_view text);

}  // namespace homebase::mappers::model
