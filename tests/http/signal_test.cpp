// `server::run()` in its own process: SIGTERM drains (the in-flight request is
// answered) and run() returns, so the process exits 0.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "raw_client.hpp"

namespace {

struct child {
  child() = default;
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  pid_t pid = -1;
  FILE* out = nullptr;
  std::string line() {
    char buf[256];
    if (!out || !std::fgets(buf, sizeof buf, out)) return {};
    std::string s(buf);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  ~child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (out) std::fclose(out);
  }
};

void spawn(child& c, const char* path, const char* arg = nullptr) {
  int fds[2];
  if (::pipe(fds) != 0) return;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(path, path, arg, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  c.out = ::fdopen(fds[0], "r");
}

TEST(ServerProcess, SigtermDrainsInFlightRequestAndExits) {
  child c;
  spawn(c, HTTP_TEST_SERVER);
  ASSERT_GT(c.pid, 0);
  std::string address = c.line();
  ASSERT_FALSE(address.empty());

  dropslot::test::raw_client idle(address);
  ASSERT_TRUE(idle.send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());

  dropslot::test::raw_client busy(address);
  ASSERT_TRUE(busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_EQ(c.line(), "entered");
  ASSERT_EQ(::kill(c.pid, SIGTERM), 0);

  auto r = busy.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "done");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(idle.wait_closed());

  EXPECT_EQ(c.line(), "stopped");
  int status = 0;
  ASSERT_EQ(::waitpid(c.pid, &status, 0), c.pid);
  c.pid = -1;
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ServerProcess, SecondSignalClosesAStalledUploadAtOnce) {
  child c;
  spawn(c, HTTP_TEST_SERVER, "600000");  // a drain this long would outlast every wait below
  ASSERT_GT(c.pid, 0);
  std::string address = c.line();
  ASSERT_FALSE(address.empty());

  dropslot::test::raw_client idle(address);
  ASSERT_TRUE(idle.send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());
  dropslot::test::raw_client stalled(address);
  ASSERT_TRUE(stalled.send("PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123"));
  ASSERT_EQ(c.line(), "head");  // the server is reading its body: it is in flight

  ASSERT_EQ(::kill(c.pid, SIGTERM), 0);
  EXPECT_TRUE(idle.wait_closed());  // the first signal has been taken
  ASSERT_EQ(::kill(c.pid, SIGTERM), 0);
  EXPECT_TRUE(stalled.wait_closed());  // within the client's 20 s, far short of the drain
  EXPECT_EQ(c.line(), "stopped");
  int status = 0;
  ASSERT_EQ(::waitpid(c.pid, &status, 0), c.pid);
  c.pid = -1;
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
