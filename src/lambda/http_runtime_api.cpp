// The Lambda Runtime API over one kept-alive HTTP/1.1 connection (Beast, blocking).
#include "dropslot/lambda/http_runtime_api.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/span.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <charconv>
#include <cstdint>

#include "dropslot/http/message.hpp"
#include "dropslot/lambda/error.hpp"

namespace dropslot::lambda {

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Runtime API headers are small, but Lambda-Runtime-Client-Context and
// Lambda-Runtime-Cognito-Identity may carry a few KiB each; Beast's default is 8 KiB.
constexpr std::uint32_t header_limit = 64 * 1024;

struct answer {
  int status = 0;
  http::headers headers;
  std::string body;
};

}  // namespace

struct http_runtime_api::impl {
  std::string host;         // without the brackets of an IPv6 literal
  std::string port;
  std::string host_header;  // the endpoint as given
  std::string base = "/2018-06-01";
  asio::io_context io;
  tcp::socket socket{io};
  boost::beast::flat_buffer buffer;

  boost::system::error_code connect() {
    boost::system::error_code ec;
    socket.close(ec);
    buffer.clear();
    ec = {};
    // A literal address (what Lambda sets) needs no resolver, so no NSS
    // configuration is read on the way to the first invocation.
    auto address = asio::ip::make_address(host, ec);
    unsigned short port_number = 0;
    auto [end, perr] = std::from_chars(port.data(), port.data() + port.size(), port_number);
    if (!ec && perr == std::errc{} && end == port.data() + port.size()) {
      socket.connect(tcp::endpoint(address, port_number), ec);
    } else {
      tcp::resolver resolver(io);
      ec = {};
      auto endpoints = resolver.resolve(host, port, ec);
      if (!ec) asio::connect(socket, endpoints, ec);
    }
    if (!ec) socket.set_option(tcp::no_delay(true), ec);
    if (ec) {
      boost::system::error_code ignored;
      socket.close(ignored);
    }
    return ec;
  }

  // One exchange. `error_type` adds Lambda-Runtime-Function-Error-Type. An error
  // only when no answer came; any status is an answer.
  result<answer> exchange(bhttp::verb verb, const std::string& path, std::string_view body,
                          const std::string* error_type) {
    bhttp::request<bhttp::span_body<const char>> req{verb, base + path, 11};
    req.set(bhttp::field::host, host_header);
    if (verb == bhttp::verb::post) {
      req.set(bhttp::field::content_type, "application/json");
      if (error_type) req.set("Lambda-Runtime-Function-Error-Type", *error_type);
      req.body() = boost::beast::span<const char>(body.data(), body.size());
    }
    req.prepare_payload();
    // A kept-alive connection that the server closed meanwhile shows up as a failed
    // write or a read that got nothing: the request then goes once more on a fresh
    // connection (libcurl, used here before, does the same).
    for (int attempt = 0;; ++attempt) {
      bool reused = socket.is_open();
      boost::system::error_code ec;
      if (!reused) ec = connect();
      if (ec) return fail(lambda_errc::runtime_unreachable, ec.message());
      bhttp::write(socket, req, ec);
      bhttp::response_parser<bhttp::string_body> parser;
      parser.header_limit(header_limit);
      parser.body_limit(boost::none);  // Lambda caps events at 6 MB itself
      if (!ec) bhttp::read(socket, buffer, parser, ec);
      if (ec) {
        bool nothing_read = !parser.got_some();
        boost::system::error_code ignored;
        socket.close(ignored);
        if (reused && nothing_read && attempt == 0) continue;
        return fail(lambda_errc::runtime_unreachable, ec.message());
      }
      auto& res = parser.get();
      answer a;
      a.status = static_cast<int>(res.result_int());
      for (const auto& f : res) a.headers.add(std::string(f.name_string()), std::string(f.value()));
      a.body = std::move(res.body());
      if (!res.keep_alive()) {
        boost::system::error_code ignored;
        socket.close(ignored);
      }
      return a;
    }
  }

  result<int> post(const std::string& path, std::string_view body, const std::string* error_type) {
    auto a = exchange(bhttp::verb::post, path, body, error_type);
    if (!a) return fail(std::move(a).error());
    return a->status;
  }
};

http_runtime_api::http_runtime_api(std::string endpoint) : impl_(std::make_unique<impl>()) {
  std::string_view ep = endpoint;
  std::string_view host = ep, port;
  if (ep.starts_with('[')) {  // [::1]:9001
    auto close = ep.find(']');
    host = ep.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    if (close != std::string_view::npos && ep.substr(close + 1).starts_with(':')) port = ep.substr(close + 2);
  } else if (auto colon = ep.rfind(':'); colon != std::string_view::npos) {
    host = ep.substr(0, colon);
    port = ep.substr(colon + 1);
  }
  impl_->host = std::string(host);
  impl_->port = port.empty() ? "80" : std::string(port);
  impl_->host_header = std::move(endpoint);
}

http_runtime_api::~http_runtime_api() = default;

result<invocation> http_runtime_api::next() {
  auto a = impl_->exchange(bhttp::verb::get, "/runtime/invocation/next", {}, nullptr);
  if (!a) return fail(std::move(a).error());
  if (a->status != 200) return fail(lambda_errc::runtime_rejected, "next answered " + std::to_string(a->status));
  invocation inv;
  if (auto id = a->headers.get("lambda-runtime-aws-request-id"); id && !id->empty()) {
    inv.request_id = std::string(*id);
  } else {
    return fail(lambda_errc::bad_invocation);
  }
  if (auto d = a->headers.get("lambda-runtime-deadline-ms")) {
    std::int64_t ms = 0;
    auto [end, ec] = std::from_chars(d->data(), d->data() + d->size(), ms);
    if (ec == std::errc{} && end == d->data() + d->size()) inv.deadline_ms = ms;
  }
  if (auto arn = a->headers.get("lambda-runtime-invoked-function-arn")) inv.function_arn = std::string(*arn);
  if (auto trace = a->headers.get("lambda-runtime-trace-id")) inv.trace_id = std::string(*trace);
  inv.event = std::move(a->body);
  return inv;
}

result<int> http_runtime_api::post_response(const std::string& request_id, std::string_view body) {
  return impl_->post("/runtime/invocation/" + request_id + "/response", body, nullptr);
}

result<int> http_runtime_api::post_error(const std::string& request_id, const function_error& err) {
  return impl_->post("/runtime/invocation/" + request_id + "/error", error_document(err), &err.type);
}

result<int> http_runtime_api::post_init_error(const function_error& err) {
  return impl_->post("/runtime/init/error", error_document(err), &err.type);
}

}  // namespace dropslot::lambda
