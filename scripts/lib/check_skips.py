#!/usr/bin/env python3
"""Fails when a test was skipped that tests/skip-allowlist.txt does not allow.

    check_skips.py ALLOWLIST JUNIT.xml [JUNIT.xml ...]   judge the skips of ctest runs
    check_skips.py ALLOWLIST --print                     print the allowlist

Reads the JUnit files `ctest --output-junit` writes (a skipped test is a <testcase>
with a <skipped> child: GTEST_SKIP, SKIP_RETURN_CODE, SKIP_REGULAR_EXPRESSION). Under
CI=true any skip that no allowlist line matches is an error (exit 1); elsewhere it is a
warning, since a developer's machine may lack PostgreSQL, root or Chromium."""
import os
import re
import sys
import xml.etree.ElementTree as ET


def read_allowlist(path):
    rules = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            pattern, sep, reason = line.partition("|")
            if not sep or not reason.strip():
                sys.exit(f"{path}:{n}: every line is '<test name regex> | <reason>'")
            rules.append((re.compile(pattern.strip()), reason.strip()))
    return rules


def skipped_tests(junit):
    out = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        skipped = case.find("skipped")
        if skipped is None:
            continue
        text = case.findtext("system-out") or ""
        # The first line that says why: gtest's "Skipped" message, unittest's "skipped '...'",
        # or the line a skipped-by-registration test prints.
        why = ""
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.rstrip().endswith(": Skipped") and i + 1 < len(lines):
                why = lines[i + 1].strip()
                break
            m = re.search(r"skipped '(.*)'", line) or re.search(r"^not run: (.*)", line)
            if m:
                why = m.group(1)
                break
        out.append((case.get("name"), why or skipped.get("message", "")))
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rules = read_allowlist(sys.argv[1])
    if sys.argv[2] == "--print":
        print("test: skips allowed under CI (tests/skip-allowlist.txt):")
        for pattern, reason in rules:
            print(f"  {pattern.pattern}: {reason}")
        return 0
    ci = os.environ.get("CI") == "true"
    bad = []
    for junit in sys.argv[2:]:
        if not os.path.exists(junit):
            sys.exit(f"check_skips: {junit} is missing (did ctest run with --output-junit?)")
        for name, why in skipped_tests(junit):
            allowed = next((reason for pattern, reason in rules if pattern.fullmatch(name)), None)
            if allowed:
                print(f"test: skipped {name} (allowed: {allowed})")
            else:
                bad.append((name, why))
    for name, why in bad:
        print(f"test: {'error' if ci else 'warning'}: {name} was skipped: {why or 'no reason given'}", file=sys.stderr)
    if bad and ci:
        print(f"test: {len(bad)} skipped tests are not in tests/skip-allowlist.txt; under CI a skip is a failure",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
