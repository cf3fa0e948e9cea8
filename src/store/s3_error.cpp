#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {

namespace {
struct entry {
  std::string_view code;
  int status;
  const char* message;
};

// One row per s3_errc, in enum order. Codes, statuses and messages are those S3 documents
// (Amazon S3 API Reference, "Error responses").
entry row(s3_errc e) noexcept {
  switch (e) {
    case s3_errc::access_denied: return {"AccessDenied", 403, "Access Denied"};
    case s3_errc::signature_does_not_match:
      return {"SignatureDoesNotMatch", 403,
              "The request signature we calculated does not match the signature you provided. Check your key and signing method."};
    case s3_errc::invalid_access_key_id:
      return {"InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."};
    case s3_errc::expired_token: return {"AccessDenied", 403, "Request has expired"};
    case s3_errc::request_time_too_skewed:
      return {"RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large."};
    case s3_errc::authorization_header_malformed:
      return {"AuthorizationHeaderMalformed", 400, "The authorization header is malformed."};
    case s3_errc::authorization_query_parameters_error:
      return {"AuthorizationQueryParametersError", 400, "Error parsing the X-Amz-Credential parameter."};
    case s3_errc::missing_security_header: return {"MissingSecurityHeader", 400, "Your request is missing a required header."};
    case s3_errc::invalid_argument: return {"InvalidArgument", 400, "Invalid Argument"};
    case s3_errc::invalid_request: return {"InvalidRequest", 400, "Invalid Request"};
    case s3_errc::invalid_bucket_name: return {"InvalidBucketName", 400, "The specified bucket is not valid."};
    case s3_errc::no_such_bucket: return {"NoSuchBucket", 404, "The specified bucket does not exist"};
    case s3_errc::bucket_not_empty:
      return {"BucketNotEmpty", 409, "The bucket you tried to delete is not empty"};
    case s3_errc::bucket_already_owned_by_you:
      return {"BucketAlreadyOwnedByYou", 409,
              "Your previous request to create the named bucket succeeded and you already own it."};
    case s3_errc::no_such_key: return {"NoSuchKey", 404, "The specified key does not exist."};
    case s3_errc::no_such_upload:
      return {"NoSuchUpload", 404,
              "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."};
    case s3_errc::invalid_part:
      return {"InvalidPart", 400,
              "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."};
    case s3_errc::invalid_part_order:
      return {"InvalidPartOrder", 400, "The list of parts was not in ascending order. Parts must be ordered by part number."};
    case s3_errc::entity_too_small:
      return {"EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size."};
    case s3_errc::entity_too_large:
      return {"EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed object size."};
    case s3_errc::bad_digest: return {"BadDigest", 400, "The Content-MD5 or checksum you specified did not match what we received."};
    case s3_errc::invalid_digest: return {"InvalidDigest", 400, "The Content-MD5 or checksum you specified is not valid."};
    case s3_errc::x_amz_content_sha256_mismatch:
      return {"XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed."};
    case s3_errc::incomplete_body:
      return {"IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header."};
    case s3_errc::malformed_xml:
      return {"MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema."};
    case s3_errc::invalid_range: return {"InvalidRange", 416, "The requested range is not satisfiable"};
    case s3_errc::precondition_failed:
      return {"PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold"};
    case s3_errc::not_modified: return {"NotModified", 304, "Not Modified"};
    case s3_errc::method_not_allowed:
      return {"MethodNotAllowed", 405, "The specified method is not allowed against this resource."};
    case s3_errc::not_implemented:
      return {"NotImplemented", 501, "A header you provided implies functionality that is not implemented."};
    case s3_errc::missing_content_length:
      return {"MissingContentLength", 411, "You must provide the Content-Length HTTP header."};
    case s3_errc::key_too_long: return {"KeyTooLongError", 400, "Your key is too long"};
    case s3_errc::no_such_cors_configuration:
      return {"NoSuchCORSConfiguration", 404, "The CORS configuration does not exist"};
    case s3_errc::cors_forbidden:
      return {"AccessForbidden", 403, "CORSResponse: This CORS request is not allowed."};
    case s3_errc::invalid_policy_document:
      return {"InvalidPolicyDocument", 400, "Invalid Policy: Invalid JSON."};
    case s3_errc::malformed_post_request:
      return {"MalformedPOSTRequest", 400, "The body of your POST request is not well-formed multipart/form-data."};
    case s3_errc::internal_error:
      return {"InternalError", 500, "We encountered an internal error. Please try again."};
    case s3_errc::slow_down: return {"SlowDown", 503, "Please reduce your request rate."};
    case s3_errc::request_timeout:
      return {"RequestTimeout", 400,
              "Your socket connection to the server was not read from or written to within the timeout period."};
    case s3_errc::invalid_part_number:
      return {"InvalidPartNumber", 416, "The requested partnumber is not satisfiable"};
    case s3_errc::expectation_failed:
      return {"ExpectationFailed", 417, "Only the 100-continue expectation is supported"};
    case s3_errc::bad_request: return {"BadRequest", 400, "An error occurred when parsing the HTTP request."};
  }
  return {"InternalError", 500, "We encountered an internal error. Please try again."};
}
}  // namespace

std::string_view s3_error_code_name(s3_errc e) noexcept { return row(e).code; }
int s3_error_status(s3_errc e) noexcept { return row(e).status; }
const char* s3_error_message(s3_errc e) noexcept { return row(e).message; }

}  // namespace dropslot::store

DROPSLOT_ERROR_CATEGORY_IMPL(dropslot::store, s3_errc, "s3", dropslot::store::s3_error_message)
