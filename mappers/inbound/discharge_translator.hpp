// discharge_translator: a NICU discharge -> a coordination_record, in its two forms:
//   - a message Bundle: our own `nicu-discharge` event, or the Da Vinci Unsolicited Notifications
//     `notification-discharge` event;
//   - a document Bundle (Bundle.type document): a Composition of type LOINC 18842-5 "Discharge summary"
//     first, its sections (problems, medications, plan of care, follow-up appointments, devices, ...)
//     pointing at the entries. Both forms of the same discharge give the same record (events aside).
//
// Pure: no I/O, no clock, no globals. The Bundle has already been checked (message or document rules,
// R4 validation), so the translator reports, but does not reject, content it cannot map: every entry or
// element it drops is named in `notes` with its element path, so nothing is silently lost.
// The record carries one record_event: DischargeRecordReceived (the merge turns it into
// DischargeRecordAmended when the child's record already has the same encounter).
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

#include "mappers/inbound/translation.hpp"

namespace homebase::mappers::inbound {

inline constexpr std::string_view discharge_summary_loinc = "18842-5";

// True for the event codes this translator accepts (MessageHeader.eventCoding system|code).
[[nodiscard]] bool is_discharge_event(std::string_view system, std::string_view code);

// `source`: the sending partner's id, recorded as the source of events, medications and appointments.
[[nodiscard]] translate_result translate_discharge(const rapidjson::Value& message_bundle,
                                                   std::string_view source = {});

// True when `bundle` is a document whose Composition is a discharge summary (LOINC 18842-5).
[[nodiscard]] bool is_discharge_document(const rapidjson::Value& bundle);

// The organisation identifiers a document names as its keeper and authors (Composition.custodian,
// Composition.author: an Organization, or a PractitionerRole's organization, in the Bundle, or a
// Reference.identifier), custodian first. The gateway recognises the sending partner by them.
[[nodiscard]] std::vector<model::identifier> document_sender_identifiers(
    const rapidjson::Value& document_bundle);

[[nodiscard]] translate_result translate_discharge_document(const rapidjson::Value& document_bundle,
                                                            std::string_view source = {});

}  // namespace homebase::mappers::inbound
