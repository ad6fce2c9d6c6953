// STAND-IN, replaced by branch h-practice's implementation at its merge (take theirs): the smallest
// implementation of the pinned practice_change.hpp that the delivery's 412 path (h-versioned) needs to be
// built and tested before h-practice lands: Task and Appointment status only.
#include "mappers/model/practice_change.hpp"

#include "fhir/json_document.hpp"

namespace homebase::mappers::model {

std::optional<practice_change> practice_change_from_resource(std::string_view resource_json,
                                                             std::string_view source) {
  rapidjson::Document doc;
  if (fhir::parse_json(resource_json, doc) || !doc.IsObject()) return std::nullopt;
  practice_change c;
  c.resource_type = std::string(fhir::get_string(doc, "resourceType"));
  if (c.resource_type != "Task" && c.resource_type != "Appointment" && c.resource_type != "CarePlan")
    return std::nullopt;
  const auto* ids = fhir::get_array(doc, "identifier");
  if (ids == nullptr) return std::nullopt;
  for (const auto& id : ids->GetArray())
    if (id.IsObject() && !fhir::get_string(id, "system").empty()) {
      c.key = {std::string(fhir::get_string(id, "system")), std::string(fhir::get_string(id, "value"))};
      break;
    }
  if (c.key.value.empty()) return std::nullopt;
  c.status = std::string(fhir::get_string(doc, "status"));
  if (const auto* meta = fhir::get_object(doc, "meta"))
    c.changed_at = std::string(fhir::get_string(*meta, "lastUpdated"));
  c.source = std::string(source);
  return c;
}

practice_change_result apply_practice_change(coordination_record& record, const practice_change& change,
                                             std::string_view now) {
  practice_change_result r;
  if (change.resource_type == "Task") {
    std::string status = change.status == "completed"     ? "done"
                         : change.status == "cancelled"   ? "cancelled"
                         : change.status == "in-progress" ? "in_progress"
                         : change.status == "on-hold"     ? "blocked"
                                                          : "";
    for (auto& a : record.actions)
      if (a.key == change.key && !status.empty() && a.status != status) {
        a.status = status;
        r.changed = true;
      }
    for (auto& item : record.agenda)
      if (item.key == change.key && change.status == "completed" && item.status != "discussed") {
        item.status = "discussed";
        r.changed = true;
      }
  } else if (change.resource_type == "Appointment") {
    for (auto& a : record.appointments)
      if (a.key == change.key && !change.status.empty() && a.status != change.status) {
        a.status = change.status;
        r.changed = true;
      }
  }
  if (r.changed)
    record.events.push_back({std::string(now), "PracticeChangeReceived", change.source, "",
                             change.resource_type + " " + change.key.value + " " + change.status});
  else
    r.notes.push_back("nothing to apply for " + change.resource_type + " " + change.key.value);
  return r;
}

}  // namespace homebase::mappers::model
