#!/usr/bin/env bash
# `cmake --install` into a temporary prefix (issue 26): the layout, `dropslot --version`,
# the settings file kept across a reinstall, and the systemd unit as installed through
# `systemd-analyze verify` (clean) and `systemd-analyze security --offline=true` (an
# exposure of at most 2.0, "OK"). Neither needs a running systemd.
set -euo pipefail
build=${DROPSLOT_BUILD_DIR:?}
src=${DROPSLOT_SOURCE_DIR:?}
if ! command -v systemd-analyze >/dev/null; then
  echo "not run: systemd-analyze not found (scripts/setup --test installs systemd)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

prefix=$tmp/prefix
"${DROPSLOT_CMAKE:-cmake}" --install "$build" --prefix "$prefix" --component server >"$tmp/install.log"
for f in bin/dropslot share/dropslot/web/index.html share/dropslot/web/js share/doc/dropslot/README.md \
  share/doc/dropslot/operate.md lib/systemd/system/dropslot.service etc/dropslot/dropslot.env; do
  [[ -e $prefix/$f ]] || fail "cmake --install did not install $f"
done
unit=$prefix/lib/systemd/system/dropslot.service
grep -qxF "ExecStart=$prefix/bin/dropslot serve --data /var/lib/dropslot \$DROPSLOT_SERVE_FLAGS" "$unit" ||
  fail "the unit does not start the installed binary: $(grep ^ExecStart= "$unit")"
grep -qxF "EnvironmentFile=-$prefix/etc/dropslot/dropslot.env" "$unit" ||
  fail "the unit does not read the installed settings: $(grep ^EnvironmentFile= "$unit")"
echo "ok: layout under $prefix"

# --version: the version and the commit this checkout is at.
version=$("$prefix/bin/dropslot" --version)
[[ $version =~ ^dropslot\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ ([0-9a-f]{12}(-dirty)?|unknown)\)$ ]] ||
  fail "--version printed '$version'"
# A binary built from a clean checkout names its commit exactly (CI); one built with
# uncommitted changes says -dirty and matches no commit, whatever came after.
commit=${BASH_REMATCH[1]}
if [[ $commit != *-dirty ]] && head=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null); then
  [[ $commit == "$head" ]] || fail "--version names commit $commit, the checkout is at $head (rebuild?)"
fi
echo "ok: $version"

# A reinstall keeps the operator's settings.
echo "DROPSLOT_BUCKET=edited-by-operator" >>"$prefix/etc/dropslot/dropslot.env"
"${DROPSLOT_CMAKE:-cmake}" --install "$build" --prefix "$prefix" --component server >"$tmp/install2.log"
grep -q edited-by-operator "$prefix/etc/dropslot/dropslot.env" || fail "a reinstall overwrote dropslot.env"
echo "ok: a reinstall keeps dropslot.env"

# systemd-analyze verify: no output at all (every warning counts).
if ! out=$(systemd-analyze verify --man=no "$unit" 2>&1) || [[ -n $out ]]; then
  fail "systemd-analyze verify: $out"
fi
echo "ok: systemd-analyze verify is clean"

# systemd-analyze security --offline=true: the overall exposure, at most 2.0.
out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) || true
line=$(grep -a "Overall exposure level" <<<"$out") || fail "no exposure level in: $out"
score=$(sed -E 's/.*: ([0-9]+\.[0-9]+).*/\1/' <<<"$line")
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || { grep -a '✗' <<<"$out" >&2 || true; fail "exposure $score > 2.0: $line"; }
echo "ok: $line"
