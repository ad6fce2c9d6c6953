// request_handler: what the HTTP server calls for every complete request. Implementations must not throw;
// they answer every problem with an OperationOutcome response.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "gateway/http/connection_info.hpp"
#include "gateway/http/http_types.hpp"

namespace homebase::gateway::http {

class request_handler {
 public:
  virtual ~request_handler() = default;
  // Runs on the connection's strand.
  // `req` and `peer` stay alive until the returned awaitable completes (GCC 12 and coroutine temporaries:
  // pass by reference, never by value).
  virtual boost::asio::awaitable<response> handle(request& req, const connection_info& peer) = 0;
};

}  // namespace homebase::gateway::http
