// The storage contract (storage.hpp), run against both implementations: disk_store on a
// temporary folder and memory_store with none. A behaviour the engine relies on cannot
// hold on one and not the other.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "disk_store.hpp"
#include "memory_store.hpp"
#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {
namespace {

using namespace std::chrono_literals;

struct on_disk {
  std::filesystem::path dir;
  std::unique_ptr<storage> make() {
    dir = std::filesystem::temp_directory_path() / ("dropslot-conf-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    auto d = disk_store::open(dir, std::chrono::sys_seconds{1700000000s});
    EXPECT_TRUE(d);
    return d ? std::unique_ptr<storage>(std::move(*d)) : nullptr;
  }
  ~on_disk() {
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

struct in_memory {
  std::unique_ptr<storage> make() { return std::make_unique<memory_store>(); }
};

template <class Impl>
class StorageConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    s_ = impl_.make();
    ASSERT_TRUE(s_);
    ASSERT_TRUE(s_->create_bucket("b", now_, false));
  }
  void TearDown() override { s_.reset(); }

  result<void> put(const std::string& key, const std::string& data, bool must_not_exist = false) {
    auto t = s_->new_temp();
    if (!t) return fail(t.error());
    if (auto w = t->write(data); !w) return w;
    object_meta m;
    m.key = key;
    m.size = data.size();
    m.etag = "\"" + std::to_string(data.size()) + "\"";
    m.last_modified = now_;
    return s_->commit_object("b", std::move(*t), m, must_not_exist);
  }
  std::string read(const object_reader& r, std::uint64_t off = 0, std::size_t n = 1 << 30) {
    std::string out(std::min<std::uint64_t>(n, r.meta.size - std::min(off, r.meta.size)), '\0');
    std::size_t got = 0;
    while (got < out.size()) {
      auto g = r.body->read_at(off + got, out.data() + got, out.size() - got);
      if (!g || !*g) break;
      got += *g;
    }
    out.resize(got);
    return out;
  }
  std::vector<std::string> keys(const list_result& r) {
    std::vector<std::string> out;
    for (const auto& [k, e] : r.objects) out.push_back(k);
    return out;
  }
  result<void> part(const std::string& id, int n, const std::string& data, const std::string& etag) {
    auto t = s_->new_temp();
    if (!t) return fail(t.error());
    if (auto w = t->write(data); !w) return w;
    object_meta pm;
    pm.key = "mp";
    pm.size = data.size();
    pm.etag = etag;
    return s_->commit_part("b", id, n, std::move(*t), pm);
  }

  Impl impl_;
  std::chrono::sys_seconds now_{1700000000s};
  std::unique_ptr<storage> s_;
};

using Implementations = ::testing::Types<on_disk, in_memory>;
class Names {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, on_disk> ? "disk" : "memory";
  }
};
TYPED_TEST_SUITE(StorageConformance, Implementations, Names);

TYPED_TEST(StorageConformance, ListingWithPrefixDelimiterAndMarkers) {
  auto& s = *this->s_;
  for (auto k : {"a/1", "a/2", "b/1", "c", "d/x/y", "d/z"}) ASSERT_TRUE(this->put(k, "v"));
  auto r = s.list("b", {.delimiter = "/"});
  ASSERT_TRUE(r);
  EXPECT_EQ(this->keys(*r), std::vector<std::string>{"c"});
  EXPECT_EQ(r->common_prefixes, (std::vector<std::string>{"a/", "b/", "d/"}));
  // Pages of 2 over prefixes and keys, resumed from `last`, see each entry once.
  std::vector<std::string> seen;
  list_request req{.delimiter = "/", .max_keys = 2};
  for (int guard = 0; guard < 10; ++guard) {
    auto page = s.list("b", req);
    ASSERT_TRUE(page);
    for (const auto& p : page->common_prefixes) seen.push_back(p);
    for (const auto& k : this->keys(*page)) seen.push_back(k);
    if (!page->truncated) break;
    req.marker = page->last;
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"a/", "b/", "c", "d/"}));
  r = s.list("b", {.prefix = "d/", .delimiter = "/"});
  EXPECT_EQ(this->keys(*r), std::vector<std::string>{"d/z"});
  EXPECT_EQ(r->common_prefixes, std::vector<std::string>{"d/x/"});
  r = s.list("b", {.prefix = "a/", .marker = "a/1"});
  EXPECT_EQ(this->keys(*r), std::vector<std::string>{"a/2"});
  r = s.list("b", {.max_keys = 2});
  EXPECT_EQ(this->keys(*r), (std::vector<std::string>{"a/1", "a/2"}));
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->last, "a/2");
  r = s.list("b", {.max_keys = 0});
  EXPECT_TRUE(r->objects.empty());
  EXPECT_EQ(s.list("nob", {}).error().code, s3_errc::no_such_bucket);
}

