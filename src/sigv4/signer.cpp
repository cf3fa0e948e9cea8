#include <dropslot/sigv4/signer.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "canonical.hpp"

namespace dropslot::sigv4 {
using namespace std::string_view_literals;
namespace detail {

namespace {
constexpr char hex_upper[] = "0123456789ABCDEF";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

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

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::vector<canonical_header> canonicalize_headers(std::span<const header> headers) {
  std::vector<canonical_header> v;
  v.reserve(headers.size());
  for (const header& h : headers) {
    canonical_header c{lower(h.name), {}};
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

namespace {
// unreserved[c]: 1 when c is an AWS unreserved character (A-Z a-z 0-9 - . _ ~).
constexpr std::array<bool, 256> make_unreserved() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<std::size_t>(c)] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                     c == '-' || c == '.' || c == '_' || c == '~';
  return t;
}
constexpr std::array<bool, 256> unreserved_table = make_unreserved();
}  // namespace

void append_uri_encoded(std::string& out, std::string_view s, bool keep_slash) {
  // Copy runs of safe characters in bulk; this sits on the presign hot path.
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (unreserved_table[c] || (keep_slash && c == '/')) continue;
    out.append(s.data() + run, i - run);
    const char enc[3] = {'%', hex_upper[c >> 4], hex_upper[c & 0x0f]};
    out.append(enc, 3);
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
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

std::string uri_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::vector<query_param> parse_query(std::string_view raw) {
  std::vector<query_param> out;
  while (!raw.empty()) {
    std::size_t amp = raw.find('&');
    std::string_view part = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.push_back({uri_decode(part), {}});
    } else {
      out.push_back({uri_decode(part.substr(0, eq)), uri_decode(part.substr(eq + 1))});
    }
  }
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

std::string canonical_uri(std::string_view raw_path, uri_rules rules, bool normalize) {
  if (raw_path.empty()) return "/";
  if (rules == uri_rules::s3) {
    // Decode what was sent and encode once: "/a%20b" and "/a b" both sign as "/a%20b".
    return uri_encode(uri_decode(raw_path), true);
  }
  if (normalize) return uri_encode(normalize_path(raw_path), true);
  return uri_encode(raw_path, true);
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

// ---- whole operations -------------------------------------------------------------

namespace {

bool has_query(const signing_request& r, std::string_view name) {
  return std::any_of(r.query.begin(), r.query.end(), [&](const query_param& q) { return iequals(q.name, name); });
}
bool has_header(const signing_request& r, std::string_view name) {
  return std::any_of(r.headers.begin(), r.headers.end(), [&](const header& h) { return iequals(h.name, name); });
}

result<void> check_common(const signing_request& r) {
  if (has_query(r, "X-Amz-Signature") || has_query(r, "X-Amz-Credential") || has_query(r, "X-Amz-Date"))
    return fail(sigv4_errc::already_signed, "query already has X-Amz-Signature, X-Amz-Credential or X-Amz-Date");
  if (r.region.empty() || r.service.empty()) return fail(sigv4_errc::invalid_argument, "region and service are required");
  if (r.credentials.access_key.empty() || r.credentials.secret.empty())
    return fail(sigv4_errc::invalid_argument, "credentials are empty");
  if (r.method.empty()) return fail(sigv4_errc::invalid_argument, "method is empty");
  return {};
}

std::shared_ptr<const signing_key> key_for(const signing_request& r, std::string_view date, key_cache* cache) {
  if (cache) return cache->get(r.credentials.secret, date, r.region, r.service);
  return std::make_shared<const signing_key>(derive_signing_key(r.credentials.secret, date, r.region, r.service));
}

}  // namespace

result<std::vector<header>> sign_headers(const signing_request& r, key_cache* cache, signing_trace* trace) {
  if (auto ok = check_common(r); !ok) return fail(ok.error());
  if (has_header(r, "authorization") || has_header(r, "x-amz-date"))
    return fail(sigv4_errc::already_signed, "request already has Authorization or X-Amz-Date");

  const std::string date = amz_date(r.time);
  std::string scope = credential_scope(r.time, r.region, r.service);

  std::vector<header> added;
  added.push_back({"X-Amz-Date", date});
  if (r.add_content_sha256 && !has_header(r, "x-amz-content-sha256")) added.push_back({"x-amz-content-sha256", r.payload_hash});
  const bool token = r.credentials.token && !r.credentials.token->empty();
  if (token && r.sign_session_token) added.push_back({"X-Amz-Security-Token", r.credentials.token->reveal()});

  std::vector<header> all;
  all.reserve(r.headers.size() + added.size());
  all.insert(all.end(), r.headers.begin(), r.headers.end());
  all.insert(all.end(), added.begin(), added.end());
  auto canon = canonicalize_headers(all);
  std::string names = join_names(canon);

  std::string creq;
  creq.reserve(512);
  append_canonical_request(creq, r.method, canonical_uri(r.path, r.rules, r.normalize), canonical_query(r.query), canon,
                           names, r.payload_hash);
  std::string sts;
  sts.reserve(160);
  append_string_to_sign(sts, date, scope, creq);
  std::string sig = key_for(r, std::string_view(date).substr(0, 8), cache)->sign(sts);

  if (token && !r.sign_session_token) added.push_back({"X-Amz-Security-Token", r.credentials.token->reveal()});
  std::string authz;
  authz.reserve(200);
  authz.append(algorithm).append(" Credential="sv).append(r.credentials.access_key.value()).append("/"sv).append(scope);
  authz.append(", SignedHeaders="sv).append(names).append(", Signature="sv).append(sig);
  added.push_back({"Authorization", std::move(authz)});
  if (trace) *trace = signing_trace{std::move(creq), std::move(sts), std::move(sig)};
  return added;
}

// ---- presign: the hot path ------------------------------------------------------------
//
// The API presigns at 40,000 req/s from several threads with a budget of 1 us per
// URL, where SHA-256 + HMAC alone take ~0.4 us. So this path builds the canonical
// request and string to sign in reused per-thread buffers, sorts header pointers
// instead of copying headers, and writes the common query (no caller parameters)
// in its known sorted order instead of sorting encoded pairs.

namespace {

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive order of names, as if both were lower-cased.
bool name_less(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    char x = lower_ascii(a[i]), y = lower_ascii(b[i]);
    if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
  }
  return a.size() < b.size();
}

// Stable insertion sort: n is small, and repeated names must keep arrival order.
void sort_headers(std::vector<const header*>& v) {
  for (std::size_t i = 1; i < v.size(); ++i) {
    const header* h = v[i];
    std::size_t j = i;
    while (j > 0 && name_less(h->name, v[j - 1]->name)) {
      v[j] = v[j - 1];
      --j;
    }
    v[j] = h;
  }
}

void append_lower(std::string& out, std::string_view s) {
  const std::size_t at = out.size();
  out.append(s);
  for (std::size_t i = at; i < out.size(); ++i) out[i] = lower_ascii(out[i]);
}

void append_sorted_names(std::string& out, const std::vector<const header*>& v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0 && iequals(v[i]->name, v[i - 1]->name)) continue;
    if (i > 0) out += ';';
    append_lower(out, v[i]->name);
  }
}

void hex_to(char* out, const digest& d) {
  static constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < d.size(); ++i) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 0x0f];
  }
}

