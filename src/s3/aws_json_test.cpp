// The AWS JSON-protocol client against a scripted local endpoint.
//
// The endpoint is a stand-in for AWS itself (a few lines of sockets in this file): it
// answers each POST with what the test scripts (throttling, a conditional check
// failure, a 500, success), so the retry rules can be checked exactly. The DynamoDB
// backend's tests run the same client against dynalite (tests/dynamo).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "dropslot/s3/aws_json.hpp"
#include "dropslot/util/test_http.hpp"

namespace dropslot::s3 {
namespace {

using namespace std::chrono_literals;

struct seen_request {
  std::string head;  // request line and headers, lower-cased names kept as sent
  std::string body;
};

struct scripted_answer {
  int status = 200;
  std::string body = "{}";
};

// One listening socket on 127.0.0.1, one thread, keep-alive connections served one
// at a time (the tests call from one thread).
class scripted_endpoint {
 public:
  explicit scripted_endpoint(std::function<scripted_answer(const seen_request&, int index)> answer)
      : answer_(std::move(answer)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~scripted_endpoint() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<seen_request> requests() const {
    std::lock_guard lk(mutex_);
    return seen_;
  }

 private:
  void serve() {
    while (!stopping_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string buf, head, body;
      while (dropslot::util::testing::read_http_request(c, buf, head, body)) {
        seen_request r{head, body};
        int index;
        {
          std::lock_guard lk(mutex_);
          index = static_cast<int>(seen_.size());
          seen_.push_back(r);
        }
        scripted_answer a = answer_(r, index);
        std::string out = "HTTP/1.1 " + std::to_string(a.status) + " X\r\nContent-Type: application/x-amz-json-1.0\r\n" +
                          "Content-Length: " + std::to_string(a.body.size()) + "\r\n\r\n" + a.body;
        if (::write(c, out.data(), out.size()) < 0) break;
      }
      ::close(c);
    }
  }

  std::function<scripted_answer(const seen_request&, int)> answer_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<seen_request> seen_;
};

const std::string throttled =
    R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"})";
const std::string conditional =
    R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"})";

aws_json_config config_for(const std::string& url) {
  aws_json_config c;
  c.service = "dynamodb";
  c.target_prefix = "DynamoDB_20120810";
  c.endpoint = url;
  c.region = "us-east-1";
  c.credentials = []() -> result<sigv4::credentials> {
    sigv4::credentials k;
    k.access_key = sigv4::access_key_id("AKIDEXAMPLE");
    k.secret = sigv4::secret_access_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    return k;
  };
  c.retry.base = 1ms;
  c.retry.cap = 5ms;
  return c;
}

TEST(aws_json, posts_a_signed_json_body_and_parses_the_answer) {
  scripted_endpoint ep([](const seen_request&, int) { return scripted_answer{200, R"({"Item":{"pk":{"S":"x"}}})"}; });
  aws_json_client client(config_for(ep.url()));
  boost::json::object body{{"TableName", "t-main"}, {"Key", {{"pk", {{"S", "x"}}}}}};
  auto r = client.call("GetItem", body);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->at("Item").at("pk").at("S").as_string(), "x");
  auto seen = ep.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].head.find("POST / HTTP/1.1"), std::string::npos);
  EXPECT_NE(seen[0].head.find("x-amz-target: DynamoDB_20120810.GetItem"), std::string::npos) << seen[0].head;
  EXPECT_NE(seen[0].head.find("content-type: application/x-amz-json-1.0"), std::string::npos);
  EXPECT_NE(seen[0].head.find("/us-east-1/dynamodb/aws4_request"), std::string::npos);
  EXPECT_NE(seen[0].head.find("SignedHeaders=content-type;host;x-amz-date;x-amz-target"), std::string::npos)
      << seen[0].head;
  EXPECT_EQ(boost::json::parse(seen[0].body), boost::json::value(body));
}

TEST(aws_json, throttling_is_retried_until_it_succeeds) {
  scripted_endpoint ep([](const seen_request&, int i) {
    return i < 3 ? scripted_answer{400, throttled} : scripted_answer{200, R"({"ok":true})"};
  });
  aws_json_client client(config_for(ep.url()));
  auto r = client.call("UpdateItem", {});
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(ep.requests().size(), 4u);
  // Each attempt is signed anew (same body, same target).
  for (const auto& s : ep.requests()) EXPECT_NE(s.head.find("DynamoDB_20120810.UpdateItem"), std::string::npos);
}

