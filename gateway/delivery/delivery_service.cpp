#include "gateway/delivery/delivery_service.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>
#include <set>
#include <vector>

#include "config/config_changes.hpp"
#include "fhir/fhir_time.hpp"
#include "gateway/audit/audit_trail.hpp"
#include "gateway/delivery/delivery_payload.hpp"
#include "gateway/delivery/destination_credentials.hpp"
#include "gateway/delivery/http_client.hpp"
#include "gateway/delivery/outbound_check.hpp"
#include "gateway/delivery/retry_after.hpp"
#include "gateway/log/json_log.hpp"
#include "gateway/metrics/gateway_metrics.hpp"
#include "gateway/store/store_awaitable.hpp"
#include "mappers/model/record_codec.hpp"

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
  // The correlation id: the X-Request-Id of the message that queued the delivery (also sent with the POST);
  // a message kept before migration 12 has none, and its MessageHeader.id stands in.
  r.request_id = row.request_id.empty() ? row.header_id : row.request_id;
  r.entity_type = "Bundle";
  r.entity_identifier = {"http://homebase.example.org/fhir/sid/delivery", std::to_string(row.id)};
  r.gateway_url = config_->server.public_base_url;
  return r;
}

// What a lane tells the dispatcher about one attempt.
struct delivery_service::attempt_report {
  verdict outcome = verdict::retry;
  bool transient = false;  // the destination failed (no answer, 5xx, 429, 408): the home is paused
  std::optional<std::chrono::milliseconds> retry_after;  // its Retry-After on 429/503
  bool committed = false;                                // the attempt was recorded
  std::uint64_t epoch = 0;                               // the home's health epoch when the attempt started
  bool skipped = false;  // not sent: the child is homed elsewhere now (the row moved there)
};

struct delivery_service::lane {
  lane(asio::io_context& ioc, std::unique_ptr<http_client> c)
      : strand(asio::make_strand(ioc)), client(std::move(c)), rng(std::random_device{}()) {}
  asio::strand<asio::io_context::executor_type> strand;
  std::unique_ptr<http_client> client;  // lane strand: the kept connection to the home
  std::mt19937_64 rng;                  // lane strand: the row's backoff jitter
  bool busy = false;                    // worker strand
};

struct delivery_service::worker {
  worker(asio::io_context& ioc, const config::medical_home& h, const config::config_ptr& c)
      : strand(asio::make_strand(ioc)),
        timer(strand),
        home(h),
        window(c->delivery_window(h)),
        policy(retry_policy::of(c->delivery)),
        credentials(h.auth, c->delivery, "medical_homes[" + h.id + "].auth"),
        live_config(c),
        rng(std::random_device{}()) {
    for (int i = 0; i < window; ++i) lanes.push_back(std::make_unique<lane>(ioc, credentials.client_for()));
  }
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;
  config::medical_home home;  // fixed: a reload that changes the home replaces the worker
  int window;
  retry_policy policy;
  destination_credentials credentials;  // shared by the lanes (safe across strands); its token cache too
  // The config each attempt builds its payload with; a reload that leaves the home as it was stores the new
  // one here (an attempt loads it once, when it starts).
  std::atomic<config::config_ptr> live_config;
  std::vector<std::unique_ptr<lane>> lanes;
  // The worker this one replaces (a reload changed the home): this one's dispatcher starts once that one has
  // no attempt in flight, so that no row is sent by both. Worker strand.
  std::shared_ptr<worker> predecessor;
  std::atomic<int> active{0};  // attempts between start_lane and finish (any thread)
  // On the worker's strand:
  std::mt19937_64 rng;
  std::set<std::int64_t> children;  // children with a row in flight
  int busy = 0;                     // lanes in flight
  int failures = 0;                 // consecutive transient failures of the home; > 0: one row at a time
  std::uint64_t epoch = 0;          // moves with every change of `failures`
  std::int64_t paused_until_ms = 0;
  bool woken = false;  // a notify or a finished attempt arrived while not waiting
  std::atomic<bool> stopping{false};
};

delivery_service::delivery_service(asio::io_context& ioc, config::config_ptr config,
                                   store::sqlite_store& store)
    : ioc_(ioc), config_(std::move(config)), store_(store) {
  const auto& d = config_->delivery;
  if (d.max_attempts > 0) {
    auto detail = "delivery.max_attempts is " + std::to_string(d.max_attempts) +
                  ": a delivery is dead-lettered after that many attempts even within "
                  "delivery.give_up_after (remove it to keep retrying for the whole period)";
    log::write({.lvl = log::level::warn, .event = "config.max_attempts", .detail = detail});
  }
  for (const auto& home : config_->medical_homes) {
    workers_.emplace(home.id, std::make_shared<worker>(ioc_, home, config_));
    if (config_->delivery_window(home) == 0)
      log::write({.lvl = log::level::warn,
                  .event = "delivery.held",
                  .medical_home = home.id,
                  .detail = "deliveries to this medical home are held (window 0)"});
  }
}

