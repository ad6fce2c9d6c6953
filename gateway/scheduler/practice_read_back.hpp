// practice_read_back: the pull (issue 11 item 2). For each medical home with `read_back: {every: ...}`,
// Homebase reads back, on a schedule, the coordination Tasks it wrote at the home's FHIR server and takes
// what the practice's people changed there (status, owner, notes, outputs) into the coordination model:
//   GET [base]/Task?identifier=<action-item sid>|,<conference-item sid>|,<referral-task sid>|
//       &_lastUpdated=ge<high-water mark>&_sort=_lastUpdated&_count=100
// with the home's credentials (delivery/destination_credentials), following the Bundle's `next` links up
// to `max_pages` pages a pass; a server that makes no links (the test medical home) is paged by
// lastUpdated instead (a full page goes on from the newest instant read). `ge`, with what the pass already
// read skipped by id/versionId, because a server stamps one transaction's resources with one instant. Each
// resource goes through mappers::model::practice_change (source "medical-home:<id> pull"); its child is found
// by the resource index (the index id is the stable uuid of the Task's business key, as the outbound mapper
// names it). A Task of a child routed to another home is ignored and logged. The changes of one child are
// applied in one store job (apply_practice_change, then child::save_child when the record changed, which
// queues the current record for the home): what Homebase itself wrote comes back as no change and writes
// nothing. The newest meta.lastUpdated read is the home's high-water mark (store/read_back_table), saved
// after the pass; a failed page ends the pass and keeps the mark where the last complete page left it.
//
// Threads: one coroutine on its own strand with one timer, which sleeps until the next home is due; the
// HTTP client and the credentials belong to that strand; store jobs run on the writer thread.
// Appointments are not read back: Homebase keys them on the sender's identifiers, so no search can name
// "the Appointments Homebase wrote" at a practice that has many of its own (docs/ARCHITECTURE.md).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/gateway_config.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::delivery {
class destination_credentials;
class http_client;
}  // namespace homebase::gateway::delivery

namespace homebase::gateway::scheduler {

class practice_read_back {
 public:
  // `delivered_to` is called (on the read-back's strand) with a medical home after a commit that queued
  // a delivery for it. Throws config::config_error when a home's credentials are unusable (start-up).
  practice_read_back(boost::asio::io_context& ioc, config::config_ptr config, store::sqlite_store& store,
                     std::function<void(const std::string&)> delivered_to);
  ~practice_read_back();

  void start();  // nothing when no home has read_back
  void stop();   // the page or job in progress finishes; no new one starts

  // What one pass over one home did (the log line, the tests, bench/).
  struct pass_result {
    int pages = 0;
    int resources = 0;  // Tasks read
    int applied = 0;    // changes that changed a record
    int foreign = 0;    // Tasks of another home's child (ignored)
    int unknown = 0;    // Tasks the index does not know
    std::int64_t bytes = 0;
    std::string high_water;
    std::string error;  // empty: the pass completed
  };
  // One pass over home `index` of config.medical_homes (on the strand; public for tests and bench).
  boost::asio::awaitable<pass_result> pass(std::size_t home_index);

  // The search a pass starts with (tests, docs).
  [[nodiscard]] static std::string first_url(const std::string& base, const std::string& high_water);

 private:
  boost::asio::awaitable<void> run();

  struct home_state;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;  // on strand_
  config::config_ptr config_;
  store::sqlite_store& store_;
  std::function<void(const std::string&)> notify_delivery_;
  std::vector<std::unique_ptr<home_state>> homes_;  // one per config.medical_homes entry
  std::atomic<bool> stopping_{false};
};

}  // namespace homebase::gateway::scheduler
