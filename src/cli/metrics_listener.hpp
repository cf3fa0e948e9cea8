#pragma once
// --metrics-listen HOST:PORT for `serve` and `s3`: turns recording on and serves the
// exposition (metrics/exposition.hpp) at /metrics on a listener of its own, never on
// the API's or the store's (DESIGN.md, Metrics).
#include <memory>
#include <string>

#include "dropslot/http/server.hpp"
#include "dropslot/metrics/exposition.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::cli {

/// Adds the metrics listener and enables recording; the bound "host:port".
inline result<std::string> listen_metrics(http::server& server, const std::string& host_port) {
  http::limits lim;
  lim.max_body_bytes = 0;  // GET only
  lim.max_connections = 64;  // a few scrapers, not the public
  auto bound = server.listen(host_port, std::make_shared<metrics::exposition_service>(), lim);
  if (bound) metrics::enable();
  return bound;
}

}  // namespace dropslot::cli
