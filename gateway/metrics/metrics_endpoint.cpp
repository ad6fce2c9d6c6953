#include "gateway/metrics/metrics_endpoint.hpp"

#include <prometheus/text_serializer.h>

#include <filesystem>

#include "gateway/metrics/gateway_metrics.hpp"

namespace homebase::gateway::metrics {

namespace bhttp = boost::beast::http;

namespace {

constexpr std::string_view exposition_type = "text/plain; version=0.0.4; charset=utf-8";

std::uint64_t file_size(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::uint64_t>(size);
}

// The writer's batch sizes as a Prometheus histogram (cumulative buckets).
prometheus::MetricFamily batch_size_family(const store::sqlite_store::writer_statistics& stats) {
  prometheus::MetricFamily family;
  family.name = "homebase_store_batch_size";
  family.help = "Jobs (requests and other writes) per group-commit transaction of the store writer";
  family.type = prometheus::MetricType::Histogram;
  prometheus::ClientMetric metric;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < store::sqlite_store::batch_size_bounds.size(); ++i) {
    cumulative += stats.batch_buckets[i];
    metric.histogram.bucket.push_back(
        {cumulative, static_cast<double>(store::sqlite_store::batch_size_bounds[i])});
  }
  cumulative += stats.batch_buckets.back();
  metric.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
  metric.histogram.sample_count = stats.batches;
  metric.histogram.sample_sum = static_cast<double>(stats.jobs);
  family.metric.push_back(std::move(metric));
  return family;
}

}  // namespace

metrics_endpoint::metrics_endpoint(config::config_ptr config, store::sqlite_store& store)
    : config_(std::move(config)), store_(store) {}

std::string metrics_endpoint::scrape() {
  std::lock_guard lock(scrape_mutex_);
  auto& m = gateway_metrics::instance();
  auto now = store::now_ms();
  auto counts = store_.outbox_counts();
  for (const auto& home : config_->medical_homes) {
    store::delivery_counts c;
    for (const auto& row : counts)
      if (row.destination == home.id) c = row;
    double age = c.oldest_queued_ms > 0 ? static_cast<double>(now - c.oldest_queued_ms) / 1000.0 : 0.0;
    m.set_queue(home.id, c.queued, c.retrying, c.dead, age < 0 ? 0.0 : age);
  }
  m.set_messages_waiting(store_.count_messages(store::message_status::unroutable),
                         store_.count_messages(store::message_status::held_for_match));
  const auto& path = config_->store.path;
  if (path != ":memory:") m.set_store_size(file_size(path), file_size(path + "-wal"));
  auto families = m.registry().Collect();
  families.push_back(batch_size_family(store_.statistics()));
  return prometheus::TextSerializer().Serialize(families);
}

http::response metrics_endpoint::handle(unsigned version) {
  if (!gateway_metrics::instance().enabled())
    return http::make_error(bhttp::status::not_found, "not-found", "metrics are disabled (metrics.enabled)",
                            {}, version);
  try {
    return http::make_response(bhttp::status::ok, scrape(), exposition_type, version);
  } catch (const std::exception& e) {
    // prometheus-cpp's serializer writes to a stream; only memory exhaustion gets here.
    return http::make_error(bhttp::status::internal_server_error, "exception",
                            std::string("metrics could not be written: ") + e.what(), {}, version);
  }
}

boost::asio::awaitable<http::response> metrics_listener::handle(http::request& req,
                                                                const http::connection_info&) {
  auto path = http::target_path(req.target());
  if (path != "/metrics")
    co_return http::make_error(bhttp::status::not_found, "not-found", "only /metrics is served here", {},
                               req.version());
  if (req.method() != bhttp::verb::get) {
    auto res = http::make_error(bhttp::status::method_not_allowed, "not-supported",
                                "GET is the only method of /metrics", {}, req.version());
    res.set(bhttp::field::allow, "GET");
    co_return res;
  }
  co_return endpoint_.handle(req.version());
}

}  // namespace homebase::gateway::metrics
