-- wrk script: POST {base}/upload-url with a valid session, as the dashboard does.
-- Environment: DROPSLOT_TOKEN (session token; empty for the peers, which do no auth),
-- DROPSLOT_JOB (job id), DROPSLOT_PATH (default /api/upload-url).
local token = os.getenv("DROPSLOT_TOKEN") or ""
local job = os.getenv("DROPSLOT_JOB") or "J1"
wrk.method = "POST"
wrk.path = os.getenv("DROPSLOT_PATH") or "/api/upload-url"
wrk.headers["Content-Type"] = "application/json"
if token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
wrk.body = '{"job_id":"' .. job .. '","filename":"roof.jpg","content_type":"image/jpeg","size":123456}'

-- Report non-2xx answers, so a run full of 429s or 401s cannot pass as fast. (No
-- per-response Lua callback: it would slow wrk itself down.)
function done(summary, latency, requests)
  io.write(string.format("non_2xx %d\n", summary.errors.status))
end
