// Asio's TLS layer, compiled once (dropslot_http compiles the rest of Asio with
// BOOST_ASIO_SEPARATE_COMPILATION, src/http/beast_impl.cpp): only this target uses it.
#include <boost/asio/ssl/impl/src.hpp>
