#include "dropslot/lambda/api_gateway_adapter.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <exception>

// The upload funnel's counters, whose growth per invocation goes into the EMF line.
#include "dropslot/metrics/upload_metrics.hpp"

#include "dropslot/lambda/emf.hpp"
#include "dropslot/lambda/event.hpp"
#include "dropslot/lambda/log.hpp"
#include "dropslot/lambda/s3_event.hpp"
#include "dropslot/sigv4/crypto.hpp"
#include "dropslot/util/redact.hpp"

namespace dropslot::lambda {

namespace {

http::response error_response(int status, std::string_view code, std::string_view message) {
  boost::json::object inner;
  inner["code"] = code;
  inner["message"] = message;
  boost::json::object doc;
  doc["error"] = std::move(inner);
  http::response res;
  res.status = status;
  res.headers.set("Content-Type", "application/json");
  res.body = boost::json::serialize(doc);
  return res;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

bool api_gateway_adapter::from_origin(const http::request& req) const {
  if (!origin_) return true;
  // Every value is compared (API Gateway may pass a repeated header as several);
  // one exact match is enough. The comparison takes the same time wherever the
  // values differ, so the secret cannot be guessed byte by byte.
  bool match = false;
  for (std::string_view v : req.headers.get_all(origin_->header))
    match |= sigv4::constant_time_equal(v, origin_->value);
  return match;
}

invocation_outcome api_gateway_adapter::operator()(const invocation& inv) const {
  auto started = std::chrono::steady_clock::now();
  if (bucket_events_) {
    // A bucket event is told apart by its shape before the proxy parser sees it;
    // a proxy event never has top-level Records or source "aws.s3".
    if (auto objects = parse_s3_event(inv.event)) {
      std::size_t failed = 0;
      for (const auto& o : *objects)
        if (!bucket_events_(o.bucket, o.key)) ++failed;
      log_line("info", inv.request_id, "bucket event", {{"objects", objects->size()}, {"failed", failed}});
      if (failed) return {std::nullopt, {"BucketEventFailed", "a confirmation failed; the event will be retried"}};
      return {boost::json::serialize(boost::json::object{{"objects", objects->size()}}), {}};
    }
  }
  std::optional<payload_format> format;
  auto event = parse_event(inv.event, &format);
  if (!event && !format) {
    // Not an API Gateway event: nobody to answer in HTTP terms, so it is the
    // invocation that failed.
    log_line("warn", inv.request_id, "not a proxy event", {{"detail", event.error().message()}});
    return {std::nullopt, {"InvalidEventDataException", event.error().code.message()}};
  }

  auto& funnel = metrics::uploads();
  const std::uint64_t issued = funnel.issued.value(), received = funnel.received.value(),
                      rejected = funnel.rejected.value();
  http::response res;
  std::string_view method, path, route;
  if (!event) {
    log_line("warn", inv.request_id, "bad proxy event", {{"detail", event.error().message()}});
    res = error_response(400, "bad_request", event.error().code.message());
  } else {
    http::request& req = event->request;
    req.request_id = inv.request_id;
    method = req.method;
    path = req.path;
    route = service_->route_label(req);
    bool allowed = from_origin(req);
    if (origin_) req.headers.erase(origin_->header);  // the service never sees it
    if (!allowed) {
      res = error_response(403, "forbidden", "call the API through its CloudFront distribution");
    } else {
      try {
        // The HTTP server enforces the body limit before reading; here the body has
        // already arrived (API Gateway caps it at 10 MB), so enforce it after.
        std::string body = std::move(req.body);
        req.body.clear();
        std::size_t limit = service_->body_limit(req);
        if (body.size() > limit && service_->has_route(req)) {
          res = error_response(413, "payload_too_large", "request body too large");
        } else {
          // A request no route takes is answered as without its body (404/405, not 413).
          if (body.size() <= limit) req.body = std::move(body);
          res = service_->handle(req);
        }
      } catch (const std::exception& e) {
        log_line("error", inv.request_id, "handler threw", {{"detail", e.what()}});
        res = error_response(500, "internal", "internal error");
      } catch (...) {
        log_line("error", inv.request_id, "handler threw a non-exception");
        res = error_response(500, "internal", "internal error");
      }
    }
  }

  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  boost::json::value remaining = nullptr;
  if (inv.deadline_ms) remaining = *inv.deadline_ms - now_ms();
  std::string redacted;  // a share link's token never reaches the log
  log_line("info", inv.request_id, "request",
           {{"method", method},
            {"path", util::loggable_path(path, redacted)},
            {"status", res.status},
            {"format", *format == payload_format::http_v2 ? "2.0" : "1.0"},
            {"duration_us", micros},
            {"remaining_ms", remaining}});
  // The one EMF document of this invocation (docs/metrics.md). The Runtime API hands
  // the sandbox one invocation at a time, so the funnel's growth since the start is
  // this invocation's.
  invocation_metrics im;
  im.method = method;
  im.route = route;
  im.status = res.status;
  im.latency = std::chrono::microseconds(micros);
  im.uploads_issued = funnel.issued.value() - issued;
  im.uploads_received = funnel.received.value() - received;
  im.uploads_rejected = funnel.rejected.value() - rejected;
  write_emf(im);
  return {format_response(res, *format), {}};
}

}  // namespace dropslot::lambda
