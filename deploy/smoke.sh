#!/usr/bin/env bash
# Smoke test of a deployed API (deploy.sh step 5), usable on its own too:
#
#   deploy/smoke.sh --api URL --bucket NAME --database-url URL [--dropslot PATH] [--staging-url URL]
#
# Creates a test customer and job with `dropslot admin` in the stack's database,
# logs in through the API with a one-time code, asks POST {api}upload-url for a
# 3-byte JPEG, and checks that the URL names the uploads bucket (virtual-hosted
# <bucket>.s3... or path-style /<bucket>/) and the key jobs/<job>/photo-NNN.jpg,
# then PUTs to it with exactly the returned headers (must be 200), and finds the
# photo in GET {api}jobs/<job>/photos. With --staging-url, also fetches the staged
# dashboard. Exits non-zero on the first failure. Secrets (login code, session
# token, the URL's signature) are never printed.
set -euo pipefail
api="" bucket="" database_url=${DROPSLOT_DATABASE_URL:-} staging_url=""
dropslot=${DROPSLOT_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/release/src/cli/dropslot}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --api) api="$2"; shift 2 ;;
    --bucket) bucket="$2"; shift 2 ;;
    --database-url) database_url="$2"; shift 2 ;;
    --dropslot) dropslot="$2"; shift 2 ;;
    --staging-url) staging_url="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "smoke: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n "$api" && -n "$bucket" && -n "$database_url" ]] || { echo "smoke: --api, --bucket and --database-url are required" >&2; exit 2; }
api="${api%/}/"
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

admin() { "$dropslot" admin "$@" --database "$database_url"; }
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
  [[ -n "${token:-}" ]] && auth=(-H "Authorization: Bearer $token")
  curl -sS -o "$work/body" -w '%{http_code}' -X "$1" "${api}$2" -H 'Content-Type: application/json' \
    -H 'X-Requested-With: dropslot' "${auth[@]}" ${3:+--data-binary "$3"}
}

status=$(curl_json POST login "$(jq -cn --arg code "$code" '{code: $code}')")
[[ "$status" == 200 ]] || fail "POST login answered $status"
token=$(jq -r .session_token "$work/body")
[[ -n "$token" && "$token" != null ]] || fail "no session_token from login"

printf '\xff\xd8\xff' >"$work/photo.jpg"
status=$(curl_json POST upload-url "$(jq -cn --arg job "$job" '{job_id: $job, filename: "smoke.jpg", content_type: "image/jpeg", size: 3}')")
[[ "$status" == 200 ]] || fail "POST upload-url answered $status: $(jq -c .error "$work/body" 2>/dev/null)"
cp "$work/body" "$work/grant.json"
url=$(jq -r .url "$work/grant.json")
key=$(jq -r .key "$work/grant.json")
[[ "$key" =~ ^jobs/${job}/photo-[0-9]{3,}\.jpg$ ]] || fail "unexpected key $key"
# The URL without its query (the signature stays out of the output).
base=${url%%\?*}
host_path=${base#*://}
host=${host_path%%/*}
path=/${host_path#*/}
if [[ "$host" == "$bucket".* && "$path" == "/$key" ]]; then
  echo "smoke: URL is virtual-hosted on $host, key $key"
elif [[ "$path" == "/$bucket/$key" ]]; then
  echo "smoke: URL is path-style on $host, bucket $bucket, key $key"
else
  fail "URL $base does not point at bucket $bucket and key $key"
fi
[[ "$(jq -r .method "$work/grant.json")" == PUT ]] || fail "method is not PUT"

headers=()
while IFS= read -r h; do headers+=(-H "$h"); done < <(jq -r '.headers | to_entries[] | "\(.key): \(.value)"' "$work/grant.json")
status=$(curl -sS -o "$work/put" -w '%{http_code}' -X PUT "${headers[@]}" --data-binary @"$work/photo.jpg" "$url")
[[ "$status" == 200 ]] || fail "PUT to the presigned URL answered $status: $(head -c 300 "$work/put")"
echo "smoke: PUT $key -> 200"

status=$(curl_json GET "jobs/$job/photos")
[[ "$status" == 200 ]] || fail "GET jobs/$job/photos answered $status"
jq -e --arg key "$key" '.photos | map(.key) | index($key) != null' "$work/body" >/dev/null || fail "$key not in the photo list"
echo "smoke: photo listed"

if [[ -n "$staging_url" ]]; then
  status=$(curl -sS -o /dev/null -w '%{http_code}' "$staging_url")
  [[ "$status" == 200 ]] || fail "staged dashboard $staging_url answered $status"
  echo "smoke: staged dashboard answers 200"
fi
admin sessions revoke --customer "$customer" >/dev/null || true
echo "smoke: OK"
