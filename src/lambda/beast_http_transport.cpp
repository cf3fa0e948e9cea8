// s3::http_transport over Beast (blocking on a private io_context per connection),
// plain or TLS. docs/benchmarks/lambda.md says why `dropslot lambda` does not use
// libcurl for its AWS JSON calls.
#include "dropslot/lambda/beast_http_transport.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "dropslot/s3/error.hpp"

namespace dropslot::lambda {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr std::uint32_t header_limit = 64 * 1024;
constexpr std::uint64_t body_limit = 64ull * 1024 * 1024;  // DynamoDB answers stay under 16 MB

struct target {
  bool tls = false;
  std::string host;  // without the brackets of an IPv6 literal
  std::string port;
  std::string authority;  // host[:port] as in the URL: the default Host
  std::string path;
  std::string key() const { return (tls ? "https://" : "http://") + authority; }
};

std::optional<target> parse_url(std::string_view url) {
  target t;
  if (url.starts_with("https://")) {
    t.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  auto slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  t.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (t.path.front() == '?') t.path.insert(0, "/");
  t.authority = std::string(authority);
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    if (authority.substr(close + 1).starts_with(':')) port = authority.substr(close + 2);
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  t.host = std::string(host);
  t.port = port.empty() ? (t.tls ? "443" : "80") : std::string(port);
  return t;
}

struct connection {
  std::string key;
  asio::io_context io{1};
  std::optional<beast::tcp_stream> plain;
  std::optional<asio::ssl::stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  clock::time_point idle_since;

  beast::tcp_stream& lowest() { return tls ? tls->next_layer() : *plain; }

  // Runs the operation started on io to its end (or its timeout).
  void run() {
    io.restart();
    io.run();
  }

  // Idle and still open: nothing to read (a FIN, a TLS alert or stray bytes all make
  // the socket readable, and all make the connection unfit to carry a request).
  bool still_open() {
    if (!lowest().socket().is_open() || buffer.size() != 0) return false;
    char byte;
    auto n = ::recv(lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  template <class Stream>
  void write(Stream& s, const bhttp::request<bhttp::string_body>& req, error_code& ec, std::size_t& sent) {
    ec = asio::error::would_block;
    bhttp::async_write(s, req, [&](error_code e, std::size_t n) {
      ec = e;
      sent = n;
    });
    run();
  }

  template <class Stream>
  void read(Stream& s, bhttp::response_parser<bhttp::string_body>& parser, error_code& ec) {
    ec = asio::error::would_block;
    bhttp::async_read(s, buffer, parser, [&](error_code e, std::size_t) { ec = e; });
    run();
  }
};

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// The TLS context (the CA certificates, loaded on first use), shared by every
// transport one factory makes: loading a CA file is most of a first HTTPS call's CPU
// (docs/benchmarks/lambda.md), and `dropslot lambda` has two transports, Secrets
// Manager's and DynamoDB's.
struct tls_context_holder {
  std::mutex mu;
  std::unique_ptr<asio::ssl::context> ctx;
};

class beast_http_transport final : public s3::http_transport {
 public:
  beast_http_transport(std::chrono::milliseconds connect, std::chrono::milliseconds total,
                       std::chrono::milliseconds max_idle, std::shared_ptr<tls_context_holder> tls)
      : connect_timeout_(connect), total_timeout_(total), max_idle_(max_idle), tls_(std::move(tls)) {}

  result<s3::http_response> perform(const s3::http_request& r) override {
    auto t = parse_url(r.url);
    if (!t) return fail(s3::s3_errc::unavailable, "not an http:// or https:// URL");
    const auto started = clock::now();
    const auto deadline = started + total_timeout_;

    bhttp::request<bhttp::string_body> req;
    req.method_string(r.method);
    req.target(t->path);
    req.version(11);
    for (const auto& [name, value] : r.headers) req.set(name, value);
    if (req.find(bhttp::field::host) == req.end()) req.set(bhttp::field::host, t->authority);
    req.body() = r.body;
    req.prepare_payload();
    const bool head = req.method() == bhttp::verb::head;

    std::unique_ptr<connection> c = acquire(t->key());
    for (;;) {
      const bool reused = c != nullptr;
      if (!c) {
        c = std::make_unique<connection>();
        c->key = t->key();
        if (auto e = open(*c, *t, started); !e.empty())
          return fail(s3::s3_errc::unavailable, "connect to " + t->authority + ": " + e);
      }
      c->lowest().expires_at(deadline);
      error_code ec;
      std::size_t sent = 0;
      if (c->tls)
        c->write(*c->tls, req, ec, sent);
      else
        c->write(*c->plain, req, ec, sent);
      if (ec) {
        // Not one byte left: the request is not on its way, so a fresh connection
        // may carry it (once). Past that it may have been applied: no answer.
        if (reused && sent == 0) {
          c.reset();
          continue;
        }
        return fail(s3::s3_errc::unavailable, "no answer from " + t->authority + ": " + ec.message());
      }
      bhttp::response_parser<bhttp::string_body> parser;
      parser.header_limit(header_limit);
      parser.body_limit(body_limit);
      if (head) parser.skip(true);
      if (c->tls)
        c->read(*c->tls, parser, ec);
      else
        c->read(*c->plain, parser, ec);
      if (ec) return fail(s3::s3_errc::unavailable, "no answer from " + t->authority + ": " + ec.message());

      auto& res = parser.get();
      s3::http_response out;
      out.status = static_cast<long>(res.result_int());
      for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& ch : name)
          if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        out.headers.emplace_back(std::move(name), std::string(f.value()));
      }
      out.body = std::move(res.body());
      if (res.keep_alive()) release(std::move(c));
      return out;
    }
  }

 private:
  // An idle connection to `key` fit for another request, or null.
  std::unique_ptr<connection> acquire(const std::string& key) {
    std::lock_guard lk(mu_);
    const auto now = clock::now();
    for (auto it = idle_.begin(); it != idle_.end();) {
      if ((*it)->key != key) {
        ++it;
        continue;
      }
      auto c = std::move(*it);
      it = idle_.erase(it);
      if (now - c->idle_since <= max_idle_ && c->still_open()) return c;
    }
    return nullptr;
  }

  void release(std::unique_ptr<connection> c) {
    if (c->buffer.size() != 0) return;  // bytes past the answer: not HTTP we understand
    c->idle_since = clock::now();
    std::lock_guard lk(mu_);
    idle_.push_back(std::move(c));
  }

  // The TLS context, made on first use (a plain-HTTP process never reads a CA file).
  asio::ssl::context* tls_context(std::string& error) {
    std::lock_guard lk(tls_->mu);
    if (!tls_->ctx) {
      auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
      error_code ec;
      if (const char* bundle = std::getenv("AWS_CA_BUNDLE"); bundle && *bundle)
        ctx->load_verify_file(bundle, ec);
      else
        ctx->set_default_verify_paths(ec);
      if (ec) {
        error = "CA certificates: " + ec.message();
        return nullptr;
      }
      ctx->set_verify_mode(asio::ssl::verify_peer);
      tls_->ctx = std::move(ctx);
    }
    return tls_->ctx.get();
  }

  // A new connection (TCP, then TLS for https): "" or what failed.
  std::string open(connection& c, const target& t, clock::time_point started) {
    std::vector<tcp::endpoint> endpoints;
    error_code ec;
    auto address = asio::ip::make_address(t.host, ec);
    unsigned short port = 0;
    for (char ch : t.port) {
      if (ch < '0' || ch > '9' || port > 6553) return "bad port";
      port = static_cast<unsigned short>(port * 10 + (ch - '0'));
    }
    if (!ec) {
      // A literal address needs no resolver (no NSS configuration read).
      endpoints.emplace_back(address, port);
    } else {
      tcp::resolver resolver(c.io);
      auto found = resolver.resolve(t.host, t.port, ec);
      if (ec) return ec.message();
      for (const auto& e : found) endpoints.push_back(e.endpoint());
    }
    if (t.tls) {
      std::string error;
      auto* ctx = tls_context(error);
      if (!ctx) return error;
      c.tls.emplace(c.io, *ctx);
      SSL* ssl = c.tls->native_handle();
      if (is_ip_literal(t.host)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str());
      } else {
        SSL_set_tlsext_host_name(ssl, t.host.c_str());  // SNI
        SSL_set1_host(ssl, t.host.c_str());
      }
    } else {
      c.plain.emplace(c.io);
    }
    auto& low = c.lowest();
    low.expires_at(std::min(started + connect_timeout_, started + total_timeout_));
    ec = asio::error::would_block;
    low.async_connect(endpoints, [&](error_code e, const tcp::endpoint&) { ec = e; });
    c.run();
    if (ec) return ec.message();
    low.socket().set_option(tcp::no_delay(true), ec);
    if (t.tls) {
      ec = asio::error::would_block;
      c.tls->async_handshake(asio::ssl::stream_base::client, [&](error_code e) { ec = e; });
      c.run();
      if (ec) {
        std::string why = ec.message();
        if (long v = SSL_get_verify_result(c.tls->native_handle()); v != X509_V_OK)
          why += std::string(" (") + X509_verify_cert_error_string(v) + ")";
        return "TLS: " + why;
      }
    }
    return {};
  }

  std::chrono::milliseconds connect_timeout_, total_timeout_, max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<connection>> idle_;
  std::shared_ptr<tls_context_holder> tls_;
};

}  // namespace

std::unique_ptr<s3::http_transport> make_beast_http_transport(std::chrono::milliseconds connect,
                                                              std::chrono::milliseconds total,
                                                              std::chrono::milliseconds max_idle) {
  return std::make_unique<beast_http_transport>(connect, total, max_idle, std::make_shared<tls_context_holder>());
}

s3::http_transport_factory beast_http_transport_factory() {
  return [tls = std::make_shared<tls_context_holder>()](std::chrono::milliseconds connect,
                                                          std::chrono::milliseconds total) {
    return std::make_unique<beast_http_transport>(connect, total, std::chrono::seconds(118), tls);
  };
}

}  // namespace dropslot::lambda
