// Asio and Beast, compiled once for the whole program (see CMakeLists.txt): the
// header-only build would recompile them in every translation unit that includes
// them (~14 s each on this machine class, DESIGN.md).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
