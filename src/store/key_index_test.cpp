// The on-disk key index: S3 order over awkward bytes, upsert and erase, every listing case
// against a reference (the listing the store used to compute over a std::map, run on the
// same random keys), a new unnamed file per index with its one-transaction load, and
// bounded memory.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "key_index.hpp"

namespace dropslot::store {

bool operator==(const index_entry& a, const index_entry& b) {
  return a.size == b.size && a.etag == b.etag && a.last_modified == b.last_modified;
}

// For readable failures: a listing as [key][key]<prefix/> truncated last="…".
void PrintTo(const list_result& r, std::ostream* os) {
  for (const auto& [k, e] : r.objects) *os << '[' << ::testing::PrintToString(k) << ']';
  for (const auto& p : r.common_prefixes) *os << "<" << ::testing::PrintToString(p) << ">";
  *os << (r.truncated ? " truncated" : "") << " last=" << ::testing::PrintToString(r.last);
}

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using reference_map = std::map<std::string, index_entry>;

// MemoryStaysBoundedAsKeysGrow reads SQLite's heap accounting, which the store turns
// off for speed (util::configure_sqlite_once) before its first open. In this test
// binary it is turned on, and SQLite initialized, before any test runs, so that
// later call changes nothing.
const bool sqlite_memory_statistics_on = [] {
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 1);
  return sqlite3_initialize() == SQLITE_OK;
}();

bool same(const list_result& a, const list_result& b) {
  return a.objects == b.objects && a.common_prefixes == b.common_prefixes && a.truncated == b.truncated &&
         a.last == b.last;
}

// The listing of ListObjects by definition, the plain way: walk every key in order.
list_result reference_list(const reference_map& keys, const list_request& req) {
  list_result out;
  if (req.max_keys <= 0) return out;
  int count = 0;
  for (const auto& [key, entry] : keys) {
    if (!key.starts_with(req.prefix) || (!req.marker.empty() && key <= req.marker)) continue;
    std::string common;
    if (!req.delimiter.empty())
      if (auto d = key.find(req.delimiter, req.prefix.size()); d != std::string::npos)
        common = key.substr(0, d + req.delimiter.size());
    if (!common.empty() &&
        (common <= req.marker || (!out.common_prefixes.empty() && out.common_prefixes.back() == common)))
      continue;
    if (count == req.max_keys) {
      out.truncated = true;
      break;
    }
    ++count;
    if (common.empty()) out.objects.emplace_back(key, entry);
    else out.common_prefixes.push_back(common);
    out.last = common.empty() ? key : common;
  }
  return out;
}

index_entry entry_for(const std::string& key) {
  std::string etag = std::to_string(key.size());
  return {key.size() * 7, etag.insert(0, 1, '"') + '"', std::chrono::sys_seconds{1700000000s}};
}

class KeyIndex : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dropslot-index-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto i = key_index::create(dir_);
    ASSERT_TRUE(i) << i.error().message();
    index_ = std::move(*i);
  }
  void TearDown() override {
    index_.reset();
    fs::remove_all(dir_);
  }
  void put_all(const std::vector<std::string>& keys) {
    for (const auto& k : keys) {
      ASSERT_TRUE(index_->put(k, entry_for(k)));
      ref_[k] = entry_for(k);
    }
  }
  list_result list(const list_request& req) {
    auto r = index_->list(req);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : list_result{};
  }
  std::vector<std::string> keys(const list_result& r) {
    std::vector<std::string> out;
    for (const auto& [k, e] : r.objects) out.push_back(k);
    return out;
  }

  fs::path dir_;
  std::unique_ptr<key_index> index_;
  reference_map ref_;
};

TEST_F(KeyIndex, OrdersKeysBytewiseAsS3Does) {
  // Bytewise: '/' (0x2F) < '0' < 'A' < 'a' < 'é' (0xC3 0xA9) < '中' (0xE4…) < 😀 (0xF0…) < 0xFF;
  // a key sorts before its extensions, and a NUL byte sorts before every other byte.
  std::vector<std::string> want = {"a",          std::string("a\0b", 3), "a/",  "a//",         "a//b",
                                   "a/b",        "a0",                   "aA",  "aa",          "a\xc3\xa9",
                                   "a\xe4\xb8\xad", "a\xf0\x9f\x98\x80",  "a\xff", "a\xff\xff", "b"};
  std::vector<std::string> shuffled = want;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  put_all(shuffled);
  EXPECT_EQ(keys(list({})), want);
  // The empty key is a key like any other to the index (S3 refuses it before it gets here).
  put_all({""});
  EXPECT_EQ(list({}).objects.front().first, "");
}

