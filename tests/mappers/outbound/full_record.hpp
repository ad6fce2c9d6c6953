// full_record: a coordination record (model v2) with every member set, for the outbound golden file, the
// validator test and the benchmark (bench/intake_stages). Built by hand so that it does not depend on what
// the inbound translations fill today. A preterm infant a few weeks after the NICU, with an interpreter-
// needing mother, seven referrals in every flow state, a rescheduled and a cancelled appointment, derived
// work, a case-conference item, an early intervention episode and three record events.
#pragma once

#include <string>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::testing {

inline model::coordination_record full_record() {
  using namespace homebase::mappers::model;
  const std::string hosp = "http://hospital.example.org/fhir/sid/";
  const std::string sid = "http://homebase.example.org/fhir/sid/";
  const std::string npi = "http://hl7.org/fhir/sid/us-npi";
  const std::string snomed = "http://snomed.info/sct";
  coordination_record r;

  auto& c = r.patient;
  c.identifiers = {{hosp + "mrn", "MRN-7731"}, {"http://clinic.example.org/sid/chart", "CH-22"}};
  c.names = {{"Garcia", {"Baby Girl"}, "Baby Girl Garcia", "temp"},
             {"Garcia", {"Lucia", "Maria"}, "", "official"}};
  c.gender = "female";
  c.birth_date = "2024-05-02";
  c.gestational_age_at_birth = quantity{"27.5", "wk", "wk"};
  c.birth_weight = quantity{"980", "g", "g"};
  c.gestational_age_key = {hosp + "observation", "OBS-7731-ga"};
  c.birth_weight_key = {hosp + "observation", "OBS-7731-bw"};
  c.general_practitioner_orgs = {{npi, "1234567893"}};
  c.languages = {"es", "en"};
  c.preferred_language = "es";
  c.interpreter_needed = true;
  c.cultural_preferences = {"Catholic; the family would like a chaplain told of hospital stays",
                            "Grandmother attends visits & helps decide"};
  c.multiple_birth = true;
  c.multiple_birth_order = 2;

  r.encounter = encounter_info{{hosp + "encounter", "ENC-7731"},
                               "IMP",
                               "2024-05-02T04:10:00-04:00",
                               "2024-07-10T12:00:00-04:00",
                               "Discharged home with parents",
                               "Level IV NICU",
                               "finished"};

  family_member mother;
  mother.key = {hosp + "related-person", "RP-7731-1"};
  mother.name = {"Garcia", {"Rosa"}, "", "official"};
  mother.relationship = {"http://terminology.hl7.org/CodeSystem/v3-RoleCode", "MTH", "mother"};
  mother.language = "es";
  mother.preferred_language = true;
  mother.interpreter_needed = true;
  mother.telecom = {{"phone", "+1-555-0100-201", "mobile"}};
  mother.legal_authority = true;
  mother.primary_contact = true;
  family_member father;
  father.key = {hosp + "related-person", "RP-7731-2"};
  father.name = {"Garcia", {"Miguel"}, "", "official"};
  father.relationship = {"http://terminology.hl7.org/CodeSystem/v3-RoleCode", "FTH", "father"};
  father.language = "en";
  father.telecom = {{"email", "miguel@example.org", "home"}};
  father.legal_authority = true;
  r.family = {mother, father};

  r.care_team = care_team_info{
      {hosp + "care-team", "CT-7731"}, "Lucia Garcia care team", "active", {{npi, "1234567893"}}};
  auto member = [&](std::string npi_value, std::string family, std::string given, team_role role,
                    std::string specialty, std::string start) {
    team_member m;
    m.key = {npi, std::move(npi_value)};
    m.name = {std::move(family), {std::move(given)}, "", "official"};
    m.role = role;
    m.specialty = std::move(specialty);
    m.organization = {npi, "1234567893"};
    m.organization_name = "Meadowbrook Pediatrics";
    m.period_start = std::move(start);
    m.source = "discharge";
    return m;
  };
  r.team.push_back(member("1000000001", "Okafor", "Ada", team_role::pcp, "", "2024-07-10"));
  r.team.back().role_code = {"http://nucc.org/provider-taxonomy", "208000000X", "Pediatrics Physician"};
  r.team.push_back(member("1000000002", "Lind", "Maja", team_role::care_coordinator, "", "2024-07-10"));
  r.team.push_back(member("1000000003", "Reyes", "Carmen", team_role::parent_partner, "", "2024-07-12"));
  r.team.push_back(
      member("1000000004", "Novak", "Petra", team_role::specialist, "ophthalmology", "2024-07-10"));
  r.team.back().organization = {npi, "1999999999"};
  r.team.back().organization_name = "Children's Eye Center";
  r.team.push_back(member("1000000005", "Haas", "Tom", team_role::ei_coordinator, "", "2024-07-20"));
  r.team.push_back(member("1000000006", "Ito", "Ken", team_role::school_nurse, "", "2024-07-20"));
  r.team.push_back(member("1000000007", "Moreau", "Lea", team_role::social_worker, "", "2024-07-11"));
  r.team.push_back(member("1000000008", "Park", "Jin", team_role::nicu_team, "neonatology", "2024-05-02"));
  r.team.back().period_end = "2024-07-10";
  team_member home_health;
  home_health.key = {npi, "1888888888"};
  home_health.member_type = "Organization";
  home_health.organization_name = "Sunrise Home Health";
  home_health.role = team_role::other;
  home_health.role_code = {"", "", "Home oxygen supplier"};
  home_health.period_start = "2024-07-10";
  r.team.push_back(home_health);
  team_member mom_on_team;
  mom_on_team.key = mother.key;
  mom_on_team.name = mother.name;
  mom_on_team.member_type = "RelatedPerson";
  mom_on_team.role = team_role::other;
  mom_on_team.role_code = {snomed, "133932002", "Caregiver"};
  r.team.push_back(mom_on_team);
  team_member grandmother;
  grandmother.key = {hosp + "related-person", "RP-7731-3"};
  grandmother.name = {"Lopez", {"Elena"}, "", "official"};
  grandmother.member_type = "RelatedPerson";
  grandmother.role = team_role::other;
  grandmother.role_code = {"http://terminology.hl7.org/CodeSystem/v3-RoleCode", "MGRMTH",
                           "maternal grandmother"};
  r.team.push_back(grandmother);

  care_plan_info plan;
  plan.key = {hosp + "care-plan", "CP-7731"};
  plan.title = "Lucia's shared plan of care";
  plan.status = "active";
  plan.intent = "plan";
  plan.description = "Growth, eyes, lungs and development after a 27-week birth";
  plan.period_start = "2024-07-10";
  plan.version = 3;
  plan.last_reviewed = "2024-08-01";
  plan.next_review_due = "2024-09-01";
  r.care_plan = plan;
  r.activities = {
      {{hosp + "activity", "ACT-1"},
       {snomed, "363808001", "Body weight measurement"},
       "Weekly weight check",
       "scheduled",
       "weekly",
       false},
      {{hosp + "activity", "ACT-2"}, {}, "Hearing re-screen", "not-started", "", true},
  };

  // Seven referrals, one in each interesting flow state.
  auto referral_in = [&](std::string id, std::string specialty, std::string flow, std::string status) {
    referral x;
    x.key = {hosp + "referral", std::move(id)};
    x.specialty = std::move(specialty);
    x.reason = "Follow-up after NICU";
    x.status = std::move(status);
    x.intent = "order";
    x.flow = std::move(flow);
    x.authored_on = "2024-07-10";
    x.due_by = "2024-08-15";
    x.origin = "nicu_discharge";
    return x;
  };
  r.referrals.push_back(referral_in("REF-eye", "Ophthalmology", "scheduled", "active"));
  r.referrals.back().specialty_code = {snomed, "394594003", "Ophthalmology"};
  r.referrals.back().performer = "Children's Eye Center";
  r.referrals.back().performer_org = {npi, "1999999999"};
  r.referrals.back().task_key = {sid + "referral-task", "eye-7731"};
  r.referrals.push_back(referral_in("REF-audio", "Audiology", "report_received", "completed"));
  r.referrals.back().performer = "Hearing Clinic";
  r.referrals.back().seen_on = "2024-07-25";
  r.referrals.back().report_ref = "DiagnosticReport/aud-991";
  r.referrals.push_back(referral_in("REF-cardio", "Cardiology", "declined", "revoked"));
  r.referrals.back().performer = "Heart Center";
  r.referrals.back().status_reason = "No pediatric slots; refer to the university clinic";
  r.referrals.push_back(referral_in("REF-neuro", "Neurology", "cancelled", ""));
  r.referrals.push_back(referral_in("REF-pulm", "Pulmonology", "seen", "active"));
  r.referrals.back().seen_on = "2024-07-30";
  r.referrals.back().loop_close_due = "2024-08-29";
  r.referrals.push_back(referral_in("REF-gi", "Gastroenterology", "sent", "active"));
  r.referrals.push_back(referral_in("REF-ot", "Occupational therapy", "draft", "draft"));

  appointment eye_first;
  eye_first.key = {hosp + "appointment", "APT-eye-1"};
  eye_first.specialty = "Ophthalmology";
  eye_first.status = "cancelled";
  eye_first.cancel_reason = {"http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason",
                             "pat-lt", "Patient: Lack of Transportation"};
  eye_first.start = "2024-07-24T09:00:00-04:00";
  eye_first.end = "2024-07-24T09:30:00-04:00";
  eye_first.replaced_by = {hosp + "appointment", "APT-eye-2"};
  eye_first.based_on_referral = {hosp + "referral", "REF-eye"};
  eye_first.location = "Children's Eye Center";
  eye_first.transport_needed = true;
  appointment eye_second = eye_first;
  eye_second.key = {hosp + "appointment", "APT-eye-2"};
  eye_second.status = "booked";
  eye_second.cancel_reason = {};
  eye_second.start = "2024-08-07T09:00:00-04:00";
  eye_second.end = "2024-08-07T09:30:00-04:00";
  eye_second.replaced_by = {};
  eye_second.replaces = eye_first.key;
  eye_second.practitioner = {npi, "1000000004"};
  eye_second.interpreter_required = true;
  eye_second.interpreter_booked = true;
  eye_second.interpreter_language = "es";
  eye_second.transport_arranged = true;
  eye_second.source = "eye-center";
  appointment pulm;
  pulm.key = {hosp + "appointment", "APT-pulm"};
  pulm.specialty = "Pulmonology";
  pulm.status = "fulfilled";
  pulm.start = "2024-07-30T13:00:00-04:00";
  pulm.end = "2024-07-30T13:40:00-04:00";
  pulm.based_on_referral = {hosp + "referral", "REF-pulm"};
  pulm.interpreter_required = true;
  pulm.interpreter_language = "es";
  pulm.description = "Oxygen weaning review";
  appointment gi;
  gi.key = {hosp + "appointment", "APT-gi"};
  gi.specialty = "Gastroenterology";
  gi.status = "proposed";
  gi.based_on_referral = {hosp + "referral", "REF-gi"};
  gi.interpreter_required = true;
  gi.interpreter_language = "es";
  gi.transport_needed = true;
  r.appointments = {eye_first, eye_second, pulm, gi};

  r.measurements = {{{hosp + "observation", "OBS-7731-w1"},
                     {"http://loinc.org", "29463-7", "Body weight"},
                     {"2.350", "kg", "kg"},
                     "2024-07-17T10:00:00-04:00"}};

  r.problems = {
      {{hosp + "condition", "PRB-1"}, {snomed, "67569000", "Bronchopulmonary dysplasia"}, "", "active"},
      {{hosp + "condition", "PRB-2"},
       {snomed, "415297005", "Retinopathy of prematurity"},
       "ROP stage 2",
       "active"},
      {{hosp + "condition", "PRB-3"}, {}, "Anemia of prematurity", "resolved"},
  };
  r.medications = {
      {{hosp + "medication", "MED-1"},
       {"http://www.nlm.nih.gov/research/umls/rxnorm", "10582", "levothyroxine"},
       "",
       "12.5 mcg by mouth daily",
       "active",
       "st-elsewhere"},
      {{hosp + "medication", "MED-2"},
       {},
       "Ferrous sulfate drops",
       "1 mL by mouth daily",
       "",
       "st-elsewhere"},
  };
  r.devices = {
      {{hosp + "device", "DEV-O2"},
       {snomed, "426160001", "Oxygen concentrator"},
       "",
       "active",
       "1/8 L/min nasal cannula"},
      {{hosp + "device", "DEV-APNEA"}, {}, "Apnea monitor", "inactive", ""},
  };
  r.goals = {
      {{sid + "family-goal", "7731-1"}, "Lucia comes off oxygen before winter", "high-priority", "active"},
      {{sid + "family-goal", "7731-2"}, "Both parents can work their shifts", "medium-priority", "proposed"},
  };
  r.social_needs = {
      {{sid + "social-need", "7731-transport"},
       "transportation",
       {snomed, "713458007", "Lack of access to transportation"},
       "referred"},
  };
  r.early_intervention =
      ei_episode{"2024-07-10", "2024-07-12", "2024-07-17", "2024-07-15", "2024-08-26", "", false, {}};

  action_item schedule;
  schedule.key = {sid + "action-item", "schedule_followup|REF-gi"};
  schedule.type = "schedule_followup";
  schedule.owner_role = "care_coordinator";
  schedule.due = "2024-08-01";
  schedule.priority = "urgent";
  schedule.description = "Schedule the gastroenterology visit";
  schedule.focus = {hosp + "referral", "REF-gi"};
  schedule.rule = "schedule_followup";
  schedule.created = "2024-07-10T12:05:00-04:00";
  action_item interpreter;
  interpreter.key = {sid + "action-item", "book_interpreter|APT-gi"};
  interpreter.type = "book_interpreter";
  interpreter.owner_role = "care_coordinator";
  interpreter.due = "2024-08-10";
  interpreter.priority = "routine";
  interpreter.status = "in_progress";
  interpreter.description = "Book a Spanish interpreter for the GI visit";
  interpreter.focus = gi.key;
  interpreter.rule = "interpreter_booking";
  interpreter.created = "2024-07-10T12:05:00-04:00";
  action_item outreach;
  outreach.key = {sid + "action-item", "parent_partner_outreach|MRN-7731"};
  outreach.type = "parent_partner_outreach";
  outreach.owner_role = "parent_partner";
  outreach.due = "2024-07-17";
  outreach.status = "done";
  outreach.description = "Call the family and offer a parent partner";
  outreach.rule = "parent_partner_outreach";
  outreach.created = "2024-07-10T12:05:00-04:00";
  action_item transport;
  transport.key = {sid + "action-item", "arrange_transport|APT-gi"};
  transport.type = "arrange_transport";
  transport.owner_role = "social_worker";
  transport.status = "blocked";
  transport.description = "Arrange a ride: no car seat yet";
  transport.focus = r.social_needs.front().key;
  transport.created = "2024-07-10T12:05:00-04:00";
  action_item dropped;
  dropped.key = {sid + "action-item", "weight_gain_review|MRN-7731"};
  dropped.type = "weight_gain_review";
  dropped.owner_role = "school_counsellor";  // a role the team does not have
  dropped.status = "cancelled";
  dropped.description = "Review weight gain";
  r.actions = {schedule, interpreter, outreach, transport, dropped};

  r.agenda = {{{sid + "case-conference-item", "new_nicu_graduate|MRN-7731"},
               "2024-07-17",
               "New NICU graduate: introduce the family and the plan",
               "new_nicu_graduate",
               "discussed",
               {}},
              {{sid + "case-conference-item", "referral_not_closed|REF-pulm"},
               "2024-08-28",
               "Pulmonology report not received 30 days after the visit",
               "referral_loop",
               "pending",
               {}}};

  r.events = {
      {"2024-07-10T16:02:11Z", "DischargeRecordReceived", "st-elsewhere",
       "8d6c2f6e-1a44-4c51-8c1e-3f0b6a0d1c11", "NICU discharge summary"},
      {"2024-07-26T09:15:00.250-04:00", "ReferralStatusReceived", "hearing-clinic", "msg-aud-2",
       "Audiology report received"},
      {"2024-07-26T09:20:00Z", "ActionItemCreated", "rules", "", "schedule_followup for REF-gi"},
      {"", "AppointmentUpdateReceived", "eye-center", "msg-eye-3", "not yet stamped by the intake"},
  };
  return r;
}

}  // namespace homebase::mappers::testing
