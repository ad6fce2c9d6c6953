// The coordination rules, one group per rule: it fires, it does not fire when its condition does not hold,
// it fires once (a second run on the result adds nothing), and it closes an open item whose condition no
// longer holds without reopening what the team closed.
#include "mappers/coordination/coordination_rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "fhir/fhir_time.hpp"
#include "mappers/inbound/discharge_translator.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::coordination {
namespace {

using namespace std::chrono;
using model::action_item;
using model::coordination_record;

time_point at(const char* text) {
  return *fhir::first_second(text);
}

const time_point monday_noon = at("2024-03-11T12:00:00Z");  // a Monday, after the discharge below

// A NICU graduate discharged on 2024-03-06 with one family member and no appointments yet.
coordination_record graduate() {
  coordination_record r;
  r.patient.identifiers = {{"urn:mrn", "MRN-1"}};
  r.encounter = model::encounter_info{};
  r.encounter->key = {"urn:enc", "ENC-1"};
  r.encounter->class_code = "IMP";
  r.encounter->period_end = "2024-03-06T11:30:00-05:00";
  model::family_member mother;
  mother.key = {"urn:rp", "MOTHER"};
  mother.language = "es";
  mother.legal_authority = true;
  r.family.push_back(mother);
  return r;
}

// Only the rule under test runs: the others are switched off, so each test sees one rule's work.
config::coordination_settings only(const std::string& rule) {
  config::coordination_settings s;
  s.case_conference.enabled = rule == "case_conference";
  s.parent_partner_outreach.enabled = rule == "parent_partner_outreach";
  s.pcp_visit.enabled = rule == "pcp_visit";
  s.schedule_followup.enabled = rule == "schedule_followup";
  s.early_intervention.enabled = rule == "early_intervention";
  s.interpreter.enabled = rule == "interpreter";
  s.transport.enabled = rule == "transport";
  s.appointment_burden.enabled = rule == "appointment_burden";
  s.referral_loop.enabled = rule == "referral_loop";
  s.weight_gain.enabled = rule == "weight_gain";
  s.rop_followup.enabled = rule == "rop_followup";
  s.medication_conflict.enabled = rule == "medication_conflict";
  s.visit_summary_review.enabled = rule == "visit_summary_review";
  return s;
}

const action_item* action(const coordination_record& r, const std::string& key) {
  for (const auto& a : r.actions)
    if (a.key.value == key) return &a;
  return nullptr;
}

// Runs the rules twice and checks that the second run changes nothing (fires once).
rule_run run_twice(coordination_record& r, const config::coordination_settings& s, time_point now) {
  auto first = apply_rules(r, s, now);
  auto copy = r;
  auto second = apply_rules(r, s, now);
  EXPECT_FALSE(second.changed()) << (second.changes.empty() ? "" : second.changes.front());
  EXPECT_EQ(r, copy);
  return first;
}

model::appointment appt(const std::string& id, const std::string& specialty, const std::string& start,
                        const std::string& status = "booked", const std::string& location = "") {
  model::appointment a;
  a.key = {"urn:appt", id};
  a.specialty = specialty;
  a.start = start;
  a.status = status;
  a.location = location.empty() ? specialty + " clinic" : location;
  return a;
}

model::referral ref(const std::string& id, const std::string& specialty, const std::string& flow = "sent") {
  model::referral r;
  r.key = {"urn:sr", id};
  r.specialty = specialty;
  r.status = "active";
  r.flow = flow;
  return r;
}

// ---- keys, switches, events ----

TEST(coordination_rules, keys_are_stable_identifiers_of_rule_and_subject) {
  auto r = graduate();
  run_twice(r, only("parent_partner_outreach"), monday_noon);
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].key.system, "http://homebase.example.org/fhir/sid/action-item");
  EXPECT_EQ(r.actions[0].key.value, "parent-partner-outreach|ENC-1");
  EXPECT_EQ(r.actions[0].rule, "parent-partner-outreach");
  EXPECT_EQ(r.actions[0].owner_role, "parent_partner");
  EXPECT_EQ(r.actions[0].due, "2024-03-13T16:30:00Z");
  EXPECT_EQ(r.actions[0].created, "2024-03-11T12:00:00Z");
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, "ActionItemAdded");
  EXPECT_EQ(r.events[0].source, "rules");
  EXPECT_EQ(r.events[0].at, "2024-03-11T12:00:00Z");
}

TEST(coordination_rules, nothing_runs_when_switched_off) {
  auto r = graduate();
  config::coordination_settings s;
  s.enabled = false;
  EXPECT_FALSE(apply_rules(r, s, monday_noon).changed());
  EXPECT_TRUE(r.actions.empty());
  auto disabled = only("none");
  EXPECT_FALSE(apply_rules(r, disabled, monday_noon).changed());
}

TEST(coordination_rules, all_rules_together_fire_once_on_a_discharge) {
  auto r = graduate();
  r.referrals.push_back(ref("SR-PULM", "pulmonology", "draft"));
  r.appointments.push_back(appt("A-PCP", "primary-care", "2024-03-13T10:00:00-04:00"));
  auto first = run_twice(r, config::coordination_settings{}, monday_noon);
  EXPECT_TRUE(first.changed());
  EXPECT_NE(action(r, "pcp-visit|ENC-1"), nullptr);
  EXPECT_NE(action(r, "schedule-followup|SR-PULM"), nullptr);
  EXPECT_NE(action(r, "parent-partner-outreach|ENC-1"), nullptr);
  EXPECT_EQ(r.agenda.size(), 1u);
}

// ---- case conference ----

