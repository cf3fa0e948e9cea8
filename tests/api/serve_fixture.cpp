#include "serve_fixture.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <spawn.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <dropslot/util/codec.hpp>

extern char** environ;

namespace dropslot::test {

namespace fs = std::filesystem;

std::string reply::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return {};
}

boost::json::value reply::json() const {
  std::error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value() : v;
}

namespace {
size_t on_body(char* p, size_t s, size_t n, void* u) {
  static_cast<std::string*>(u)->append(p, s * n);
  return s * n;
}
size_t on_header(char* p, size_t s, size_t n, void* u) {
  std::string_view line(p, s * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos && !line.starts_with("HTTP/")) {
    std::string name = util::ascii_lower(line.substr(0, colon));
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n')) v.remove_suffix(1);
    static_cast<reply*>(u)->headers.emplace_back(std::move(name), std::string(v));
  }
  return s * n;
}
}  // namespace

reply http_request(const std::string& method, const std::string& url, const header_list& headers,
                   const std::string& body) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  reply r;
  CURL* h = curl_easy_init();
  curl_slist* hl = nullptr;
  bool has_type = false;
  for (const auto& [n, v] : headers) {
    hl = curl_slist_append(hl, (n + ": " + v).c_str());
    has_type = has_type || strcasecmp(n.c_str(), "content-type") == 0;
  }
  hl = curl_slist_append(hl, "Expect:");
  if (!has_type) hl = curl_slist_append(hl, "Content-Type:");
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
  if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (method != "GET" || !body.empty()) {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(hl);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK) r.status = -static_cast<long>(rc);
  return r;
}

std::string dropslot_bin() {
  if (const char* b = std::getenv("DROPSLOT_BIN"); b && *b) return b;
  return std::string(DROPSLOT_BINARY_DIR) + "/src/cli/dropslot";
}

std::string sample_jpeg() {
  std::ifstream f(std::string(DROPSLOT_SOURCE_DIR) + "/tests/browser/fixtures/roof.jpg", std::ios::binary);
  std::ostringstream os;
  os << f.rdbuf();
  if (os.str().size() < 100) throw std::runtime_error("the JPEG fixture is missing");
  return os.str();
}

header_list bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

reply upload_url(const serve_process& s, const std::string& token, const boost::json::value& body) {
  auto h = bearer(token);
  h.emplace_back("Content-Type", "application/json");
  return http_request("POST", s.api() + "/api/upload-url", h, boost::json::serialize(body));
}

// --- PostgreSQL -------------------------------------------------------------

namespace {
std::string random_suffix() {
  std::random_device rd;
  return fmt::format("{:08x}", rd());
}
bool pg_exec(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  bool ok = PQstatus(c) == CONNECTION_OK;
  if (ok) {
    PGresult* r = PQexec(c, sql.c_str());
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
  }
  PQfinish(c);
  return ok;
}
}  // namespace

pg_database::pg_database() {
  const char* u = std::getenv("DROPSLOT_TEST_PG_URL");
  if (!u || !*u) return;
  admin_url_ = u;
  name_ = "dropslot_api_" + random_suffix();
  if (!pg_exec(admin_url_, "CREATE DATABASE " + name_))
    throw std::runtime_error("cannot create a PostgreSQL test database");
  // Same server and credentials, another database: replace the path of the URL.
  auto scheme = admin_url_.find("://");
  auto slash = admin_url_.find('/', scheme + 3);
  auto query = admin_url_.find('?', scheme + 3);
  std::string tail = query == std::string::npos ? "" : admin_url_.substr(query);
  url_ = admin_url_.substr(0, slash == std::string::npos ? query : slash) + "/" + name_ + tail;
}

pg_database::~pg_database() {
  if (!name_.empty()) pg_exec(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

// --- serve --------------------------------------------------------------------

serve_process::serve_process(const std::string& database_url, std::vector<std::string> extra) {
  data_ = (fs::temp_directory_path() / ("dropslot-api-test-" + random_suffix())).string();
  fs::create_directories(data_);
  database_url_ = database_url;
  std::vector<std::string> args{dropslot_bin(), "serve", "--listen", "127.0.0.1:0", "--s3-listen", "127.0.0.1:0",
                                "--data", data_};
  if (!database_url.empty()) {
    args.push_back("--database");
    args.push_back(database_url);
  }
  bool external_s3 = false;
  for (auto& e : extra) {
    external_s3 = external_s3 || e == "--s3-endpoint";
    args.push_back(std::move(e));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw std::runtime_error("cannot start " + args[0]);
  }
  out_fd_ = fds[0];
  // Drain the pipe for the whole run: the access log goes to stdout, and a full
  // pipe would stall the server.
  reader_ = std::thread([this] {
    char buf[4096];
    for (;;) {
      ssize_t n = read(out_fd_, buf, sizeof buf);
      if (n <= 0) break;
      std::lock_guard lock(mu_);
      output_.append(buf, static_cast<std::size_t>(n));
    }
  });
  static const std::regex api_re(R"(dropslot api listening on (http://\S+))");
  static const std::regex s3_re(R"(dropslot s3 listening on (http://\S+))");
  static const std::regex code_re(R"(\?code=([A-Za-z0-9_-]+))");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string out = output();
    std::smatch m;
    if (api_.empty() && std::regex_search(out, m, api_re)) api_ = m[1];
    if (s3_.empty() && std::regex_search(out, m, s3_re)) s3_ = m[1];
    if (code_.empty() && std::regex_search(out, m, code_re)) code_ = m[1];
    if (!api_.empty() && (!s3_.empty() || external_s3) && !code_.empty()) return;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string out = output();
  stop();
  throw std::runtime_error("serve did not print its addresses:\n" + out);
}

serve_process::~serve_process() { stop(); }

void serve_process::stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 500 && waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
  }
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) close(out_fd_);
  out_fd_ = -1;
  std::error_code ec;
  if (!data_.empty()) fs::remove_all(data_, ec);
  data_.clear();
}

int serve_process::terminate() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
  }
  return exit_code_;
}

std::string serve_process::output() {
  std::lock_guard lock(mu_);
  return output_;
}

std::string serve_process::admin(const std::vector<std::string>& args) {
  std::string cmd = "'" + dropslot_bin() + "' admin";
  auto quote = [](const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " --data " + quote(data_);
  if (!database_url_.empty()) cmd += " --database " + quote(database_url_);
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen");
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  if (status != 0) throw std::runtime_error("admin failed: " + cmd);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

serve_process::login_result serve_process::login(const std::string& code) {
  boost::json::object body;
  body["code"] = code;
  auto r = http_request("POST", api_ + "/api/login", {{"Content-Type", "application/json"}},
                        boost::json::serialize(body));
  login_result out;
  out.status = r.status;
  if (r.status != 200) return out;
  out.token = std::string(r.json().at("session_token").as_string());
  out.customer_id = std::to_string(r.json().at("customer").at("id").to_number<long long>());
  std::string set_cookie = r.header("set-cookie");
  auto eq = set_cookie.find('='), semi = set_cookie.find(';');
  if (eq != std::string::npos) out.cookie = set_cookie.substr(eq + 1, semi - eq - 1);
  return out;
}

std::string serve_process::login_code_for(const std::string& customer_id) {
  std::string link = admin({"login-link", "--customer", customer_id});
  static const std::regex code_re(R"([?&]code=([^&\s]+))");
  std::smatch m;
  if (!std::regex_search(link, m, code_re)) throw std::runtime_error("no code in: " + link);
  return m[1];
}

}  // namespace dropslot::test
