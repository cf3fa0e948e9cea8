#pragma once
// A bucket's CORS configuration (PutBucketCors / GetBucketCors) and how a request's
// Origin is matched against it. Pure values: no I/O.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dropslot/util/result.hpp"

namespace dropslot::store {

/// One <CORSRule>. Origins and headers may hold one '*' wildcard, as in S3.
struct cors_rule {
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_methods;   // GET, PUT, POST, DELETE, HEAD
  std::vector<std::string> allowed_headers;   // request headers a preflight may ask for
  std::vector<std::string> expose_headers;    // e.g. ETag
  std::optional<int> max_age_seconds;
};

/// The CORS headers to add to a response, or to answer a preflight with.
struct cors_grant {
  std::string allow_origin;
  std::string allow_methods;
  std::string allow_headers;
  std::string expose_headers;
  std::optional<int> max_age_seconds;
};

/// The first rule that allows `origin` with `method` and every header in
/// `request_headers` (comma-separated, as in Access-Control-Request-Headers), as S3
/// picks it; nullopt when none does.
std::optional<cors_grant> match_cors(const std::vector<cors_rule>& rules, std::string_view origin,
                                     std::string_view method, std::string_view request_headers);

/// Parses a <CORSConfiguration> body (MalformedXML on bad input).
result<std::vector<cors_rule>> parse_cors_xml(std::string_view xml);
/// Renders rules as a <CORSConfiguration> document.
std::string cors_to_xml(const std::vector<cors_rule>& rules);

}  // namespace dropslot::store