// S3 rules without the decode/encode temporaries: decode %XX as we go, encode once.
void append_canonical_uri(std::string& out, std::string_view raw, uri_rules rules, bool normalize) {
  if (raw.empty()) {
    out += '/';
    return;
  }
  if (rules != uri_rules::s3) {
    out += canonical_uri(raw, rules, normalize);
    return;
  }
  // Fast path: nothing percent-encoded on the wire, so decode is the identity.
  if (raw.find('%') == std::string_view::npos) {
    append_uri_encoded(out, raw, true);
    return;
  }
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%' && i + 2 < raw.size() && hex_value(raw[i + 1]) >= 0 && hex_value(raw[i + 2]) >= 0) {
      c = static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
      i += 2;
    }
    append_uri_encoded(out, std::string_view(&c, 1), true);
  }
}

struct presign_scratch {
  std::vector<const header*> headers;
  std::string names, creq, sts;
  std::string credential_enc, names_enc;  // encoded once, used in the canonical query and the output
  std::vector<encoded_param> params;
};

presign_scratch& scratch() {
  thread_local presign_scratch s;
  return s;
}

// What a presign computed, for the emitters below.
struct presign_result {
  char date[16];
  char signature[64];
  std::string_view date_view() const { return {date, 16}; }
  std::string_view signature_view() const { return {signature, 64}; }
};

