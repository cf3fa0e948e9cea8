// Shot lists and upload states (receipts.hpp): the rules all backends and the API share.
#include <dropslot/db/receipts.hpp>

#include <algorithm>
#include <set>

#include <boost/json.hpp>

#include <dropslot/db/error.hpp>
#include <dropslot/util/utf8.hpp>

namespace dropslot::db {

namespace {

constexpr std::size_t max_shots = 32;
constexpr std::size_t max_label = 200;
constexpr std::size_t max_hint = 500;

error bad_list(std::string detail) { return error{make_error_code(db_errc::invalid_argument), std::move(detail)}; }

}  // namespace

std::string_view to_string(upload_state s) noexcept {
  switch (s) {
    case upload_state::pending: return "pending";
    case upload_state::received: return "received";
    case upload_state::rejected: return "rejected";
    case upload_state::expired: return "expired";
  }
  return "pending";
}

std::optional<upload_state> parse_upload_state(std::string_view s) noexcept {
  if (s == "pending") return upload_state::pending;
  if (s == "received") return upload_state::received;
  if (s == "rejected") return upload_state::rejected;
  if (s == "expired") return upload_state::expired;
  return std::nullopt;
}

bool valid_shot_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 32) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool valid_caption(std::string_view caption) noexcept {
  if (!util::valid_utf8(caption)) return false;
  // Characters are code points: count the bytes that start one.
  std::size_t chars = std::count_if(caption.begin(), caption.end(),
                                    [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; });
  return chars <= max_caption_chars;
}

std::vector<shot> builtin_shots() {
  return {
      {"wide", "Everything, from a distance", "Step back so the whole pile is in one picture", true},
      {"closeup", "Close-ups of large or heavy items", "Sofas, appliances, anything two people lift", true},
      {"access", "The way in: stairs, doors, parking", "Where the truck parks and the path to the items", true},
      {"other", "Anything else", std::nullopt, false},
  };
}

result<std::vector<shot>> parse_shots(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return fail(bad_list("shots must be a JSON array of {id, label, hint?, required?}"));
  const auto& arr = v.get_array();
  if (arr.size() > max_shots) return fail(bad_list("a job has at most " + std::to_string(max_shots) + " shots"));
  std::vector<shot> out;
  std::set<std::string, std::less<>> seen;
  for (const auto& e : arr) {
    if (!e.is_object()) return fail(bad_list("each shot must be an object {id, label, hint?, required?}"));
    const auto& o = e.get_object();
    for (const auto& kv : o)
      if (kv.key() != "id" && kv.key() != "label" && kv.key() != "hint" && kv.key() != "required")
        return fail(bad_list("unknown shot field '" + std::string(std::string_view(kv.key()).substr(0, 40)) + "'"));
    shot s;
    auto* id = o.if_contains("id");
    if (!id || !id->is_string() || !valid_shot_id(id->get_string()))
      return fail(bad_list("a shot id must match [a-z0-9_-]{1,32}"));
    s.id = std::string(id->get_string());
    if (!seen.insert(s.id).second) return fail(bad_list("shot id '" + s.id + "' appears twice"));
    auto* label = o.if_contains("label");
    if (!label || !label->is_string() || label->get_string().empty() || label->get_string().size() > max_label ||
        !util::valid_utf8(label->get_string()))
      return fail(bad_list("shot '" + s.id + "' needs a label of 1 to " + std::to_string(max_label) + " bytes of UTF-8"));
    s.label = std::string(label->get_string());
    if (auto* hint = o.if_contains("hint"); hint && !hint->is_null()) {
      if (!hint->is_string() || hint->get_string().size() > max_hint || !util::valid_utf8(hint->get_string()))
        return fail(bad_list("shot '" + s.id + "': hint must be text of at most " + std::to_string(max_hint) + " bytes"));
      if (!hint->get_string().empty()) s.hint = std::string(hint->get_string());
    }
    if (auto* req = o.if_contains("required"); req && !req->is_null()) {
      if (!req->is_bool()) return fail(bad_list("shot '" + s.id + "': required must be true or false"));
      s.required = req->get_bool();
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string shots_to_json(const std::vector<shot>& shots) {
  boost::json::array arr;
  for (const auto& s : shots) {
    boost::json::object o;
    o["id"] = s.id;
    o["label"] = s.label;
    if (s.hint) o["hint"] = *s.hint;
    o["required"] = s.required;
    arr.push_back(std::move(o));
  }
  return boost::json::serialize(arr);
}

std::vector<shot> shots_of(const job& j, const std::vector<shot>& defaults) {
  if (j.shots) {
    // Stored only after parse_shots accepted it; a row edited by hand that no longer
    // parses falls back to the defaults rather than failing every read of the job.
    if (auto parsed = parse_shots(*j.shots)) return std::move(*parsed);
  }
  return defaults;
}

std::vector<std::string> missing_shots(const std::vector<shot>& shots, const std::vector<shot_count>& received) {
  std::vector<std::string> out;
  for (const auto& s : shots) {
    if (!s.required) continue;
    bool have = std::any_of(received.begin(), received.end(),
                            [&](const shot_count& c) { return c.shot == s.id && c.count > 0; });
    if (!have) out.push_back(s.id);
  }
  return out;
}

}  // namespace dropslot::db
