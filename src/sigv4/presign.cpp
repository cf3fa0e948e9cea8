// Query auth (presign): the hot path behind presign(), presign_query() and presign_object().
#include <dropslot/sigv4/signer.hpp>

#include <charconv>
#include <cstring>

#include "canonical.hpp"

namespace dropslot::sigv4 {
using namespace std::string_view_literals;
using namespace detail;

// // The API presigns at 40,000 req/s from several threads with a budget of 1 us per
// URL, where SHA-256 + HMAC alone take ~0.4 us. So this path builds the canonical
// request and string to sign in reused per-thread buffers, sorts header pointers
// instead of copying headers, and writes the common query (no caller parameters)
// in its known sorted order instead of sorting encoded pairs.

namespace {

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
