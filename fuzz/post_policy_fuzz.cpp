// Target 6: the POST policy JSON and the condition evaluator (sigv4/post_policy.hpp).
//   parse  - any text: parse_post_policy answers with a value; a policy it accepts
//            survives post_policy_json -> parse unchanged; a form that check_post_form
//            accepts meets every eq / starts-with condition and holds no field the
//            policy does not name;
//   inject - presign_post with bucket, key, field names and values taken from the
//            input (quotes, backslashes, braces, "${filename}", any bytes): text that
//            is not UTF-8 is refused (invalid_argument, never an unparseable policy);
//            otherwise the policy JSON it signs parses back to exactly the conditions
//            asked for (no value can add, drop or change a condition), and the issued
//            form passes its own policy while a changed bucket, key or field does not.
#include <chrono>
#include <string>
#include <vector>

#include <dropslot/sigv4/post_policy.hpp>
#include <dropslot/sigv4/crypto.hpp>

#include "canonical.hpp"
#include "fuzz_check.hpp"
#include "sigv4_request_gen.hpp"

using namespace dropslot;
using namespace std::chrono;
using kind = sigv4::policy_condition::kind;

namespace {

bool same(const sigv4::policy_condition& a, const sigv4::policy_condition& b) {
  return a.op == b.op && a.field == b.field && a.value == b.value && a.min == b.min && a.max == b.max;
}

// RFC 3629 UTF-8 (what a JSON parser accepts in a string).
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n;
  }
  return true;
}

bool exempt(const std::string& lower_name) {
  return lower_name == "policy" || lower_name == "x-amz-signature" || lower_name == "file" ||
         lower_name.starts_with("x-ignore-");
}

void parse_mode(FuzzedDataProvider& in) {
  const sys_seconds now = fuzz::consume_time(in);
  const std::string bucket = in.ConsumeRandomLengthString(16);
  std::vector<sigv4::form_field> form;
  const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 6);
  for (std::size_t i = 0; i < n; ++i) {
    std::string name = in.ConsumeRandomLengthString(16);
    form.push_back({std::move(name), in.ConsumeRandomLengthString(32)});
  }
  const std::string text = in.ConsumeRemainingBytesAsString();
  auto p = sigv4::parse_post_policy(text);
  if (!p) return;
  auto again = sigv4::parse_post_policy(sigv4::post_policy_json(*p));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->expiration == p->expiration);
  FUZZ_CHECK(again->conditions.size() == p->conditions.size());
  for (std::size_t i = 0; i < p->conditions.size(); ++i) FUZZ_CHECK(same(again->conditions[i], p->conditions[i]));

  if (!sigv4::check_post_form(*p, bucket, form, now)) return;
  FUZZ_CHECK(now <= p->expiration);
  for (const auto& c : p->conditions) {
    if (c.op == kind::content_length_range) continue;
    std::optional<std::string> actual;
    if (c.field == "bucket") {
      actual = bucket;
    } else {
      for (const auto& f : form)
        if (sigv4::detail::iequals(f.name, c.field)) {
          actual = f.value;
          break;
        }
    }
    if (c.op == kind::eq) FUZZ_CHECK(actual && *actual == c.value);
    if (c.op == kind::starts_with) FUZZ_CHECK(actual ? actual->starts_with(c.value) : c.value.empty());
  }
  for (const auto& f : form) {
    const std::string name = util::ascii_lower(f.name);
    if (exempt(name)) continue;
    bool covered = false;
    for (const auto& c : p->conditions) covered |= c.op != kind::content_length_range && c.field == name;
    FUZZ_CHECK(covered);
  }
}

