// Query auth (presign): the hot path behind presign(), presign_query() and presign_object().
#include <dropslot/sigv4/signer.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <memory>

#include "canonical.hpp"

namespace dropslot::sigv4 {
using namespace std::string_view_literals;
using namespace detail;

// The API presigns at 40,000 req/s from several threads with a budget of 1 us per
// URL, where SHA-256 + HMAC alone take ~0.5 us (bench crypto_floor: 11 SHA-256
// blocks). So this path builds the canonical request and string to sign in reused
// per-thread buffers, sorts views of the headers instead of copies, writes the
// common query (no caller parameters) in its known sorted order instead of sorting
// encoded pairs, and keeps per thread what only changes daily (see identity_memo).
// docs/benchmarks/presign.md has the measurements.

namespace {

// A signed header with its name lower-cased (in presign_scratch::lowered).
struct signed_header {
  std::string_view name;
  std::string_view value;
};

// What a thread presigned with last: the credential text and, with a key cache, the
// signing key. A server presigns for one identity and region all day, so these are
// built once a day per thread instead of once per URL (encoding the credential and
// the cache lookup, a hash of the tuple and a shared lock, were ~10% of a presign).
// A key is a pure function of (secret, date, region, service), so the one kept here
// stays right whatever the cache does since. Like key_cache, this holds a copy of
// the secret.
struct identity_memo {
  std::string access_key, secret, date, region, service;
  std::string credential;      // "AKID/YYYYMMDD/region/service/aws4_request"
  std::string credential_enc;  // the same, URI-encoded (as the query carries it)
  std::string scope;           // "YYYYMMDD/region/service/aws4_request"
  const key_cache* cache = nullptr;
  std::shared_ptr<const signing_key> key;

  ~identity_memo() { std::fill(secret.begin(), secret.end(), '\0'); }

  void refresh(const credentials& c, std::string_view d, std::string_view r, std::string_view svc) {
    const std::string_view akid = c.access_key.value(), sec = c.secret.reveal();
    if (akid == access_key && sec == secret && d == date && r == region && svc == service) return;
    access_key = akid;
    std::fill(secret.begin(), secret.end(), '\0');
    secret = sec;
    date = d;
    region = r;
    service = svc;
    scope.clear();
    scope.append(d).append("/"sv).append(r).append("/"sv).append(svc).append("/aws4_request"sv);
    credential.clear();
    credential.append(akid).append("/"sv).append(scope);
    credential_enc.clear();
    append_uri_encoded(credential_enc, credential, false);
    cache = nullptr;
    key.reset();
  }

