#include "dropslot/http/site.hpp"

#include <string>

namespace dropslot::http {

headers dashboard_page_headers(std::string_view s3_origin) {
  // The page reaches S3 directly: presigned PUTs (connect-src) and photos and their
  // thumbnails (img-src); blob: and data: are the photos the page prepares itself.
  const std::string s3(s3_origin);
  headers h;
  h.set("Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' " + s3 +
            " blob: data:; connect-src 'self' " + s3 +
            "; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  h.set("X-Content-Type-Options", "nosniff");
  h.set("Referrer-Policy", "no-referrer");
  return h;
}

bool site_service::is_api(std::string_view path) {
  return path == "/api" || path.starts_with("/api/") || path == "/healthz";
}

std::size_t site_service::body_limit(const request& head) const {
  return is_api(head.path) ? api->body_limit(head) : 0;
}

bool site_service::has_route(const request& head) const { return is_api(head.path) && api->has_route(head); }

void site_service::handle_async(const request& req, reply_fn reply) {
  if (is_api(req.path)) return api->handle_async(req, std::move(reply));
  reply(handle(req));
}

response site_service::handle(const request& req) {
  if (is_api(req.path)) return api->handle(req);
  response res;
  if (files) {
    res = files->serve(req);
  } else if (req.path == "/" && (req.method == "GET" || req.method == "HEAD")) {
    // No web/ folder: a plain page, so a bare binary still says what it is.
    res.status = 200;
    res.headers.set("Content-Type", "text/html; charset=utf-8");
    res.body =
        "<!doctype html><meta charset=utf-8><title>dropslot</title>"
        "<h1>dropslot is running</h1><p>The dashboard files were not found (start with <code>--web DIR</code>). "
        "The API is at <code>/api</code>.</p>";
  } else {
    res.status = 404;
    res.headers.set("Content-Type", "text/plain; charset=utf-8");
    res.body = "not found\n";
  }
  for (const auto& h : page_headers) res.headers.set(h.name, h.value);
  return res;
}

std::string_view site_service::route_label(const request& req) const {
  return is_api(req.path) ? api->route_label(req) : std::string_view("static");
}

}  // namespace dropslot::http
