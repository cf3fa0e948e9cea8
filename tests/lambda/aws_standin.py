#!/usr/bin/python3
"""A recording stand-in for the `aws` CLI: it stands in for AWS itself, which the
tests cannot reach. deploy_standin_test.cpp puts it first on PATH (as `aws`) and
drives deploy/deploy.sh against it.

It answers the commands deploy.sh and smoke.sh use the way the AWS CLI v2 does
(output shapes, --query/--output, error messages and exit status 254/255), and
keeps a small model of the account in $AWS_STANDIN_DIR/state.json:
  - a CloudFormation stack: status, parameters, outputs (LiveApiDeployment as the
    template says), which API deployment each stage serves, and the API Gateway
    deployments created so far (one per distinct ApiDeployment<hash> logical id,
    as CloudFormation would create them); `deploy` with the same template and
    parameters changes nothing ("No changes to deploy"), and a stack in
    ROLLBACK_COMPLETE cannot be updated;
  - the Lambda function: $LATEST's code key, the published versions (PublishVersion
    returns the last version when the code has not changed, as Lambda does) and
    the aliases live and smoke;
  - Secrets Manager secrets, CloudFront invalidations (InProgress on the first
    poll, then Completed), and the S3 keys deleted;
  - what CloudFormation leaves behind when a first create fails (issue 20): the
    rollback deletes every resource except those whose DeletionPolicy is Retain,
    so a named one (TableName, FunctionName, ... spelled with ${AWS::StackName})
    outlives the failed stack, and the next create of a resource with that name
    fails with "already exists". RetainExceptOnCreate resources go with the
    rollback. Only resources without a Condition, or with UseDynamoDb on the
    DynamoDB path, are counted;
  - a `lambda get-alias` that fails (state "fail_get_alias": how many of the next
    calls answer TooManyRequestsException), an update with an empty LiveVersion
    pointing both aliases at the stack's first version (as the template's
    FunctionFirstVersion does), and API Gateway's account setting (state
    "apigateway_role").
Every call's argv is appended to $AWS_STANDIN_DIR/calls.jsonl. The test seeds
state.json (outputs, a secret, a stack left in ROLLBACK_COMPLETE) and reads both."""
import hashlib
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import yaml  # noqa: E402
from cfn_to_json import CfnLoader  # noqa: E402  (the template test's reader of !Ref, !Sub, ...)

DIR = os.environ["AWS_STANDIN_DIR"]
STATE = os.path.join(DIR, "state.json")


