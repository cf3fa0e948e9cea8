#pragma once
// A real `dropslot serve` for the API tests: a fresh data dir, ports picked by the
// OS, the addresses and the login link parsed from what it prints, stopped with
// SIGTERM at the end. Plus a small libcurl client and `dropslot admin` runs.
#include <sys/types.h>

#include <boost/json/value.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace dropslot::test {

/// One HTTP answer.
struct reply {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string header(std::string_view name) const;
  /// The body as JSON (null when it is not JSON).
  boost::json::value json() const;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

/// A blocking HTTP request through libcurl (a handle per call: thread-safe).
reply http_request(const std::string& method, const std::string& url, const header_list& headers = {},
                   const std::string& body = {});

/// Which database a serve runs on.
enum class backend { sqlite, postgres };

/// A fresh PostgreSQL database on DROPSLOT_TEST_PG_URL's server, dropped on
/// destruction. `url` is empty when the variable is unset.
class pg_database {
 public:
  pg_database();
  ~pg_database();
  const std::string& url() const { return url_; }

 private:
  std::string admin_url_, name_, url_;
};

class serve_process {
 public:
  /// Starts serve with `extra` flags; throws std::runtime_error when it does not
  /// print its addresses within 60 s.
  serve_process(const std::string& database_url, std::vector<std::string> extra = {});
  ~serve_process();

  const std::string& api() const { return api_; }    // http://127.0.0.1:PORT
  const std::string& s3() const { return s3_; }
  const std::string& data() const { return data_; }
  const std::string& database_url() const { return database_url_; }
  /// The demo customer's login code from the printed link.
  const std::string& demo_code() const { return code_; }
  std::string output();

  /// `dropslot admin <args> --data <data> [--database URL]`; stdout trimmed.
  std::string admin(const std::vector<std::string>& args);

  /// Logs in with a code: {session_token, cookie value}. Fails the test on error.
  struct login_result {
    long status = 0;
    std::string token;
    std::string cookie;
    std::string customer_id;
  };
  login_result login(const std::string& code);

  /// Sends SIGTERM, waits, and returns the exit code (or 128 + signal).
  int terminate();

  /// A login code for a customer via `admin login-link`.
  std::string login_code_for(const std::string& customer_id);

 private:
  void stop();
  pid_t pid_ = -1;
  int exit_code_ = -1;
  int out_fd_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::string output_;
  std::string data_, database_url_, api_, s3_, code_;
};

/// The dropslot binary ($DROPSLOT_BIN, else the build tree's).
std::string dropslot_bin();

/// The bytes of a real JPEG from the test fixtures.
std::string sample_jpeg();

/// A Bearer header list.
header_list bearer(const std::string& token);

/// POST {base}/upload-url with a bearer token.
reply upload_url(const serve_process& s, const std::string& token, const boost::json::value& body);

}  // namespace dropslot::test
