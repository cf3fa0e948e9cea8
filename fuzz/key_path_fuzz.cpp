// Target 7: the key-to-path mapper (store/key_path.hpp), and the disk store that uses
// it. Whatever the key holds (`..`, `\`, NUL, `%2e%2e`, a leading '/', 1,024 bytes of
// anything), the result never escapes the root:
//   - key_relative_path is "xx/yy/<64 hex>" and stays inside objects/ lexically;
//   - a real disk_store (in a scratch folder under /dev/shm or TMPDIR) commits, stats,
//     reads and deletes the object under that key; its metadata comes back with the
//     key byte for byte; and after every input the scratch folder's top levels are
//     read to prove that nothing was ever created beside the store's root;
//   - meta_to_json / meta_from_json round-trip a key and metadata of any bytes.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "disk_store.hpp"
#include "fuzz_check.hpp"
#include "key_path.hpp"
#include "object_meta.hpp"

using namespace dropslot;
namespace fs = std::filesystem;

namespace {

struct scratch {
  fs::path parent, root;
  std::unique_ptr<store::disk_store> disk;
  scratch() {
    const char* base = std::getenv("DROPSLOT_FUZZ_TMP");
    fs::path dir = base ? fs::path(base) : fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    parent = dir / ("dropslot-key-path-fuzz-" + std::to_string(::getpid()));
    fs::remove_all(parent);
    root = parent / "root";
    fs::create_directories(root);
    auto d = store::disk_store::open(root, std::chrono::sys_seconds(std::chrono::seconds(1700000000)));
    FUZZ_CHECK(d.has_value());
    disk = std::move(*d);
    FUZZ_CHECK(disk->create_bucket("fuzz", std::chrono::sys_seconds(std::chrono::seconds(1700000000)), true).has_value());
    std::atexit([] { fs::remove_all(instance().parent); });
  }
  static scratch& instance() {
    static scratch s;
    return s;
  }
};

bool hex_or_slash(const std::string& s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '/')) return false;
  return true;
}

void check_nothing_outside(const scratch& s) {
  // The parent holds the root and nothing else; the root only the store's layout, and
  // buckets/ only the one bucket. Everything deeper lies under one of those by
  // construction, so the top levels are the whole check. (A recursive walk was: the
  // xx/yy/ folders left by deleted objects grow to 65,536, and walking them took over
  // libFuzzer's 10 s per input on a loaded machine.)
  for (const auto& e : fs::directory_iterator(s.parent)) FUZZ_CHECK(e.path() == s.root);
  for (const auto& e : fs::directory_iterator(s.root)) {
    const std::string name = e.path().filename().string();
    FUZZ_CHECK(name == ".tmp" || name == "buckets");
  }
  for (const auto& e : fs::directory_iterator(s.root / "buckets")) FUZZ_CHECK(e.path().filename() == "fuzz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::string key = in.ConsumeRandomLengthString(1100);
  if (in.ConsumeBool()) key = "../" + key;

  const std::string rel = store::key_relative_path(key);
  FUZZ_CHECK(rel.size() == 70 && rel[2] == '/' && rel[5] == '/' && hex_or_slash(rel));
  const fs::path objects = fs::path("/data/buckets/b/objects");
  const fs::path full = (objects / rel).lexically_normal();
  FUZZ_CHECK(full.string().starts_with(objects.string() + "/"));
  FUZZ_CHECK(store::key_relative_path(key) == rel);  // a pure function of the key

  store::object_meta meta;
  meta.key = key;
  meta.content_type = in.ConsumeRandomLengthString(32);
  meta.user_meta.emplace_back(in.ConsumeRandomLengthString(16), in.ConsumeRandomLengthString(32));
  meta.etag = "\"d41d8cd98f00b204e9800998ecf8427e\"";
  auto json = store::meta_from_json(store::meta_to_json(meta));
  FUZZ_CHECK(json.has_value());
  FUZZ_CHECK(json->key == key && json->content_type == meta.content_type && json->user_meta == meta.user_meta);

  if (key.size() > 1024) return 0;  // the store refuses such keys before they get here
  scratch& s = scratch::instance();
  const std::string body = in.ConsumeRandomLengthString(64);
  auto temp = s.disk->new_temp();
  FUZZ_CHECK(temp.has_value());
  FUZZ_CHECK(temp->write(body).has_value());
  meta.size = body.size();
  FUZZ_CHECK(s.disk->commit_object("fuzz", std::move(*temp), meta, false).has_value());
  auto st = s.disk->stat_object("fuzz", key);
  FUZZ_CHECK(st.has_value());
  FUZZ_CHECK(s.disk->open_object("fuzz", key).has_value());
  FUZZ_CHECK(s.disk->delete_object("fuzz", key).has_value());
  FUZZ_CHECK(!s.disk->stat_object("fuzz", key).has_value());

  // After every input: an escape made by one key is caught by that key's input.
  check_nothing_outside(s);
  return 0;
}
