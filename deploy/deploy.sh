#!/usr/bin/env bash
# Deploys dropslot to AWS, one step after the other, each safe to re-run:
#   1 validate    cfn-lint (offline), then aws cloudformation validate-template when
#                 AWS credentials are there
#   2 package     release build of `dropslot`, deploy/package -> dropslot-lambda.zip,
#                 uploaded under a content-addressed key (or --zip: a ready zip)
#   3 deploy      aws cloudformation deploy; a stack left in ROLLBACK_COMPLETE is
#                 reported (with --replace-failed: deleted and created again). The
#                 API deployment is renamed after a hash of the routes, so a route or
#                 integration change is a new API deployment; the live alias is kept
#                 where it is (LiveVersion). On an existing stack, a failed lookup of
#                 the live alias stops here (an empty LiveVersion would move live to
#                 the stack's first version). ApiAccessLogs is "true" when API
#                 Gateway's account CloudWatch role is set (deploy/apigateway-account.yaml)
#   4 publish     aws lambda publish-version; the "smoke" alias moves to it
#   5 stage       upload web/ to s3://<dashboard bucket>/staging/
#   6 smoke       deploy/smoke.sh against the smoke stage (the new version), with the
#                 origin header; it cleans up after itself. On failure the live alias
#                 stays where it was and the script exits 1
#   7 release     the "live" alias moves to the new version (the old one is recorded
#                 in the alias description, for --rollback)
#   8 verify      deploy/smoke.sh again, now as the dashboard's browser: through
#                 CloudFront (<dashboard>/api/, CloudFront adds the origin header),
#                 with the dashboard's Origin, fetching a listed GET URL. On failure
#                 the live alias moves back to the version it had and the script
#                 exits 1 (nothing promoted)
#   9 promote     copy staging/ to the bucket root (server-side), remove stale files
#  10 invalidate  CloudFront invalidation of /*, then a bounded wait for it
#
#   deploy/deploy.sh --stack NAME --artifact-bucket BUCKET [--region R]
#       [--database-secret-arn ARN] [--parameter Key=Value]... [--replace-failed]
#       [--dry-run] [--steps LIST] [--web DIR] [--binary PATH] [--zip PATH]
#       [--template PATH] [--invalidation-timeout SECONDS]
#       [--dashboard-bucket B --uploads-bucket B --api-url U --distribution-id D]
#       [--code-key KEY]
#   deploy/deploy.sh --stack NAME --rollback [--region R] [--dry-run]
#
# --rollback moves the live alias back to the version that was live before the
# last release. --dry-run prints every command (aws, build, smoke) and runs none.
# --steps runs a subset (comma-separated names from above); values that come from
# the stack outputs can then be given as flags. The default database is the
# stack's DynamoDB table; --database-secret-arn selects PostgreSQL (its URL in that
# Secrets Manager secret; for the smoke test, export DROPSLOT_DATABASE_URL where
# the database is reachable from here). No secret is ever printed or put on a
# command line. With AWS_ENDPOINT_URL_S3 set, the S3 steps go to that endpoint.
# docs/deploy.md walks through it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

stack=dropslot
region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
artifact_bucket=""
database_secret_arn=""
extra_params=()
dry_run=0 replace_failed=0 rollback=0
all_steps="validate,package,deploy,publish,stage,smoke,release,verify,promote,invalidate"
steps=$all_steps
web_dir="$root/web"
binary="$root/build/release/src/cli/dropslot"
zip=""
template="$here/template.yaml"
invalidation_timeout=900
poll_seconds=${DROPSLOT_DEPLOY_POLL_SECONDS:-10}
dashboard_bucket="" uploads_bucket="" api_url="" smoke_api_url="" distribution_id="" dashboard_url="" live_deployment=""
code_key="" function_name="" database_url="" origin_secret_arn=""
aws=${AWS_CLI:-aws}
cfn_lint=${CFN_LINT:-cfn-lint}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --stack) stack="$2"; shift 2 ;;
    --region) region="$2"; shift 2 ;;
    --artifact-bucket) artifact_bucket="$2"; shift 2 ;;
    --database-secret-arn) database_secret_arn="$2"; shift 2 ;;
    --database-url) echo "deploy: --database-url is gone: the URL goes in Secrets Manager (--database-secret-arn), or use the default DynamoDB table; see docs/deploy.md" >&2; exit 2 ;;
    --parameter) extra_params+=("$2"); shift 2 ;;
    --replace-failed) replace_failed=1; shift ;;
    --rollback) rollback=1; shift ;;
    --dry-run) dry_run=1; shift ;;
    --steps) steps="$2"; shift 2 ;;
    --web) web_dir="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    --zip) zip="$2"; shift 2 ;;
    --template) template="$2"; shift 2 ;;
    --invalidation-timeout) invalidation_timeout="$2"; shift 2 ;;
    --dashboard-bucket) dashboard_bucket="$2"; shift 2 ;;
    --uploads-bucket) uploads_bucket="$2"; shift 2 ;;
    --api-url) smoke_api_url="$2"; shift 2 ;;
    --distribution-id) distribution_id="$2"; shift 2 ;;
    --code-key) code_key="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "deploy: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