TEST(coordination_rules, new_graduate_goes_on_the_next_case_conference) {
  auto r = graduate();
  run_twice(r, only("case_conference"), monday_noon);
  ASSERT_EQ(r.agenda.size(), 1u);
  EXPECT_EQ(r.agenda[0].key.system, "http://homebase.example.org/fhir/sid/conference-item");
  EXPECT_EQ(r.agenda[0].key.value, "case-conference|ENC-1");
  EXPECT_EQ(r.agenda[0].conference_date, "2024-03-13");  // the Wednesday after Monday 2024-03-11
  EXPECT_EQ(r.agenda[0].status, "pending");
  auto friday = only("case_conference");
  friday.case_conference.weekday = 5;
  auto other = graduate();
  (void)apply_rules(other, friday, at("2024-03-15T09:00:00Z"));  // on a Friday: the next one
  EXPECT_EQ(other.agenda[0].conference_date, "2024-03-22");
}

TEST(coordination_rules, no_agenda_item_without_a_discharge) {
  auto r = graduate();
  r.encounter.reset();
  EXPECT_FALSE(apply_rules(r, only("case_conference"), monday_noon).changed());
  EXPECT_TRUE(r.agenda.empty());
}

TEST(coordination_rules, a_discussed_agenda_item_is_not_added_again) {
  auto r = graduate();
  (void)apply_rules(r, only("case_conference"), monday_noon);
  r.agenda[0].status = "discussed";
  EXPECT_FALSE(apply_rules(r, only("case_conference"), monday_noon + days(14)).changed());
  EXPECT_EQ(r.agenda.size(), 1u);
}

// ---- parent partner ----

TEST(coordination_rules, parent_partner_outreach_only_after_a_discharge) {
  auto r = graduate();
  r.encounter->period_end.clear();
  EXPECT_FALSE(apply_rules(r, only("parent_partner_outreach"), monday_noon).changed());
}

TEST(coordination_rules, an_item_the_team_completed_is_never_reopened) {
  auto r = graduate();
  (void)apply_rules(r, only("parent_partner_outreach"), monday_noon);
  r.actions[0].status = "done";
  EXPECT_FALSE(apply_rules(r, only("parent_partner_outreach"), monday_noon + days(3)).changed());
  EXPECT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].status, "done");
}

// ---- PCP visit ----

TEST(coordination_rules, pcp_visit_task_when_none_is_booked_within_two_days) {
  auto r = graduate();
  r.appointments.push_back(appt("A-PCP", "primary-care", "2024-03-13T10:00:00-04:00"));  // a week later
  run_twice(r, only("pcp_visit"), monday_noon);
  const auto* a = action(r, "pcp-visit|ENC-1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->type, "schedule_followup");
  EXPECT_EQ(a->priority, "urgent");
  EXPECT_EQ(a->due, "2024-03-08");
}

TEST(coordination_rules, no_pcp_task_when_a_visit_within_the_window_exists) {
  auto r = graduate();
  r.appointments.push_back(appt("A-PCP", "primary-care", "2024-03-08T15:00:00-05:00"));
  EXPECT_FALSE(apply_rules(r, only("pcp_visit"), monday_noon).changed());
}

TEST(coordination_rules, the_pcp_of_the_team_counts_as_a_pcp_visit) {
  auto r = graduate();
  model::team_member pcp;
  pcp.key = {"http://hl7.org/fhir/sid/us-npi", "111"};
  pcp.role = model::team_role::pcp;
  r.team.push_back(pcp);
  auto a = appt("A-1", "", "2024-03-07T09:00:00-05:00");
  a.practitioner = pcp.key;
  r.appointments.push_back(a);
  EXPECT_FALSE(apply_rules(r, only("pcp_visit"), monday_noon).changed());
}

TEST(coordination_rules, pcp_task_is_closed_when_the_visit_is_booked) {
  auto r = graduate();
  (void)apply_rules(r, only("pcp_visit"), monday_noon);
  ASSERT_EQ(action(r, "pcp-visit|ENC-1")->status, "open");
  r.appointments.push_back(appt("A-PCP", "primary-care", "2024-03-08T09:00:00-05:00"));
  auto run = run_twice(r, only("pcp_visit"), monday_noon);
  EXPECT_TRUE(run.changed());
  EXPECT_EQ(action(r, "pcp-visit|ENC-1")->status, "done");
  EXPECT_EQ(r.actions.size(), 1u);  // closed, not deleted
  EXPECT_EQ(r.events.back().kind, "ActionItemClosed");
}

// ---- schedule_followup ----

TEST(coordination_rules, one_schedule_task_per_item_still_to_be_scheduled) {
  auto r = graduate();
  model::plan_activity weights;
  weights.key = {"urn:act", "WEIGHTS"};
  weights.description = "Weekly weight checks";
  weights.status = "not-started";
  weights.to_be_scheduled = true;
  r.activities.push_back(weights);
  auto audiology = ref("SR-AUD", "audiology", "draft");
  audiology.due_by = "2024-03-27";
  r.referrals.push_back(audiology);
  r.referrals.push_back(ref("SR-CARD", "cardiology"));
  r.appointments.push_back(appt("A-CARD", "cardiology", "2024-03-20T08:30:00-04:00"));
  run_twice(r, only("schedule_followup"), monday_noon);
  ASSERT_EQ(r.actions.size(), 2u);
  EXPECT_NE(action(r, "schedule-followup|WEIGHTS"), nullptr);
  ASSERT_NE(action(r, "schedule-followup|SR-AUD"), nullptr);
  EXPECT_EQ(action(r, "schedule-followup|SR-AUD")->due, "2024-03-27");
  EXPECT_EQ(action(r, "schedule-followup|SR-AUD")->focus.value, "SR-AUD");
  EXPECT_EQ(action(r, "schedule-followup|WEIGHTS")->due, "2024-03-18T12:00:00Z");  // now + 7d
  EXPECT_EQ(action(r, "schedule-followup|SR-CARD"), nullptr);  // already has its appointment
}

TEST(coordination_rules, schedule_tasks_close_when_scheduled_or_cancelled) {
  auto r = graduate();
  r.referrals.push_back(ref("SR-AUD", "audiology"));
  r.referrals.push_back(ref("SR-GI", "gi-nutrition"));
  (void)apply_rules(r, only("schedule_followup"), monday_noon);
  ASSERT_EQ(r.actions.size(), 2u);
  auto booked = appt("A-AUD", "", "2024-03-14T13:00:00-04:00");
  booked.based_on_referral = r.referrals[0].key;
  r.appointments.push_back(booked);
  r.referrals[1].flow = "cancelled";
  run_twice(r, only("schedule_followup"), monday_noon);
  EXPECT_EQ(action(r, "schedule-followup|SR-AUD")->status, "done");
  EXPECT_EQ(action(r, "schedule-followup|SR-GI")->status, "cancelled");
  // Back to "to schedule": the closed item stays closed.
  r.appointments.clear();
  EXPECT_FALSE(apply_rules(r, only("schedule_followup"), monday_noon).changed());
}

// ---- early intervention ----

model::referral ei_referral(const std::string& flow, const std::string& authored) {
  auto r = ref("SR-EI", "early-intervention", flow);
  r.authored_on = authored;
  return r;
}

TEST(coordination_rules, ei_referral_task_when_identified_and_escalated_when_overdue) {
  auto r = graduate();
  r.referrals.push_back(ei_referral("draft", "2024-03-06"));
  auto run = run_twice(r, only("early_intervention"), at("2024-03-08T00:00:00Z"));
  ASSERT_TRUE(r.early_intervention);
  EXPECT_EQ(r.early_intervention->identified_on, "2024-03-06");
  EXPECT_EQ(r.early_intervention->referral_due_by, "2024-03-13T00:00:00Z");
  const auto* a = action(r, "ei-referral|SR-EI");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->priority, "routine");
  EXPECT_EQ(a->type, "ei_followup");
  ASSERT_TRUE(run.next_due);
  EXPECT_EQ(fhir::format_date_time(*run.next_due), "2024-03-13T00:00:00Z");
  // The clock runs out: the same item is escalated, not duplicated.
  auto late = run_twice(r, only("early_intervention"), at("2024-03-13T00:00:00Z"));
  EXPECT_EQ(action(r, "ei-referral|SR-EI")->priority, "urgent");
  EXPECT_EQ(r.actions.size(), 1u);
  EXPECT_FALSE(late.next_due);
  EXPECT_EQ(r.events.back().kind, "ActionItemEscalated");
}

