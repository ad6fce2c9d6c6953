// appointment_entries: each appointment as an R4 Appointment: status guarded by app-3, cancelationReason
// only when cancelled or no-show (app-4), basedOn its referral, a translator participant when an
// interpreter is booked, and the reschedule chain.
//
// The reschedule chain (replaces / replaced_by) has no element in R4 core. R5's
// Appointment.previousAppointment links the occurrences of a recurring series, not a rescheduled visit, so
// it would say something else. Two project-local extensions carry it instead
// (outbound_uris: appointment-replaces, appointment-replaced-by), each a Reference to the other
// Appointment entry, or a logical reference by identifier when the other one is not in the record.
// A required but unbooked interpreter, and a transport need, go into Appointment.comment, where the
// practice's scheduler reads them; the derived tasks (book_interpreter, arrange_transport) carry the work.
#pragma once

#include <string>

#include "mappers/outbound/entry_writer.hpp"

namespace homebase::mappers::outbound {

void write_appointments(entry_writer& w);
// The Appointment.status written for `a`: its status when it is an R4 code, else booked when it has a
// start and an end, else proposed; app-3 (only proposed, cancelled or waitlist may lack start and end).
// The practice's status comes back through the record (model::practice_change), so this is what the
// medical home sees.
[[nodiscard]] std::string appointment_status_written(const model::appointment& a);

}  // namespace homebase::mappers::outbound
