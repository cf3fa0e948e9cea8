#!/usr/bin/env bash
# The .deb (issue 26): cpack -G DEB from the already built tree (no rebuild:
# CMAKE_SKIP_INSTALL_ALL_DEPENDENCY), its control fields and contents, then
# `dpkg-deb -x` into a temporary root, `serve` started from an unrelated working folder,
# and the dashboard with an upload in Chromium (deb.test.mjs).
set -euo pipefail
build=${DROPSLOT_BUILD_DIR:?}
src=${DROPSLOT_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$tmp" && "${DROPSLOT_CPACK:-cpack}" -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB"; }
deb=$(ls "$tmp"/out/dropslot_*.deb)
echo "ok: $(basename "$deb") ($(stat -c %s "$deb") bytes)"

field() { dpkg-deb -f "$deb" "$1"; }
# The package names of a Depends/Recommends field, one a line (versions dropped).
names() { tr ',' '\n' <<<"$1" | sed -E 's/^ *//; s/ .*//'; }
has() { names "$1" | grep -qxF "$2"; }
depends=$(field Depends)
recommends=$(field Recommends)
# Linked libraries (dpkg-shlibdeps) and the postinst's adduser are Depends.
for p in libc6 libstdc++6 libssl3 libsqlite3-0 adduser; do
  has "$depends" "$p" || fail "Depends lacks $p: $depends"
done
# libpq is opened only for a postgres:// database (dlopen): Recommends, never Depends.
has "$recommends" libpq5 || fail "Recommends lacks libpq5: $recommends"
! grep -q libpq <<<"$depends" || fail "libpq in Depends: $depends"
# libcurl is dlopen'ed too, but serve needs it on every start (docs/operate.md, the package).
has "$depends" libcurl4 || fail "Depends lacks libcurl4: $depends"
echo "ok: Depends: $depends"
echo "ok: Recommends: $recommends"

dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$tmp/contents"
for f in /usr/bin/dropslot /usr/share/dropslot/web/index.html /usr/share/doc/dropslot/operate.md \
  /usr/lib/systemd/system/dropslot.service /etc/dropslot/dropslot.env; do
  grep -qxF "$f" "$tmp/contents" || fail "the package lacks $f"
done
! grep -q '^/var/' "$tmp/contents" || fail "the package ships files under /var (the data folder is the service's)"
dpkg-deb -e "$deb" "$tmp/control"
grep -qxF /etc/dropslot/dropslot.env "$tmp/control/conffiles" || fail "dropslot.env is not a conffile"
for s in postinst prerm postrm; do
  [[ -x $tmp/control/$s ]] || fail "no $s"
  sh -n "$tmp/control/$s" || fail "$s does not parse"
done
# Removal leaves the data folder and the user: no maintainer script deletes either.
! grep -nE 'rm .*(/var/lib/dropslot|-r)|deluser|userdel' "$tmp/control/postrm" "$tmp/control/prerm" ||
  fail "a maintainer script removes data or the user"
grep -q 'ExecStart=/usr/bin/dropslot serve' <(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/lib/systemd/system/dropslot.service) ||
  fail "the packaged unit does not start /usr/bin/dropslot"
echo "ok: contents, conffiles, maintainer scripts"

# Install, upgrade, remove and purge with the real dpkg, in a copy-on-write view of this
# machine inside a private mount namespace (root, overlayfs): deb_lifecycle.sh.
if [[ $EUID -eq 0 ]] && unshare -m true 2>/dev/null && grep -qw overlay /proc/filesystems; then
  mkdir "$tmp/lifecycle"
  timeout 120 unshare -m bash "$src/tests/install/deb_lifecycle.sh" "$deb" "$tmp/lifecycle"
else
  echo "note: not root, or no unshare/overlayfs: dpkg -i/-r/-P not exercised"
fi

root=$tmp/root
dpkg-deb -x "$deb" "$root"
"$root/usr/bin/dropslot" --version

# Depends and Recommends as the packaged binary behaves, each library hidden in a private
# mount namespace (root only): without libpq5 SQLite works and postgres:// says what is
# missing; without libcurl4 serve cannot start.
if [[ $EUID -eq 0 ]] && unshare -m true 2>/dev/null; then
  without() {  # without SONAME CMD...: CMD's output with SONAME replaced by an empty file
    local so=$1 path
    shift
    path=$(ldconfig -p | awk -v n="$so" '$1 == n { print $NF; exit }')
    [[ -n $path ]] || fail "$so not found by ldconfig"
    # shellcheck disable=SC2016 # $0 and $@ are the inner shell's
    timeout 60 unshare -m sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$path" "$@" 2>&1 || true
  }
  out=$(without libpq.so.5 "$root/usr/bin/dropslot" admin customer list --data "$tmp/nopq")
  [[ -z $out ]] || fail "without libpq, SQLite failed: $out"
  out=$(without libpq.so.5 "$root/usr/bin/dropslot" admin migrate --database postgres://127.0.0.1:1/none)
  grep -q "PostgreSQL needs libpq" <<<"$out" || fail "without libpq, postgres:// said: $out"
  out=$(without libcurl.so.4 "$root/usr/bin/dropslot" serve --data "$tmp/nocurl" --listen 127.0.0.1:0 --s3-listen 127.0.0.1:0)
  grep -q "did not accept the bucket setup" <<<"$out" || fail "without libcurl, serve said: $out"
  echo "ok: libpq5 is optional (Recommends), libcurl4 is needed by serve (Depends)"
else
  echo "note: not root or no unshare: the libraries' roles were not checked by hiding them"
fi
# An unrelated working folder, with no web/ anywhere above it or above the binary.
mkdir -p "$tmp/elsewhere"
cd "$tmp/elsewhere"
DROPSLOT_BIN=$root/usr/bin/dropslot DROPSLOT_EXPECT_WEB=$root/usr/share/dropslot/web \
  "${DROPSLOT_NODE:-node}" --test --test-reporter=spec "$src/tests/install/deb.test.mjs"
