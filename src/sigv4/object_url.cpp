// Object addresses (path or virtual-hosted style) and presigned URL strings.
#include <dropslot/sigv4/signer.hpp>

#include "canonical.hpp"

namespace dropslot::sigv4 {
using namespace std::string_view_literals;
using namespace detail;

namespace {

// Virtual-hosted style needs the bucket to be one DNS label under TLS (a dot would
// break the *.s3 certificate), as botocore's rules decide.
bool virtual_hostable(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return b.front() != '-' && b.back() != '-';
}

}  // namespace

namespace detail {

result<void> address_object_into(object_address& a, std::string_view endpoint, std::string_view region,
                                 std::string_view bucket, std::string_view key, addressing_style style) {
  if (bucket.empty()) return fail(sigv4_errc::invalid_argument, "bucket is empty");
  a.scheme.clear();
  a.host.clear();
  a.path.clear();
  bool aws = endpoint.empty();
  std::string base_path;
  if (aws) {
    if (region.empty()) return fail(sigv4_errc::invalid_argument, "region is empty");
    a.scheme = "https";
    // Room for "<bucket>." in front too, so virtual-hosted style does not reallocate.
    a.host.reserve(bucket.size() + 1 + region.size() + 17);
    if (region == "us-east-1")
      a.host.append("s3.amazonaws.com"sv);
    else
      a.host.append("s3."sv).append(region).append(".amazonaws.com"sv);
  } else {
    std::size_t sep = endpoint.find("://");
    if (sep == std::string_view::npos || sep == 0)
      return fail(sigv4_errc::invalid_argument, "endpoint must look like https://host[:port]");
    a.scheme = util::ascii_lower(endpoint.substr(0, sep));
    if (a.scheme != "http" && a.scheme != "https")
      return fail(sigv4_errc::invalid_argument, "endpoint scheme must be http or https");
    std::string_view rest = endpoint.substr(sep + 3);
    std::size_t slash = rest.find('/');
    a.host = util::ascii_lower(rest.substr(0, slash));
    if (slash != std::string_view::npos) base_path = std::string(rest.substr(slash));
    while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
    if (a.host.empty() || a.host.find_first_of("?#@ ") != std::string::npos)
      return fail(sigv4_errc::invalid_argument, "endpoint host is invalid");
    // Default ports are not part of the Host header clients send.
    if (a.scheme == "https" && a.host.ends_with(":443")) a.host.resize(a.host.size() - 4);
    if (a.scheme == "http" && a.host.ends_with(":80")) a.host.resize(a.host.size() - 3);
  }
  bool virtual_hosted = style == addressing_style::virtual_hosted ||
                        (style == addressing_style::automatic && aws && virtual_hostable(bucket));
  // Built in place, sized once: this runs on every presigned object URL.
  a.path.reserve(base_path.size() + 2 + 3 * (bucket.size() + key.size()));
  a.path.append(base_path).append("/"sv);
  if (virtual_hosted) {
    a.host.insert(0, bucket.size() + 1, '.');
    a.host.replace(0, bucket.size(), bucket);
  } else {
    append_uri_encoded(a.path, bucket, false);
    a.path += '/';
  }
  append_uri_encoded(a.path, key, true);
  return {};
}

}  // namespace detail

result<object_address> address_object(std::string_view endpoint, std::string_view region, std::string_view bucket,
                                      std::string_view key, addressing_style style) {
  object_address a;
  if (auto r = address_object_into(a, endpoint, region, bucket, key, style); !r) return fail(r.error());
  return a;
}

std::string presigned_url(const object_address& where, std::span<const query_param> query,
                          std::span<const query_param> auth_query) {
  std::string url;
  url.reserve(where.scheme.size() + where.host.size() + where.path.size() + 512);
  url.append(where.scheme).append("://"sv).append(where.host).append(where.path);
  std::string q = encode_query(query, auth_query);
  if (!q.empty()) url.append("?"sv).append(q);
  return url;
}

}  // namespace dropslot::sigv4
