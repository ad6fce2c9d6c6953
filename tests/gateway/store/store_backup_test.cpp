#include "gateway/store/store_backup.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "fhir/fhir_time.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::store {
namespace {

namespace fs = std::filesystem;

struct temp_dir {
  temp_dir() {
    auto pattern = (fs::temp_directory_path() / "hb-backup-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    dir = mkdtemp(buffer.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string path(const char* name) const { return (dir / name).string(); }
  fs::path dir;
};

bool insert(sqlite_store& store, int n) {
  std::promise<bool> done;
  auto result = done.get_future();
  bool queued = store.submit(
      [n](write_tx& tx) {
        stored_message m;
        m.bundle_id = "bundle-" + std::to_string(n);
        m.header_id = "header-" + std::to_string(n);
        m.partner_id = "p";
        m.event_code = "nicu-discharge";
        m.received_at = fhir::format_instant(now_ms());
        m.status = message_status::queued;
        m.translation = "{}";
        tx.insert_message(m, std::string(20000, 'x'));
        return tx.ok();
      },
      [&done](bool ok) { done.set_value(ok); });
  return queued && result.get();
}

TEST(store_backup, copies_every_committed_message_while_the_writer_goes_on) {
  temp_dir dir;
  sqlite_store store({dir.path("live.db"), 16});
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(insert(store, i));
  // Acknowledged (committed) before the backup began: 300. The writer keeps committing during the copy.
  std::atomic<bool> stop{false};
  std::atomic<int> written{300};
  std::thread writer([&] {
    while (!stop) {
      if (insert(store, written)) ++written;
    }
  });
  auto result = backup_store(dir.path("live.db"), dir.path("copy.db"));
  stop = true;
  writer.join();
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_GT(result.pages, 0);
  EXPECT_GT(written.load(), 300);  // the writer was not blocked throughout

  sqlite_store copy({dir.path("copy.db"), 16});
  EXPECT_EQ(copy.schema_version(), sqlite_store::latest_schema_version());
  for (int id = 1; id <= 300; ++id) {
    auto m = copy.get_message(id);
    ASSERT_TRUE(m) << id;
    EXPECT_EQ(m->header_id, "header-" + std::to_string(id - 1));
    EXPECT_EQ(copy.get_message_body(id).size(), 20000u);
  }
}

TEST(store_backup, refuses_an_existing_target_and_a_missing_source) {
  temp_dir dir;
  { sqlite_store store({dir.path("live.db"), 16}); }
  fs::copy_file(dir.path("live.db"), dir.path("taken.db"));
  auto taken = backup_store(dir.path("live.db"), dir.path("taken.db"));
  EXPECT_FALSE(taken.ok);
  EXPECT_NE(taken.error.find("already exists"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir.path("taken.db")));  // left alone

  auto missing = backup_store(dir.path("none.db"), dir.path("out.db"));
  EXPECT_FALSE(missing.ok);
  EXPECT_FALSE(fs::exists(dir.path("out.db")));
}

TEST(store_backup, refuses_a_file_that_is_not_a_store_and_leaves_no_copy) {
  temp_dir dir;
  {
    std::FILE* f = std::fopen(dir.path("junk.db").c_str(), "w");
    std::fputs("not a database at all, just some text", f);
    std::fclose(f);
  }
  auto result = backup_store(dir.path("junk.db"), dir.path("out.db"));
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(fs::exists(dir.path("out.db")));
}

}  // namespace
}  // namespace homebase::gateway::store
