// The SigV4 stages: canonical URI, query, headers and request; scope; string to
// sign; signature. Shared helpers for the operations live in canonical.hpp.
#include <dropslot/sigv4/signer.hpp>

#include <algorithm>

#include "canonical.hpp"

namespace dropslot::sigv4 {
using namespace std::string_view_literals;
namespace detail {

namespace {
// Trim and collapse runs of whitespace to one space. AWS does this even inside
// double quotes (vector get-header-value-trim), so no quote handling.
void append_trimmed(std::string& out, std::string_view v) {
  std::size_t b = 0, e = v.size();
  while (b < e && is_space(v[b])) ++b;
  while (e > b && is_space(v[e - 1])) --e;
  // Common case first: no whitespace run to collapse, append in one go.
  std::size_t run_start = b;
  for (std::size_t i = b; i < e; ++i) {
    if (!is_space(v[i])) continue;
    if (v[i] == ' ' && i + 1 < e && !is_space(v[i + 1])) continue;  // a single space stays
    out.append(v.data() + run_start, i - run_start);
    out += ' ';
    while (i < e && is_space(v[i])) ++i;
    run_start = i;
    --i;
  }
  out.append(v.data() + run_start, e - run_start);
}

}  // namespace

std::vector<canonical_header> canonicalize_headers(std::span<const header> headers) {
  std::vector<canonical_header> v;
  v.reserve(headers.size());
  for (const header& h : headers) {
    canonical_header c{util::ascii_lower(h.name), {}};
    append_trimmed(c.value, h.value);
    v.push_back(std::move(c));
  }
  std::stable_sort(v.begin(), v.end(), [](const canonical_header& a, const canonical_header& b) { return a.name < b.name; });
  // Merge repeated names: values joined with ',' in arrival order.
  std::size_t w = 0;
  for (std::size_t r = 0; r < v.size(); ++r) {
    if (w > 0 && v[w - 1].name == v[r].name) {
      v[w - 1].value += ',';
      v[w - 1].value += v[r].value;
    } else {
      if (w != r) v[w] = std::move(v[r]);
      ++w;
    }
  }
  v.resize(w);
  return v;
}

void append_uri_encoded(std::string& out, std::string_view s, bool keep_slash) {
  // On the presign hot path: one resize to the worst case, then plain stores (an
  // append per piece cost a capacity check and a memmove call each).
  const std::size_t at = out.size();
  out.resize(at + 3 * s.size());
  char* p = uri_encode_to(out.data() + at, s, keep_slash);
  out.resize(static_cast<std::size_t>(p - out.data()));
}

void append_canonical_query(std::string& out, std::vector<encoded_param>& params) {
  std::sort(params.begin(), params.end());
  bool first = true;
  for (const encoded_param& p : params) {
    if (!first) out += '&';
    first = false;
    out += p.name;
    out += '=';
    out += p.value;
  }
}

void append_canonical_request(std::string& out, std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, std::span<const canonical_header> headers,
                              std::string_view signed_names, std::string_view payload_hash) {
  out.append(method).append("\n"sv).append(canonical_uri).append("\n"sv).append(canonical_query).append("\n"sv);
  for (const canonical_header& h : headers) out.append(h.name).append(":"sv).append(h.value).append("\n"sv);
  out.append("\n"sv).append(signed_names).append("\n"sv).append(payload_hash);
}

std::string join_names(std::span<const canonical_header> headers) {
  std::string s;
  for (const canonical_header& h : headers) {
    if (!s.empty()) s += ';';
    s += h.name;
  }
  return s;
}

void append_amz_date(std::string& out, std::chrono::sys_seconds t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  const unsigned y = static_cast<unsigned>(static_cast<int>(ymd.year()));
  const unsigned parts[] = {static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                            static_cast<unsigned>(hms.hours().count()), static_cast<unsigned>(hms.minutes().count()),
                            static_cast<unsigned>(hms.seconds().count())};
  char buf[16] = {static_cast<char>('0' + y / 1000 % 10), static_cast<char>('0' + y / 100 % 10),
                  static_cast<char>('0' + y / 10 % 10), static_cast<char>('0' + y % 10)};
  char* p = buf + 4;
  for (int i = 0; i < 5; ++i) {
    if (i == 2) *p++ = 'T';
    *p++ = static_cast<char>('0' + parts[i] / 10);
    *p++ = static_cast<char>('0' + parts[i] % 10);
  }
  *p = 'Z';
  out.append(buf, 16);
}

void append_string_to_sign(std::string& out, std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  digest d = sha256(canonical_request);
  out.append(algorithm).append("\n"sv).append(amz_date).append("\n"sv).append(scope).append("\n"sv).append(hex(d));
}

}  // namespace detail

using namespace detail;

// ---- stages ---------------------------------------------------------------------

std::string amz_date(std::chrono::sys_seconds t) {
  std::string s;
  s.reserve(16);
  append_amz_date(s, t);
  return s;
}

std::optional<std::chrono::sys_seconds> parse_amz_date(std::string_view s) {
  using namespace std::chrono;
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int y = num(0, 4), mo = num(4, 2), d = num(6, 2), h = num(9, 2), mi = num(11, 2), se = num(13, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0) return std::nullopt;
  if (h > 23 || mi > 59 || se > 59) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{se};
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  append_uri_encoded(out, s, keep_slash);
  return out;
}


std::vector<query_param> parse_query(std::string_view raw) {
  // '+' is a plus here, not a space: SigV4 signs "a+b" as "a%2Bb". A stray '%' stays
  // literal (S3 signs what it was sent), so the strict split cannot fail.
  auto pairs = util::parse_query(util::escape_stray_percents(raw), /*plus_is_space=*/false).value();
  std::vector<query_param> out;
  out.reserve(pairs.size());
  for (util::query_pair& p : pairs) out.push_back({std::move(p.name), std::move(p.value)});
  return out;
}

namespace {
// RFC 3986 dot-segment removal plus collapsing empty segments ("//"), as the
// generic-service signer does (aws-c-auth normalize).
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segs;
  bool trailing = !path.empty() && path.back() == '/';
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    std::string_view seg = path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
      if (slash == std::string_view::npos) trailing = true;
    } else if (seg == ".") {
      if (slash == std::string_view::npos) trailing = true;
    } else if (!seg.empty()) {
      segs.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  std::string out;
  for (std::string_view s : segs) {
    out += '/';
    out += s;
  }
  if (out.empty() || trailing) out += '/';
  return out;
}
}  // namespace

