// coordination_task_entries: the coordination work for the medical home's team, as FHIR Tasks.
//
// Action items: intent order; status from the item's status; priority; code from the project-local
// action-type CodeSystem; for = the Patient; focus = the referral or appointment it is about;
// restriction.period.end = due; performerType = the owner role; owner = the current CareTeam member holding
// that role, when the team has one; description.
//
// Case-conference agenda items: also Tasks (code action-type#case-conference-item), with
// executionPeriod.start = the conference date. R4 has no agenda resource; an item is work with a state
// (pending -> discussed) about one child, which is what Task is, and Task's standard search parameters let
// the coordinator list an agenda: Task?code=<action-type>|case-conference-item&period=<date>&status=requested
// (`period` searches executionPeriod). A List per conference would mix children across Bundles that are
// each written for one child.
#pragma once

#include "mappers/outbound/entry_writer.hpp"

namespace homebase::mappers::outbound {

void write_action_items(entry_writer& w);
void write_agenda_items(entry_writer& w);

// Task.status of an action item status (open, in_progress, done, cancelled, blocked).
[[nodiscard]] std::string_view action_task_status(std::string_view status);

}  // namespace homebase::mappers::outbound
