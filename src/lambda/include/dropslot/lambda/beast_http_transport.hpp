#pragma once
// An HTTP/1.1 client for the AWS JSON calls of `dropslot lambda` (DynamoDB, Secrets
// Manager): Beast over plain TCP or TLS (OpenSSL), in place of libcurl, whose ~30
// shared libraries cost about half of the CPU of a DynamoDB-backed cold start
// (docs/benchmarks/lambda.md). The AWS JSON client keeps the signing and the retries.
#include <chrono>
#include <memory>

#include <dropslot/s3/http_transport.hpp>

namespace dropslot::lambda {

/// http:// and https:// URLs. HTTPS: SNI, the peer's chain checked against the CA
/// bundle in AWS_CA_BUNDLE, else OpenSSL's default paths (SSL_CERT_FILE,
/// SSL_CERT_DIR), and its name (or IP address) against the URL's host.
///
/// Connections are kept alive and reused (one per concurrent caller; a Lambda has
/// one). A kept-alive connection that the server closed is found before the request
/// goes out (the socket is readable: a FIN, an alert) and replaced by a new one, as
/// is one idle for longer than `max_idle`; once any byte of a request was sent, a
/// failure is an error (no answer) and never sent again, since the service may have
/// applied it. `connect` bounds the TCP connect and the TLS handshake, `total` the
/// whole exchange (DNS resolution of a host name is the resolver's own, not bounded).
/// Thread-safe.
std::unique_ptr<s3::http_transport> make_beast_http_transport(
    std::chrono::milliseconds connect, std::chrono::milliseconds total,
    std::chrono::milliseconds max_idle = std::chrono::seconds(118));

/// The factory for aws_json_config::transport and db::open_options::aws_transport.
/// Every transport one factory makes shares one TLS context, so the CA certificates
/// are read once however many clients use it: give one factory to all of them.
s3::http_transport_factory beast_http_transport_factory();

}  // namespace dropslot::lambda