TEST(coordination_rules, ei_acknowledgement_is_escalated_after_seven_days) {
  auto r = graduate();
  r.referrals.push_back(ei_referral("sent", "2024-03-09"));
  // An active referral without a referral Task (as listed at discharge) is not yet sent to the program.
  apply_rules(r, only("early_intervention"), at("2024-03-10T00:00:00Z"));
  EXPECT_EQ(r.early_intervention->referred_on, "");
  EXPECT_NE(action(r, "ei-referral|SR-EI"), nullptr);
  r.early_intervention.reset();
  r.actions.clear();
  r.referrals.back().task_key = {"urn:task", "T-EI"};  // the BSeR Task says: sent on day 3
  auto run = run_twice(r, only("early_intervention"), at("2024-03-10T00:00:00Z"));
  EXPECT_EQ(r.early_intervention->referred_on, "2024-03-09");
  EXPECT_EQ(r.early_intervention->ifsp_due_by, "2024-04-23T00:00:00Z");
  EXPECT_EQ(action(r, "ei-acknowledgement|SR-EI"), nullptr);
  ASSERT_TRUE(run.next_due);
  EXPECT_EQ(fhir::format_date_time(*run.next_due),
            "2024-03-16T00:00:00Z");  // day 10: the acknowledgement clock
  run_twice(r, only("early_intervention"), *run.next_due);
  const auto* a = action(r, "ei-acknowledgement|SR-EI");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->priority, "urgent");
  // Accepted later: the escalation closes; the IFSP clock is what remains.
  r.referrals[0].flow = "accepted";
  auto after = run_twice(r, only("early_intervention"), at("2024-03-18T00:00:00Z"));
  EXPECT_EQ(action(r, "ei-acknowledgement|SR-EI")->status, "done");
  ASSERT_TRUE(after.next_due);
  EXPECT_EQ(fhir::format_date_time(*after.next_due), "2024-04-23T00:00:00Z");
}

TEST(coordination_rules, ifsp_clock_met_or_breached) {
  auto r = graduate();
  r.referrals.push_back(ei_referral("accepted", "2024-03-09"));
  (void)apply_rules(r, only("early_intervention"), at("2024-03-10T00:00:00Z"));
  run_twice(r, only("early_intervention"), at("2024-04-23T00:00:00Z"));
  ASSERT_NE(action(r, "ei-ifsp|SR-EI"), nullptr);
  r.early_intervention->ifsp_held_on = "2024-04-25";
  auto run = run_twice(r, only("early_intervention"), at("2024-04-26T00:00:00Z"));
  EXPECT_EQ(action(r, "ei-ifsp|SR-EI")->status, "done");
  EXPECT_FALSE(run.next_due);

  auto met = graduate();
  met.referrals.push_back(ei_referral("accepted", "2024-03-09"));
  (void)apply_rules(met, only("early_intervention"), at("2024-03-10T00:00:00Z"));
  met.early_intervention->ifsp_held_on = "2024-04-18";  // day 40
  auto none = run_twice(met, only("early_intervention"), at("2024-04-30T00:00:00Z"));
  EXPECT_EQ(action(met, "ei-ifsp|SR-EI"), nullptr);
  EXPECT_FALSE(none.next_due);
}