def load():
    try:
        with open(STATE, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def save(state):
    with open(STATE + ".tmp", "w", encoding="utf-8") as f:
        json.dump(state, f, indent=1, sort_keys=True)
    os.replace(STATE + ".tmp", STATE)


def fail(operation, code, message, status=254):
    sys.stderr.write(f"\nAn error occurred ({code}) when calling the {operation} operation: {message}\n")
    sys.exit(status)


def query(value, expr):
    """The subset of JMESPath deploy.sh uses: a.b, a[0].b, a[].b."""
    if not expr:
        return value
    for part in expr.split("."):
        m = re.fullmatch(r"(\w*)(\[(\d*)\])?", part)
        name, index = m.group(1), m.group(3)
        project = m.group(2) is not None and index == ""
        if isinstance(value, list) and name:
            value = [v.get(name) for v in value]
        elif name:
            value = value.get(name) if isinstance(value, dict) else None
        if m.group(2) is not None and index != "" and value is not None:
            value = value[int(index)] if int(index) < len(value) else None
        if project and value is None:
            value = None
    return value


def emit(value, opts):
    value = query(value, opts.get("--query"))
    if opts.get("--output") == "text":
        if isinstance(value, list):
            print("\t".join(str(v) for v in value))
        elif value is None:
            print("None")
        else:
            print(value)
    else:
        print(json.dumps(value, indent=4))


FLAGS = {"--no-fail-on-empty-changeset", "--no-progress", "--recursive", "--delete"}
LISTS = {"--parameter-overrides"}


def parse(argv):
    """Splits options (one value each; flags none; lists up to the next option) from
    the command words, wherever the global flags stand."""
    words, opts, i = [], {}, 0
    while i < len(argv):
        a = argv[i]
        if a in FLAGS:
            opts[a] = True
        elif a in LISTS:
            values = []
            while i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                values.append(argv[i + 1])
                i += 1
            opts[a] = values
        elif a.startswith("--"):
            opts[a] = argv[i + 1]
            i += 1
        else:
            words.append(a)
        i += 1
    return words, opts


def stack_outputs(state):
    stack = state.get("stack") or {}
    return [{"OutputKey": k, "OutputValue": v} for k, v in sorted(stack.get("outputs", {}).items())]


def named_resources(template, stack_name, params):
    """{physical name: (logical id, DeletionPolicy)} of the resources whose name the
    template spells from the stack's name alone (the ones a retry collides with)."""
    doc = yaml.load(template, Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
    out = {}
    for logical, r in (doc.get("Resources") or {}).items():
        cond = r.get("Condition")
        if cond and not (cond == "UseDynamoDb" and not params.get("DatabaseSecretArn")):
            continue
        for prop in ("TableName", "FunctionName", "LogGroupName", "BucketName"):
            name = (r.get("Properties") or {}).get(prop)
            if isinstance(name, dict) and isinstance(name.get("Fn::Sub"), str):
                text = name["Fn::Sub"]
                if re.fullmatch(r"[^$]*(\$\{AWS::StackName\}[^$]*)+", text):
                    out[text.replace("${AWS::StackName}", stack_name)] = (logical, r.get("DeletionPolicy", "Delete"))
    return out


def cloudformation(state, cmd, opts):
    name = opts.get("--stack-name")
    stack = state.get("stack")
    if cmd == "validate-template":
        if not str(opts.get("--template-body", "")).startswith("file://"):
            fail("ValidateTemplate", "ValidationError", "Template format error")
        emit({"Parameters": [], "Capabilities": ["CAPABILITY_IAM"]}, opts)
    elif cmd == "describe-stacks":
        if not stack or stack["name"] != name:
            fail("DescribeStacks", "ValidationError", f"Stack with id {name} does not exist")
        emit({"Stacks": [{"StackName": name, "StackStatus": stack["status"], "Outputs": stack_outputs(state)}]}, opts)
    elif cmd == "delete-stack":
        if stack and stack["name"] == name:
            state["stack"] = None
            state["function"] = None
            state.setdefault("deleted_stacks", []).append(name)
    elif cmd == "wait":
        pass
    elif cmd == "deploy":
        with open(opts["--template-file"], encoding="utf-8") as f:
            template = f.read()
        overrides = opts.get("--parameter-overrides", [])
        overrides = [overrides] if isinstance(overrides, str) else overrides
        params = dict(p.split("=", 1) for p in overrides)
        if opts.get("--capabilities") != "CAPABILITY_IAM":
            fail("CreateChangeSet", "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]", 255)
        if stack and stack["status"] == "ROLLBACK_COMPLETE":
            fail("CreateChangeSet", "ValidationError",
                 f"Stack:arn:aws:cloudformation:eu-west-1:123456789012:stack/{name}/x is in ROLLBACK_COMPLETE state and can not be updated.", 255)
        digest = hashlib.sha256((template + json.dumps(params, sort_keys=True)).encode()).hexdigest()
        if stack and stack["digest"] == digest:
            print(f"\nWaiting for changeset to be created..\n\nNo changes to deploy. Stack {name} is up to date")
            return
        names = named_resources(template, name, params)
        if not stack:
            taken = sorted(n for n in names if n in state.get("leftovers", {}))
            if taken:
                logical = names[taken[0]][0]
                state["stack"] = {"name": name, "status": "ROLLBACK_COMPLETE", "digest": "", "outputs": {},
                                  "api_deployments": [], "params": params}
                save(state)
                sys.stderr.write(f"\nFailed to create/update the stack. Resource handler returned message: "
                                 f"\"{taken[0]} already exists\" (resource {logical})\n")
                sys.exit(255)
        if state.get("fail_next_deploy"):
            state["fail_next_deploy"] = False
            if not stack:
                # The rollback of a failed create keeps what says Retain.
                for n, (logical, policy) in names.items():
                    if policy == "Retain":
                        state.setdefault("leftovers", {})[n] = logical
            state["stack"] = {"name": name, "status": "ROLLBACK_COMPLETE", "digest": "", "outputs": {},
                              "api_deployments": [], "params": params}
            save(state)
            sys.stderr.write(f"\nFailed to create/update the stack. Run the following command\n"
                             f"to fetch the list of events leading up to the failure\n"
                             f"aws cloudformation describe-stack-events --stack-name {name}\n")
            sys.exit(255)
        created = not stack
        doc = yaml.load(template, Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
        resources = doc["Resources"]
        deployments = [n for n, r in resources.items() if r["Type"] == "AWS::ApiGateway::Deployment"]
        stages = {resources[n]["Properties"]["StageName"]: resources[n]["Properties"]["DeploymentId"]["Ref"]
                  for n, r in resources.items() if r["Type"] == "AWS::ApiGateway::Stage"}
        if created:
            stack = {"name": name, "api_deployments": [], "outputs": dict(state.get("seed_outputs", {}))}
            state["function"] = {"code": params["CodeS3Key"], "versions": [{"version": "1", "code": params["CodeS3Key"]}],
                                 "aliases": {"live": {"version": "1", "description": ""},
                                             "smoke": {"version": "1", "description": ""}}}
        else:
            state["function"]["code"] = params["CodeS3Key"]
            # The template points both aliases at LiveVersion, or, when it is empty,
            # at FunctionFirstVersion: version 1.
            for alias in ("live", "smoke"):
                state["function"]["aliases"][alias]["version"] = params.get("LiveVersion") or "1"
        # A deployment is created once per logical id (kept ones are not created again).
        for deployment in deployments:
            if deployment not in stack["api_deployments"]:
                stack["api_deployments"].append(deployment)
        stack["stages"] = stages
        live_output = (doc.get("Outputs") or {}).get("LiveApiDeployment")
        if live_output:
            stack["outputs"]["LiveApiDeployment"] = live_output["Value"]
        stack.update(status="CREATE_COMPLETE" if created else "UPDATE_COMPLETE", digest=digest, params=params)
        state["stack"] = stack
        print(f"\nWaiting for changeset to be created..\nWaiting for stack create/update to complete\n"
              f"Successfully created/updated stack - {name}")
    else:
        fail(cmd, "InvalidCommand", f"the stand-in does not know cloudformation {cmd}", 252)


def lambda_(state, cmd, opts):
    fn = state.get("function")
    if not fn:
        fail(cmd, "ResourceNotFoundException", "Function not found", 254)
    if cmd == "get-alias":
        if state.get("fail_get_alias", 0) > 0:
            state["fail_get_alias"] -= 1
            save(state)
            fail("GetAlias", "TooManyRequestsException", "Rate exceeded")
        alias = fn["aliases"].get(opts["--name"])
        if not alias:
            fail("GetAlias", "ResourceNotFoundException", "Alias not found", 254)
        emit({"Name": opts["--name"], "FunctionVersion": alias["version"], "Description": alias["description"]}, opts)
    elif cmd == "publish-version":
        last = fn["versions"][-1]
        if last["code"] != fn["code"]:
            last = {"version": str(int(last["version"]) + 1), "code": fn["code"]}
            fn["versions"].append(last)
        emit({"Version": last["version"], "Description": opts.get("--description", "")}, opts)
    elif cmd == "update-alias":
        version = opts["--function-version"]
        if version not in [v["version"] for v in fn["versions"]]:
            fail("UpdateAlias", "ResourceNotFoundException", f"Function version {version} not found", 254)
        alias = fn["aliases"][opts["--name"]]
        alias["version"] = version
        if "--description" in opts:
            alias["description"] = opts["--description"]
        emit({"Name": opts["--name"], "FunctionVersion": version, "Description": alias["description"]}, opts)
    else:
        fail(cmd, "InvalidCommand", f"the stand-in does not know lambda {cmd}", 252)


def main():
    argv = sys.argv[1:]
    with open(os.path.join(DIR, "calls.jsonl"), "a", encoding="utf-8") as log:
        log.write(json.dumps(argv) + "\n")
    state = load()
    words, opts = parse(argv)
    service, cmd = (words + ["", ""])[:2]
    if service == "sts" and cmd == "get-caller-identity":
        if state.get("no_credentials"):
            sys.stderr.write("\nUnable to locate credentials. You can configure credentials by running \"aws configure\".\n")
            sys.exit(253)
        emit({"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/deployer"}, opts)
    elif service == "cloudformation":
        cloudformation(state, cmd, opts)
    elif service == "lambda":
        lambda_(state, cmd, opts)
    elif service == "apigateway" and cmd == "get-account":
        account = {"throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0}}
        if state.get("apigateway_role"):
            account["cloudwatchRoleArn"] = state["apigateway_role"]
        emit(account, opts)
    elif service == "secretsmanager" and cmd == "get-secret-value":
        secret = state.get("secrets", {}).get(opts["--secret-id"])
        if secret is None:
            fail("GetSecretValue", "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
        emit({"ARN": opts["--secret-id"], "SecretString": secret}, opts)
    elif service == "cloudfront" and cmd == "create-invalidation":
        invalidations = state.setdefault("invalidations", {})
        iid = f"I{len(invalidations) + 1:04d}"
        invalidations[iid] = {"paths": opts["--paths"], "polls": 0}
        emit({"Invalidation": {"Id": iid, "Status": "InProgress"}}, opts)
    elif service == "cloudfront" and cmd == "get-invalidation":
        inv = state["invalidations"][opts["--id"]]
        inv["polls"] += 1
        emit({"Invalidation": {"Id": opts["--id"], "Status": "Completed" if inv["polls"] > 1 else "InProgress"}}, opts)
    elif service == "s3api" and cmd == "list-objects-v2":
        emit({"Contents": [{"Key": k} for k in state.get("dashboard_keys", [])]}, opts)
    elif service == "s3api" and cmd == "delete-object":
        state.setdefault("deleted_objects", []).append(f"{opts['--bucket']}/{opts['--key']}")
    elif service in ("s3", "s3api"):
        state.setdefault("s3_calls", []).append(words[1:])
    else:
        sys.stderr.write(f"aws: the stand-in does not know {service} {cmd}\n")
        sys.exit(252)
    save(state)


if __name__ == "__main__":
    main()