// The inputs of a presign, borrowed (presign_object passes its own host header).
struct presign_view {
  std::string_view method, path, payload_hash, region, service;
  std::span<const query_param> query;
  std::span<const header> headers;
  const header* extra_header = nullptr;
  const credentials* creds = nullptr;
  std::chrono::sys_seconds time;
  std::chrono::seconds expires;
  uri_rules rules = uri_rules::s3;
  bool normalize = false;
  bool sign_token = true;
};

bool has_token(const presign_view& v) { return v.creds->token && !v.creds->token->empty(); }

// Appends "AKID/YYYYMMDD/region/service/aws4_request", encoded or not.
void append_credential(std::string& out, const presign_view& v, std::string_view date, bool encoded) {
  if (encoded) {
    append_uri_encoded(out, v.creds->access_key.value(), false);
    out.append("%2F"sv).append(date.substr(0, 8)).append("%2F"sv);
    append_uri_encoded(out, v.region, false);
    out.append("%2F"sv);
    append_uri_encoded(out, v.service, false);
    out.append("%2Faws4_request"sv);
  } else {
    out.append(v.creds->access_key.value()).append("/"sv).append(date.substr(0, 8)).append("/"sv);
    out.append(v.region).append("/"sv).append(v.service).append("/aws4_request"sv);
  }
}

