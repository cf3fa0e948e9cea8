#include "dynamodb_table.hpp"

#include <cstdio>

namespace dropslot::db::detail {

std::unique_ptr<s3::aws_json_client> make_dynamodb_client(const s3::env_lookup& env,
                                                          s3::http_transport_factory transport) {
  s3::aws_json_config c;
  c.service = "dynamodb";
  c.target_prefix = "DynamoDB_20120810";
  c.content_type = "application/x-amz-json-1.0";
  c.region = s3::region_from_env(env).value_or("us-east-1");
  c.endpoint = s3::resolve_service_endpoint(env, "DYNAMODB", "dynamodb", c.region);
  c.credentials = s3::cached_default_credentials(env);
  // A request of the API waits for these: a dead endpoint must fail within a
  // request's patience (503), not hang it.
  c.connect_timeout = std::chrono::seconds(2);
  c.request_timeout = std::chrono::seconds(5);
  c.transport = std::move(transport);
  return std::make_unique<s3::aws_json_client>(std::move(c));
}

error to_db_error(const s3::aws_error& e, std::string_view table) {
  using s3::aws_json_errc;
  switch (e.code) {
    case aws_json_errc::unavailable:
    case aws_json_errc::throttled: return error{make_error_code(db_errc::unavailable), "DynamoDB: " + e.describe()};
    case aws_json_errc::no_credentials: return error{make_error_code(db_errc::unavailable), "DynamoDB: " + e.message};
    case aws_json_errc::bad_response: return error{make_error_code(db_errc::internal), "DynamoDB: " + e.describe()};
    case aws_json_errc::service_error: break;
  }
  if (e.type == "ConditionalCheckFailedException") return error{make_error_code(db_errc::conflict), e.type};
  if (e.type == "ResourceNotFoundException")
    return error{make_error_code(db_errc::internal), "DynamoDB table " + std::string(table) + " does not exist"};
  return error{make_error_code(db_errc::internal), "DynamoDB: " + e.describe()};
}

std::string padded(std::int64_t n, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(n));
  return buf;
}

}  // namespace dropslot::db::detail