void inject_mode(FuzzedDataProvider& in) {
  sigv4::post_presign req;
  req.bucket = in.ConsumeRandomLengthString(24);
  req.key = in.ConsumeRandomLengthString(48);
  if (in.ConsumeBool()) req.key += "${filename}";
  req.region = "us-east-1";
  req.credentials.access_key = sigv4::access_key_id(fuzz::access_key);
  req.credentials.secret = sigv4::secret_access_key(fuzz::secret_key);
  req.time = fuzz::consume_time(in);
  req.expires = seconds(in.ConsumeIntegralInRange<long long>(1, 604800));
  const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 4);
  for (std::size_t i = 0; i < n; ++i) {
    // The names a caller may add (Content-Type, x-amz-meta-*, success_action_status...):
    // anything but the ones presign_post sets itself.
    std::string name = "x-amz-meta-" + std::to_string(i) + "-" + in.ConsumeRandomLengthString(12);  // distinct
    req.fields.push_back({std::move(name), in.ConsumeRandomLengthString(32)});
  }
  auto form = sigv4::presign_post(req);
  // Text that is not UTF-8 cannot travel in JSON: it is refused, so no policy is ever
  // issued that does not parse (finding F6).
  bool utf8 = valid_utf8(req.bucket) && valid_utf8(req.key);
  for (const auto& f : req.fields) utf8 = utf8 && valid_utf8(f.name) && valid_utf8(f.value);
  if (!utf8) {
    FUZZ_CHECK(!form && form.error().code == sigv4::sigv4_errc::invalid_argument);
    return;
  }
  if (!form) return;

  // The policy JSON holds exactly the conditions asked for, in order.
  auto p = sigv4::parse_post_policy(form->policy_json);
  if (!p) std::fprintf(stderr, "own policy refused: %s\n%s\n", p.error().detail.c_str(), form->policy_json.c_str());
  FUZZ_CHECK(p.has_value());
  FUZZ_CHECK(p->expiration == req.time + req.expires);
  FUZZ_CHECK(p->conditions.size() >= 2 + req.fields.size());
  FUZZ_CHECK(same(p->conditions[0], {kind::eq, "bucket", req.bucket, 0, 0}));
  if (req.key.ends_with("${filename}"))
    FUZZ_CHECK(same(p->conditions[1], {kind::starts_with, "key", req.key.substr(0, req.key.size() - 11), 0, 0}));
  else
    FUZZ_CHECK(same(p->conditions[1], {kind::eq, "key", req.key, 0, 0}));
  for (std::size_t i = 0; i < req.fields.size(); ++i)
    FUZZ_CHECK(same(p->conditions[2 + i], {kind::eq, util::ascii_lower(req.fields[i].name), req.fields[i].value, 0, 0}));
  // The base64 policy field is the signed JSON.
  for (const auto& f : form->fields)
    if (f.name == "policy") {
      const auto decoded = util::base64_decode(f.value);
      FUZZ_CHECK(decoded && *decoded == form->policy_json);
    }

  // The issued form passes its own policy; another bucket, key or field value does not.
  if (auto own = sigv4::check_post_form(*p, req.bucket, form->fields, req.time); !own) {
    std::fprintf(stderr, "own form refused: %s\n", own.error().detail.c_str());
    for (const auto& f : form->fields) std::fprintf(stderr, "  field [%s] = [%s]\n", f.name.c_str(), f.value.c_str());
    FUZZ_CHECK(false);
  }
  FUZZ_CHECK(!sigv4::check_post_form(*p, req.bucket + "x", form->fields, req.time).has_value());
  auto changed = form->fields;
  for (auto& f : changed)
    if (f.name == "key") f.value = "x" + f.value;
  const std::string prefix = req.key.substr(0, req.key.size() - (req.key.ends_with("${filename}") ? 11 : 0));
  if (!req.key.ends_with("${filename}") || !("x" + req.key).starts_with(prefix))  // else the prefix allows it
    FUZZ_CHECK(!sigv4::check_post_form(*p, req.bucket, changed, req.time).has_value());
  auto extra = form->fields;
  extra.push_back({"x-amz-acl", "public-read"});
  FUZZ_CHECK(!sigv4::check_post_form(*p, req.bucket, extra, req.time).has_value());
  FUZZ_CHECK(!sigv4::check_post_form(*p, req.bucket, form->fields, req.time + req.expires + seconds(1)).has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool())
    inject_mode(in);
  else
    parse_mode(in);
  return 0;
}
