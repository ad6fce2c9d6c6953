#include "mappers/inbound/referral_update_translator.hpp"

#include "mappers/inbound/bundle_mapper.hpp"
#include "mappers/inbound/fhir_reading.hpp"

namespace homebase::mappers::inbound {
namespace {

using rapidjson::Value;

// The coordination flow of a referral Task (fhir-rules.md §4.3); empty when the state is not one the
// gateway follows.
std::string flow_of_task(std::string_view status, std::string_view business, bool has_output) {
  if (status == "received" || status == "requested") return "sent";
  if (status == "accepted") return "accepted";
  if (status == "rejected") return "declined";
  if (status == "cancelled") return "cancelled";
  if (status == "failed") return "failed";
  if (status == "completed") return has_output ? "report_received" : "seen";
  if (status == "in-progress") {
    if (business == "5.1.1") return "scheduled";
    if (business == "5.1.2") return "scheduled";  // the visit was missed; it is still to happen
    if (business == "5.1.3" || business == "5.1") return "accepted";
    if (business == "5.1.4") return "seen";
  }
  return {};
}

// The report that closes the loop: Task.output[].valueReference (reference or identifier), else any
// output value's text.
std::string report_of(const Value& task) {
  const Value* outputs = array_member(task, "output");
  if (outputs == nullptr) return {};
  for (const auto& o : outputs->GetArray()) {
    if (const Value* ref = object_member(o, "valueReference")) {
      std::string r = text(*ref, "reference");
      if (!r.empty()) return r;
      if (const Value* id = object_member(*ref, "identifier"))
        return text(*id, "system") + "|" + text(*id, "value");
      std::string d = text(*ref, "display");
      if (!d.empty()) return d;
    }
    std::string s = text(o, "valueString");
    if (!s.empty()) return s;
  }
  return {};
}

}  // namespace

translate_result translate_referral_update(const Value& bundle, std::string_view source) {
  mapping_context context;
  context.translator = "referral update translator";
  context.source = std::string(source);
  context.team_source = "referral";
  bundle_mapper mapper(bundle, std::move(context));
  translate_result failed;
  const fhir::bundle_entry* header = open_message(mapper, bundle, "referral-update", failed);
  if (header == nullptr) return failed;
  auto tasks = mapper.index().of_type("Task");
  if (tasks.empty()) {
    failed.error = translate_error::missing_content;
    failed.message = "a referral-update message needs a Task focused on the referral (ServiceRequest)";
    return failed;
  }
  // The ServiceRequest (when sent along) restates the referral; the Task says where it stands.
  for (const auto& e : mapper.index().entries()) {
    if (e.resource_type == "ServiceRequest") {
      mapper.map_service_request(e).flow.clear();
    } else if (e.resource_type == "Patient" && &e == mapper.child()) {
      mapper.map_patient(e);
    } else if (e.resource_type == "Appointment") {
      mapper.map_appointment(e);
    } else if (e.resource_type == "RelatedPerson") {
      mapper.map_related_person(e);
    } else if (e.resource_type == "Encounter") {
      mapper.mark_used(e);
      mapper.note("information", bundle_mapper::path(e), "Encounter sent for context; not mapped");
    }
  }
  std::string detail;
  for (const fhir::bundle_entry* t : tasks) {
    const Value& task = *t->resource;
    std::string where = bundle_mapper::path(*t);
    auto key = mapper.reference_key(object_member(task, "focus"), *t);
    if (key.value.empty()) {
      mapper.note("warning", where + ".focus", "Task.focus names no referral (ServiceRequest); not mapped");
      continue;
    }
    auto& r = mapper.referral_for(key);
    r.task_key = bundle_mapper::key_of(*t);
    std::string status = text(task, "status");
    std::string business = first_coding(object_member(task, "businessStatus")).code;
    std::string report = report_of(task);
    std::string flow = flow_of_task(status, business, !report.empty());
    if (flow.empty()) {
      mapper.note("warning", where + ".status",
                  "Task.status '" + status + "'" +
                      (business.empty() ? "" : " (businessStatus " + business + ")") +
                      " is not a referral state the gateway follows; the referral's state is not changed");
    }
    r.flow = flow;
    if (const Value* reason = object_member(task, "statusReason")) r.status_reason = concept_text(reason);
    if (const Value* owner = object_member(task, "owner")) {
      r.performer = mapper.display_of(owner, *t);
      auto ids = mapper.organization_ids(owner, *t);
      if (!ids.empty()) r.performer_org = ids.front();
    }
    if (flow == "report_received") r.report_ref = report;
    if (flow == "seen" || flow == "report_received") {
      std::string when = date_part(text(object_member(task, "executionPeriod"), "start"));
      if (when.empty()) when = date_part(text(task, "lastModified"));
      if (flow == "seen" && !when.empty()) {
        r.seen_on = when;
        r.loop_close_due = add_days(when, 30);
      }
    }
    // The early-intervention clocks (34 CFR 303.303, 303.310) move with the EI referral's Task.
    if (is_early_intervention(r.specialty)) {
      std::string when = date_part(text(task, "lastModified"));
      if (when.empty()) when = date_part(text(task, "authoredOn"));
      auto& record = mapper.out().record;
      if (!record.early_intervention) record.early_intervention.emplace();
      auto& ei = *record.early_intervention;
      ei.referral_key = key;
      if (flow == "sent" && !when.empty()) {
        ei.referred_on = when;
        ei.ifsp_due_by = add_days(when, 45);
      } else if (flow == "accepted") {
        ei.acknowledged_on = when;
      } else if (flow == "report_received") {
        ei.ifsp_held_on = when;
      } else if (flow == "declined" && contains(lower(r.status_reason + " " + business), "famil")) {
        ei.family_declined = true;
      }
    }
    if (flow == "seen" && status == "completed")
      mapper.note("information", where + ".output",
                  "the Task is completed without a report in Task.output; the referral loop stays open");
    (void)mapper.resolve(object_member(task, "requester"), *t);
    if (!detail.empty()) detail += "; ";
    detail +=
        "referral " + key.system + "|" + key.value + ": " + status + (business.empty() ? "" : " " + business);
    mapper.note_unmapped(*t, {"identifier", "status", "businessStatus", "statusReason", "intent", "code",
                              "focus", "for", "authoredOn", "lastModified", "requester", "owner", "output",
                              "input", "executionPeriod", "basedOn", "priority", "description", "note"});
  }
  for (const auto& e : mapper.index().entries()) {
    if (&e == header || e.resource_type == "Task" || e.resource_type == "ServiceRequest" ||
        e.resource_type == "Patient" || e.resource_type == "Appointment" ||
        e.resource_type == "RelatedPerson" || e.resource_type == "Encounter")
      continue;
    if (e.resource_type == "Organization" || e.resource_type == "Practitioner" ||
        e.resource_type == "PractitionerRole" || e.resource_type == "Location" ||
        e.resource_type == "HealthcareService" || e.resource_type == "DocumentReference" ||
        e.resource_type == "DiagnosticReport")
      continue;  // reference targets (the report among them), checked by finish()
    mapper.note("warning", bundle_mapper::path(e),
                std::string(e.resource_type) + " is not mapped by the referral update translator");
  }
  return finish_translation(mapper, referral_status_event, *header, std::move(detail));
}

}  // namespace homebase::mappers::inbound
