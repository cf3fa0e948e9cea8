// temp_file's two write paths: O_DIRECT for aligned pieces (ext4 under the system temp
// folder) and buffered writes (a tail, unaligned memory, or a filesystem that refuses
// O_DIRECT), switched in the middle of a body. Each case runs on the system temp folder
// and on /dev/shm (tmpfs) when present; the committed object must read back byte for byte.
// (tmpfs accepts O_DIRECT since Linux 6.6; on older kernels its case is the refused one.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>

#include "disk_store.hpp"

namespace dropslot::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct aligned_free {
  void operator()(char* p) const { std::free(p); }
};

class TempFile : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    fs::path base = GetParam() == "tmpfs" ? fs::path("/dev/shm") : fs::temp_directory_path();
    if (!fs::is_directory(base)) GTEST_SKIP() << base << " missing";
    dir_ = base / ("dropslot-temp-file-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    auto d = disk_store::open(dir_, now_);
    ASSERT_TRUE(d);
    disk_ = std::move(*d);
    ASSERT_TRUE(disk_->create_bucket("b", now_, false));
    // 4 MiB + 1 page of random bytes, 4096-aligned.
    buf_.reset(static_cast<char*>(std::aligned_alloc(temp_file::direct_alignment, size_)));
    std::mt19937 rng(7);
    for (std::size_t i = 0; i < size_; ++i) buf_.get()[i] = static_cast<char>(rng());
  }
  void TearDown() override {
    disk_.reset();
    fs::remove_all(dir_);
  }
  // Commits `t` as key "k" and returns the object's bytes.
  std::string commit_and_read(temp_object t) {
    object_meta m;
    m.key = "k";
    m.size = t.size();
    m.etag = "\"e\"";
    m.last_modified = now_;
    EXPECT_TRUE(disk_->commit_object("b", std::move(t), m, false));
    auto obj = disk_->open_object("b", "k");
    EXPECT_TRUE(obj);
    if (!obj) return {};
    EXPECT_EQ(obj->meta.size, m.size);
    std::string out(obj->meta.size, '\0');
    auto got = obj->body->read_at(0, out.data(), out.size());
    EXPECT_TRUE(got && *got == out.size());
    return out;
  }
  std::string_view bytes(std::size_t off, std::size_t n) const { return {buf_.get() + off, n}; }

  static constexpr std::size_t size_ = 4 * 1024 * 1024 + 4096;
  fs::path dir_;
  std::chrono::sys_seconds now_{std::chrono::seconds{1700000000}};
  std::unique_ptr<disk_store> disk_;
  std::unique_ptr<char, aligned_free> buf_;
};

TEST_P(TempFile, AlignedBlocksThenTail) {
  auto t = disk_->new_temp();
  ASSERT_TRUE(t);
  const bool direct = t->enable_direct();
  if (GetParam() == "disk") {
    EXPECT_TRUE(direct) << "ext4 accepts O_DIRECT";
  }
  ASSERT_TRUE(t->write(bytes(0, 1 << 20)));
  ASSERT_TRUE(t->write(bytes(1 << 20, 2 << 20)));
  EXPECT_EQ(t->direct(), direct);  // still aligned: still direct
  ASSERT_TRUE(t->write(bytes(3 << 20, 1000)));
  EXPECT_FALSE(t->direct());  // the tail ended direct mode
  EXPECT_EQ(commit_and_read(std::move(*t)), std::string(bytes(0, (3 << 20) + 1000)));
}

TEST_P(TempFile, UnalignedLengthWritesItsAlignedPrefixDirect) {
  auto t = disk_->new_temp();
  ASSERT_TRUE(t);
  t->enable_direct();
  ASSERT_TRUE(t->write(bytes(0, 3 * 4096 + 17)));
  EXPECT_FALSE(t->direct());
  ASSERT_TRUE(t->write(bytes(3 * 4096 + 17, 1 << 20)));  // buffered from here on
  EXPECT_EQ(commit_and_read(std::move(*t)), std::string(bytes(0, 3 * 4096 + 17 + (1 << 20))));
}

TEST_P(TempFile, UnalignedMemoryFallsBackToBuffered) {
  auto t = disk_->new_temp();
  ASSERT_TRUE(t);
  t->enable_direct();
  ASSERT_TRUE(t->write(bytes(1, 2 * 4096)));
  EXPECT_FALSE(t->direct());
  EXPECT_EQ(commit_and_read(std::move(*t)), std::string(bytes(1, 2 * 4096)));
}

TEST_P(TempFile, EmptyBodyAndBufferedOnly) {
  auto t = disk_->new_temp();
  ASSERT_TRUE(t);
  t->enable_direct();
  EXPECT_EQ(commit_and_read(std::move(*t)), "");
  auto u = disk_->new_temp();
  ASSERT_TRUE(u);
  ASSERT_TRUE(u->write(bytes(0, size_)));  // never asked for direct
  EXPECT_EQ(commit_and_read(std::move(*u)), std::string(bytes(0, size_)));
}

TEST_P(TempFile, DroppedWithoutCommitLeavesNothing) {
  {
    auto t = disk_->new_temp();
    ASSERT_TRUE(t);
    t->enable_direct();
    ASSERT_TRUE(t->write(bytes(0, 1 << 20)));
  }
  EXPECT_TRUE(fs::is_empty(dir_ / ".tmp"));
}

INSTANTIATE_TEST_SUITE_P(Filesystems, TempFile, ::testing::Values("disk", "tmpfs"));

}  // namespace
}  // namespace dropslot::store
