#pragma once
// The server's own thumbnail (issue 22): for a received photo whose browser never sent
// one, so staff and the drawer never show a hole. Decodes JPEG (libjpeg-turbo, with
// its DCT scaling: a 12-MP photo is decoded at 1/8 size), PNG (libpng) and WebP
// (libwebp); HEIC has no decoder here and stays without a thumbnail (docs/api.md).
// Pure: bytes in, bytes out; thread-safe.
#include <cstdint>
#include <string>
#include <string_view>

#include "dropslot/util/result.hpp"

namespace dropslot::api {

/// True when make_thumbnail can decode `content_type`.
bool can_thumbnail(std::string_view content_type) noexcept;

/// A JPEG whose longer edge is at most `edge` pixels (never enlarged), at `quality`
/// (1..100), of the image in `bytes`. invalid_field when the bytes do not decode.
result<std::string> make_thumbnail(std::string_view content_type, std::string_view bytes, std::uint32_t edge,
                                   int quality);

}  // namespace dropslot::api
