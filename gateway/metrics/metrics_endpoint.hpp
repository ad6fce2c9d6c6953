// metrics_endpoint: GET /metrics, the Prometheus text exposition (format 0.0.4) of gateway_metrics,
// written by prometheus-cpp's TextSerializer. Before it serializes, a scrape reads what the hot path does
// not keep: per medical home the undelivered rows, the age of the oldest and the dead letters
// (store outbox_counts), the messages waiting for a person (count_messages), the database and WAL file
// sizes, and the writer's group-commit batch sizes (sqlite_store::statistics, as a histogram).
// Who may call it is the router's business (auth/route_policy: operator), or it is served alone on the
// `metrics.listen` listener (metrics_listener in main).
// Threads: any; scrapes are serialized by a mutex (the gauges they set are shared).
#pragma once

#include <mutex>

#include "config/gateway_config.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/http/request_handler.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::metrics {

class metrics_endpoint {
 public:
  metrics_endpoint(config::config_ptr config, store::sqlite_store& store);
  // 200 with the exposition; 404 when metrics are disabled.
  [[nodiscard]] http::response handle(unsigned version);
  // The exposition text alone (tests).
  [[nodiscard]] std::string scrape();

 private:
  config::config_ptr config_;
  store::sqlite_store& store_;
  std::mutex scrape_mutex_;
};

// The handler of the separate `metrics.listen` listener: GET /metrics, nothing else (404/405).
class metrics_listener final : public http::request_handler {
 public:
  explicit metrics_listener(metrics_endpoint& endpoint) : endpoint_(endpoint) {}
  boost::asio::awaitable<http::response> handle(http::request& req,
                                                const http::connection_info& peer) override;

 private:
  metrics_endpoint& endpoint_;
};

}  // namespace homebase::gateway::metrics
