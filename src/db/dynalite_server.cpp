#include "dynalite_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>
#include "dropslot/util/test_http.hpp"

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

throttling_proxy::throttling_proxy(int target_port, int throttled, int period)
    : target_port_(target_port), throttle_(throttled), period_(period) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(fd_, 64);
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

throttling_proxy::~throttling_proxy() {
  stopping_ = true;
  ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
  thread_.join();
}

std::string throttling_proxy::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<std::string> throttling_proxy::operations() const {
  std::lock_guard lock(operations_mutex_);
  return operations_;
}

void throttling_proxy::clear_operations() {
  std::lock_guard lock(operations_mutex_);
  operations_.clear();
}

void throttling_proxy::record_operation(const std::string& head) {
  const std::string lower = util::ascii_lower(head);
  auto at = lower.find("\r\nx-amz-target:");
  std::string op;
  if (at != std::string::npos) {
    auto from = at + 16;
    auto eol = head.find("\r\n", from);
    op = head.substr(from, eol == std::string::npos ? std::string::npos : eol - from);
    op.erase(0, op.find_first_not_of(' '));
    while (!op.empty() && (op.back() == ' ' || op.back() == '\r')) op.pop_back();
    if (auto dot = op.rfind('.'); dot != std::string::npos) op.erase(0, dot + 1);
  }
  std::lock_guard lock(operations_mutex_);
  operations_.push_back(op);
}

// One connection at a time, each request answered before the next is read: enough
// for a test that calls from one thread.
void throttling_proxy::serve() {
  while (!stopping_) {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    std::string buf, head, body;
    while (util::testing::read_http_request(c, buf, head, body)) {
      std::string request = head + "\r\n\r\n" + body;
      record_operation(head);
      std::string answer;
      if (seen_++ % period_ < throttle_) {
        ++throttled_answers_;
        std::string body =
            R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",)"
            R"("message":"The level of configured provisioned throughput for the table was exceeded."})";
        answer = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body;
      } else {
        ++forwarded_;
        answer = forward(request);
        if (answer.find("ConditionalCheckFailedException") != std::string::npos) ++conditional_failures_;
      }
      if (::write(c, answer.data(), answer.size()) < 0) break;
      if (answer.find("Connection: close") != std::string::npos) break;
    }
    ::close(c);
  }
}

// The request as received, on a connection of its own that the target closes after
// answering; its answer goes back as it came (with its Connection: close).
std::string throttling_proxy::forward(const std::string& request) {
  auto end = request.find("\r\n\r\n");
  std::string out;
  std::size_t pos = 0;
  while (pos < end) {
    auto eol = request.find("\r\n", pos);
    if (eol > end) eol = end;
    std::string line = request.substr(pos, eol - pos);
    const std::string lower = util::ascii_lower(line);
    if (!lower.starts_with("connection:")) out += line + "\r\n";
    pos = eol + 2;
  }
  out += "Connection: close\r\n\r\n" + request.substr(end + 4);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(target_port_));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::write(fd, out.data(), out.size()) >= 0) {
    char chunk[8192];
    for (;;) {
      auto n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) break;
      answer.append(chunk, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (answer.empty()) answer = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  return answer;
}

dynalite_server& dynalite_server::shared() {
  // Never destroyed before exit's static destructors: its own destructor kills the child.
  static dynalite_server server;
  return server;
}

}  // namespace dropslot::db::testing
