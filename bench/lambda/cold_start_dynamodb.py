#!/usr/bin/python3
"""Lambda cold start to the first answer, `dropslot lambda` on DynamoDB (dynalite)
beside the same binary on SQLite, in one round-robin run (issue 13).

Cold start and the emulator are cold_start.py's (docs/benchmarks/lambda.md): from
just before the process is spawned to the emulator receiving the answer to the first
POST /upload-url. The CPU figure is the function process's own (rusage, user +
system, up to its first answer): dynalite runs in another process (node), so its
work and the round trips' waiting are not in it. That is the budget of issue 13:
dropslot's own CPU to the first answer <= 10 ms, excluding the database.

  bench/lambda/cold_start_dynamodb.py --dropslot build/release/src/cli/dropslot [--runs 30] [--before OLD]

--before OLD adds another binary (an older build) on both databases to the same
round-robin, so before and after share the machine's load.

Needs node and dynalite (tests/node_modules: `cd tests && npm ci`).
"""
import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cold_start import Target, upload_url_event  # noqa: E402
from cold_start_common import aws_env, round_robin, setup_and_login, start_dynalite, start_emulator, stop  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dropslot", required=True)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--before", help="an older dropslot, run beside --dropslot in the same round-robin")
    args = ap.parse_args()

    dynalite, dynamo_endpoint = start_dynalite()
    emu, endpoint = start_emulator()
    work = tempfile.mkdtemp(prefix="dropslot-lambda-bench-")
    aws = aws_env(dynamo_endpoint)
    try:
        targets = []
        for name, db in (("sqlite", "sqlite://%s/dropslot.db" % work), ("dynamodb", "dynamodb://bench")):
            env, token, job = setup_and_login(args.dropslot, db, aws, emu, endpoint, work)
            for label, binary in [("", args.dropslot)] + ([("before: ", args.before)] if args.before else []):
                t = Target(label + "dropslot lambda on " + name, [binary, "lambda"], env)
                t.event = upload_url_event(token, job)
                targets.append(t)

        results = round_robin(targets, emu, args.runs)
        n = len(results) // 2
        s, d = results[0], results[n]
        if args.before:
            bs, bd = results[1], results[n + 1]
            print("before: SQLite %.2f ms (CPU %.2f ms), DynamoDB %.2f ms (CPU %.2f ms)" % (
                bs["cold_median_ms"], bs["cold_cpu_median_ms"], bd["cold_median_ms"], bd["cold_cpu_median_ms"]))
        print("cold start to the first answer, median of %d: SQLite %.2f ms (CPU %.2f ms), DynamoDB on dynalite "
              "%.2f ms (CPU %.2f ms, dropslot's own)" % (args.runs, s["cold_median_ms"], s["cold_cpu_median_ms"],
                                                          d["cold_median_ms"], d["cold_cpu_median_ms"]))
    finally:
        stop(emu, dynalite, work)


if __name__ == "__main__":
    main()
