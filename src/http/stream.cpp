// The pieces a connection loop needs, shared by the buffered session and by stream
// handlers (the object store): waiting for a request with idle/header timeouts,
// converting a Beast head to a `request`, and writing a buffered `response`.
#include "dropslot/http/stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>

#include <array>
#include <charconv>
#include <ctime>

#include "connection_state.hpp"
#include "dropslot/http/access_log.hpp"

namespace dropslot::http {

namespace asio = boost::asio;
namespace beast = boost::beast;

const std::string& connection_info::remote_address() const noexcept { return s_->remote_address; }
const http::limits& connection_info::limits() const noexcept { return s_->limits; }
bool connection_info::stopping() const noexcept { return s_->is_stopping(); }
void connection_info::set_idle(bool idle) noexcept { s_->idle = idle; }
std::size_t connection_info::requests() const noexcept { return s_->requests; }
void connection_info::count_request() noexcept { ++s_->requests; }

asio::awaitable<bool> async_wait_for_request(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                             connection_info& info) {
  const auto& lim = info.limits();
  if (buffer.size() > 0) {
    // A pipelined request is already here (the previous answer kept the connection
    // open, so the server was not stopping then): serve it.
    stream.expires_after(lim.header_timeout);
    co_return true;
  }
  if (info.stopping()) co_return false;
  // The first request must come within the header timeout of the accept (a
  // connection that never sends holds a slot); later ones may idle longer.
  stream.expires_after(info.requests() == 0 ? lim.header_timeout : lim.idle_timeout);
  info.set_idle(true);
  std::size_t want = std::min<std::size_t>(buffer.max_size(), 16 * 1024);
  auto [ec, n] = co_await stream.async_read_some(buffer.prepare(want), asio::as_tuple(asio::use_awaitable));
  info.set_idle(false);
  if (ec) co_return false;  // closed, timed out, or closed by the drain
  buffer.commit(n);
  // Bytes of a request have arrived: it is in flight now and is answered even if
  // the server began to stop meanwhile (with Connection: close).
  stream.expires_after(lim.header_timeout);
  co_return true;
}

request to_request(const beast::http::request_header<>& head, const connection_info& info) {
  request req;
  req.method = std::string(head.method_string());
  std::string_view target = head.target();
  // Absolute-form ("http://host/path?q"), which proxies send: keep the path part.
  if (!target.empty() && target.front() != '/') {
    auto scheme = target.find("://");
    if (scheme != std::string_view::npos) {
      auto slash = target.find('/', scheme + 3);
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  auto q = target.find('?');
  req.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
  for (const auto& f : head) req.headers.add(std::string(f.name_string()), std::string(f.value()));
  req.remote_address = info.remote_address();
  req.request_id = new_request_id();
  return req;
}

namespace {

// A header name must be a token and a value must not hold CR, LF or NUL: a service
// that copies user input into a header must not be able to split the response.
bool valid_name(std::string_view n) {
  if (n.empty()) return false;
  for (unsigned char c : n)
    if (c <= 32 || c >= 127 || c == ':' || c == '(' || c == ')' || c == '"' || c == ',' || c == ';' ||
        c == '/' || c == '[' || c == ']' || c == '{' || c == '}' || c == '=' || c == '\\' || c == '<' ||
        c == '>' || c == '?' || c == '@')
      return false;
  return true;
}
bool valid_value(std::string_view v) { return v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos; }

// The Date header (RFC 9110, 6.6.1: an origin server with a clock sends it; S3
// clients also read it to correct their clock skew). Formatted once per second and
// per thread, so the hot path pays one clock read.
std::string_view http_date() {
  thread_local std::time_t cached_second = -1;
  thread_local char text[40];
  thread_local std::size_t length = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    length = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_second = now;
  }
  return {text, length};
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

asio::awaitable<std::size_t> async_write_response(beast::tcp_stream& stream, response res, bool keep_alive,
                                                  bool head_request, unsigned version) {
  // The head is written by hand into one string and sent with the body in one
  // gather write: no Beast fields container, and a single syscall per response.
  const bool no_body = res.status < 200 || res.status == 204 || res.status == 304;
  std::string head;
  head.reserve(128 + res.headers.size() * 48);
  head.append("HTTP/1.1 ");
  append_number(head, static_cast<unsigned>(res.status));
  head.push_back(' ');
  auto reason = beast::http::obsolete_reason(beast::http::int_to_status(static_cast<unsigned>(res.status)));
  head.append(reason == "<unknown-status>" ? std::string_view("Unknown") : std::string_view(reason));
  head.append("\r\n");
  bool has_length = false;
  bool has_date = false;
  for (const auto& f : res.headers) {
    if (!valid_name(f.name) || !valid_value(f.value)) continue;
    if (!has_date && iequals(f.name, "Date")) has_date = true;
    if (iequals(f.name, "Connection") || iequals(f.name, "Transfer-Encoding")) continue;
    if (iequals(f.name, "Content-Length")) {
      // Kept only for HEAD, where it tells the size of the body a GET would send.
      if (!head_request || no_body) continue;
      has_length = true;
    }
    head.append(f.name).append(": ").append(f.value).append("\r\n");
  }
  if (!has_date) head.append("Date: ").append(http_date()).append("\r\n");
  if (!no_body && !has_length) {
    head.append("Content-Length: ");
    append_number(head, res.body.size());
    head.append("\r\n");
  }
  if (!keep_alive)
    head.append("Connection: close\r\n");
  else if (version == 10)
    head.append("Connection: keep-alive\r\n");
  head.append("\r\n");

  const bool send_body = !head_request && !no_body;
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head),
                                         send_body ? asio::buffer(res.body) : asio::const_buffer()};
  const std::size_t total = asio::buffer_size(bufs);

  // Fast path: a response usually fits the socket's send buffer, so one
  // non-blocking write sends it whole without arming the stream's timer or posting
  // a completion (measured in docs/benchmarks/http.md). Only what is left, if
  // anything, goes through the timed async write.
  auto& socket = stream.socket();
  boost::system::error_code ec;
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  std::size_t written = ec ? 0 : socket.write_some(bufs, ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) throw boost::system::system_error(ec);
  if (written < total) {
    std::size_t skip = written;
    std::array<asio::const_buffer, 2> rest = bufs;
    for (auto& b : rest) {
      std::size_t n = std::min(skip, b.size());
      b += n;
      skip -= n;
    }
    co_await asio::async_write(stream, rest, asio::use_awaitable);
  }
  co_return send_body ? res.body.size() : 0;
}

asio::awaitable<void> async_lingering_close(beast::tcp_stream& stream, std::chrono::milliseconds linger,
                                            std::size_t max_bytes) {
  boost::system::error_code ec;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  stream.expires_after(linger);
  char sink[16 * 1024];
  std::size_t total = 0;
  while (total < max_bytes) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
    if (rec) break;  // the client closed (eof), the linger time ended, or the drain closed us
    total += n;
  }
}

}  // namespace dropslot::http
