// The loop against an in-memory Runtime API.
#include "dropslot/lambda/runtime_loop.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <stdexcept>

#include "dropslot/lambda/error.hpp"

namespace dropslot::lambda {
namespace {

struct posted {
  std::string kind;  // "response", "error", "init_error"
  std::string request_id;
  std::string body;
  std::string error_type;
};

class fake_runtime final : public runtime_api {
 public:
  std::deque<invocation> queue;
  std::vector<posted> posts;
  int response_status = 202;

  result<invocation> next() override {
    if (queue.empty()) return fail(lambda_errc::runtime_unreachable, "no more events");
    auto inv = std::move(queue.front());
    queue.pop_front();
    return inv;
  }
  result<int> post_response(const std::string& id, std::string_view body) override {
    posts.push_back({"response", id, std::string(body), ""});
    return response_status;
  }
  result<int> post_error(const std::string& id, const function_error& err) override {
    posts.push_back({"error", id, error_document(err), err.type});
    return 202;
  }
  result<int> post_init_error(const function_error& err) override {
    posts.push_back({"init_error", "", error_document(err), err.type});
    return 202;
  }
};

invocation make(std::string id, std::string event, std::string trace = "") {
  invocation inv;
  inv.request_id = std::move(id);
  inv.event = std::move(event);
  inv.trace_id = std::move(trace);
  return inv;
}

TEST(RuntimeLoop, AnswersEachInvocationUnderItsRequestId) {
  fake_runtime rt;
  rt.queue.push_back(make("r1", "one"));
  rt.queue.push_back(make("r2", "two"));
  auto handler = [](const invocation& inv) { return invocation_outcome{"echo:" + inv.event, {}}; };
  EXPECT_EQ(run_loop(rt, handler, 2), 0);
  ASSERT_EQ(rt.posts.size(), 2u);
  EXPECT_EQ(rt.posts[0].request_id, "r1");
  EXPECT_EQ(rt.posts[0].body, "echo:one");
  EXPECT_EQ(rt.posts[1].request_id, "r2");
}

TEST(RuntimeLoop, ExitsWithOneWhenNextFails) {
  fake_runtime rt;
  rt.queue.push_back(make("r1", "x"));
  EXPECT_EQ(run_loop(rt, [](const invocation&) { return invocation_outcome{"ok", {}}; }), 1);
  EXPECT_EQ(rt.posts.size(), 1u);
}

TEST(RuntimeLoop, SetsTraceIdPerInvocation) {
  fake_runtime rt;
  rt.queue.push_back(make("r1", "x", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"));
  rt.queue.push_back(make("r2", "x", ""));
  std::vector<std::string> seen;
  auto handler = [&](const invocation&) {
    const char* v = std::getenv("_X_AMZN_TRACE_ID");
    seen.push_back(v ? v : "<unset>");
    return invocation_outcome{"ok", {}};
  };
  EXPECT_EQ(run_loop(rt, handler, 2), 0);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1");
  EXPECT_EQ(seen[1], "<unset>");  // never leaks into the next invocation
}

TEST(RuntimeLoop, HandlerErrorGoesToTheErrorEndpoint) {
  fake_runtime rt;
  rt.queue.push_back(make("r1", "x"));
  auto handler = [](const invocation&) {
    return invocation_outcome{std::nullopt, {"InvalidEventDataException", "not a proxy event"}};
  };
  EXPECT_EQ(run_loop(rt, handler, 1), 0);
  ASSERT_EQ(rt.posts.size(), 1u);
  EXPECT_EQ(rt.posts[0].kind, "error");
  EXPECT_EQ(rt.posts[0].error_type, "InvalidEventDataException");
  EXPECT_EQ(rt.posts[0].body, R"({"errorMessage":"not a proxy event","errorType":"InvalidEventDataException","stackTrace":[]})");
}

TEST(RuntimeLoop, ThrowingHandlerIsReportedAndTheLoopGoesOn) {
  fake_runtime rt;
  rt.queue.push_back(make("r1", "boom"));
  rt.queue.push_back(make("r2", "fine"));
  auto handler = [](const invocation& inv) -> invocation_outcome {
    if (inv.event == "boom") throw std::runtime_error("secret detail");
    return {"ok", {}};
  };
  EXPECT_EQ(run_loop(rt, handler, 2), 0);
  ASSERT_EQ(rt.posts.size(), 2u);
  EXPECT_EQ(rt.posts[0].kind, "error");
  EXPECT_EQ(rt.posts[0].error_type, "Runtime.UnhandledException");
  EXPECT_EQ(rt.posts[0].body.find("secret detail"), std::string::npos);  // only in the log
  EXPECT_EQ(rt.posts[1].kind, "response");
}

TEST(RuntimeLoop, TooLargeResponseBecomesAnError) {
  fake_runtime rt;
  rt.response_status = 413;
  rt.queue.push_back(make("r1", "x"));
  EXPECT_EQ(run_loop(rt, [](const invocation&) { return invocation_outcome{"big", {}}; }, 1), 0);
  ASSERT_EQ(rt.posts.size(), 2u);
  EXPECT_EQ(rt.posts[1].kind, "error");
  EXPECT_EQ(rt.posts[1].error_type, "Function.ResponseSizeTooLarge");
}

TEST(RuntimeLoop, ContainerErrorEndsTheLoop) {
  fake_runtime rt;
  rt.response_status = 500;
  rt.queue.push_back(make("r1", "x"));
  rt.queue.push_back(make("r2", "x"));
  EXPECT_EQ(run_loop(rt, [](const invocation&) { return invocation_outcome{"ok", {}}; }), 1);
  EXPECT_EQ(rt.posts.size(), 1u);
}

TEST(RuntimeLoop, InitErrorIsReported) {
  fake_runtime rt;
  EXPECT_EQ(report_init_error(rt, {"", "database unreachable"}), 1);
  ASSERT_EQ(rt.posts.size(), 1u);
  EXPECT_EQ(rt.posts[0].kind, "init_error");
  EXPECT_EQ(rt.posts[0].error_type, "Runtime.InitError");
}

}  // namespace
}  // namespace dropslot::lambda

#include "dropslot/lambda/log.hpp"

namespace dropslot::lambda {
namespace {
TEST(Log, RedactsUrlPasswords) {
  // util::redact_passwords does the work (its own tests: src/util/redact_test.cpp).
  EXPECT_EQ(redact_url_passwords("database: postgres://app:s3cr3t@db/dropslot?password=s3cr3t refused"),
            "database: postgres://app:***@db/dropslot?password=*** refused");
}
}  // namespace
}  // namespace dropslot::lambda