// Writes into a buffer sized in advance to an upper bound, so each piece is one
// memcpy instead of a std::string::append call with its capacity checks (measured:
// the appends were ~15% of a presign).
class bounded_writer {
 public:
  bounded_writer(std::string& buf, std::size_t bound) {
    if (buf.size() < bound) buf.resize(bound);
    begin_ = p_ = buf.data();
  }
  void put(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void put(char c) { *p_++ = c; }
  void put_encoded(std::string_view s, bool keep_slash) {
    for (char ch : s) {
      auto c = static_cast<unsigned char>(ch);
      if (unreserved_table[c] || (keep_slash && c == '/')) {
        *p_++ = ch;
      } else {
        p_[0] = '%';
        p_[1] = hex_upper[c >> 4];
        p_[2] = hex_upper[c & 0x0f];
        p_ += 3;
      }
    }
  }
  void put_lower(std::string_view s) {
    for (char c : s) *p_++ = lower_ascii(c);
  }
  // Trimmed, inner whitespace runs collapsed (see append_trimmed).
  void put_trimmed(std::string_view v) {
    std::size_t b = 0, e = v.size();
    while (b < e && is_space(v[b])) ++b;
    while (e > b && is_space(v[e - 1])) --e;
    bool in_space = false;
    for (std::size_t i = b; i < e; ++i) {
      if (is_space(v[i])) {
        in_space = true;
        continue;
      }
      if (in_space) *p_++ = ' ';
      in_space = false;
      *p_++ = v[i];
    }
  }
  std::string_view view() const { return {begin_, static_cast<std::size_t>(p_ - begin_)}; }

 private:
  char* begin_;
  char* p_;
};

result<presign_result> presign_core(const presign_view& v, key_cache* cache, signing_trace* trace) {
  for (const query_param& q : v.query)
    if (iequals(q.name, "X-Amz-Signature") || iequals(q.name, "X-Amz-Credential") || iequals(q.name, "X-Amz-Date"))
      return fail(sigv4_errc::already_signed, "query already has X-Amz-Signature, X-Amz-Credential or X-Amz-Date");
  if (v.region.empty() || v.service.empty()) return fail(sigv4_errc::invalid_argument, "region and service are required");
  if (v.creds->access_key.empty() || v.creds->secret.empty())
    return fail(sigv4_errc::invalid_argument, "credentials are empty");
  if (v.method.empty()) return fail(sigv4_errc::invalid_argument, "method is empty");
  if (v.expires.count() < 1 || v.expires.count() > max_expiry_seconds)
    return fail(sigv4_errc::invalid_expiry, "got " + std::to_string(v.expires.count()) + " s");

  presign_result out;
  presign_scratch& s = scratch();
  {
    std::string& d = s.names;  // reused as a buffer before it holds the names
    d.clear();
    append_amz_date(d, v.time);
    std::memcpy(out.date, d.data(), 16);
  }
  const std::string_view date = out.date_view();

  std::size_t input = v.method.size() + v.path.size() + v.payload_hash.size() + v.region.size() + v.service.size() +
                      v.creds->access_key.value().size();
  if (v.creds->token) input += v.creds->token->reveal().size();
  s.headers.clear();
  for (const header& h : v.headers) s.headers.push_back(&h);
  if (v.extra_header) s.headers.push_back(v.extra_header);
  for (const header* h : s.headers) input += h->name.size() + h->value.size() + 2;
  for (const query_param& q : v.query) input += q.name.size() + q.value.size() + 2;
  sort_headers(s.headers);
  s.names.clear();
  append_sorted_names(s.names, s.headers);
  s.names_enc.clear();
  append_uri_encoded(s.names_enc, s.names, false);
  s.credential_enc.clear();
  append_credential(s.credential_enc, v, date, true);

  // Every input byte appears at most 5 times (a header name: in the headers, the
  // names and the encoded names, 3 bytes each there), plus the fixed text.
  bounded_writer w(s.creq, 5 * input + 512);
  w.put(v.method);
  w.put('\n');
  if (v.rules == uri_rules::s3 && v.path.find('%') == std::string_view::npos && !v.path.empty()) {
    w.put_encoded(v.path, true);
  } else {
    std::string uri;
    append_canonical_uri(uri, v.path, v.rules, v.normalize);
    w.put(uri);
  }
  w.put('\n');
  const bool token = has_token(v) && v.sign_token;
  char expires_buf[24];
  const auto expires_end = std::to_chars(expires_buf, expires_buf + sizeof expires_buf, v.expires.count()).ptr;
  const std::string_view expires(expires_buf, static_cast<std::size_t>(expires_end - expires_buf));
  if (v.query.empty()) {
    // Already in canonical (sorted) order.
    w.put("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="sv);
    w.put(s.credential_enc);
    w.put("&X-Amz-Date="sv);
    w.put(date);
    w.put("&X-Amz-Expires="sv);
    w.put(expires);
    if (token) {
      w.put("&X-Amz-Security-Token="sv);
      w.put_encoded(v.creds->token->reveal(), false);
    }
    w.put("&X-Amz-SignedHeaders="sv);
    w.put(s.names_enc);
  } else {
    s.params.clear();
    for (const query_param& q : v.query) s.params.push_back({uri_encode(q.name, false), uri_encode(q.value, false)});
    s.params.push_back({"X-Amz-Algorithm", "AWS4-HMAC-SHA256"});
    s.params.push_back({"X-Amz-Credential", s.credential_enc});
    s.params.push_back({"X-Amz-Date", std::string(date)});
    s.params.push_back({"X-Amz-Expires", std::string(expires)});
    if (token) s.params.push_back({"X-Amz-Security-Token", uri_encode(v.creds->token->reveal(), false)});
    s.params.push_back({"X-Amz-SignedHeaders", s.names_enc});
    std::string q;
    append_canonical_query(q, s.params);
    w.put(q);
  }
  w.put('\n');
  for (std::size_t i = 0; i < s.headers.size(); ++i) {
    if (i > 0 && iequals(s.headers[i]->name, s.headers[i - 1]->name)) {
      w.put(',');  // a repeated name: its values joined with ',' in arrival order
    } else {
      if (i > 0) w.put('\n');
      w.put_lower(s.headers[i]->name);
      w.put(':');
    }
    w.put_trimmed(s.headers[i]->value);
  }
  if (!s.headers.empty()) w.put('\n');
  w.put('\n');
  w.put(s.names);
  w.put('\n');
  w.put(v.payload_hash);
  const std::string_view creq = w.view();

  char sts_buf[512];
  std::string_view sts;
  std::string sts_long;
  {
    // algorithm \n date \n scope \n hex(sha256(creq))
    const std::size_t need = algorithm.size() + 1 + 16 + 1 + 8 + 1 + v.region.size() + 1 + v.service.size() + 13 + 1 + 64;
    char* p = sts_buf;
    if (need > sizeof sts_buf) {
      sts_long.resize(need);
      p = sts_long.data();
    }
    char* start = p;
    auto put = [&p](std::string_view x) {
      std::memcpy(p, x.data(), x.size());
      p += x.size();
    };
    put(algorithm);
    put("\n"sv);
    put(date);
    put("\n"sv);
    put(date.substr(0, 8));
    put("/"sv);
    put(v.region);
    put("/"sv);
    put(v.service);
    put("/aws4_request\n"sv);
    hex_to(p, sha256(creq));
    p += 64;
    sts = std::string_view(start, static_cast<std::size_t>(p - start));
  }

  digest mac;
  if (cache) {
    mac = cache->get(v.creds->secret, date.substr(0, 8), v.region, v.service)->mac(sts);
  } else {
    mac = derive_signing_key(v.creds->secret, date.substr(0, 8), v.region, v.service).mac(sts);
  }
  hex_to(out.signature, mac);
  if (trace) *trace = signing_trace{std::string(creq), std::string(sts), std::string(out.signature_view())};
  return out;
}

presign_view view_of(const signing_request& r) {
  presign_view v;
  v.method = r.method;
  v.path = r.path;
  v.payload_hash = r.payload_hash;
  v.region = r.region;
  v.service = r.service;
  v.query = r.query;
  v.headers = r.headers;
  v.creds = &r.credentials;
  v.time = r.time;
  v.expires = r.expires;
  v.rules = r.rules;
  v.normalize = r.normalize;
  v.sign_token = r.sign_session_token;
  return v;
}

// Appends the auth parameters, encoded, in botocore's order (the signature last).
void append_auth_query(std::string& out, const presign_view& v, const presign_result& p, const presign_scratch& s) {
  out.append("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="sv).append(s.credential_enc);
  out.append("&X-Amz-Date="sv).append(p.date_view()).append("&X-Amz-Expires="sv);
  char expires_buf[24];
  out.append(expires_buf, static_cast<std::size_t>(
                               std::to_chars(expires_buf, expires_buf + sizeof expires_buf, v.expires.count()).ptr - expires_buf));
  out.append("&X-Amz-SignedHeaders="sv).append(s.names_enc);
  if (has_token(v)) {
    out.append("&X-Amz-Security-Token="sv);
    append_uri_encoded(out, v.creds->token->reveal(), false);
  }
  out.append("&X-Amz-Signature="sv).append(p.signature_view());
}

}  // namespace

