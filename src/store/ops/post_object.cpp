// POST Object: a browser form upload authorized by a SigV4-signed policy. The bucket
// comes only from the URL or Host; every policy condition is enforced (sigv4
// check_post_form); the file streams to a temporary like a PUT.
#include <pugixml.hpp>

#include <sstream>

#include "../meta_encoding.hpp"
#include "../checksums.hpp"
#include "../form_data.hpp"
#include "../md5.hpp"
#include "../s3_xml.hpp"
#include "operations.hpp"
#include "dropslot/sigv4/signer.hpp"
#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store::ops {

namespace {

constexpr std::uint64_t max_post = 5ull * 1024 * 1024 * 1024;

error err(s3_errc c, std::string detail = {}) { return error{make_error_code(c), std::move(detail)}; }

std::optional<std::string> field(const std::vector<std::pair<std::string, std::string>>& fields, std::string_view name) {
  for (const auto& [n, v] : fields)
    if (n == name) return v;
  return std::nullopt;
}

std::string post_response_xml(std::string_view location, std::string_view bucket, std::string_view key,
                              std::string_view etag) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child("PostResponse");
  root.append_child("Location").text() = std::string(location).c_str();
  root.append_child("Bucket").text() = std::string(bucket).c_str();
  root.append_child("Key").text() = std::string(key).c_str();
  root.append_child("ETag").text() = std::string(etag).c_str();
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

class post_consumer final : public body_consumer {
 public:
  post_consumer(store_engine& e, std::shared_ptr<request_ctx> ctx, std::string boundary)
      : e_(e), ctx_(std::move(ctx)),
        parser_(std::move(boundary), form_data_parser::handler{
                                         [this](const auto& fields, std::string_view filename, std::string_view type) {
                                           return begin_file(fields, filename, type);
                                         },
                                         [this](std::string_view bytes) -> result<void> {
                                           md5_->update(bytes.data(), bytes.size());
                                           size_ += bytes.size();
                                           return temp_->write(bytes);
                                         }}) {}

  result<void> write(std::string_view raw) override { return parser_.feed(raw); }

  s3_response finish(std::optional<error> write_error) override {
    if (write_error) return e_.error_response(*ctx_, *write_error);
    if (auto r = parser_.finish(); !r) return e_.error_response(*ctx_, r.error());
    if (auto r = sigv4::check_content_length(policy_, size_); !r) {
      auto [lo, hi] = length_range();
      s3_errc c = size_ < lo ? s3_errc::entity_too_small : s3_errc::entity_too_large;
      (void)hi;
      return e_.error_response(*ctx_, err(c));
    }
    meta_.size = size_;
    meta_.etag = "\"" + util::hex_encode(md5_->finish()) + "\"";
    meta_.last_modified = e_.now();
    if (auto r = e_.backend().commit_object(ctx_->target.bucket, std::move(*temp_), meta_, false); !r)
      return e_.error_response(*ctx_, r.error());
    e_.object_created(ctx_->target.bucket, meta_.key);
    const auto& fields = parser_.fields();
    std::string location = "/" + ctx_->target.bucket + "/" + url_encode_key(meta_.key);
    if (auto redirect = field(fields, "success_action_redirect"); redirect && !redirect->empty()) {
      s3_response r;
      r.status = 303;
      std::string sep = redirect->find('?') == std::string::npos ? "?" : "&";
      r.headers.set("Location", *redirect + sep + "bucket=" + sigv4::uri_encode(ctx_->target.bucket, false) +
                                    "&key=" + sigv4::uri_encode(meta_.key, false) + "&etag=" +
                                    sigv4::uri_encode(meta_.etag, false));
      r.headers.set("ETag", meta_.etag);
      return e_.finish_response(*ctx_, std::move(r));
    }
    std::string status = field(fields, "success_action_status").value_or("204");
    s3_response r;
    if (status == "201") {
      r = xml_response(201, post_response_xml(location, ctx_->target.bucket, meta_.key, meta_.etag));
    } else {
      r.status = status == "200" ? 200 : 204;
    }
    r.headers.set("ETag", meta_.etag);
    r.headers.set("Location", location);
    return e_.finish_response(*ctx_, std::move(r));
  }

  std::uint64_t max_body() const override { return max_post; }

 private:
  std::pair<std::uint64_t, std::uint64_t> length_range() const {
    for (const auto& c : policy_.conditions)
      if (c.op == sigv4::policy_condition::kind::content_length_range) return {c.min, c.max};
    return {0, max_post};
  }

