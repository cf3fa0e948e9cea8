#pragma once
// Expected failures of the Lambda adapter: events that are not API Gateway proxy
// events, and exchanges with the Runtime API that did not go as the spec says.
#include "dropslot/util/error_category.hpp"

namespace dropslot::lambda {

enum class lambda_errc {
  malformed_event = 1,  // not JSON, or JSON without the fields a proxy event must have
  unsupported_event,    // JSON, but neither payload 1.0 nor 2.0
  bad_base64,           // isBase64Encoded with a body that is not base64
  runtime_unreachable,  // the Runtime API did not answer (connection refused, reset)
  runtime_rejected,     // the Runtime API answered with a status it documents as fatal
  bad_invocation,       // a `next` answer without the request id header
};

const char* to_message(lambda_errc e) noexcept;

}  // namespace dropslot::lambda

DROPSLOT_ERROR_CATEGORY_DECL(dropslot::lambda, lambda_errc)
