#include "dropslot/s3/endpoint.hpp"

#include <fmt/format.h>

#include "dropslot/s3/error.hpp"
#include "dropslot/sigv4/signer.hpp"

namespace dropslot::s3 {

std::string bucket_endpoint::object_path(std::string_view key) const {
  std::string p = path_style ? "/" + bucket + "/" : "/";
  p += sigv4::uri_encode(key, true);
  return p;
}

std::string bucket_endpoint::bucket_path() const { return path_style ? "/" + bucket : "/"; }

namespace {
// S3's bucket naming rules, the part that matters for addressing: 3..63 of
// [a-z0-9.-], starting and ending with a letter or digit.
bool valid_bucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return alnum(b.front()) && alnum(b.back());
}
bool valid_region(std::string_view r) {
  if (r.empty() || r.size() > 32) return false;
  for (char c : r)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}
}  // namespace

result<bucket_endpoint> make_bucket_endpoint(std::string_view endpoint_url, std::string_view bucket,
                                             std::string_view region, bool path_style) {
  if (!valid_bucket(bucket)) return fail(s3_errc::invalid_argument, fmt::format("invalid bucket name \"{}\"", bucket));
  if (!valid_region(region)) return fail(s3_errc::invalid_argument, "invalid region");
  bucket_endpoint e;
  e.bucket = std::string(bucket);
  e.region = std::string(region);
  if (endpoint_url.empty()) {
    e.scheme = "https";
    if (bucket.find('.') != std::string_view::npos) {
      e.path_style = true;
      e.host = fmt::format("s3.{}.amazonaws.com", region);
    } else {
      e.path_style = path_style;
      e.host = path_style ? fmt::format("s3.{}.amazonaws.com", region) : fmt::format("{}.s3.{}.amazonaws.com", bucket, region);
    }
    return e;
  }
  auto sep = endpoint_url.find("://");
  if (sep == std::string_view::npos) return fail(s3_errc::invalid_argument, "the S3 endpoint must be http(s)://host[:port]");
  e.scheme = std::string(endpoint_url.substr(0, sep));
  if (e.scheme != "http" && e.scheme != "https")
    return fail(s3_errc::invalid_argument, "the S3 endpoint must be http(s)://host[:port]");
  std::string_view rest = endpoint_url.substr(sep + 3);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos)
    return fail(s3_errc::invalid_argument, "the S3 endpoint must be http(s)://host[:port] without a path");
  e.path_style = path_style;
  e.host = path_style ? std::string(rest) : fmt::format("{}.{}", bucket, rest);
  return e;
}

}  // namespace dropslot::s3
