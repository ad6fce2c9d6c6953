#include "gateway/admin/config_reload_operation.hpp"

#include "gateway/audit/audit_trail.hpp"
#include "gateway/store/store_awaitable.hpp"

namespace homebase::gateway::admin {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using fhir::issue_severity;

namespace {

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

}  // namespace

config_reload_operation::config_reload_operation(store::sqlite_store& store, reload_fn reload,
                                                 std::string gateway_url)
    : store_(store), reload_(std::move(reload)), gateway_url_(std::move(gateway_url)) {}

fhir::operation_outcome config_reload_operation::outcome_of(const reload::reload_result& result) {
  fhir::operation_outcome out;
  if (!result.ok) {
    out.add(issue_severity::error, "invalid",
            "the configuration was not reloaded; the running configuration stays: " + result.error);
    return out;
  }
  const auto& c = result.changes;
  const std::pair<const char*, const config::id_changes*> lists[] = {{"partners", &c.partners},
                                                                     {"clients", &c.clients},
                                                                     {"medical homes", &c.medical_homes},
                                                                     {"schools", &c.schools}};
  bool any = false;
  for (const auto& [name, ids] : lists) {
    if (!ids->added.empty())
      out.add(issue_severity::information, "informational",
              std::string(name) + " added: " + joined(ids->added));
    if (!ids->removed.empty())
      out.add(issue_severity::information, "informational",
              std::string(name) + " removed: " + joined(ids->removed));
    if (!ids->changed.empty())
      out.add(issue_severity::information, "informational",
              std::string(name) + " changed: " + joined(ids->changed));
    any = any || !ids->empty();
  }
  if (!c.sections.empty()) {
    out.add(issue_severity::information, "informational", "sections changed: " + joined(c.sections));
    any = true;
  }
  if (!any)
    out.add(issue_severity::information, "informational",
            "configuration reloaded: no change to clients, partners, medical homes, schools or settings");
  if (!c.restart_keys.empty())
    out.add(issue_severity::warning, "not-supported",
            "changed but applied only after a restart (the running values stay): " + joined(c.restart_keys));
  return out;
}

asio::awaitable<http::response> config_reload_operation::handle(const http::request& req,
                                                                mappers::audit::audit_record admin) {
  if (!reload_)
    co_return http::make_error(bhttp::status::not_implemented, "not-supported",
                               "this gateway was started without configuration reloads");
  auto result = reload_();
  admin.kind = mappers::audit::audit_kind::admin_action;
  admin.action_name = "config-reload";
  admin.gateway_url = gateway_url_;
  admin.recorded_ms = store::now_ms();
  admin.outcome =
      result.ok ? mappers::audit::audit_outcome::success : mappers::audit::audit_outcome::minor_failure;
  admin.outcome_desc = result.ok ? "configuration reloaded: " + result.changes.summary()
                                 : "configuration not reloaded: " + result.error;
  store::sqlite_store::job audit = [admin](store::write_tx& tx) {
    (void)audit::record(tx, admin);
    return tx.ok();
  };
  bool committed = co_await store::run_in_store(store_, std::move(audit));
  if (!committed) {
    auto res = http::make_error(bhttp::status::service_unavailable, "transient",
                                std::string("the reload could not be audited; it ") +
                                    (result.ok ? "was applied" : "failed") + " (see the log)",
                                {}, req.version());
    res.set(bhttp::field::retry_after, "1");
    co_return res;
  }
  co_return http::make_outcome(result.ok ? bhttp::status::ok : bhttp::status::unprocessable_entity,
                               outcome_of(result), req.version());
}

}  // namespace homebase::gateway::admin
