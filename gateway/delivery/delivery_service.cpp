#include "gateway/delivery/delivery_service.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>

#include "gateway/audit/audit_store.hpp"
#include "gateway/delivery/destination_credentials.hpp"
#include "gateway/delivery/http_client.hpp"
#include "gateway/delivery/outbound_check.hpp"
#include "gateway/store/store_awaitable.hpp"
#include "mappers/model/record_codec.hpp"
#include "mappers/outbound/medical_home_transaction.hpp"

namespace homebase::gateway::delivery {

namespace asio = boost::asio;
namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr auto idle_poll = std::chrono::seconds(5);
const std::string fhir_json = "application/fhir+json";
}  // namespace

mappers::audit::audit_record delivery_service::disclosure_record(const config::medical_home& home,
                                                                 const store::outbox_row& row,
                                                                 const mappers::model::identifier& patient,
                                                                 const store::attempt_row& attempt, verdict v,
                                                                 int attempt_number) const {
  namespace ma = mappers::audit;
  ma::audit_record r;
  r.kind = ma::audit_kind::privacy_disclosure;
  r.recorded_ms = store::now_ms();
  r.outcome = v == verdict::sent    ? ma::audit_outcome::success
              : v == verdict::retry ? ma::audit_outcome::minor_failure
                                    : ma::audit_outcome::serious_failure;
  std::string answer =
      attempt.http_status != 0 ? "HTTP " + std::to_string(attempt.http_status) : attempt.error;
  if (v == verdict::sent)
    r.outcome_desc = "child record sent to medical home " + home.name + " (" + answer + ")";
  else
    r.outcome_desc = "delivery attempt " + std::to_string(attempt_number) + " to medical home " + home.name +
                     " failed" + (v == verdict::retry ? ", will retry" : ", dead letter") +
                     (answer.empty() ? std::string() : ": " + answer.substr(0, 200));
  r.patient_identifier = patient;
  r.recipient.id = home.id;
  r.recipient.kind = "medical_home";
  r.recipient.name = home.name;
  if (!home.organization_identifiers.empty())
    r.recipient.identifier = {home.organization_identifiers.front().system,
                              home.organization_identifiers.front().value};
  r.recipient.address = home.fhir_base_url;
  r.purpose = {"http://terminology.hl7.org/CodeSystem/v3-ActReason", "COC", "coordination of care"};
  r.request_id = row.header_id;  // the correlation id: the MessageHeader that queued the delivery
  r.entity_type = "Bundle";
  r.entity_identifier = {"http://homebase.example.org/fhir/sid/delivery", std::to_string(row.id)};
  r.gateway_url = config_->server.public_base_url;
  return r;
}

struct delivery_service::worker {
  worker(asio::io_context& ioc, const config::medical_home& h, const config::delivery_settings& d)
      : strand(asio::make_strand(ioc)),
        timer(strand),
        home(h),
        credentials(h.auth, d, "medical_homes[" + h.id + "].auth"),
        rng(std::random_device{}()) {}
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;
  config::medical_home home;
  destination_credentials credentials;
  std::mt19937_64 rng;
  bool woken = false;        // on strand: a notify arrived while not waiting
  bool backing_off = false;  // on strand: waiting out the head row's backoff (FIFO: new rows queue behind it)
  std::atomic<bool> stopping{false};
};

delivery_service::delivery_service(asio::io_context& ioc, config::config_ptr config,
                                   store::sqlite_store& store)
    : ioc_(ioc), config_(std::move(config)), store_(store) {
  const auto& d = config_->delivery;
  policy_ = retry_policy{d.base_backoff, d.max_backoff, d.max_attempts};
  for (const auto& home : config_->medical_homes)
    workers_.emplace(home.id, std::make_shared<worker>(ioc_, home, d));
}

delivery_service::~delivery_service() = default;

void delivery_service::start() {
  for (auto& [id, w] : workers_)
    asio::co_spawn(w->strand, run(w), [id = id](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::cerr << "homebase: delivery worker " << id << " stopped: " << ex.what() << "\n";
      }
    });
}