TEST(coordination_rules, family_declining_ei_stops_the_clocks_and_asks_the_parent_partner) {
  auto r = graduate();
  r.referrals.push_back(ei_referral("draft", "2024-03-06"));
  (void)apply_rules(r, only("early_intervention"), at("2024-03-07T00:00:00Z"));
  r.early_intervention->family_declined = true;
  auto run = run_twice(r, only("early_intervention"), at("2024-03-08T00:00:00Z"));
  EXPECT_EQ(action(r, "ei-referral|SR-EI")->status, "cancelled");
  const auto* follow_up = action(r, "ei-declined|SR-EI");
  ASSERT_NE(follow_up, nullptr);
  EXPECT_EQ(follow_up->owner_role, "parent_partner");
  EXPECT_FALSE(run.next_due);
}

TEST(coordination_rules, a_declined_ei_referral_stops_the_clocks_too) {
  auto r = graduate();
  r.referrals.push_back(ei_referral("sent", "2024-03-06"));
  r.referrals.back().task_key = {"urn:task", "T-EI"};
  (void)apply_rules(r, only("early_intervention"), at("2024-03-20T00:00:00Z"));  // day 14: not acknowledged
  ASSERT_NE(action(r, "ei-acknowledgement|SR-EI"), nullptr);
  r.referrals.back().flow = "declined";
  r.referrals.back().status_reason = "Parents declined at the intake call";
  auto run = run_twice(r, only("early_intervention"), at("2024-05-30T00:00:00Z"));  // past the IFSP clock
  EXPECT_EQ(action(r, "ei-acknowledgement|SR-EI")->status, "cancelled");
  EXPECT_EQ(action(r, "ei-ifsp|SR-EI"), nullptr);
  const auto* follow_up = action(r, "ei-declined|SR-EI");
  ASSERT_NE(follow_up, nullptr);
  EXPECT_NE(follow_up->description.find("Parents declined"), std::string::npos);
  EXPECT_FALSE(run.next_due);
}

TEST(coordination_rules, no_ei_work_without_an_ei_referral) {
  auto r = graduate();
  r.referrals.push_back(ref("SR-PULM", "pulmonology"));
  EXPECT_FALSE(apply_rules(r, only("early_intervention"), monday_noon).changed());
  EXPECT_FALSE(r.early_intervention);
}

// ---- interpreter ----

TEST(coordination_rules, interpreter_for_every_appointment_when_a_decision_maker_needs_one) {
  auto r = graduate();
  r.family[0].interpreter_needed = true;
  r.appointments.push_back(appt("A-1", "cardiology", "2024-03-20T08:30:00-04:00"));
  r.appointments.push_back(appt("A-2", "audiology", "2024-03-14T13:00:00-04:00"));
  auto done = appt("A-3", "ophthalmology", "2024-03-01T09:00:00-05:00", "fulfilled");
  r.appointments.push_back(done);
  run_twice(r, only("interpreter"), monday_noon);
  ASSERT_EQ(r.actions.size(), 2u);
  const auto* a = action(r, "interpreter|A-1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->type, "book_interpreter");
  EXPECT_EQ(a->due, "2024-03-20T08:30:00-04:00");
  EXPECT_TRUE(r.appointments[0].interpreter_required);
  EXPECT_EQ(r.appointments[0].interpreter_language, "es");
}

TEST(coordination_rules, no_interpreter_task_when_nobody_needs_one_or_it_is_booked) {
  auto r = graduate();
  r.appointments.push_back(appt("A-1", "cardiology", "2024-03-20T08:30:00-04:00"));
  EXPECT_FALSE(apply_rules(r, only("interpreter"), monday_noon).changed());
  r.family[0].interpreter_needed = true;
  r.appointments[0].interpreter_booked = true;
  (void)apply_rules(r, only("interpreter"), monday_noon);
  EXPECT_TRUE(r.actions.empty());
}

TEST(coordination_rules, interpreter_task_closes_when_booked_not_deleted) {
  auto r = graduate();
  r.family[0].interpreter_needed = true;
  r.appointments.push_back(appt("A-1", "cardiology", "2024-03-20T08:30:00-04:00"));
  (void)apply_rules(r, only("interpreter"), monday_noon);
  r.appointments[0].interpreter_booked = true;
  run_twice(r, only("interpreter"), monday_noon);
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].status, "done");
}

// ---- transport ----

TEST(coordination_rules, transport_task_until_arranged) {
  auto r = graduate();
  auto a = appt("A-1", "ophthalmology", "2024-03-12T09:00:00-04:00");
  a.transport_needed = true;
  r.appointments.push_back(a);
  r.appointments.push_back(appt("A-2", "cardiology", "2024-03-20T08:30:00-04:00"));
  run_twice(r, only("transport"), monday_noon);
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].type, "arrange_transport");
  r.appointments[0].transport_arranged = true;
  run_twice(r, only("transport"), monday_noon);
  EXPECT_EQ(r.actions[0].status, "done");
}

TEST(coordination_rules, a_transportation_need_gets_a_task) {
  auto r = graduate();
  model::social_need need;
  need.key = {"urn:need", "TRANSPORT"};
  need.domain = "transportation";
  r.social_needs.push_back(need);
  run_twice(r, only("transport"), monday_noon);
  ASSERT_NE(action(r, "transport|TRANSPORT"), nullptr);
  r.social_needs[0].status = "resolved";
  run_twice(r, only("transport"), monday_noon);
  EXPECT_EQ(action(r, "transport|TRANSPORT")->status, "done");
}

// ---- appointment burden ----

