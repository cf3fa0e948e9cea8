#pragma once
// SigV4 header signing of one client request (internal).
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dropslot/s3/endpoint.hpp"
#include "dropslot/sigv4/credentials.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::s3::detail {

using header_list = std::vector<std::pair<std::string, std::string>>;

/// The complete header list to send: `headers` plus Host, X-Amz-Date,
/// x-amz-content-sha256 (the body's SHA-256), X-Amz-Security-Token and
/// Authorization. `path` is URI-encoded; `query` decoded.
result<header_list> sign_request(std::string_view method, const bucket_endpoint& ep, const std::string& path,
                                 const header_list& query, const header_list& headers, std::string_view body,
                                 const sigv4::credentials& creds, std::chrono::system_clock::time_point now);

}  // namespace dropslot::s3::detail