TEST_F(KeyIndex, PutReplacesEraseRemovesFindReadsBack) {
  EXPECT_TRUE(*index_->empty());
  EXPECT_FALSE(index_->find("k")->has_value());
  index_entry first{3, "\"abc\"", std::chrono::sys_seconds{1000s}};
  index_entry second{5, "\"def-2\"", std::chrono::sys_seconds{2000s}};
  ASSERT_TRUE(index_->put("k", first));
  EXPECT_EQ(**index_->find("k"), first);
  EXPECT_FALSE(*index_->empty());
  ASSERT_TRUE(index_->put("k", second));
  EXPECT_EQ(**index_->find("k"), second);
  EXPECT_EQ(list({}).objects.size(), 1u);
  // Keys differing only past a NUL byte, or by a trailing 0xFF, are distinct.
  ASSERT_TRUE(index_->put(std::string("k\0x", 3), first));
  ASSERT_TRUE(index_->put("k\xff", first));
  EXPECT_EQ(**index_->find("k"), second);
  ASSERT_TRUE(index_->erase("k"));
  EXPECT_FALSE(index_->find("k")->has_value());
  EXPECT_TRUE(index_->find(std::string("k\0x", 3))->has_value());
  ASSERT_TRUE(index_->erase("never there"));
  ASSERT_TRUE(index_->erase(std::string("k\0x", 3)));
  ASSERT_TRUE(index_->erase("k\xff"));
  EXPECT_TRUE(*index_->empty());
}

TEST_F(KeyIndex, ListsWithPrefixDelimiterMarkerAndPages) {
  put_all({"a/1", "a/2", "b/1", "c", "d/x/y", "d/z"});
  auto r = list({.delimiter = "/"});
  EXPECT_EQ(keys(r), std::vector<std::string>{"c"});
  EXPECT_EQ(r.common_prefixes, (std::vector<std::string>{"a/", "b/", "d/"}));
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.last, "d/");
  r = list({.prefix = "d/", .delimiter = "/"});
  EXPECT_EQ(keys(r), std::vector<std::string>{"d/z"});
  EXPECT_EQ(r.common_prefixes, std::vector<std::string>{"d/x/"});
  r = list({.prefix = "a/", .marker = "a/1"});
  EXPECT_EQ(keys(r), std::vector<std::string>{"a/2"});
  // A marker inside a common prefix: that prefix was reported on the page before.
  r = list({.marker = "a/1", .delimiter = "/"});
  EXPECT_EQ(r.common_prefixes, (std::vector<std::string>{"b/", "d/"}));
  r = list({.delimiter = "/", .max_keys = 2});
  EXPECT_EQ(r.common_prefixes, (std::vector<std::string>{"a/", "b/"}));
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.last, "b/");
  r = list({.marker = r.last, .delimiter = "/", .max_keys = 2});
  EXPECT_EQ(keys(r), std::vector<std::string>{"c"});
  EXPECT_EQ(r.common_prefixes, std::vector<std::string>{"d/"});
  EXPECT_FALSE(r.truncated);  // exactly max_keys left: not truncated
  EXPECT_TRUE(list({.max_keys = 0}).objects.empty());
  EXPECT_TRUE(list({.prefix = "zz"}).objects.empty());
  EXPECT_TRUE(list({.marker = "z"}).objects.empty());
  // A key equal to the marker is not "after" it, even when it is also the prefix.
  put_all({"p", "p/q"});
  r = list({.prefix = "p", .marker = "p"});
  EXPECT_EQ(keys(r), std::vector<std::string>{"p/q"});
}