  const signing_key& signing_key_from(key_cache& c, const secret_access_key& s) {
    if (cache != &c) {
      key = c.get(s, date, region, service);
      cache = &c;
    }
    return *key;
  }
};

// "YYYYMMDDTHHMMSSZ", with the date part kept from the thread's last call (the
// calendar conversion is the costly half, and it changes once a day).
void write_amz_date(char* out, std::chrono::sys_seconds t) {
  using namespace std::chrono;
  thread_local sys_days last_day{days::min()};
  thread_local char last_ymd[8];
  const sys_days day = floor<days>(t);
  if (day != last_day) {
    std::string d;
    append_amz_date(d, t);
    std::memcpy(last_ymd, d.data(), 8);
    last_day = day;
  }
  std::memcpy(out, last_ymd, 8);
  const auto secs = static_cast<unsigned>((t - day).count());
  const unsigned hms[] = {secs / 3600, secs / 60 % 60, secs % 60};
  char* p = out + 8;
  *p++ = 'T';
  for (unsigned x : hms) {
    *p++ = static_cast<char>('0' + x / 10);
    *p++ = static_cast<char>('0' + x % 10);
  }
  *p = 'Z';
}

struct presign_scratch {
  std::string lowered;  // the lower-cased header names, back to back
  std::vector<signed_header> headers;
  std::string names, names_enc;  // "a;b" and its encoded form (canonical query and output)
  std::string names_encoded_from;  // the names names_enc was encoded from
  std::string creq;
  identity_memo identity;
  hmac_first_block_memo sts_memo;  // strings to sign within a second share their first block
  object_address where;             // presign_object's address
  std::vector<encoded_param> params;
};

presign_scratch& scratch() {
  thread_local presign_scratch s;
  return s;
}

// Byte order of two short names, inline: std::string_view's operator< calls memcmp,
// which cost more than the comparison itself on names this short.
bool name_less(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  return a.size() < b.size();
}

// Lower-cases the names into s.lowered and sorts by them. Stable (insertion sort:
// n is small), so a repeated name keeps its values in arrival order.
void sort_headers(presign_scratch& s, std::span<const header> headers, std::string_view host) {
  std::size_t total = 0;
  for (const header& h : headers) total += h.name.size();
  s.lowered.resize(total);  // no reallocation below: the views stay valid
  char* p = s.lowered.data();
  s.headers.clear();
  for (const header& h : headers) {
    // Locals: a store through char* may alias h.name, which would be reloaded per byte.
    const char* name = h.name.data();
    const std::size_t n = h.name.size();
    for (std::size_t i = 0; i < n; ++i) p[i] = util::ascii_lower(name[i]);
    s.headers.push_back({std::string_view(p, n), h.value});
    p += n;
  }
  if (!host.empty()) s.headers.push_back({"host"sv, host});
  for (std::size_t i = 1; i < s.headers.size(); ++i) {
    const signed_header x = s.headers[i];
    std::size_t j = i;
    for (; j > 0 && name_less(x.name, s.headers[j - 1].name); --j) s.headers[j] = s.headers[j - 1];
    s.headers[j] = x;
  }
  s.names.clear();
  for (std::size_t i = 0; i < s.headers.size(); ++i) {
    if (i > 0 && s.headers[i].name == s.headers[i - 1].name) continue;
    if (i > 0) s.names += ';';
    s.names.append(s.headers[i].name);
  }
  // A service signs the same header names on every URL: encode them on a change only.
  if (s.names != s.names_encoded_from) {
    s.names_enc.clear();
    append_uri_encoded(s.names_enc, s.names, false);
    s.names_encoded_from = s.names;
  }
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
  std::string_view host;  // presign_object: the host header to sign besides `headers`
  const credentials* creds = nullptr;
  std::chrono::sys_seconds time;
  std::chrono::seconds expires;
  uri_rules rules = uri_rules::s3;
  bool normalize = false;
  bool sign_token = true;
};

bool has_token(const presign_view& v) { return v.creds->token && !v.creds->token->empty(); }

// S3 reads the payload hash of a presigned request from the X-Amz-Content-Sha256
// query parameter and takes UNSIGNED-PAYLOAD when there is none (AWS S3, MinIO, and
// our verifier alike), so an S3 presign that signs a real hash must carry it there.
// Other services sign the hash without a parameter (the AWS SigV4 test suite's
// post-x-www-form-urlencoded query vectors): the service hashes the body itself.
bool carries_content_sha256(const presign_view& v) { return v.service == "s3"sv && v.payload_hash != unsigned_payload; }

// Writes into a buffer sized in advance to an upper bound, so each piece is one
// memcpy instead of a std::string::append call with its capacity checks (measured:
// the appends were ~15% of a presign).
class bounded_writer {
 public:
  // Writes from buf[at] on, at most `bound` bytes.
  bounded_writer(std::string& buf, std::size_t bound, std::size_t at = 0) {
    if (buf.size() < at + bound) buf.resize(at + bound);
    begin_ = p_ = buf.data() + at;
  }
  void put(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void put(char c) { *p_++ = c; }
  // uri_encode_to and the loops below write through a local pointer: a store through the member char*
  // may alias the member itself, which then goes back to memory on every byte.
  void put_encoded(std::string_view s, bool keep_slash) { p_ = uri_encode_to(p_, s, keep_slash); }
  // Trimmed, inner whitespace runs collapsed (see append_trimmed).
  void put_trimmed(std::string_view v) {
    // Fast path: copied as is while checking that no byte is at or below ' ' (every
    // whitespace byte is); only a value with one is written again, trimmed.
    char* p = p_;
    bool plain = true;
    for (char c : v) {
      *p++ = c;
      plain &= static_cast<unsigned char>(c) > ' ';
    }
    if (plain) {
      p_ = p;
      return;
    }
    p = p_;
    std::size_t b = 0, e = v.size();
    while (b < e && is_space(v[b])) ++b;
    while (e > b && is_space(v[e - 1])) --e;
    bool in_space = false;
    for (std::size_t i = b; i < e; ++i) {
      if (is_space(v[i])) {
        in_space = true;
        continue;
      }
      if (in_space) *p++ = ' ';
      in_space = false;
      *p++ = v[i];
    }
    p_ = p;
  }
  std::string_view view() const { return {begin_, static_cast<std::size_t>(p_ - begin_)}; }

 private:
  char* begin_;
  char* p_;
};

result<presign_result> presign_core(const presign_view& v, key_cache* cache, signing_trace* trace) {
  const bool s3 = v.service == "s3"sv;
  for (const query_param& q : v.query) {
    if (iequals(q.name, "X-Amz-Signature") || iequals(q.name, "X-Amz-Credential") || iequals(q.name, "X-Amz-Date"))
      return fail(sigv4_errc::already_signed, "query already has X-Amz-Signature, X-Amz-Credential or X-Amz-Date");
    if (s3 && iequals(q.name, "X-Amz-Content-Sha256"))
      return fail(sigv4_errc::invalid_argument, "X-Amz-Content-Sha256 is set from the payload hash, not the query");
  }
  if (v.region.empty() || v.service.empty()) return fail(sigv4_errc::invalid_argument, "region and service are required");
  if (v.creds->access_key.empty() || v.creds->secret.empty())
    return fail(sigv4_errc::invalid_argument, "credentials are empty");
  if (v.method.empty()) return fail(sigv4_errc::invalid_argument, "method is empty");
  if (v.expires.count() < 1 || v.expires.count() > max_expiry_seconds)
    return fail(sigv4_errc::invalid_expiry, "got " + std::to_string(v.expires.count()) + " s");
  const bool content_sha256 = carries_content_sha256(v);
  // A presigned URL cannot carry aws-chunked signatures, and S3 refuses a hash that
  // is not 64 lower-case hex digits.
  if (content_sha256 && !is_lower_hex64(v.payload_hash))
    return fail(sigv4_errc::invalid_argument,
                "an S3 presign signs UNSIGNED-PAYLOAD or the lower-case hex SHA-256 of the body");

  presign_result out;
  presign_scratch& s = scratch();
  write_amz_date(out.date, v.time);
  const std::string_view date = out.date_view();
  s.identity.refresh(*v.creds, date.substr(0, 8), v.region, v.service);

  std::size_t input = v.method.size() + v.path.size() + v.payload_hash.size() + s.identity.credential.size();
  if (v.creds->token) input += v.creds->token->reveal().size();
  for (const header& h : v.headers) input += h.name.size() + h.value.size() + 2;
  input += v.host.size() + 6;
  for (const query_param& q : v.query) input += q.name.size() + q.value.size() + 2;
  sort_headers(s, v.headers, v.host);

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
    w.put("X-Amz-Algorithm=AWS4-HMAC-SHA256"sv);
    if (content_sha256) {
      w.put("&X-Amz-Content-Sha256="sv);
      w.put(v.payload_hash);
    }
    w.put("&X-Amz-Credential="sv);
    w.put(s.identity.credential_enc);
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
    if (content_sha256) s.params.push_back({"X-Amz-Content-Sha256", std::string(v.payload_hash)});
    s.params.push_back({"X-Amz-Credential", s.identity.credential_enc});
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
    if (i > 0 && s.headers[i].name == s.headers[i - 1].name) {
      w.put(',');  // a repeated name: its values joined with ',' in arrival order
    } else {
      if (i > 0) w.put('\n');
      w.put(s.headers[i].name);
      w.put(':');
    }
    w.put_trimmed(s.headers[i].value);
  }
  if (!s.headers.empty()) w.put('\n');
  w.put('\n');
  w.put(s.names);
  w.put('\n');
  w.put(v.payload_hash);
  const std::string_view creq = w.view();