TEST(coordination_rules, more_than_three_visits_in_a_week_suggests_clustering) {
  auto r = graduate();
  const char* starts[] = {"2024-03-18T09:00:00-04:00", "2024-03-19T09:00:00-04:00",
                          "2024-03-20T09:00:00-04:00", "2024-03-21T09:00:00-04:00",
                          "2024-03-22T09:00:00-04:00"};
  int i = 0;
  for (const char* s : starts) {
    auto a =
        appt("A-" + std::to_string(i), "s" + std::to_string(i), s, "booked", "site " + std::to_string(i % 3));
    ++i;
    r.appointments.push_back(a);
  }
  r.appointments.push_back(appt("A-X", "x", "2024-03-25T09:00:00-04:00"));  // another week: 1 visit
  run_twice(r, only("appointment_burden"), monday_noon);
  // One alert for the crowded stretch: a clustering Task, an agenda item and the family's check-in.
  ASSERT_EQ(r.actions.size(), 2u);
  EXPECT_EQ(r.actions[0].key.value, "appointment-burden|window-2024-03-18");
  EXPECT_EQ(r.actions[0].type, "cluster_appointments");
  EXPECT_NE(r.actions[0].description.find("6 visits at 4 sites"), std::string::npos)
      << r.actions[0].description;
  EXPECT_EQ(r.actions[1].key.value, "appointment-burden-family|window-2024-03-18");
  EXPECT_EQ(r.actions[1].type, "parent_partner_outreach");
  EXPECT_EQ(r.actions[1].owner_role, "parent_partner");
  ASSERT_EQ(r.agenda.size(), 1u);
  EXPECT_EQ(r.agenda[0].key.value, "appointment-burden|window-2024-03-18");
  // Three visits move weeks away: no 7 days hold more than 3 visits, and the items close.
  r.appointments[0].start = "2024-04-01T09:00:00-04:00";
  r.appointments[1].start = "2024-04-08T09:00:00-04:00";
  r.appointments[2].start = "2024-04-15T09:00:00-04:00";
  run_twice(r, only("appointment_burden"), monday_noon);
  EXPECT_EQ(r.actions[0].status, "done");
  EXPECT_EQ(r.actions[1].status, "done");
}

// The window rolls: 4 visits from a Friday to the next Tuesday are too many whatever the weekday, and a
// visit added at the edge of the stretch keeps the one alert.
TEST(coordination_rules, the_burden_window_rolls_across_weeks_and_alerts_once) {
  auto r = graduate();
  r.appointments.push_back(appt("A-1", "a", "2024-03-22T09:00:00-04:00", "booked", "North"));
  r.appointments.push_back(appt("A-2", "b", "2024-03-23T09:00:00-04:00", "booked", "North"));
  r.appointments.push_back(appt("A-3", "c", "2024-03-25T09:00:00-04:00", "booked", "South"));
  EXPECT_FALSE(apply_rules(r, only("appointment_burden"), monday_noon).changed());
  r.appointments.push_back(appt("A-4", "d", "2024-03-26T09:00:00-04:00", "booked", "South"));
  run_twice(r, only("appointment_burden"), monday_noon);
  ASSERT_NE(action(r, "appointment-burden|window-2024-03-22"), nullptr);
  r.appointments.push_back(appt("A-0", "e", "2024-03-20T09:00:00-04:00", "booked", "East"));
  run_twice(r, only("appointment_burden"), monday_noon);
  EXPECT_EQ(r.agenda.size(), 1u);
  EXPECT_EQ(std::count_if(r.actions.begin(), r.actions.end(),
                          [](const auto& a) { return a.type == "cluster_appointments"; }),
            1);
}

TEST(coordination_rules, more_than_two_sites_in_a_day_suggests_clustering) {
  auto r = graduate();
  r.appointments.push_back(appt("A-1", "a", "2024-03-20T08:00:00-04:00", "booked", "North"));
  r.appointments.push_back(appt("A-2", "b", "2024-03-20T10:00:00-04:00", "booked", "South"));
  EXPECT_FALSE(apply_rules(r, only("appointment_burden"), monday_noon).changed());
  r.appointments.push_back(appt("A-3", "c", "2024-03-20T14:00:00-04:00", "booked", "East"));
  run_twice(r, only("appointment_burden"), monday_noon);
  ASSERT_NE(action(r, "appointment-burden|day-2024-03-20"), nullptr);
  // A cancelled visit does not count: the day is back to two sites.
  r.appointments[2].status = "cancelled";
  run_twice(r, only("appointment_burden"), monday_noon);
  EXPECT_EQ(action(r, "appointment-burden|day-2024-03-20")->status, "done");
}

// ---- referral loop ----

TEST(coordination_rules, referral_not_closed_thirty_days_after_the_visit) {
  auto r = graduate();
  auto pulm = ref("SR-PULM", "pulmonology", "seen");
  pulm.seen_on = "2024-03-18";
  r.referrals.push_back(pulm);
  auto run = run_twice(r, only("referral_loop"), monday_noon + days(10));
  EXPECT_EQ(r.referrals[0].loop_close_due, "2024-04-17");
  EXPECT_TRUE(r.actions.empty());
  ASSERT_TRUE(run.next_due);
  EXPECT_EQ(fhir::format_date_time(*run.next_due), "2024-04-17T00:00:00Z");
  run_twice(r, only("referral_loop"), *run.next_due);
  const auto* a = action(r, "referral-loop|SR-PULM");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->type, "obtain_report");
  EXPECT_EQ(r.referrals[0].flow, "seen");  // the loop stays open until a report arrives
  r.referrals[0].report_ref = "DocumentReference/pulm-report";
  auto closed = run_twice(r, only("referral_loop"), at("2024-04-20T00:00:00Z"));
  EXPECT_EQ(action(r, "referral-loop|SR-PULM")->status, "done");
  EXPECT_FALSE(closed.next_due);
}

