// request_generation: everything that answers requests and depends on the configuration, built from one
// config (the routes and what they call: message intake with its ConceptMaps, the token endpoint with the
// clients' key sets, the disclosure API), and live_routes, the server's request handler, which holds the
// current generation.
//
// The guarantee of a config reload (docs/ARCHITECTURE.md, "Start-up, reload and shutdown"): live_routes takes
// the current generation ONCE per request (an atomic shared_ptr load) and holds it until the answer is
// built, so a request runs entirely on the config it started with, and one that starts after a reload's
// commit runs entirely on the new one. A reload builds the next generation beside the running one (sharing
// the state that must survive: console sessions and sign-in lockouts, rate-limit buckets, the request audit
// with its refusal counts, the access-token key, the store) and swaps it in with one atomic store; the old
// generation is freed when its last request has been answered. Connections are never touched.
#pragma once

#include <atomic>
#include <memory>

#include "config/gateway_config.hpp"
#include "gateway/auth/token_endpoint.hpp"
#include "gateway/disclosure/disclosure_api.hpp"
#include "gateway/http/request_handler.hpp"
#include "gateway/pipeline/message_intake.hpp"
#include "gateway/pipeline/partner_concept_maps.hpp"
#include "gateway/routes.hpp"

namespace homebase::gateway {

// Members are destroyed in reverse order: the routes before what they refer to.
struct request_generation {
  config::config_ptr config;
  pipeline::concept_maps_ptr concept_maps;
  std::unique_ptr<pipeline::message_intake> intake;
  std::unique_ptr<disclosure::disclosure_api> disclosure;
  std::unique_ptr<auth::token_endpoint> tokens;
  std::unique_ptr<gateway::routes> routes;
};

class live_routes final : public http::request_handler {
 public:
  explicit live_routes(std::shared_ptr<const request_generation> first) : current_(std::move(first)) {}

  boost::asio::awaitable<http::response> handle(http::request& req,
                                                const http::connection_info& peer) override {
    auto generation = current_.load();  // held until this request is answered
    co_return co_await generation->routes->handle(req, peer);
  }

  // Thread-safe: requests that start from now on are served by `next`.
  void swap(std::shared_ptr<const request_generation> next) { current_.store(std::move(next)); }
  [[nodiscard]] std::shared_ptr<const request_generation> current() const { return current_.load(); }

 private:
  std::atomic<std::shared_ptr<const request_generation>> current_;
};

}  // namespace homebase::gateway
