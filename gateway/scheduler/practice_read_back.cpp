#include "gateway/scheduler/practice_read_back.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <map>
#include <set>

#include "fhir/fhir_time.hpp"
#include "fhir/json_document.hpp"
#include "gateway/child/child_writer.hpp"
#include "gateway/delivery/destination_credentials.hpp"
#include "gateway/delivery/http_client.hpp"
#include "gateway/log/json_log.hpp"
#include "gateway/store/read_back_table.hpp"
#include "gateway/store/store_awaitable.hpp"
#include "gateway/store/write_tx.hpp"
#include "mappers/coordination/coordination_rules.hpp"
#include "mappers/model/practice_change.hpp"
#include "mappers/model/record_codec.hpp"
#include "mappers/outbound/outbound_uris.hpp"
#include "mappers/outbound/stable_uuid.hpp"

namespace homebase::gateway::scheduler {

namespace asio = boost::asio;
namespace model = mappers::model;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t page_body_limit = 4 * 1024 * 1024;
constexpr int page_size = 100;

std::string query_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::int64_t instant_ms(std::string_view text) {
  auto range = fhir::parse_date_range(text, fhir::date_syntax::resource);
  return range ? range->low : 0;
}

// scheme://host[:port] of a URL.
std::string origin_of(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return {};
  auto path = url.find('/', scheme + 3);
  return path == std::string::npos ? url : url.substr(0, path);
}

// The `next` link of a searchset Bundle, on the home's own origin (a server behind a proxy may name
// itself otherwise); empty when there is none.
std::string next_link(const rapidjson::Value& bundle, const std::string& base) {
  auto links = bundle.FindMember("link");
  if (links == bundle.MemberEnd() || !links->value.IsArray()) return {};
  for (const auto& l : links->value.GetArray()) {
    if (!l.IsObject() || !l.HasMember("relation") || !l.HasMember("url")) continue;
    if (!l["relation"].IsString() || !l["url"].IsString()) continue;
    if (std::string_view(l["relation"].GetString()) != "next") continue;
    std::string url = l["url"].GetString();
    auto origin = origin_of(url);
    if (origin.empty()) return {};
    return origin_of(base) + url.substr(origin.size());
  }
  return {};
}

std::string text_of(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString())
                                                          : std::string();
}

// The changes of one child, applied in one store job.
struct child_changes {
  std::int64_t child_id = 0;
  std::vector<model::practice_change> changes;
};

}  // namespace

struct practice_read_back::home_state {
  const config::medical_home* home = nullptr;
  std::unique_ptr<delivery::destination_credentials> credentials;
  std::unique_ptr<delivery::http_client> client;
  std::chrono::steady_clock::time_point due;
};

practice_read_back::practice_read_back(asio::io_context& ioc, config::config_ptr config,
                                       store::sqlite_store& store,
                                       std::function<void(const std::string&)> delivered_to)
    : strand_(asio::make_strand(ioc)),
      timer_(strand_),
      config_(std::move(config)),
      store_(store),
      notify_delivery_(std::move(delivered_to)) {
  for (const auto& h : config_->medical_homes) {
    auto state = std::make_unique<home_state>();
    state->home = &h;
    if (h.read_back) {
      state->credentials = std::make_unique<delivery::destination_credentials>(
          h.auth, config_->delivery, "medical_homes[" + h.id + "].auth");
      state->client = state->credentials->client_for();
      state->client->set_kept_body(page_body_limit);
    }
    homes_.push_back(std::move(state));
  }
}

practice_read_back::~practice_read_back() = default;

std::string practice_read_back::first_url(const std::string& base, const std::string& high_water) {
  std::string systems = query_encode(mappers::coordination::action_item_system) + "%7C," +
                        query_encode(mappers::coordination::conference_item_system) + "%7C," +
                        query_encode(mappers::outbound::referral_task_sid) + "%7C";
  std::string url = base + "/Task?identifier=" + systems;
  // ge, not gt: a server stamps the resources of one transaction with the same instant, so the next page
  // (or pass) may start inside such a group; what was already read in the pass is skipped by its version.
  if (!high_water.empty()) url += "&_lastUpdated=ge" + query_encode(high_water);
  url += "&_sort=_lastUpdated&_count=" + std::to_string(page_size);
  return url;
}

