// A buffered handler that makes a blocking call to a stream listener of the same
// server: what `dropslot serve` does when the API lists the embedded store
// (tests/faults/test_photos_concurrency.py). With every worker blocked in such a
// handler, the store must still be served, or the call waits for its timeout.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <future>
#include <vector>

#include "dropslot/http/access_log.hpp"
#include "dropslot/http/stream.hpp"
#include "raw_client.hpp"

using namespace dropslot::http;
using dropslot::test::raw_client;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

stream_handler answer_ok() {
  return [](beast::tcp_stream& stream, connection_info& info) -> asio::awaitable<void> {
    beast::flat_buffer buffer;
    while (co_await async_wait_for_request(stream, buffer, info)) {
      bhttp::request_parser<bhttp::empty_body> parser;
      auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      info.count_request();
      response res;
      res.body = "stored";
      stream.expires_after(info.limits().body_timeout);
      co_await async_write_response(stream, std::move(res), parser.get().keep_alive());
    }
  };
}

class calls_store_service : public service {
 public:
  std::string store_address;
  response handle(const request&) override {
    response res;
    raw_client c(store_address, /*timeout_seconds=*/10);
    auto r = c.send("GET /bucket HTTP/1.1\r\nHost: t\r\n\r\n") ? c.read_response() : std::nullopt;
    res.status = r && r->body == "stored" ? 200 : 503;
    return res;
  }
};

TEST(ListenerIsolation, BlockedBufferedHandlersDoNotStarveAStreamListener) {
  set_access_log_sink({});
  server srv(1);  // one worker per listener: the tightest case
  auto store = srv.listen_stream("127.0.0.1:0", answer_ok());
  ASSERT_TRUE(store.has_value());
  auto svc = std::make_shared<calls_store_service>();
  svc->store_address = *store;
  auto api = srv.listen("127.0.0.1:0", svc);
  ASSERT_TRUE(api.has_value());
  srv.start();

  std::vector<std::future<int>> calls;
  for (int i = 0; i < 4; ++i)
    calls.push_back(std::async(std::launch::async, [&] {
      auto r = dropslot::test::fetch(*api, "GET /api/jobs/J1/photos HTTP/1.1\r\nHost: t\r\n\r\n");
      return r ? r->status : 0;
    }));
  for (auto& f : calls) EXPECT_EQ(f.get(), 200);
  srv.stop();
  srv.join();
}

}  // namespace
