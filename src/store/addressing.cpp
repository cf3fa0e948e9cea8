#include "addressing.hpp"

#include <cstdint>

#include "dropslot/http/message.hpp"
#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {

namespace {

// Path segments are decoded once; '+' stays '+' (it is only a space in a query).
std::string decode_path(std::string_view s) { return util::percent_decode_lenient(s); }

std::string lower_host(std::string_view host) {
  // Strip the port; an IPv6 literal keeps its brackets.
  if (!host.empty() && host.front() == '[') {
    auto end = host.find(']');
    host = host.substr(0, end == std::string_view::npos ? host.size() : end + 1);
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string out(host);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

bool valid_bucket_name(std::string_view n) {
  if (n.size() < 3 || n.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(n.front()) || !alnum(n.back())) return false;
  int dots = 0;
  bool all_digits_dots = true;
  for (std::size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    if (!(alnum(c) || c == '.' || c == '-')) return false;
    if (c == '.') {
      ++dots;
      if (i && n[i - 1] == '.') return false;
    } else if (!(c >= '0' && c <= '9')) {
      all_digits_dots = false;
    }
  }
  if (dots == 3 && all_digits_dots) return false;  // looks like an IPv4 address
  return true;
}

result<bucket_key> split_target(std::string_view host, std::string_view raw_path,
                                const std::vector<std::string>& endpoint_hosts) {
  if (raw_path.empty() || raw_path.front() != '/')
    return fail(s3_errc::invalid_argument, "request target must be an absolute path");
  bucket_key out;
  std::string h = lower_host(host);
  auto try_suffix = [&](std::string_view endpoint) {
    if (endpoint.empty() || h.size() <= endpoint.size() + 1) return false;
    if (h.compare(h.size() - endpoint.size(), endpoint.size(), endpoint) != 0) return false;
    if (h[h.size() - endpoint.size() - 1] != '.') return false;
    out.bucket = h.substr(0, h.size() - endpoint.size() - 1);
    out.virtual_hosted = true;
    return true;
  };
  bool vhost = try_suffix("localhost");
  for (const auto& e : endpoint_hosts)
    if (!vhost) vhost = try_suffix(lower_host(e));

  std::string_view rest = raw_path.substr(1);
  if (!vhost) {
    auto slash = rest.find('/');
    out.bucket = decode_path(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  out.key = decode_path(rest);
  if (out.key.size() > 1024) return fail(s3_errc::key_too_long, "key longer than 1024 bytes");
  // The key reaches XML listings and JSON metadata, which are UTF-8; S3 refuses others too.
  if (!valid_utf8(out.key)) return fail(s3_errc::invalid_argument, "Object key is not valid UTF-8");
  return out;
}

}  // namespace dropslot::store
