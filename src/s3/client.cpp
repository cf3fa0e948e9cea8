#include "dropslot/s3/client.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <pugixml.hpp>
#include <sstream>

#include "list_objects.hpp"
#include "request_signing.hpp"
#include "transport.hpp"
#include "dropslot/sigv4/crypto.hpp"
#include "dropslot/sigv4/signer.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::s3 {

client::client(client_config config)
    : config_(std::move(config)),
      transport_(std::make_unique<detail::transport>(config_.connect_timeout, config_.request_timeout)) {}

client::~client() = default;

namespace {

/// S3's <Error><Code/><Message/></Error>, as "Code: Message" (either may be absent).
std::string s3_error_text(const detail::wire_response& r) {
  pugi::xml_document doc;
  if (!r.body.empty() && doc.load_buffer(r.body.data(), r.body.size())) {
    auto e = doc.child("Error");
    std::string code = e.child_value("Code"), message = e.child_value("Message");
    if (!code.empty()) return message.empty() ? code : code + ": " + message;
  }
  return fmt::format("HTTP {}", r.status);
}

std::string s3_error_code(const detail::wire_response& r) {
  pugi::xml_document doc;
  if (!r.body.empty() && doc.load_buffer(r.body.data(), r.body.size())) return doc.child("Error").child_value("Code");
  return {};
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& q) {
  std::string out;
  for (const auto& [n, v] : q) {
    if (!out.empty()) out.push_back('&');
    out += sigv4::uri_encode(n, false);
    out.push_back('=');
    out += sigv4::uri_encode(v, false);
  }
  return out;
}

std::string header_value(const detail::wire_response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return {};
}

}  // namespace

result<detail::wire_response> client::send(std::string_view method, const std::string& path,
                                           std::vector<std::pair<std::string, std::string>> query,
                                           std::vector<std::pair<std::string, std::string>> headers, std::string body,
                                           bool head_only) {
  if (!config_.credentials) return fail(s3_errc::no_credentials);
  auto creds = config_.credentials();
  if (!creds) return fail(creds.error());
  const auto& ep = config_.endpoint;
  std::sort(query.begin(), query.end());
  detail::wire_request wr;
  wr.method = std::string(method);
  wr.head_only = head_only;
  std::string qs = query_string(query);
  wr.url = ep.origin() + path + (qs.empty() ? "" : "?" + qs);
  auto signed_headers = detail::sign_request(method, ep, path, query, headers, body, *creds, config_.now());
  if (!signed_headers) return fail(signed_headers.error());
  wr.headers = std::move(*signed_headers);
  wr.body = std::move(body);
  auto r = transport_->perform(wr);
  if (!r) return r;
  if (r->status >= 200 && r->status < 300) return r;
  std::string text = head_only ? fmt::format("HTTP {}", r->status) : s3_error_text(*r);
  std::string code = head_only ? std::string() : s3_error_code(*r);
  if (r->status >= 500) return fail(s3_errc::unavailable, text);
  if (r->status == 403) return fail(s3_errc::access_denied, text);
  if (r->status == 404) {
    if (code == "NoSuchBucket") return fail(s3_errc::no_such_bucket, text);
    return fail(s3_errc::no_such_key, text);
  }
  if (r->status == 412) return fail(s3_errc::precondition, text);
  return fail(s3_errc::request_failed, text);
}

result<list_page> client::list_objects_v2(std::string_view prefix, std::string_view continuation_token, int max_keys) {
  std::vector<std::pair<std::string, std::string>> q{{"list-type", "2"},
                                                     {"max-keys", std::to_string(std::clamp(max_keys, 1, 1000))},
                                                     {"prefix", std::string(prefix)}};
  if (!continuation_token.empty()) q.emplace_back("continuation-token", std::string(continuation_token));
  auto r = send("GET", config_.endpoint.bucket_path(), std::move(q), {}, {});
  if (!r) return fail(r.error());
  return detail::parse_list_objects_v2(r->body);
}

result<std::vector<object_summary>> client::list_all(std::string_view prefix, std::size_t max_objects) {
  std::vector<object_summary> out;
  std::string token;
  for (;;) {
    auto page = list_objects_v2(prefix, token);
    if (!page) return fail(page.error());
    for (auto& o : page->objects) out.push_back(std::move(o));
    if (out.size() > max_objects)
      return fail(s3_errc::request_failed, fmt::format("more than {} objects under the prefix", max_objects));
    if (!page->truncated) break;
    // A truncated page without a token would loop forever.
    if (page->next_continuation_token.empty() || page->next_continuation_token == token)
      return fail(s3_errc::bad_response, "truncated listing without a new continuation token");
    token = std::move(page->next_continuation_token);
  }
  return out;
}

