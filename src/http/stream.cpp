#include "dropslot/http/stream.hpp"

namespace dropslot::http {
// stub: implemented next
}  // namespace dropslot::http
