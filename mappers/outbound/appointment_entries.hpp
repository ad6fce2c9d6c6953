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

#include "mappers/outbound/entry_writer.hpp"

namespace homebase::mappers::outbound {

void write_appointments(entry_writer& w);

}  // namespace homebase::mappers::outbound
