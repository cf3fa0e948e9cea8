// http_runtime_api against a bare HTTP server on loopback that closes every
// connection after one answer without saying so (no "Connection: close"): what a
// Runtime API does to a kept-alive connection it drops. The emulator tests in
// tests/lambda cover the protocol; these cover the connection handling.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <string>
#include <thread>
#include <vector>

#include "dropslot/lambda/error.hpp"
#include "dropslot/lambda/http_runtime_api.hpp"

namespace dropslot::lambda {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Answers `requests` requests, one per connection, and writes down each request
// it read ("METHOD target [error type] body") into `seen`.
class closing_server {
 public:
  closing_server(int requests, std::vector<std::string>& seen)
      : seen_(seen), thread_([this, requests] { serve(requests); }) {}
  ~closing_server() { thread_.join(); }

  std::string endpoint() const { return "127.0.0.1:" + port(); }
  std::string port() const { return std::to_string(acceptor_.local_endpoint().port()); }

 private:
  void serve(int requests) {
    for (int i = 0; i < requests; ++i) {
      tcp::socket s(io_);
      acceptor_.accept(s);
      boost::beast::flat_buffer buffer;
      bhttp::request<bhttp::string_body> req;
      bhttp::read(s, buffer, req);
      std::string line = std::string(req.method_string()) + " " + std::string(req.target());
      if (auto t = req.find("Lambda-Runtime-Function-Error-Type"); t != req.end()) line += " [" + std::string(t->value()) + "]";
      seen_.push_back(line + " " + req.body());
      bool next = req.method() == bhttp::verb::get;
      bhttp::response<bhttp::string_body> res{next ? bhttp::status::ok : bhttp::status::accepted, 11};
      if (next) res.set("Lambda-Runtime-Aws-Request-Id", "req-" + std::to_string(i));
      res.body() = next ? R"({"n":)" + std::to_string(i) + "}" : "{}";
      res.keep_alive(true);  // and then close all the same
      res.prepare_payload();
      bhttp::write(s, res);
      boost::system::error_code ignored;
      s.shutdown(tcp::socket::shutdown_both, ignored);
    }
  }

  std::vector<std::string>& seen_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::thread thread_;  // last: starts once the acceptor listens
};

TEST(HttpRuntimeApi, ReconnectsWhenTheServerDroppedTheKeptAliveConnection) {
  std::vector<std::string> seen;
  {
    closing_server server(4, seen);
    http_runtime_api api(server.endpoint());
    auto first = api.next();
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_EQ(first->request_id, "req-0");
    EXPECT_EQ(first->event, R"({"n":0})");
    auto second = api.next();
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_EQ(second->request_id, "req-1");
    auto posted = api.post_response(second->request_id, R"({"statusCode":200})");
    ASSERT_TRUE(posted) << posted.error().message();
    EXPECT_EQ(*posted, 202);
    auto failed = api.post_error("req-1", {"Some.Error", "it broke"});
    ASSERT_TRUE(failed) << failed.error().message();
    EXPECT_EQ(*failed, 202);
  }
  // Each request reached the server once, whole.
  std::vector<std::string> expected{
      "GET /2018-06-01/runtime/invocation/next ",
      "GET /2018-06-01/runtime/invocation/next ",
      R"(POST /2018-06-01/runtime/invocation/req-1/response {"statusCode":200})",
      R"(POST /2018-06-01/runtime/invocation/req-1/error [Some.Error] {"errorMessage":"it broke","errorType":"Some.Error","stackTrace":[]})"};
  EXPECT_EQ(seen, expected);
}

TEST(HttpRuntimeApi, AHostNameGoesThroughTheResolver) {
  std::vector<std::string> seen;
  closing_server server(1, seen);
  http_runtime_api api("localhost:" + server.port());
  auto inv = api.next();
  ASSERT_TRUE(inv) << inv.error().message();
  EXPECT_EQ(inv->request_id, "req-0");
}

TEST(HttpRuntimeApi, NoServerIsRuntimeUnreachable) {
  // Port 1 on loopback: nothing listens there.
  http_runtime_api api("127.0.0.1:1");
  auto r = api.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(lambda_errc::runtime_unreachable));
}

}  // namespace
}  // namespace dropslot::lambda
