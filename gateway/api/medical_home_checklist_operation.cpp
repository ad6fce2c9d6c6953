#include "gateway/api/medical_home_checklist_operation.hpp"

#include "fhir/fhir_time.hpp"
#include "mappers/model/corrected_age.hpp"
#include "mappers/model/record_codec.hpp"
#include "mappers/outbound/medical_home_checklist.hpp"

namespace homebase::gateway::api {

namespace bhttp = boost::beast::http;

std::string_view medical_home_checklist_operation::patient_of(std::string_view path) {
  constexpr std::string_view prefix = "/fhir/Patient/";
  if (!path.starts_with(prefix)) return {};
  auto rest = path.substr(prefix.size());
  for (std::string_view suffix : {"/$medical-home-checklist", "/%24medical-home-checklist"}) {
    if (rest.size() > suffix.size() && rest.ends_with(suffix)) {
      auto id = rest.substr(0, rest.size() - suffix.size());
      if (id.find('/') == std::string_view::npos) return id;
    }
  }
  return {};
}

http::response medical_home_checklist_operation::handle(std::string_view patient_id,
                                                        read_scope& scope) const {
  auto patient = store_.get_indexed("Patient", std::string(patient_id));
  if (patient && scope.medical_home && !scope.allows(store_.child_home(patient->child_id))) patient.reset();
  if (patient) scope.saw(patient->id);
  if (!patient)
    return http::make_error(bhttp::status::not_found, "not-found",
                            "no Patient '" + std::string(patient_id) + "'");
  auto stored = store_.read_child_record(patient->child_id);
  auto record = stored ? mappers::model::decode(*stored) : std::nullopt;
  if (!record)
    return http::make_error(
        bhttp::status::internal_server_error, "exception",
        "the coordination record of Patient '" + std::string(patient_id) + "' cannot be read");
  auto today = fhir::format_instant(store::now_ms()).substr(0, 10);
  auto corrected = mappers::model::corrected_age(record->patient, today);
  return http::make_response(
      bhttp::status::ok,
      mappers::outbound::checklist_parameters(mappers::outbound::medical_home_checklist(*record, today),
                                              "Patient/" + std::string(patient_id),
                                              corrected ? corrected->text : std::string()),
      http::fhir_json);
}

}  // namespace homebase::gateway::api