delivery_service::~delivery_service() = default;

void delivery_service::spawn(const std::shared_ptr<worker>& w) {
  asio::co_spawn(w->strand, dispatch(w), [id = w->home.id](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::write({.lvl = log::level::critical,
                  .event = "delivery.worker_stopped",
                  .medical_home = id,
                  .detail = ex.what()});
    }
  });
}

void delivery_service::start() {
  std::lock_guard lock(workers_mutex_);
  started_ = true;
  for (auto& [id, w] : workers_) spawn(w);
}

void delivery_service::notify(const std::string& destination) {
  std::shared_ptr<worker> w;
  {
    std::lock_guard lock(workers_mutex_);
    auto it = workers_.find(destination);
    if (it == workers_.end()) return;
    w = it->second;
  }
  asio::post(w->strand, [w] {
    w->woken = true;
    w->timer.cancel();
  });
}

namespace {
template <typename Worker>
void retire(const std::shared_ptr<Worker>& w) {
  w->stopping = true;
  asio::post(w->strand, [w] { w->timer.cancel(); });
}
}  // namespace

void delivery_service::stop() {
  std::lock_guard lock(workers_mutex_);
  stopped_ = true;
  for (auto& [id, entry] : workers_) retire(entry);
}

std::function<void()> delivery_service::prepare_reload(config::config_ptr next) {
  std::map<std::string, std::shared_ptr<worker>> running;
  {
    std::lock_guard lock(workers_mutex_);
    running = workers_;
  }
  auto fresh = std::make_shared<std::map<std::string, std::shared_ptr<worker>>>();
  for (const auto& home : next->medical_homes) {
    auto it = running.find(home.id);
    if (it != running.end() &&
        config::same_medical_home(it->second->home, *it->second->live_config.load(), home, *next)) {
      (*fresh)[home.id] = it->second;
      continue;
    }
    auto w = std::make_shared<worker>(ioc_, home, next);  // throws config_error for an unusable key
    if (it != running.end()) w->predecessor = it->second;
    (*fresh)[home.id] = w;
  }
  return [this, next, fresh] {
    std::vector<std::shared_ptr<worker>> retired, started;
    {
      std::lock_guard lock(workers_mutex_);
      if (stopped_) return;
      for (auto& [id, w] : workers_) {
        auto f = fresh->find(id);
        if (f == fresh->end() || f->second != w) retired.push_back(w);
      }
      for (auto& [id, w] : *fresh) {
        auto r = workers_.find(id);
        if (r != workers_.end() && r->second == w)
          w->live_config.store(next);  // the same home: the next attempt uses the new config
        else
          started.push_back(w);
      }
      workers_ = *fresh;
      if (started_)
        for (auto& w : started) spawn(w);
    }
    for (auto& w : retired) {
      bool replaced = fresh->contains(w->home.id);
      log::write({.lvl = log::level::info,
                  .event = replaced ? "delivery.worker_replaced" : "delivery.worker_removed",
                  .medical_home = w->home.id,
                  .detail = replaced ? "the medical home changed: the next attempt uses its new settings"
                                     : "the medical home was removed: its worker stops after the attempts in "
                                       "flight; its queued deliveries stay in the store"});
      retire(w);
    }
    for (auto& w : started)
      if (!w->predecessor)
        log::write({.lvl = log::level::info,
                    .event = "delivery.worker_added",
                    .medical_home = w->home.id,
                    .detail = "a new medical home: its worker starts"});
  };
}

asio::awaitable<void> delivery_service::dispatch(std::shared_ptr<worker> w) {
  // A replacement starts once the worker it replaces has recorded its attempts in flight.
  while (w->predecessor && w->predecessor->active.load() > 0 && !w->stopping) {
    w->timer.expires_after(std::chrono::milliseconds(20));
    co_await w->timer.async_wait(nothrow);
  }
  w->predecessor.reset();
  while (!w->stopping) {
    w->woken = false;
    auto now = store::now_ms();
    std::optional<std::int64_t> wake_at;
    if (now < w->paused_until_ms) {
      wake_at = w->paused_until_ms;  // the home failed: every lane waits
    } else {
      int limit = w->failures > 0 ? std::min(1, w->window) : w->window;
      int free = limit - w->busy;
      if (free > 0) {
        // Rows in flight are still undelivered in the store: ask for enough to skip them.
        auto rows = store_.due_outbox(w->home.id, now, free + w->busy);
        int started = 0;
        for (auto& row : rows) {
          if (started == free) break;
          if (w->children.contains(row.child_id)) continue;  // FIFO per child: one row at a time
          start_lane(w, std::move(row));
          ++started;
        }
        if (started > 0 && started == free) continue;  // full: the next look is after a finish
        // Every due row is in flight (or there is none): sleep until the next one is due.
        wake_at = store_.next_outbox_due(w->home.id, now);
      }
    }
    if (w->woken) continue;
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(idle_poll);
    if (wake_at) wait = std::min(wait, std::chrono::milliseconds(std::max<std::int64_t>(*wake_at - now, 0)));
    w->timer.expires_after(wait);
    auto [ec] = co_await w->timer.async_wait(nothrow);
    if (!ec && w->busy == 0)  // nothing to do for a while: no connection stays open
      for (auto& l : w->lanes) {
        auto* lp = l.get();
        asio::post(lp->strand, [w, lp] {
          (void)w;  // keeps the lane alive
          lp->client->close();
        });
      }
  }
}

