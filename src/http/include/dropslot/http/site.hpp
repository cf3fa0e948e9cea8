#pragma once
// The dashboard's site on one listener (what `dropslot serve` answers on :8080):
// /api, /api/* and /healthz go to the API service; everything else is the dashboard's
// static files (or, without a web folder, a plain page saying what is running), with
// the page security headers on every non-API response.
#include <memory>
#include <optional>
#include <string_view>

#include "dropslot/http/message.hpp"
#include "dropslot/http/service.hpp"
#include "dropslot/http/static_files.hpp"

namespace dropslot::http {

/// The page security headers of the dashboard: a Content-Security-Policy that lets
/// the page load scripts and styles from itself only, and reach the S3 endpoint
/// `s3_origin` ("http://127.0.0.1:9000"; empty under real AWS, whose bucket URLs the
/// page reaches as https:) for presigned PUTs and photos; X-Content-Type-Options:
/// nosniff; Referrer-Policy: no-referrer.
headers dashboard_page_headers(std::string_view s3_origin);

/// Routes between the API and the dashboard's files. Set `api` (required), `files`
/// and `page_headers` before the server starts; then read-only, so thread-safe.
class site_service final : public service {
 public:
  std::shared_ptr<service> api;
  std::optional<static_files> files;
  headers page_headers;

  std::size_t body_limit(const request& head) const override;
  /// The API's routes; the dashboard's files take no body.
  bool has_route(const request& head) const override;
  void handle_async(const request& req, reply_fn reply) override;
  response handle(const request& req) override;
  /// The API's route template, or "static" for the dashboard's files.
  std::string_view route_label(const request& req) const override;

  /// Whether `path` belongs to the API.
  static bool is_api(std::string_view path);
};

}  // namespace dropslot::http