for s in ${steps//,/ }; do
  [[ ",$all_steps," == *",$s,"* ]] || { echo "deploy: unknown step $s" >&2; exit 2; }
done
want() { [[ ",$steps," == *",$1,"* ]]; }
for p in "${extra_params[@]}"; do
  case "${p%%=*}" in
    CodeS3Bucket|CodeS3Key|LiveVersion|DatabaseSecretArn) echo "deploy: $p is set by deploy.sh itself" >&2; exit 2 ;;
  esac
done
param_given() { local p; for p in "${extra_params[@]}"; do [[ "${p%%=*}" == "$1" ]] && return 0; done; return 1; }

aws_flags=()
[[ -n "$region" ]] && aws_flags+=(--region "$region")
s3_flags=("${aws_flags[@]}")
[[ -n "${AWS_ENDPOINT_URL_S3:-}" ]] && s3_flags+=(--endpoint-url "$AWS_ENDPOINT_URL_S3")

# Prints a command (shell-quoted) on fd 4 (stdout, so captures do not swallow it)
# and runs it unless --dry-run. No command line carries a secret: secrets travel
# in the environment or in files.
exec 4>&1
run() {
  local shown
  shown=$(printf '%q ' "$@")
  echo "+ ${shown% }" >&4
  [[ $dry_run == 1 ]] || "$@"
}
# Like run, for use in $(...): the command's stdout, or in a dry run the placeholder $1.
capture() {
  local placeholder="$1"; shift
  run "$@"
  if [[ $dry_run == 1 ]]; then echo "$placeholder"; fi
}
# Like capture, for a command whose output is a secret: the value goes to the
# caller's variable only, never to the output.
capture_secret() {
  local placeholder="$1"; shift
  local shown
  shown=$(printf '%q ' "$@")
  echo "+ ${shown% }  (value kept out of the output)" >&4
  if [[ $dry_run == 1 ]]; then echo "$placeholder"; else "$@"; fi
}
step() { echo "== $*" >&2; }
die() { echo "deploy: $*" >&2; exit 1; }
need() { # need VALUE NAME FLAG
  if [[ -z "$1" ]]; then echo "deploy: $2 is needed for step $current (give $3)" >&2; exit 2; fi
}

