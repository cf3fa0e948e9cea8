// serve_store (dropslot/store/serve.hpp): an object_store on a raw listener of the
// http::server, each connection served by serve_connection (connection.cpp).
#include "connection.hpp"
#include "dropslot/store/serve.hpp"

namespace dropslot::store {

http::limits default_store_limits() {
  http::limits lim;
  lim.max_header_bytes = 16 * 1024;
  lim.max_body_bytes = 5ull * 1024 * 1024 * 1024;
  lim.header_timeout = std::chrono::seconds(15);
  lim.idle_timeout = std::chrono::seconds(60);
  lim.body_timeout = std::chrono::seconds(120);
  return lim;
}

result<std::string> serve_store(http::server& server, std::shared_ptr<object_store> store,
                                const std::string& host_port, http::limits lim) {
  return server.listen_stream(
      host_port,
      [store](boost::beast::tcp_stream& stream, http::connection_info& info) -> boost::asio::awaitable<void> {
        return serve_connection(stream, info, store);
      },
      lim);
}

}  // namespace dropslot::store
