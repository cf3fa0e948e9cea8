#pragma once
// Internal: what the server keeps per connection. Shared by the buffered session,
// the stream-handler session and the drain logic in server.cpp.
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "dropslot/http/server.hpp"

namespace dropslot::http::detail {

/// One accepted connection. Owned by a shared_ptr: the session coroutine and the
/// server's registry (for shutdown) hold it. Every member except the atomics is
/// touched only on the stream's strand.
struct connection_state {
  connection_state(boost::beast::tcp_stream s, const http::limits& l, const std::atomic<bool>& stop)
      : stream(std::move(s)), limits(l), stopping(stop) {}

  boost::beast::tcp_stream stream;   // its executor is this connection's strand
  std::string remote_address;
  const http::limits& limits;        // the listener's; outlives its connections
  const std::atomic<bool>& stopping; // the server's drain flag
  bool idle = false;                 // waiting for a request: stop() may close it at once
  std::function<void()> on_close;    // set while the session waits for a service's reply
  std::size_t requests = 0;

  bool is_stopping() const noexcept { return stopping.load(std::memory_order_relaxed); }
  /// Closes the socket; pending operations fail with operation_aborted. Strand only.
  void close() noexcept {
    if (auto f = std::move(on_close)) {
      on_close = nullptr;
      f();  // ends the wait: a closed connection has nobody to answer
    }
    boost::system::error_code ec;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
  }
};

}  // namespace dropslot::http::detail
