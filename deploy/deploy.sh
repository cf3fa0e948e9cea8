#!/usr/bin/env bash
# Deploys dropslot to AWS, in the seed's order:
#   1 validate    aws cloudformation validate-template
#   2 package     release build of `dropslot`, deploy/package -> dropslot-lambda.zip, upload it
#   3 deploy      aws cloudformation deploy (deploy/template.yaml), read the stack outputs
#   4 stage       upload web/ to s3://<dashboard bucket>/staging/
#   5 smoke       deploy/smoke.sh: a test customer gets an upload URL from the API;
#                 it must name the uploads bucket and a jobs/<job>/photo-NNN.jpg key,
#                 and a PUT to it must succeed
#   6 promote     copy staging/ to the bucket root (server-side), then remove stale root files
#   7 invalidate  CloudFront invalidation of /*
#
#   deploy/deploy.sh --stack NAME --artifact-bucket BUCKET --database-url URL [--region R]
#                    [--dry-run] [--steps LIST] [--web DIR] [--binary PATH]
#                    [--dashboard-bucket B --uploads-bucket B --api-url U --distribution-id D]
#                    [--code-key KEY]
#
# --dry-run prints every command (aws, build, smoke) without running any, the
# database URL masked. --steps runs a subset (comma-separated names from above);
# values that come from the stack outputs can then be given as flags. With
# AWS_ENDPOINT_URL_S3 set, the S3 steps go to that endpoint (passed as
# --endpoint-url: awscli before 2.13 ignores the variable); the tests run stage
# and promote against `dropslot s3` that way. docs/deploy.md walks through it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

stack=dropslot
region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
artifact_bucket=""
database_url=${DROPSLOT_DATABASE_URL:-}
dry_run=0
steps="validate,package,deploy,stage,smoke,promote,invalidate"
web_dir="$root/web"
binary="$root/build/release/src/cli/dropslot"
dashboard_bucket="" uploads_bucket="" api_url="" distribution_id="" dashboard_url="" code_key=""
aws=${AWS_CLI:-aws}

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --stack) stack="$2"; shift 2 ;;
    --region) region="$2"; shift 2 ;;
    --artifact-bucket) artifact_bucket="$2"; shift 2 ;;
    --database-url) database_url="$2"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    --steps) steps="$2"; shift 2 ;;
    --web) web_dir="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    --dashboard-bucket) dashboard_bucket="$2"; shift 2 ;;
    --uploads-bucket) uploads_bucket="$2"; shift 2 ;;
    --api-url) api_url="$2"; shift 2 ;;
    --distribution-id) distribution_id="$2"; shift 2 ;;
    --code-key) code_key="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "deploy: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

for s in ${steps//,/ }; do
  case "$s" in validate|package|deploy|stage|smoke|promote|invalidate) ;; *) echo "deploy: unknown step $s" >&2; exit 2 ;; esac
done
want() { [[ ",$steps," == *",$1,"* ]]; }

# The global flags every aws command gets; S3 ones also the custom endpoint.
aws_flags=()
[[ -n "$region" ]] && aws_flags+=(--region "$region")
s3_flags=("${aws_flags[@]}")
[[ -n "${AWS_ENDPOINT_URL_S3:-}" ]] && s3_flags+=(--endpoint-url "$AWS_ENDPOINT_URL_S3")

