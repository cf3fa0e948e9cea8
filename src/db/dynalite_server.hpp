#pragma once
// dynalite (npm, an implementation of DynamoDB's API on LevelDB) as a child process
// for the tests: the local DynamoDB every DynamoDB test runs against. Test support
// only; never linked into dropslot.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace dropslot::db::testing {

class dynalite_server {
 public:
  /// Starts `node <source>/tests/node_modules/dynalite/cli.js` on a free loopback
  /// port, keeping its data in `data_dir` (empty: in memory). error() says why when it
  /// could not start (node or dynalite missing: `cd tests && npm ci`).
  explicit dynalite_server(std::string data_dir = {});
  ~dynalite_server();
  dynalite_server(const dynalite_server&) = delete;
  dynalite_server& operator=(const dynalite_server&) = delete;

  bool running() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  /// "http://127.0.0.1:<port>"
  std::string endpoint() const;

  /// SIGKILL, as a crash would, and reaped.
  void kill();
  /// Starts again on the same port and data dir; false (error() set) when it cannot.
  bool restart();

  /// Points this process's AWS configuration at it: AWS_ENDPOINT_URL_DYNAMODB,
  /// AWS_REGION and dummy static credentials (dynalite checks only their shape).
  void export_environment() const;

  /// One server for the whole test process, started on first use (in memory).
  static dynalite_server& shared();

 private:
  bool start();

  std::string data_dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string error_;
};

/// A stand-in for AWS's throttling, in front of a real endpoint: a small HTTP server on
/// a free loopback port that answers the first `throttled` of every `period` requests
/// with ProvisionedThroughputExceededException (HTTP 400), as DynamoDB does when a
/// partition is hot, and forwards the rest to `target_port` unchanged.
class throttling_proxy {
 public:
  throttling_proxy(int target_port, int throttled, int period);
  ~throttling_proxy();
  throttling_proxy(const throttling_proxy&) = delete;
  throttling_proxy& operator=(const throttling_proxy&) = delete;

  std::string endpoint() const;
  int throttled() const { return throttled_answers_.load(); }
  int forwarded() const { return forwarded_.load(); }
  /// How many forwarded requests DynamoDB answered with a ConditionalCheckFailedException.
  int conditional_failures() const { return conditional_failures_.load(); }
  /// Every request's operation as received, in order: its X-Amz-Target without the
  /// "DynamoDB_20120810." (Query, Scan, PutItem, ...). With `throttled` 0 the proxy
  /// only records, so a test can see which calls a code path makes.
  std::vector<std::string> operations() const;
  void clear_operations();

 private:
  void serve();
  std::string forward(const std::string& request);
  void record_operation(const std::string& head);

  int target_port_, throttle_, period_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> seen_{0}, throttled_answers_{0}, forwarded_{0}, conditional_failures_{0};
  std::atomic<bool> stopping_{false};
  mutable std::mutex operations_mutex_;
  std::vector<std::string> operations_;
  std::thread thread_;
};

}  // namespace dropslot::db::testing
