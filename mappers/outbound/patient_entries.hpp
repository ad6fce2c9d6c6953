// patient_entries: the child and the people around it: Patient, RelatedPerson (family, and team members
// who are relatives), Practitioner/Organization (team members), the NICU Encounter and the Observations
// (gestational age, birth weight, measurements).
#pragma once

#include "mappers/outbound/entry_writer.hpp"

namespace homebase::mappers::outbound {

void write_patient(entry_writer& w);
void write_family(entry_writer& w);
void write_team_members(entry_writer& w);
void write_encounter(entry_writer& w);
void write_observations(entry_writer& w);

}  // namespace homebase::mappers::outbound
