#include "receipts.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>

#include "dropslot/api/validation.hpp"
#include "dropslot/db/keys.hpp"
#include "dropslot/metrics/upload_metrics.hpp"

namespace dropslot::api {

namespace {

bool starts_with_bytes(std::string_view s, std::initializer_list<unsigned char> sig) {
  if (s.size() < sig.size()) return false;
  std::size_t i = 0;
  for (unsigned char c : sig)
    if (static_cast<unsigned char>(s[i++]) != c) return false;
  return true;
}

/// The major brand of an ISO base media file (HEIF, MP4, QuickTime): bytes 4..8 are
/// "ftyp" and 8..12 the brand. Empty when the file does not start with an ftyp box.
std::string_view ftyp_brand(std::string_view s) {
  if (s.size() < 12 || s.substr(4, 4) != "ftyp") return {};
  return s.substr(8, 4);
}

/// The media type without parameters, lowercased ("Image/JPEG; x=y" -> "image/jpeg").
std::string bare_type(std::string_view t) {
  t = t.substr(0, t.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  std::string out(t);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

bool magic_matches(std::string_view content_type, std::string_view b) noexcept {
  const std::string type = bare_type(content_type);
  if (type == "image/jpeg") return starts_with_bytes(b, {0xff, 0xd8, 0xff});
  if (type == "image/png") return starts_with_bytes(b, {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a});
  if (type == "image/webp") return b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP";
  if (type == "image/heic" || type == "image/heif") {
    // The HEIF brands (ISO/IEC 23008-12): still images and sequences, HEVC or not.
    static constexpr std::array<std::string_view, 8> brands{"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"};
    auto brand = ftyp_brand(b);
    return std::find(brands.begin(), brands.end(), brand) != brands.end();
  }
  if (type == "video/mp4") {
    auto brand = ftyp_brand(b);
    return !brand.empty() && brand != "qt  ";
  }
  if (type == "video/quicktime") {
    if (ftyp_brand(b) == "qt  ") return true;
    // Older QuickTime files have no ftyp: their first atom is one of these.
    if (b.size() < 8) return false;
    auto atom = b.substr(4, 4);
    return atom == "moov" || atom == "mdat" || atom == "wide" || atom == "free" || atom == "skip";
  }
  if (type == "video/webm") return starts_with_bytes(b, {0x1a, 0x45, 0xdf, 0xa3});
  return true;
}

std::optional<photo_ref> parse_photo_key(std::string_view key) {
  if (!key.starts_with("jobs/")) return std::nullopt;
  key.remove_prefix(5);
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view job = key.substr(0, slash), name = key.substr(slash + 1);
  if (!db::valid_job_id(job) || !valid_photo_name(name)) return std::nullopt;
  std::string_view digits = name.substr(6, name.find('.') - 6);
  photo_ref out{std::string(job), 0};
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out.number);
  if (ec != std::errc() || end != digits.data() + digits.size() || out.number < 1) return std::nullopt;
  return out;
}

result<std::optional<confirmation>> confirm_upload(db::database& db, const bucket_access& bucket,
                                                   std::string_view job_id, std::int64_t number, db::timestamp now) {
  auto rec = db.get_upload(job_id, number);
  if (!rec) return fail(rec.error());
  if (!*rec) return std::optional<confirmation>{};
  confirmation out{std::move(**rec), {}, true};
  // Final states: a repeated or late event changes nothing and costs no S3 request.
  if (out.record.state == db::upload_state::received || out.record.state == db::upload_state::rejected)
    return std::optional<confirmation>(std::move(out));

  auto head = bucket.head(out.record.key);
  if (!head) return fail(head.error());
  if (!*head) {
    out.object_found = false;
    // Gone already: maybe another caller rejected it meanwhile; report the record as it is now.
    if (auto again = db.get_upload(job_id, number); again && *again) out.record = std::move(**again);
    return std::optional<confirmation>(std::move(out));
  }
  std::string reason;
  if ((*head)->size != out.record.size) {
    reason = fmt::format("the object has {} bytes; {} were signed", (*head)->size, out.record.size);
  } else if (bare_type((*head)->content_type) != bare_type(out.record.content_type)) {
    reason = fmt::format("the object's type is not the signed {}", out.record.content_type);
  } else {
    auto first = bucket.read_prefix(out.record.key, magic_bytes);
    if (!first) {
      // Another caller (the store's event beside complete) may have rejected and
      // deleted the object between the HEAD and this GET: its answer stands.
      auto again = db.get_upload(job_id, number);
      if (again && *again && ((*again)->state == db::upload_state::rejected ||
                              (*again)->state == db::upload_state::received)) {
        out.record = std::move(**again);
        return std::optional<confirmation>(std::move(out));
      }
      return fail(first.error());
    }
    if (!magic_matches(out.record.content_type, *first))
      reason = fmt::format("the object's bytes are not a {} file", out.record.content_type);
  }

  if (reason.empty()) {
    auto moved = db.set_upload_state(job_id, number, db::upload_state::received, now);
    if (!moved) return fail(moved.error());
    // Counted once: by the call whose write moved it (a repeat finds it final above;
    // of two racing calls the second's write matches nothing and it reads the time
    // the first wrote).
    if (*moved && (*moved)->state == db::upload_state::received && (*moved)->received_at == now)
      metrics::uploads().received.inc();
    if (*moved) out.record = std::move(**moved);
    return std::optional<confirmation>(std::move(out));
  }
  // Rejected first, then deleted: once rejected, no later event can receive it.
  auto moved = db.set_upload_state(job_id, number, db::upload_state::rejected, now);
  if (!moved) return fail(moved.error());
  if (*moved) out.record = std::move(**moved);
  if (out.record.state != db::upload_state::rejected) {
    // Another event moved it first (both saw the one object the key can hold, since
    // the PUT signs If-None-Match: *): its answer stands.
    return std::optional<confirmation>(std::move(out));
  }
  out.reason = std::move(reason);
  metrics::uploads().rejected.inc();
  if (auto r = bucket.remove(thumb_key(out.record.key)); !r) return fail(r.error());
  if (auto r = bucket.remove(out.record.key); !r) return fail(r.error());
  return std::optional<confirmation>(std::move(out));
}

}  // namespace dropslot::api