result<void> client::create_bucket() {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // us-east-1 takes no location constraint; every other region requires one.
  if (config_.endpoint.region != "us-east-1") {
    pugi::xml_document doc;
    auto root = doc.append_child("CreateBucketConfiguration");
    root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
    root.append_child("LocationConstraint").text().set(config_.endpoint.region.c_str());
    std::ostringstream os;
    doc.save(os, "", pugi::format_raw);
    body = os.str();
    headers.emplace_back("content-type", "application/xml");
  }
  auto r = send("PUT", config_.endpoint.bucket_path(), {}, std::move(headers), std::move(body));
  if (!r) {
    if (r.error().code == s3_errc::request_failed &&
        r.error().detail.starts_with("BucketAlreadyOwnedByYou"))
      return {};
    return fail(r.error());
  }
  return {};
}

namespace {
std::string content_md5(std::string_view body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), md, &len, EVP_md5(), nullptr);
  return util::base64_encode(std::string_view(reinterpret_cast<const char*>(md), len));
}
}  // namespace

result<void> client::put_bucket_cors(const std::vector<cors_rule>& rules) {
  pugi::xml_document doc;
  auto root = doc.append_child("CORSConfiguration");
  root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  for (const auto& rule : rules) {
    auto r = root.append_child("CORSRule");
    for (const auto& v : rule.allowed_origins) r.append_child("AllowedOrigin").text().set(v.c_str());
    for (const auto& v : rule.allowed_methods) r.append_child("AllowedMethod").text().set(v.c_str());
    for (const auto& v : rule.allowed_headers) r.append_child("AllowedHeader").text().set(v.c_str());
    for (const auto& v : rule.expose_headers) r.append_child("ExposeHeader").text().set(v.c_str());
    if (rule.max_age_seconds) r.append_child("MaxAgeSeconds").text().set(*rule.max_age_seconds);
  }
  std::ostringstream os;
  doc.save(os, "", pugi::format_raw);
  std::string body = os.str();
  // S3 requires an integrity header on PutBucketCors.
  std::vector<std::pair<std::string, std::string>> headers{{"content-type", "application/xml"},
                                                           {"content-md5", content_md5(body)}};
  auto r = send("PUT", config_.endpoint.bucket_path(), {{"cors", ""}}, std::move(headers), std::move(body));
  if (!r) return fail(r.error());
  return {};
}

result<void> client::put_object(std::string_view key, std::string_view body, std::string_view content_type) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!content_type.empty()) headers.emplace_back("content-type", std::string(content_type));
  auto r = send("PUT", config_.endpoint.object_path(key), {}, std::move(headers), std::string(body));
  if (!r) return fail(r.error());
  return {};
}

result<object_data> client::get_object(std::string_view key) {
  auto r = send("GET", config_.endpoint.object_path(key), {}, {}, {});
  if (!r) return fail(r.error());
  return object_data{std::move(r->body), header_value(*r, "content-type"), header_value(*r, "etag")};
}

result<bool> client::head_object(std::string_view key) {
  auto r = send("HEAD", config_.endpoint.object_path(key), {}, {}, {}, true);
  if (!r) {
    if (r.error().code == s3_errc::no_such_key) return false;
    return fail(r.error());
  }
  return true;
}

result<std::optional<object_head>> client::head_object_info(std::string_view key) {
  auto r = send("HEAD", config_.endpoint.object_path(key), {}, {}, {}, true);
  if (!r) {
    if (r.error().code == s3_errc::no_such_key) return std::optional<object_head>{};
    return fail(r.error());
  }
  object_head h;
  std::string length = header_value(*r, "content-length");
  auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), h.size);
  if (ec != std::errc() || end != length.data() + length.size() || length.empty())
    return fail(s3_errc::bad_response, "HeadObject answered without a Content-Length");
  h.content_type = header_value(*r, "content-type");
  return std::optional<object_head>(std::move(h));
}

result<std::string> client::get_object_prefix(std::string_view key, std::size_t length) {
  if (length == 0) return std::string();
  auto r = send("GET", config_.endpoint.object_path(key), {}, {{"range", "bytes=0-" + std::to_string(length - 1)}}, {});
  if (!r) return fail(r.error());
  // A server that ignores Range sends the whole object: keep only what was asked.
  if (r->body.size() > length) r->body.resize(length);
  return std::move(r->body);
}

result<void> client::delete_object(std::string_view key) {
  auto r = send("DELETE", config_.endpoint.object_path(key), {}, {}, {});
  if (!r) return fail(r.error());
  return {};
}

}  // namespace dropslot::s3
