#include "dynalite_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

namespace dropslot::db::testing {
namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string dynalite_script() { return std::string(DROPSLOT_SOURCE_DIR) + "/tests/node_modules/dynalite/cli.js"; }

}  // namespace

dynalite_server::dynalite_server(std::string data_dir) : data_dir_(std::move(data_dir)) {
  port_ = free_port();
  start();
}

dynalite_server::~dynalite_server() { kill(); }

std::string dynalite_server::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

bool dynalite_server::start() {
  error_.clear();
  std::string script = dynalite_script();
  if (!std::filesystem::exists(script)) {
    error_ = "dynalite is not installed (" + script + "): run `cd tests && npm ci` (scripts/setup --test does)";
    return false;
  }
  std::vector<std::string> args{"node", script, "--host", "127.0.0.1", "--port", std::to_string(port_),
                                "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"};
  if (!data_dir_.empty()) {
    args.push_back("--path");
    args.push_back(data_dir_);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    // Dies with the test process, even one killed by a CTest timeout.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::execvp("node", argv.data());
    ::_exit(127);
  }
  if (pid < 0) {
    error_ = "fork failed";
    return false;
  }
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (accepts(port_)) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "dynalite exited at start (is node installed?), status " + std::to_string(status);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill();
  error_ = "dynalite did not listen on port " + std::to_string(port_) + " within 20 s";
  return false;
}

void dynalite_server::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool dynalite_server::restart() {
  kill();
  return start();
}

void dynalite_server::export_environment() const {
  ::setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint().c_str(), 1);
  ::setenv("AWS_REGION", "us-east-1", 1);
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDLOCALDYNALITE", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "local-dynalite-secret", 1);
  ::unsetenv("AWS_SESSION_TOKEN");
}

dynalite_server& dynalite_server::shared() {
  // Never destroyed before exit's static destructors: its own destructor kills the child.
  static dynalite_server server;
  return server;
}

}  // namespace dropslot::db::testing
