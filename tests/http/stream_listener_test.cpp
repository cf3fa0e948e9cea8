// A raw listener with a streaming handler, as the object store uses it: the handler
// runs its own Beast parser loop and reads a large body in pieces.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <atomic>

#include "dropslot/http/stream.hpp"
#include "raw_client.hpp"

using namespace dropslot::http;
using dropslot::test::raw_client;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

struct counters {
  std::atomic<std::size_t> largest_piece{0};
  std::atomic<int> requests{0};
};

// Answers each request with the number of body bytes it read, 64 KiB at a time.
stream_handler counting_handler(std::shared_ptr<counters> stats) {
  return [stats](beast::tcp_stream& stream, connection_info& info) -> asio::awaitable<void> {
    beast::flat_buffer buffer;
    for (;;) {
      if (!co_await async_wait_for_request(stream, buffer, info)) co_return;
      bhttp::request_parser<bhttp::buffer_body> parser;
      parser.body_limit(boost::none);
      auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (hec) co_return;
      info.count_request();
      ++stats->requests;
      request req = to_request(parser.get().base(), info);
      std::size_t total = 0;
      char piece[64 * 1024];
      while (!parser.is_done()) {
        parser.get().body().data = piece;
        parser.get().body().size = sizeof piece;
        stream.expires_after(info.limits().body_timeout);
        auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        if (ec && ec != bhttp::error::need_buffer) co_return;
        std::size_t got = sizeof piece - parser.get().body().size;
        total += got;
        if (got > stats->largest_piece) stats->largest_piece = got;
      }
      response res;
      res.body = std::to_string(total);
      res.headers.add("X-Request-Id", req.request_id);
      const bool keep = parser.get().keep_alive() && !info.stopping();
      stream.expires_after(info.limits().body_timeout);
      co_await async_write_response(stream, std::move(res), keep);
      if (!keep) co_return;
    }
  };
}

class StreamListenerTest : public ::testing::Test {
 protected:
  void start(limits lim = {}) {
    stats_ = std::make_shared<counters>();
    auto bound = server_.listen_stream("127.0.0.1:0", counting_handler(stats_), lim);
    ASSERT_TRUE(bound.has_value()) << bound.error().message();
    address_ = *bound;
    server_.start();
  }
  void TearDown() override {
    server_.stop();
    server_.join();
  }
  server server_{2};
  std::shared_ptr<counters> stats_;
  std::string address_;
};

TEST_F(StreamListenerTest, StreamsALargeBodyInPieces) {
  start();
  raw_client c(address_);
  const std::size_t size = 8 * 1024 * 1024;
  ASSERT_TRUE(c.send("PUT /obj HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n"));
  std::string block(1 << 20, 'z');
  for (std::size_t sent = 0; sent < size; sent += block.size()) ASSERT_TRUE(c.send(block));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, std::to_string(size));
  EXPECT_EQ(r->header("x-request-id").size(), 16u);
  EXPECT_LE(stats_->largest_piece.load(), 64u * 1024);  // never buffered whole
  // Keep-alive works through the helpers too.
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "0");
}

TEST_F(StreamListenerTest, HeaderTimeoutClosesASilentConnection) {
  limits lim;
  lim.header_timeout = std::chrono::seconds(1);
  start(lim);
  raw_client silent(address_);
  EXPECT_TRUE(silent.wait_closed());
}

TEST_F(StreamListenerTest, MaxConnectionsApplies) {
  limits lim;
  lim.max_connections = 1;
  start(lim);
  raw_client a(address_);
  ASSERT_TRUE(a.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(a.read_response());
  raw_client extra(address_);
  extra.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_FALSE(extra.read_response());
}

TEST_F(StreamListenerTest, StopClosesIdleAndLetsAnUploadFinish) {
  start();
  server_.set_drain_timeout(std::chrono::seconds(60));
  raw_client idle(address_);
  ASSERT_TRUE(idle.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());

  raw_client uploading(address_);
  ASSERT_TRUE(uploading.send("PUT /obj HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n01234"));
  // Wait until the handler has the upload's head (it counts requests after reading it).
  for (int i = 0; i < 2000 && stats_->requests.load() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(stats_->requests.load(), 2);

  server_.stop();
  EXPECT_TRUE(idle.wait_closed());
  ASSERT_TRUE(uploading.send("56789"));
  auto r = uploading.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "10");
  EXPECT_EQ(r->header("connection"), "close");
  server_.join();
}

}  // namespace
