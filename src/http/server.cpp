#include "dropslot/http/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "buffered_session.hpp"
#include "connection_state.hpp"
#include "dropslot/http/error.hpp"
#include "dropslot/http/stream.hpp"
#include "server_log.hpp"

namespace dropslot::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using detail::log_error;

namespace {

/// One listening socket, its own event loop, and what serves its connections.
///
/// Each listener has its own io_context and worker threads. Handlers of a buffered
/// service may block (SQLite, or the API's S3 client calling the embedded store in
/// the same process): with a shared loop, as many blocked handlers as threads would
/// starve every other listener, and the store call would wait for its timeout
/// (tests/faults/test_photos_concurrency.py, tests/http/isolation_test.cpp).
struct listener {
  listener(unsigned threads, limits l)
      : ioc(static_cast<int>(threads)), strand(asio::make_strand(ioc)), acceptor(strand), lim(l) {}
  asio::io_context ioc;
  asio::strand<asio::io_context::executor_type> strand;  // the accept loop and the acceptor's close
  tcp::acceptor acceptor;
  limits lim;
  std::shared_ptr<service> svc;  // buffered listener
  stream_handler handler;        // raw listener
  bool access_log = false;
  std::atomic<std::size_t> connections{0};
};

std::string format_endpoint(const tcp::endpoint& ep) {
  auto addr = ep.address();
  std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
  return host + ":" + std::to_string(ep.port());
}

// System errors that end a connection in the ordinary course (peer gone, timeout,
// drain) and are not worth a log line.
bool routine(const boost::system::error_code& ec) {
  return ec == asio::error::operation_aborted || ec == asio::error::eof || ec == beast::error::timeout ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::bad_descriptor || ec == asio::error::not_connected;
}

}  // namespace

class server::impl {
 public:
  explicit impl(unsigned threads)
      : threads_(threads ? threads : std::max(1u, std::thread::hardware_concurrency())),
        ioc_(1),
        control_(asio::make_strand(ioc_)) {}

  result<std::string> listen(const std::string& host_port, limits lim, std::shared_ptr<service> svc,
                             stream_handler handler) {
    if (stopping_.load()) return fail(http_errc::not_startable, "the server is stopping");
    if (!svc && !handler.fn) return fail(http_errc::no_handler, host_port);
    auto colon = host_port.rfind(':');
    if (colon == std::string::npos) return fail(http_errc::invalid_address, host_port);
    std::string host = host_port.substr(0, colon);
    std::string port = host_port.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos)
      return fail(http_errc::invalid_address, host_port);