TEST(aws_json, server_errors_are_retried) {
  scripted_endpoint ep([](const seen_request&, int i) {
    return i < 2 ? scripted_answer{500, R"({"__type":"InternalServerError"})"} : scripted_answer{200, "{}"};
  });
  aws_json_client client(config_for(ep.url()));
  EXPECT_TRUE(client.call("PutItem", {}));
  EXPECT_EQ(ep.requests().size(), 3u);
}

TEST(aws_json, a_conditional_check_failure_is_never_retried) {
  scripted_endpoint ep([](const seen_request&, int) { return scripted_answer{400, conditional}; });
  aws_json_client client(config_for(ep.url()));
  auto r = client.call("UpdateItem", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, aws_json_errc::service_error);
  EXPECT_EQ(r.error().type, "ConditionalCheckFailedException");
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().message, "The conditional request failed");
  EXPECT_EQ(ep.requests().size(), 1u);
}

TEST(aws_json, retries_stop_at_the_attempt_limit) {
  scripted_endpoint ep([](const seen_request&, int) { return scripted_answer{400, throttled}; });
  auto c = config_for(ep.url());
  c.retry.max_attempts = 4;
  aws_json_client client(c);
  auto r = client.call("GetItem", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, aws_json_errc::throttled);
  EXPECT_EQ(r.error().type, "ProvisionedThroughputExceededException");
  EXPECT_EQ(ep.requests().size(), 4u);
}

TEST(aws_json, retries_stop_within_the_time_budget) {
  scripted_endpoint ep([](const seen_request&, int) { return scripted_answer{503, "{}"}; });
  auto c = config_for(ep.url());
  c.retry.max_attempts = 1000;
  c.retry.base = 10ms;
  c.retry.cap = 10ms;
  c.retry.budget = 50ms;  // at most ~6 pauses of up to 10 ms fit
  aws_json_client client(c);
  auto r = client.call("GetItem", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, aws_json_errc::unavailable);
  EXPECT_EQ(r.error().status, 503);
  EXPECT_LT(ep.requests().size(), 1000u);
}

TEST(aws_json, no_answer_is_unavailable) {
  int port;
  {
    scripted_endpoint gone([](const seen_request&, int) { return scripted_answer{}; });
    port = std::stoi(gone.url().substr(gone.url().rfind(':') + 1));
  }
  aws_json_client client(config_for("http://127.0.0.1:" + std::to_string(port)));
  auto r = client.call("GetItem", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, aws_json_errc::unavailable);
  EXPECT_EQ(r.error().status, 0);
}

TEST(aws_json, a_non_json_answer_is_a_bad_response) {
  scripted_endpoint ep([](const seen_request&, int) { return scripted_answer{200, "<html>"}; });
  aws_json_client client(config_for(ep.url()));
  auto r = client.call("GetItem", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, aws_json_errc::bad_response);
}

TEST(aws_json, endpoints_resolve_as_the_sdks_do) {
  auto env_of = [](std::vector<std::pair<std::string, std::string>> vars) -> env_lookup {
    return [vars](std::string_view n) -> std::optional<std::string> {
      for (const auto& [k, v] : vars)
        if (k == n) return v;
      return std::nullopt;
    };
  };
  EXPECT_EQ(resolve_service_endpoint(env_of({}), "DYNAMODB", "dynamodb", "eu-west-1"),
            "https://dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(resolve_service_endpoint(env_of({{"AWS_ENDPOINT_URL", "http://127.0.0.1:1"}}), "DYNAMODB", "dynamodb",
                                     "eu-west-1"),
            "http://127.0.0.1:1");
  EXPECT_EQ(resolve_service_endpoint(env_of({{"AWS_ENDPOINT_URL", "http://127.0.0.1:1"},
                                             {"AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2"}}),
                                     "DYNAMODB", "dynamodb", "eu-west-1"),
            "http://127.0.0.1:2");
  EXPECT_EQ(resolve_service_endpoint(env_of({}), "SECRETS_MANAGER", "secretsmanager", "us-east-2"),
            "https://secretsmanager.us-east-2.amazonaws.com");
}

}  // namespace
}  // namespace dropslot::s3
