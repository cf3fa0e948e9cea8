// The store's connection loop (the only file here that sees Asio and Beast). It reads
// a request head, hands it to the engine, streams the body (if the engine wants it) into
// the engine's consumer, received straight into the consumer's memory when it offers
// some (else in 256 KiB pieces), and writes the response: a body in a file goes out with
// sendfile, any other body source in 256 KiB pieces. Nothing holds a whole body in memory.
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/types.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "dropslot/http/stream.hpp"
#include "dropslot/metrics/exposition.hpp"
#include "dropslot/metrics/s3_metrics.hpp"
#include "dropslot/store/s3_error.hpp"
#include "connection.hpp"
#include "engine.hpp"

namespace dropslot::store {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::size_t io_chunk = 256 * 1024;
// A large file body asks the kernel for this much ahead of what it sends. Bodies PUT with
// O_DIRECT are not in the page cache, and the kernel's own sequential readahead reads
// them at ~170 MB/s on this class of virtio disk, while WILLNEED windows keep several
// large reads in flight (~1.5 GB/s; docs/benchmarks/store.md).
constexpr std::uint64_t readahead_window = 16ull * 1024 * 1024;
// A body the engine did not ask for (an early error) is read and dropped up to this
// much, so the client sees the answer rather than a reset; past it the connection closes.
constexpr std::uint64_t max_drain = 8ull * 1024 * 1024;

http::response to_http(s3_response& r) {
  http::response out;
  out.status = r.status;
  out.headers = std::move(r.headers);
  out.body = std::move(r.body);
  return out;
}

// What to tell a client whose request head Beast refused, or nullopt when the
// connection just ended (a timeout, a reset, an idle close).
std::optional<std::string> unreadable_head(const beast::error_code& ec) {
  if (ec == bhttp::error::bad_content_length || ec == bhttp::error::multiple_content_length)
    return "Content-Length must be a non-negative integer";
  if (ec == bhttp::error::bad_transfer_encoding) return "Transfer-Encoding is not understood";
  if (ec == bhttp::error::bad_field || ec == bhttp::error::bad_value || ec == bhttp::error::bad_line_ending ||
      ec == bhttp::error::bad_method || ec == bhttp::error::bad_target || ec == bhttp::error::bad_version)
    return "The request head is not well-formed HTTP";
  return std::nullopt;
}

// Sends [offset, +length) of `fd` with sendfile: the bytes go from the page cache to the
// socket inside the kernel, with no buffer of ours in between (memory stays bounded by the
// socket's own). While the socket is full it waits for room, at most `body_timeout` at a
// time. WILLNEED windows keep the reads ahead of the sends for files not yet cached.
// False when the connection must end (an error, a stalled client, a shortened file).
asio::awaitable<bool> send_file(beast::tcp_stream& stream, int fd, std::uint64_t offset, std::uint64_t length,
                                const http::limits& lim) {
  using namespace asio::experimental::awaitable_operators;
  auto& socket = stream.socket();
  beast::error_code ec;
  socket.native_non_blocking(true, ec);
  if (ec) co_return false;
  asio::steady_timer timer(socket.get_executor());
  std::uint64_t off = offset, left = length, advised = offset;
  const std::uint64_t end = offset + length;
  while (left) {
    if (length > io_chunk && advised < end && advised < off + readahead_window) {
      std::uint64_t n = std::min(readahead_window, end - advised);
      ::posix_fadvise(fd, static_cast<off_t>(advised), static_cast<off_t>(n), POSIX_FADV_WILLNEED);
      advised += n;
    }
    off_t at = static_cast<off_t>(off);
    ssize_t n = ::sendfile(socket.native_handle(), fd, &at, static_cast<std::size_t>(std::min(left, readahead_window)));
    if (n > 0) {
      off += static_cast<std::uint64_t>(n);
      left -= static_cast<std::uint64_t>(n);
      continue;
    }
    if (n == 0) co_return false;  // the file is shorter than its metadata says: a short body, never wrong bytes
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) co_return false;
    timer.expires_after(lim.body_timeout);
    auto ready = co_await (socket.async_wait(asio::ip::tcp::socket::wait_write, asio::as_tuple(asio::use_awaitable)) ||
                           timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (ready.index() != 0 || std::get<0>(std::get<0>(ready))) co_return false;  // stalled, or the socket failed
  }
  co_return true;
}

// One request in the store's series (metrics/s3_metrics.hpp): in flight from the
// dispatch until this is destroyed, which every way out of the loop's body does; a
// request that ends without its answer sent (the peer left) keeps status 0.
class measured_request {
 public:
  measured_request(std::string_view operation, std::chrono::steady_clock::time_point started)
      : api_(metrics::s3().api(operation)), started_(started) {
    metrics::s3().begin(api_);
  }
  measured_request(const measured_request&) = delete;
  measured_request& operator=(const measured_request&) = delete;
  ~measured_request() {
    metrics::s3().end(api_, status, std::chrono::steady_clock::now() - started_, received, sent);
  }
  int status = 0;
  std::uint64_t received = 0;
  std::uint64_t sent = 0;

