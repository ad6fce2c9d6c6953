#include "gateway/delivery/delivery_service.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>

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

struct delivery_service::worker {
  worker(asio::io_context& ioc, const config::medical_home& h)
      : strand(asio::make_strand(ioc)), timer(strand), home(h), rng(std::random_device{}()) {}
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;
  config::medical_home home;
  std::mt19937_64 rng;
  bool woken = false;        // on strand: a notify arrived while not waiting
  bool backing_off = false;  // on strand: waiting out the head row's backoff (FIFO: new rows queue behind it)
  std::atomic<bool> stopping{false};
};

delivery_service::delivery_service(asio::io_context& ioc, config::config_ptr config,
                                   store::sqlite_store& store)
    : ioc_(ioc), config_(std::move(config)), store_(store), tls_(asio::ssl::context::tls_client) {
  const auto& d = config_->delivery;
  policy_ = retry_policy{d.base_backoff, d.max_backoff, d.max_attempts};
  tls_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  tls_.set_default_verify_paths();
  if (!d.ca_file.empty()) tls_.load_verify_file(d.ca_file);
  tls_.set_verify_mode(d.verify_tls_peer ? asio::ssl::verify_peer : asio::ssl::verify_none);
  for (const auto& home : config_->medical_homes)
    workers_.emplace(home.id, std::make_shared<worker>(ioc_, home));
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
  http_client client(tls_, config_->delivery.request_timeout);
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
    if (auto record = mappers::model::decode(row->record)) {
      std::string source = row->partner_id;
      if (const auto* partner = config_->find_partner(row->partner_id);
          partner && !partner->source_endpoints.empty())
        source = partner->source_endpoints.front();
      const std::string payload = mappers::outbound::to_transaction_bundle(*record, {source, row->header_id});
      if (auto problems = outbound_problems(payload)) {
        result.error = *problems;  // the medical home receives only valid R4; no retry can help
      } else {
        result = co_await client.post(url, payload, fhir_json);
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
    store::sqlite_store::job record_attempt = [id, attempt, status, next](store::write_tx& tx) {
      tx.record_attempt(id, attempt, status, next);
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
