#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test_deb.sh - the Debian packages freeradius-mipkey and mipkey-client, built from a
# clean copy of the repository as README.md's "Installing the Debian package" says, then used
# by Debian's freeradius without installing them:
#   1. README's build steps (between <!-- deb-build-steps --> markers), word for word, in a clean
#      copy of the tracked files; dpkg-buildpackage runs in a network namespace without any
#      interface but lo (the build needs no network). The source package (orig + the freeradius
#      component + debian/) is built and unpacked again and must give the same tree.
#   2. lintian: nothing but the overrides README.md lists and two I/P tags.
#   3. The packages: exact file lists with modes and owners, conffiles, Depends on exactly the
#      freeradius version built against, postinst, hardening flags, no build path in binaries,
#      rlm_mipkey(5) and the shipped mods-available/mipkey checked by tests/check-man-options
#      (and that check shown to fail on a drift).
#   4. dpkg-deb -x into a throw-away root (never dpkg -i). In a private mount namespace that root
#      is laid over /usr/lib/freeradius and /usr/bin (read-only overlays), its /etc files are
#      copied into a copy of Debian's stock /etc/freeradius/3.0 bound over the real one, and the
#      package's postinst runs there (invoke-rc.d replaced by a recorder: no service is touched).
#   5. Then the autopkgtest, debian/tests/integration, as on a testbed where the packages are
#      really installed ("--installed"): in a further mount namespace with its own copy of
#      /etc/freeradius/3.0 and a tmpfs on /var/log/freeradius, README's enable steps (between
#      <!-- deb-enable-steps --> markers, without the apt and systemctl lines), freeradius -XC,
#      and the servers-and-clients stage of tests/test_install.sh (slapd on 389 and freeradius -f
#      in a private network + PID namespace whose only interface is lo; radclient MS-CHAPv2 with
#      values from tests/lib/mschap_ref.py, eapol_test PEAP and TTLS, mipkey-client, a HUP).
#   6. The host's /etc/freeradius, /usr/lib/freeradius, /usr/bin/mipkey-client, /usr/local,
#      /var/log/freeradius are unchanged and no process of the test is left.
# Opens no port on the host. Prints PASS/FAIL and TIME lines. Needs root, unshare, overlayfs.
#   tests/test_deb.sh               all of the above (tests/run)
#   tests/test_deb.sh --installed   only 5, against the installed packages (autopkgtest; its work
#                                   directory is $AUTOPKGTEST_TMP/installed when that is set)
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
# shellcheck source=lib/check.sh
source tests/lib/check.sh

RADDB=/etc/freeradius/3.0
SELF=$REPO/tests/test_deb.sh
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
yesno() { if "$@"; then echo yes; else echo no; fi; }

# readme_block NAME: README.md's lines between <!-- NAME --> and <!-- /NAME -->, unindented.
readme_block() {
	awk -v a="<!-- $1 -->" -v b="<!-- /$1 -->" '$0 == a { on = 1; next } $0 == b { on = 0 } on' "$REPO/README.md" |
		sed -e 's/^    //' -e '/^[[:space:]]*$/d'
}

