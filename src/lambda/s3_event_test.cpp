// Bucket events for the upload receipts (s3_event.hpp): both shapes, decoding, and
// what is not a bucket event.
#include <gtest/gtest.h>

#include "dropslot/lambda/api_gateway_adapter.hpp"
#include "dropslot/lambda/s3_event.hpp"

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace dropslot::lambda {
namespace {

TEST(s3_event, notification_records_created_objects_only_with_keys_decoded) {
  auto e = parse_s3_event(R"({"Records":[
    {"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"up"},"object":{"key":"jobs/j-1/photo-001.jpg","size":5}}},
    {"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"up"},"object":{"key":"jobs/j-1/photo-002.jpg"}}},
    {"eventSource":"aws:s3","eventName":"ObjectCreated:CompleteMultipartUpload","s3":{"bucket":{"name":"up"},"object":{"key":"jobs/a+b%2Fc"}}}]})");
  ASSERT_TRUE(e);
  ASSERT_EQ(e->size(), 2u);
  EXPECT_EQ((*e)[0].bucket, "up");
  EXPECT_EQ((*e)[0].key, "jobs/j-1/photo-001.jpg");
  EXPECT_EQ((*e)[1].key, "jobs/a b/c");
}

TEST(s3_event, eventbridge_object_created) {
  auto e = parse_s3_event(R"({"version":"0","source":"aws.s3","detail-type":"Object Created",
    "detail":{"bucket":{"name":"up"},"object":{"key":"jobs/j-1/photo-001.jpg","size":5}}})");
  ASSERT_TRUE(e);
  ASSERT_EQ(e->size(), 1u);
  EXPECT_EQ((*e)[0].key, "jobs/j-1/photo-001.jpg");
  auto deleted = parse_s3_event(R"({"source":"aws.s3","detail-type":"Object Deleted","detail":{}})");
  ASSERT_TRUE(deleted);  // a bucket event, with nothing to confirm
  EXPECT_TRUE(deleted->empty());
}

TEST(s3_event, proxy_events_and_junk_are_not_bucket_events) {
  EXPECT_FALSE(parse_s3_event(R"({"httpMethod":"GET","path":"/jobs"})"));
  EXPECT_FALSE(parse_s3_event(R"({"version":"2.0","rawPath":"/jobs","requestContext":{"http":{"method":"GET"}}})"));
  EXPECT_FALSE(parse_s3_event(R"({"Records":[{"eventSource":"aws:sqs"}]})"));
  EXPECT_FALSE(parse_s3_event("not json"));
  EXPECT_FALSE(parse_s3_event("[]"));
}

class no_service final : public http::service {
 public:
  std::size_t body_limit(const http::request&) const override { return 0; }
  http::response handle(const http::request&) override {
    http::response r;
    r.status = 418;
    return r;
  }
};

invocation event_of(std::string body) {
  invocation inv;
  inv.request_id = "r-1";
  inv.event = std::move(body);
  return inv;
}

const char* two_photos = R"({"Records":[
  {"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"up"},"object":{"key":"jobs/j/photo-001.jpg"}}},
  {"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"up"},"object":{"key":"jobs/j/photo-002.jpg"}}}]})";

TEST(s3_event, the_adapter_hands_each_object_to_the_sink_and_fails_the_invocation_when_one_fails) {
  std::vector<std::string> keys;
  bool ok = true;
  api_gateway_adapter adapter(std::make_shared<no_service>(), std::nullopt, [&](std::string_view, std::string_view k) {
    keys.emplace_back(k);
    return ok;
  });
  auto out = adapter(event_of(two_photos));
  ASSERT_TRUE(out.response);
  EXPECT_EQ(boost::json::parse(*out.response).at("objects").as_int64(), 2);
  EXPECT_EQ(keys, (std::vector<std::string>{"jobs/j/photo-001.jpg", "jobs/j/photo-002.jpg"}));
  ok = false;  // Lambda retries a failed invocation: the confirmation is idempotent
  auto failed = adapter(event_of(two_photos));
  EXPECT_FALSE(failed.response);
  EXPECT_EQ(failed.error.type, "BucketEventFailed");
  // Proxy events still reach the service.
  auto proxied = adapter(event_of(R"({"httpMethod":"GET","path":"/jobs"})"));
  ASSERT_TRUE(proxied.response);
  EXPECT_EQ(boost::json::parse(*proxied.response).at("statusCode").as_int64(), 418);
}

TEST(s3_event, without_a_sink_a_bucket_event_is_an_invalid_event) {
  api_gateway_adapter adapter(std::make_shared<no_service>());
  auto out = adapter(event_of(two_photos));
  EXPECT_FALSE(out.response);
  EXPECT_EQ(out.error.type, "InvalidEventDataException");
}

}  // namespace
}  // namespace dropslot::lambda
