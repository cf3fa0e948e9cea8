#include "transport.hpp"

#include <curl/curl.h>

#include <strings.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "dropslot/s3/error.hpp"
#include "dropslot/util/codec.hpp"
#include "dropslot/util/shared_library.hpp"

namespace dropslot::s3::detail {

namespace {

// libcurl, opened and initialised on the first request rather than linked: with its
// ~30 dependencies it costs about 3 ms of every process start, and a Lambda cold
// start that only presigns never sends a request (util/shared_library.hpp).
struct libcurl {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_reset) easy_reset;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
  std::string error;  // empty when loaded
};

// Thread-safe (a function-local static): loaded once, or the reason it could not be.
const libcurl& curl() {
  static const libcurl lib = [] {
    libcurl c{};
    util::shared_library so("libcurl.so.4");
    so.resolve(c.global_init, "curl_global_init");
    so.resolve(c.easy_init, "curl_easy_init");
    so.resolve(c.easy_reset, "curl_easy_reset");
    so.resolve(c.easy_setopt, "curl_easy_setopt");
    so.resolve(c.easy_perform, "curl_easy_perform");
    so.resolve(c.easy_getinfo, "curl_easy_getinfo");
    so.resolve(c.easy_strerror, "curl_easy_strerror");
    so.resolve(c.easy_cleanup, "curl_easy_cleanup");
    so.resolve(c.slist_append, "curl_slist_append");
    so.resolve(c.slist_free_all, "curl_slist_free_all");
    if (!so.ok()) {
      c.error = so.error();
    } else if (c.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      c.error = "curl_global_init failed";
    }
    return c;
  }();
  return lib;
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
  std::string name = util::ascii_lower(line.substr(0, colon));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
  out->headers.emplace_back(std::move(name), std::string(value));
  return size * n;
}

}  // namespace

transport::transport(std::chrono::milliseconds connect_timeout, std::chrono::milliseconds total_timeout)
    : connect_timeout_(connect_timeout), total_timeout_(total_timeout) {}

transport::~transport() {
  // Pooled handles exist only once libcurl was loaded.
  for (void* h : idle_) curl().easy_cleanup(static_cast<CURL*>(h));
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
  return curl().easy_init();
}

void transport::release(void* handle) {
  std::lock_guard lock(mu_);
  // A bounded pool: more idle handles than this means a burst has passed.
  if (idle_.size() < 32) {
    idle_.push_back(handle);
    return;
  }
  curl().easy_cleanup(static_cast<CURL*>(handle));
}

result<wire_response> transport::perform(const wire_request& r) {
  const libcurl& lc = curl();
  if (!lc.error.empty()) return fail(s3_errc::unavailable, lc.error);
  CURL* h = static_cast<CURL*>(acquire());
  if (!h) return fail(s3_errc::unavailable, "curl_easy_init failed");
  // Reset the options of the previous transfer but keep the connection cache.
  lc.easy_reset(h);
  wire_response out;
  curl_slist* hdrs = nullptr;
  for (const auto& [n, v] : r.headers) hdrs = lc.slist_append(hdrs, fmt::format("{}: {}", n, v).c_str());
  // curl adds "Expect: 100-continue" to large uploads; S3 allows it but the round
  // trip only costs time here.
  hdrs = lc.slist_append(hdrs, "Expect:");
  // A body sent through POSTFIELDS would otherwise get a form Content-Type.
  bool has_type = false;
  for (const auto& [n, v] : r.headers) has_type = has_type || strcasecmp(n.c_str(), "content-type") == 0;
  if (!has_type) hdrs = lc.slist_append(hdrs, "Content-Type:");
  lc.easy_setopt(h, CURLOPT_URL, r.url.c_str());
  lc.easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  lc.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  lc.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout_.count()));
  lc.easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout_.count()));
  // AWS_CA_BUNDLE, as the AWS SDKs read it. The Lambda package's bootstrap sets it:
  // the bundled Debian libcurl looks for /etc/ssl/certs/ca-certificates.crt, which
  // Amazon Linux 2023 does not have (docs/deploy.md). Edited by the lambda engineer.
  if (const char* ca = std::getenv("AWS_CA_BUNDLE"); ca && *ca) lc.easy_setopt(h, CURLOPT_CAINFO, ca);
  lc.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  lc.easy_setopt(h, CURLOPT_WRITEDATA, &out.body);
  lc.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  lc.easy_setopt(h, CURLOPT_HEADERDATA, &out);
  // Never follow redirects: a signed request is valid for one host only.
  lc.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  if (r.head_only) {
    lc.easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (r.method == "GET") {
    lc.easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    lc.easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (r.method == "PUT" || r.method == "POST" || !r.body.empty()) {
      lc.easy_setopt(h, CURLOPT_POSTFIELDS, r.body.data());
      lc.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }
  }
  CURLcode rc = lc.easy_perform(h);
  lc.slist_free_all(hdrs);
  if (rc != CURLE_OK) {
    // Only curl's own message: the URL (a signed query) is never part of it.
    std::string msg = lc.easy_strerror(rc);
    lc.easy_cleanup(h);  // the connection may be broken: do not pool it
    return fail(s3_errc::unavailable, msg);
  }
  lc.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  release(h);
  return out;
}

}  // namespace dropslot::s3::detail
