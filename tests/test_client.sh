#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test_client.sh - tools/mipkey-client through the real freeradius + slapd that tests/run
# started (RADIUS_PORT, RADIUS_SECRET, RADIUS_DIR as for the mobileip suite). The cases and their
# independent expectations are in test_client.py; one PASS/FAIL line each.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLIENT="$HERE/../tools/mipkey-client"
if [ ! -x "$CLIENT" ]; then
	echo "FAIL mipkey-client is built: $CLIENT not found (make)"
	exit 1
fi
exec /usr/bin/python3 "$HERE/test_client.py"