# Prints a command (shell-quoted, secrets masked) on stdout (fd 4, so captures
# do not swallow it) and runs it unless --dry-run.
exec 4>&1
run() {
  local shown
  shown=$(printf '%q ' "$@")
  if [[ -n "$database_url" ]]; then shown=${shown//"$(printf '%q' "$database_url")"/'***'}; shown=${shown//"$database_url"/'***'}; fi
  echo "+ ${shown% }" >&4
  [[ $dry_run == 1 ]] || "$@"
}
# Like run, for use in $(...): yields the command's stdout, or in a dry run the
# placeholder $1.
capture() {
  local placeholder="$1"; shift
  run "$@"
  if [[ $dry_run == 1 ]]; then echo "$placeholder"; fi
}
step() { echo "== $*" >&2; }

need() { # need VALUE NAME FLAG
  if [[ -z "$1" ]]; then echo "deploy: $2 is needed for step $current (give $3)" >&2; exit 2; fi
}

current=validate
if want validate; then
  step "1/7 validate the template"
  run "$aws" "${aws_flags[@]}" cloudformation validate-template --template-body "file://$here/template.yaml"
fi

current=package
if want package; then
  step "2/7 build and package"
  need "$artifact_bucket" "an artifact bucket" --artifact-bucket
  run cmake -S "$root" --preset release
  run cmake --build --preset release --target dropslot
  run "$here/package" --binary "$binary" --out "$root/build/lambda-package"
  zip="$root/build/lambda-package/dropslot-lambda.zip"
  if [[ $dry_run == 1 ]]; then
    code_key="dropslot-lambda-<sha256>.zip"
  else
    code_key="dropslot-lambda-$(sha256sum "$zip" | cut -c1-16).zip"
  fi
  # Content-addressed key: CloudFormation updates the function only when the key changes.
  run "$aws" "${s3_flags[@]}" s3 cp "$zip" "s3://$artifact_bucket/$code_key"
fi

current=deploy
if want deploy; then
  step "3/7 deploy the stack"
  need "$artifact_bucket" "an artifact bucket" --artifact-bucket
  need "$code_key" "a package (step package)" "--steps package,deploy or --code-key"
  need "$database_url" "the database URL" "--database-url or DROPSLOT_DATABASE_URL"
  run "$aws" "${aws_flags[@]}" cloudformation deploy --stack-name "$stack" --template-file "$here/template.yaml" \
    --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
    --parameter-overrides "CodeS3Bucket=$artifact_bucket" "CodeS3Key=$code_key" "DatabaseUrl=$database_url"
  outputs=$(capture '{"ApiUrl":"<ApiUrl>","DashboardUrl":"<DashboardUrl>","UploadsBucketName":"<UploadsBucketName>","DashboardBucketName":"<DashboardBucketName>","DistributionId":"<DistributionId>"}' \
    "$aws" "${aws_flags[@]}" cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs" --output json)
  # describe-stacks gives [{OutputKey, OutputValue}]; the dry-run placeholder is already a map.
  outputs=$(jq -c 'if type == "array" then map({(.OutputKey): .OutputValue}) | add else . end' <<<"$outputs")
  api_url=$(jq -r .ApiUrl <<<"$outputs")
  dashboard_url=$(jq -r .DashboardUrl <<<"$outputs")
  uploads_bucket=$(jq -r .UploadsBucketName <<<"$outputs")
  dashboard_bucket=$(jq -r .DashboardBucketName <<<"$outputs")
  distribution_id=$(jq -r .DistributionId <<<"$outputs")
fi

current=stage
if want stage; then
  step "4/7 upload the dashboard to staging/"
  need "$dashboard_bucket" "the dashboard bucket" --dashboard-bucket
  run "$aws" "${s3_flags[@]}" s3 sync "$web_dir/" "s3://$dashboard_bucket/staging/" --delete --no-progress \
    --cache-control "no-cache"
fi

current=smoke
if want smoke; then
  step "5/7 smoke-test POST /upload-url"
  need "$api_url" "the API URL" --api-url
  need "$uploads_bucket" "the uploads bucket" --uploads-bucket
  need "$database_url" "the database URL (to create the test customer)" --database-url
  smoke=("$here/smoke.sh" --api "$api_url" --bucket "$uploads_bucket" --database-url "$database_url" --dropslot "$binary")
  if [[ -n "$dashboard_url" ]]; then smoke+=(--staging-url "${dashboard_url}staging/index.html"); fi
  run "${smoke[@]}"
fi

current=promote
if want promote; then
  step "6/7 promote staging/ to the root"
  need "$dashboard_bucket" "the dashboard bucket" --dashboard-bucket
  # Server-side copies (CopyObject) of every staged file to the root, then the
  # root files the new build no longer has are removed (never staging/ itself).
  # Not `s3 sync --delete --exclude staging/*`: awscli applies that exclude to the
  # source side too, where every key is under staging/, and copies nothing.
  run "$aws" "${s3_flags[@]}" s3 cp "s3://$dashboard_bucket/staging/" "s3://$dashboard_bucket/" --recursive --no-progress
  keys=$(capture '[]' "$aws" "${s3_flags[@]}" s3api list-objects-v2 --bucket "$dashboard_bucket" \
    --query "Contents[].Key" --output json)
  stale=$(jq -r '(. // []) as $all
    | ($all | map(select(startswith("staging/")) | ltrimstr("staging/"))) as $staged
    | $all[] | select((startswith("staging/") | not) and (. as $k | $staged | index($k) | not))' <<<"$keys")
  while IFS= read -r key; do
    [[ -n "$key" ]] && run "$aws" "${s3_flags[@]}" s3 rm "s3://$dashboard_bucket/$key"
  done <<<"$stale"
fi

current=invalidate
if want invalidate; then
  step "7/7 invalidate CloudFront /*"
  need "$distribution_id" "the distribution id" --distribution-id
  run "$aws" "${aws_flags[@]}" cloudfront create-invalidation --distribution-id "$distribution_id" --paths "/*"
fi

if [[ -n "$dashboard_url" ]]; then echo "dashboard: $dashboard_url"; fi
if [[ -n "$api_url" ]]; then echo "api: $api_url"; fi