    boost::system::error_code ec;
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) return fail(http_errc::invalid_address, host_port + ": " + ec.message());
    tcp::endpoint ep = results.begin()->endpoint();

    auto l = std::make_unique<listener>(threads_, lim);
    auto& acceptor = l->acceptor;
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail(http_errc::bind_failed, host_port + ": " + ec.message());
    std::string bound = format_endpoint(acceptor.local_endpoint(ec));

    l->access_log = svc && svc->access_log_enabled();
    l->svc = std::move(svc);
    l->handler = std::move(handler);
    listener& ref = *l;
    std::lock_guard lock(mu_);
    listeners_.push_back(std::move(l));
    if (started_.load()) start_listener(ref);
    return bound;
  }

  void run(bool with_signals, bool block) {
    if (started_.exchange(true)) return;
    work_.emplace(ioc_.get_executor());
    if (with_signals) {
      signals_.emplace(control_, SIGINT, SIGTERM);
      wait_for_signal();
    }
    {
      std::lock_guard lock(mu_);
      for (auto& l : listeners_) start_listener(*l);
      // The control loop (signals, drain) runs on the caller under run(), else on a
      // thread of its own.
      if (!block) threads_list_.emplace_back([this] { ioc_.run(); });
    }
    if (block) {
      ioc_.run();
      join();
    }
  }

  void join() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_list_);
    }
    for (auto& t : threads)
      if (t.joinable()) {
        if (t.get_id() == std::this_thread::get_id())
          t.detach();  // join() from a handler: the thread ends by itself
        else
          t.join();
      }
  }

  void stop() {
    if (stopping_.exchange(true)) return;
    asio::post(control_, [this] { begin_drain(); });
  }

  bool running() const noexcept { return started_.load() && !stopping_.load(); }

  void set_drain_timeout(std::chrono::milliseconds d) { drain_timeout_ = d; }

 private:
  // Called with mu_ held.
  void start_listener(listener& l) {
    asio::co_spawn(l.strand, accept_loop(l), asio::detached);
    for (unsigned i = 0; i < threads_; ++i) threads_list_.emplace_back([&l] { l.ioc.run(); });
  }

  asio::awaitable<void> accept_loop(listener& l) {
    asio::steady_timer backoff(l.strand);
    for (;;) {
      tcp::socket socket(asio::make_strand(l.ioc));
      auto [ec] = co_await l.acceptor.async_accept(socket, asio::as_tuple(asio::use_awaitable));
      if (stopping_.load() || !l.acceptor.is_open()) co_return;
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        // Out of descriptors (EMFILE) and the like: wait a little instead of spinning.
        log_error("accept failed", ec.message());
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      if (l.connections.load() >= l.lim.max_connections) {
        // Refused at accept: closing costs nothing, unlike a session (DESIGN.md, limits).
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      ++l.connections;
      start_session(l, std::move(socket));
    }
  }

  void start_session(listener& l, tcp::socket socket) {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);  // small responses go out at once
    auto remote = socket.remote_endpoint(ec);
    auto conn = std::make_shared<detail::connection_state>(beast::tcp_stream(std::move(socket)), l.lim, stopping_);
    if (!ec) {
      auto addr = remote.address();
      // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d; logs and rate
      // limits want the plain IPv4 form.
      if (addr.is_v6() && addr.to_v6().is_v4_mapped())
        addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
      conn->remote_address = addr.to_string();
    }
    {
      std::lock_guard lock(mu_);
      connections_.insert(conn);
    }
    auto done = [this, &l, conn](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const boost::system::system_error& se) {
          if (!routine(se.code())) log_error("connection failed", se.what());
        } catch (const std::exception& ex) {
          log_error("connection failed", ex.what());
        } catch (...) {
          log_error("connection failed", "unknown exception");
        }
      }
      conn->close();
      --l.connections;
      std::lock_guard lock(mu_);
      connections_.erase(conn);
    };
    auto exec = conn->stream.get_executor();
    if (l.svc)
      asio::co_spawn(exec, detail::run_buffered_session(conn, *l.svc, l.access_log), std::move(done));
    else
      asio::co_spawn(exec, stream_session(conn, l.handler), std::move(done));
  }

  static asio::awaitable<void> stream_session(std::shared_ptr<detail::connection_state> conn,
                                              const stream_handler& handler) {
    connection_info info(*conn);
    // Armed so that a handler that forgets its first expires_after still cannot
    // wait forever on a silent client.
    conn->stream.expires_after(conn->limits.header_timeout);
    co_await handler.fn(conn->stream, info);
  }

  // The first SIGINT/SIGTERM drains; a second one (an impatient operator) closes
  // every connection at once instead of waiting for the drain timeout.
  void wait_for_signal() {
    signals_->async_wait([this](boost::system::error_code ec, int) {
      if (ec) return;  // cancelled when the drain ends
      if (!stopping_.load()) {
        stop();
        wait_for_signal();
      } else {
        close_connections(/*only_idle=*/false);
      }
    });
  }

  // Runs on the control strand, once.
  void begin_drain() {
    {
      std::lock_guard lock(mu_);
      // Each acceptor is closed on its own listener's strand, where its accept runs.
      for (auto& l : listeners_)
        asio::post(l->strand, [&acceptor = l->acceptor] {
          boost::system::error_code ignored;
          acceptor.close(ignored);
        });
    }
    close_connections(/*only_idle=*/true);
    asio::co_spawn(control_, drain_wait(), asio::detached);
    work_.reset();
  }

  asio::awaitable<void> drain_wait() {
    asio::steady_timer tick(control_);
    const auto deadline = std::chrono::steady_clock::now() + drain_timeout_;
    // Polling keeps the connections' strands free of any server bookkeeping; the
    // tick only bounds how late run() returns after the last connection ended.
    while (live_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
      tick.expires_after(std::chrono::milliseconds(10));
      co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    close_connections(/*only_idle=*/false);
    boost::system::error_code ec;
    if (signals_) signals_->cancel(ec);  // the last thing keeping run() going
  }

  std::size_t live_connections() {
    std::lock_guard lock(mu_);
    return connections_.size();
  }

  void close_connections(bool only_idle) {
    std::vector<std::shared_ptr<detail::connection_state>> all;
    {
      std::lock_guard lock(mu_);
      all.assign(connections_.begin(), connections_.end());
    }
    // Each close runs on the connection's own strand, so it never races its coroutine.
    for (auto& c : all)
      asio::post(c->stream.get_executor(), [c, only_idle] {
        if (!only_idle || c->idle) c->close();
      });
  }

  unsigned threads_;
  asio::io_context ioc_;
  asio::strand<asio::io_context::executor_type> control_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::optional<asio::signal_set> signals_;
  std::vector<std::thread> threads_list_;
  std::chrono::milliseconds drain_timeout_{10'000};
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;  // listeners_, connections_, threads_list_; per connection, never per request
  std::vector<std::unique_ptr<listener>> listeners_;
  std::unordered_set<std::shared_ptr<detail::connection_state>> connections_;
};

server::server(unsigned threads) : impl_(std::make_unique<impl>(threads)) {}

server::~server() {
  stop();
  join();
}

result<std::string> server::listen(const std::string& host_port, std::shared_ptr<service> svc, limits lim) {
  return impl_->listen(host_port, lim, std::move(svc), {});
}

result<std::string> server::listen_stream(const std::string& host_port, stream_handler handler, limits lim) {
  return impl_->listen(host_port, lim, nullptr, std::move(handler));
}

void server::run() { impl_->run(/*with_signals=*/true, /*block=*/true); }
void server::start() { impl_->run(/*with_signals=*/false, /*block=*/false); }
void server::join() { impl_->join(); }
void server::stop() { impl_->stop(); }
bool server::running() const noexcept { return impl_->running(); }
void server::set_drain_timeout(std::chrono::milliseconds d) { impl_->set_drain_timeout(d); }

}  // namespace dropslot::http
