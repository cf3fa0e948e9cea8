#include "buffered_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>

#include "dropslot/http/access_log.hpp"
#include "dropslot/http/stream.hpp"
#include "dropslot/metrics/exposition.hpp"
#include "dropslot/metrics/http_metrics.hpp"
#include "json_error.hpp"
#include "server_log.hpp"

namespace dropslot::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

// Bytes read ahead beyond the head limit: enough to take a body in 64 KiB reads.
// It also bounds the pipeline: at most this much of later requests is buffered,
// the rest waits in the kernel (TCP flow control pushes back on the client).
constexpr std::size_t read_ahead = 64 * 1024;

bool is_expect_continue(const bhttp::request_header<>& h) {
  auto it = h.find(bhttp::field::expect);
  return it != h.end() && iequals(it->value(), "100-continue");
}

// Status and error code for a parse failure of the head or body; nullopt when the
// connection should just close (peer gone, timeout, drain).
std::optional<response> answer_for(boost::system::error_code ec, std::size_t body_limit) {
  if (ec == bhttp::error::header_limit)
    return json_error(431, "request_header_fields_too_large", "request head is too large");
  if (ec == bhttp::error::body_limit)
    return json_error(413, "payload_too_large",
                      "request body is larger than " + std::to_string(body_limit) + " bytes");
  if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
      ec == asio::error::connection_reset || ec == asio::error::eof || ec == asio::error::broken_pipe ||
      ec == bhttp::error::partial_message || ec == asio::error::bad_descriptor)
    return std::nullopt;
  return json_error(400, "bad_request", "malformed HTTP request");
}

// Feeds the bytes already in `buffer` to the parser, without I/O, until the head
// (`head_only`) or the message is complete. Most requests arrive in one segment, so
// this parses them without Beast's composed read, which completes by posting to the
// io_context: one scheduler round trip less per request (measured in
// docs/benchmarks/http.md). need_more means: read on, with a timeout.
boost::system::error_code parse_buffered(bhttp::request_parser<bhttp::string_body>& parser,
                                         beast::flat_buffer& buffer, bool head_only) {
  boost::system::error_code ec;
  auto done = [&] { return head_only ? parser.is_header_done() : parser.is_done(); };
  while (!done() && buffer.size() > 0) {
    std::size_t n = parser.put(buffer.data(), ec);
    buffer.consume(n);
    if (ec) return ec;
    if (n == 0) break;
  }
  if (!done()) ec = bhttp::error::need_more;
  return ec;
}

// Where a service's answer meets the connection's coroutine: `deliver` may run on
// any thread, before or after the coroutine starts waiting.
struct reply_state {
  std::mutex mu;
  std::optional<response> res;
  std::function<void()> resume;  // set while the coroutine waits

  void deliver(response r) {
    std::function<void()> k;
    {
      std::lock_guard lk(mu);
      if (res) return;  // a second call is ignored
      res = std::move(r);
      k = std::move(resume);
    }
    if (k) k();
  }
  bool ready() {
    std::lock_guard lk(mu);
    return res.has_value();
  }
};

// Shared by the copies of one reply_fn: when the last goes uncalled, the request
// is answered 500 instead of hanging its connection. It owns the request, which the
// service may read until it replies, even if the connection is gone by then.
struct reply_token {
  std::shared_ptr<reply_state> state;
  std::shared_ptr<const request> req;
  std::atomic<bool> called{false};
  ~reply_token() {
    if (called.load()) return;
    log_error("handler dropped its reply", "no response was given", req->request_id);
    state->deliver(json_error(500, "internal_error", "internal server error"));
  }
};

// Completes once `st` holds the answer, resuming on the coroutine's executor (the
// connection's strand).
template <class CompletionToken>
auto async_wait_reply(std::shared_ptr<reply_state> st, CompletionToken&& token) {
  return asio::async_initiate<CompletionToken, void()>(
      [st](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto resume = [h] {
          auto ex = asio::get_associated_executor(*h);
          asio::post(ex, [h] { std::move (*h)(); });
        };
        bool ready = false;
        {
          std::lock_guard lk(st->mu);
          ready = st->res.has_value();
          if (!ready) st->resume = resume;
        }
        if (ready) resume();
      },
      token);
}

// Runs the service on `req`: the answer at once when it gives one before returning
// (no scheduler round trip), else after waiting for its reply. If the connection is
// closed meanwhile (the drain's deadline), the wait ends with a 503 that will not be
// sent; the service's late reply is then dropped.
asio::awaitable<response> call_service(service& svc, std::shared_ptr<const request> req, connection_state& conn) {
  auto st = std::make_shared<reply_state>();
  try {
    auto tok = std::make_shared<reply_token>();
    tok->state = st;
    tok->req = req;
    svc.handle_async(*req, [tok](response r) {
      tok->called.store(true);
      tok->state->deliver(std::move(r));
    });
  } catch (const std::exception& e) {
    // The detail is for the log; the client gets a generic message (STYLE.md, Errors).
    log_error("handler threw", e.what(), req->request_id);
    co_return json_error(500, "internal_error", "internal server error");
  } catch (...) {
    log_error("handler threw", "unknown exception", req->request_id);
    co_return json_error(500, "internal_error", "internal server error");
  }
  if (!st->ready()) {
    conn.on_close = [st] { st->deliver(json_error(503, "service_unavailable", "the server is shutting down")); };
    co_await async_wait_reply(st, asio::use_awaitable);
    conn.on_close = nullptr;
  }
  std::lock_guard lk(st->mu);
  co_return std::move(*st->res);
}

}  // namespace

