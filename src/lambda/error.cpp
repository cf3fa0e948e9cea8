#include "dropslot/lambda/error.hpp"

namespace dropslot::lambda {

const char* to_message(lambda_errc e) noexcept {
  switch (e) {
    case lambda_errc::malformed_event: return "malformed event";
    case lambda_errc::unsupported_event: return "not an API Gateway proxy event";
    case lambda_errc::bad_base64: return "body is not valid base64";
    case lambda_errc::runtime_unreachable: return "Lambda Runtime API unreachable";
    case lambda_errc::runtime_rejected: return "Lambda Runtime API rejected the request";
    case lambda_errc::bad_invocation: return "invocation without a request id";
  }
  return "unknown lambda error";
}

}  // namespace dropslot::lambda

DROPSLOT_ERROR_CATEGORY_IMPL(dropslot::lambda, lambda_errc, "lambda", dropslot::lambda::to_message)
