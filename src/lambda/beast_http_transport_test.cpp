// The Beast transport of `dropslot lambda`'s AWS JSON calls against real HTTP and
// HTTPS servers on loopback (Beast, in this file): keep-alive reuse, a server that
// drops an idle connection (reconnect before sending), one that drops a connection
// after reading a request (no answer, never sent twice), one that never answers
// (timeout), and TLS with a self-signed certificate trusted through SSL_CERT_FILE,
// its host name checked. The DynamoDB e2e tests (tests/dynamo, tests/lambda) run it
// against dynalite inside `dropslot lambda`.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dropslot/lambda/beast_http_transport.hpp"
#include "test_certificate.hpp"
#include "dropslot/s3/aws_json.hpp"

namespace dropslot::lambda {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

enum class action { answer, answer_then_close, drop, hold };

// What the server does with request `n` (from 0) of connection `c` (from 0).
using policy = std::function<action(int c, int n)>;

// One thread per connection, blocking Beast. Counts connections and the requests it
// read in full.
class test_server {
 public:
  explicit test_server(policy p, asio::ssl::context* tls = nullptr) : policy_(std::move(p)), tls_(tls) {
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~test_server() {
    stopping_ = true;
    boost::system::error_code ec;
    {
      tcp::socket poke(io_);  // wakes the blocking accept (closing the acceptor does not)
      poke.connect(acceptor_.local_endpoint(), ec);
      accept_thread_.join();
    }
    acceptor_.close(ec);
    {
      std::lock_guard lk(mu_);
      for (auto& s : sockets_) s->shutdown(tcp::socket::shutdown_both, ec);
    }
    for (auto& t : threads_) t.join();
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  int connections() const { return connections_; }
  int requests() const { return requests_; }

 private:
  void accept_loop() {
    for (int c = 0;; ++c) {
      auto s = std::make_shared<tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*s, ec);
      if (ec || stopping_) return;
      ++connections_;
      std::lock_guard lk(mu_);
      sockets_.push_back(s);
      threads_.emplace_back([this, s, c] {
        if (tls_) {
          asio::ssl::stream<tcp::socket&> stream(*s, *tls_);
          boost::system::error_code hec;
          stream.handshake(asio::ssl::stream_base::server, hec);
          if (!hec) serve(stream, c);
        } else {
          serve(*s, c);
        }
        boost::system::error_code ignored;
        s->shutdown(tcp::socket::shutdown_both, ignored);
        s->close(ignored);
      });
    }
  }

  template <class Stream>
  void serve(Stream& stream, int c) {
    boost::beast::flat_buffer buffer;
    for (int n = 0;; ++n) {
      bhttp::request<bhttp::string_body> req;
      boost::system::error_code ec;
      bhttp::read(stream, buffer, req, ec);
      if (ec) return;
      ++requests_;
      auto a = policy_(c, n);
      if (a == action::drop) return;
      if (a == action::hold) {
        bhttp::read(stream, buffer, req, ec);  // until the client gives up
        return;
      }
      bhttp::response<bhttp::string_body> res{req.target() == "/missing" ? bhttp::status::not_found : bhttp::status::ok,
                                              11};
      res.set("X-Echo-Target", std::string(req["X-Amz-Target"]));
      res.body() = req.body();
      res.keep_alive(true);
      res.prepare_payload();
      bhttp::write(stream, res, ec);
      if (ec || a == action::answer_then_close) return;
    }
  }

  policy policy_;
  asio::ssl::context* tls_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
};

s3::http_request post(const std::string& url, std::string body) {
  s3::http_request r;
  r.method = "POST";
  r.url = url;
  r.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "DynamoDB_20120810.GetItem"}};
  r.body = std::move(body);
  return r;
}

std::string url(const test_server& s, const std::string& path = "/") {
  return "http://127.0.0.1:" + std::to_string(s.port()) + path;
}

TEST(BeastHttpTransport, ReusesOneKeptAliveConnection) {
  test_server server([](int, int) { return action::answer; });
  auto t = make_beast_http_transport(2s, 5s);
  for (int i = 0; i < 3; ++i) {
    auto r = t->perform(post(url(server), "{\"n\":" + std::to_string(i) + "}"));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "{\"n\":" + std::to_string(i) + "}");
    bool echoed = false;
    for (const auto& [n, v] : r->headers) echoed |= n == "x-echo-target" && v == "DynamoDB_20120810.GetItem";
    EXPECT_TRUE(echoed) << "header names come lowercased, values as sent";
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.requests(), 3);
}

