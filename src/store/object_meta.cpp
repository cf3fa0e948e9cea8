#include "object_meta.hpp"

#include <boost/json.hpp>

#include "dropslot/store/s3_error.hpp"

namespace dropslot::store {

namespace json = boost::json;

std::string meta_to_json(const object_meta& m) {
  json::object o;
  o["key"] = m.key;
  o["size"] = m.size;
  o["etag"] = m.etag;
  o["last_modified"] = m.last_modified.time_since_epoch().count();
  auto put = [&](const char* name, const std::string& v) {
    if (!v.empty()) o[name] = v;
  };
  put("content_type", m.content_type);
  put("content_disposition", m.content_disposition);
  put("cache_control", m.cache_control);
  put("content_encoding", m.content_encoding);
  put("content_language", m.content_language);
  put("expires", m.expires);
  put("checksum_name", m.checksum_name);
  put("checksum_value", m.checksum_value);
  if (m.parts_count) o["parts_count"] = m.parts_count;
  if (!m.part_sizes.empty()) {
    json::array sizes;
    for (auto n : m.part_sizes) sizes.push_back(n);
    o["part_sizes"] = std::move(sizes);
  }
  json::array meta;
  for (const auto& [k, v] : m.user_meta) meta.push_back(json::array{json::string(k), json::string(v)});
  o["user_meta"] = std::move(meta);
  return json::serialize(o);
}

result<object_meta> meta_from_json(std::string_view text) {
  boost::system::error_code ec;
  // Header values may carry obs-text (bytes ≥ 0x80 that are not UTF-8, legal in HTTP);
  // the serializer writes them through as they are, so the parser must take them back,
  // or an accepted object's metadata could never be read again.
  json::parse_options opt;
  opt.allow_invalid_utf8 = true;
  json::value v = json::parse(text, ec, {}, opt);
  if (ec || !v.is_object()) return fail(s3_errc::internal_error, "object metadata is not JSON");
  const auto& o = v.as_object();
  object_meta m;
  try {
    m.key = json::value_to<std::string>(o.at("key"));
    m.size = json::value_to<std::uint64_t>(o.at("size"));
    m.etag = json::value_to<std::string>(o.at("etag"));
    m.last_modified = std::chrono::sys_seconds{std::chrono::seconds{json::value_to<std::int64_t>(o.at("last_modified"))}};
    auto get = [&](const char* name, std::string& out) {
      if (auto* p = o.if_contains(name)) out = json::value_to<std::string>(*p);
    };
    get("content_type", m.content_type);
    get("content_disposition", m.content_disposition);
    get("cache_control", m.cache_control);
    get("content_encoding", m.content_encoding);
    get("content_language", m.content_language);
    get("expires", m.expires);
    get("checksum_name", m.checksum_name);
    get("checksum_value", m.checksum_value);
    if (auto* p = o.if_contains("parts_count")) m.parts_count = json::value_to<int>(*p);
    if (auto* p = o.if_contains("part_sizes"))
      for (const auto& n : p->as_array()) m.part_sizes.push_back(json::value_to<std::uint64_t>(n));
    if (auto* p = o.if_contains("user_meta"))
      for (const auto& pair : p->as_array())
        m.user_meta.emplace_back(json::value_to<std::string>(pair.as_array().at(0)),
                                 json::value_to<std::string>(pair.as_array().at(1)));
  } catch (const std::exception& e) {
    return fail(s3_errc::internal_error, std::string("object metadata: ") + e.what());
  }
  return m;
}

}  // namespace dropslot::store
