#pragma once
// Internal: the connection coroutine of a buffered listener (`server::listen`).
#include <boost/asio/awaitable.hpp>

#include <memory>

#include "connection_state.hpp"
#include "dropslot/http/server.hpp"

namespace dropslot::http::detail {

/// Serves requests on `conn` until the peer closes, a limit or timeout ends the
/// connection, or the server drains. Reads each request whole (bounded by
/// `svc.body_limit`), calls `svc.handle`, writes the answer. Never throws for I/O
/// errors; they end the connection.
boost::asio::awaitable<void> run_buffered_session(std::shared_ptr<connection_state> conn, service& svc,
                                                  bool access_log);

}  // namespace dropslot::http::detail