void delivery_service::start_lane(const std::shared_ptr<worker>& w, store::outbox_row row) {
  lane* l = nullptr;
  for (auto& candidate : w->lanes)
    if (!candidate->busy) {
      l = candidate.get();
      break;
    }
  if (l == nullptr) return;  // cannot happen: busy < window
  l->busy = true;
  ++w->busy;
  w->children.insert(row.child_id);
  ++in_flight_;  // from the POST until its attempt is recorded: shutdown waits for it
  ++w->active;
  auto child_id = row.child_id;
  asio::co_spawn(l->strand, deliver(w, l, std::move(row), w->epoch),
                 [this, w, l, child_id](std::exception_ptr e, attempt_report report) {
                   if (e) {
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       log::write({.lvl = log::level::error,
                                   .event = "delivery.exception",
                                   .child = child_id,
                                   .medical_home = w->home.id,
                                   .detail = ex.what()});
                     }
                     report = attempt_report{};  // not recorded: the row is sent again after a pause
                   }
                   asio::post(w->strand, [this, w, l, child_id, report] { finish(w, l, child_id, report); });
                 });
}

void delivery_service::finish(const std::shared_ptr<worker>& w, lane* l, std::int64_t child_id,
                              const attempt_report& r) {
  l->busy = false;
  --w->busy;
  w->children.erase(child_id);
  --in_flight_;
  --w->active;
  auto now = store::now_ms();
  if (r.skipped) {
    // Nothing was posted: the home's health is unchanged.
  } else if (!r.committed) {
    // The attempt could not be recorded (store stopping or failing): its row is unchanged and would be
    // sent again at once, so the home waits as after a failure.
    w->paused_until_ms = std::max(w->paused_until_ms, now + w->policy.backoff(1, w->rng).count());
  } else if (r.outcome == verdict::sent) {
    if (w->failures > 0) {
      w->failures = 0;  // the home answers again: the whole window
      ++w->epoch;
    }
  } else if (r.transient && r.epoch == w->epoch) {
    // The first failure seen since the home's state last changed (lanes started together that fail
    // together count once): pause the home, then probe with one row at a time.
    ++w->failures;
    ++w->epoch;
    auto pause = r.retry_after
                     ? std::clamp(*r.retry_after, w->policy.base, std::max(w->policy.base, w->policy.cap))
                     : w->policy.backoff(w->failures, w->rng);
    w->paused_until_ms = now + pause.count();
  }
  w->woken = true;
  w->timer.cancel();
}

