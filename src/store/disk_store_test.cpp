// What only the POSIX storage has: the index rebuilt on open, temporaries dropped, a
// completed upload kept across a restart, and replaced or deleted files released off the
// bucket lock. The storage contract itself is storage_conformance_test.cpp.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "disk_store.hpp"
#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {
namespace {

using namespace std::chrono_literals;

class DiskStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("dropslot-disk-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    reopen();
    ASSERT_TRUE(disk_->create_bucket("b", now_, false));
  }
  void TearDown() override {
    disk_.reset();
    std::filesystem::remove_all(dir_);
  }
  void reopen() {
    auto d = disk_store::open(dir_, now_);
    ASSERT_TRUE(d);
    disk_ = std::move(*d);
  }
  result<void> put(const std::string& key, const std::string& data, bool must_not_exist = false) {
    auto t = disk_->new_temp();
    if (!t) return fail(t.error());
    if (auto w = t->write(data); !w) return w;
    object_meta m;
    m.key = key;
    m.size = data.size();
    m.etag = "\"" + std::to_string(data.size()) + "\"";
    m.last_modified = now_;
    return disk_->commit_object("b", std::move(*t), m, must_not_exist);
  }
  std::vector<std::string> keys(const list_result& r) {
    std::vector<std::string> out;
    for (const auto& [k, e] : r.objects) out.push_back(k);
    return out;
  }

  std::filesystem::path dir_;
  std::chrono::sys_seconds now_{1700000000s};
  std::unique_ptr<disk_store> disk_;
};

TEST_F(DiskStore, IndexIsRebuiltAndTemporariesDroppedOnOpen) {
  ASSERT_TRUE(put("x/1", "one"));
  ASSERT_TRUE(put("x/2", "two"));
  ASSERT_TRUE(disk_->delete_object("b", "x/1"));
  { std::ofstream((dir_ / ".tmp" / "put-leftover").string()) << "partial"; }
  disk_.reset();
  reopen();
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / ".tmp"));
  auto r = disk_->list("b", {});
  EXPECT_EQ(keys(*r), std::vector<std::string>{"x/2"});
  auto obj = disk_->open_object("b", "x/2");
  ASSERT_TRUE(obj);
  EXPECT_EQ(obj->meta.size, 3u);
  EXPECT_FALSE(disk_->open_object("b", "x/1"));
  EXPECT_FALSE(disk_->open_object("nob", "x/2"));
}

// A completed upload stays answerable across a restart (for the stale period).
TEST_F(DiskStore, CompletedUploadSurvivesReopen) {
  object_meta m;
  m.key = "mp";
  auto id = disk_->create_upload("b", m, now_);
  ASSERT_TRUE(id);
  auto t = disk_->new_temp();
  ASSERT_TRUE(t->write("only"));
  object_meta pm;
  pm.key = "mp";
  pm.size = 4;
  pm.etag = "\"00112233445566778899aabbccddeeff\"";
  ASSERT_TRUE(disk_->commit_part("b", *id, 1, std::move(*t), pm));
  auto first = disk_->complete_upload("b", *id, "mp", {{1, pm.etag}}, now_, false);
  ASSERT_TRUE(first);
  disk_.reset();
  reopen();
  auto again = disk_->complete_upload("b", *id, "mp", {{1, pm.etag}}, now_, false);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->etag, first->etag);
  EXPECT_TRUE(disk_->list_uploads("b", "")->empty());
}

// A replaced or deleted object, and the parts of an assembled upload, are held open
// across their rename or unlink and closed on the release thread. Whatever is queued
// there is closed by the time the store is gone: no descriptor into the data folder stays.
TEST_F(DiskStore, ReplacedDeletedAndAssembledFilesAreAllReleased) {
  auto open_fds_under_data = [&] {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
      std::error_code ec;
      auto target = std::filesystem::read_symlink(e.path(), ec).string();
      if (!ec && target.starts_with(dir_.string())) out.push_back(target);
    }
    return out;
  };
  const std::string mib(1 << 20, 'r');
  {
    ASSERT_TRUE(put("k", mib));
    auto reader = disk_->open_object("b", "k");
    ASSERT_TRUE(reader);
    ASSERT_TRUE(put("k", mib + "2"));
    ASSERT_TRUE(put("k", mib + "33"));
    ASSERT_TRUE(disk_->delete_object("b", "k"));
    EXPECT_FALSE(disk_->stat_object("b", "k"));
    EXPECT_EQ(disk_->open_object("b", "k").error().code, s3_errc::no_such_key);
    ASSERT_TRUE(disk_->delete_object("b", "k"));  // absent: nothing to hold, still fine
    char buf[4] = {};
    EXPECT_EQ(*reader->body->read_at(0, buf, 4), 4u);  // the first version, whole
    EXPECT_EQ(std::string(buf, 4), "rrrr");
  }  // the reader closes

  object_meta m;
  m.key = "mp";
  auto id = disk_->create_upload("b", m, now_);
  ASSERT_TRUE(id);
  for (int n : {1, 2}) {
    auto t = disk_->new_temp();
    ASSERT_TRUE(t->write(n == 1 ? std::string(5 << 20, 'p') : std::string("tail")));
    object_meta pm;
    pm.key = "mp";
    pm.size = n == 1 ? 5u << 20 : 4u;
    pm.etag = "\"00112233445566778899aabbccddeeff\"";
    ASSERT_TRUE(disk_->commit_part("b", *id, n, std::move(*t), pm));
  }
  ASSERT_TRUE(disk_->complete_upload(
      "b", *id, "mp", {{1, "00112233445566778899aabbccddeeff"}, {2, "00112233445566778899aabbccddeeff"}}, now_, false));
  ASSERT_TRUE(put("mp", "replaces the assembled object"));
  // More releases at once than the release thread queues: the rest close in place.
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(put("churn", mib.substr(0, 4096 + i)));
  ASSERT_TRUE(disk_->delete_object("b", "churn"));

  disk_.reset();
  EXPECT_EQ(open_fds_under_data(), std::vector<std::string>{});
  reopen();
  EXPECT_EQ(disk_->stat_object("b", "mp")->size, 29u);
  EXPECT_FALSE(disk_->stat_object("b", "k"));
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / ".tmp"));
}

}  // namespace
}  // namespace dropslot::store