TEST_F(KeyIndex, SeeksPastPrefixesEndingInFF) {
  // The prefix after "a\xff" (delimiter 0xFF) is "b": the carry must drop the 0xFF bytes.
  put_all({"a\xff\xff", "a\xff" "1", "a\xff\xff" "2", "a\xfe", "b\xff", "\xff\xff", "\xff\xff\xff" "x"});
  for (std::string delim : {"\xff", "\xff\xff", "1"}) {
    for (int max : {1, 2, 1000}) {
      list_request req{.delimiter = delim, .max_keys = max};
      for (int page = 0; page < 20; ++page) {
        auto got = list(req);
        auto want = reference_list(ref_, req);
        ASSERT_PRED2(same, got, want) << "delimiter " << ::testing::PrintToString(delim) << " max " << max;
        if (!got.truncated) break;
        req.marker = got.last;
      }
    }
  }
}

// Random keys over a small alphabet that makes delimiters, shared prefixes, NUL, 0xFF,
// UTF-8 and empty segments ("a//b") frequent; random requests; reference vs index.
TEST_F(KeyIndex, EveryListingMatchesTheReference) {
  std::mt19937 rng(20261129);
  const std::vector<std::string> alphabet = {"a", "b", "/", "//", "\xc3\xa9", "\xff", std::string(1, '\0'), "-"};
  auto random_string = [&](int max_len) {
    std::string s;
    int n = std::uniform_int_distribution<int>(0, max_len)(rng);
    for (int i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
    return s;
  };
  std::vector<std::string> all;
  for (int i = 0; i < 600; ++i) {
    std::string k = random_string(6);
    if (k.empty()) continue;
    all.push_back(k);
  }
  put_all(all);
  // Erase a third, overwrite a third: the index must follow.
  for (std::size_t i = 0; i < all.size(); i += 3) {
    ASSERT_TRUE(index_->erase(all[i]));
    ref_.erase(all[i]);
  }
  for (std::size_t i = 1; i < all.size(); i += 3) {
    index_entry e{i, "\"v2\"", std::chrono::sys_seconds{2000s}};
    ASSERT_TRUE(index_->put(all[i], e));
    ref_[all[i]] = e;
  }
  const std::vector<std::string> delimiters = {"", "/", "//", "\xff", "a", "b/", "\xc3\xa9"};
  auto pick_bound = [&]() -> std::string {
    switch (rng() % 4) {
      case 0: return "";
      case 1: return all[rng() % all.size()];                    // a key, maybe erased
      case 2: return all[rng() % all.size()].substr(0, rng() % 4);  // a key's prefix
      default: return random_string(3);
    }
  };
  int cases = 0;
  for (int i = 0; i < 4000; ++i) {
    list_request req{.prefix = pick_bound(), .marker = pick_bound(), .delimiter = delimiters[rng() % delimiters.size()],
                     .max_keys = std::vector<int>{1, 2, 3, 7, 1000}[rng() % 5]};
    if (rng() % 3 == 0) {
      // A marker inside a common prefix, or equal to one: the continuation case.
      req.marker = req.prefix + pick_bound() + req.delimiter;
    }
    auto want = reference_list(ref_, req);
    auto got = list(req);
    ASSERT_PRED2(same, got, want) << "prefix " << ::testing::PrintToString(req.prefix) << " marker "
                                  << ::testing::PrintToString(req.marker) << " delimiter "
                                  << ::testing::PrintToString(req.delimiter) << " max " << req.max_keys;
    cases += !want.objects.empty() + !want.common_prefixes.empty() + want.truncated;
  }
  EXPECT_GT(cases, 2000);  // the random requests did reach keys, prefixes and truncation
  // Paging by `last` through everything sees each entry once, in order, as one big page.
  for (const auto& delim : delimiters) {
    list_request req{.delimiter = delim, .max_keys = 5};
    list_result joined;
    for (int guard = 0; guard < 1000; ++guard) {
      auto page = list(req);
      joined.objects.insert(joined.objects.end(), page.objects.begin(), page.objects.end());
      joined.common_prefixes.insert(joined.common_prefixes.end(), page.common_prefixes.begin(),
                                    page.common_prefixes.end());
      if (!page.truncated) break;
      req.marker = page.last;
    }
    auto whole = reference_list(ref_, {.delimiter = delim, .max_keys = 1 << 30});
    EXPECT_EQ(joined.objects, whole.objects) << ::testing::PrintToString(delim);
    EXPECT_EQ(joined.common_prefixes, whole.common_prefixes) << ::testing::PrintToString(delim);
  }
}

TEST_F(KeyIndex, EachIndexIsNewUnnamedAndBatchLoadsInOneTransaction) {
  put_all({"old/1", "old/2"});
  // The file has no name: nothing in the folder, nothing left to read by a later run.
  EXPECT_TRUE(fs::is_empty(dir_));
  auto fresh = key_index::create(dir_);
  ASSERT_TRUE(fresh) << fresh.error().message();
  EXPECT_TRUE(*(*fresh)->empty());
  EXPECT_FALSE(*index_->empty());  // two indexes side by side do not share anything
  index_ = std::move(*fresh);
  {
    auto batch = index_->begin_batch();
    ASSERT_TRUE(batch);
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(batch->put("new/" + std::to_string(i), entry_for("x")));
    ASSERT_TRUE(batch->commit());
  }
  EXPECT_EQ(list({.prefix = "new/", .max_keys = 5000}).objects.size(), 1000u);
  {
    // Dropped without commit: nothing of it stays.
    auto batch = index_->begin_batch();
    ASSERT_TRUE(batch);
    ASSERT_TRUE(batch->put("rolled/back", entry_for("x")));
  }
  EXPECT_FALSE(index_->find("rolled/back")->has_value());
  EXPECT_TRUE(index_->find("new/999")->has_value());
  EXPECT_FALSE(key_index::create(dir_ / "missing"));  // an error, not a crash
  EXPECT_TRUE(fs::is_empty(dir_));
}

std::string writer_key(int writer, int k) {
  char key[32];
  std::snprintf(key, sizeof key, "w%d/%d", writer, k);
  return key;
}

TEST_F(KeyIndex, ConcurrentCallersShareOneIndex) {
  // Writers on their own keys, readers finding and listing meanwhile; a batch takes
  // its turn. Every call succeeds and the end state is every writer's last word.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int w = 0; w < 4; ++w)
    threads.emplace_back([&, w] {
      for (int i = 0; i < 300; ++i) {
        std::string key = writer_key(w, i % 50);
        bool ok = (i % 7 == 6) ? bool(index_->erase(key)) : bool(index_->put(key, entry_for(key)));
        ok = ok && index_->find(key) && index_->list({.prefix = "w", .delimiter = "/", .max_keys = 3});
        if (!ok) ++failures;
      }
    });
  threads.emplace_back([&] {
    auto batch = index_->begin_batch();
    if (!batch || !batch->put("batch/1", entry_for("b")) || !batch->commit()) ++failures;
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  // i runs to 299: keys i % 50 were last touched at i = 250..299; erased where i % 7 == 6.
  for (int w = 0; w < 4; ++w)
    for (int k = 0; k < 50; ++k) {
      int last = 250 + k;
      std::string key = writer_key(w, k);
      EXPECT_EQ(index_->find(key)->has_value(), last % 7 != 6) << key;
    }
  EXPECT_TRUE(index_->find("batch/1")->has_value());
}

TEST_F(KeyIndex, MemoryStaysBoundedAsKeysGrow) {
  // SQLite's own heap accounting (every connection in this process: this one).
  auto used = [] {
    sqlite3_int64 now = 0, high = 0;
    sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &now, &high, 0);
    return now;
  };
  std::int64_t after_1k = 0;
  for (int i = 0; i < 100'000; ++i) {
    char key[64];
    std::snprintf(key, sizeof key, "jobs/J%05d/photo-%03d.jpg", i % 997, i);
    ASSERT_TRUE(index_->put(key, entry_for(key)));
    if (i == 1000) after_1k = used();
  }
  auto one_job = index_->list({.prefix = "jobs/J00500/", .max_keys = 1000});
  ASSERT_TRUE(one_job);
  EXPECT_EQ(one_job->objects.size(), 100u);  // every key is there, in the file
  std::int64_t after_100k = used();
  ASSERT_TRUE(sqlite_memory_statistics_on);
  ASSERT_GT(after_1k, 0) << "SQLite's memory statistics are off";
  // 100,000 keys are ~10 MiB as rows; the cache bound (2 MiB) plus SQLite's fixed costs
  // must hold them all the same.
  EXPECT_LT(after_100k, 4 * 1024 * 1024) << "after 1k keys: " << after_1k;
}

}  // namespace
}  // namespace dropslot::store