TEST(coordination_rules, the_visit_of_a_referral_can_be_a_fulfilled_appointment) {
  auto r = graduate();
  r.referrals.push_back(ref("SR-PULM", "pulmonology", "scheduled"));
  auto visit = appt("A-PULM", "pulmonology", "2024-03-18T10:00:00-04:00", "fulfilled");
  visit.based_on_referral = r.referrals[0].key;
  r.appointments.push_back(visit);
  auto s = only("referral_loop");
  s.referral_loop.close_within = seconds(5);
  auto run = run_twice(r, s, at("2024-03-18T14:00:00Z"));
  EXPECT_EQ(r.referrals[0].seen_on, "2024-03-18T10:00:00-04:00");
  EXPECT_EQ(r.referrals[0].loop_close_due, "2024-03-18T14:00:05Z");
  ASSERT_TRUE(run.next_due);
  run_twice(r, s, *run.next_due);
  EXPECT_NE(action(r, "referral-loop|SR-PULM"), nullptr);
}

TEST(coordination_rules, no_loop_clock_before_the_visit) {
  auto r = graduate();
  r.referrals.push_back(ref("SR-PULM", "pulmonology", "scheduled"));
  auto run = apply_rules(r, only("referral_loop"), monday_noon);
  EXPECT_FALSE(run.changed());
  EXPECT_FALSE(run.next_due);
}

// ---- weight gain ----

void weigh(coordination_record& r, const std::string& id, const std::string& when, const std::string& grams) {
  model::measurement m;
  m.key = {"urn:obs", id};
  m.code = {"http://loinc.org", "29463-7", "Body weight"};
  m.value = {grams, "g", "g"};
  m.effective = when;
  r.measurements.push_back(m);
}

TEST(coordination_rules, weight_gain_below_target_over_two_weeks) {
  auto r = graduate();
  r.care_plan = model::care_plan_info{};
  weigh(r, "W1", "2024-03-06T08:00:00-05:00", "2100");
  weigh(r, "W2", "2024-03-13T08:00:00-04:00", "2180");
  weigh(r, "W3", "2024-03-20T08:00:00-04:00", "2250");  // 150 g in 14 days: 10.7 g/day
  run_twice(r, only("weight_gain"), at("2024-03-20T15:00:00Z"));
  const auto* a = action(r, "weight-gain|MRN-1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->type, "growth_review");
  EXPECT_EQ(a->owner_role, "pcp");
  EXPECT_NE(a->description.find("10.7 g/day"), std::string::npos) << a->description;
  EXPECT_EQ(r.care_plan->next_review_due, "2024-03-20");
  // Back on target with the next weight: the item closes.
  weigh(r, "W4", "2024-03-27T08:00:00-04:00", "2600");
  run_twice(r, only("weight_gain"), at("2024-03-27T15:00:00Z"));
  EXPECT_EQ(action(r, "weight-gain|MRN-1")->status, "done");
}

TEST(coordination_rules, weight_gain_on_target_or_too_few_weights_does_nothing) {
  auto r = graduate();
  weigh(r, "W1", "2024-03-06T08:00:00-05:00", "2.100");
  r.measurements[0].value = {"2.100", "kg", "kg"};
  weigh(r, "W3", "2024-03-20T08:00:00-04:00", "2400");  // 300 g in 14 days: 21 g/day
  (void)apply_rules(r, only("weight_gain"), at("2024-03-20T15:00:00Z"));
  EXPECT_EQ(action(r, "weight-gain|MRN-1"), nullptr);
  auto short_span = graduate();
  weigh(short_span, "W1", "2024-03-06T08:00:00-05:00", "2100");
  weigh(short_span, "W2", "2024-03-13T08:00:00-04:00", "2110");  // one week only: no judgement yet
  (void)apply_rules(short_span, only("weight_gain"), at("2024-03-13T15:00:00Z"));
  EXPECT_EQ(action(short_span, "weight-gain|MRN-1"), nullptr);
}

// Scenario 3: a rebooked visit is a call to the family; past its referral's window, an escalation today.
TEST(coordination_rules, a_rebooked_visit_is_told_to_the_family_and_escalated_past_its_window) {
  auto r = graduate();
  auto cardio = ref("SR-CARDIO", "cardiology", "scheduled");
  cardio.due_by = "2024-04-20";
  r.referrals.push_back(cardio);
  auto first = appt("A1", "cardiology", "2024-04-01T09:00:00-04:00", "cancelled");
  auto within = appt("A2", "cardiology", "2024-04-15T09:00:00-04:00");
  within.replaces = first.key;
  within.based_on_referral = cardio.key;
  first.replaced_by = within.key;
  r.appointments = {first, within};
  run_twice(r, only("schedule_followup"), monday_noon);
  ASSERT_NE(action(r, "reschedule-notice|A2"), nullptr);
  EXPECT_EQ(action(r, "reschedule-notice|A2")->type, "call_family");
  EXPECT_EQ(action(r, "window-escalation|A2"), nullptr);
  // Moved again, past the window's end.
  r.appointments[1].status = "cancelled";
  auto late = appt("A3", "cardiology", "2024-04-25T09:00:00-04:00");
  late.replaces = within.key;
  late.based_on_referral = cardio.key;
  r.appointments[1].replaced_by = late.key;
  r.appointments.push_back(late);
  run_twice(r, only("schedule_followup"), monday_noon);
  EXPECT_EQ(action(r, "reschedule-notice|A2")->status, "cancelled");
  ASSERT_NE(action(r, "reschedule-notice|A3"), nullptr);
  ASSERT_NE(action(r, "window-escalation|A3"), nullptr);
  EXPECT_EQ(action(r, "window-escalation|A3")->priority, "asap");
}

// Scenario 1: weekly weight checks after the discharge, one open at a time, each closed by a weight.
TEST(coordination_rules, weekly_weight_checks_follow_the_weights_taken) {
  auto r = graduate();  // discharged 2024-03-06 11:30 -05:00
  run_twice(r, only("weight_gain"), monday_noon);
  const auto* first = action(r, "weight-check|ENC-1|week-1");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->type, "weight_check");
  EXPECT_EQ(first->due, "2024-03-13");
  weigh(r, "W1", "2024-03-12T09:00:00-04:00", "2200");
  run_twice(r, only("weight_gain"), at("2024-03-12T15:00:00Z"));
  EXPECT_EQ(action(r, "weight-check|ENC-1|week-1")->status, "done");
  ASSERT_NE(action(r, "weight-check|ENC-1|week-2"), nullptr);
  EXPECT_EQ(action(r, "weight-check|ENC-1|week-2")->due, "2024-03-19");
}

