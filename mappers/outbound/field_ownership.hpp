// field_ownership: who owns which field of the resources Homebase writes at a medical home (issue 11
// item 1; docs/ARCHITECTURE.md "Who owns which field"), and the merge that keeps the practice's part.
//
// Homebase owns what it received from hospitals and specialists: every resource it writes, and every
// field of it, except these, which the practice owns because its people change them:
//   Task         status, businessStatus, statusReason, owner, note, output
//   Appointment  status and cancelationReason, when the practice booked or cancelled it (its status is
//                then `booked` or `cancelled`; other statuses are reported by hospitals and specialists)
//   CarePlan     the activities the practice added (activities Homebase did not write)
// Every other type (Patient, Condition, ServiceRequest, Observation, ...) is Homebase's alone.
//
// A field is the practice's once the practice changed it: three-way, against what Homebase last wrote
// (`written`, the owned fields of Homebase's last successful write, with its bundle-internal references
// resolved to the server's `Type/id`), the practice's current resource tells which owned fields its
// people changed (`practice_changes`). Those changes are kept and overlaid on every later write of the
// resource (`overlay_practice_fields`), so no full-record re-send reverts them; Homebase's own later
// values of a field the practice changed give way. The practice's changes also flow into the
// coordination record (mappers/model/practice_change), so the model agrees with what is written.
//
// Fields are JSON objects holding the owned members by their R4 names ({"status": ..., "note": [...]}),
// "{}" when none. JSON in, JSON out (RapidJSON; numbers keep their text). Pure: no I/O, no clock.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace homebase::mappers::outbound {

// Task, Appointment or CarePlan: the types with fields the practice owns.
[[nodiscard]] bool has_practice_owned_fields(std::string_view resource_type);

// The owned members of `resource` (any of the three types) as a JSON object; "{}" for other types.
// CarePlan: every activity (which of them are the practice's is decided by practice_changes).
[[nodiscard]] std::string owned_fields(const rapidjson::Value& resource);
[[nodiscard]] std::string owned_fields(std::string_view resource_json);

// The owned fields the practice changed: the members of `current` (the practice's resource, R4 JSON)
// that differ from `written` (owned fields JSON), merged over `earlier` (changes kept from before; the
// newer wins member by member, CarePlan activities accumulate). Appointment: only a status of `booked` or
// `cancelled` (with its cancelationReason; a booked one drops Homebase's). CarePlan: the activities of
// `current` that are not among `written`'s (by reference, else by detail code and description).
// "{}" when the practice changed nothing it owns; `earlier` when `current` is not JSON.
[[nodiscard]] std::string practice_changes(std::string_view written, std::string_view current,
                                           std::string_view earlier = "{}");

// Puts `changes` (practice_changes output) into `resource` in place: each member replaces Homebase's
// (an Appointment cancelled by the practice keeps its reason; one booked drops Homebase's
// cancelationReason), CarePlan activities are appended after Homebase's own unless already there.
void overlay_practice_fields(rapidjson::Value& resource, const rapidjson::Value& changes,
                             rapidjson::Document::AllocatorType& allocator);
// The same on JSON text: Homebase's resource in, the merged resource out (the input unchanged when
// either is not a JSON object).
[[nodiscard]] std::string overlay_practice_fields(std::string_view resource_json, std::string_view changes);

}  // namespace homebase::mappers::outbound
