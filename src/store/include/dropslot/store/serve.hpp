#pragma once
// Puts an object_store on an http::server listener. Each connection runs the store's
// own Beast parser loop (stream.hpp): the request head is read and authorized first,
// then the body streams through the decoders and hashers to a temporary file, never
// whole in memory, and GETs are answered from the file in pieces.
#include <memory>
#include <string>

#include "dropslot/http/server.hpp"
#include "dropslot/store/object_store.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::store {

/// The limits the store listens with by default: 16 KiB heads, 5 GiB single PUTs
/// (S3's own cap), 15 s for a head, 60 s keep-alive idle, 120 s without progress on a
/// body read or a response write.
http::limits default_store_limits();

/// Adds a raw listener for `store` on "host:port" (port 0 picks one) and returns the
/// bound "host:port". The store stays alive while the server holds the listener.
/// Call before `server.run()`/`start()`.
result<std::string> serve_store(http::server& server, std::shared_ptr<object_store> store,
                                const std::string& host_port, http::limits lim = default_store_limits());

}  // namespace dropslot::store