  result<void> begin_file(const std::vector<std::pair<std::string, std::string>>& fields, std::string_view filename,
                          std::string_view file_type) {
    // A repeated field would be checked once by the policy but stored twice (headers
    // join repeats), smuggling an unsigned value: refuse any repeat outright.
    for (std::size_t i = 0; i < fields.size(); ++i)
      for (std::size_t j = i + 1; j < fields.size(); ++j)
        if (fields[i].first == fields[j].first)
          return fail(s3_errc::invalid_argument, "Form field " + fields[i].first + " appears more than once");
    auto policy = field(fields, "policy");
    auto signature = field(fields, "x-amz-signature");
    auto credential = field(fields, "x-amz-credential");
    auto date = field(fields, "x-amz-date");
    auto algorithm = field(fields, "x-amz-algorithm");
    if (!policy || !signature || !credential || !date)
      return fail(s3_errc::access_denied, "Anonymous POST uploads are not allowed");
    if (!algorithm || *algorithm != "AWS4-HMAC-SHA256")
      return fail(s3_errc::invalid_argument, "x-amz-algorithm must be AWS4-HMAC-SHA256");
    auto key = field(fields, "key");
    if (!key || key->empty()) return fail(s3_errc::invalid_argument, "Bucket POST must contain a field named 'key'.");
    if (auto b = field(fields, "bucket"); b && *b != ctx_->target.bucket)
      return fail(s3_errc::access_denied, "The bucket field does not name the bucket of the URL");
    auto verified = e_.verifier().verify_post_policy(*policy, *credential, *date, *signature, ctx_->now);
    if (!verified) {
      const auto& ve = verified.error();
      using v = sigv4::sigv4_errc;
      switch (static_cast<v>(ve.code.value())) {
        case v::signature_mismatch: return fail(s3_errc::signature_does_not_match);
        case v::unknown_access_key: return fail(s3_errc::invalid_access_key_id);
        case v::malformed_policy: return fail(s3_errc::invalid_policy_document, "Invalid Policy: " + ve.detail);
        case v::policy_expired: return fail(s3_errc::access_denied, "Invalid according to Policy: Policy expired.");
        default: return fail(s3_errc::access_denied, "Invalid according to Policy: " + ve.message());
      }
    }
    policy_ = verified->policy;
    // ${filename} is replaced by the file part's name, as S3 does.
    std::string final_key = *key;
    if (auto at = final_key.find("${filename}"); at != std::string::npos)
      final_key.replace(at, 11, std::string(filename));
    if (final_key.size() > 1024) return fail(s3_errc::key_too_long);
    std::vector<sigv4::form_field> form;
    for (const auto& [n, val] : fields) form.push_back({n, n == "key" ? final_key : val});
    // The object's type: the form's Content-Type field, which the policy covers. Without
    // one, the file part's own header is used only where the policy has a condition on
    // Content-Type, checked as if the form had sent it; otherwise it is ignored, as S3
    // ignores it, so no type reaches the object that the policy did not allow.
    auto form_type = field(fields, "content-type");
    bool policy_names_type = false;
    for (const auto& c : policy_.conditions)
      if (c.op != sigv4::policy_condition::kind::content_length_range && c.field == "content-type")
        policy_names_type = true;
    std::string content_type = form_type.value_or("binary/octet-stream");
    if (!form_type && policy_names_type) {
      content_type = std::string(file_type);
      form.push_back({"content-type", content_type});
    }
    if (auto r = sigv4::check_post_form(policy_, ctx_->target.bucket, form, ctx_->now); !r) {
      const auto& ec = r.error();
      if (ec.code == sigv4::sigv4_errc::policy_expired)
        return fail(s3_errc::access_denied, "Invalid according to Policy: Policy expired.");
      return fail(s3_errc::access_denied, "Invalid according to Policy: Policy Condition failed: " + ec.detail);
    }
    // Authenticated and authorized: only now may the answer say whether the bucket exists.
    if (!valid_bucket_name(ctx_->target.bucket) || !e_.backend().bucket_exists(ctx_->target.bucket))
      return fail(s3_errc::no_such_bucket);
    meta_.key = final_key;
    meta_.content_type = content_type.empty() ? "binary/octet-stream" : content_type;
    meta_.content_disposition = field(fields, "content-disposition").value_or("");
    meta_.cache_control = field(fields, "cache-control").value_or("");
    meta_.content_encoding = field(fields, "content-encoding").value_or("");
    meta_.expires = field(fields, "expires").value_or("");
    for (const auto& [n, val] : fields)
      if (n.rfind("x-amz-meta-", 0) == 0) meta_.user_meta.emplace_back(n.substr(11), meta_value_to_store(val));
    auto temp = e_.backend().new_temp();
    if (!temp) return fail(temp.error());
    temp_.emplace(std::move(*temp));
    md5_ = std::make_unique<md5_digest>();
    return {};
  }

  store_engine& e_;
  std::shared_ptr<request_ctx> ctx_;
  form_data_parser parser_;
  sigv4::post_policy policy_;
  object_meta meta_;
  std::optional<temp_object> temp_;
  std::unique_ptr<md5_digest> md5_;
  std::uint64_t size_ = 0;
};

}  // namespace

dispatch post_object(store_engine& e, std::shared_ptr<request_ctx> ctx) {
  // No existence check here: the form's signed policy authenticates the caller, and an
  // anonymous one must not learn whether the bucket exists (begin_file checks it after).
  auto boundary = form_boundary(ctx->head.headers.get("content-type").value_or(""));
  return dispatch{{}, std::make_unique<post_consumer>(e, ctx, *boundary)};
}

}  // namespace dropslot::store::ops
