// The buffered server over real loopback sockets: a tiny echo service, raw clients.
// No timing is asserted: timeouts here are short only to make the server act, and
// the client waits are generous so that a broken server fails instead of hanging.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "dropslot/http/access_log.hpp"
#include "dropslot/http/server.hpp"
#include "dropslot/http/static_files.hpp"
#include "raw_client.hpp"

using namespace dropslot::http;
using dropslot::test::fetch;
using dropslot::test::raw_client;

namespace {

/// Echoes what it was given as JSON. `/throw` throws; `/slow` blocks until released.
class echo_service : public service {
 public:
  std::atomic<int> calls{0};
  std::size_t limit = 1024;

  std::size_t body_limit(const request&) const override { return limit; }
  bool has_route(const request& head) const override { return head.path != "/nowhere"; }

  response handle(const request& req) override {
    ++calls;
    if (req.path == "/throw") throw std::runtime_error("secret detail xyz");
    if (req.path == "/slow") {
      std::unique_lock lock(m_);
      entered_ = true;
      cv_.notify_all();
      cv_.wait_for(lock, std::chrono::seconds(30), [&] { return released_; });
    }
    if (req.path == "/big") {  // larger than any socket send buffer
      response big;
      big.body.assign(8 * 1024 * 1024, 'b');
      return big;
    }
    boost::json::object o;
    o["method"] = req.method;
    o["path"] = req.path;
    o["query"] = req.query;
    o["body"] = req.body;
    o["remote"] = req.remote_address;
    o["request_id"] = req.request_id;
    response res;
    res.headers.add("Content-Type", "application/json");
    if (req.path == "/close") res.headers.add("Connection", "close");
    res.body = boost::json::serialize(o);
    return res;
  }

  void wait_entered() {
    std::unique_lock lock(m_);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return entered_; });
  }
  void release() {
    std::lock_guard lock(m_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool released_ = false;
};

const std::string simple_get = "GET /echo?a=1 HTTP/1.1\r\nHost: t\r\n\r\n";

boost::json::object json_of(const std::string& body) { return boost::json::parse(body).as_object(); }

class ServerTest : public ::testing::Test {
 protected:
  void start(limits lim = {}) {
    svc_ = std::make_shared<echo_service>();
    auto bound = server_.listen("127.0.0.1:0", svc_, lim);
    ASSERT_TRUE(bound.has_value()) << bound.error().message();
    address_ = *bound;
    server_.start();
  }
  void TearDown() override {
    if (svc_) svc_->release();
    server_.stop();
    server_.join();
  }

  server server_{2};
  std::shared_ptr<echo_service> svc_;
  std::string address_;
};

TEST_F(ServerTest, ListenOnPortZeroReturnsTheBoundPort) {
  start();
  EXPECT_EQ(address_.rfind("127.0.0.1:", 0), 0u);
  EXPECT_NE(address_, "127.0.0.1:0");
}

TEST_F(ServerTest, BadAddressIsAnError) {
  auto r = server_.listen("no-port-here", std::make_shared<echo_service>());
  EXPECT_FALSE(r.has_value());
  auto r2 = server_.listen("127.0.0.1:notaport", std::make_shared<echo_service>());
  EXPECT_FALSE(r2.has_value());
}

TEST_F(ServerTest, MissingServiceIsAnError) {
  EXPECT_FALSE(server_.listen("127.0.0.1:0", nullptr).has_value());
}

TEST_F(ServerTest, ListensOnIpv6AndNames) {
  auto v6 = server_.listen("[::1]:0", std::make_shared<echo_service>());
  if (v6) {  // some sandboxes have no IPv6
    EXPECT_EQ(v6->rfind("[::1]:", 0), 0u) << *v6;
  }
  auto named = server_.listen("localhost:0", std::make_shared<echo_service>());
  ASSERT_TRUE(named.has_value()) << named.error().message();
  server_.start();
  if (named->rfind("127.0.0.1:", 0) == 0) {  // the raw client speaks IPv4 only
    auto r = fetch(*named, simple_get);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
}

TEST_F(ServerTest, ServesARequestWithItsId) {
  start();
  auto r = fetch(address_, simple_get);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto o = json_of(r->body);
  EXPECT_EQ(o["method"].as_string(), "GET");
  EXPECT_EQ(o["path"].as_string(), "/echo");
  EXPECT_EQ(o["query"].as_string(), "a=1");
  EXPECT_EQ(o["remote"].as_string(), "127.0.0.1");
  EXPECT_EQ(r->header("date").size(), 29u) << r->header("date");  // "Sun, 29 Nov 2026 05:40:00 GMT"
  EXPECT_EQ(r->header("date").substr(25), " GMT");
  const std::string id = r->header("x-request-id");
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(o["request_id"].as_string(), id);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  raw_client c(address_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send(simple_get));
    auto r = c.read_response();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->header("connection"), "close");
  }
  EXPECT_EQ(svc_->calls.load(), 3);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  raw_client c(address_);
  ASSERT_TRUE(c.send("GET /one HTTP/1.1\r\nHost: t\r\n\r\nPOST /two HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
                     "GET /three HTTP/1.1\r\nHost: t\r\n\r\n"));
  for (const char* p : {"/one", "/two", "/three"}) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(json_of(r->body)["path"].as_string(), p);
  }
}

