// care_plan_entries: the CareTeam (US Core CareTeam, fhir-rules §8.2) and the shared plan of care as a
// CarePlan (US Core CarePlan, §8.1).
//
// CareTeam: subject, status, period, and for every team member a participant with role (as sent, plus the
// project-local care-team-role code) and member (a reference to the member's entry), onBehalfOf the
// member's organisation, and the member's period; a narrative listing the team.
//
// CarePlan: text (status generated) summarising problems, goals, activities and the next review;
// category assess-plan; addresses = the problem and social-need Conditions; goal = the Goals; activities:
// the plan's own activities as detail, and a reference for each referral (ServiceRequest), appointment and
// action item (Task). The plan version is an extension (care-plan-version, positiveInt), with
// last-reviewed and next-review dates beside it: it is the coordination record's content version (bumped
// when an amended message changes the plan), which neither meta.versionId (the server's, bumped on every
// write) nor an identifier (an identity must not change) can carry.
#pragma once

#include "mappers/outbound/entry_writer.hpp"

namespace homebase::mappers::outbound {

// The CareTeam key (the record's, else derived from the Patient key); empty when there is no team.
[[nodiscard]] model::identifier care_team_key(const entry_writer& w);
// The CarePlan key (the record's, else derived from the Patient key); empty when there is no plan content.
[[nodiscard]] model::identifier care_plan_key(const entry_writer& w);

void write_care_team(entry_writer& w);
void write_care_plan(entry_writer& w);

}  // namespace homebase::mappers::outbound