TYPED_TEST(StorageConformance, ReplaceIsAtomicAndIfNoneMatchHoldsAtCommit) {
  auto& s = *this->s_;
  ASSERT_TRUE(this->put("k", "old"));
  auto reader = s.open_object("b", "k");  // opened before the replacement
  ASSERT_TRUE(reader);
  ASSERT_TRUE(this->put("k", "newer"));
  EXPECT_EQ(reader->meta.size, 3u);  // the open reader still sees the old version whole
  EXPECT_EQ(this->read(*reader), "old");
  auto r = this->put("k", "x", true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, s3_errc::precondition_failed);
  EXPECT_EQ(s.stat_object("b", "k")->size, 5u);
  auto now = s.open_object("b", "k");
  ASSERT_TRUE(now);
  EXPECT_EQ(this->read(*now, 1, 3), "ewe");  // a range
  EXPECT_EQ(this->read(*now, 5, 3), "");     // at the end
}

TYPED_TEST(StorageConformance, DeleteAndMissing) {
  auto& s = *this->s_;
  ASSERT_TRUE(this->put("k", "v"));
  ASSERT_TRUE(s.delete_object("b", "k"));
  ASSERT_TRUE(s.delete_object("b", "k"));  // absent: still fine
  EXPECT_FALSE(s.stat_object("b", "k"));
  EXPECT_EQ(s.open_object("b", "k").error().code, s3_errc::no_such_key);
  EXPECT_EQ(s.open_object("nob", "k").error().code, s3_errc::no_such_bucket);
}

TYPED_TEST(StorageConformance, MetadataComesBackByteForByte) {
  auto& s = *this->s_;
  auto t = s.new_temp();
  ASSERT_TRUE(t);
  object_meta m;
  m.key = "caf\xc3\xa9";
  m.etag = "\"e\"";
  m.content_encoding = "gzip";
  m.user_meta = {{"utf8", "\xc3\xa9t\xc3\xa9"}, {"latin1", "caf\xe9 \xff\x80"}};
  ASSERT_TRUE(s.commit_object("b", std::move(*t), m, false));
  auto r = s.open_object("b", m.key);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->meta.user_meta, m.user_meta);
  EXPECT_EQ(r->meta.content_encoding, "gzip");
}

TYPED_TEST(StorageConformance, BucketsAndTheirConfiguration) {
  auto& s = *this->s_;
  EXPECT_TRUE(s.bucket_exists("b"));
  EXPECT_EQ(s.create_bucket("b", this->now_, false).error().code, s3_errc::bucket_already_owned_by_you);
  EXPECT_TRUE(s.create_bucket("b", this->now_, true));
  ASSERT_TRUE(s.create_bucket("c", this->now_, false));
  EXPECT_EQ(s.list_buckets().size(), 2u);
  EXPECT_FALSE(*s.get_cors("b"));
  ASSERT_TRUE(s.put_cors("b", "<CORSConfiguration/>"));
  EXPECT_EQ(**s.get_cors("b"), "<CORSConfiguration/>");
  ASSERT_TRUE(s.delete_cors("b"));
  EXPECT_FALSE(*s.get_cors("b"));
  ASSERT_TRUE(this->put("k", "v"));
  EXPECT_EQ(s.delete_bucket("b").error().code, s3_errc::bucket_not_empty);
  ASSERT_TRUE(s.delete_bucket("c"));
  EXPECT_FALSE(s.bucket_exists("c"));
  EXPECT_EQ(s.delete_bucket("c").error().code, s3_errc::no_such_bucket);
}

constexpr const char* etag1 = "\"00112233445566778899aabbccddeeff\"";
constexpr const char* etag2 = "\"ffeeddccbbaa99887766554433221100\"";