void practice_read_back::start() {
  bool any = std::any_of(homes_.begin(), homes_.end(), [](const auto& h) { return h->home->read_back; });
  if (!any) return;
  asio::co_spawn(strand_, run(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::write({.lvl = log::level::critical, .event = "read_back.stopped", .detail = ex.what()});
    }
  });
}

void practice_read_back::stop() {
  stopping_ = true;
  asio::post(strand_, [this] { timer_.cancel(); });
}

asio::awaitable<void> practice_read_back::run() {
  auto now = std::chrono::steady_clock::now();
  for (auto& h : homes_) h->due = now;  // the first pass at start
  while (!stopping_) {
    now = std::chrono::steady_clock::now();
    auto next = std::chrono::steady_clock::time_point::max();
    for (std::size_t i = 0; i < homes_.size() && !stopping_; ++i) {
      auto& h = *homes_[i];
      if (!h.home->read_back) continue;
      if (h.due <= now) {
        auto started = std::chrono::steady_clock::now();
        auto result = co_await pass(i);
        auto took =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        log::write({.lvl = result.error.empty() ? log::level::info : log::level::warn,
                    .event = "read_back.pass",
                    .detail = h.home->id + ": " + std::to_string(result.pages) + " page(s) (" +
                              std::to_string(result.bytes) + " bytes) in " + std::to_string(took.count()) +
                              " ms, " + std::to_string(result.resources) + " Task(s) read, " +
                              std::to_string(result.applied) + " change(s) applied" +
                              (result.foreign > 0 ? ", " + std::to_string(result.foreign) +
                                                        " of another home's children ignored"
                                                  : "") +
                              (result.error.empty() ? "" : "; " + result.error)});
        h.due = std::chrono::steady_clock::now() + h.home->read_back->every;
      }
      next = std::min(next, h.due);
    }
    if (stopping_) break;
    timer_.expires_at(next);
    co_await timer_.async_wait(nothrow);
  }
}

