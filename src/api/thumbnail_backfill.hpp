#pragma once
// A thumbnail that never came (issue 22): a received JPEG, PNG or WebP photo whose
// browser sent no thumbnail gets one made by the server, at
// jobs/<id>/thumbs/photo-NNN.jpg like the dashboard's. The receipt intake runs it
// thumbnail_delay (2 min) after a photo is received under `serve`; `dropslot admin
// reconcile` runs it for any received photo it finds without one.
#include <cstdint>
#include <string_view>

#include "bucket_access.hpp"
#include "dropslot/db/database.hpp"
#include "dropslot/util/result.hpp"

namespace dropslot::api {

/// True when a thumbnail was written now; false when none is due (not received, a
/// type without a decoder such as HEIC, or the thumbnail exists). An object that
/// does not decode is left alone (false): it passed the magic-number check, so it is
/// the customer's bytes, shown from its own URL.
result<bool> backfill_thumbnail(db::database& db, const bucket_access& bucket, std::string_view job_id,
                                std::int64_t number, std::uint32_t edge, double quality);

}  // namespace dropslot::api
