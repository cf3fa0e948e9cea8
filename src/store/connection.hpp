#pragma once
// One connection of the store's listener (connection.cpp, the only code of the store that
// reads or writes a socket): request heads to the engine, bodies to its consumers,
// responses back, until the client or the server ends it.
#include <memory>

#include "dropslot/http/stream.hpp"
#include "dropslot/store/object_store.hpp"

namespace dropslot::store {

boost::asio::awaitable<void> serve_connection(boost::beast::tcp_stream& stream, http::connection_info& info,
                                              std::shared_ptr<object_store> store);

}  // namespace dropslot::store
