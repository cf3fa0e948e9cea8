// A trivial buffered service on the dropslot http server: the ceiling that the API's
// 40,000 req/s target (DESIGN.md) sits under. Used by bench/http/run.sh.
//
//   http_hello_server [HOST:PORT] [THREADS] [--log]
// Prints the bound address on the first line, then serves until SIGINT/SIGTERM.
// Without --log the access log is off (a benchmark measures the server, not the
// terminal); with it, lines go to stdout as in production.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dropslot/http/access_log.hpp"
#include "dropslot/http/server.hpp"

namespace {

class hello_service : public dropslot::http::service {
 public:
  dropslot::http::response handle(const dropslot::http::request& req) override {
    dropslot::http::response res;
    res.headers.add("Content-Type", "application/json");
    res.body = R"({"ok":true})";
    return res;
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string address = argc > 1 ? argv[1] : "127.0.0.1:0";
  unsigned threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 0;
  bool log = argc > 3 && std::string_view(argv[3]) == "--log";
  if (!log) dropslot::http::set_access_log_sink({});

  dropslot::http::server srv(threads);
  auto bound = srv.listen(address, std::make_shared<hello_service>());
  if (!bound) {
    std::fprintf(stderr, "http_hello_server: %s\n", bound.error().message().c_str());
    return 1;
  }
  std::printf("%s\n", bound->c_str());
  std::fflush(stdout);
  srv.run();
  return 0;
}