// Scenario 2: an amended discharge that adds a drug asks the PCP to reconcile the list, once.
TEST(coordination_rules, a_drug_added_by_an_amendment_is_reconciled_once) {
  auto r = graduate();
  model::medication diuretic;
  diuretic.key = {"urn:med", "MED-3"};
  diuretic.text = "Chlorothiazide oral suspension";
  r.medications.push_back(diuretic);
  model::record_event added;
  added.kind = "MedicationAdded";
  added.detail = "MED-3";
  r.events.push_back(added);
  run_twice(r, only("medication_conflict"), monday_noon);
  const auto* a = action(r, "medication-added|MED-3");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->type, "med_reconciliation");
  EXPECT_EQ(a->owner_role, "pcp");
  EXPECT_NE(a->description.find("Chlorothiazide"), std::string::npos);
}

// ---- ROP ----

coordination_record rop_graduate() {
  auto r = graduate();
  model::problem rop;
  rop.key = {"urn:cond", "ROP"};
  rop.code = {"http://snomed.info/sct", "415297005", "Retinopathy of prematurity"};
  rop.clinical_status = "active";
  r.problems.push_back(rop);
  auto eye = ref("SR-EYE", "ophthalmology");
  eye.due_by = "2024-03-13";
  r.referrals.push_back(eye);
  return r;
}

TEST(coordination_rules, rop_needs_a_booked_eye_exam_at_discharge) {
  auto r = rop_graduate();
  run_twice(r, only("rop_followup"), monday_noon);
  const auto* a = action(r, "rop-followup|ENC-1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->priority, "urgent");
  r.appointments.push_back(appt("A-EYE", "ophthalmology", "2024-03-12T09:00:00-04:00"));
  run_twice(r, only("rop_followup"), monday_noon);
  EXPECT_EQ(action(r, "rop-followup|ENC-1")->status, "done");
}

TEST(coordination_rules, no_rop_work_when_screening_is_complete) {
  auto r = graduate();
  EXPECT_FALSE(apply_rules(r, only("rop_followup"), monday_noon).changed());
  auto booked = rop_graduate();
  booked.appointments.push_back(appt("A-EYE", "ophthalmology", "2024-03-12T09:00:00-04:00"));
  EXPECT_FALSE(apply_rules(booked, only("rop_followup"), monday_noon).changed());
}

// Found by scenario 4: a missed exam raised the discharge rule's urgent task next to the escalation.
TEST(coordination_rules, a_missed_or_moved_exam_is_escalated_not_asked_for_again) {
  auto r = rop_graduate();
  r.appointments.push_back(appt("A-EYE", "ophthalmology", "2024-03-12T09:00:00-04:00", "noshow"));
  run_twice(r, only("rop_followup"), at("2024-03-12T18:00:00Z"));
  EXPECT_EQ(action(r, "rop-followup|ENC-1"), nullptr);
  EXPECT_NE(action(r, "rop-escalation|A-EYE"), nullptr);
}

// Found by scenario 1: the PCP referral got a schedule_followup task next to the pcp-visit task.
TEST(coordination_rules, the_pcp_referral_is_left_to_the_pcp_visit_rule) {
  auto r = graduate();
  r.referrals.push_back(ref("SR-PCP", "primary-care"));
  r.referrals.push_back(ref("SR-AUD", "audiology"));
  auto s = only("schedule_followup");
  s.pcp_visit.enabled = true;
  run_twice(r, s, monday_noon);
  EXPECT_EQ(action(r, "schedule-followup|SR-PCP"), nullptr);
  EXPECT_NE(action(r, "schedule-followup|SR-AUD"), nullptr);
  EXPECT_NE(action(r, "pcp-visit|ENC-1"), nullptr);
  // Without the PCP rule, the referral is scheduled like any other.
  auto alone = graduate();
  alone.referrals.push_back(ref("SR-PCP", "primary-care"));
  run_twice(alone, only("schedule_followup"), monday_noon);
  EXPECT_NE(action(alone, "schedule-followup|SR-PCP"), nullptr);
}

TEST(coordination_rules, rop_no_show_escalates_the_same_day) {
  auto r = rop_graduate();
  r.appointments.push_back(appt("A-EYE", "ophthalmology", "2024-03-12T09:00:00-04:00", "noshow"));
  run_twice(r, only("rop_followup"), at("2024-03-12T18:00:00Z"));
  const auto* a = action(r, "rop-escalation|A-EYE");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->priority, "asap");
  EXPECT_EQ(a->due, "2024-03-12");
  // Rebooked within the window: the escalation closes.
  auto next = appt("A-EYE2", "ophthalmology", "2024-03-13T09:00:00-04:00");
  next.replaces = r.appointments[0].key;
  r.appointments[0].replaced_by = next.key;
  r.appointments.push_back(next);
  run_twice(r, only("rop_followup"), at("2024-03-12T20:00:00Z"));
  EXPECT_EQ(action(r, "rop-escalation|A-EYE")->status, "done");
  EXPECT_EQ(action(r, "rop-escalation|A-EYE2"), nullptr);
}

