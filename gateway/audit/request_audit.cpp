#include "gateway/audit/request_audit.hpp"

#include "gateway/audit/audit_trail.hpp"
#include "gateway/audit/refusal_throttle.hpp"
#include "gateway/log/json_log.hpp"
#include "gateway/metrics/gateway_metrics.hpp"
#include "gateway/store/store_awaitable.hpp"

namespace homebase::gateway::audit {

namespace ma = mappers::audit;

namespace {

ma::audit_party party_of(const auth::principal& who) {
  ma::audit_party p;
  p.id = who.client_id;
  p.kind = std::string(config::to_string(who.kind));
  p.address = who.address;
  return p;
}

std::string target_of(const http::request& req) {
  return std::string(req.target().data(), std::min<std::size_t>(req.target().size(), 2048));
}

// Writes `records` in one store job, without waiting (a refusal has no effect to commit with).
void write_detached(store::sqlite_store& store, std::vector<ma::audit_record> records) {
  if (records.empty()) return;
  auto shared = std::make_shared<std::vector<ma::audit_record>>(std::move(records));
  (void)store.submit(
      [shared](store::write_tx& tx) {
        for (const auto& r : *shared) (void)record(tx, r);
        return tx.ok();
      },
      [](bool) {});
}

}  // namespace

request_audit::request_audit(config::config_ptr config, store::sqlite_store& store)
    : config_(std::move(config)),
      store_(store),
      throttle_(std::make_unique<refusal_throttle>(config_->auth.audit_refusals_per_minute)) {}

request_audit::~request_audit() = default;

boost::asio::awaitable<bool> request_audit::disclosed(const auth::principal& who, const http::request& req,
                                                      const std::string& request_id, bool search,
                                                      const std::vector<std::string>& patient_ids) {
  // One AuditEvent per patient (BALP: multiple patients are multiple audit entries), in one job.
  auto records = std::make_shared<std::vector<ma::audit_record>>();
  auto now = store::now_ms();
  auto path = http::target_path(req.target());
  for (const auto& patient : patient_ids) {
    ma::audit_record r;
    r.kind = search ? ma::audit_kind::patient_query : ma::audit_kind::patient_read;
    r.recorded_ms = now;
    r.client = party_of(who);
    r.request_id = request_id;
    r.patient_id = patient;
    r.gateway_url = config_->server.public_base_url;
    if (search) {
      r.query = target_of(req);
    } else {
      // /fhir/{type}/{id}[/$op]: the resource read.
      auto rest = path.substr(std::min<std::size_t>(path.size(), 6));
      auto slash = rest.find('/');
      r.entity_type = std::string(rest.substr(0, slash));
      if (slash != std::string_view::npos) {
        auto id = rest.substr(slash + 1);
        r.entity_id = std::string(id.substr(0, id.find('/')));
      }
    }
    records->push_back(std::move(r));
  }
  // A named job: GCC 12 destroys temporaries of a co_await expression too early (see store_awaitable).
  store::sqlite_store::job work = [records](store::write_tx& tx) {
    for (const auto& r : *records) (void)record(tx, r);
    return tx.ok();
  };
  bool committed = co_await store::run_in_store(store_, std::move(work));
  co_return committed;
}

void request_audit::refused(const auth::refusal& refusal, const http::connection_info& peer,
                            const http::request& req, const std::string& request_id) {
  metrics::gateway_metrics::instance().auth_refused(refusal.reason);
  auto now = store::now_ms();
  auto decision = throttle_->on_refusal(peer.address, refusal.reason, now);
  // Logged like it is audited: one by one up to the throttle's allowance (a flood of refusals must not
  // flood the log); the rest are in the minute's summary AuditEvent and in the metric.
  if (decision.record)
    log::write({.lvl = log::level::info,
                .event = "auth.refused",
                .request_id = request_id,
                .client = refusal.client_id,
                .status = refusal.status,
                .detail = refusal.reason});
  std::vector<ma::audit_record> records;
  if (decision.record) {
    ma::audit_record r;
    r.kind = ma::audit_kind::security_alert;
    r.recorded_ms = now;
    r.outcome = refusal.status == 401 || refusal.status == 429 ? ma::audit_outcome::minor_failure
                                                               : ma::audit_outcome::serious_failure;
    r.outcome_desc = std::to_string(refusal.status) + " " + std::string(req.method_string()) + " " +
                     std::string(http::target_path(req.target())) + ": " + refusal.diagnostics.substr(0, 300);
    r.client.id = refusal.client_id;
    if (const auto* c = config_->find_client(refusal.client_id))
      r.client.kind = std::string(config::to_string(c->kind));
    r.client.address = peer.address;
    r.request_id = request_id;
    r.action_name = refusal.reason;
    r.gateway_url = config_->server.public_base_url;
    records.push_back(std::move(r));
  }
  if (decision.summary) {
    auto s = summary_record(*decision.summary);
    s.gateway_url = config_->server.public_base_url;
    records.push_back(std::move(s));
  }
  write_detached(store_, std::move(records));
}

void request_audit::token_refused(const auth::token_refusal& refused, const http::connection_info& peer) {
  auth::refusal r;
  r.status = refused.error == "invalid_client" ? 401 : 400;
  r.reason = "token-" + refused.error;
  r.client_id = refused.client_id;
  r.diagnostics = refused.reason;
  http::request req{boost::beast::http::verb::post, "/auth/token", 11};
  this->refused(r, peer, req, {});
}

void request_audit::flush() {
  std::vector<ma::audit_record> records;
  for (const auto& s : throttle_->flush(store::now_ms())) {
    auto r = summary_record(s);
    r.gateway_url = config_->server.public_base_url;
    records.push_back(std::move(r));
  }
  write_detached(store_, std::move(records));
}

}  // namespace homebase::gateway::audit