# ---------------------------------------------------------------------------------------------
# --installed-ns WORK: in a private mount namespace, the packages installed (really, or laid
# over by --deb-ns): README's enable steps, freeradius -XC, then servers and clients.
# ---------------------------------------------------------------------------------------------
installed_ns() {
	local work=$1 steps="$1/enable-steps"
	cp -a "$RADDB" "$work/raddb" && mount --bind "$work/raddb" "$RADDB" ||
		{ fail "private copy of $RADDB" "bind mount failed"; return 1; }
	mount -t tmpfs -o mode=0755,uid="$(id -u freerad)",gid="$(id -g freerad)" tmpfs /var/log/freeradius ||
		{ fail "tmpfs over /var/log/freeradius" "mount failed"; return 1; }

	readme_block deb-enable-steps >"$steps.all"
	if ! head -n 1 "$steps.all" | grep -q '^apt install .*freeradius-mipkey_.*\.deb .*mipkey-client_.*\.deb$' ||
	   [ "$(tail -n 1 "$steps.all")" != "systemctl restart freeradius" ]; then
		fail "README deb-enable-steps" "not apt install ... first and systemctl restart freeradius last"; return 1
	fi
	sed -e '1d' -e '$d' "$steps.all" >"$steps"
	(cd "$RADDB" && bash -e -x "$steps") >"$work/enable.log" 2>&1
	check "README enable steps ($(wc -l <"$steps") lines, ln -s ... freeradius -XC) ran without error" 0 "$?"
	check "mods-enabled/mipkey is a link to the package's conffile" ../mods-available/mipkey \
		"$(readlink "$RADDB/mods-enabled/mipkey")"
	sed -n '/^+ freeradius -XC/,$p' "$work/enable.log" >"$work/xc.log"
	check "freeradius -XC: Configuration appears to be OK" "Configuration appears to be OK" \
		"$(grep -o 'Configuration appears to be OK' "$work/xc.log")"
	check "freeradius -XC: no ERROR line" "" "$(grep -E '(^|: )ERROR' "$work/xc.log" | head -3)"
	check "freeradius -XC: no WARNING line" "" "$(grep -E '(^|: )WARN' "$work/xc.log" | head -3)"
	check "freeradius -XC: rlm_mipkey loaded from /usr/lib/freeradius" yes \
		"$(yesno grep -q 'Loaded module rlm_mipkey' "$work/xc.log")"
	[ "$FAILED" -eq 0 ] || { tail -30 "$work/enable.log"; return 1; }

	# The servers and clients of tests/test_install.sh (also the autopkgtest's), in a private
	# network + PID namespace; the package's mipkey-client is /usr/bin/mipkey-client.
	unshare --net --pid --fork --mount-proc -- env PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		MIPKEY_CLIENT_PATH=/usr/bin/mipkey-client "$REPO/tests/test_install.sh" --servers "$work" ||
		FAILED=$((FAILED + 1))
	[ "$FAILED" -eq 0 ]
}

# --installed [WORK]: the preconditions, then installed_ns in a private mount namespace.
installed() {
	local work=${1:-} own=0 f left
	[ "$(id -u)" -eq 0 ] || { fail "test_deb --installed" "needs root (mount and network namespaces)"; return 1; }
	for c in unshare ip ss freeradius radclient eapol_test slapd; do
		command -v "$c" >/dev/null || { fail "test_deb --installed" "$c not found"; return 1; }
	done
	for f in /usr/lib/freeradius/rlm_mipkey.so /usr/bin/mipkey-client "$RADDB/dictionary.mipkey" \
		"$RADDB/sites-available/mipkey" "$RADDB/sites-available/mipkey-inner-tunnel" "$RADDB/mods-available/mipkey_eap"; do
		[ -f "$f" ] || fail "installed: $f" "missing"
	done
	check "installed: mods-available/mipkey root:freerad 0640 (the bind password)" "root:freerad 640" \
		"$(stat -c '%U:%G %a' "$RADDB/mods-available/mipkey" 2>&1)"
	[ "$FAILED" -eq 0 ] || return 1
	if [ -z "$work" ]; then
		work=$(mktemp -d /tmp/mipkey-deb-installed.XXXXXX) own=1
	else
		mkdir -p "$work"
	fi
	unshare --mount --propagation private -- "$SELF" --installed-ns "$work" || FAILED=$((FAILED + 1))
	left=""
	for f in /proc/[0-9]*/cmdline; do
		[[ $(tr '\0' ' ' 2>/dev/null <"$f") == *"$work"* ]] && left="$left ${f#/proc/}"
	done
	check "installed: no process of the test left" "" "$left"
	if [ "$own" = 1 ]; then
		if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
	fi
	[ "$FAILED" -eq 0 ]
}