TEST(coordination_rules, rop_reschedule_past_the_due_date_escalates) {
  auto r = rop_graduate();
  auto old = appt("A-EYE", "ophthalmology", "2024-03-12T09:00:00-04:00", "cancelled");
  auto moved = appt("A-EYE2", "ophthalmology", "2024-03-20T09:00:00-04:00");
  moved.replaces = old.key;
  old.replaced_by = moved.key;
  r.appointments = {old, moved};
  run_twice(r, only("rop_followup"), at("2024-03-11T15:00:00Z"));
  ASSERT_NE(action(r, "rop-escalation|A-EYE2"), nullptr);
  // Within the window: no escalation.
  auto ok = rop_graduate();
  moved.start = "2024-03-13T09:00:00-04:00";
  ok.appointments = {old, moved};
  (void)apply_rules(ok, only("rop_followup"), at("2024-03-11T15:00:00Z"));
  EXPECT_EQ(action(ok, "rop-escalation|A-EYE2"), nullptr);
}

}  // namespace
}  // namespace homebase::mappers::coordination

// ---- the seed story (domain.md §6 scenario 1) through the real translation ----

namespace homebase::mappers::coordination {
namespace {

TEST(coordination_rules_seed, the_nicu_discharge_of_the_seed_story_gets_its_coordination_work) {
  auto bundle = testing::load_fixture("fixtures/anjali-nicu-discharge.json");
  auto translated = inbound::translate_discharge(bundle);
  ASSERT_TRUE(translated.ok) << translated.message;
  auto record = translated.value.record;
  // The afternoon of the discharge (Wednesday 2024-03-06).
  auto run = run_twice(record, config::coordination_settings{}, at("2024-03-06T18:00:00Z"));
  // The PCP visit is booked a week out (2024-03-13): a task; every referral already has its appointment,
  // the ophthalmology exam is booked, the family needs no interpreter, no visit is fulfilled yet.
  std::vector<std::string> keys;
  for (const auto& a : record.actions) keys.push_back(a.key.value);
  // Four visits in the 7 days from 2024-03-12 (ophthalmology, weight check, audiology, pulmonology on the
  // 18th): one burden alert (no calendar week has more than 3, the rolling window does).
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "parent-partner-outreach|ENC-20240117-0042", "pcp-visit|ENC-20240117-0042",
                      "appointment-burden|window-2024-03-12", "appointment-burden-family|window-2024-03-12",
                      "weight-check|ENC-20240117-0042|week-1"}));
  EXPECT_EQ(action(record, "pcp-visit|ENC-20240117-0042")->due, "2024-03-08");
  ASSERT_EQ(record.agenda.size(), 2u);
  EXPECT_EQ(record.agenda[0].conference_date, "2024-03-13");
  EXPECT_FALSE(run.next_due);

  // With a Spanish-speaking mother who needs an interpreter: one booking task per upcoming appointment.
  record.family[0].interpreter_needed = true;
  record.family[0].language = "es";
  run_twice(record, config::coordination_settings{}, at("2024-03-06T18:00:00Z"));
  auto interpreter_tasks = std::count_if(record.actions.begin(), record.actions.end(),
                                         [](const action_item& a) { return a.rule == "interpreter"; });
  EXPECT_EQ(interpreter_tasks, static_cast<long>(record.appointments.size()));
  EXPECT_EQ(interpreter_tasks, 8);
}

}  // namespace
}  // namespace homebase::mappers::coordination

namespace homebase::mappers::coordination {
namespace {

model::medication med(const std::string& id, const std::string& dosage, const std::string& source) {
  model::medication m;
  m.key = {"urn:med", id};
  m.code = {"http://www.nlm.nih.gov/research/umls/rxnorm", "4603", "furosemide"};
  m.text = "Furosemide";
  m.dosage = dosage;
  m.status = "active";
  m.source = source;
  return m;
}

// ---- medication conflict ----

TEST(coordination_rules, two_active_instructions_for_one_drug_that_disagree_are_reconciled) {
  auto r = graduate();
  r.medications.push_back(med("M-1", "2.4 mg by mouth once daily", "st-elsewhere-nicu"));
  EXPECT_FALSE(apply_rules(r, only("medication_conflict"), monday_noon).changed());
  r.medications.push_back(med("M-2", "2.4 mg by mouth once daily", "riverside-pulmonology"));
  EXPECT_FALSE(apply_rules(r, only("medication_conflict"), monday_noon).changed());  // they agree
  r.medications.back().dosage = "2.7 mg by mouth every other day";
  run_twice(r, only("medication_conflict"), monday_noon);
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].key.value, "medication-conflict|rxnorm-4603");
  EXPECT_EQ(r.actions[0].type, "med_reconciliation");
  EXPECT_EQ(r.actions[0].owner_role, "pcp");
  EXPECT_NE(r.actions[0].description.find("'2.4 mg by mouth once daily' (st-elsewhere-nicu) vs "
                                          "'2.7 mg by mouth every other day' (riverside-pulmonology)"),
            std::string::npos)
      << r.actions[0].description;
  EXPECT_EQ(r.medications.size(), 2u);  // both kept
  // One instruction stopped: nothing to reconcile any more.
  r.medications[0].status = "stopped";
  run_twice(r, only("medication_conflict"), monday_noon);
  EXPECT_EQ(r.actions[0].status, "done");
}

// ---- visit summary review ----

TEST(coordination_rules, each_visit_summary_gets_one_pcp_review) {
  auto r = graduate();
  model::record_event e;
  e.kind = "VisitSummaryReceived";
  e.source = "riverside-pulmonology";
  e.message_id = "MSG-1";
  r.events.push_back(e);
  e.kind = "ReferralStatusReceived";
  e.message_id = "MSG-2";
  r.events.push_back(e);
  run_twice(r, only("visit_summary_review"), monday_noon);
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].key.value, "visit-summary-review|MSG-1");
  EXPECT_EQ(r.actions[0].type, "review_visit_summary");
  EXPECT_EQ(r.actions[0].owner_role, "pcp");
}

}  // namespace
}  // namespace homebase::mappers::coordination
