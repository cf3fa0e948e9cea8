#pragma once
// The engine's hook for bucket policies (bucket_policy.hpp): after a request is
// authenticated, the policy of its bucket (store_config::bucket_policies) may still
// deny it, as S3 does with the bucket's policy.
#include <optional>

#include "engine.hpp"

namespace dropslot::store {

/// A 403 AccessDenied when a Deny statement of the bucket's policy applies to the
/// authenticated request `ctx`; nullopt when the bucket has no policy or none applies.
std::optional<s3_response> check_bucket_policy(const store_engine& e, const request_ctx& ctx);

}  // namespace dropslot::store