result<std::vector<query_param>> presign(const signing_request& r, key_cache* cache, signing_trace* trace) {
  const presign_view v = view_of(r);
  auto p = presign_core(v, cache, trace);
  if (!p) return fail(p.error());
  std::vector<query_param> added;
  added.reserve(7);
  added.push_back({"X-Amz-Algorithm", std::string(algorithm)});
  std::string credential;
  append_credential(credential, v, p->date_view(), false);
  added.push_back({"X-Amz-Credential", std::move(credential)});
  added.push_back({"X-Amz-Date", std::string(p->date_view())});
  added.push_back({"X-Amz-Expires", std::to_string(r.expires.count())});
  added.push_back({"X-Amz-SignedHeaders", scratch().names});
  if (has_token(v)) added.push_back({"X-Amz-Security-Token", r.credentials.token->reveal()});
  added.push_back({"X-Amz-Signature", std::string(p->signature_view())});
  return added;
}

result<std::string> presign_query(const signing_request& r, key_cache* cache, signing_trace* trace) {
  const presign_view v = view_of(r);
  auto p = presign_core(v, cache, trace);
  if (!p) return fail(p.error());
  std::string out;
  out.reserve(400);
  append_auth_query(out, v, *p, scratch());
  return out;
}

std::string encode_query(std::span<const query_param> first, std::span<const query_param> second) {
  std::string out;
  out.reserve(512);
  for (auto list : {first, second}) {
    for (const query_param& q : list) {
      if (!out.empty()) out += '&';
      append_uri_encoded(out, q.name, false);
      out += '=';
      append_uri_encoded(out, q.value, false);
    }
  }
  return out;
}

// ---- object URLs --------------------------------------------------------------------

