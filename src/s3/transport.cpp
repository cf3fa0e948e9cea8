#include "transport.hpp"

#include <curl/curl.h>

#include <strings.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

#include "dropslot/s3/error.hpp"

namespace dropslot::s3::detail {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t on_body(char* ptr, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(ptr, size * n);
  return size * n;
}

size_t on_header(char* ptr, size_t size, size_t n, void* user) {
  auto* out = static_cast<wire_response*>(user);
  std::string_view line(ptr, size * n);
  if (line.starts_with("HTTP/")) {
    out->headers.clear();  // a 100 Continue or a redirect came first
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
  out->headers.emplace_back(std::move(name), std::string(value));
  return size * n;
}

}  // namespace

transport::transport(std::chrono::milliseconds connect_timeout, std::chrono::milliseconds total_timeout)
    : connect_timeout_(connect_timeout), total_timeout_(total_timeout) {
  global_init();
}

transport::~transport() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* transport::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void transport::release(void* handle) {
  std::lock_guard lock(mu_);
  // A bounded pool: more idle handles than this means a burst has passed.
  if (idle_.size() < 32) {
    idle_.push_back(handle);
    return;
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

result<wire_response> transport::perform(const wire_request& r) {
  CURL* h = static_cast<CURL*>(acquire());
  if (!h) return fail(s3_errc::unavailable, "curl_easy_init failed");
  // Reset the options of the previous transfer but keep the connection cache.
  curl_easy_reset(h);
  wire_response out;
  curl_slist* hdrs = nullptr;
  for (const auto& [n, v] : r.headers) hdrs = curl_slist_append(hdrs, fmt::format("{}: {}", n, v).c_str());
  // curl adds "Expect: 100-continue" to large uploads; S3 allows it but the round
  // trip only costs time here.
  hdrs = curl_slist_append(hdrs, "Expect:");
  // A body sent through POSTFIELDS would otherwise get a form Content-Type.
  bool has_type = false;
  for (const auto& [n, v] : r.headers) has_type = has_type || strcasecmp(n.c_str(), "content-type") == 0;
  if (!has_type) hdrs = curl_slist_append(hdrs, "Content-Type:");
  curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout_.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout_.count()));
  // AWS_CA_BUNDLE, as the AWS SDKs read it. The Lambda package's bootstrap sets it:
  // the bundled Debian libcurl looks for /etc/ssl/certs/ca-certificates.crt, which
  // Amazon Linux 2023 does not have (docs/deploy.md). Edited by the lambda engineer.
  if (const char* ca = std::getenv("AWS_CA_BUNDLE"); ca && *ca) curl_easy_setopt(h, CURLOPT_CAINFO, ca);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &out);
  // Never follow redirects: a signed request is valid for one host only.
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  if (r.head_only) {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (r.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (r.method == "PUT" || r.method == "POST" || !r.body.empty()) {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }
  }
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(hdrs);
  if (rc != CURLE_OK) {
    // Only curl's own message: the URL (a signed query) is never part of it.
    std::string msg = curl_easy_strerror(rc);
    curl_easy_cleanup(h);  // the connection may be broken: do not pool it
    return fail(s3_errc::unavailable, msg);
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  release(h);
  return out;
}

}  // namespace dropslot::s3::detail
