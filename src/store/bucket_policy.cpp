#include "dropslot/store/bucket_policy.hpp"

#include <boost/json.hpp>

#include <charconv>

#include "bucket_policy_check.hpp"
#include "dropslot/sigv4/signer.hpp"
#include "dropslot/store/s3_error.hpp"
#include "dropslot/util/codec.hpp"

namespace dropslot::store {

namespace {

namespace json = boost::json;

unexpected<error> bad(std::string what) { return fail(s3_errc::invalid_policy_document, std::move(what)); }

// IAM's wildcards: '*' any run, '?' any one character.
bool glob(std::string_view p, std::string_view v) {
  std::size_t pi = 0, vi = 0, star = std::string_view::npos, mark = 0;
  while (vi < v.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == v[vi])) {
      ++pi;
      ++vi;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = vi;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      vi = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

// A string or an array of strings (IAM accepts both wherever a list is meant).
result<std::vector<std::string>> strings(const json::value& v, std::string_view what) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.emplace_back(v.as_string());
  } else if (v.is_array()) {
    for (const auto& e : v.as_array()) {
      if (!e.is_string()) return bad(std::string(what) + ": every value must be a string");
      out.emplace_back(e.as_string());
    }
  } else {
    return bad(std::string(what) + ": a string or a list of strings");
  }
  return out;
}

bool everyone(const json::value& principal) {
  if (principal.is_string()) return principal.as_string() == "*";
  if (principal.is_object()) {
    const auto& o = principal.as_object();
    if (auto it = o.find("AWS"); it != o.end()) {
      if (it->value().is_string()) return it->value().as_string() == "*";
      if (it->value().is_array())
        for (const auto& e : it->value().as_array())
          if (e.is_string() && e.as_string() == "*") return true;
    }
  }
  return false;
}

// The operators and keys the store can evaluate.
constexpr std::string_view operators[] = {"bool",
                                          "stringequals",
                                          "stringnotequals",
                                          "stringequalsignorecase",
                                          "stringlike",
                                          "numericequals",
                                          "numericnotequals",
                                          "numericlessthan",
                                          "numericlessthanequals",
                                          "numericgreaterthan",
                                          "numericgreaterthanequals"};
constexpr std::string_view keys[] = {"aws:securetransport", "s3:authtype", "s3:signatureage"};

template <class List>
bool known(const List& list, std::string_view s) {
  return std::find(std::begin(list), std::end(list), s) != std::end(list);
}

std::optional<std::string> value_of(const policy_request& r, std::string_view key) {
  if (key == "aws:securetransport") {
    if (!r.secure_transport) return std::nullopt;
    return std::string(*r.secure_transport ? "true" : "false");
  }
  if (key == "s3:authtype") return r.auth_type;
  if (key == "s3:signatureage") {
    if (!r.signature_age_ms) return std::nullopt;
    return std::to_string(*r.signature_age_ms);
  }
  return std::nullopt;
}

std::optional<double> number(std::string_view s) {
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return d;
}

bool compare(std::string_view op, std::string_view have, std::string_view want) {
  if (op == "bool") return util::iequals(have, want);
  if (op == "stringequals") return have == want;
  if (op == "stringequalsignorecase") return util::iequals(have, want);
  if (op == "stringlike") return glob(want, have);
  auto a = number(have), b = number(want);
  if (!a || !b) return false;
  if (op == "numericequals") return *a == *b;
  if (op == "numericlessthan") return *a < *b;
  if (op == "numericlessthanequals") return *a <= *b;
  if (op == "numericgreaterthan") return *a > *b;
  if (op == "numericgreaterthanequals") return *a >= *b;
  return false;
}

bool holds(const bucket_policy::condition& c, const policy_request& r) {
  auto have = value_of(r, c.key);
  if (!have) return c.if_exists;  // a missing key matches only ...IfExists
  // The negated operators hold when no value matches; the others when one does.
  if (c.op == "stringnotequals")
    return std::none_of(c.values.begin(), c.values.end(), [&](const auto& v) { return *have == v; });
  if (c.op == "numericnotequals")
    return std::none_of(c.values.begin(), c.values.end(),
                        [&](const auto& v) { return compare("numericequals", *have, v); });
  return std::any_of(c.values.begin(), c.values.end(), [&](const auto& v) { return compare(c.op, *have, v); });
}

// The S3 action a request is authorized as (the ones the store serves).
std::string action_of(const request_ctx& ctx) {
  const auto& m = ctx.head.method;
  const bool object = !ctx.target.key.empty();
  if (ctx.target.bucket.empty()) return "s3:ListAllMyBuckets";
  if (object) {
    if (ctx.has("uploadId") || ctx.has("uploads")) return m == "DELETE" ? "s3:AbortMultipartUpload" : "s3:PutObject";
    if (m == "GET" || m == "HEAD") return "s3:GetObject";
    if (m == "PUT" || m == "POST") return "s3:PutObject";
    if (m == "DELETE") return "s3:DeleteObject";
  } else {
    if (ctx.has("cors")) return m == "GET" ? "s3:GetBucketCORS" : "s3:PutBucketCORS";
    if (ctx.has("uploads")) return "s3:ListBucketMultipartUploads";
    if (m == "GET" || m == "HEAD") return "s3:ListBucket";
    if (m == "PUT") return "s3:CreateBucket";
    if (m == "DELETE") return "s3:DeleteBucket";
    if (m == "POST") return "s3:DeleteObject";  // DeleteObjects
  }
  return "s3:" + m;
}

}  // namespace