# The stack's outputs as {key: value}.
read_outputs() {
  local outputs
  outputs=$(capture '{"ApiUrl":"<ApiUrl>","SmokeApiUrl":"<SmokeApiUrl>","DashboardUrl":"<DashboardUrl>","UploadsBucketName":"<UploadsBucketName>","DashboardBucketName":"<DashboardBucketName>","DistributionId":"<DistributionId>","FunctionName":"<FunctionName>","DatabaseUrl":"<DatabaseUrl>","OriginSecretArn":"<OriginSecretArn>"}' \
    "$aws" "${aws_flags[@]}" cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs" --output json)
  # describe-stacks gives [{OutputKey, OutputValue}]; the dry-run placeholder is already a map.
  outputs=$(jq -c 'if type == "array" then map({(.OutputKey): .OutputValue}) | add else . end' <<<"$outputs")
  out() { jq -r --arg k "$1" '.[$k] // ""' <<<"$outputs"; }
  api_url=$(out ApiUrl)
  smoke_api_url=$(out SmokeApiUrl)
  dashboard_url=$(out DashboardUrl)
  uploads_bucket=$(out UploadsBucketName)
  dashboard_bucket=$(out DashboardBucketName)
  distribution_id=$(out DistributionId)
  function_name=$(out FunctionName)
  database_url=$(out DatabaseUrl)
  origin_secret_arn=$(out OriginSecretArn)
  live_deployment=$(out LiveApiDeployment)
}

# Writes the template CloudFormation gets to $rendered: the API deployment renamed
# ApiDeployment<routes_hash> (the smoke stage's, and the live stage's unless told
# otherwise), the "api" stage (lines marked live-stage) on ApiDeployment<$1>, and,
# when $1 is another hash, a copy of the deployment resource under that name, so the
# live routes' deployment stays while new routes are smoke-tested.
render_template() {
  local live=$1
  sed -e "/# live-stage/ s/ApiDeployment00000000/ApiDeployment$live/" \
      -e "s/ApiDeployment00000000/ApiDeployment$routes_hash/g" "$template" >"$rendered"
  if [[ "$live" != "$routes_hash" ]]; then
    awk -v keep="ApiDeployment$live" -v new="ApiDeployment$routes_hash" '
      { print }
      $0 == "  " new ":" { copying = 1; block = "  " keep ":\n"; next }
      copying && $0 == "" { printf "%s\n", block; copying = 0; next }
      copying { block = block $0 "\n" }' "$rendered" >"$rendered.tmp"
    mv "$rendered.tmp" "$rendered"
  fi
}

# aws cloudformation deploy of $rendered with params[].
deploy_stack() {
  run "$aws" "${aws_flags[@]}" cloudformation deploy --stack-name "$stack" --template-file "$rendered" \
    --s3-bucket "$artifact_bucket" --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
    --parameter-overrides "${params[@]}"
}

# params[] with LiveVersion=$1.
set_live_version_param() {
  local i
  for i in "${!params[@]}"; do
    if [[ "${params[$i]}" == LiveVersion=* ]]; then params[$i]="LiveVersion=$1"; fi
  done
}

# Sets `status` to the stack's status, or NONE when it does not exist.
read_stack_status() {
  if status=$("$aws" "${aws_flags[@]}" cloudformation describe-stacks --stack-name "$stack" \
      --query "Stacks[0].StackStatus" --output text 2>"$tmp/describe.err"); then
    return
  elif grep -q "does not exist" "$tmp/describe.err"; then
    status=NONE
  else
    cat "$tmp/describe.err" >&2
    die "cannot read the stack $stack"
  fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ------------------------------------------------------------------ rollback
if [[ $rollback == 1 ]]; then
  step "rollback: the live alias back to the previous version"
  read_outputs
  need "$function_name" "the function name (stack output)" --stack
  alias_json=$(capture '{"FunctionVersion":"<current>","Description":"dropslot: previous=<previous>"}' \
    "$aws" "${aws_flags[@]}" lambda get-alias --function-name "$function_name" --name live --output json)
  current=$(jq -r .FunctionVersion <<<"$alias_json")
  previous=$(jq -r '.Description // "" | capture("previous=(?<v>[0-9]+)").v // ""' <<<"$alias_json")
  [[ -n "$previous" ]] || die "the live alias (version $current) records no previous version: nothing to roll back to"
  run "$aws" "${aws_flags[@]}" lambda update-alias --function-name "$function_name" --name live \
    --function-version "$previous" --description "dropslot: previous=$current (rolled back)" >/dev/null
  echo "deploy: live is version $previous again (was $current); deploy/deploy.sh --rollback again returns to $current"
  exit 0
fi

current=validate
if want validate; then
  step "1/10 validate the template"
  command -v "$cfn_lint" >/dev/null || [[ $dry_run == 1 ]] || die "cfn-lint is not installed (docs/deploy.md, \"What you need\")"
  run "$cfn_lint" "$template"
  # validate-template needs credentials; without them the offline check is all there is.
  if [[ $dry_run == 1 ]] || "$aws" "${aws_flags[@]}" sts get-caller-identity >/dev/null 2>&1; then
    run "$aws" "${aws_flags[@]}" cloudformation validate-template --template-body "file://$template" >/dev/null
  else
    echo "deploy: no AWS credentials: skipped aws cloudformation validate-template" >&2
  fi
fi

current=package
if want package; then
  step "2/10 build and package"
  need "$artifact_bucket" "an artifact bucket" --artifact-bucket
  if [[ -z "$zip" ]]; then
    run cmake -S "$root" --preset release
    run cmake --build --preset release --target dropslot
    run "$here/package" --binary "$binary" --out "$root/build/lambda-package" >/dev/null
    zip="$root/build/lambda-package/dropslot-lambda.zip"
  fi
  if [[ $dry_run == 1 ]]; then
    code_key="dropslot-lambda-<sha256>.zip"
  else
    code_key="dropslot-lambda-$(sha256sum "$zip" | cut -c1-16).zip"
  fi
  # Content-addressed key: CloudFormation updates the function only when the key changes.
  run "$aws" "${s3_flags[@]}" s3 cp "$zip" "s3://$artifact_bucket/$code_key" --no-progress >/dev/null
fi

current=deploy
if want deploy; then
  step "3/10 deploy the stack"
  need "$artifact_bucket" "an artifact bucket" --artifact-bucket
  need "$code_key" "a package (step package)" "--steps package,deploy or --code-key"
  live_version=""
  status=NONE
  [[ $dry_run == 1 ]] || read_stack_status
  case "$status" in
    NONE) ;;
    ROLLBACK_COMPLETE)
      # A failed first create: CloudFormation can neither update nor re-create it.
      if [[ $replace_failed != 1 ]]; then
        die "stack $stack is in ROLLBACK_COMPLETE (its first create failed; see its events: aws cloudformation describe-stack-events --stack-name $stack). It holds no data but the retained table and uploads bucket, if any. Re-run with --replace-failed to delete it and create it again."
      fi
      echo "deploy: stack $stack is in ROLLBACK_COMPLETE: deleting it (--replace-failed)" >&2
      run "$aws" "${aws_flags[@]}" cloudformation delete-stack --stack-name "$stack"
      run "$aws" "${aws_flags[@]}" cloudformation wait stack-delete-complete --stack-name "$stack"
      ;;
    *_IN_PROGRESS) die "stack $stack is $status: wait for it to finish, then re-run" ;;
    *)
      # Keep the live alias where it is: only step 7 moves it. The stack exists, so
      # so does its live alias: a lookup that fails (throttling, a missing right, a
      # network error) stops the deploy. Going on with an empty LiveVersion would
      # point live at the stack's first version before any smoke test.
      read_outputs
      [[ -n "$function_name" ]] || die "stack $stack ($status) has no FunctionName output: cannot find the live version; nothing was changed"
      if ! live_version=$("$aws" "${aws_flags[@]}" lambda get-alias --function-name "$function_name" --name live \
          --query FunctionVersion --output text 2>"$tmp/alias.err"); then
        cat "$tmp/alias.err" >&2
        die "cannot read the live alias of $function_name; nothing was changed (re-run when the lookup works)"
      fi
      [[ "$live_version" =~ ^[0-9]+$ ]] || die "the live alias of $function_name names no version (\"$live_version\"); nothing was changed"
      ;;
  esac
  [[ $dry_run == 1 ]] && live_version="<live version>"
  # The API deployment's logical id carries a hash of every route and integration
  # (the text between the routes markers), so CloudFormation creates a new
  # deployment exactly when they change.
  routes_hash=$(sed -n '/# routes:begin/,/# routes:end/p' "$template" | sha256sum | cut -c1-8)
  rendered="$tmp/template.yaml"
  # The routes live now (the stack's output; none on a first deploy, or a stack
  # from before this output): when the routes change, the "api" stage keeps them
  # until the release, and only the smoke stage gets the new deployment.
  live_routes=${live_deployment#ApiDeployment}
  [[ "$live_routes" =~ ^[0-9a-f]{8}$ && "$status" != NONE && "$status" != ROLLBACK_COMPLETE ]] || live_routes=$routes_hash
  render_template "$live_routes"
  if [[ "$live_routes" != "$routes_hash" ]]; then
    echo "deploy: API deployment ApiDeployment$routes_hash (routes hash) on the smoke stage; the api stage keeps ApiDeployment$live_routes until the release" >&2
  else
    echo "deploy: API deployment ApiDeployment$routes_hash (routes hash)" >&2
  fi
  params=("CodeS3Bucket=$artifact_bucket" "CodeS3Key=$code_key" "LiveVersion=$live_version")
  # Stage access logs need API Gateway's account-wide CloudWatch role, which this
  # stack never sets (deploy/apigateway-account.yaml does, once per region).
  if ! param_given ApiAccessLogs; then
    role=$(capture '<role arn>' "$aws" "${aws_flags[@]}" apigateway get-account --query cloudwatchRoleArn --output text \
      2>/dev/null || true)
    if [[ "$role" == arn:* || $dry_run == 1 ]]; then
      params+=("ApiAccessLogs=true")
    else
      params+=("ApiAccessLogs=false")
      echo "deploy: API Gateway has no CloudWatch role in this region: the stages keep no access log (set it once with deploy/apigateway-account.yaml, docs/deploy.md)" >&2
    fi
  fi
  [[ -n "$database_secret_arn" ]] && params+=("DatabaseSecretArn=$database_secret_arn")
  params+=("${extra_params[@]}")
  deploy_stack
  read_outputs
fi

current=publish
if want publish; then
  step "4/10 publish a Lambda version; the smoke alias points at it"
  need "$function_name" "the function name (step deploy)" "--steps deploy,publish"
  new_version=$(capture '<new version>' "$aws" "${aws_flags[@]}" lambda publish-version --function-name "$function_name" \
    --description "dropslot $code_key" --query Version --output text)
  live_version=$(capture '<live version>' "$aws" "${aws_flags[@]}" lambda get-alias --function-name "$function_name" \
    --name live --query FunctionVersion --output text)
  run "$aws" "${aws_flags[@]}" lambda update-alias --function-name "$function_name" --name smoke \
    --function-version "$new_version" >/dev/null
  echo "deploy: version $new_version published (live: $live_version)" >&2
fi

current=stage
if want stage; then
  step "5/10 upload the dashboard to staging/"
  need "$dashboard_bucket" "the dashboard bucket" --dashboard-bucket
  run "$aws" "${s3_flags[@]}" s3 sync "$web_dir/" "s3://$dashboard_bucket/staging/" --delete --no-progress \
    --cache-control "no-cache"
fi

current=smoke
if want smoke; then
  step "6/10 smoke-test the new version (stage smoke)"
  need "$smoke_api_url" "the smoke stage URL" --api-url
  need "$uploads_bucket" "the uploads bucket" --uploads-bucket
  # The table's URL (dynamodb://...) is no secret and comes from the outputs; a
  # PostgreSQL URL does not (it is a secret): the caller exports it.
  smoke_db=${DROPSLOT_DATABASE_URL:-$database_url}
  [[ -n "$smoke_db" || $dry_run == 1 ]] || die "the smoke test needs the database: export DROPSLOT_DATABASE_URL (PostgreSQL path)"
  origin_secret=""
  if [[ -n "$origin_secret_arn" ]]; then
    origin_secret=$(capture_secret '<origin secret>' "$aws" "${aws_flags[@]}" secretsmanager get-secret-value \
      --secret-id "$origin_secret_arn" --query SecretString --output text)
  fi
  smoke=("$here/smoke.sh" --api "$smoke_api_url" --bucket "$uploads_bucket" --dropslot "$binary")
  if [[ -n "$dashboard_url" ]]; then smoke+=(--staging-url "${dashboard_url}staging/index.html"); fi
  if ! DROPSLOT_DATABASE_URL=$smoke_db DROPSLOT_ORIGIN_SECRET=$origin_secret AWS_CLI=$aws run "${smoke[@]}"; then
    echo "deploy: FAILED: the smoke test of version ${new_version:-?} failed; the live alias stays at version ${live_version:-?} and the dashboard was not promoted" >&2
    exit 1
  fi
fi

current=release
if want release; then
  step "7/10 the live alias moves to the new version"
  need "$function_name" "the function name (step deploy)" "--steps deploy,release"
  need "${new_version:-}" "a new version (step publish)" "--steps publish,release"
  if [[ "$new_version" == "$live_version" ]]; then
    echo "deploy: version $new_version is already live" >&2
  else
    run "$aws" "${aws_flags[@]}" lambda update-alias --function-name "$function_name" --name live \
      --function-version "$new_version" --description "dropslot: previous=$live_version" >/dev/null
    echo "deploy: live is version $new_version (was $live_version; deploy/deploy.sh --rollback returns to it)" >&2
  fi
  # New routes go live now: the "api" stage moves to their deployment (the old one
  # is kept until the next deploy, for the way back). LiveVersion is the new
  # version, so the update does not move the alias back.
  if [[ -n "${live_routes:-}" && "$live_routes" != "$routes_hash" ]]; then
    set_live_version_param "$new_version"
    render_template "$routes_hash"
    echo "deploy: the api stage moves to ApiDeployment$routes_hash (was ApiDeployment$live_routes)" >&2
    deploy_stack
  fi
fi

current=verify
if want verify; then
  step "8/10 verify through CloudFront, as the dashboard's browser"
  need "$dashboard_url" "the dashboard URL (stack output)" "--steps deploy,verify"
  need "$uploads_bucket" "the uploads bucket" --uploads-bucket
  smoke_db=${DROPSLOT_DATABASE_URL:-$database_url}
  # No origin secret: CloudFront adds the header itself, which is what is checked.
  verify=("$here/smoke.sh" --api "${dashboard_url%/}/api/" --bucket "$uploads_bucket" --dropslot "$binary"
          --origin "${dashboard_url%/}")
  if ! DROPSLOT_DATABASE_URL=$smoke_db DROPSLOT_ORIGIN_SECRET="" AWS_CLI=$aws run "${verify[@]}"; then
    if [[ -n "${live_routes:-}" && "$live_routes" != "$routes_hash" ]]; then
      # The routes back first (their deployment was kept), with live at the old version.
      set_live_version_param "${live_version:-}"
      render_template "$live_routes"
      echo "deploy: the api stage moves back to ApiDeployment$live_routes" >&2
      deploy_stack || echo "deploy: could not move the api stage back; re-run deploy.sh from the previous commit" >&2
    fi
    if [[ -n "${new_version:-}" && -n "${live_version:-}" && "$new_version" != "$live_version" ]]; then
      run "$aws" "${aws_flags[@]}" lambda update-alias --function-name "$function_name" --name live \
        --function-version "$live_version" --description "dropslot: previous=$new_version (failed verify)" >/dev/null
      echo "deploy: FAILED: version $new_version failed the check through CloudFront; live moved back to version $live_version and the dashboard was not promoted" >&2
    else
      echo "deploy: FAILED: the check through CloudFront failed (version ${new_version:-?}; there is no earlier version to move back to); the dashboard was not promoted" >&2
    fi
    exit 1
  fi
fi

current=promote
if want promote; then
  step "9/10 promote staging/ to the root"
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
  step "10/10 invalidate CloudFront /* and wait for it"
  need "$distribution_id" "the distribution id" --distribution-id
  invalidation=$(capture '<invalidation id>' "$aws" "${aws_flags[@]}" cloudfront create-invalidation \
    --distribution-id "$distribution_id" --paths "/*" --query Invalidation.Id --output text)
  # A bounded wait: CloudFront usually completes in under a minute or two.
  waited=0
  while :; do
    state=$(capture Completed "$aws" "${aws_flags[@]}" cloudfront get-invalidation --distribution-id "$distribution_id" \
      --id "$invalidation" --query Invalidation.Status --output text)
    [[ "$state" == Completed ]] && break
    if (( waited >= invalidation_timeout )); then
      die "the invalidation $invalidation is still $state after ${invalidation_timeout}s (the release itself is done; browsers get the new dashboard once it completes)"
    fi
    sleep "$poll_seconds"
    waited=$((waited + poll_seconds))
  done
  echo "deploy: invalidation $invalidation completed" >&2
fi

if [[ -n "$dashboard_url" ]]; then echo "dashboard: $dashboard_url"; fi
if [[ -n "$api_url" ]]; then echo "api: $api_url"; fi
