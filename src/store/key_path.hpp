#pragma once
// Key → file name. The key never becomes part of a path: the file is named by the hex
// SHA-256 of the key, fanned out over two directory levels (256 × 256) so no folder
// grows huge. Whatever the key holds (`..`, `\`, NUL, `%2e`, 1,024 bytes, any unicode),
// the result is "xx/yy/<64 hex>" and cannot leave the bucket's objects folder.
#include <string>
#include <string_view>

namespace dropslot::store {

/// "ab/cd/abcd…" (2 + 1 + 2 + 1 + 64 characters, all [0-9a-f/]).
std::string key_relative_path(std::string_view key);

/// True for the 32-hex-digit upload ids this store issues (so an id from a
/// request can name a folder only when it is one of ours in shape).
bool valid_upload_id(std::string_view id);

}  // namespace dropslot::store
