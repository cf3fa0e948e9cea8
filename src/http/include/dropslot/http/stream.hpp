#pragma once
// Raw-stream listeners (`server::listen_stream`) for handlers that must stream
// bodies themselves: the object store reads a 1 GiB PUT in pieces, with its own
// Beast parser loop. This header includes Asio and Beast; only the .cpp files that
// run such a loop include it (Asio and Beast are compiled once, in beast_impl.cpp).
//
// What the server does for a stream connection:
//   - accepts it, refusing (closing at once) those over `limits.max_connections`;
//   - binds the socket to its own strand: the handler's coroutine and the server's
//     shutdown actions on that connection never run at the same time;
//   - arms the stream's timer for `limits.header_timeout`, then co_awaits the handler;
//   - closes the socket when the handler returns or throws (the exception is logged).
//
// Timeouts are the handler's: before every read or write it calls
// `stream.expires_after(...)` (an expired timer fails the pending operation with
// beast::error::timeout). `async_wait_for_request` below arms idle and header
// timeouts the same way the buffered server does; the handler arms `body_timeout`
// for body reads and response writes.
//
// Shutdown: after `server::stop()`, `info.stopping()` is true. A connection that is
// idle (inside `async_wait_for_request`, or marked with `set_idle(true)`) is closed at
// once: its pending read fails and `async_wait_for_request` returns false. A busy
// connection should finish the current request, answer with `Connection: close` and
// return. When the drain timeout ends, the server closes every socket that is still
// open; the pending operation fails with operation_aborted and the handler returns.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include "dropslot/http/message.hpp"
#include "dropslot/http/server.hpp"

namespace dropslot::http {

namespace detail {
struct connection_state;
}

/// What a stream handler knows about its connection. Owned by the server; valid
/// until the handler's coroutine returns. Use it from that coroutine only.
class connection_info {
 public:
  explicit connection_info(detail::connection_state& s) noexcept : s_(&s) {}

  /// The peer's IP address, without the port ("127.0.0.1", "::1").
  const std::string& remote_address() const noexcept;
  /// The listener's limits, as given to `listen_stream`.
  const http::limits& limits() const noexcept;
  /// True once the server drains: finish the current request with
  /// `Connection: close`, then return.
  bool stopping() const noexcept;
  /// Marks the connection idle (waiting for a request: stop() closes it at once) or
  /// busy (stop() lets it finish until the drain timeout).
  void set_idle(bool idle) noexcept;
  /// Requests served so far on this connection (count them with `count_request`).
  std::size_t requests() const noexcept;
  void count_request() noexcept;

 private:
  detail::connection_state* s_;
};

/// The handler of a raw listener: a coroutine that serves one connection.
struct stream_handler {
  using function = std::function<boost::asio::awaitable<void>(boost::beast::tcp_stream&, connection_info&)>;
  function fn;

  stream_handler() = default;
  template <class F>
    requires std::is_constructible_v<function, F&&>
  stream_handler(F&& f) : fn(std::forward<F>(f)) {}  // NOLINT: implicit, so a lambda converts
};

/// Waits for the next request on a keep-alive connection. Returns true once bytes of
/// a request are in `buffer` (at once when pipelined bytes are already there), with
/// the stream's timer re-armed for `header_timeout`. Returns false when the peer
/// closed, the idle (or, for the first request, header) timeout passed, or the
/// server is stopping. Marks the connection idle while it waits.
boost::asio::awaitable<bool> async_wait_for_request(boost::beast::tcp_stream& stream,
                                                    boost::beast::flat_buffer& buffer,
                                                    connection_info& info);

/// The request head as a `request` value (method, path, query, headers), with
/// `remote_address` and a fresh `request_id` set. The body stays empty.
request to_request(const boost::beast::http::request_header<>& head, const connection_info& info);

/// Writes a buffered response. Adds `Connection: close` unless `keep_alive`,
/// Content-Length, and Date unless the response has one; drops header fields whose
/// name or value could split the response (CR, LF, NUL). For a HEAD request
/// (`head_request`) the body is not sent, and a Content-Length the response already
/// carries is kept. Returns the body bytes written.
///
/// The caller arms the stream's timer; it applies only when the response does not
/// fit the socket's send buffer at once: the first attempt is one synchronous,
/// non-blocking write. That puts the socket in non-blocking mode, so a handler must
/// not use blocking (synchronous) reads or writes on the stream.
boost::asio::awaitable<std::size_t> async_write_response(boost::beast::tcp_stream& stream, response res,
                                                         bool keep_alive, bool head_request = false,
                                                         unsigned version = 11);

/// Ends a connection whose request was answered before it was read whole (a 413,
/// a 400 mid-body). Closing a socket with unread bytes makes the kernel send RST,
/// and the client may then lose the answer it has not read yet. So this stops
/// sending, reads and drops what still comes, for at most `linger` and `max_bytes`,
/// then returns; the caller closes. Never throws.
boost::asio::awaitable<void> async_lingering_close(boost::beast::tcp_stream& stream,
                                                   std::chrono::milliseconds linger = std::chrono::seconds(2),
                                                   std::size_t max_bytes = 8 * 1024 * 1024);

}  // namespace dropslot::http