# ---------------------------------------------------------------------------------------------
# --deb-ns WORK: in a private mount namespace, the unpacked packages laid over the system as
# dpkg would have installed them; their postinst; then --installed.
# ---------------------------------------------------------------------------------------------
deb_ns() {
	local work=$1 root=$1/root d out
	cp -a "$RADDB" "$work/raddb-stock" &&
		cp -a "$root/etc/freeradius/3.0/." "$work/raddb-stock/" &&
		mount --bind "$work/raddb-stock" "$RADDB" ||
		{ fail "stock $RADDB copy with the package's files" "copy or bind mount failed"; return 1; }
	for d in /usr/lib/freeradius /usr/bin; do
		mount -t overlay overlay -o "lowerdir=$root$d:$d" "$d" ||
			{ fail "the package's $d over the system's" "overlay mount failed"; return 1; }
	done
	pass "dpkg-deb -x root laid over /usr/lib/freeradius, /usr/bin and a copy of the stock $RADDB"

	# The postinst as dpkg runs it after unpacking; invoke-rc.d only records its arguments.
	mkdir -p "$work/stub"
	printf '#!/bin/sh\necho "$*" >>%s\n' "$work/invoke-rc.d.calls" >"$work/stub/invoke-rc.d"
	chmod +x "$work/stub/invoke-rc.d"
	out=$(PATH="$work/stub:$PATH" sh -e "$work/control/postinst" configure "" 2>&1)
	check "postinst configure: exit status 0" "0 " "$? $out"
	check "postinst: invoke-rc.d freeradius force-reload" "freeradius force-reload" \
		"$(cat "$work/invoke-rc.d.calls" 2>&1)"
	check "postinst: mods-available/mipkey root:freerad 0640, the other files root:root 0644" \
		"root:freerad 640|root:root 644|root:root 644|root:root 644|root:root 644" \
		"$(for f in mods-available/mipkey mods-available/mipkey_eap sites-available/mipkey sites-available/mipkey-inner-tunnel dictionary.mipkey; do
			stat -c '%U:%G %a' "$RADDB/$f"; done | paste -sd '|')"
	check "nothing enabled by the package" "" "$(find "$RADDB/mods-enabled" "$RADDB/sites-enabled" -name '*mipkey*')"
	[ "$FAILED" -eq 0 ] || return 1
	# The autopkgtest itself, with the directory autopkgtest would give it.
	mkdir -p "$work/autopkgtest-tmp"
	(cd "$REPO" && AUTOPKGTEST_TMP="$work/autopkgtest-tmp" debian/tests/integration)
}

case "${1:-}" in
--installed) installed "${2:-${AUTOPKGTEST_TMP:+$AUTOPKGTEST_TMP/installed}}"; exit ;;
--installed-ns) installed_ns "$2"; exit ;;
--deb-ns) deb_ns "$2"; exit ;;
esac

# ---------------------------------------------------------------------------------------------
# Build, lintian, package checks (on the host), then --deb-ns.
# ---------------------------------------------------------------------------------------------
t0=$(date +%s.%N)
[ "$(id -u)" -eq 0 ] || { fail "test_deb" "needs root (mount and network namespaces)"; exit 1; }
for c in dpkg-buildpackage dpkg-source dh lintian unshare ip ss freeradius radclient eapol_test slapd git readelf; do
	command -v "$c" >/dev/null || { fail "test_deb" "$c not found (tools/install-deb-deps, tools/install-test-deps)"; exit 1; }
done
stock=$(dpkg -V freeradius-config freeradius freeradius-common 2>&1)
extra=$(find "$RADDB" /usr/lib/freeradius /usr/bin -name '*mipkey*' 2>/dev/null)
if [ -n "$stock" ] || [ -n "$extra" ]; then
	fail "host's $RADDB is Debian's stock configuration, no mipkey file installed" \
		"dpkg -V: ${stock:-clean}; mipkey files: ${extra:-none}"
	exit 1
