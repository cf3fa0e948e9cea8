#!/usr/bin/env bash
# Run by test_deb.sh as root inside its own mount namespace (unshare -m): installs,
# upgrades, removes and purges the .deb with the real dpkg, in a copy-on-write view of
# this machine (overlayfs over /, its writes on a tmpfs), so the machine itself is never
# touched. Checks the service's user, the conffile across an upgrade, and that removing
# and purging leave the data folder and the user.
#   deb_lifecycle.sh DEB WORKDIR
set -euo pipefail
deb=$1
w=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
mount -t tmpfs tmpfs "$w"
mkdir "$w/upper" "$w/work" "$w/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$w/upper,workdir=$w/work" "$w/root"
mount --bind /dev "$w/root/dev"
mount -t proc proc "$w/root/proc"
cp "$deb" "$w/root/root/dropslot.deb"
in_root() { chroot "$w/root" /bin/sh -c "$1"; }

getent passwd dropslot >/dev/null && fail "this machine already has a dropslot user: the check would prove nothing"
in_root 'dpkg -i /root/dropslot.deb' >"$w/install.log" 2>&1 || { cat "$w/install.log" >&2; fail "dpkg -i"; }
shell=$(in_root 'getent passwd dropslot' | cut -d: -f7) || fail "postinst did not create the dropslot user"
[[ $shell == /usr/sbin/nologin ]] || fail "the dropslot user has the shell $shell"
in_root 'getent group dropslot >/dev/null' || fail "postinst did not create the dropslot group"
in_root 'test -x /usr/bin/dropslot && test -f /usr/share/dropslot/web/index.html && test -f /etc/dropslot/dropslot.env' ||
  fail "installed files missing"
echo "ok: dpkg -i: files in place, system user dropslot (nologin)"

# What the service makes at its first start (StateDirectory=), and the unprivileged user
# running the installed binary on it.
in_root 'install -d -o dropslot -g dropslot -m 0750 /var/lib/dropslot &&
  runuser -u dropslot -- /usr/bin/dropslot admin customer add --name Kept --email kept@example.com --data /var/lib/dropslot' \
  >/dev/null || fail "the dropslot user cannot run admin on /var/lib/dropslot"

# An upgrade (the same package again) keeps the operator's settings.
in_root 'echo "DROPSLOT_BUCKET=edited" >>/etc/dropslot/dropslot.env'
in_root 'dpkg -i /root/dropslot.deb' >"$w/upgrade.log" 2>&1 || { cat "$w/upgrade.log" >&2; fail "dpkg -i (upgrade)"; }
in_root 'grep -q DROPSLOT_BUCKET=edited /etc/dropslot/dropslot.env' || fail "an upgrade overwrote dropslot.env"
echo "ok: upgrade keeps the edited dropslot.env"

in_root 'dpkg -r dropslot' >"$w/remove.log" 2>&1 || { cat "$w/remove.log" >&2; fail "dpkg -r"; }
in_root 'test ! -e /usr/bin/dropslot && test ! -e /usr/share/dropslot && test ! -e /usr/lib/systemd/system/dropslot.service' ||
  fail "dpkg -r left program files"
in_root 'test -f /var/lib/dropslot/dropslot.db' || fail "dpkg -r removed the data folder"
in_root 'getent passwd dropslot >/dev/null' || fail "dpkg -r removed the user"
echo "ok: dpkg -r removes the program, keeps /var/lib/dropslot and the user"

in_root 'dpkg -P dropslot' >"$w/purge.log" 2>&1 || { cat "$w/purge.log" >&2; fail "dpkg -P"; }
in_root 'test ! -e /etc/dropslot/dropslot.env' || fail "dpkg -P left dropslot.env"
in_root 'test -f /var/lib/dropslot/dropslot.db' || fail "dpkg -P removed the data folder"
in_root '! dpkg -s dropslot >/dev/null 2>&1' || fail "dpkg still knows dropslot after a purge"
if grep -qi "warning" "$w"/*.log; then grep -i warning "$w"/*.log >&2; fail "dpkg warned"; fi
echo "ok: dpkg -P removes the settings, keeps /var/lib/dropslot and the user"
