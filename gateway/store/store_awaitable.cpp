#include "gateway/store/store_awaitable.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace homebase::gateway::store {

namespace asio = boost::asio;

asio::awaitable<bool> run_in_store(sqlite_store& store, sqlite_store::job&& work) {
  auto shared_work = std::make_shared<sqlite_store::job>(std::move(work));
  return asio::async_initiate<decltype(asio::use_awaitable), void(bool)>(
      [&store, shared_work](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto ex = asio::get_associated_executor(*h);
        bool queued = store.submit(std::move(*shared_work),
                                   [h, ex](bool ok) { asio::post(ex, [h, ok]() mutable { (*h)(ok); }); });
        if (!queued) asio::post(ex, [h]() mutable { (*h)(false); });
      },
      asio::use_awaitable);
}

}  // namespace homebase::gateway::store
