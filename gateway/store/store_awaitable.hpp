// store_awaitable: lets a coroutine wait for a write job on the store's writer thread:
//   auto job = [..](store::write_tx& tx) { ...; return tx.ok(); };
//   bool committed = co_await store::run_in_store(store, std::move(job));
// The coroutine resumes on its own executor (its strand) once the batch holding the job committed
// (true) or failed (false). Pass the job as a named variable: GCC 12 mishandles non-trivial temporaries
// inside co_await expressions.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::store {

[[nodiscard]] boost::asio::awaitable<bool> run_in_store(sqlite_store& store, sqlite_store::job&& work);

}  // namespace homebase::gateway::store