fi
fr_version=$(dpkg-query -W -f='${Version}' freeradius)

WORK=$(mktemp -d /tmp/mipkey-deb.XXXXXX)
cleanup() {
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

host_state() {
	{
		find /etc/freeradius /usr/lib/freeradius /usr/local /var/log/freeradius /var/cache/apt \
			-printf '%p %y %m %u %g %s %T@ %l\n' 2>&1 | sort
		find /etc/freeradius -type f -exec sha256sum {} + 2>&1 | sort
		ls -d /run/freeradius /usr/bin/mipkey-client 2>&1
		dpkg-query -W 'freeradius-mipkey' 'mipkey-client' 2>&1
	}
}
host_state >"$WORK/host-before"

# 1. A clean copy of the repository (its tracked files, as git clone gives them) and README's
#    build steps in it; dpkg-buildpackage without network.
src=$WORK/src/freeradius-mipkey
mkdir -p "$src"
# A git work tree, as a clone is (make-orig-tarballs takes the tracked files), with the files as
# they are here, committed or not.
git ls-files -z | tar --null -T - -cf - 2>/dev/null | tar -xf - -C "$src" &&
	git -C "$src" init -q && git -C "$src" add -A ||
	{ fail "clean copy of the repository" "git ls-files | tar, git init failed"; exit 1; }
readme_block deb-build-steps >"$WORK/build-steps"
if ! grep -q '^tools/make-orig-tarballs' "$WORK/build-steps" || [ "$(tail -n 1 "$WORK/build-steps")" != "dpkg-buildpackage -us -uc -b" ]; then
	fail "README deb-build-steps" "no make-orig-tarballs line, or not ending with dpkg-buildpackage -us -uc -b"; exit 1
fi
sed '$d' "$WORK/build-steps" >"$WORK/prepare.sh"
(cd "$src" && timeout "${STEPS_TIMEOUT:-300}" bash -e -x "$WORK/prepare.sh") >"$WORK/prepare.log" 2>&1
rc=$?
check "README build steps before dpkg-buildpackage ($(wc -l <"$WORK/prepare.sh") lines) ran without error" 0 "$rc"
[ "$rc" -eq 0 ] || { tail -20 "$WORK/prepare.log"; exit 1; }
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
upstream=${version%-*}
arch=$(dpkg --print-architecture)
check "orig tarball and freeradius component written beside the tree" yes \
	"$(yesno test -s "$WORK/src/freeradius-mipkey_$upstream.orig.tar.xz" -a -s "$WORK/src/freeradius-mipkey_$upstream.orig-freeradius.tar.xz")"
check "component unpacked in freeradius/: headers of FreeRADIUS ${fr_version%%[+~-]*}" "${fr_version%%[+~-]*} yes" \
	"$(cat "$src/freeradius/VERSION" 2>&1) $(yesno test -f "$src/freeradius/src/include/radiusd.h")"
check "nothing of FreeRADIUS in the repository's tracked files" "" \
	"$(git ls-files | grep -E '(^|/)(radiusd|conffile|modpriv)\.h$')"
(cd "$src" && tools/make-orig-tarballs -o "$WORK/again") >"$WORK/again.log" 2>&1
check "make-orig-tarballs again: byte-identical tarballs" "" \
	"$(cd "$WORK/again" 2>&1 && for t in *.tar.xz; do cmp "$t" "$WORK/src/$t" 2>&1; done)"
cp -a "$src" "$WORK/src/freeradius-mipkey-$upstream"
rm -rf "$WORK/src/freeradius-mipkey-$upstream/.git"

t1=$(date +%s.%N)
(cd "$src" && nice -n 19 unshare --net -- dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1
rc=$?
echo "TIME dpkg-buildpackage -us -uc -b (no network) $(elapsed "$t1") s"
check "dpkg-buildpackage -us -uc -b in a network namespace without network" 0 "$rc"
[ "$rc" -eq 0 ] || { tail -40 "$WORK/build.log"; exit 1; }
ntests=$(sed -n 's/^# TOTAL: *//p' "$WORK/build.log")
check "dh_auto_test (make check): all $ntests tests passed (unit tests, tests/check-man-options)" \
	"$ntests 0 0 yes" "$(sed -n 's/^# PASS: *//p' "$WORK/build.log") $(sed -n 's/^# FAIL: *//p' "$WORK/build.log") $(sed -n 's/^# ERROR: *//p' "$WORK/build.log") $(yesno grep -q '^PASS: tests/check-man-options$' "$WORK/build.log")"
check "configure used the component, not apt-get source" yes \
	"$(yesno grep -q -- "--with-freeradius-source=$src/freeradius" "$WORK/build.log")"

# The README's apt line names the packages the build wrote.
for deb in $(head -n 1 "$(readme_block deb-enable-steps >"$WORK/enable-steps"; echo "$WORK/enable-steps")" | tr ' ' '\n' | grep '\.deb$'); do
	check "README's apt line: $deb was built" yes "$(yesno test -f "$src/$deb")"
done
mdeb=$WORK/src/freeradius-mipkey_${version}_$arch.deb
cdeb=$WORK/src/mipkey-client_${version}_$arch.deb

# The source package: orig + component + debian/ build, and unpack to the same tree.
(cd "$WORK/src" && dpkg-source -b "freeradius-mipkey-$upstream" && dpkg-source -x "freeradius-mipkey_$version.dsc" unpacked) \
	>"$WORK/source.log" 2>&1
check "dpkg-source -b (format 3.0 (quilt), component freeradius), then -x" 0 "$?"
check "dpkg-source -x gives the same tree (component in freeradius/)" "" \
	"$(diff -r "$WORK/src/freeradius-mipkey-$upstream" "$WORK/src/unpacked" 2>&1 | grep -v '^Only in .*: \.pc$' | head -5)"

# 2. lintian, with the overrides listed in README.md.
t1=$(date +%s.%N)
# lintian's helpers leave mldbm-elf-* files in $TMPDIR: keep them in $WORK, removed at the end.
mkdir -p "$WORK/tmp"
TMPDIR="$WORK/tmp" nice -n 19 lintian -I --pedantic --show-overrides "$WORK/src/freeradius-mipkey_${version}_$arch.changes" \
	"$WORK/src/freeradius-mipkey_$version.dsc" >"$WORK/lintian.txt" 2>"$WORK/lintian.err"
echo "TIME lintian $(elapsed "$t1") s"
sed 's/^/    lintian: /' "$WORK/lintian.txt"
check "lintian: no error or warning" "" "$(grep -E '^(E|W):' "$WORK/lintian.txt")"
check "lintian: the overridden tags are those README.md lists" \
	"custom-library-search-path initial-upload-closes-no-bugs initial-upload-closes-no-bugs non-standard-file-perm" \
	"$(sed -n 's/^O: [^:]*: \([a-z0-9-]*\).*/\1/p' "$WORK/lintian.txt" | sort | paste -sd ' ')"
check "lintian: otherwise only debian-watch-file-is-missing (I), no-homepage-field (P)" \
	"debian-watch-file-is-missing no-homepage-field" \
	"$(grep -E '^[IPX]:' "$WORK/lintian.txt" | sed 's/^.: [^:]*: \([a-z0-9-]*\).*/\1/' | sort | paste -sd ' ')"

# 3. The packages.
files() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { print $1, $2, $6 }'; }
for d in "$mdeb" "$cdeb"; do
	echo "    dpkg-deb -c $(basename "$d"):"
	dpkg-deb -c "$d" | sed 's/^/      /'
done
check "freeradius-mipkey: files, modes and owners" \
"-rw-r--r-- root/root ./etc/freeradius/3.0/dictionary.mipkey
-rw-r----- root/root ./etc/freeradius/3.0/mods-available/mipkey
-rw-r--r-- root/root ./etc/freeradius/3.0/mods-available/mipkey_eap
-rw-r--r-- root/root ./etc/freeradius/3.0/sites-available/mipkey
-rw-r--r-- root/root ./etc/freeradius/3.0/sites-available/mipkey-inner-tunnel
-rw-r--r-- root/root ./usr/lib/freeradius/rlm_mipkey.so
-rw-r--r-- root/root ./usr/share/doc/freeradius-mipkey/PROTOCOL.md.gz
-rw-r--r-- root/root ./usr/share/doc/freeradius-mipkey/README.md.gz
-rw-r--r-- root/root ./usr/share/doc/freeradius-mipkey/SECURITY.md.gz
-rw-r--r-- root/root ./usr/share/doc/freeradius-mipkey/changelog.Debian.gz
-rw-r--r-- root/root ./usr/share/doc/freeradius-mipkey/copyright
-rw-r--r-- root/root ./usr/share/lintian/overrides/freeradius-mipkey
-rw-r--r-- root/root ./usr/share/man/man5/rlm_mipkey.5.gz" "$(files "$mdeb")"
check "mipkey-client: files, modes and owners" \
"-rwxr-xr-x root/root ./usr/bin/mipkey-client
-rw-r--r-- root/root ./usr/share/doc/mipkey-client/changelog.Debian.gz
-rw-r--r-- root/root ./usr/share/doc/mipkey-client/copyright
-rw-r--r-- root/root ./usr/share/lintian/overrides/mipkey-client
-rw-r--r-- root/root ./usr/share/man/man1/mipkey-client.1.gz" "$(files "$cdeb")"
check "freeradius-mipkey: conffiles" \
"/etc/freeradius/3.0/dictionary.mipkey
/etc/freeradius/3.0/mods-available/mipkey
/etc/freeradius/3.0/mods-available/mipkey_eap
/etc/freeradius/3.0/sites-available/mipkey
/etc/freeradius/3.0/sites-available/mipkey-inner-tunnel" "$(dpkg-deb --info "$mdeb" conffiles | sort)"
check "freeradius-mipkey Depends: freeradius (= $fr_version) (the version built against)" yes \
	"$(yesno grep -qF "freeradius (= $fr_version)" <<<"$(dpkg-deb -f "$mdeb" Depends)")"
check "mipkey-client Depends: libfreeradius3 (= $fr_version)" yes \
	"$(yesno grep -qF "libfreeradius3 (= $fr_version)" <<<"$(dpkg-deb -f "$cdeb" Depends)")"
check "freeradius-mipkey postinst: invoke-rc.d freeradius force-reload || true" yes \
	"$(yesno grep -qxE '[[:space:]]*invoke-rc.d freeradius force-reload \|\| true' <<<"$(dpkg-deb --info "$mdeb" postinst)")"

rm -rf "$WORK/root" && mkdir "$WORK/root" && dpkg-deb -x "$mdeb" "$WORK/root" && dpkg-deb -x "$cdeb" "$WORK/root" &&
	dpkg-deb -e "$mdeb" "$WORK/control" || { fail "dpkg-deb -x / -e" "failed"; exit 1; }
mod=$WORK/root/usr/lib/freeradius/rlm_mipkey.so cli=$WORK/root/usr/bin/mipkey-client
check "hardening=+all: BIND_NOW and RELRO in both, PIE client, stack protector and fortify" \
	"NOW NOW GNU_RELRO GNU_RELRO PIE __stack_chk_fail __stack_chk_fail chk chk" \
	"$(readelf -dW "$mod" | grep -o 'Flags: NOW' | cut -c8-) $(readelf -dW "$cli" | grep -o 'Flags: NOW' | cut -c8-) $(readelf -lW "$mod" | grep -o GNU_RELRO) $(readelf -lW "$cli" | grep -o GNU_RELRO) $(readelf -dW "$cli" | grep -o 'NOW PIE' | cut -c5-) $(readelf -sW --dyn-syms "$mod" | grep -o '__stack_chk_fail' | head -1) $(readelf -sW --dyn-syms "$cli" | grep -o '__stack_chk_fail' | head -1) $(readelf -sW --dyn-syms "$mod" | grep -qE '__[a-z]+_chk@' && echo chk) $(readelf -sW --dyn-syms "$cli" | grep -qE '__[a-z]+_chk@' && echo chk)"
check "no build path in the binaries" "" "$(grep -l -a -F "$WORK" "$mod" "$cli")"
check "no libtool archive, no mods-enabled or sites-enabled link in the packages" "" \
	"$(dpkg-deb -c "$mdeb" | grep -E '\.la$|-enabled')"

# rlm_mipkey(5) and mods-available/mipkey as shipped agree; the check fails on a drift.
zcat "$WORK/root/usr/share/man/man5/rlm_mipkey.5.gz" >"$WORK/rlm_mipkey.5"
cp "$WORK/root/etc/freeradius/3.0/mods-available/mipkey_eap" "$WORK/mipkey_eap"
cp "$WORK/root/etc/freeradius/3.0/mods-available/mipkey" "$WORK/mipkey"
out=$(tests/check-man-options "$WORK/mipkey" "$WORK/rlm_mipkey.5" 2>&1)
check "tests/check-man-options on the packaged files: all PASS" "0 0" "$? $(grep -c '^FAIL' <<<"$out")"
mkdir -p "$WORK/mutant"
sed 's/^\(\tuse_mppe = yes\)$/\1\n\tnew_option = 1/' "$WORK/mipkey" >"$WORK/mutant/mipkey"
cp "$WORK/mipkey_eap" "$WORK/mutant/"
out=$(tests/check-man-options "$WORK/mutant/mipkey" "$WORK/rlm_mipkey.5" 2>&1)
check "check-man-options fails for an option only in the config" "1 mipkey.new_option" \
	"$? $(grep -o 'mipkey.new_option' <<<"$out")"
sed '/^\.B max_lifetime = 3600$/d' "$WORK/rlm_mipkey.5" >"$WORK/mutant/rlm_mipkey.5"
out=$(tests/check-man-options "$WORK/mipkey" "$WORK/mutant/rlm_mipkey.5" 2>&1)
check "check-man-options fails for an option missing from the man page" "1 mipkey.mobileip.max_lifetime" \
	"$? $(grep -o 'mipkey.mobileip.max_lifetime' <<<"$out" | head -1)"

# 4-5. The throw-away root over the system, in a private mount namespace; then --installed.
t1=$(date +%s.%N)
unshare --mount --propagation private -- "$SELF" --deb-ns "$WORK" || FAILED=$((FAILED + 1))
echo "TIME unpacked packages: postinst, enable steps, servers and clients $(elapsed "$t1") s"

# 6. Nothing left running, nothing on the host changed.
left=""
for f in /proc/[0-9]*/cmdline; do
	[[ $(tr '\0' ' ' 2>/dev/null <"$f") == *"$WORK"* ]] && left="$left ${f#/proc/}"
done
check "no process of the test left" "" "$left"
host_state >"$WORK/host-after"
check "host's /etc/freeradius, /usr/lib/freeradius, /usr/bin/mipkey-client, /usr/local, /var/log/freeradius, /var/cache/apt unchanged" "" \
	"$(diff "$WORK/host-before" "$WORK/host-after" | head -5)"

echo "TIME deb test $(elapsed "$t0") s"
[ "$FAILED" -eq 0 ]