result<bucket_policy> bucket_policy::parse(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return bad("the policy is not a JSON object");
  const auto& o = doc.as_object();
  auto st = o.find("Statement");
  if (st == o.end()) return bad("the policy has no Statement");
  json::array list = st->value().is_array() ? st->value().as_array() : json::array{st->value()};
  bucket_policy out;
  std::size_t n = 0;
  for (const auto& sv : list) {
    ++n;
    if (!sv.is_object()) return bad("statement " + std::to_string(n) + " is not an object");
    const auto& s = sv.as_object();
    for (const auto& [k, _] : s)
      if (k != "Sid" && k != "Effect" && k != "Principal" && k != "Action" && k != "Resource" && k != "Condition")
        return bad("statement " + std::to_string(n) + ": " + std::string(k) + " is not supported by the embedded store");
    statement out_st;
    out_st.sid = s.contains("Sid") && s.at("Sid").is_string() ? std::string(s.at("Sid").as_string())
                                                                : "statement " + std::to_string(n);
    if (!s.contains("Effect") || !s.at("Effect").is_string()) return bad(out_st.sid + ": no Effect");
    std::string_view effect = s.at("Effect").as_string();
    if (effect != "Allow" && effect != "Deny") return bad(out_st.sid + ": Effect must be Allow or Deny");
    if (!s.contains("Principal") || !s.contains("Action") || !s.contains("Resource"))
      return bad(out_st.sid + ": Principal, Action and Resource are required");
    auto actions = strings(s.at("Action"), out_st.sid + " Action");
    if (!actions) return fail(actions.error());
    auto resources = strings(s.at("Resource"), out_st.sid + " Resource");
    if (!resources) return fail(resources.error());
    for (auto& a : *actions) out_st.actions.push_back(util::ascii_lower(a));
    out_st.resources = std::move(*resources);
    if (auto c = s.find("Condition"); c != s.end()) {
      if (!c->value().is_object()) return bad(out_st.sid + ": Condition must be an object");
      for (const auto& [op_name, block] : c->value().as_object()) {
        std::string op = util::ascii_lower(op_name);
        bool if_exists = op.ends_with("ifexists");
        if (if_exists) op.resize(op.size() - 8);
        if (!known(operators, op))
          return bad(out_st.sid + ": the condition operator " + std::string(op_name) +
                     " is not supported by the embedded store");
        if (!block.is_object()) return bad(out_st.sid + ": a condition operator needs an object");
        for (const auto& [key_name, values] : block.as_object()) {
          std::string key = util::ascii_lower(key_name);
          if (!known(keys, key))
            return bad(out_st.sid + ": the condition key " + std::string(key_name) + " is not known to the embedded store");
          auto vs = strings(values, out_st.sid + " " + std::string(key_name));
          if (!vs) return fail(vs.error());
          out_st.conditions.push_back({op, if_exists, key, std::move(*vs)});
        }
      }
    }
    // Allow statements grant the owner's key nothing it lacks; a Deny for someone
    // else never applies to it.
    if (effect == "Deny" && everyone(s.at("Principal"))) out.deny_.push_back(std::move(out_st));
  }
  return out;
}

