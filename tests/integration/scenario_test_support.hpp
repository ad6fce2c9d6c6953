// scenario_test_support: the shared fixture of the end-to-end scenario tests (domain.md §6, the folders of
// tests/fixtures/scenarios). One scenario_gateway per test: it starts the test medical-home server and the
// real gateway (with the Riverside and county endpoints of the fixtures README and St. Elsewhere's NPI for
// the discharge document), posts a scenario's files in order with their date tokens expanded for today,
// waits until what they caused reached the medical home, and reads back what exists: through the gateway's
// own FHIR read API (`/fhir/...`) and from the medical-home server.
//
//   scenario_gateway s;
//   ASSERT_TRUE(s.start()) << s.error();
//   ASSERT_TRUE(s.post_all("03-specialist-reschedules")) << s.error();
//   auto tasks = s.search("Task?patient=" + s.patient_id(st_elsewhere_mrn, "SEC-0071406") + "&_count=100");
//   EXPECT_EQ(count_code(tasks, "book_interpreter"), 4);
#pragma once

#include <rapidjson/document.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/scenario_fixture.hpp"

namespace homebase::testing {

// Identifier systems the scenario tests look children up by.
inline constexpr std::string_view st_elsewhere_mrn = "http://st-elsewhere-childrens.example.org/fhir/sid/mrn";
// Task.code system of the coordinator's work (mappers/outbound/outbound_uris.hpp action_type_system).
inline constexpr std::string_view action_type_system =
    "http://homebase.example.org/fhir/CodeSystem/action-type";

// A searchset (or any FHIR JSON) read back, with its entries' resources. Copies share the document.
struct fhir_result {
  int status = 0;
  std::string body;
  std::shared_ptr<rapidjson::Document> doc;        // parsed body (never null; IsObject() false if unparsable)
  std::vector<const rapidjson::Value*> resources;  // Bundle.entry[].resource with search.mode match (or none)
  [[nodiscard]] int total() const;                 // Bundle.total, -1 when absent
  [[nodiscard]] std::size_t size() const { return resources.size(); }
};

// The value at a dotted path ("code.coding.0.code", "restriction.period.end"; numbers index arrays), or
// nullptr. `str` gives "" when absent or not a string.
const rapidjson::Value* at(const rapidjson::Value& v, std::string_view path);
std::string str(const rapidjson::Value& v, std::string_view path);

// Whether the resource has an identifier {system, value} (system empty: any system).
bool has_identifier(const rapidjson::Value& resource, std::string_view system, std::string_view value);
// The resources with that identifier value (any system when `system` is empty).
std::vector<const rapidjson::Value*> with_identifier(const fhir_result& r, std::string_view value,
                                                     std::string_view system = {});
// Coordinator Tasks whose code (action-type system) is `code`, optionally only with `status`.
std::vector<const rapidjson::Value*> with_code(const fhir_result& r, std::string_view code,
                                               std::string_view status = {});
int count_code(const fhir_result& r, std::string_view code, std::string_view status = {});
// The Task.code codes (action-type system) of every resource, sorted; for failure messages.
std::string task_summary(const fhir_result& r);

class scenario_gateway {
 public:
  struct options {
    std::vector<std::string> extra_partner_endpoints{"https://ehr.riverside-peds-pulm.example.org/fhir",
                                                     "https://partc.county-ei.example.org/fhir"};
    std::vector<std::string> organization_npis{"1203984756"};  // St. Elsewhere (document custodian)
    std::string extra_config{};                                // more top-level YAML (e.g. coordination:)
    std::string
        medical_home_extra{};  // more YAML keys of the medical home, indented 4 ("    read_back: ...")
  };

  scenario_gateway();
  ~scenario_gateway();
  scenario_gateway(const scenario_gateway&) = delete;
  scenario_gateway& operator=(const scenario_gateway&) = delete;

  // Starts the medical-home server and the gateway. False (see error()) when either did not come up.
  bool start();
  bool start(const options& opts);
  [[nodiscard]] const std::string& error() const { return error_; }

  // The folder of a scenario, tests/fixtures/scenarios/<name>.
  [[nodiscard]] static std::filesystem::path scenario_dir(const std::string& name);

  // Posts one fixture file (expanded for today): a document Bundle to POST /fhir/Bundle, anything else to
  // POST /fhir/$process-message. The reply as the partner would see it.
  http_reply post(const std::filesystem::path& file);
  // Posts `scenario`'s main files (01-, 02-, ...) in order, up to and including the one whose name starts
  // with `through` ("02"; empty: all), each expecting 200; then waits for delivery. False (see error())
  // on an unexpected status or when delivery did not finish.
  bool post_all(const std::string& scenario, const std::string& through = {});
  // Posts one file of a scenario by its file name ("02-cardiology-rescheduled.json"), expecting 200 (201
  // for a new document), then waits for delivery.
  bool post_one(const std::string& scenario, const std::string& file_name);
  // Waits until every message is `sent` and nothing is queued or retrying (bounded); false on a dead or
  // unroutable message or a timeout.
  bool wait_delivered();

  // GET /fhir/<path_and_query> on the gateway's read API ("Task?patient=12&_count=100").
  [[nodiscard]] fhir_result read(const std::string& path_and_query) const;
  // The id of the Patient with that identifier in the read API, or "" (error() says why).
  [[nodiscard]] std::string patient_id(std::string_view system, std::string_view value);
  // Every resource of `type` for the patient (`?patient=<id>&_count=100`).
  [[nodiscard]] fhir_result for_patient(const std::string& type, const std::string& patient) const;
  // GET <medical home base>/<path_and_query> on the medical-home server (what it received and kept).
  [[nodiscard]] fhir_result home(const std::string& path_and_query) const;
  // How many messages the gateway holds (every status); -1 when the admin API did not answer.
  [[nodiscard]] int message_count() const;

  [[nodiscard]] std::chrono::sys_days today() const { return fixture_.today(); }
  // A FHIR date relative to the test day: day(6) = "D+6".
  [[nodiscard]] std::string day(int offset) const;
  [[nodiscard]] const gateway_process& gateway() const { return gw_; }
  [[nodiscard]] const medical_home_server& medical_home() const { return home_; }

 private:
  temp_dir dir_;
  medical_home_server home_;
  gateway_process gw_;
  scenario_fixture fixture_;
  std::string error_;
  int posted_ = 0;
};

}  // namespace homebase::testing
