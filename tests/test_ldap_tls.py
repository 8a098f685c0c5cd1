#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""radclient half of tests/test_ldap_tls.sh: one MS-CHAPv2 Access-Request to a running
FreeRADIUS with rlm_mipkey, checked against tests/lib/mschap_ref.py.

  test_ldap_tls.py --port P --secret S --name NAME --expect accept|fail [--user U --password PW]

accept: Access-Accept, MS-CHAP2-Success and the decrypted MS-MPPE-Send-Key / -Recv-Key are the
        reference values.
fail:   the module answered "fail" (backend unreachable): Access-Reject with NO MS-CHAP-Error
        (a wrong password would carry E=691) and no MPPE keys.
Prints one "PASS name" / "FAIL name: expected .. got .." line per check; exit 1 on a failure.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import mschap_ref  # noqa: E402
import radtest  # noqa: E402

failed = 0


def check(name, expected, actual):
    global failed
    if expected == actual:
        print(f"PASS {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name}: expected {expected!r} got {actual!r}", flush=True)


def radclient(port, secret, attrs, timeout):
    return radtest.radclient(attrs, timeout=timeout, port=port, secret=secret)


def octets(reply, attr):
    v = reply.get(attr, ["<absent>"])[0]
    return v[2:].upper() if v.startswith("0x") else v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--expect", choices=("accept", "fail"), required=True)
    ap.add_argument("--user", default="alice")
    ap.add_argument("--password", default="clientPass")
    ap.add_argument("--timeout", type=float, default=10)
    a = ap.parse_args()

    ref = mschap_ref.compute(a.user, os.urandom(16), os.urandom(16), password=a.password, ident=0x2a)
    attrs = [("User-Name", f'"{a.user}"'),
             ("MS-CHAP-Challenge", "0x" + ref["challenge"]),
             ("MS-CHAP2-Response", "0x" + ref["ms_chap2_response"])]
    code, reply = radclient(a.port, a.secret, attrs, a.timeout)
    n = a.name
    if a.expect == "accept":
        check(f"{n}: Access-Accept", "Access-Accept", code)
        check(f"{n}: MS-CHAP2-Success", ("%02X" % ref["ident"]) + ref["authenticator_response"].encode().hex().upper(),
              octets(reply, "MS-CHAP2-Success"))
        check(f"{n}: decrypted MS-MPPE-Send-Key", ref["mppe_send_key"], octets(reply, "MS-MPPE-Send-Key"))
        check(f"{n}: decrypted MS-MPPE-Recv-Key", ref["mppe_recv_key"], octets(reply, "MS-MPPE-Recv-Key"))
    else:
        check(f"{n}: Access-Reject", "Access-Reject", code)
        check(f"{n}: module fail, so no MS-CHAP-Error", "<absent>", octets(reply, "MS-CHAP-Error"))
        check(f"{n}: no MPPE keys", False, "MS-MPPE-Send-Key" in reply or "MS-MPPE-Recv-Key" in reply)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