 private:
  std::size_t api_;
  std::chrono::steady_clock::time_point started_;
};

bool expects_continue(const http::request& req) {
  auto v = req.headers.get("expect");
  return v && http::iequals(*v, "100-continue");
}

}  // namespace

asio::awaitable<void> serve_connection(beast::tcp_stream& stream, http::connection_info& info,
                                       std::shared_ptr<object_store> store) {
  beast::flat_buffer buffer;
  const http::limits& lim = info.limits();
  std::vector<char> chunk(io_chunk);
  for (;;) {
    if (!co_await http::async_wait_for_request(stream, buffer, info)) co_return;
    bhttp::request_parser<bhttp::buffer_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(lim.max_header_bytes));
    parser.body_limit(boost::none);  // the consumer's own limit applies (checked below)
    auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (hec) {
      if (hec == bhttp::error::header_limit) {
        http::response r;
        r.status = 431;
        r.headers.set("Content-Type", "application/xml");
        stream.expires_after(lim.body_timeout);
        try {
          co_await http::async_write_response(stream, std::move(r), false);
        } catch (const boost::system::system_error&) {
        }
      }
      if (auto message = unreadable_head(hec)) {
        // A head HTTP cannot read (Content-Length: -1, an empty one, a bad header line)
        // gets S3's XML error before the connection closes, not silence.
        s3_response bad = store->engine().reject_head(*message);
        stream.expires_after(lim.body_timeout);
        try {
          co_await http::async_write_response(stream, to_http(bad), false);
        } catch (const boost::system::system_error&) {
        }
      }
      co_return;  // timeout, reset, or garbage: nothing sensible to answer
    }
    info.count_request();
    const auto started = std::chrono::steady_clock::now();
    const auto& head = parser.get();
    http::request req = http::to_request(head.base(), info);
    const bool is_head = head.method() == bhttp::verb::head;
    const unsigned version = head.version();
    bool keep_alive = head.keep_alive();
    const bool continue_expected = expects_continue(req);

    // The operation's name costs a second route lookup: asked for only when it is counted.
    const bool measure = metrics::enabled();
    std::string_view operation;
    dispatch d = store->engine().begin(req, measure ? &operation : nullptr);
    std::optional<measured_request> measured;
    if (measure) measured.emplace(operation, started);
    s3_response res;
    bool body_read = parser.is_done();
    if (d.consumer) {
      std::optional<error> write_error;
      auto len = parser.content_length();
      if (len && *len > d.consumer->max_body()) {
        write_error = error{make_error_code(s3_errc::entity_too_large), {}};
        keep_alive = false;
      } else if (!parser.is_done()) {
        if (continue_expected) {
          static constexpr std::string_view line = "HTTP/1.1 100 Continue\r\n\r\n";
          stream.expires_after(lim.body_timeout);
          auto [cec, cn] = co_await asio::async_write(stream, asio::buffer(line.data(), line.size()),
                                                      asio::as_tuple(asio::use_awaitable));
          if (cec) co_return;
        }
        // Where the next bytes go: the consumer's own memory when it offers some (no copy
        // on the way to the hasher and the disk), else our chunk.
        auto space = [&] {
          auto s = d.consumer->receive_buffer();
          return s.empty() ? std::span<char>(chunk) : s;
        };
        if (len) {
          // A Content-Length body is read straight from the socket, in reads as large as
          // the consumer's space, past Beast's parser (which would copy every byte once
          // more, 64 KiB at a time). First what came in with the head.
          std::uint64_t left = *len;
          while (left && buffer.size() && !write_error) {
            std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
            if (auto w = d.consumer->write(std::string_view(static_cast<const char*>(buffer.data().data()), n)); !w)
              write_error = w.error();
            if (measured) measured->received += n;
            buffer.consume(n);
            left -= n;
          }
          while (left && !write_error) {
            auto into = space();
            std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, into.size()));
            // The timer is re-armed per read: a client must keep making progress, and a
            // stalled one is cut after body_timeout (the temporary is then dropped).
            stream.expires_after(lim.body_timeout);
            auto [rec, rn] = co_await stream.async_read_some(asio::buffer(into.data(), want),
                                                             asio::as_tuple(asio::use_awaitable));
            if (rec) co_return;  // dropped connection: the consumer (and its temp file) is destroyed
            left -= rn;
            if (measured) measured->received += rn;
            if (auto w = d.consumer->write(std::string_view(into.data(), rn)); !w) write_error = w.error();
          }
          body_read = !left;
          if (write_error) keep_alive = false;
        } else {
          // Transfer-Encoding: chunked: Beast undoes the framing.
          std::uint64_t total = 0;
          while (!parser.is_done()) {
            auto into = space();
            parser.get().body().data = into.data();
            parser.get().body().size = into.size();
            stream.expires_after(lim.body_timeout);
            auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
            if (rec == bhttp::error::need_buffer) rec = {};
            if (rec) co_return;
            std::size_t n = into.size() - parser.get().body().size;
            total += n;
            if (measured) measured->received += n;
            if (total > d.consumer->max_body()) {
              write_error = error{make_error_code(s3_errc::entity_too_large), {}};
              keep_alive = false;
              break;
            }
            if (n) {
              if (auto w = d.consumer->write(std::string_view(into.data(), n)); !w) {
                write_error = w.error();
                keep_alive = false;
                break;
              }
            }
          }
          body_read = parser.is_done();
        }
      }
      res = d.consumer->finish(std::move(write_error));
      d.consumer.reset();
    } else {
      res = std::move(d.response);
      if (!parser.is_done()) {
        // The engine answered without wanting the body (an error). Without Expect the
        // client is already sending it: read and drop a bounded amount.
        keep_alive = false;
        auto len = parser.content_length();
        if (!continue_expected && len && *len <= max_drain) {
          while (!parser.is_done()) {
            parser.get().body().data = chunk.data();
            parser.get().body().size = chunk.size();
            stream.expires_after(lim.body_timeout);
            auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
            if (rec == bhttp::error::need_buffer) rec = {};
            if (rec) break;
          }
        }
      }
    }
    if (res.close) keep_alive = keep_alive && body_read;
    if (info.stopping()) keep_alive = false;

    auto source = std::move(res.source);
    const std::uint64_t offset = res.source_offset, length = res.source_length;
    stream.expires_after(lim.body_timeout);
    const int status = res.status;
    try {
      // A streamed body: the head (with Content-Length) goes out as for HEAD, then the bytes.
      auto n = co_await http::async_write_response(stream, to_http(res), keep_alive, is_head || source != nullptr, version);
      if (measured) measured->sent += n;
    } catch (const boost::system::system_error&) {
      co_return;
    }
    if (source && !is_head && source->file_descriptor() >= 0) {
      if (!co_await send_file(stream, source->file_descriptor(), offset, length, lim)) co_return;
      if (measured) measured->sent += length;
    } else if (source && !is_head) {
      const int fd = source->file_descriptor();
      std::uint64_t off = offset, left = length, advised = offset;
      const std::uint64_t end = offset + length;
      while (left) {
        if (fd >= 0 && length > io_chunk && advised < end && advised < off + readahead_window) {
          std::uint64_t n = std::min(readahead_window, end - advised);
          ::posix_fadvise(fd, static_cast<off_t>(advised), static_cast<off_t>(n), POSIX_FADV_WILLNEED);
          advised += n;
        }
        auto got = source->read_at(off, chunk.data(), static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size())));
        if (!got || !*got) co_return;  // the client sees a short body, never wrong bytes
        const std::size_t n = *got;
        stream.expires_after(lim.body_timeout);
        auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(chunk.data(), static_cast<std::size_t>(n)),
                                                    asio::as_tuple(asio::use_awaitable));
        if (wec) co_return;
        if (measured) measured->sent += n;
        off += static_cast<std::uint64_t>(n);
        left -= static_cast<std::uint64_t>(n);
      }
    }
    if (measured) {
      measured->status = status;  // answered whole
      measured.reset();
    }
    if (!keep_alive) {
      beast::error_code ec;
      stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
      co_return;
    }
  }
}

}  // namespace dropslot::store
