#pragma once
// The S3 route table: which operation (ops/operations.hpp) a request reaches, found by
// method, what it addresses (the service, a bucket, an object) and the query parameters
// or headers that select it, as the API's router finds its handlers. The table itself is
// in s3_routes.cpp and reads as the list of operations the store implements.
#include <string_view>

#include "ops/operations.hpp"

namespace dropslot::store {

enum class addressed { service, bucket, object };

struct s3_route {
  std::string_view operation;  // S3's name, e.g. "GetObject"
  std::string_view method;
  addressed target;
  std::string_view query;   // a query parameter that must be present ("" for none)
  std::string_view header;  // a header that must be present ("" for none)
  bool needs_bucket;        // the bucket must exist (NoSuchBucket before the operation)
  ops::operation run;
};

/// The first route that matches, or null.
const s3_route* find_route(const request_ctx& ctx);

/// Subresources S3 has and this store does not (NotImplemented).
bool unsupported_subresource(const request_ctx& ctx);

}  // namespace dropslot::store
