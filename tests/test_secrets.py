#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""No hash or key in anything the servers wrote.

tests/run exports MIPKEY_SECRETS_LOG to the end-to-end suites; the independent references
(tests/lib/mschap_ref.py, mip_ref.py) append there every NT hash, k', k'', MPPE key, RFC 3957
key, Skey and Skey' they compute for the run. After the suites, with normal logging, this
scans every file freeradius and slapd wrote (logs, run files; not slapd's database, which
holds the hashes by design) for each secret in upper-case hex, lower-case hex and raw bytes.

usage: test_secrets.py SECRETS_LOG DIR...
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from radtest import check, finish  # noqa: E402

# slapd's database files hold the hashes by design; everything else must not.
SKIP_DIRS = {"db"}


def files_under(dirs):
    for top in dirs:
        for root, subdirs, names in os.walk(top):
            subdirs[:] = [d for d in subdirs if d not in SKIP_DIRS]
            for n in names:
                p = os.path.join(root, n)
                if os.path.isfile(p) and not os.path.islink(p):
                    yield p


def needles(secret):
    return (secret, secret.hex().encode(), secret.hex().upper().encode())


def hits(data, secrets):
    return [s.hex() for s in secrets if any(n in data for n in needles(s))]


def main():
    log, dirs = sys.argv[1], sys.argv[2:]
    with open(log) as f:
        secrets = sorted({bytes.fromhex(line.strip()) for line in f if line.strip()})
    # Each run computes hundreds: fewer means the recording broke and the scan proves nothing.
    check(f"the run recorded at least 200 distinct secrets ({len(secrets)})", True, len(secrets) >= 200)
    # Positive control: the scanner finds a secret in each form.
    probe = secrets[0] if secrets else b"\x01" * 16
    for form, blob in (("raw", b"x" + probe + b"y"), ("lower hex", b"k=" + probe.hex().encode()),
                       ("upper hex", probe.hex().upper().encode() + b"\n")):
        check(f"control: the scan finds a secret as {form}", [probe.hex()], hits(blob, [probe]))

    scanned = 0
    total = 0
    top = os.path.dirname(os.path.commonpath(dirs))
    for path in files_under(dirs):
        with open(path, "rb") as f:
            data = f.read()
        scanned += 1
        total += len(data)
        found = hits(data, secrets)
        check(f"no hash or key in {os.path.relpath(path, top)}", [], found[:3])
    check("files scanned include the freeradius log", True,
          any(p.endswith("radius.log") for p in files_under(dirs)))
    print(f"TIME scanned {scanned} files, {total} bytes, for {len(secrets)} secrets x 3 forms", flush=True)
    finish()


if __name__ == "__main__":
    main()