asio::awaitable<practice_read_back::pass_result> practice_read_back::pass(std::size_t home_index) {
  pass_result result;
  auto& h = *homes_.at(home_index);
  const auto& home = *h.home;
  if (!home.read_back || !h.client) {
    result.error = "read_back is off for this home";
    co_return result;
  }
  auto mark = store::read_back_table::mark(store_, home.id);
  result.high_water = mark.high_water;
  std::int64_t high_ms = mark.high_water.empty() ? 0 : instant_ms(mark.high_water);
  const std::string source = "medical-home:" + home.id + " pull";
  std::map<std::int64_t, child_changes> by_child;
  std::set<std::string> seen;  // id/versionId of what this pass read

  std::string url = first_url(home.fhir_base_url, mark.high_water);
  while (!url.empty() && result.pages < home.read_back->max_pages && !stopping_) {
    auto page = co_await h.credentials->get(*h.client, url);
    if (page.status != 200) {
      result.error =
          "GET " + url + ": " + (page.status == 0 ? page.error : "HTTP " + std::to_string(page.status));
      break;
    }
    ++result.pages;
    result.bytes += static_cast<std::int64_t>(page.body.size());
    rapidjson::Document bundle;
    if (fhir::parse_json(page.body, bundle) || !bundle.IsObject()) {
      result.error = "GET " + url + ": the answer is not a JSON Bundle";
      break;
    }
    int entries_on_page = 0;
    int new_on_page = 0;
    if (auto entries = bundle.FindMember("entry");
        entries != bundle.MemberEnd() && entries->value.IsArray()) {
      for (const auto& e : entries->value.GetArray()) {
        if (!e.IsObject() || !e.HasMember("resource") || !e["resource"].IsObject()) continue;
        ++entries_on_page;
        const auto& resource = e["resource"];
        std::string version_key = text_of(resource, "id") + "/";
        if (auto meta = resource.FindMember("meta"); meta != resource.MemberEnd() && meta->value.IsObject())
          version_key += text_of(meta->value, "versionId") + "/" + text_of(meta->value, "lastUpdated");
        if (!seen.insert(version_key).second) continue;
        ++new_on_page;
        auto change = model::practice_change_from_resource(to_json(resource), source);
        if (!change) continue;
        ++result.resources;
        if (auto ms = instant_ms(change->changed_at); ms > high_ms) {
          high_ms = ms;
          result.high_water = change->changed_at;
        }
        // The index id of the Task: the uuid the outbound mapper names its entry with.
        auto id = mappers::outbound::uuid_v5("urn:homebase:" + change->resource_type + ":" +
                                             change->key.system + "|" + change->key.value);
        auto row = store_.get_indexed(change->resource_type, id);
        if (!row) {
          ++result.unknown;
          continue;
        }
        if (store_.child_home(row->child_id) != home.id) {
          ++result.foreign;
          log::write({.lvl = log::level::warn,
                      .event = "read_back.foreign",
                      .detail = home.id + " holds " + change->resource_type + " " + change->key.system + "|" +
                                change->key.value + " of a child routed to another medical home; ignored"});
          continue;
        }
        auto& c = by_child[row->child_id];
        c.child_id = row->child_id;
        c.changes.push_back(std::move(*change));
      }
    }
    // The server's next link; without one (the test medical home makes none), a full page goes on from the
    // newest lastUpdated read (keyset paging); a full page with nothing new (more than a page of resources
    // with one instant) ends the pass.
    url = next_link(bundle, home.fhir_base_url);
    if (url.empty() && entries_on_page >= page_size && new_on_page > 0 && !result.high_water.empty())
      url = first_url(home.fhir_base_url, result.high_water);
  }

  // The changes, one store job per child; then the mark.
  auto config = config_;
  for (auto& entry : by_child) {
    if (stopping_) break;
    auto applied = std::make_shared<bool>(false);
    auto destination = std::make_shared<std::string>();
    store::sqlite_store::job work = [c = std::move(entry.second), config, applied,
                                     destination](store::write_tx& tx) {
      auto stored = tx.child_record(c.child_id);
      auto record = stored ? model::decode(*stored) : std::nullopt;
      if (!record) return tx.ok();
      auto now = store::now_ms();
      auto at = fhir::format_instant(now);
      bool changed = false;
      for (const auto& change : c.changes) {
        auto r = model::apply_practice_change(*record, change, at);
        changed = changed || r.changed;
      }
      if (!changed) return tx.ok();
      auto prepared = child::prepare_child(*record, *config, now, "rules");
      child::save_cause cause;
      cause.kind = child::save_kind::practice;
      auto saved = child::save_child(tx, c.child_id, prepared, cause, now);
      *applied = true;
      if (saved.queued && prepared.destination.home != nullptr) *destination = prepared.destination.home->id;
      return tx.ok();
    };
    bool committed = co_await store::run_in_store(store_, std::move(work));
    if (!committed) {
      result.error = "the store could not save a change; the mark stays";
      co_return result;
    }
    if (*applied) ++result.applied;
    if (!destination->empty() && notify_delivery_) notify_delivery_(*destination);
  }
  store::read_back_table::read_back_mark saved{result.high_water, store::now_ms(),
                                               result.error.empty() ? "ok" : result.error};
  // A failed page: keep what the complete pages gave (their changes are in), so the next pass goes on.
  store::sqlite_store::job save_mark = [id = home.id, saved](store::write_tx& tx) {
    store::read_back_table::set(tx, id, saved);
    return tx.ok();
  };
  (void)co_await store::run_in_store(store_, std::move(save_mark));
  co_return result;
}

}  // namespace homebase::gateway::scheduler
