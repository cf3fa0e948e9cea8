#include "dropslot/lambda/scheduled_event.hpp"

#include <gtest/gtest.h>

namespace dropslot::lambda {
namespace {

// The rule's event as EventBridge documents it (docs.aws.amazon.com/eventbridge,
// "Scheduled Event").
constexpr std::string_view rule_event = R"({"version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event", "source": "aws.events", "account": "123456789012",
  "time": "2026-12-08T03:00:00Z", "region": "us-east-1",
  "resources": ["arn:aws:events:us-east-1:123456789012:rule/dropslot-reconcile"], "detail": {}})";

TEST(ScheduledEvent, RuleEventAndConstantInputAreRecognised) {
  EXPECT_TRUE(is_scheduled_event(rule_event));
  EXPECT_TRUE(is_scheduled_event(R"({"dropslot": "reconcile"})"));
}

TEST(ScheduledEvent, OtherEventsAreNot) {
  EXPECT_FALSE(is_scheduled_event(""));
  EXPECT_FALSE(is_scheduled_event("not json"));
  EXPECT_FALSE(is_scheduled_event("[]"));
  EXPECT_FALSE(is_scheduled_event(R"({"source": "aws.s3", "detail-type": "Object Created", "detail": {}})"));
  EXPECT_FALSE(is_scheduled_event(R"({"source": "aws.events", "detail-type": "Object Created"})"));
  EXPECT_FALSE(is_scheduled_event(R"({"source": "my.app", "detail-type": "Scheduled Event"})"));
  EXPECT_FALSE(is_scheduled_event(R"({"dropslot": "backup"})"));
  EXPECT_FALSE(is_scheduled_event(R"({"dropslot": "reconcile", "httpMethod": "GET", "path": "/healthz"})"));
  EXPECT_FALSE(is_scheduled_event(R"({"httpMethod": "GET", "path": "/healthz"})"));
}

}  // namespace
}  // namespace dropslot::lambda
