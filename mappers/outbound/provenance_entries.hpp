// provenance_entries: every record event (a change with a time and a source) as a Provenance, written once.
//
// Provenance has no identifier element, so the event's key (UUID v5 of its content, under
// .../sid/record-event) is carried as a meta.tag and the entry is a conditional create
// (POST, ifNoneExist "_tag=system|key"): sending the record again never writes an event twice.
// target: the Patient, plus what the event kind says it changed (a discharge record writes the
// Encounter, the CareTeam and the CarePlan; a change of medical home, the CareTeam); recorded = the event
// time; agent = the sending partner as author (an Organization known by name), or Homebase itself (a Device)
// for rules and the scheduler, with Homebase as assembler of the translated resources; activity = v3
// DataOperation (CREATE for the first event of the record, UPDATE after) with the event kind beside it and
// its detail as text; entity = the message that caused it. Events without a time (not yet stamped by the
// intake) are left out: Provenance.recorded is 1..1.
#pragma once

#include "mappers/outbound/entry_writer.hpp"

namespace homebase::mappers::outbound {

void write_provenance(entry_writer& w);

// The business key of an event: stable for the same event content.
[[nodiscard]] model::identifier record_event_key(const model::record_event& e);

}  // namespace homebase::mappers::outbound
