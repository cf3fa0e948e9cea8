// The storage layer on a temporary folder: listing order, delimiters and markers,
// atomic replacement, If-None-Match at commit, the index rebuilt on open, and replaced or
// deleted files released off the bucket lock.
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

TEST_F(DiskStore, ListingWithPrefixDelimiterAndMarkers) {
  for (auto k : {"a/1", "a/2", "b/1", "c", "d/x/y", "d/z"}) ASSERT_TRUE(put(k, "v"));
  auto r = disk_->list("b", {.delimiter = "/"});
  ASSERT_TRUE(r);
  EXPECT_EQ(keys(*r), std::vector<std::string>{"c"});
  EXPECT_EQ(r->common_prefixes, (std::vector<std::string>{"a/", "b/", "d/"}));
  // Pages of 2 over prefixes and keys, resumed from `last`, see each entry once.
  std::vector<std::string> seen;
  list_request req{.delimiter = "/", .max_keys = 2};
  for (int guard = 0; guard < 10; ++guard) {
    auto page = disk_->list("b", req);
    ASSERT_TRUE(page);
    for (const auto& p : page->common_prefixes) seen.push_back(p);
    for (const auto& k : keys(*page)) seen.push_back(k);
    if (!page->truncated) break;
    req.marker = page->last;
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"a/", "b/", "c", "d/"}));
  r = disk_->list("b", {.prefix = "d/", .delimiter = "/"});
  EXPECT_EQ(keys(*r), std::vector<std::string>{"d/z"});
  EXPECT_EQ(r->common_prefixes, std::vector<std::string>{"d/x/"});
  r = disk_->list("b", {.prefix = "a/", .marker = "a/1"});
  EXPECT_EQ(keys(*r), std::vector<std::string>{"a/2"});
  r = disk_->list("b", {.max_keys = 0});
  EXPECT_TRUE(r->objects.empty());
}

TEST_F(DiskStore, ReplaceIsAtomicAndIfNoneMatchHoldsAtCommit) {
  ASSERT_TRUE(put("k", "old"));
  auto reader = disk_->open_object("b", "k");  // opened before the replacement
  ASSERT_TRUE(reader);
  ASSERT_TRUE(put("k", "newer"));
  EXPECT_EQ(reader->meta.size, 3u);  // the open reader still sees the old version whole
  char buf[8] = {};
  EXPECT_EQ(::pread(reader->fd.get(), buf, 3, 0), 3);
  EXPECT_EQ(std::string(buf, 3), "old");
  auto r = put("k", "x", true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, s3_errc::precondition_failed);
  EXPECT_EQ(disk_->stat_object("b", "k")->size, 5u);
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / ".tmp"));
}

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

TEST_F(DiskStore, MultipartChecksPartsThenAssembles) {
  object_meta m;
  m.key = "mp";
  auto id = disk_->create_upload("b", m, now_);
  ASSERT_TRUE(id);
  auto part = [&](int n, const std::string& data) {
    auto t = disk_->new_temp();
    EXPECT_TRUE(t->write(data));
    object_meta pm;
    pm.key = "mp";
    pm.size = data.size();
    pm.etag = "\"00112233445566778899aabbccddeeff\"";
    if (n == 2) pm.etag = "\"ffeeddccbbaa99887766554433221100\"";
    return disk_->commit_part("b", *id, n, std::move(*t), pm);
  };
  std::string big(5 * 1024 * 1024, 'p');
  ASSERT_TRUE(part(1, big));
  ASSERT_TRUE(part(2, "tail"));
  auto bad = disk_->complete_upload("b", *id, {{2, "\"ffeeddccbbaa99887766554433221100\""}, {1, "x"}}, now_, false);
  EXPECT_EQ(bad.error().code, s3_errc::invalid_part_order);
  bad = disk_->complete_upload("b", *id, {{1, "\"00112233445566778899aabbccddeeff\""}, {2, "\"wrong\""}}, now_, false);
  EXPECT_EQ(bad.error().code, s3_errc::invalid_part);
  bad = disk_->complete_upload("b", *id, {{1, "\"00112233445566778899aabbccddeeff\""}, {3, "\"x\""}}, now_, false);
  EXPECT_EQ(bad.error().code, s3_errc::invalid_part);
  auto ok = disk_->complete_upload(
      "b", *id, {{1, "00112233445566778899aabbccddeeff"}, {2, "\"ffeeddccbbaa99887766554433221100\""}}, now_, false);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->size, big.size() + 4);
  EXPECT_EQ(ok->parts_count, 2);
  EXPECT_TRUE(ok->etag.ends_with("-2\""));
  EXPECT_EQ(disk_->upload_meta("b", *id).error().code, s3_errc::no_such_upload);
  auto small_first = disk_->create_upload("b", m, now_);
  ASSERT_TRUE(small_first);
  id = small_first;
  ASSERT_TRUE(part(1, "small"));
  ASSERT_TRUE(part(2, "tail"));
  bad = disk_->complete_upload(
      "b", *id, {{1, "00112233445566778899aabbccddeeff"}, {2, "ffeeddccbbaa99887766554433221100"}}, now_, false);
  EXPECT_EQ(bad.error().code, s3_errc::entity_too_small);
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
    EXPECT_EQ(::pread(reader->fd.get(), buf, 4, 0), 4);  // the first version, whole
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
      "b", *id, {{1, "00112233445566778899aabbccddeeff"}, {2, "00112233445566778899aabbccddeeff"}}, now_, false));
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
