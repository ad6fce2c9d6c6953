// clinical_summary_entries: the medical summary of the shared plan of care and the family's goals:
// problems and social needs (Condition), medications (MedicationStatement), devices (Device and
// DeviceUseStatement) and family goals (Goal).
//
// Medications go out as MedicationStatement, not MedicationRequest: the record says what the child is
// taking as the hospital or a specialist reported it; the medical home did not order it, and a
// MedicationRequest (intent order/plan) would read as an authorisation at the receiving practice.
#pragma once

#include "mappers/outbound/entry_writer.hpp"

namespace homebase::mappers::outbound {

void write_problems(entry_writer& w);
void write_social_needs(entry_writer& w);
void write_medications(entry_writer& w);
void write_devices(entry_writer& w);
void write_goals(entry_writer& w);

// The key of the DeviceUseStatement that records the child's use of `device`.
[[nodiscard]] model::identifier device_use_key(const model::device& device);

}  // namespace homebase::mappers::outbound
