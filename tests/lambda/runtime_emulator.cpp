#include "runtime_emulator.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>

#include "dropslot/http/server.hpp"

namespace dropslot::test {

class runtime_emulator::state final : public http::service {
 public:
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<std::string, std::string>> queue;  // (request id, event)
  std::map<std::string, std::string> traces;              // request id -> trace header
  std::map<std::string, outcome> done;
  std::optional<outcome> init_error;
  int next_calls = 0;
  int counter = 0;
  bool stopping = false;

  std::size_t body_limit(const http::request&) const override { return 8 * 1024 * 1024; }
  bool access_log_enabled() const override { return false; }

  http::response handle(const http::request& req) override {
    static const std::string prefix = "/2018-06-01/runtime/";
    http::response res;
    res.headers.set("Content-Type", "application/json");
    if (!req.path.starts_with(prefix)) return status(404);
    std::string_view rest = std::string_view(req.path).substr(prefix.size());

    if (req.method == "GET" && rest == "invocation/next") {
      std::unique_lock lock(mu);
      ++next_calls;
      cv.notify_all();
      cv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (stopping) return status(500);  // "container error": the runtime exits
      auto [id, event] = std::move(queue.front());
      queue.pop_front();
      auto deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
                          (std::chrono::system_clock::now() + std::chrono::seconds(30)).time_since_epoch())
                          .count();
      res.headers.set("Lambda-Runtime-Aws-Request-Id", id);
      res.headers.set("Lambda-Runtime-Deadline-Ms", std::to_string(deadline));
      res.headers.set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:dropslot-api");
      if (!traces[id].empty()) res.headers.set("Lambda-Runtime-Trace-Id", traces[id]);
      res.body = std::move(event);
      return res;
    }
    if (req.method == "POST" && rest == "init/error") {
      std::lock_guard lock(mu);
      init_error = outcome{"init_error", req.body, std::string(req.headers.get("lambda-runtime-function-error-type").value_or(""))};
      cv.notify_all();
      return status(202);
    }
    if (req.method == "POST" && rest.starts_with("invocation/")) {
      rest.remove_prefix(std::string_view("invocation/").size());
      auto slash = rest.find('/');
      if (slash == std::string_view::npos) return status(404);
      std::string id(rest.substr(0, slash));
      std::string_view what = rest.substr(slash + 1);
      if (what != "response" && what != "error") return status(404);
      std::lock_guard lock(mu);
      if (!traces.contains(id) || done.contains(id)) return status(400);  // unknown or answered twice
      done[id] = outcome{std::string(what), req.body,
                         std::string(req.headers.get("lambda-runtime-function-error-type").value_or(""))};
      cv.notify_all();
      return status(202);
    }
    return status(404);
  }

  static http::response status(int code) {
    http::response res;
    res.status = code;
    res.headers.set("Content-Type", "application/json");
    res.body = code == 202 ? R"({"status":"OK"})" : R"({"errorMessage":"emulator","errorType":"Emulator"})";
    return res;
  }
};

struct runtime_emulator::server_holder {
  // Threads: a `next` long poll holds one while it waits (a stopped runtime can
  // leave one behind), and the posts need others.
  http::server server{4};
};

runtime_emulator::runtime_emulator() : state_(std::make_shared<state>()), server_(std::make_unique<server_holder>()) {
  http::limits lim;
  lim.max_body_bytes = 8 * 1024 * 1024;
  lim.idle_timeout = std::chrono::seconds(600);
  auto bound = server_->server.listen("127.0.0.1:0", state_, lim);
  if (!bound) throw std::runtime_error("emulator cannot listen: " + bound.error().message());
  endpoint_ = *bound;
  server_->server.start();
}

runtime_emulator::~runtime_emulator() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  server_->server.set_drain_timeout(std::chrono::milliseconds(500));
  server_->server.stop();
  server_->server.join();
}

const std::string& runtime_emulator::endpoint() const { return endpoint_; }

runtime_emulator::outcome runtime_emulator::invoke(const std::string& event, std::chrono::milliseconds timeout,
                                                   const std::string& trace_id) {
  std::unique_lock lock(state_->mu);
  std::string id = "req-" + std::to_string(++state_->counter) + "-8476a536-e9f4-11e8-9739-2dfe598c3fcd";
  state_->traces[id] = trace_id;
  state_->queue.emplace_back(id, event);
  state_->cv.notify_all();
  if (!state_->cv.wait_for(lock, timeout, [&] { return state_->done.contains(id); })) {
    // Withdraw it if nobody took it, so a later invoke does not get its answer.
    std::erase_if(state_->queue, [&](const auto& q) { return q.first == id; });
    return {"timeout", "", ""};
  }
  return state_->done[id];
}

std::optional<runtime_emulator::outcome> runtime_emulator::wait_init_error(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mu);
  state_->cv.wait_for(lock, timeout, [&] { return state_->init_error.has_value(); });
  return state_->init_error;
}

int runtime_emulator::next_calls() const {
  std::lock_guard lock(state_->mu);
  return state_->next_calls;
}

}  // namespace dropslot::test
