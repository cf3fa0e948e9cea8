#include "dropslot/http/static_files.hpp"

#include "dropslot/http/error.hpp"

namespace dropslot::http {

std::string_view content_type_for(std::string_view) noexcept { return "application/octet-stream"; }

result<static_files> static_files::open(const std::filesystem::path& root, static_options opts) {
  return fail(http_errc::invalid_root, "not implemented yet");
}

response static_files::serve(const request&, std::string_view) const { return response{404, {}, {}}; }

}  // namespace dropslot::http
