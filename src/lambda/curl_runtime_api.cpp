// The Lambda Runtime API over libcurl.
#include "dropslot/lambda/curl_runtime_api.hpp"

#include <curl/curl.h>

#include <charconv>
#include <mutex>
#include <vector>

#include "dropslot/http/message.hpp"
#include "dropslot/lambda/error.hpp"

namespace dropslot::lambda {

namespace {

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  std::string_view line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos)
    static_cast<http::headers*>(user)->add(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  return size * n;
}

}  // namespace

struct curl_runtime_api::impl {
  std::string base;  // http://host:port/2018-06-01
  CURL* curl = nullptr;
  curl_slist* json_headers = nullptr;

  // One exchange on the kept-alive handle. `error_type` adds
  // Lambda-Runtime-Function-Error-Type. Returns the status, filling `body`/`headers`.
  result<long> exchange(const std::string& path, const std::string_view* post_body, const std::string* error_type,
                        std::string& body, http::headers& headers) {
    curl_easy_setopt(curl, CURLOPT_URL, (base + path).c_str());
    curl_slist* extra = nullptr;
    if (post_body) {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body->data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post_body->size()));
      extra = curl_slist_append(extra, "Content-Type: application/json");
      // curl 7.x waits for "100 Continue" before bodies over 1 KiB: a round trip
      // per invocation for nothing on a local socket.
      extra = curl_slist_append(extra, "Expect:");
      if (error_type) extra = curl_slist_append(extra, ("Lambda-Runtime-Function-Error-Type: " + *error_type).c_str());
    } else {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, extra);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(extra);
    if (rc != CURLE_OK) return fail(lambda_errc::runtime_unreachable, curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

  result<int> post(const std::string& path, std::string_view body, const std::string* error_type) {
    std::string answer;
    http::headers headers;
    auto status = exchange(path, &body, error_type, answer, headers);
    if (!status) return fail(std::move(status).error());
    return static_cast<int>(*status);
  }
};

curl_runtime_api::curl_runtime_api(std::string endpoint) : impl_(std::make_unique<impl>()) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  impl_->base = "http://" + endpoint + "/2018-06-01";
  impl_->curl = curl_easy_init();
  CURL* c = impl_->curl;
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // `next` is a long poll and the sandbox may be frozen between invocations:
  // no timeout at all (the README's "set no client timeout").
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 0L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 0L);
  // An empty proxy disables http_proxy/HTTP_PROXY from the environment.
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
}

curl_runtime_api::~curl_runtime_api() {
  if (impl_ && impl_->curl) curl_easy_cleanup(impl_->curl);
}

result<invocation> curl_runtime_api::next() {
  std::string body;
  http::headers headers;
  auto status = impl_->exchange("/runtime/invocation/next", nullptr, nullptr, body, headers);
  if (!status) return fail(std::move(status).error());
  if (*status != 200) return fail(lambda_errc::runtime_rejected, "next answered " + std::to_string(*status));
  invocation inv;
  if (auto id = headers.get("lambda-runtime-aws-request-id"); id && !id->empty()) {
    inv.request_id = std::string(*id);
  } else {
    return fail(lambda_errc::bad_invocation);
  }
  if (auto d = headers.get("lambda-runtime-deadline-ms")) {
    std::int64_t ms = 0;
    auto [end, ec] = std::from_chars(d->data(), d->data() + d->size(), ms);
    if (ec == std::errc{} && end == d->data() + d->size()) inv.deadline_ms = ms;
  }
  if (auto arn = headers.get("lambda-runtime-invoked-function-arn")) inv.function_arn = std::string(*arn);
  if (auto trace = headers.get("lambda-runtime-trace-id")) inv.trace_id = std::string(*trace);
  inv.event = std::move(body);
  return inv;
}

result<int> curl_runtime_api::post_response(const std::string& request_id, std::string_view body) {
  return impl_->post("/runtime/invocation/" + request_id + "/response", body, nullptr);
}

result<int> curl_runtime_api::post_error(const std::string& request_id, const function_error& err) {
  return impl_->post("/runtime/invocation/" + request_id + "/error", error_document(err), &err.type);
}

result<int> curl_runtime_api::post_init_error(const function_error& err) {
  return impl_->post("/runtime/init/error", error_document(err), &err.type);
}

}  // namespace dropslot::lambda
