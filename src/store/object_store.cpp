#include "dropslot/store/object_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <openssl/rand.h>
#include <sstream>

#include "addressing.hpp"
#include "disk_store.hpp"
#include "engine.hpp"
#include "md5.hpp"
#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {

object_store::object_store(std::unique_ptr<store_engine> engine) : engine_(std::move(engine)) {}
object_store::~object_store() = default;

result<std::shared_ptr<object_store>> object_store::open(store_config config) {
  if (config.key.id.empty() || config.key.secret.empty())
    return fail(s3_errc::invalid_argument, "the store needs an access key");
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(config.now());
  auto disk = disk_store::open(config.data_dir, now);
  if (!disk) return fail(disk.error());
  auto engine = std::make_unique<store_engine>(std::move(config), std::move(*disk));
  (void)md5_digest::automatic_choice();  // measured now, not on the first PUT
  return std::shared_ptr<object_store>(new object_store(std::move(engine)));
}

std::string object_store::md5_engine_summary() {
  const auto& c = md5_digest::automatic_choice();
  char buf[128];
  if (c.avx512_mb_s > 0)
    std::snprintf(buf, sizeof buf, "%s (avx512 %.0f MB/s, openssl %.0f MB/s on a 16 KiB probe; %.2f ms)",
                  c.chosen == md5_digest::engine::avx512 ? "avx512" : "openssl", c.avx512_mb_s, c.openssl_mb_s,
                  c.probe_ms);
  else
    std::snprintf(buf, sizeof buf, "openssl (%.0f MB/s on a 16 KiB probe; no AVX-512VL)", c.openssl_mb_s);
  return buf;
}

result<void> object_store::ensure_bucket(std::string_view name) {
  if (!valid_bucket_name(name)) return fail(s3_errc::invalid_bucket_name, std::string(name));
  return engine_->backend().create_bucket(name, engine_->now(), true);
}

result<void> object_store::put_bucket_cors(std::string_view bucket, std::vector<cors_rule> rules) {
  if (auto r = engine_->backend().put_cors(bucket, cors_to_xml(rules)); !r) return r;
  engine_->set_cors_cache(bucket, std::move(rules));
  return {};
}

const store_config& object_store::config() const { return engine_->config(); }
store_engine& object_store::engine() { return *engine_; }

namespace {

// `n` characters of `alphabet` (at most 256 long), each uniform: bytes from OpenSSL's
// CSPRNG (RAND_bytes, as db/tokens.cpp draws session tokens), those past the largest
// multiple of the alphabet's size drawn again so that no character is likelier.
result<std::string> random_text(std::size_t n, std::string_view alphabet) {
  const unsigned limit = 256 - 256 % static_cast<unsigned>(alphabet.size());
  std::string out;
  unsigned char buf[64];
  while (out.size() < n) {
    if (RAND_bytes(buf, sizeof buf) != 1) return fail(s3_errc::internal_error, "RAND_bytes failed");
    for (unsigned char b : buf)
      if (b < limit && out.size() < n) out += alphabet[b % alphabet.size()];
  }
  return out;
}

}  // namespace

result<access_key> load_or_create_access_key(const std::filesystem::path& data_dir, const char* env_id,
                                             const char* env_secret, bool* created) {
  if (created) *created = false;
  if (env_id && *env_id && env_secret && *env_secret) return access_key{env_id, env_secret};
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return fail(s3_errc::internal_error, "create " + data_dir.string() + ": " + ec.message());
  auto path = data_dir / "credentials";
  if (std::ifstream in{path}) {
    std::stringstream s;
    s << in.rdbuf();
    boost::system::error_code jec;
    auto v = boost::json::parse(s.str(), jec);
    if (jec || !v.is_object()) return fail(s3_errc::internal_error, path.string() + " is not valid JSON");
    const auto& o = v.as_object();
    auto* id = o.if_contains("access_key_id");
    auto* secret = o.if_contains("secret_access_key");
    if (!id || !secret || !id->is_string() || !secret->is_string())
      return fail(s3_errc::internal_error, path.string() + " lacks access_key_id/secret_access_key");
    return access_key{std::string(id->as_string()), std::string(secret->as_string())};
  }
  auto id = random_text(18, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
  auto secret = random_text(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
  if (!id || !secret) return fail(s3_errc::internal_error, "no random bytes for the access key");
  access_key k{"DS" + *id, *secret};
  boost::json::object o;
  o["access_key_id"] = k.id;
  o["secret_access_key"] = k.secret;
  std::string text = boost::json::serialize(o) + "\n";
  // O_EXCL with mode 0600: the secret is never readable by others, not even briefly.
  auto tmp = data_dir / ".credentials.tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(s3_errc::internal_error, "create " + tmp.string());
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return fail(s3_errc::internal_error, "write " + path.string());
  }
  if (created) *created = true;
  return k;
}

}  // namespace dropslot::store
