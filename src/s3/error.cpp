#include "dropslot/s3/error.hpp"

namespace dropslot::s3 {

const char* s3_errc_message(s3_errc e) noexcept {
  switch (e) {
    case s3_errc::unavailable: return "S3 is unavailable";
    case s3_errc::access_denied: return "S3 denied the request";
    case s3_errc::no_such_bucket: return "no such bucket";
    case s3_errc::no_such_key: return "no such key";
    case s3_errc::precondition: return "precondition failed";
    case s3_errc::request_failed: return "S3 refused the request";
    case s3_errc::bad_response: return "S3 sent a response that could not be read";
    case s3_errc::invalid_argument: return "invalid argument";
    case s3_errc::no_credentials: return "no AWS credentials found";
  }
  return "S3 error";
}

}  // namespace dropslot::s3

DROPSLOT_ERROR_CATEGORY_IMPL(dropslot::s3, s3_errc, "s3", s3_errc_message)
