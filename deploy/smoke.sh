#!/usr/bin/env bash
# Smoke test of a deployed API (deploy.sh runs it against the "smoke" stage, i.e.
# the newly published Lambda version, before the live alias moves). Usable alone:
#
#   DROPSLOT_DATABASE_URL=dynamodb://STACK deploy/smoke.sh --api URL --bucket NAME
#       [--dropslot PATH] [--staging-url URL] [--origin ORIGIN]
#
# Creates a test customer and job with `dropslot admin` in the stack's database,
# logs in through the API with a one-time code, asks POST {api}upload-url for a
# 3-byte JPEG, checks that the URL names the uploads bucket (virtual-hosted
# <bucket>.s3... or path-style /<bucket>/) and the key jobs/<job>/photo-NNN.jpg,
# PUTs to it with exactly the returned headers (must be 200), finds the photo in
# GET {api}jobs/<job>/photos, and fetches the listed GET URL as the dashboard's
# browser would (must be 200 with the bytes put: a URL the bucket's policy or
# fresh credentials refuse shows here, on a real deploy). With --origin (the
# dashboard's origin, e.g. https://d111.cloudfront.net), every call carries
# `Origin: ORIGIN` as the browser sends it, and the GET's answer must allow that
# origin (Access-Control-Allow-Origin): deploy.sh runs it so through CloudFront
# (--api https://<distribution>/api/) after the live alias moved, which checks
# CloudFront's origin header, the /api/* routing and the bucket's CORS. With
# --staging-url, also fetches the staged dashboard. Exits non-zero on the first
# failure.
#
# Cleanup, on success and on failure alike: the object is deleted (aws s3api
# delete-object; AWS_ENDPOINT_URL_S3 is honoured), and `dropslot admin customer
# remove` removes the test customer with everything theirs (the job, its upload
# record, the session, the login code). If that fails, the sessions are revoked at
# least and the script names what is left and the command that removes it; the
# exit status stays the smoke test's own.
#
# Secrets come from the environment, never from arguments: DROPSLOT_DATABASE_URL
# (the database; its password never reaches a command line) and
# DROPSLOT_ORIGIN_SECRET (the X-Dropslot-Origin-Verify value CloudFront would
# send; handed to curl in a file). Neither they nor the login code, the session
# token or the URL's signature are ever printed.
set -euo pipefail
api="" bucket="" staging_url="" origin=""
dropslot=${DROPSLOT_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/release/src/cli/dropslot}
aws=${AWS_CLI:-aws}
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --api) api="$2"; shift 2 ;;
    --bucket) bucket="$2"; shift 2 ;;
    --dropslot) dropslot="$2"; shift 2 ;;
    --staging-url) staging_url="$2"; shift 2 ;;
    --origin) origin="${2%/}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "smoke: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n "$api" && -n "$bucket" ]] || { echo "smoke: --api and --bucket are required" >&2; exit 2; }
[[ -n "${DROPSLOT_DATABASE_URL:-}" ]] || { echo "smoke: set DROPSLOT_DATABASE_URL (the stack's database)" >&2; exit 2; }
export DROPSLOT_DATABASE_URL
api="${api%/}/"
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
customer="" job="" key=""

# `dropslot admin` reads DROPSLOT_DATABASE_URL itself: the URL is in no argv.
admin() { "$dropslot" admin "$@"; }

