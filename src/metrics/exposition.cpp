#include "dropslot/metrics/exposition.hpp"

#include "dropslot/metrics/db_metrics.hpp"
#include "dropslot/metrics/http_metrics.hpp"
#include "dropslot/metrics/process_metrics.hpp"
#include "dropslot/metrics/s3_metrics.hpp"
#include "dropslot/metrics/upload_metrics.hpp"

namespace dropslot::metrics {

std::string render() {
  text_writer w;
  http().write(w);
  s3().write(w);
  uploads().write(w);
  db().write(w);
  write_process_metrics(w);
  return w.take();
}

http::response exposition_service::handle(const http::request& req) {
  http::response res;
  if (req.path != "/metrics") {
    res.status = 404;
    res.headers.set("Content-Type", "text/plain; charset=utf-8");
    res.body = "not found: the metrics are at /metrics\n";
    return res;
  }
  if (req.method != "GET" && req.method != "HEAD") {
    res.status = 405;
    res.headers.set("Allow", "GET, HEAD");
    res.headers.set("Content-Type", "text/plain; charset=utf-8");
    res.body = "method not allowed\n";
    return res;
  }
  res.headers.set("Content-Type", std::string(text_content_type));
  res.headers.set("Cache-Control", "no-store");
  res.body = render();
  return res;
}

}  // namespace dropslot::metrics