  // algorithm \n date \n scope \n hex(sha256(creq))
  char sts_buf[512];
  std::string sts_long;
  const std::size_t sts_size = algorithm.size() + 1 + date.size() + 1 + s.identity.scope.size() + 1 + 64;
  char* p = sts_buf;
  if (sts_size > sizeof sts_buf) {
    sts_long.resize(sts_size);
    p = sts_long.data();
  }
  const std::string_view sts(p, sts_size);
  auto put = [&p](std::string_view x) {
    std::memcpy(p, x.data(), x.size());
    p += x.size();
  };
  put(algorithm);
  put("\n"sv);
  put(date);
  put("\n"sv);
  put(s.identity.scope);
  put("\n"sv);
  hex_to(p, sha256(creq));

  const digest mac = cache ? s.identity.signing_key_from(*cache, v.creds->secret).mac(sts, s.sts_memo)
                          : derive_signing_key(v.creds->secret, date.substr(0, 8), v.region, v.service).mac(sts);
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

// Appends the auth parameters, encoded, in botocore's order (the signature last),
// through one resize to their upper bound.
void append_auth_query(std::string& out, const presign_view& v, const presign_result& p, const presign_scratch& s) {
  const std::string_view token = has_token(v) ? std::string_view(v.creds->token->reveal()) : std::string_view{};
  const bool content_sha256 = carries_content_sha256(v);
  // 320: the parameter names, the algorithm, the date, the expiry and the signature.
  const std::size_t bound = 320 + s.identity.credential_enc.size() + s.names_enc.size() + 3 * token.size() +
                            (content_sha256 ? v.payload_hash.size() : 0);
  const std::size_t at = out.size();
  bounded_writer w(out, bound, at);
  w.put("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="sv);
  w.put(s.identity.credential_enc);
  w.put("&X-Amz-Date="sv);
  w.put(p.date_view());
  w.put("&X-Amz-Expires="sv);
  char expires_buf[24];
  const char* expires_end = std::to_chars(expires_buf, expires_buf + sizeof expires_buf, v.expires.count()).ptr;
  w.put(std::string_view(expires_buf, static_cast<std::size_t>(expires_end - expires_buf)));
  w.put("&X-Amz-SignedHeaders="sv);
  w.put(s.names_enc);
  if (!token.empty()) {
    w.put("&X-Amz-Security-Token="sv);
    w.put_encoded(token, false);
  }
  if (content_sha256) {
    w.put("&X-Amz-Content-Sha256="sv);
    w.put(v.payload_hash);
  }
  w.put("&X-Amz-Signature="sv);
  w.put(p.signature_view());
  out.resize(at + w.view().size());
}

}  // namespace

result<std::vector<query_param>> presign(const signing_request& r, key_cache* cache, signing_trace* trace) {
  const presign_view v = view_of(r);
  auto p = presign_core(v, cache, trace);
  if (!p) return fail(p.error());
  const presign_scratch& s = scratch();
  std::vector<query_param> added;
  added.reserve(8);
  added.push_back({"X-Amz-Algorithm", std::string(algorithm)});
  added.push_back({"X-Amz-Credential", s.identity.credential});
  added.push_back({"X-Amz-Date", std::string(p->date_view())});
  added.push_back({"X-Amz-Expires", std::to_string(r.expires.count())});
  added.push_back({"X-Amz-SignedHeaders", s.names});
  if (has_token(v)) added.push_back({"X-Amz-Security-Token", r.credentials.token->reveal()});
  if (carries_content_sha256(v)) added.push_back({"X-Amz-Content-Sha256", r.payload_hash});
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
  object_address& where = scratch().where;
  if (auto a = address_object_into(where, p.endpoint, p.region, p.bucket, p.key, p.style); !a) return fail(a.error());
  for (const header& h : p.headers)
    if (iequals(h.name, "host")) return fail(sigv4_errc::invalid_argument, "host is derived from the endpoint and bucket");
  presign_view v;
  v.method = p.method;
  v.path = where.path;
  v.payload_hash = unsigned_payload;
  v.region = p.region;
  v.service = "s3";
  v.query = p.query;
  v.headers = p.headers;
  v.host = where.host;
  v.creds = &p.credentials;
  v.time = p.time;
  v.expires = p.expires;
  auto signed_result = presign_core(v, cache, trace);
  if (!signed_result) return fail(signed_result.error());

  presigned_object out;
  std::string& url = out.url;
  url.reserve(where.scheme.size() + where.host.size() + where.path.size() + 400);
  url.append(where.scheme).append("://"sv).append(where.host).append(where.path).append("?"sv);
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
