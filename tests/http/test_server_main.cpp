// A server process for the signal test: `server::run()` with SIGINT/SIGTERM handling.
// Prints its address on the first line; `/slow` prints "entered" when its handler
// starts and answers 500 ms later, so the test can signal while it is in flight.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "dropslot/http/access_log.hpp"
#include "dropslot/http/server.hpp"

namespace {

class slow_service : public dropslot::http::service {
 public:
  std::size_t body_limit(const dropslot::http::request& head) const override {
    if (head.path == "/up") {  // the head of an upload has been read: the test may signal
      std::printf("head\n");
      std::fflush(stdout);
    }
    return 1024;
  }
  dropslot::http::response handle(const dropslot::http::request& req) override {
    if (req.path == "/slow") {
      std::printf("entered\n");
      std::fflush(stdout);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    dropslot::http::response res;
    res.body = "done";
    return res;
  }
};

}  // namespace

int main(int argc, char** argv) {
  dropslot::http::set_access_log_sink({});
  dropslot::http::server srv(2);
  if (argc > 1) srv.set_drain_timeout(std::chrono::milliseconds(std::atoi(argv[1])));
  auto bound = srv.listen("127.0.0.1:0", std::make_shared<slow_service>());
  if (!bound) return 1;
  std::printf("%s\n", bound->c_str());
  std::fflush(stdout);
  srv.run();
  std::printf("stopped\n");
  return 0;
}
