// The first HTTPS call of the Beast transport (beast_http_transport.hpp), as a cold
// start makes it: a new transport, so a new TLS context that loads its CA file, a
// TLS handshake and one POST. Two CA files, each ending with the local server's CA
// so that both verify: Debian's full bundle (/etc/ssl/certs/ca-certificates.crt,
// ~140 roots, what OpenSSL's default paths load) and the 5 Amazon Trust Services
// roots that deploy/package puts in the Lambda zip (docs/benchmarks/lambda.md).
// The server is a forked child process, so its handshake is not in the figures
// (nor in callgrind's, with --toggle-collect=*measured_https_call*).
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "dropslot/lambda/beast_http_transport.hpp"
#include "test_certificate.hpp"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The TLS server, in a child process: one connection at a time, answers each request.
class tls_server {
 public:
  tls_server(const std::string& cert, const std::string& key) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port_ = acceptor.local_endpoint().port();
    pid_ = ::fork();
    if (pid_ != 0) return;
    // Never outlive the bench (a crash would leave it holding ctest's output pipe).
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    ::alarm(600);
    asio::ssl::context ctx(asio::ssl::context::tls_server);
    ctx.use_certificate_chain(asio::buffer(cert));
    ctx.use_private_key(asio::buffer(key), asio::ssl::context::pem);
    for (;;) {
      tcp::socket s(io);
      boost::system::error_code ec;
      acceptor.accept(s, ec);
      if (ec) continue;
      asio::ssl::stream<tcp::socket&> stream(s, ctx);
      stream.handshake(asio::ssl::stream_base::server, ec);
      boost::beast::flat_buffer buffer;
      while (!ec) {
        bhttp::request<bhttp::string_body> req;
        bhttp::read(stream, buffer, req, ec);
        if (ec) break;
        bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
        res.body() = "{}";
        res.keep_alive(true);
        res.prepare_payload();
        bhttp::write(stream, res, ec);
      }
      s.close(ec);
    }
  }
  ~tls_server() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  unsigned short port() const { return port_; }

 private:
  unsigned short port_ = 0;
  pid_t pid_ = -1;
};

struct fixture {
  fixture() {
    auto [cert, key] = dropslot::lambda::testing::make_certificate();
    dir = fs::temp_directory_path() / ("dropslot-tls-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "full.pem") << read_file("/etc/ssl/certs/ca-certificates.crt") << cert;
    std::string roots;
    for (const char* n : {"Amazon_Root_CA_1", "Amazon_Root_CA_2", "Amazon_Root_CA_3", "Amazon_Root_CA_4",
                          "Starfield_Services_Root_Certificate_Authority_-_G2"})
      roots += read_file(fs::path("/usr/share/ca-certificates/mozilla") / (std::string(n) + ".crt"));
    std::ofstream(dir / "aws-roots.pem") << roots << cert;
    server = std::make_unique<tls_server>(cert, key);
    url = "https://localhost:" + std::to_string(server->port()) + "/";
  }
  ~fixture() {
    server.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
  std::unique_ptr<tls_server> server;
  std::string url;
};

fixture& shared() {
  static fixture f;
  return f;
}

// Not inlined: callgrind --toggle-collect='*measured_https_call*' counts just this.
__attribute__((noinline)) bool measured_https_call(const std::string& url) {
  auto t = dropslot::lambda::make_beast_http_transport(60s, 60s);  // long enough for valgrind
  dropslot::s3::http_request r;
  r.method = "POST";
  r.url = url;
  r.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "DynamoDB_20120810.GetItem"}};
  r.body = "{}";
  auto answer = t->perform(r);
  return answer && answer->status == 200;
}

void run(benchmark::State& state, const char* bundle) {
  fixture& f = shared();
  ::unsetenv("SSL_CERT_FILE");
  ::unsetenv("SSL_CERT_DIR");
  ::setenv("AWS_CA_BUNDLE", (f.dir / bundle).c_str(), 1);
  for (auto _ : state) {
    if (!measured_https_call(f.url)) {
      state.SkipWithError("the HTTPS call failed");
      break;
    }
  }
}

void first_https_call_full_bundle(benchmark::State& state) { run(state, "full.pem"); }
void first_https_call_aws_roots(benchmark::State& state) { run(state, "aws-roots.pem"); }
BENCHMARK(first_https_call_full_bundle)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK(first_https_call_aws_roots)->MeasureProcessCPUTime()->UseRealTime();

}  // namespace
