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
#include "gateway/child/child_writer.hpp"
#include "gateway/delivery/delivery_payload.hpp"
#include "gateway/delivery/destination_credentials.hpp"
#include "gateway/delivery/http_client.hpp"
#include "gateway/delivery/outbound_check.hpp"
#include "gateway/delivery/retry_after.hpp"
#include "gateway/log/json_log.hpp"
#include "gateway/metrics/gateway_metrics.hpp"
#include "gateway/store/delivery_version_table.hpp"
#include "gateway/store/store_awaitable.hpp"
#include "mappers/model/practice_change.hpp"
#include "mappers/model/record_codec.hpp"
#include "mappers/outbound/field_ownership.hpp"
#include "mappers/outbound/versioned_writes.hpp"

namespace homebase::gateway::delivery {

namespace asio = boost::asio;
namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr auto idle_poll = std::chrono::seconds(5);
const std::string fhir_json = "application/fhir+json";
// Round trips after a 412 within one attempt (each: one read-back, one retry); then the row waits its
// backoff like any failed attempt.
constexpr int max_conflict_rounds = 3;
// What an attempts row keeps of the destination's answer (the lanes read whole transaction-responses,
// for the versions in them).
constexpr std::size_t kept_answer = 8 * 1024;
constexpr std::size_t transaction_response_limit = 4 * 1024 * 1024;
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

namespace {
// A 412's read-back, merged in a store job: the practice's changed resources, and what the lane needs back.
struct conflict_merge {
  std::string source;                                     // "medical-home:<id> delivery"
  std::vector<std::string> resources;                     // the practice's current resources that changed
  std::vector<mappers::outbound::known_version> updated;  // their versions and the practice's changes
  std::vector<std::pair<std::string, std::string>> forgotten;  // (type, business key) the practice deleted
  std::vector<std::string> notes;                              // apply_practice_change's notes
  std::string record_json;                                     // the record after the merge (job output)
};
}  // namespace

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
    for (int i = 0; i < window; ++i) {
      lanes.push_back(std::make_unique<lane>(ioc, credentials.client_for()));
      lanes.back()->client->set_kept_body(transaction_response_limit);  // the versions are in the answer
    }
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
  // business identifiers make the latest state the right thing to send, however often; versioned writes
  // (If-Match) where the practice owns fields, so that its changes are merged, never overwritten.
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
  // What the transaction-response said about the versions, recorded with the attempt.
  std::vector<mappers::outbound::known_version> learned;
  bool conflict_left = false;  // still 412 after max_conflict_rounds
  if (record) {
    for (const auto& i : record->patient.identifiers)
      if (!i.value.empty()) {
        patient = i;
        break;
      }
    auto attempt_config = w->live_config.load();  // the attempt's config, even if a reload swaps it meanwhile
    // Versioned writes (docs/ARCHITECTURE.md "Who owns which field"): the resources the practice may
    // have changed are written with If-Match on the version Homebase last wrote. A farewell too: the old
    // home's own changes are laid over it like over any write.
    auto known = store::delivery_version_table::of_child(store_, w->home.id, row.child_id);
    for (int round = 0;; ++round) {
      const std::string payload =
          farewell ? farewell_payload(*attempt_config, *record, row.partner_id, row.header_id)
                   : delivery_payload(*attempt_config, *record, row.partner_id, row.header_id);
      auto sent = mappers::outbound::with_versions(payload, known);
      if (auto problems = outbound_problems(sent.json)) {
        result = {};
        result.error = *problems;  // the medical home receives only valid R4; no retry can help
        outcome = verdict::dead;
        break;
      }
      // With the home's credentials; a token that cannot be had is a failed attempt (status 0, retried).
      result = co_await w->credentials.post(*l->client, url, sent.json, fhir_json, row.request_id);
      bool conflict = sent.versioned > 0 && (result.status == 412 || result.status == 404);
      if (result.status >= 200 && result.status < 300)
        learned = mappers::outbound::learned_versions(sent, result.body);
      auto classify = [&] {
        auto queued_for = std::chrono::milliseconds(store::now_ms() - row.queued_ms);
        outcome = w->policy.classify(result.status, attempts, queued_for);
        report.transient = outcome != verdict::sent && retry_policy::transient(result.status);
        if ((result.status == 429 || result.status == 503) && !result.retry_after.empty())
          if (auto delay = retry_after_delay(result.retry_after, std::chrono::system_clock::now()))
            report.retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(*delay);
      };
      if (!conflict) {
        classify();
        break;
      }
      if (round == max_conflict_rounds) {
        conflict_left = true;  // the practice keeps changing: try again after the row's backoff
        break;
      }
      // 412: the practice changed something since Homebase's last write. Read its current versions (one
      // batch), keep what it changed, merge it into the record, and send again.
      metrics::gateway_metrics::instance().delivery_conflict(w->home.id);
      const std::string read_back = mappers::outbound::read_back_batch(sent);
      auto reread = co_await w->credentials.post(*l->client, url, read_back, fhir_json, row.request_id);
      if (reread.status < 200 || reread.status >= 300) {
        log::write({.lvl = log::level::warn,
                    .event = "delivery.conflict",
                    .request_id = row.request_id,
                    .message_id = row.message_id,
                    .child = row.child_id,
                    .medical_home = w->home.id,
                    .delivery = row.id,
                    .status = reread.status,
                    .detail = "HTTP " + std::to_string(result.status) +
                              " on a versioned write; reading the current versions failed: " +
                              (reread.status != 0 ? "HTTP " + std::to_string(reread.status) : reread.error)});
        // A 412 waits for the row's next attempt; a 404 the read could not explain is the home's answer.
        if (result.status == 412)
          conflict_left = true;
        else
          classify();
        break;
      }
      auto current = mappers::outbound::read_back_results(sent, reread.body);
      auto merge = std::make_shared<conflict_merge>();
      merge->source = "medical-home:" + w->home.id + " delivery";
      for (const auto& c : current) {
        const auto& t = sent.tracked[c.tracked];
        if (c.gone) {
          merge->forgotten.push_back({t.resource_type, t.business_key});
          continue;
        }
        if (c.version == t.if_match) continue;
        mappers::outbound::known_version k;
        k.resource_type = t.resource_type;
        k.business_key = t.business_key;
        k.server_id = t.server_id;
        k.version = c.version;
        k.written = t.last_written;
        k.practice = mappers::outbound::practice_changes(t.last_written, c.resource_json,
                                                         t.practice.empty() ? "{}" : t.practice);
        merge->updated.push_back(std::move(k));
        merge->resources.push_back(c.resource_json);
      }
      store::attempt_row round_trip{fhir::format_instant(store::now_ms()), result.status,
                                    "version conflict: " + std::to_string(merge->updated.size()) +
                                        " resource(s) changed at the medical home, " +
                                        std::to_string(merge->forgotten.size()) +
                                        " gone; merged by field ownership and sent again",
                                    result.body.substr(0, kept_answer)};
      auto config = attempt_config;
      auto child_id = row.child_id;
      auto outbox_id = row.id;
      auto home_id = w->home.id;
      store::sqlite_store::job merge_job = [merge, config, child_id, outbox_id, home_id,
                                            round_trip](store::write_tx& tx) {
        auto now = store::now_ms();
        tx.record_round_trip(outbox_id, round_trip);
        auto stored_record = tx.child_record(child_id);
        auto rec = stored_record ? mappers::model::decode(*stored_record) : std::nullopt;
        if (!rec) return tx.ok();
        bool changed = false;
        auto now_text = fhir::format_instant(now);
        for (const auto& resource : merge->resources)
          if (auto change = mappers::model::practice_change_from_resource(resource, merge->source)) {
            auto applied = mappers::model::apply_practice_change(*rec, *change, now_text);
            changed = changed || applied.changed;
            merge->notes.insert(merge->notes.end(), applied.notes.begin(), applied.notes.end());
          }
        if (changed) {
          // Through the one child writer: the index the read API serves and the rules see the change; no
          // outbox row (this delivery sends the merged record at once).
          auto prepared = child::prepare_child(*rec, *config, now, merge->source);
          child::save_cause cause;
          cause.kind = child::save_kind::practice;
          cause.queue_delivery = false;
          (void)child::save_child(tx, child_id, prepared, cause, now);
          merge->record_json = prepared.record_json;
        } else {
          merge->record_json = *stored_record;
        }
        store::delivery_version_table::put(tx, home_id, child_id, merge->updated, now);
        for (const auto& [type, key] : merge->forgotten)
          store::delivery_version_table::forget(tx, home_id, type, key);
        return tx.ok();
      };
      bool merged = co_await store::run_in_store(store_, std::move(merge_job));
      auto merged_record =
          merged && !merge->record_json.empty() ? mappers::model::decode(merge->record_json) : std::nullopt;
      log::write({.lvl = log::level::warn,
                  .event = "delivery.conflict",
                  .request_id = row.request_id,
                  .message_id = row.message_id,
                  .child = row.child_id,
                  .medical_home = w->home.id,
                  .delivery = row.id,
                  .status = result.status,
                  .detail = round_trip.error + " (round " + std::to_string(round + 1) + ")" +
                            (merge->notes.empty() ? std::string() : "; " + merge->notes.front())});
      if (!merged_record) {
        conflict_left = true;
        break;
      }
      // A farewell stays the record frozen at the transfer; the practice's fields come in through `known`.
      if (!farewell) record = std::move(merged_record);
      // The versions as the practice has them now; a resource it deleted is written conditionally again.
      for (const auto& u : merge->updated)
        for (auto& k : known)
          if (k.resource_type == u.resource_type && k.business_key == u.business_key) k = u;
      std::erase_if(known, [&](const mappers::outbound::known_version& k) {
        for (const auto& [type, key] : merge->forgotten)
          if (k.resource_type == type && k.business_key == key) return true;
        return false;
      });
    }
    if (conflict_left) {
      auto queued_for = std::chrono::milliseconds(store::now_ms() - row.queued_ms);
      outcome = queued_for >= w->policy.give_up_after ? verdict::dead : verdict::retry;
    }
  } else {
    result.error = "the child's stored record cannot be read by this version";  // no retry can help
  }
  store::attempt_row attempt{fhir::format_instant(store::now_ms()), result.status, result.error,
                             result.body.substr(0, kept_answer)};
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
  auto home_id = w->home.id;
  store::sqlite_store::job record_attempt = [id, attempt, status, next, disclosure = std::move(disclosure),
                                             child_id, home_id,
                                             learned = std::move(learned)](store::write_tx& tx) {
    tx.record_attempt(id, attempt, status, next, home_id);
    // The versions Homebase just wrote: the next delivery writes those resources with If-Match.
    if (!learned.empty()) store::delivery_version_table::put(tx, home_id, child_id, learned, store::now_ms());
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