TYPED_TEST(StorageConformance, MultipartChecksPartsThenAssembles) {
  auto& s = *this->s_;
  object_meta m;
  m.key = "mp";
  auto id = s.create_upload("b", m, this->now_);
  ASSERT_TRUE(id);
  std::string big(5 * 1024 * 1024, 'p');
  ASSERT_TRUE(this->part(*id, 1, big, etag1));
  ASSERT_TRUE(this->part(*id, 2, "tail", etag2));
  auto listed = s.list_parts("b", *id);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].size, 4u);
  auto uploads = s.list_uploads("b", "m");
  ASSERT_TRUE(uploads);
  EXPECT_EQ(uploads->size(), 1u);
  auto bad = s.complete_upload("b", *id, "mp", {{2, etag2}, {1, "x"}}, this->now_, false);
  EXPECT_EQ(bad.error().code, s3_errc::invalid_part_order);
  bad = s.complete_upload("b", *id, "mp", {{1, etag1}, {2, "\"wrong\""}}, this->now_, false);
  EXPECT_EQ(bad.error().code, s3_errc::invalid_part);
  bad = s.complete_upload("b", *id, "mp", {{1, etag1}, {3, "\"x\""}}, this->now_, false);
  EXPECT_EQ(bad.error().code, s3_errc::invalid_part);
  bad = s.complete_upload("b", *id, "other", {{1, etag1}, {2, etag2}}, this->now_, false);
  EXPECT_EQ(bad.error().code, s3_errc::no_such_upload);
  auto ok = s.complete_upload("b", *id, "mp", {{1, "00112233445566778899aabbccddeeff"}, {2, etag2}}, this->now_, false);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->size, big.size() + 4);
  EXPECT_EQ(ok->parts_count, 2);
  EXPECT_EQ(ok->part_sizes, (std::vector<std::uint64_t>{big.size(), 4}));
  EXPECT_TRUE(ok->etag.ends_with("-2\""));
  EXPECT_EQ(s.upload_meta("b", *id).error().code, s3_errc::no_such_upload);
  EXPECT_TRUE(s.list_uploads("b", "")->empty());
  auto obj = s.open_object("b", "mp");
  ASSERT_TRUE(obj);
  EXPECT_EQ(obj->meta.part_sizes, ok->part_sizes);
  EXPECT_EQ(this->read(*obj, big.size() - 2, 10), "pptail");

  auto small_first = s.create_upload("b", m, this->now_);
  ASSERT_TRUE(small_first);
  ASSERT_TRUE(this->part(*small_first, 1, "small", etag1));
  ASSERT_TRUE(this->part(*small_first, 2, "tail", etag2));
  bad = s.complete_upload("b", *small_first, "mp", {{1, etag1}, {2, etag2}}, this->now_, false);
  EXPECT_EQ(bad.error().code, s3_errc::entity_too_small);
  ASSERT_TRUE(s.abort_upload("b", *small_first));
  EXPECT_EQ(s.upload_meta("b", *small_first).error().code, s3_errc::no_such_upload);
}

// A client whose first answer was lost completes again: the same parts get the same
// object back, unchanged; other parts, or another key, do not.
TYPED_TEST(StorageConformance, RepeatedCompleteAnswersTheSame) {
  auto& s = *this->s_;
  object_meta m;
  m.key = "mp";
  auto id = s.create_upload("b", m, this->now_);
  ASSERT_TRUE(id);
  ASSERT_TRUE(this->part(*id, 1, "only", etag1));
  auto first = s.complete_upload("b", *id, "mp", {{1, etag1}}, this->now_, false);
  ASSERT_TRUE(first) << first.error().message();
  ASSERT_TRUE(this->put("mp", "replaced since"));
  auto again = s.complete_upload("b", *id, "mp", {{1, etag1}}, this->now_ + 5s, false);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->etag, first->etag);
  EXPECT_EQ(again->size, 4u);
  EXPECT_EQ(s.stat_object("b", "mp")->size, 14u);  // nothing assembled twice
  EXPECT_EQ(s.complete_upload("b", *id, "mp", {{1, etag2}}, this->now_, false).error().code, s3_errc::no_such_upload);
  EXPECT_EQ(s.complete_upload("b", *id, "other", {{1, etag1}}, this->now_, false).error().code,
            s3_errc::no_such_upload);
}

}  // namespace
}  // namespace dropslot::store