void detail::append_canonical_uri(std::string& out, std::string_view raw, uri_rules rules, bool normalize) {
  if (raw.empty()) {
    out += '/';
    return;
  }
  if (rules != uri_rules::s3) {
    // Generic rules: the path as sent (normalised when asked) is encoded again.
    if (normalize) append_uri_encoded(out, normalize_path(raw), true);
    else append_uri_encoded(out, raw, true);
    return;
  }
  // S3 rules: decode what was sent and encode once, so "/a%20b" and "/a b" both sign as
  // "/a%20b". Decoded as it goes (no temporary): the presign hot path comes here.
  if (raw.find('%') == std::string_view::npos) {  // nothing to decode
    append_uri_encoded(out, raw, true);
    return;
  }
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%' && i + 2 < raw.size() && util::hex_digit_value(raw[i + 1]) >= 0 && util::hex_digit_value(raw[i + 2]) >= 0) {
      c = static_cast<char>(util::hex_digit_value(raw[i + 1]) * 16 + util::hex_digit_value(raw[i + 2]));
      i += 2;
    }
    append_uri_encoded(out, std::string_view(&c, 1), true);
  }
}

std::string canonical_uri(std::string_view raw_path, uri_rules rules, bool normalize) {
  std::string out;
  append_canonical_uri(out, raw_path, rules, normalize);
  return out;
}

std::string canonical_query(std::span<const query_param> query) {
  std::vector<encoded_param> params;
  params.reserve(query.size());
  for (const query_param& q : query) params.push_back({uri_encode(q.name, false), uri_encode(q.value, false)});
  std::string out;
  append_canonical_query(out, params);
  return out;
}

std::string signed_header_names(std::span<const header> headers) { return join_names(canonicalize_headers(headers)); }

std::string canonical_request(const signing_request& r) {
  auto headers = canonicalize_headers(r.headers);
  std::string out;
  out.reserve(512);
  append_canonical_request(out, r.method, canonical_uri(r.path, r.rules, r.normalize), canonical_query(r.query),
                           headers, join_names(headers), r.payload_hash);
  return out;
}

std::string credential_scope(std::chrono::sys_seconds t, std::string_view region, std::string_view service) {
  std::string s;
  s.reserve(16 + region.size() + service.size() + 16);
  append_amz_date(s, t);
  s.resize(8);
  s.append("/"sv).append(region).append("/"sv).append(service).append("/aws4_request"sv);
  return s;
}

std::string string_to_sign(std::chrono::sys_seconds t, std::string_view scope, std::string_view creq) {
  std::string out;
  out.reserve(160);
  append_string_to_sign(out, amz_date(t), scope, creq);
  return out;
}

std::string signature(const signing_key& key, std::string_view sts) { return key.sign(sts); }

}  // namespace dropslot::sigv4