cleanup() {
  local status=$?
  set +e
  if [[ -n "$key" ]]; then
    local flags=()
    [[ -n "${AWS_ENDPOINT_URL_S3:-}" ]] && flags+=(--endpoint-url "$AWS_ENDPOINT_URL_S3")
    if "$aws" "${flags[@]}" s3api delete-object --bucket "$bucket" --key "$key" >/dev/null 2>"$work/rm.err"; then
      echo "smoke: cleanup: object $key deleted"
    else
      echo "smoke: cleanup: could not delete $key: $(head -c 300 "$work/rm.err")" >&2
    fi
  fi
  if [[ -n "$customer" ]]; then
    if admin customer remove --id "$customer" >/dev/null; then
      echo "smoke: cleanup: removed customer $customer with job ${job:-(none)} and its sessions"
    else
      admin sessions revoke --customer "$customer" >/dev/null && echo "smoke: cleanup: sessions of $customer revoked"
      echo "smoke: cleanup: customer $customer and job ${job:-(none)} remain;" \
        "remove them with: dropslot admin customer remove --id $customer" >&2
    fi
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# The origin header, from a file (curl -H @file) so the value is in no argv.
origin_header=()
if [[ -n "${DROPSLOT_ORIGIN_SECRET:-}" ]]; then
  (umask 077 && printf 'X-Dropslot-Origin-Verify: %s\n' "$DROPSLOT_ORIGIN_SECRET" >"$work/origin-header")
  origin_header=(-H "@$work/origin-header")
fi
# The browser's Origin (no secret): on every API call and on the photo's GET. A
# browser's login gets the session as an HttpOnly cookie only (never in the body),
# kept here in a cookie jar inside the private work folder.
browser_origin=()
[[ -n "$origin" ]] && browser_origin=(-H "Origin: $origin" -b "$work/cookies" -c "$work/cookies")

# The stamp names this run's test customer; a random suffix keeps two runs in the same
# second (a retry, or the test's good and bad run) from colliding on the unique email.
stamp=$(date -u +%Y%m%dT%H%M%SZ)-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
customer=$(admin customer add --name "smoke test $stamp" --email "smoke+$stamp@dropslot.invalid")
job=$(admin job add --customer "$customer" --title "smoke test $stamp")
link=$(admin login-link --customer "$customer")
code=$(sed -n 's/.*[?&]code=\([^&#]*\).*/\1/p' <<<"$link")
[[ -n "$code" ]] || fail "no code in the login link"
echo "smoke: customer $customer, job $job"

# curl_json METHOD PATH BODY -> body in $work/body, status on stdout
curl_json() {
  local auth=()
  if [[ -n "${token:-}" ]]; then
    (umask 077 && printf 'Authorization: Bearer %s\n' "$token" >"$work/auth-header")
    auth=(-H "@$work/auth-header")
  fi
  curl -sS -o "$work/body" -w '%{http_code}' -X "$1" "${api}$2" -H 'Content-Type: application/json' \
    -H 'X-Requested-With: dropslot' "${origin_header[@]}" "${browser_origin[@]}" "${auth[@]}" \
    ${3:+--data-binary @-} <<<"${3:-}" || echo 000
}

status=$(curl_json POST login "$(jq -cn --arg code "$code" '{code: $code}')")
[[ "$status" == 200 ]] || fail "POST login answered $status"
if [[ -n "$origin" ]]; then
  [[ "$(jq -r '.session_token // ""' "$work/body")" == "" ]] || fail "a browser's login (Origin) got its token in the body"
  grep -q dropslot_session "$work/cookies" 2>/dev/null || fail "a browser's login (Origin) got no session cookie"
else
  token=$(jq -r .session_token "$work/body")
  [[ -n "$token" && "$token" != null ]] || fail "no session_token from login"
fi

printf '\xff\xd8\xff' >"$work/photo.jpg"
status=$(curl_json POST upload-url "$(jq -cn --arg job "$job" '{job_id: $job, filename: "smoke.jpg", content_type: "image/jpeg", size: 3}')")
[[ "$status" == 200 ]] || fail "POST upload-url answered $status: $(jq -c .error "$work/body" 2>/dev/null)"
cp "$work/body" "$work/grant.json"
url=$(jq -r .url "$work/grant.json")
granted_key=$(jq -r .key "$work/grant.json")
[[ "$granted_key" =~ ^jobs/${job}/photo-[0-9]{3,}\.jpg$ ]] || fail "unexpected key $granted_key"
# The URL without its query (the signature stays out of the output).
base=${url%%\?*}
host_path=${base#*://}
host=${host_path%%/*}
path=/${host_path#*/}
if [[ "$host" == "$bucket".* && "$path" == "/$granted_key" ]]; then
  echo "smoke: URL is virtual-hosted on $host, key $granted_key"
elif [[ "$path" == "/$bucket/$granted_key" ]]; then
  echo "smoke: URL is path-style on $host, bucket $bucket, key $granted_key"
else
  fail "URL $base does not point at bucket $bucket and key $granted_key"
fi
[[ "$(jq -r .method "$work/grant.json")" == PUT ]] || fail "method is not PUT"

headers=()
while IFS= read -r h; do headers+=(-H "$h"); done < <(jq -r '.headers | to_entries[] | "\(.key): \(.value)"' "$work/grant.json")
key=$granted_key  # from here on, cleanup deletes it
status=$(curl -sS -o "$work/put" -w '%{http_code}' -X PUT "${headers[@]}" --data-binary @"$work/photo.jpg" "$url" || echo 000)
[[ "$status" == 200 ]] || fail "PUT to the presigned URL answered $status: $(head -c 300 "$work/put")"
echo "smoke: PUT $key -> 200"

status=$(curl_json GET "jobs/$job/photos")
[[ "$status" == 200 ]] || fail "GET jobs/$job/photos answered $status"
jq -e --arg key "$key" '.photos | map(.key) | index($key) != null' "$work/body" >/dev/null || fail "$key not in the photo list"
echo "smoke: photo listed"

# The listed GET URL, fetched at once as the dashboard's browser fetches it: a
# signature dated before the function's credentials existed, or one the bucket's
# policy refuses, fails here (the signature stays out of the output).
get_url=$(jq -r --arg key "$key" '.photos[] | select(.key == $key) | .url' "$work/body")
[[ -n "$get_url" && "$get_url" != null ]] || fail "no GET url for $key in the listing"
get_origin=()
[[ -n "$origin" ]] && get_origin=(-H "Origin: $origin")
status=$(curl -sS -o "$work/got" -D "$work/got-headers" -w '%{http_code}' "${get_origin[@]}" "$get_url" || echo 000)
[[ "$status" == 200 ]] || fail "GET of the listed URL answered $status: $(head -c 300 "$work/got")"
cmp -s "$work/got" "$work/photo.jpg" || fail "GET of the listed URL did not return the bytes put"
if [[ -n "$origin" ]]; then
  allowed=$(tr -d '\r' <"$work/got-headers" | sed -n 's/^[Aa]ccess-[Cc]ontrol-[Aa]llow-[Oo]rigin: *//p' | tail -n 1)
  [[ "$allowed" == "$origin" || "$allowed" == "*" ]] ||
    fail "the bucket's CORS does not allow the dashboard's origin $origin (Access-Control-Allow-Origin: ${allowed:-none})"
  echo "smoke: GET of the listed URL -> 200, allowed for $origin"
else
  echo "smoke: GET of the listed URL -> 200"
fi

if [[ -n "$staging_url" ]]; then
  status=$(curl -sS -o /dev/null -w '%{http_code}' "$staging_url" || echo 000)
  [[ "$status" == 200 ]] || fail "staged dashboard $staging_url answered $status"
  echo "smoke: staged dashboard answers 200"
fi
echo "smoke: OK"
