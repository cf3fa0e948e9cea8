#pragma once
// User metadata (x-amz-meta-*) values as Amazon S3 documents them (User Guide, "Working
// with object metadata", user-defined metadata): values with characters outside US-ASCII
// "are character decoded as per RFC 2047 before storing and encoded as per RFC 2047 to
// make them mail-safe before returning". So the store keeps Unicode text (UTF-8) and sends
// any value that is not plain printable ASCII as one RFC 2047 encoded-word,
// `=?UTF-8?Q?...?=`. The evidence and the choices made where AWS is silent are in
// docs/s3-conformance.md.
#include <string>
#include <string_view>

namespace dropslot::store {

/// The text to store for a metadata value as received. A value made of RFC 2047
/// encoded-words in UTF-8, ISO-8859-1 or US-ASCII (Q or B) is decoded ("=?UTF-8?B?w6k=?="
/// is stored as "é"); any other is kept as text: valid UTF-8 as it is, anything else as
/// obs-text, read as ISO-8859-1 (RFC 9110 5.5), so a raw 0xE9 is stored as "é" (C3 A9).
std::string meta_value_to_store(std::string_view received);

/// The header value to send for a stored metadata value: as it is when every byte is
/// printable ASCII (0x20-0x7E) and it does not itself read as encoded-words, else one
/// RFC 2047 Q encoded-word of its UTF-8 bytes ("é" -> "=?UTF-8?Q?=C3=A9?=", "\x04a" ->
/// "=?UTF-8?Q?=04a?="). Always printable ASCII, and meta_value_to_store of it gives
/// `stored` back (fuzz/meta_encoding_fuzz.cpp).
std::string meta_value_to_send(std::string_view stored);

}  // namespace dropslot::store
