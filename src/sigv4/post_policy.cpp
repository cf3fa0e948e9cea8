#include <dropslot/sigv4/post_policy.hpp>

#include <boost/json.hpp>

#include "canonical.hpp"
#include <dropslot/util/utf8.hpp>
#include <dropslot/sigv4/signer.hpp>

namespace dropslot::sigv4 {
namespace {

namespace json = boost::json;
using detail::iequals;

std::string iso8601(std::chrono::sys_seconds t) {
  std::string d = amz_date(t);  // YYYYMMDDTHHMMSSZ
  std::string out;
  out.reserve(20);
  out.append(d, 0, 4).append("-").append(d, 4, 2).append("-").append(d, 6, 2).append("T");
  out.append(d, 9, 2).append(":").append(d, 11, 2).append(":").append(d, 13, 2).append("Z");
  return out;
}

json::value condition_json(const policy_condition& c) {
  switch (c.op) {
    case policy_condition::kind::eq: {
      json::object o;
      o[c.field] = c.value;
      return o;
    }
    case policy_condition::kind::starts_with:
      return json::array{"starts-with", "$" + c.field, c.value};
    case policy_condition::kind::content_length_range:
      return json::array{"content-length-range", c.min, c.max};
  }
  return {};
}

// A policy number may be written as a JSON number or a numeric string.
std::optional<std::uint64_t> as_size(const json::value& v) {
  if (v.is_uint64()) return v.as_uint64();
  if (v.is_int64()) return v.as_int64() >= 0 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(v.as_int64())) : std::nullopt;
  if (v.is_string()) {
    std::string_view s = v.as_string();
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
  }
  return std::nullopt;
}

std::string field_name(std::string_view dollar_name) {
  if (!dollar_name.empty() && dollar_name.front() == '$') dollar_name.remove_prefix(1);
  return util::ascii_lower(dollar_name);
}

const form_field* find_field(std::span<const form_field> fields, std::string_view name) {
  for (const form_field& f : fields)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

// A JSON string must be UTF-8, and Boost.JSON's serializer copies other bytes as they
// are, so a policy holding them would not parse back (finding F6).
using util::valid_utf8;

// The first input of a POST presign that would go into the policy JSON and is not
// UTF-8, named for the error; nullopt when all are.
std::optional<std::string> non_utf8_input(const post_presign& in) {
  if (!valid_utf8(in.bucket)) return "bucket";
  if (!valid_utf8(in.key)) return "key";
  if (!valid_utf8(in.region)) return "region";
  if (!valid_utf8(in.credentials.access_key.value())) return "access key id";
  if (in.credentials.token && !valid_utf8(in.credentials.token->reveal())) return "session token";
  for (const form_field& f : in.fields) {
    if (!valid_utf8(f.name)) return "a field name";
    if (!valid_utf8(f.value)) return "the value of field " + f.name;
  }
  for (const policy_condition& c : in.conditions) {
    if (!valid_utf8(c.field)) return "a condition's field name";
    if (!valid_utf8(c.value)) return "the value of condition " + c.field;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::sys_seconds> parse_iso8601_utc(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z  or ...+00:00
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  std::string compact;
  compact.append(s.substr(0, 4)).append(s.substr(5, 2)).append(s.substr(8, 2)).append("T");
  compact.append(s.substr(11, 2)).append(s.substr(14, 2)).append(s.substr(17, 2)).append("Z");
  std::string_view rest = s.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    std::size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    if (i == 1) return std::nullopt;
    rest.remove_prefix(i);
  }
  if (rest != "Z" && rest != "z" && rest != "+00:00") return std::nullopt;
  return parse_amz_date(compact);
}

std::string post_policy_json(const post_policy& p) {
  json::array conditions;
  for (const policy_condition& c : p.conditions) conditions.push_back(condition_json(c));
  json::object doc;
  doc["expiration"] = iso8601(p.expiration);
  doc["conditions"] = std::move(conditions);
  return json::serialize(doc);
}

result<post_policy> parse_post_policy(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return fail(sigv4_errc::malformed_policy, "policy is not a JSON object");
  const json::object& doc = v.as_object();
  post_policy p;
  const json::value* exp = doc.if_contains("expiration");
  if (!exp || !exp->is_string()) return fail(sigv4_errc::malformed_policy, "policy has no expiration");
  auto t = parse_iso8601_utc(exp->as_string());
  if (!t) return fail(sigv4_errc::malformed_policy, "policy expiration is not ISO 8601");
  p.expiration = *t;
  const json::value* conds = doc.if_contains("conditions");
  if (!conds || !conds->is_array()) return fail(sigv4_errc::malformed_policy, "policy has no conditions array");
  for (const json::value& c : conds->as_array()) {
    if (c.is_object()) {
      // {"field": "value"} is an exact match.
      const json::object& o = c.as_object();
      if (o.size() != 1 || !o.begin()->value().is_string())
        return fail(sigv4_errc::malformed_policy, "an object condition must hold one string field");
      p.conditions.push_back({policy_condition::kind::eq, field_name(o.begin()->key()),
                              std::string(o.begin()->value().as_string()), 0, 0});
      continue;
    }
    if (!c.is_array() || c.as_array().size() != 3 || !c.as_array()[0].is_string())
      return fail(sigv4_errc::malformed_policy, "a condition must be an object or a 3-element array");
    const json::array& a = c.as_array();
    std::string op = util::ascii_lower(a[0].as_string());
    if (op == "content-length-range") {
      auto lo = as_size(a[1]), hi = as_size(a[2]);
      if (!lo || !hi || *lo > *hi) return fail(sigv4_errc::malformed_policy, "bad content-length-range");
      p.conditions.push_back({policy_condition::kind::content_length_range, {}, {}, *lo, *hi});
      continue;
    }
    if (!a[1].is_string() || !a[2].is_string() || !a[1].as_string().starts_with("$"))
      return fail(sigv4_errc::malformed_policy, "a condition names a $field and a string value");
    policy_condition pc;
    pc.field = field_name(a[1].as_string());
    pc.value = std::string(a[2].as_string());
    if (op == "eq") {
      pc.op = policy_condition::kind::eq;
    } else if (op == "starts-with") {
      pc.op = policy_condition::kind::starts_with;
    } else {
      return fail(sigv4_errc::malformed_policy, "unknown condition " + op);
    }
    p.conditions.push_back(std::move(pc));
  }
  return p;
}

std::string post_policy_signature(const signing_key& key, std::string_view policy_b64) { return key.sign(policy_b64); }

result<post_form> presign_post(const post_presign& in, key_cache* cache) {
  if (in.expires.count() < 1 || in.expires.count() > max_expiry_seconds)
    return fail(sigv4_errc::invalid_expiry, "expiry must be 1..604800 seconds");
  if (in.bucket.empty() || in.key.empty() || in.region.empty())
    return fail(sigv4_errc::invalid_argument, "bucket, key and region are required");
  if (in.credentials.access_key.empty() || in.credentials.secret.empty())
    return fail(sigv4_errc::invalid_argument, "credentials are empty");
  if (auto bad = non_utf8_input(in)) return fail(sigv4_errc::invalid_argument, *bad + " is not valid UTF-8");

  const std::string date = amz_date(in.time);
  const std::string credential =
      in.credentials.access_key.value() + "/" + credential_scope(in.time, in.region, "s3");

  post_policy p;
  p.expiration = in.time + in.expires;
  using k = policy_condition::kind;
  p.conditions.push_back({k::eq, "bucket", in.bucket, 0, 0});
  constexpr std::string_view filename_var = "${filename}";
  if (in.key.ends_with(filename_var)) {
    p.conditions.push_back({k::starts_with, "key", in.key.substr(0, in.key.size() - filename_var.size()), 0, 0});
  } else {
    p.conditions.push_back({k::eq, "key", in.key, 0, 0});
  }
  for (const form_field& f : in.fields) p.conditions.push_back({k::eq, util::ascii_lower(f.name), f.value, 0, 0});
  for (const policy_condition& c : in.conditions) p.conditions.push_back(c);
  p.conditions.push_back({k::eq, "x-amz-algorithm", std::string(algorithm), 0, 0});
  p.conditions.push_back({k::eq, "x-amz-credential", credential, 0, 0});
  p.conditions.push_back({k::eq, "x-amz-date", date, 0, 0});
  const bool token = in.credentials.token && !in.credentials.token->empty();
  if (token) p.conditions.push_back({k::eq, "x-amz-security-token", in.credentials.token->reveal(), 0, 0});

  post_form out;
  out.policy_json = post_policy_json(p);
  const std::string policy_b64 = util::base64_encode(out.policy_json);
  std::shared_ptr<const signing_key> key =
      cache ? cache->get(in.credentials.secret, std::string_view(date).substr(0, 8), in.region, "s3")
            : std::make_shared<const signing_key>(
                  derive_signing_key(in.credentials.secret, std::string_view(date).substr(0, 8), in.region, "s3"));

  out.fields = in.fields;
  out.fields.push_back({"key", in.key});
  out.fields.push_back({"x-amz-algorithm", std::string(algorithm)});
  out.fields.push_back({"x-amz-credential", credential});
  out.fields.push_back({"x-amz-date", date});
  if (token) out.fields.push_back({"x-amz-security-token", in.credentials.token->reveal()});
  out.fields.push_back({"policy", policy_b64});
  out.fields.push_back({"x-amz-signature", key->sign(policy_b64)});
  return out;
}

result<void> check_post_form(const post_policy& p, std::string_view bucket, std::span<const form_field> fields,
                             std::chrono::sys_seconds now) {
  if (now > p.expiration) return fail(sigv4_errc::policy_expired);
  for (const policy_condition& c : p.conditions) {
    if (c.op == policy_condition::kind::content_length_range) continue;
    std::optional<std::string_view> actual;
    if (c.field == "bucket") {
      actual = bucket;
    } else if (const form_field* f = find_field(fields, c.field)) {
      actual = f->value;
    }
    if (c.op == policy_condition::kind::eq) {
      if (!actual || *actual != c.value)
        return fail(sigv4_errc::policy_condition_failed, "field " + c.field + " does not equal the policy's value");
    } else {
      // ["starts-with", "$f", ""] allows any value, including an absent field.
      if (!actual && !c.value.empty())
        return fail(sigv4_errc::policy_condition_failed, "field " + c.field + " is missing");
      if (actual && !actual->starts_with(c.value))
        return fail(sigv4_errc::policy_condition_failed, "field " + c.field + " does not start with the policy's prefix");
    }
  }
  // Every submitted field must be covered by a condition (AWS's rule), so a form
  // cannot smuggle in e.g. an x-amz-acl the policy never allowed.
  for (const form_field& f : fields) {
    std::string n = util::ascii_lower(f.name);
    if (n == "policy" || n == "x-amz-signature" || n == "file" || n.starts_with("x-ignore-")) continue;
    bool covered = false;
    for (const policy_condition& c : p.conditions)
      if (c.op != policy_condition::kind::content_length_range && c.field == n) covered = true;
    if (!covered) return fail(sigv4_errc::policy_condition_failed, "field " + f.name + " is not allowed by the policy");
  }
  return {};
}

result<void> check_content_length(const post_policy& p, std::uint64_t size) {
  for (const policy_condition& c : p.conditions) {
    if (c.op != policy_condition::kind::content_length_range) continue;
    if (size < c.min || size > c.max)
      return fail(sigv4_errc::policy_content_length,
                  "size " + std::to_string(size) + " outside " + std::to_string(c.min) + ".." + std::to_string(c.max));
  }
  return {};
}

}  // namespace dropslot::sigv4
