#include "dropslot/http/server.hpp"

#include "dropslot/http/error.hpp"
#include "dropslot/http/stream.hpp"

namespace dropslot::http {

class server::impl {};

server::server(unsigned) : impl_(std::make_unique<impl>()) {}
server::~server() = default;
result<std::string> server::listen(const std::string&, std::shared_ptr<service>, limits) {
  return fail(http_errc::not_startable, "not implemented yet");
}
result<std::string> server::listen_stream(const std::string&, stream_handler, limits) {
  return fail(http_errc::not_startable, "not implemented yet");
}
void server::run() {}
void server::start() {}
void server::join() {}
void server::stop() {}
bool server::running() const noexcept { return false; }
void server::set_drain_timeout(std::chrono::milliseconds) {}

}  // namespace dropslot::http
