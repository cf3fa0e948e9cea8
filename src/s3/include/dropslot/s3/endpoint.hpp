#pragma once
// Where a bucket's objects live on the wire: the scheme and host to connect to and
// the path of a key. Real AWS is addressed virtual-hosted style at the regional
// endpoint (https://<bucket>.s3.<region>.amazonaws.com/<key>); a custom endpoint
// (AWS_ENDPOINT_URL_S3, --s3-endpoint) path style (http://host:port/<bucket>/<key>),
// as the AWS CLI does.
#include <string>
#include <string_view>

#include "dropslot/util/result.hpp"

namespace dropslot::s3 {

/// A bucket's address. Plain value; cheap to copy.
struct bucket_endpoint {
  std::string scheme;       // "https" or "http"
  std::string host;         // as sent in Host: "b.s3.eu-west-1.amazonaws.com", "127.0.0.1:9000"
  std::string bucket;
  std::string region;
  bool path_style = false;

  /// The URI-encoded path of `key` as it is signed and sent: "/<key>" or
  /// "/<bucket>/<key>". Every byte but A-Za-z0-9 -._~ and '/' is %XX-encoded
  /// (S3 rules: encoded once, no dot-segment normalisation).
  std::string object_path(std::string_view key) const;
  /// The path of the bucket itself: "/" or "/<bucket>".
  std::string bucket_path() const;
  /// scheme://host
  std::string origin() const { return scheme + "://" + host; }
};

/// The address of `bucket`. `endpoint_url` empty: real AWS in `region`
/// (virtual-hosted; path style for bucket names with dots, which break TLS
/// wildcard certificates). Otherwise "http[s]://host[:port]" and `path_style`
/// chooses the addressing. invalid_argument for a malformed URL or bucket name.
result<bucket_endpoint> make_bucket_endpoint(std::string_view endpoint_url, std::string_view bucket,
                                             std::string_view region, bool path_style);

}  // namespace dropslot::s3
