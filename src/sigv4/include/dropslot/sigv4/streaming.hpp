#pragma once
// Streaming (aws-chunked) signatures: each a pure function of the signing key, the
// date and scope, the previous signature and a hash. The seed signature is the
// ordinary header-auth signature of a request whose payload hash is one of the
// STREAMING-* tokens; every chunk (and the trailer) chains the previous signature.
#include <span>
#include <string>
#include <string_view>

#include <dropslot/sigv4/crypto.hpp>
#include <dropslot/sigv4/signer.hpp>
#include <dropslot/sigv4/signing_key.hpp>

namespace dropslot::sigv4 {

/// The seed signature: HMAC(kSigning, string_to_sign(amz_date, scope, canonical_request)).
std::string seed_signature(const signing_key& key, std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);

/// "AWS4-HMAC-SHA256-PAYLOAD\n<amz date>\n<scope>\n<previous>\n<hex sha256("")>\n<chunk hash hex>".
std::string chunk_string_to_sign(std::string_view amz_date, std::string_view scope,
                                 std::string_view previous_signature, std::string_view chunk_hash_hex);

/// The signature of one chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]); the
/// final zero-length chunk is signed too (chunk_hash = sha256("")).
std::string chunk_signature(const signing_key& key, std::string_view amz_date, std::string_view scope,
                            std::string_view previous_signature, const digest& chunk_hash);

/// The trailing headers as they are hashed: "name:value\n" for each, in the order given,
/// names lower-cased.
std::string canonical_trailer(std::span<const header> trailers);

/// "AWS4-HMAC-SHA256-TRAILER\n<amz date>\n<scope>\n<previous>\n<hex sha256(canonical trailer)>".
std::string trailer_string_to_sign(std::string_view amz_date, std::string_view scope,
                                   std::string_view previous_signature, std::string_view trailer_hash_hex);

/// x-amz-trailer-signature for STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: chains the
/// last (zero-length) chunk's signature. (STREAMING-UNSIGNED-PAYLOAD-TRAILER bodies carry
/// no chunk or trailer signatures; only the seed is checked.)
std::string trailer_signature(const signing_key& key, std::string_view amz_date, std::string_view scope,
                              std::string_view previous_signature, std::string_view canonical_trailer_text);

}  // namespace dropslot::sigv4
