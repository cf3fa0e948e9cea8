#pragma once
// dynalite (npm, an implementation of DynamoDB's API on LevelDB) as a child process
// for the tests: the local DynamoDB every DynamoDB test runs against. Test support
// only; never linked into dropslot.
#include <string>

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

}  // namespace dropslot::db::testing