namespace {

// Virtual-hosted style needs the bucket to be one DNS label under TLS (a dot would
// break the *.s3 certificate), as botocore's rules decide.
bool virtual_hostable(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return b.front() != '-' && b.back() != '-';
}

}  // namespace

result<object_address> address_object(std::string_view endpoint, std::string_view region, std::string_view bucket,
                                      std::string_view key, addressing_style style) {
  if (bucket.empty()) return fail(sigv4_errc::invalid_argument, "bucket is empty");
  object_address a;
  bool aws = endpoint.empty();
  std::string base_path;
  if (aws) {
    if (region.empty()) return fail(sigv4_errc::invalid_argument, "region is empty");
    a.scheme = "https";
    a.host = region == "us-east-1" ? "s3.amazonaws.com" : "s3." + std::string(region) + ".amazonaws.com";
  } else {
    std::size_t sep = endpoint.find("://");
    if (sep == std::string_view::npos || sep == 0)
      return fail(sigv4_errc::invalid_argument, "endpoint must look like https://host[:port]");
    a.scheme = lower(endpoint.substr(0, sep));
    if (a.scheme != "http" && a.scheme != "https")
      return fail(sigv4_errc::invalid_argument, "endpoint scheme must be http or https");
    std::string_view rest = endpoint.substr(sep + 3);
    std::size_t slash = rest.find('/');
    a.host = lower(rest.substr(0, slash));
    if (slash != std::string_view::npos) base_path = std::string(rest.substr(slash));
    while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
    if (a.host.empty() || a.host.find_first_of("?#@ ") != std::string::npos)
      return fail(sigv4_errc::invalid_argument, "endpoint host is invalid");
    // Default ports are not part of the Host header clients send.
    if (a.scheme == "https" && a.host.ends_with(":443")) a.host.resize(a.host.size() - 4);
    if (a.scheme == "http" && a.host.ends_with(":80")) a.host.resize(a.host.size() - 3);
  }
  bool virtual_hosted = style == addressing_style::virtual_hosted ||
                        (style == addressing_style::automatic && aws && virtual_hostable(bucket));
  if (virtual_hosted) {
    a.host = std::string(bucket) + "." + a.host;
    a.path = base_path + "/";
  } else {
    a.path = base_path + "/";
    append_uri_encoded(a.path, bucket, false);
    a.path += '/';
  }
  append_uri_encoded(a.path, key, true);
  return a;
}

std::string presigned_url(const object_address& where, std::span<const query_param> query,
                          std::span<const query_param> auth_query) {
  std::string url;
  url.reserve(where.scheme.size() + where.host.size() + where.path.size() + 512);
  url.append(where.scheme).append("://"sv).append(where.host).append(where.path);
  std::string q = encode_query(query, auth_query);
  if (!q.empty()) url.append("?"sv).append(q);
  return url;
}

result<presigned_object> presign_object(const object_presign& p, key_cache* cache, signing_trace* trace) {
  auto where = address_object(p.endpoint, p.region, p.bucket, p.key, p.style);
  if (!where) return fail(where.error());
  for (const header& h : p.headers)
    if (iequals(h.name, "host")) return fail(sigv4_errc::invalid_argument, "host is derived from the endpoint and bucket");
  const header host{"host", where->host};
  presign_view v;
  v.method = p.method;
  v.path = where->path;
  v.payload_hash = unsigned_payload;
  v.region = p.region;
  v.service = "s3";
  v.query = p.query;
  v.headers = p.headers;
  v.extra_header = &host;
  v.creds = &p.credentials;
  v.time = p.time;
  v.expires = p.expires;
  auto signed_result = presign_core(v, cache, trace);
  if (!signed_result) return fail(signed_result.error());

  presigned_object out;
  std::string& url = out.url;
  url.reserve(where->scheme.size() + where->host.size() + where->path.size() + 400);
  url.append(where->scheme).append("://"sv).append(where->host).append(where->path).append("?"sv);
  for (const query_param& q : p.query) {
    append_uri_encoded(url, q.name, false);
    url += '=';
    append_uri_encoded(url, q.value, false);
    url += '&';
  }
  append_auth_query(url, v, *signed_result, scratch());
  out.headers = p.headers;
  out.expires_at = p.time + p.expires;
  return out;
}

}  // namespace dropslot::sigv4