TEST(BeastHttpTransport, AnHttpErrorStatusIsAnAnswer) {
  test_server server([](int, int) { return action::answer; });
  auto t = make_beast_http_transport(2s, 5s);
  auto r = t->perform(post(url(server, "/missing"), "{}"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 404);
}

TEST(BeastHttpTransport, ReconnectsWhenTheServerClosedTheIdleConnection) {
  test_server server([](int, int) { return action::answer_then_close; });
  auto t = make_beast_http_transport(2s, 5s);
  ASSERT_TRUE(t->perform(post(url(server), "{}")));
  std::this_thread::sleep_for(100ms);  // the server's FIN arrives
  auto r = t->perform(post(url(server), "{}"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests(), 2);
}

TEST(BeastHttpTransport, DoesNotReconnectPastMaxIdle) {
  test_server server([](int, int) { return action::answer; });
  auto t = make_beast_http_transport(2s, 5s, 0ms);
  ASSERT_TRUE(t->perform(post(url(server), "{}")));
  std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(t->perform(post(url(server), "{}")));
  EXPECT_EQ(server.connections(), 2) << "a connection idle past max_idle is not reused";
}

// The server read the whole request and hung up: it may have applied it (an
// UpdateItem), so the transport must report no answer and must not send it again.
TEST(BeastHttpTransport, ARequestThatWentOutIsNeverSentTwice) {
  test_server server([](int, int n) { return n == 0 ? action::answer : action::drop; });
  auto t = make_beast_http_transport(2s, 5s);
  ASSERT_TRUE(t->perform(post(url(server), "{}")));
  auto r = t->perform(post(url(server), "{\"UpdateItem\":1}"));
  ASSERT_FALSE(r) << "status " << r->status;
  EXPECT_EQ(server.requests(), 2) << "the dropped request was sent again";
  EXPECT_EQ(server.connections(), 1);
  // The transport is usable afterwards (a new connection).
  auto again = t->perform(post(url(server), "{}"));
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(server.connections(), 2);
}

TEST(BeastHttpTransport, ASilentServerTimesOutAsNoAnswer) {
  test_server server([](int, int) { return action::hold; });
  auto t = make_beast_http_transport(2s, 300ms);
  auto started = std::chrono::steady_clock::now();
  auto r = t->perform(post(url(server), "{}"));
  ASSERT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
  EXPECT_EQ(server.requests(), 1);
}

TEST(BeastHttpTransport, ARefusedConnectionIsNoAnswer) {
  unsigned short port;
  {
    test_server server([](int, int) { return action::answer; });
    port = server.port();
  }
  auto t = make_beast_http_transport(2s, 5s);
  auto r = t->perform(post("http://127.0.0.1:" + std::to_string(port) + "/", "{}"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("connect to 127.0.0.1:"), std::string::npos) << r.error().message();
}

// The AWS JSON client over this transport: an HTTP answer is mapped from its JSON,
// no answer is `unavailable` and is not retried.
TEST(BeastHttpTransport, CarriesTheAwsJsonClient) {
  test_server server([](int, int n) { return n < 1 ? action::answer : action::drop; });
  s3::aws_json_config cfg;
  cfg.service = "dynamodb";
  cfg.target_prefix = "DynamoDB_20120810";
  cfg.endpoint = url(server, "");
  cfg.region = "us-east-1";
  cfg.credentials = []() -> result<sigv4::credentials> {
    sigv4::credentials k;
    k.access_key = sigv4::access_key_id("AKIDEXAMPLE");
    k.secret = sigv4::secret_access_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    return k;
  };
  cfg.transport = beast_http_transport_factory();
  s3::aws_json_client client(cfg);
  auto ok = client.call("GetItem", boost::json::object{{"Key", "k"}});
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_EQ(ok->at("Key").as_string(), "k");  // the server echoes the body
  auto dropped = client.call("UpdateItem", boost::json::object{});
  ASSERT_FALSE(dropped);
  EXPECT_EQ(dropped.error().code, s3::aws_json_errc::unavailable);
  EXPECT_EQ(server.requests(), 2);
}

// --- HTTPS -------------------------------------------------------------------------

class BeastHttpsTransport : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = testing::make_certificate();
    ASSERT_FALSE(cert_.cert_pem.empty());
    dir_ = std::filesystem::temp_directory_path() / ("beast-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "ca.pem") << cert_.cert_pem;
    server_ctx_.use_certificate_chain(asio::buffer(cert_.cert_pem));
    server_ctx_.use_private_key(asio::buffer(cert_.key_pem), asio::ssl::context::pem);
    for (const char* v : {"SSL_CERT_FILE", "SSL_CERT_DIR", "AWS_CA_BUNDLE"})
      if (const char* old = std::getenv(v)) saved_.emplace_back(v, old);
    ::unsetenv("AWS_CA_BUNDLE");
    ::setenv("SSL_CERT_DIR", dir_.c_str(), 1);  // holds no hashed CA: only the file counts
  }
  void TearDown() override {
    for (const char* v : {"SSL_CERT_FILE", "SSL_CERT_DIR", "AWS_CA_BUNDLE"}) ::unsetenv(v);
    for (auto& [n, v] : saved_) ::setenv(n.c_str(), v.c_str(), 1);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  testing::self_signed cert_;
  std::filesystem::path dir_;
  asio::ssl::context server_ctx_{asio::ssl::context::tls_server};
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST_F(BeastHttpsTransport, TrustsTheCaInSslCertFileAndReusesTheConnection) {
  ::setenv("SSL_CERT_FILE", (dir_ / "ca.pem").c_str(), 1);
  test_server server([](int, int) { return action::answer; }, &server_ctx_);
  auto t = make_beast_http_transport(2s, 5s);
  const std::string u = "https://localhost:" + std::to_string(server.port()) + "/";
  for (int i = 0; i < 2; ++i) {
    auto r = t->perform(post(u, "{\"tls\":true}"));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "{\"tls\":true}");
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(BeastHttpsTransport, HonoursAwsCaBundle) {
  ::setenv("AWS_CA_BUNDLE", (dir_ / "ca.pem").c_str(), 1);
  test_server server([](int, int) { return action::answer; }, &server_ctx_);
  auto t = make_beast_http_transport(2s, 5s);
  auto r = t->perform(post("https://localhost:" + std::to_string(server.port()) + "/", "{}"));
  ASSERT_TRUE(r) << r.error().message();
}

TEST_F(BeastHttpsTransport, RefusesAnUntrustedCertificate) {
  ::setenv("SSL_CERT_FILE", (dir_ / "missing.pem").c_str(), 1);
  test_server server([](int, int) { return action::answer; }, &server_ctx_);
  auto t = make_beast_http_transport(2s, 5s);
  auto r = t->perform(post("https://localhost:" + std::to_string(server.port()) + "/", "{}"));
  ASSERT_FALSE(r);
  EXPECT_EQ(server.requests(), 0);
  EXPECT_NE(r.error().message().find("TLS"), std::string::npos) << r.error().message();
}

TEST_F(BeastHttpsTransport, RefusesACertificateForAnotherName) {
  ::setenv("SSL_CERT_FILE", (dir_ / "ca.pem").c_str(), 1);
  test_server server([](int, int) { return action::answer; }, &server_ctx_);
  auto t = make_beast_http_transport(2s, 5s);
  // Trusted, but issued for localhost, not for the address 127.0.0.1.
  auto r = t->perform(post("https://127.0.0.1:" + std::to_string(server.port()) + "/", "{}"));
  ASSERT_FALSE(r);
  EXPECT_EQ(server.requests(), 0);
  EXPECT_NE(r.error().message().find("TLS"), std::string::npos) << r.error().message();
}

// The transports of one factory share one TLS context, so the CA file is read once
// (the Secrets Manager reader and the DynamoDB backend of `dropslot lambda`); a new
// factory reads it again. Seen by removing the file after the first handshake.
TEST_F(BeastHttpsTransport, TransportsOfOneFactoryShareTheCaCertificates) {
  ::setenv("SSL_CERT_FILE", (dir_ / "ca.pem").c_str(), 1);
  test_server server([](int, int) { return action::answer; }, &server_ctx_);
  const std::string u = "https://localhost:" + std::to_string(server.port()) + "/";
  auto factory = beast_http_transport_factory();
  auto first = factory(2s, 5s);
  auto r = first->perform(post(u, "{}"));
  ASSERT_TRUE(r) << r.error().message();

  std::filesystem::remove(dir_ / "ca.pem");
  auto second = factory(2s, 5s);
  r = second->perform(post(u, "{}"));
  ASSERT_TRUE(r) << "a second transport of the same factory read the CA file again: " << r.error().message();

  auto other = beast_http_transport_factory()(2s, 5s);
  EXPECT_FALSE(other->perform(post(u, "{}"))) << "another factory's transport trusted a CA file that is gone";
}

}  // namespace
}  // namespace dropslot::lambda
