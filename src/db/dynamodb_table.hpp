#pragma once
// One DynamoDB table behind the AWS JSON client, and the item vocabulary of the
// DynamoDB backend (db part internals). docs/architecture.md (db) has the layout.
#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include <dropslot/db/error.hpp>
#include <dropslot/s3/aws_json.hpp>
#include <dropslot/util/result.hpp>

namespace dropslot::db::detail {

namespace json = boost::json;

/// A DynamoDB client for the standard AWS configuration: AWS_REGION (or
/// AWS_DEFAULT_REGION, else us-east-1), AWS_ENDPOINT_URL_DYNAMODB, then
/// AWS_ENDPOINT_URL, else the regional endpoint; the credentials chain (env, session
/// token, profile; under Lambda the execution role's env credentials).
/// `transport` as in open_options::aws_transport (empty: libcurl).
std::unique_ptr<s3::aws_json_client> make_dynamodb_client(const s3::env_lookup& env,
                                                          s3::http_transport_factory transport = {});

/// Maps a failed DynamoDB call to db_errc: conflict for
/// ConditionalCheckFailedException (the callers turn it into their own answer),
/// unavailable for no answer, throttling past the retries and 5xx, internal (naming
/// the table) for ResourceNotFoundException, internal for anything else (a bug).
error to_db_error(const s3::aws_error& e, std::string_view table);

/// Thread-safe, as the client is.
class dynamodb_table {
 public:
  dynamodb_table(std::unique_ptr<s3::aws_json_client> client, std::string name)
      : client_(std::move(client)), name_(std::move(name)) {}

  const std::string& name() const noexcept { return name_; }

  /// `action` with `body` and TableName set; errors as to_db_error.
  result<json::object> call(std::string_view action, json::object body) {
    body["TableName"] = name_;
    auto r = client_->call(action, body);
    if (!r) return fail(to_db_error(r.error(), name_));
    return std::move(*r);
  }

  /// The same without the mapping, for the callers that tell AWS errors apart
  /// (migration: ResourceInUseException, UnknownOperationException).
  result<json::object, s3::aws_error> call_raw(std::string_view action, json::object body) {
    body["TableName"] = name_;
    return client_->call(action, body);
  }

 private:
  std::unique_ptr<s3::aws_json_client> client_;
  std::string name_;
};

inline bool is_conditional_failure(const error& e) { return e.code == db_errc::conflict; }

// --- attribute values --------------------------------------------------------------
inline json::object attr(std::string_view s) { return json::object{{"S", s}}; }
inline json::object attr(std::int64_t n) { return json::object{{"N", std::to_string(n)}}; }

inline json::object item_key(std::string_view pk, std::string_view sk) {
  return json::object{{"pk", attr(pk)}, {"sk", attr(sk)}};
}

/// A string attribute of an item; nullopt when absent.
inline std::optional<std::string> opt_text(const json::object& item, std::string_view name) {
  auto* v = item.if_contains(name);
  if (!v || !v->is_object()) return std::nullopt;
  auto* s = v->get_object().if_contains("S");
  if (!s || !s->is_string()) return std::nullopt;
  return std::string(s->get_string());
}
inline std::string text(const json::object& item, std::string_view name) {
  return opt_text(item, name).value_or(std::string());
}
/// A number attribute of an item; nullopt when absent or not an integer.
inline std::optional<std::int64_t> opt_number(const json::object& item, std::string_view name) {
  auto* v = item.if_contains(name);
  if (!v || !v->is_object()) return std::nullopt;
  auto* n = v->get_object().if_contains("N");
  if (!n || !n->is_string()) return std::nullopt;
  std::string_view digits = n->get_string();
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return out;
}
inline std::int64_t number(const json::object& item, std::string_view name) {
  return opt_number(item, name).value_or(0);
}

/// The item of a GetItem answer; nullopt when there is none.
inline std::optional<json::object> found_item(const json::object& answer) {
  auto* i = answer.if_contains("Item");
  if (!i || !i->is_object()) return std::nullopt;
  return i->get_object();
}

// --- keys (docs/architecture.md, db: the DynamoDB item layout) ---------------------
inline std::string customer_pk(std::int64_t id) { return "CUSTOMER#" + std::to_string(id); }
inline std::string email_pk(std::string_view email) { return "EMAIL#" + std::string(email); }
inline std::string code_pk(std::string_view hash) { return "CODE#" + std::string(hash); }
inline std::string session_pk(std::string_view hash) { return "SESSION#" + std::string(hash); }
inline std::string job_pk(std::string_view id) { return "JOB#" + std::string(id); }
inline std::string client_sk(std::string_view client_id) { return "CLIENT#" + std::string(client_id); }
/// Zero-padded so that the sort key orders like the number.
std::string padded(std::int64_t n, int width);

}  // namespace dropslot::db::detail
