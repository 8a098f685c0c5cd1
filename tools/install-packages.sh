# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# install_packages NAME PACKAGE... : apt-get installs those of the Debian packages that are
# not installed yet (nothing if all are). Sourced by tools/install-deps and install-test-deps.
install_packages() {
	name=$1
	shift
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0

	if [ "$(id -u)" -ne 0 ]; then
		echo "$name: missing packages:$missing; run as root (or: sudo $0)" >&2
		return 1
	fi
	echo "$name: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q $missing
}
