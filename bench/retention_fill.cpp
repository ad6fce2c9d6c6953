// homebase_retention_fill: the store a retention benchmark starts from, and the disk a store uses.
//
//   homebase_retention_fill --db FILE --messages N [--body-bytes B] [--age-days D]
//       writes N messages received D (100) days ago, each delivered (one `sent` delivery with one attempt,
//       D days ago) with a raw body of B (38,000) bytes, through the store's writer (sqlite_store, 200
//       messages per job): what run_load.sh's PURGE=compare gives the retention purge to delete while the
//       load runs. Prints one JSON line with what it wrote and how long it took.
//   homebase_retention_fill --report FILE [--messages N]
//       prints one JSON line: the file's size, its pages, the free ones, the bytes in use (pages not on the
//       freelist) and, with N, the bytes in use per message.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>

#include "fhir/fhir_time.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace store = homebase::gateway::store;

namespace {

long long pragma(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  long long value = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
    value = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return value;
}

int report(const std::string& path, long long messages) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "cannot open %s\n", path.c_str());
    sqlite3_close(db);
    return 1;
  }
  long long pages = pragma(db, "PRAGMA page_count");
  long long free_pages = pragma(db, "PRAGMA freelist_count");
  long long page_size = pragma(db, "PRAGMA page_size");
  sqlite3_close(db);
  std::error_code ec;
  auto file = std::filesystem::file_size(path, ec);
  long long in_use = (pages - free_pages) * page_size;
  std::printf(
      "{\"tool\":\"homebase_retention_fill\",\"file_bytes\":%lld,\"page_size\":%lld,\"pages\":%lld,"
      "\"free_pages\":%lld,\"bytes_in_use\":%lld,\"messages\":%lld,\"bytes_in_use_per_message\":%lld}\n",
      static_cast<long long>(ec ? 0 : file), page_size, pages, free_pages, in_use, messages,
      messages > 0 ? in_use / messages : 0);
  return 0;
}

int fill(const std::string& path, long long messages, long long body_bytes, long long age_days) {
  store::sqlite_store db({.path = path, .max_batch = 16});
  const std::int64_t at = store::now_ms() - age_days * 86'400'000LL;
  const std::string body(static_cast<std::size_t>(body_bytes), 'x');
  auto started = std::chrono::steady_clock::now();
  constexpr long long per_job = 200;
  for (long long first = 0; first < messages; first += per_job) {
    std::promise<bool> done;
    auto result = done.get_future();
    store::sqlite_store::job job = [&, first](store::write_tx& tx) {
      auto child = tx.save_child(std::nullopt, "{}", {{"urn:bench", std::to_string(first)}});
      for (long long i = first; i < std::min(messages, first + per_job); ++i) {
        store::stored_message m;
        m.bundle_id = "fill-bundle-" + std::to_string(i);
        m.header_id = "fill-header-" + std::to_string(i);
        m.partner_id = "st-elsewhere-nicu";
        m.event_code = "nicu-discharge";
        m.received_at = homebase::fhir::format_instant(at + i);
        m.status = store::message_status::queued;
        m.destination = "bench-medical-home";
        m.translation = "";
        auto id = tx.insert_message(m, body);
        auto outbox = tx.insert_outbox(id, child, "bench-medical-home", at);
        store::attempt_row a{homebase::fhir::format_instant(at + i + 500), 200, "",
                             R"({"resourceType":"Bundle","type":"transaction-response"})"};
        tx.record_attempt(outbox, a, store::outbox_status::sent, 0);
      }
      return tx.ok();
    };
    if (!db.submit(std::move(job), [&done](bool ok) { done.set_value(ok); }) || !result.get()) {
      std::fprintf(stderr, "fill failed at message %lld\n", first);
      return 1;
    }
  }
  db.stop();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "{\"tool\":\"homebase_retention_fill\",\"messages\":%lld,\"body_bytes\":%lld,\"age_days\":%lld,"
      "\"seconds\":%.1f}\n",
      messages, body_bytes, age_days, seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db, report_path;
  long long messages = 0, body_bytes = 38'000, age_days = 100;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--db") {
      db = next();
    } else if (arg == "--report") {
      report_path = next();
    } else if (arg == "--messages") {
      messages = std::atoll(next().c_str());
    } else if (arg == "--body-bytes") {
      body_bytes = std::atoll(next().c_str());
    } else if (arg == "--age-days") {
      age_days = std::atoll(next().c_str());
    } else {
      std::fprintf(stderr,
                   "usage: homebase_retention_fill --db FILE --messages N [--body-bytes B] [--age-days D]\n"
                   "       homebase_retention_fill --report FILE [--messages N]\n");
      return 2;
    }
  }
  if (!report_path.empty()) return report(report_path, messages);
  if (db.empty() || messages <= 0 || body_bytes < 0 || age_days < 0) {
    std::fprintf(stderr, "homebase_retention_fill: --db FILE and --messages N (> 0) are needed\n");
    return 2;
  }
  return fill(db, messages, body_bytes, age_days);
}