std::optional<std::string> bucket_policy::denied_by(const policy_request& r) const {
  const std::string action = util::ascii_lower(r.action);
  for (const auto& s : deny_) {
    bool act = std::any_of(s.actions.begin(), s.actions.end(), [&](const auto& a) { return glob(a, action); });
    bool res = std::any_of(s.resources.begin(), s.resources.end(), [&](const auto& p) { return glob(p, r.resource); });
    bool cond = std::all_of(s.conditions.begin(), s.conditions.end(), [&](const auto& c) { return holds(c, r); });
    if (act && res && cond) return s.sid;
  }
  return std::nullopt;
}

std::string uploads_bucket_policy(std::string_view bucket_arn, std::chrono::seconds url_expiry) {
  const json::array resources{json::string(bucket_arn), json::string(std::string(bucket_arn) + "/*")};
  json::object insecure{{"Sid", "DenyInsecureTransport"},
                        {"Effect", "Deny"},
                        {"Principal", "*"},
                        {"Action", "s3:*"},
                        {"Resource", resources},
                        {"Condition", json::object{{"Bool", json::object{{"aws:SecureTransport", "false"}}}}}};
  // s3:signatureAge is in milliseconds. With it, a query-signed URL stops working
  // url_expiry after its X-Amz-Date whatever its X-Amz-Expires says: the API signs
  // every URL for at most url_expiry (docs/security.md, "One rule for URL lifetimes").
  json::object old{{"Sid", "DenyQueryStringSignaturesOlderThanTheUrlLifetime"},
                   {"Effect", "Deny"},
                   {"Principal", "*"},
                   {"Action", "s3:*"},
                   {"Resource", resources},
                   {"Condition", json::object{{"StringEquals", json::object{{"s3:authType", "REST-QUERY-STRING"}}},
                                              {"NumericGreaterThan",
                                               json::object{{"s3:signatureAge",
                                                             std::to_string(url_expiry.count()) + "000"}}}}}};
  json::object doc{{"Version", "2012-10-17"}, {"Statement", json::array{insecure, old}}};
  return json::serialize(doc);
}

std::optional<s3_response> check_bucket_policy(const store_engine& e, const request_ctx& ctx) {
  if (ctx.target.bucket.empty()) return std::nullopt;
  const auto& policies = e.config().bucket_policies;
  auto it = policies.find(ctx.target.bucket);
  if (it == policies.end() || !it->second) return std::nullopt;
  policy_request r;
  r.action = action_of(ctx);
  r.resource = "arn:aws:s3:::" + ctx.target.bucket;
  if (!ctx.target.key.empty()) r.resource += "/" + ctx.target.key;
  r.auth_type = ctx.auth.kind == sigv4::auth_kind::query ? "REST-QUERY-STRING" : "REST-HEADER";
  if (auto signed_at = sigv4::parse_amz_date(ctx.auth.amz_date))
    r.signature_age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(ctx.now - *signed_at).count();
  auto denied = it->second->denied_by(r);
  if (!denied) return std::nullopt;
  auto resp = e.error_response(ctx, error{make_error_code(s3_errc::access_denied), {}});
  resp.close = ctx.head.method == "PUT" || ctx.head.method == "POST";  // the body is not read
  return resp;
}

}  // namespace dropslot::store
