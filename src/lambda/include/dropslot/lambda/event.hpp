#pragma once
// API Gateway proxy events <-> http::request / http::response.
//
// Two payload formats reach a function behind API Gateway:
//   - 1.0, REST API proxy integration: `httpMethod`, `path`, `multiValueHeaders`,
//     `multiValueQueryStringParameters`, `isBase64Encoded`; any of them may be null.
//   - 2.0, HTTP API (and function URLs): `rawPath`, `rawQueryString`, comma-joined
//     `headers`, `cookies[]`, `requestContext.http.method`.
// The response goes back in the format the event came in (see docs/deploy.md).
// Pure functions: no I/O, no environment, thread-safe.
#include <optional>
#include <string>
#include <string_view>

#include "dropslot/http/message.hpp"
#include "dropslot/lambda/error.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::lambda {

enum class payload_format {
  rest_v1,  // REST API proxy, payload 1.0
  http_v2,  // HTTP API / function URL, payload 2.0
};

/// One decoded proxy event: the request the API handles, and the format to answer in.
struct proxy_event {
  payload_format format = payload_format::rest_v1;
  http::request request;
};

/// Parses `json` into a request. The request's `path` is percent-encoded (API
/// Gateway hands the path over decoded), `query` is the raw query text, repeated
/// headers stay separate fields (1.0) or comma-joined (2.0, as sent), 2.0 `cookies`
/// become one `Cookie` header, a base64 body is decoded, and `secure` is true
/// (API Gateway endpoints are HTTPS only). For 2.0 with a named stage, the
/// `/<stage>` prefix API Gateway keeps in `rawPath` is removed, so routes match as
/// they do under 1.0.
///
/// Errors: `malformed_event` / `unsupported_event` when the text is not a proxy
/// event at all (the caller reports an invocation error); `malformed_event` or
/// `bad_base64` for a proxy event with bad content, and then `*detected` (when
/// given) holds its format so the caller can answer 400 in it.
result<proxy_event> parse_event(std::string_view json, std::optional<payload_format>* detected = nullptr);

/// Serializes `res` as the proxy integration response of `format`:
///   1.0: {statusCode, headers (names seen once), multiValueHeaders (all), body, isBase64Encoded}
///   2.0: {statusCode, headers (repeats comma-joined), cookies (each Set-Cookie), body, isBase64Encoded}
/// Set-Cookie is never comma-joined. A body that is not text (see `body_is_text`)
/// goes base64.
std::string format_response(const http::response& res, payload_format format);

/// True when `body` can travel as a JSON string unchanged: empty, or a textual
/// Content-Type (text/*, JSON, XML, JavaScript, form) and valid UTF-8.
bool body_is_text(const http::headers& headers, std::string_view body);

}  // namespace dropslot::lambda
