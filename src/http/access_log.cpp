#include "dropslot/http/access_log.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <dropslot/util/codec.hpp>
#include <dropslot/util/redact.hpp>
#include <dropslot/util/stdout_line.hpp>

#include <cstdio>
#include <array>
#include <random>
#include <span>

namespace dropslot::http {

namespace {

std::function<void(std::string_view)>& sink() {
  static std::function<void(std::string_view)> s = util::write_stdout_line;
  return s;
}

}  // namespace

std::string format_access_record(const access_record& r) {
  // Built in a stack buffer: the log runs once per request on the io threads, and
  // heap-allocating each member cost more than the rest of the line
  // (docs/benchmarks/http.md).
  unsigned char scratch[2048];
  boost::json::monotonic_resource mr(scratch, sizeof scratch);
  boost::json::object o(&mr);
  o.reserve(8);
  o.emplace("type", "access");
  o.emplace("method", r.method);
  std::string redacted;  // stays empty (no allocation) unless the path holds a share token
  o.emplace("path", util::loggable_path(r.path, redacted));
  o.emplace("status", r.status);
  o.emplace("bytes", r.bytes);
  o.emplace("duration_us", r.duration.count());
  o.emplace("request_id", r.request_id);
  o.emplace("remote", r.remote_address);
  return boost::json::serialize(o);
}

void write_access_log(const access_record& r) {
  auto& s = sink();
  if (!s) return;
  std::string line = format_access_record(r);
  line.push_back('\n');
  s(line);
}

void set_access_log_sink(std::function<void(std::string_view line)> s) { sink() = std::move(s); }

std::string new_request_id() {
  // Not a secret, so a per-thread PRNG seeded once from the OS is enough and keeps
  // the hot path free of syscalls and locks.
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }()};
  std::uint64_t v = rng();
  std::array<std::uint8_t, 8> bytes{};
  for (auto& b : bytes) {
    b = static_cast<std::uint8_t>(v >> 56);
    v <<= 8;
  }
  return util::hex_encode(std::span<const std::uint8_t>(bytes));
}

}  // namespace dropslot::http
