#include <dropslot/sigv4/signer.hpp>

#include <algorithm>
#include <cstdio>

#include "canonical.hpp"

namespace dropslot::sigv4 {
namespace detail {

namespace {
constexpr char hex_upper[] = "0123456789ABCDEF";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

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
  bool in_space = false;
  for (std::size_t i = b; i < e; ++i) {
    if (is_space(v[i])) {
      in_space = true;
      continue;
    }
    if (in_space) out += ' ';
    in_space = false;
    out += v[i];
  }
}

void append_2(std::string& out, unsigned v) {
  out += static_cast<char>('0' + v / 10);
  out += static_cast<char>('0' + v % 10);
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

void append_uri_encoded(std::string& out, std::string_view s, bool keep_slash) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += hex_upper[c >> 4];
      out += hex_upper[c & 0x0f];
    }
  }
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
  out.append(method).append("\n").append(canonical_uri).append("\n").append(canonical_query).append("\n");
  for (const canonical_header& h : headers) out.append(h.name).append(":").append(h.value).append("\n");
  out.append("\n").append(signed_names).append("\n").append(payload_hash);
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
  int y = static_cast<int>(ymd.year());
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04d", y);
  out.append(buf, 4);
  append_2(out, static_cast<unsigned>(ymd.month()));
  append_2(out, static_cast<unsigned>(ymd.day()));
  out += 'T';
  append_2(out, static_cast<unsigned>(hms.hours().count()));
  append_2(out, static_cast<unsigned>(hms.minutes().count()));
  append_2(out, static_cast<unsigned>(hms.seconds().count()));
  out += 'Z';
}

void append_string_to_sign(std::string& out, std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  digest d = sha256(canonical_request);
  out.append(algorithm).append("\n").append(amz_date).append("\n").append(scope).append("\n").append(hex(d));
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
  s.append("/").append(region).append("/").append(service).append("/aws4_request");
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
  authz.append(algorithm).append(" Credential=").append(r.credentials.access_key.value()).append("/").append(scope);
  authz.append(", SignedHeaders=").append(names).append(", Signature=").append(sig);
  added.push_back({"Authorization", std::move(authz)});
  if (trace) *trace = signing_trace{std::move(creq), std::move(sts), std::move(sig)};
  return added;
}

result<std::vector<query_param>> presign(const signing_request& r, key_cache* cache, signing_trace* trace) {
  if (auto ok = check_common(r); !ok) return fail(ok.error());
  if (r.expires.count() < 1 || r.expires.count() > max_expiry_seconds)
    return fail(sigv4_errc::invalid_expiry,
                "got " + std::to_string(r.expires.count()) + " s");

  const std::string date = amz_date(r.time);
  std::string credential = r.credentials.access_key.value();
  credential += '/';
  credential += credential_scope(r.time, r.region, r.service);
  std::string_view scope = std::string_view(credential).substr(r.credentials.access_key.value().size() + 1);

  auto canon = canonicalize_headers(r.headers);
  std::string names = join_names(canon);

  std::vector<query_param> added;
  added.reserve(7);
  added.push_back({"X-Amz-Algorithm", std::string(algorithm)});
  added.push_back({"X-Amz-Credential", credential});
  added.push_back({"X-Amz-Date", date});
  added.push_back({"X-Amz-Expires", std::to_string(r.expires.count())});
  added.push_back({"X-Amz-SignedHeaders", names});
  const bool token = r.credentials.token && !r.credentials.token->empty();
  if (token) added.push_back({"X-Amz-Security-Token", r.credentials.token->reveal()});

  std::vector<encoded_param> params;
  params.reserve(r.query.size() + added.size());
  for (const query_param& q : r.query) params.push_back({uri_encode(q.name, false), uri_encode(q.value, false)});
  for (const query_param& q : added) {
    if (q.name == "X-Amz-Security-Token" && !r.sign_session_token) continue;
    params.push_back({q.name, uri_encode(q.value, false)});
  }
  std::string query;
  query.reserve(256);
  append_canonical_query(query, params);

  std::string creq;
  creq.reserve(512);
  append_canonical_request(creq, r.method, canonical_uri(r.path, r.rules, r.normalize), query, canon, names,
                           r.payload_hash);
  std::string sts;
  sts.reserve(160);
  append_string_to_sign(sts, date, scope, creq);
  std::string sig = key_for(r, std::string_view(date).substr(0, 8), cache)->sign(sts);
  added.push_back({"X-Amz-Signature", sig});
  if (trace) *trace = signing_trace{std::move(creq), std::move(sts), std::move(sig)};
  return added;
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
  url.append(where.scheme).append("://").append(where.host).append(where.path);
  std::string q = encode_query(query, auth_query);
  if (!q.empty()) url.append("?").append(q);
  return url;
}

result<presigned_object> presign_object(const object_presign& p, key_cache* cache, signing_trace* trace) {
  auto where = address_object(p.endpoint, p.region, p.bucket, p.key, p.style);
  if (!where) return fail(where.error());
  signing_request r;
  r.method = p.method;
  r.path = where->path;
  r.query = p.query;
  r.headers.reserve(p.headers.size() + 1);
  r.headers.push_back({"host", where->host});
  for (const header& h : p.headers) {
    if (iequals(h.name, "host")) continue;
    r.headers.push_back(h);
  }
  r.region = p.region;
  r.service = "s3";
  r.credentials = p.credentials;
  r.time = p.time;
  r.expires = p.expires;
  auto q = presign(r, cache, trace);
  if (!q) return fail(q.error());
  presigned_object out;
  out.url = presigned_url(*where, p.query, *q);
  for (const header& h : p.headers)
    if (!iequals(h.name, "host")) out.headers.push_back(h);
  out.expires_at = p.time + p.expires;
  return out;
}

}  // namespace dropslot::sigv4
