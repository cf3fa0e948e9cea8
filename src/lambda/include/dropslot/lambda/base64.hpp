#pragma once
// Standard base64 (RFC 4648 §4, '+' and '/', '=' padding): API Gateway carries
// binary bodies this way in both payload formats.
#include <optional>
#include <string>
#include <string_view>

namespace dropslot::lambda {

/// Encodes `bytes` with padding.
std::string base64_encode(std::string_view bytes);

/// Decodes `text`; padding is optional. Returns nullopt on any character outside
/// the alphabet, misplaced padding, or a length that cannot be base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace dropslot::lambda