void delivery_service::notify(const std::string& destination) {
  auto it = workers_.find(destination);
  if (it == workers_.end()) return;
  auto w = it->second;
  asio::post(w->strand, [w] {
    if (w->backing_off) return;  // the new row waits behind the head row anyway
    w->woken = true;
    w->timer.cancel();
  });
}

void delivery_service::stop() {
  for (auto& [id, entry] : workers_) {
    auto w = entry;  // a copy the handler can own (clang 14 cannot capture a structured binding)
    w->stopping = true;
    asio::post(w->strand, [w] {
      w->backing_off = false;
      w->timer.cancel();
    });
  }
}

asio::awaitable<void> delivery_service::run(std::shared_ptr<worker> w) {
  const auto url = w->home.fhir_base_url;
  while (!w->stopping) {
    w->woken = false;
    auto row = store_.next_outbox(w->home.id);
    auto now = store::now_ms();
    if (!row || row->next_attempt_ms > now) {
      auto wait = row ? std::chrono::milliseconds(row->next_attempt_ms - now)
                      : std::chrono::duration_cast<std::chrono::milliseconds>(idle_poll);
      if (w->woken) continue;
      w->backing_off = row.has_value();
      w->timer.expires_after(wait);
      co_await w->timer.async_wait(nothrow);
      w->backing_off = false;
      continue;
    }
    // The transaction Bundle is built from the child's current record: conditional writes keyed on
    // business identifiers make the latest state the right thing to send, however often.
    int attempts = row->attempts + 1;
    ++in_flight_;  // from the POST until its attempt is recorded: shutdown waits for it
    http_result result;
    auto outcome = verdict::dead;
    mappers::model::identifier patient;
    if (auto record = mappers::model::decode(row->record)) {
      for (const auto& i : record->patient.identifiers)
        if (!i.value.empty()) {
          patient = i;
          break;
        }
      std::string source = row->partner_id;
      if (const auto* partner = config_->find_partner(row->partner_id);
          partner && !partner->source_endpoints.empty())
        source = partner->source_endpoints.front();
      const std::string payload = mappers::outbound::to_transaction_bundle(*record, {source, row->header_id});
      if (auto problems = outbound_problems(payload)) {
        result.error = *problems;  // the medical home receives only valid R4; no retry can help
      } else {
        // With the home's credentials; a token that cannot be had is a failed attempt (status 0, retried).
        result = co_await w->credentials.post(url, payload, fhir_json);
        outcome = policy_.classify(result.status, attempts);
      }
    } else {
      result.error = "the child's stored record cannot be read by this version";  // no retry can help
    }
    store::attempt_row attempt{store::iso_utc(store::now_ms()), result.status, result.error, result.body};
    std::string status = outcome == verdict::sent ? "sent" : outcome == verdict::dead ? "dead" : "retrying";
    std::int64_t next =
        outcome == verdict::retry ? store::now_ms() + policy_.backoff(attempts, w->rng).count() : 0;
    // Record the attempt durably before looking at the next row.
    auto id = row->id;
    auto disclosure = disclosure_record(w->home, *row, patient, attempt, outcome, attempts);
    auto child_id = row->child_id;
    // The attempt and its AuditEvent (PrivacyDisclosure, or its failure) in one transaction.
    store::sqlite_store::job record_attempt = [id, attempt, status, next, disclosure = std::move(disclosure),
                                               child_id](store::write_tx& tx) {
      tx.record_attempt(id, attempt, status, next);
      audit::record(tx, disclosure, {child_id, std::nullopt});
      return tx.ok();
    };
    bool committed = co_await store::run_in_store(store_, std::move(record_attempt));
    --in_flight_;
    if (!committed) {
      // The attempt could not be recorded (store stopping or failing): the row is unchanged and will be
      // sent again, so back off as if the attempt had failed instead of re-posting at once.
      w->timer.expires_after(policy_.backoff(attempts, w->rng));
      co_await w->timer.async_wait(nothrow);
    }
  }
}

}  // namespace homebase::gateway::delivery