TEST_F(ServerTest, BodyWithinLimitReachesTheHandler) {
  start();
  auto r = fetch(address_, "POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_TRUE(r);
  EXPECT_EQ(json_of(r->body)["body"].as_string(), "hello");
  auto chunked = fetch(address_, "POST /b HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_TRUE(chunked);
  EXPECT_EQ(json_of(chunked->body)["body"].as_string(), "abcde");
}

TEST_F(ServerTest, BodyOverTheLimitIs413BeforeItIsRead) {
  start();
  raw_client c(address_);
  // Only the head is sent: the answer must come without the body.
  ASSERT_TRUE(c.send("PUT /big HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(json_of(r->body)["error"].as_object()["code"].as_string(), "payload_too_large");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(svc_->calls.load(), 0);
}

// A body to a route that does not exist gets the service's answer without the body
// (its 404), not 413; the body is never read, so the connection closes after it.
TEST_F(ServerTest, BodyToNoRouteIsAnsweredAsWithoutOne) {
  start();
  raw_client c(address_);
  ASSERT_TRUE(c.send("POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);  // the echo service's answer, not 413
  EXPECT_EQ(json_of(r->body)["path"].as_string(), "/nowhere");
  EXPECT_EQ(json_of(r->body)["body"].as_string(), "");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(svc_->calls.load(), 1);
  // Within the limit too: the body is not read for a request no route takes.
  auto small = fetch(address_, "POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
  ASSERT_TRUE(small);
  EXPECT_EQ(json_of(small->body)["body"].as_string(), "");
}

TEST_F(ServerTest, ClientThatSendsTheWholeBodyStillReads413) {
  start();
  raw_client c(address_);
  // As a browser does: the body follows the head at once, without Expect. The
  // server must not reset the connection under the client while it still sends.
  std::string body(4 * 1024 * 1024, 'x');
  EXPECT_TRUE(c.send("POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                     body));  // no reset while sending
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(svc_->calls.load(), 0);
}

TEST_F(ServerTest, ListenerBodyCapBeatsALargerServiceLimit) {
  limits lim;
  lim.max_body_bytes = 10;  // the service allows 1024
  start(lim);
  auto r = fetch(address_, "POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n01234567890123456789");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(svc_->calls.load(), 0);
}

TEST_F(ServerTest, ChunkedBodyOverTheLimitIs413) {
  start();
  raw_client c(address_);
  std::string chunk(2000, 'x');
  ASSERT_TRUE(c.send("POST /big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + chunk + "\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(svc_->calls.load(), 0);
}

TEST_F(ServerTest, ExpectContinueGets100ThenTheAnswer) {
  start();
  raw_client c(address_);
  ASSERT_TRUE(c.send("PUT /e HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("data"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json_of(r->body)["body"].as_string(), "data");
}

TEST_F(ServerTest, ExpectContinueOverTheLimitGets413Only) {
  start();
  raw_client c(address_);
  ASSERT_TRUE(c.send("PUT /e HTTP/1.1\r\nHost: t\r\nContent-Length: 999999\r\nExpect: 100-continue\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, GarbageIs400AndCloses) {
  start();
  raw_client c(address_);
  ASSERT_TRUE(c.send("THIS IS NOT HTTP\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json_of(r->body)["error"].as_object()["code"].as_string(), "bad_request");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(svc_->calls.load(), 0);
}

TEST_F(ServerTest, AmbiguousFramingIs400) {
  start();
  // Both lengths (request smuggling), two different Content-Lengths, no Host in 1.1.
  for (const char* bad : {"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "0\r\n\r\n",
                          "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                          "GET /x HTTP/1.1\r\n\r\n"}) {
    raw_client c(address_);
    ASSERT_TRUE(c.send(bad));
    auto r = c.read_response();
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_TRUE(c.wait_closed());
  }
  EXPECT_EQ(svc_->calls.load(), 0);
}

TEST_F(ServerTest, OversizedHeadIs431) {
  limits lim;
  lim.max_header_bytes = 1024;
  start(lim);
  auto r = fetch(address_, "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
}

TEST_F(ServerTest, HandlerExceptionIsAGeneric500) {
  start();
  auto r = fetch(address_, "GET /throw HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(json_of(r->body)["error"].as_object()["code"].as_string(), "internal_error");
  EXPECT_EQ(r->body.find("secret detail"), std::string::npos);
}

TEST_F(ServerTest, Http10AndConnectionCloseEndTheConnection) {
  start();
  raw_client a(address_);
  ASSERT_TRUE(a.send("GET /x HTTP/1.0\r\n\r\n"));
  auto ra = a.read_response();
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->status, 200);
  EXPECT_TRUE(a.wait_closed());

  raw_client b(address_);
  ASSERT_TRUE(b.send("GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  auto rb = b.read_response();
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->header("connection"), "close");
  EXPECT_TRUE(b.wait_closed());

  raw_client c(address_);  // the service asks to close
  ASSERT_TRUE(c.send("GET /close HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(c.read_response());
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(ServerTest, Http10KeepAliveIsHonoured) {
  start();
  raw_client c(address_);
  ASSERT_TRUE(c.send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("connection"), "keep-alive");
  ASSERT_TRUE(c.send("GET /y HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(c.read_response());
}

TEST_F(ServerTest, LargeResponseArrivesWholeAndKeepAliveGoesOn) {
  start();
  raw_client c(address_);
  ASSERT_TRUE(c.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->body.size(), 8u * 1024 * 1024);
  EXPECT_EQ(r->body.find_first_not_of('b'), std::string::npos);
  ASSERT_TRUE(c.send(simple_get));
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(ServerTest, HeadSendsLengthButNoBody) {
  start();
  raw_client c(address_);
  ASSERT_TRUE(c.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response(/*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_GT(std::stoul(r->header("content-length")), 0u);
  // Had a body been sent, it would be read as the next response's start.
  ASSERT_TRUE(c.send(simple_get));
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(ServerTest, SlowlorisIsClosedWhileOthersAreServed) {
  limits lim;
  lim.header_timeout = std::chrono::seconds(1);
  start(lim);
  raw_client slow(address_);
  ASSERT_TRUE(slow.send("GET / HTTP/1.1\r\nHost: t\r\nX-A: "));  // never finishes its head
  auto r = fetch(address_, simple_get);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(slow.wait_closed());  // closed by the server, not by the client's 20 s timeout
  EXPECT_EQ(svc_->calls.load(), 1);
}

TEST_F(ServerTest, SilentConnectionIsClosedAfterTheHeaderTimeout) {
  limits lim;
  lim.header_timeout = std::chrono::seconds(1);
  start(lim);
  raw_client silent(address_);
  EXPECT_TRUE(silent.wait_closed());
}

TEST_F(ServerTest, IdleKeepAliveIsClosedAfterTheIdleTimeout) {
  limits lim;
  lim.idle_timeout = std::chrono::seconds(1);
  start(lim);
  raw_client c(address_);
  ASSERT_TRUE(c.send(simple_get));
  ASSERT_TRUE(c.read_response());
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(ServerTest, MaxConnectionsRefusesTheExtraOne) {
  limits lim;
  lim.max_connections = 2;
  start(lim);
  auto a = std::make_unique<raw_client>(address_);
  raw_client b(address_);
  for (auto* c : {a.get(), &b}) {
    ASSERT_TRUE(c->send(simple_get));
    ASSERT_TRUE(c->read_response());
  }
  {
    raw_client extra(address_);
    extra.send(simple_get);
    EXPECT_FALSE(extra.read_response());  // accepted by the kernel, closed by the server
  }
  a.reset();  // frees a slot (the server notices the close asynchronously)
  bool served = false;
  for (int i = 0; i < 200 && !served; ++i) {
    raw_client again(address_);
    again.send(simple_get);
    served = again.read_response().has_value();
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(served);
}

TEST_F(ServerTest, StopFinishesInFlightRequestsAndClosesIdleOnes) {
  start();
  server_.set_drain_timeout(std::chrono::seconds(60));
  raw_client idle(address_);
  ASSERT_TRUE(idle.send(simple_get));
  ASSERT_TRUE(idle.read_response());

  raw_client busy(address_);
  ASSERT_TRUE(busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  svc_->wait_entered();

  server_.stop();
  EXPECT_FALSE(server_.running());
  // The idle connection goes at once, although the busy one holds the drain open.
  EXPECT_TRUE(idle.wait_closed());
  // The listener closes on the server's control strand, which may run just after
  // the idle connection noticed the stop by itself: wait for the refusal.
  bool refused = false;
  for (int i = 0; i < 500 && !refused; ++i) {
    try {
      raw_client late(address_);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } catch (const std::runtime_error&) {
      refused = true;
    }
  }
  EXPECT_TRUE(refused);

  svc_->release();
  auto r = busy.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(busy.wait_closed());
  server_.join();  // returns: the drain ended with the last connection
}

TEST_F(ServerTest, DrainTimeoutCutsAStalledUpload) {
  start();
  server_.set_drain_timeout(std::chrono::milliseconds(200));
  raw_client stalled(address_);
  ASSERT_TRUE(stalled.send("PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789"));
  // Make sure the server is reading the body (not idle) before stopping: a second
  // connection's answer shows the loop is running; the head is sent by then.
  ASSERT_TRUE(fetch(address_, simple_get));
  server_.stop();
  EXPECT_TRUE(stalled.wait_closed());
  server_.join();
  EXPECT_EQ(svc_->calls.load(), 1);  // only the probe; the stalled upload never reached it
}

TEST_F(ServerTest, AccessLogHasNoQueryNoHeadersNoCookies) {
  std::mutex m;
  std::vector<std::string> lines;
  set_access_log_sink([&](std::string_view l) {
    std::lock_guard lock(m);
    lines.emplace_back(l);
  });
  start();
  auto r = fetch(address_, "GET /photo.jpg?X-Amz-Signature=deadbeef HTTP/1.1\r\nHost: t\r\n"
                           "Cookie: dropslot_session=tok123\r\nAuthorization: Bearer tok456\r\n\r\n");
  ASSERT_TRUE(r);
  std::string line;
  for (int i = 0; i < 500 && line.empty(); ++i) {
    {
      std::lock_guard lock(m);
      if (!lines.empty()) line = lines[0];
    }
    if (line.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  set_access_log_sink({});
  ASSERT_FALSE(line.empty());
  auto o = json_of(line);
  EXPECT_EQ(o["path"].as_string(), "/photo.jpg");
  EXPECT_EQ(o["status"].as_int64(), 200);
  EXPECT_EQ(o["request_id"].as_string(), r->header("x-request-id"));
  EXPECT_EQ(o["bytes"].to_number<std::size_t>(), r->body.size());
  for (const char* secret : {"deadbeef", "tok123", "tok456", "Signature"})
    EXPECT_EQ(line.find(secret), std::string::npos) << secret;
}

/// Serves a folder through the real server, as `dropslot serve` does for `/`.
class files_service : public service {
 public:
  explicit files_service(static_files f) : files_(std::move(f)) {}
  response handle(const request& req) override { return files_.serve(req); }

 private:
  static_files files_;
};

TEST(StaticOverServer, TraversalOverTheWireIs404And304Works) {
  namespace fs = std::filesystem;
  fs::path base = fs::temp_directory_path() / ("dropslot-static-it-" + std::to_string(::getpid()));
  fs::create_directories(base / "root");
  std::ofstream(base / "root/index.html") << "home";
  std::ofstream(base / "secret.txt") << "outside";
  auto files = static_files::open(base / "root");
  ASSERT_TRUE(files.has_value());

  server srv(1);
  auto bound = srv.listen("127.0.0.1:0", std::make_shared<files_service>(std::move(files).value()));
  ASSERT_TRUE(bound.has_value());
  srv.start();
  for (const char* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%5csecret.txt"}) {
    auto r = fetch(*bound, std::string("GET ") + target + " HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 404) << target;
    EXPECT_EQ(r->body.find("outside"), std::string::npos);
  }
  auto home = fetch(*bound, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(home);
  EXPECT_EQ(home->body, "home");
  auto again = fetch(*bound, "GET / HTTP/1.1\r\nHost: t\r\nIf-None-Match: " + home->header("etag") + "\r\n\r\n");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  srv.stop();
  srv.join();
  fs::remove_all(base);
}

/// Answers from other threads, as a service waiting on the database's group commit
/// does. `/later` replies from a new thread, which reads the request there (it stays
/// valid until the reply); `/held` keeps its reply until the test releases it;
/// `/fast` replies before returning; `/drop` and `/drop-later` lose the reply
/// uncalled (the latter on another thread); `/throw` throws; `/throw-held` keeps the
/// reply and then throws; `/twice` replies twice, the second time from another thread.
class async_service : public service {
 public:
  std::atomic<int> calls{0};

  response handle(const request&) override {
    ADD_FAILURE() << "the server calls handle_async";
    return {};
  }

  void handle_async(const request& req, reply_fn reply) override {
    ++calls;
    if (req.path == "/fast") return reply(answer(req, "fast"));
    if (req.path == "/later") return spawn([&req, reply] { reply(answer(req, "later")); });
    if (req.path == "/held") return hold(answer(req, "held"), std::move(reply));
    if (req.path == "/drop") return;
    if (req.path == "/drop-later") return spawn([reply] {});
    if (req.path == "/throw") throw std::runtime_error("secret detail abc");
    if (req.path == "/throw-held") {
      hold(answer(req, "held"), std::move(reply));
      throw std::runtime_error("secret detail abc");
    }
    if (req.path == "/twice") {
      // Both answers are built now: `req` may be gone once the first is given.
      return spawn([this, reply, first = answer(req, "first"), second = answer(req, "second")] {
        reply(first);
        std::thread other([&] { reply(second); });
        other.join();
        std::lock_guard lock(m_);
        ++second_replies_;
        cv_.notify_all();
      });
    }
    reply(answer(req, "unknown"));
  }

  /// Waits until `n` replies are held (false after 20 s: the test fails, not hangs).
  bool wait_held(std::size_t n) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return held_.size() >= n; });
  }
  bool wait_second_replies(int n) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return second_replies_ >= n; });
  }
  /// Gives the held answers, on the calling thread.
  void release_held() {
    std::vector<std::pair<reply_fn, response>> held;
    {
      std::lock_guard lock(m_);
      held.swap(held_);
    }
    for (auto& [reply, res] : held) reply(std::move(res));
  }
  /// Ends every thread the service started. Before the server goes: a late reply
  /// posts to its event loop.
  void finish() {
    release_held();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(m_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

 private:
  static response answer(const request& req, const std::string& tag) {
    boost::json::object o;
    o["tag"] = tag;
    o["path"] = req.path;
    o["query"] = req.query;
    o["body"] = req.body;
    o["request_id"] = req.request_id;
    response res;
    res.status = 201;
    res.headers.add("Content-Type", "application/json");
    res.headers.add("X-Answer", tag);
    res.body = boost::json::serialize(o);
    return res;
  }
  void spawn(std::function<void()> fn) {
    std::lock_guard lock(m_);
    threads_.emplace_back(std::move(fn));
  }
  void hold(response res, reply_fn reply) {
    std::lock_guard lock(m_);
    held_.emplace_back(std::move(reply), std::move(res));
    cv_.notify_all();
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::thread> threads_;
  std::vector<std::pair<reply_fn, response>> held_;
  int second_replies_ = 0;
};

class AsyncServiceTest : public ::testing::Test {
 protected:
  void start(unsigned threads = 2) {
    server_ = std::make_unique<server>(threads);
    svc_ = std::make_shared<async_service>();
    auto bound = server_->listen("127.0.0.1:0", svc_, {});
    ASSERT_TRUE(bound.has_value()) << bound.error().message();
    address_ = *bound;
    server_->start();
  }
  void TearDown() override {
    // A held reply would keep its connection, and so the drain, waiting.
    if (svc_) svc_->finish();
    if (server_) {
      server_->stop();
      server_->join();
    }
  }

  std::unique_ptr<server> server_;
  std::shared_ptr<async_service> svc_;
  std::string address_;
};

// GET `target` on the kept-alive connection `c`, and its answer (nullopt when the
// request could not be sent or no answer came).
std::optional<dropslot::test::raw_response> get_on(dropslot::test::raw_client& c, const std::string& target) {
  if (!c.send("GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n")) return std::nullopt;
  return c.read_response();
}

// The connection still serves: a /fast request on it gets its own answer.
void expect_served_next(dropslot::test::raw_client& c) {
  auto next = get_on(c, "/fast");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 201);
  EXPECT_EQ(next->header("x-answer"), "fast");
}

std::string error_code_of(const dropslot::test::raw_response& r) {
  return std::string(json_of(r.body)["error"].as_object()["code"].as_string());
}

// The server's generic 500 for `target` on `c`.
void expect_internal_error(dropslot::test::raw_client& c, const std::string& target) {
  auto r = get_on(c, target);
  ASSERT_TRUE(r) << target;
  EXPECT_EQ(r->status, 500) << target;
  EXPECT_EQ(error_code_of(*r), "internal_error") << target;
  EXPECT_EQ(r->header("x-request-id").size(), 16u) << target;
  EXPECT_NE(r->header("connection"), "close") << target;
  EXPECT_EQ(r->body.find("secret detail"), std::string::npos) << target;
}

TEST_F(AsyncServiceTest, ReplyFromAnotherThreadArrivesWhole) {
  start();
  auto r = fetch(address_, "POST /later?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->header("x-answer"), "later");
  EXPECT_EQ(r->header("content-type"), "application/json");
  auto o = json_of(r->body);
  EXPECT_EQ(o["tag"].as_string(), "later");
  EXPECT_EQ(o["path"].as_string(), "/later");
  EXPECT_EQ(o["query"].as_string(), "x=1");
  EXPECT_EQ(o["body"].as_string(), "hello");
  const std::string id = r->header("x-request-id");
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(o["request_id"].as_string(), id);  // read on the other thread, before the reply
}

TEST_F(AsyncServiceTest, PendingReplyDoesNotHoldTheOnlyWorker) {
  start(/*threads=*/1);
  raw_client slow(address_);
  ASSERT_TRUE(slow.send("GET /held HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(svc_->wait_held(1));
  // The one worker thread is free: other connections are served meanwhile.
  for (int i = 0; i < 3; ++i) {
    auto r = fetch(address_, "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->header("x-answer"), "fast");
  }
  std::thread releaser([&] { svc_->release_held(); });
  releaser.join();
  auto r = slow.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->header("x-answer"), "held");
  EXPECT_EQ(json_of(r->body)["request_id"].as_string(), r->header("x-request-id"));
}

TEST_F(AsyncServiceTest, DroppedReplyIs500AndTheConnectionGoesOn) {
  start();
  raw_client c(address_);
  for (const char* path : {"/drop", "/drop-later"}) expect_internal_error(c, path);
  // A 500 of the service does not end keep-alive.
  expect_served_next(c);
}

TEST_F(AsyncServiceTest, ThrowingBeforeReturningIsAGeneric500) {
  start();
  raw_client c(address_);
  expect_internal_error(c, "/throw");
  // The reply handed over before the throw is ignored when it comes later: the
  // throw already answered.
  expect_internal_error(c, "/throw-held");
  ASSERT_TRUE(svc_->wait_held(1));
  std::thread releaser([&] { svc_->release_held(); });
  releaser.join();
  expect_served_next(c);
}

TEST_F(AsyncServiceTest, SecondReplyIsIgnored) {
  start();
  raw_client c(address_);
  auto r = get_on(c, "/twice");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->header("x-answer"), "first");
  ASSERT_TRUE(svc_->wait_second_replies(1));
  // Nothing of the second answer reached the wire: the next response read is the
  // next request's.
  auto next = get_on(c, "/fast?n=2");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->header("x-answer"), "fast");
  EXPECT_EQ(json_of(next->body)["query"].as_string(), "n=2");
}

TEST_F(AsyncServiceTest, KeepAliveRequestsAnsweredLaterStayInOrder) {
  start();
  raw_client c(address_);
  for (int i = 0; i < 5; ++i) {
    auto r = get_on(c, "/later?i=" + std::to_string(i));
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->header("x-answer"), "later") << i;
    EXPECT_EQ(json_of(r->body)["query"].as_string(), "i=" + std::to_string(i));
    EXPECT_NE(r->header("connection"), "close");
  }
  // Pipelined: the next request is parsed only after the previous reply was written.
  ASSERT_TRUE(c.send("GET /later?p=0 HTTP/1.1\r\nHost: t\r\n\r\nGET /fast?p=1 HTTP/1.1\r\nHost: t\r\n\r\n"
                     "GET /later?p=2 HTTP/1.1\r\nHost: t\r\n\r\n"));
  for (int i = 0; i < 3; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(json_of(r->body)["query"].as_string(), "p=" + std::to_string(i));
  }
  EXPECT_EQ(svc_->calls.load(), 8);
}

TEST_F(AsyncServiceTest, StopWaitsForAPendingReplyThenCloses) {
  start();
  server_->set_drain_timeout(std::chrono::seconds(60));
  raw_client busy(address_);
  ASSERT_TRUE(busy.send("GET /held HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(svc_->wait_held(1));
  server_->stop();
  // The request is in flight, so the drain waits for its reply.
  std::thread releaser([&] { svc_->release_held(); });
  auto r = busy.read_response();
  releaser.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->header("x-answer"), "held");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(busy.wait_closed());
  server_->join();  // returns: the drain ended with the last connection
}

TEST_F(AsyncServiceTest, DrainTimeoutClosesAConnectionWaitingForItsReply) {
  start();
  server_->set_drain_timeout(std::chrono::milliseconds(200));
  raw_client busy(address_);
  ASSERT_TRUE(busy.send("GET /held HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(svc_->wait_held(1));
  server_->stop();
  // Closed without an answer when the drain timeout ends, and the session stops
  // waiting for the reply: join() returns while the service still holds it.
  EXPECT_FALSE(busy.read_response());
  server_->join();
  // The late reply (the request it answers is still alive for it) goes nowhere.
  std::thread releaser([&] { svc_->release_held(); });
  releaser.join();
}

}  // namespace