asio::awaitable<delivery_service::attempt_report> delivery_service::deliver(std::shared_ptr<worker> w,
                                                                            lane* l, store::outbox_row row,
                                                                            std::uint64_t epoch) {
  attempt_report report;
  report.epoch = epoch;
  const auto& url = w->home.fhir_base_url;
  // The transaction Bundle is built from the child's current record: conditional writes keyed on
  // business identifiers make the latest state the right thing to send, however often.
  int attempts = row.attempts + 1;
  http_result result;
  auto outcome = verdict::dead;
  mappers::model::identifier patient;
  const bool farewell = row.kind == store::outbox_kind::transfer_out;
  // A record row: the child's record as it is now, read BEFORE its home, so that a record read while the
  // child was still this home's is posted, and one read after a transfer committed is not (the row was
  // re-targeted by the transfer, or is moved now: the new home gets it). A farewell row: its frozen record.
  auto stored = farewell ? std::optional<std::string>(row.farewell) : store_.read_child_record(row.child_id);
  if (!farewell && stored) {
    auto home_now = store_.child_home(row.child_id);
    if (home_now != w->home.id) {
      auto id = row.id;
      auto from = w->home.id;
      store::sqlite_store::job relocate = [id, from, home_now](store::write_tx& tx) {
        if (!home_now.empty()) (void)tx.move_outbox_row(id, from, home_now, store::now_ms());
        return tx.ok();
      };
      (void)co_await store::run_in_store(store_, std::move(relocate));
      log::write({.lvl = log::level::info,
                  .event = "delivery.retargeted",
                  .request_id = row.request_id,
                  .message_id = row.message_id,
                  .child = row.child_id,
                  .medical_home = w->home.id,
                  .delivery = row.id,
                  .detail = "the child's medical home is now '" + home_now + "': not sent here"});
      if (!home_now.empty()) notify(home_now);
      report.skipped = !home_now.empty();  // homed nowhere (cannot happen): wait as after a failure
      co_return report;
    }
  }
  auto record = stored ? mappers::model::decode(*stored) : std::nullopt;
  if (record) {
    for (const auto& i : record->patient.identifiers)
      if (!i.value.empty()) {
        patient = i;
        break;
      }
    auto attempt_config = w->live_config.load();  // the attempt's config, even if a reload swaps it meanwhile
    const std::string payload = farewell
                                    ? farewell_payload(*attempt_config, *record, row.partner_id, row.header_id)
                                    : delivery_payload(*attempt_config, *record, row.partner_id, row.header_id);
    if (auto problems = outbound_problems(payload)) {
      result.error = *problems;  // the medical home receives only valid R4; no retry can help
    } else {
      // With the home's credentials; a token that cannot be had is a failed attempt (status 0, retried).
      result = co_await w->credentials.post(*l->client, url, payload, fhir_json, row.request_id);
      auto queued_for = std::chrono::milliseconds(store::now_ms() - row.queued_ms);
      outcome = w->policy.classify(result.status, attempts, queued_for);
      report.transient = outcome != verdict::sent && retry_policy::transient(result.status);
      if ((result.status == 429 || result.status == 503) && !result.retry_after.empty())
        if (auto delay = retry_after_delay(result.retry_after, std::chrono::system_clock::now()))
          report.retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(*delay);
    }
  } else {
    result.error = "the child's stored record cannot be read by this version";  // no retry can help
  }
  store::attempt_row attempt{fhir::format_instant(store::now_ms()), result.status, result.error, result.body};
  auto status = outcome == verdict::sent   ? store::outbox_status::sent
                : outcome == verdict::dead ? store::outbox_status::dead
                                           : store::outbox_status::retrying;
  std::int64_t next =
      outcome == verdict::retry
          ? store::now_ms() +
                w->policy.next_delay(result.status, attempts, report.retry_after, l->rng).count()
          : 0;
  auto id = row.id;
  auto disclosure = disclosure_record(w->home, row, patient, attempt, outcome, attempts);
  if (farewell)  // the old home's last delivery: what it carried, for the trail
    disclosure.outcome_desc =
        "last delivery after the child's transfer to another medical home (CareTeam "
        "membership ended, open Tasks cancelled, Provenance): " +
        disclosure.outcome_desc;
  auto child_id = row.child_id;
  // The attempt and its AuditEvent (PrivacyDisclosure, or its failure) in one transaction.
  store::sqlite_store::job record_attempt = [id, attempt, status, next, disclosure = std::move(disclosure),
                                             child_id, destination = w->home.id](store::write_tx& tx) {
    tx.record_attempt(id, attempt, status, next, destination);
    audit::record(tx, disclosure, {child_id, std::nullopt});
    return tx.ok();
  };
  report.committed = co_await store::run_in_store(store_, std::move(record_attempt));
  report.outcome = outcome;
  std::string_view outcome_text = outcome == verdict::sent   ? "sent"
                                  : outcome == verdict::dead ? "dead"
                                                             : "retry";
  if (report.committed) metrics::gateway_metrics::instance().delivery_attempt(w->home.id, outcome_text);
  std::string answer = result.status != 0 ? "HTTP " + std::to_string(result.status) : result.error;
  // A committed dead letter is the operator's alert: it waits for a person.
  bool dead_letter = report.committed && outcome == verdict::dead;
  bool sent = outcome == verdict::sent;
  std::string detail = dead_letter ? "ALERT dead letter after " + std::to_string(attempts) +
                                         " attempt(s): " + answer.substr(0, 200) +
                                         "; requeue with POST /admin/messages/$replay"
                       : sent ? std::string()
                              : answer.substr(0, 200);
  log::write({.lvl = dead_letter ? log::level::error
                     : sent      ? log::level::info
                                 : log::level::warn,
              .event = dead_letter ? "delivery.dead_letter"
                       : sent      ? "delivery.sent"
                                   : "delivery.retry",
              .request_id = row.request_id,
              .message_id = row.message_id,
              .child = row.child_id,
              .medical_home = w->home.id,
              .delivery = id,
              .status = result.status,
              .detail = detail});
  co_return report;
}

}  // namespace homebase::gateway::delivery