asio::awaitable<void> run_buffered_session(std::shared_ptr<connection_state> conn, service& svc,
                                           bool access_log) {
  auto& stream = conn->stream;
  const auto& lim = conn->limits;
  connection_info info(*conn);
  beast::flat_buffer buffer(lim.max_header_bytes + read_ahead);
  // One parser per request (Beast parsers are single-use), kept in the frame.
  std::optional<bhttp::request_parser<bhttp::string_body>> parser;
  bool unread = false;  // answered before the request was read whole: linger before closing

  for (;;) {
    if (!co_await async_wait_for_request(stream, buffer, info)) break;
    const auto started = std::chrono::steady_clock::now();

    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(lim.max_header_bytes));
    parser->body_limit(boost::none);  // decided by the service once the head is known
    // The stream's timer is armed for header_timeout (async_wait_for_request).
    auto hec = parse_buffered(*parser, buffer, /*head_only=*/true);
    if (hec == bhttp::error::need_more) {
      auto [rec, rn] = co_await bhttp::async_read_header(stream, buffer, *parser, asio::as_tuple(asio::use_awaitable));
      hec = rec;
    }
    if (hec) {
      if (auto res = answer_for(hec, 0)) {
        stream.expires_after(lim.body_timeout);
        try {
          co_await async_write_response(stream, std::move(*res), false);
          unread = true;
        } catch (const boost::system::system_error&) {
          // the peer is gone; nothing more to tell it
        }
      }
      break;
    }
    info.count_request();

    const auto& head = parser->get();
    if (head.version() >= 11 && head.find(bhttp::field::host) == head.end()) {
      // RFC 9112, 3.2: a 1.1 request without Host is answered 400.
      stream.expires_after(lim.body_timeout);
      try {
        co_await async_write_response(stream, json_error(400, "bad_request", "missing Host header"), false);
        unread = !parser->is_done();
      } catch (const boost::system::system_error&) {
      }
      break;
    }
    // Shared with the service's reply (call_service), which may outlive this loop.
    auto shared_req = std::make_shared<request>(to_request(head.base(), info));
    request& req = *shared_req;
    bool keep_alive = head.keep_alive();
    const unsigned version = head.version();
    const bool is_head = head.method() == bhttp::verb::head;
    std::optional<response> early;  // an answer given without calling the service

    // The listener's max_body_bytes caps what any service may ask for.
    std::size_t limit = 0;
    try {
      limit = std::min(svc.body_limit(req), lim.max_body_bytes);
    } catch (const std::exception& e) {
      log_error("body_limit threw", e.what(), req.request_id);
      early = json_error(500, "internal_error", "internal server error");
      keep_alive = false;
    }
    bool routed = true;
    if (!early && !parser->is_done()) {
      try {
        routed = svc.has_route(req);
      } catch (const std::exception& e) {
        log_error("has_route threw", e.what(), req.request_id);
      }
    }
    if (early) {
      // answered below without reading the body
    } else if (!routed) {
      // No route takes it: the service answers as without a body (404/405, not 413).
      // The body is not read, so the connection is not reused.
      keep_alive = false;
    } else if (auto len = parser->content_length(); len && *len > limit) {
      // 413 before reading: the body is never read, so the connection cannot be
      // reused (its bytes would be parsed as the next request).
      early = json_error(413, "payload_too_large", "request body is larger than " + std::to_string(limit) + " bytes");
      keep_alive = false;
    } else if (!parser->is_done()) {
      if (is_expect_continue(head)) {
        static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
        stream.expires_after(lim.body_timeout);
        auto [cec, cn] = co_await asio::async_write(stream, asio::buffer(continue_line.data(), continue_line.size()),
                                                    asio::as_tuple(asio::use_awaitable));
        if (cec) break;
      }
      parser->body_limit(limit);
      auto bec = parse_buffered(*parser, buffer, /*head_only=*/false);
      if (bec == bhttp::error::need_more) {
        stream.expires_after(lim.body_timeout);
        auto [rec, rn] = co_await bhttp::async_read(stream, buffer, *parser, asio::as_tuple(asio::use_awaitable));
        bec = rec;
      }
      if (bec) {
        auto res = answer_for(bec, limit);
        if (!res) break;
        early = std::move(*res);
        keep_alive = false;
      }
    }

    response res;
    if (early) {
      res = std::move(*early);
    } else {
      req.body = std::move(parser->get().body());
      res = co_await call_service(svc, shared_req, *conn);
    }
    if (auto c = res.headers.get("Connection"); c && iequals(*c, "close")) keep_alive = false;
    if (conn->is_stopping()) keep_alive = false;
    res.headers.add("X-Request-Id", req.request_id);
    const int status = res.status;

    stream.expires_after(lim.body_timeout);
    std::size_t sent = 0;
    bool write_ok = true;
    try {
      sent = co_await async_write_response(stream, std::move(res), keep_alive, is_head, version);
    } catch (const boost::system::system_error&) {
      write_ok = false;  // the peer went away or stopped reading
    }
    if (access_log) {
      const auto took = std::chrono::steady_clock::now() - started;
      write_access_log({req.method, req.path, status, sent, std::chrono::duration_cast<std::chrono::microseconds>(took),
                        req.request_id, req.remote_address});
      // The RED series (docs/metrics.md): by route template, never by path.
      if (metrics::enabled()) metrics::http().record(svc.route_label(req), req.method, status, took);
    }
    if (!write_ok) break;
    if (!keep_alive) {
      unread = !parser->is_done();
      break;
    }
  }
  if (unread) co_await async_lingering_close(stream);
  conn->close();
}

}  // namespace dropslot::http::detail
