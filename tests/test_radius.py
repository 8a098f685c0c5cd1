#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end tests of rlm_mipkey inside a real FreeRADIUS, against a real slapd.

Started by tests/run, which starts the servers and passes where they are in the environment:
RADIUS_PORT, RADIUS_SECRET, RADIUS_DIR (its private dir), LDAP_DIR, LDAP_PORT.
Expected values come from tests/lib/mschap_ref.py (an independent implementation using
Python's hashlib and the openssl command) or from the RFC 2759 / 3079 vectors.
Prints one "PASS name" or "FAIL name: expected .. got .." line per check.
"""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import mschap_ref  # noqa: E402
from radtest import (PORT, check, eapol, error_value, expect_accept, expect_error, finish,  # noqa: E402
                     log_mark, log_since, mschap_attrs, octets, radclient, ref_for, server_alive, success_value)

LDAP_DIR = os.environ["LDAP_DIR"]
LDAP_PORT = os.environ["LDAP_PORT"]


def slapd(action):
    lib = os.path.join(HERE, "lib", "slapd.sh")
    args = f"{LDAP_DIR} {LDAP_PORT}" if action == "start" else LDAP_DIR
    return subprocess.run(["bash", "-c", f"source {lib} && slapd_{action} {args}"],
                          capture_output=True, text=True).returncode


# --- RFC 2759 9.2 / RFC 3079 3.5.3 vectors, end to end (user "User" is in the fixtures) ------
rfc = mschap_ref.compute("User", bytes.fromhex("5B5D7C7D7B3F2F3E3C2C602132262628"),
                         bytes.fromhex("21402324255E262A28295F2B3A337C7E"), password="clientPass", ident=1)
code, reply = radclient(mschap_attrs("User", rfc))
check("rfc2759 vector: Access-Accept", "Access-Accept", code)
check("rfc2759 vector: MS-CHAP2-Success", "01" + b"S=407A5589115FD0D6209F510FE9C04566932CDA56".hex().upper(),
      octets(reply, "MS-CHAP2-Success"))
check("rfc3079 vector: MS-MPPE-Send-Key", "8B7CDC149B993A1BA118CB153F56DCCB", octets(reply, "MS-MPPE-Send-Key"))
check("rfc3079 vector: MS-MPPE-Recv-Key", "D5F0E9521E3EA9589645E86051C82226", octets(reply, "MS-MPPE-Recv-Key"))
check("rfc3079 vector: MS-MPPE-Encryption-Policy", ["Encryption-Allowed"], reply.get("MS-MPPE-Encryption-Policy"))
check("rfc3079 vector: MS-MPPE-Encryption-Types", ["RC4-40or128-bit-Allowed"],
      reply.get("MS-MPPE-Encryption-Types"))

# --- right passwords --------------------------------------------------------------------------
expect_accept("alice right password", "alice", ref_for("alice", "clientPass"))
expect_accept("bob non-ASCII password with a surrogate pair", "bob", ref_for("bob", "Pässwörd-密码-😀"))
expect_accept("alice@example.net NAI hashed without realm", "alice@example.net",
              ref_for("alice@example.net", "clientPass", hash_user="alice"))
expect_accept("MIPKEY\\\\alice hashed without domain", "MIPKEY\\\\alice",
              ref_for("MIPKEY\\alice", "clientPass", hash_user="alice"))
# Default hash_username = auto: the RFC 2759 name (a prepended domain removed, the realm kept:
# Windows, wpa_supplicant) and the seed's (the realm removed too) both verify, and
# MS-CHAP2-Success is computed with the one that matched.
expect_accept("alice@example.net hashed whole (RFC 2759 8.2)", "alice@example.net",
              ref_for("alice@example.net", "clientPass", hash_user="alice@example.net"))
expect_accept("MIPKEY\\\\alice@example.net hashed as alice@example.net (RFC 2759)", "MIPKEY\\\\alice@example.net",
              ref_for("MIPKEY\\alice@example.net", "clientPass", hash_user="alice@example.net"))
expect_accept("MIPKEY\\\\alice@example.net hashed as alice (seed)", "MIPKEY\\\\alice@example.net",
              ref_for("MIPKEY\\alice@example.net", "clientPass", hash_user="alice"))
expect_error("MIPKEY\\\\alice@example.net hashed with the domain: no name matches", "MIPKEY\\\\alice@example.net",
             ref_for("MIPKEY\\alice@example.net", "clientPass", hash_user="MIPKEY\\alice@example.net"),
             "Access-Reject", 691)
expect_error("alice@example.net hashed as another name: Access-Reject", "alice@example.net",
             ref_for("alice@example.net", "clientPass", hash_user="example.net"), "Access-Reject", 691)
# Per client: mipkey_hash_username = as_sent (test client 127.0.0.40) hashes exactly the name sent.
for name, hash_user, want in (("as sent", "MIPKEY\\alice@example.net", "Access-Accept"),
                              ("RFC 2759 name", "alice@example.net", "Access-Reject")):
    ref = ref_for("MIPKEY\\alice@example.net", "clientPass", hash_user=hash_user)
    code, reply = radclient(mschap_attrs("MIPKEY\\\\alice@example.net", ref), src="127.0.0.40")
    check(f"client mipkey_hash_username = as_sent, hashed {name}: {want}", want, code)
    if want == "Access-Accept":
        check(f"client mipkey_hash_username = as_sent, hashed {name}: MS-CHAP2-Success", success_value(ref),
              octets(reply, "MS-CHAP2-Success"))
# The uid holds * ( ) \ : found only if every one of them is escaped in the LDAP filter.
expect_accept("filter metacharacters in uid m*llory(x)\\y", "MIPKEY\\\\m*llory(x)\\\\y",
              ref_for("MIPKEY\\m*llory(x)\\y", "malloryPass", hash_user="m*llory(x)\\y"))

# --- wrong passwords, unknown users and account states ----------------------------------------
ref = ref_for("alice", "wrongPass")
expect_error("alice wrong password", "alice", ref, "Access-Reject", 691)
unknown = ref_for("nosuchuser", "clientPass")
r_unknown = expect_error("unknown user", "nosuchuser", unknown, "Access-Reject", 691)
wrong = ref_for("alice", "clientPass-wrong")
code, r_wrong = radclient(mschap_attrs("alice", wrong))
check("unknown user looks exactly like a wrong password",
      error_value(r_wrong).replace(wrong["challenge"], "C"), error_value(r_unknown).replace(unknown["challenge"], "C"))
expect_error("wildcard user * matches nobody", "*", ref_for("*", "clientPass"), "Access-Reject", 691)
expect_error("carol disabled, right password", "carol", ref_for("carol", "carolPass"), "Access-Reject", 647)
expect_error("carol disabled, wrong password tells nothing", "carol", ref_for("carol", "nope"), "Access-Reject", 691)
expect_error("dave locked, right password", "dave", ref_for("dave", "davePass"), "Access-Reject", 647)
expect_error("erin has no NT hash", "erin", ref_for("erin", "erinPass"), "Access-Reject", 691)

# --- key material from the control list (test site mipkey-control, one port up) ------------------
CONTROL_PORT = str(int(PORT) + 1)
for name, user, pw, want in [
    ("control:Cleartext-Password", "ctl-cleartext", "ctlPass", "Access-Accept"),
    ("control:NT-Password", "ctl-nthash", "ntPass", "Access-Accept"),
    ("control:NT-Password wins over Cleartext-Password", "ctl-both", "ntPass", "Access-Accept"),
    ("control:Cleartext-Password loses to NT-Password", "ctl-both", "clearPass", "Access-Reject"),
    ("control wins over LDAP: the control password", "alice", "overridePass", "Access-Accept"),
    ("control wins over LDAP: the LDAP password", "alice", "clientPass", "Access-Reject"),
    ("control:NT-Password of 2 octets", "ctl-badhash", "x", "Access-Reject"),
]:
    ref = ref_for(user, pw)
    code, reply = radclient(mschap_attrs(user, ref), port=CONTROL_PORT)
    check(f"{name}: {want}", want, code)
    if want == "Access-Accept":
        check(f"{name}: MS-MPPE-Send-Key", ref["mppe_send_key"], octets(reply, "MS-MPPE-Send-Key"))

# hash_username = stripped (the seed's name only): the name without realm, not the whole NAI.
for name, hash_user, want in (("stripped", "ctl-stripped", "Access-Accept"),
                              ("whole NAI", "ctl-stripped@example.net", "Access-Reject")):
    ref = ref_for("ctl-stripped@example.net", "strippedPass", hash_user=hash_user)
    code, reply = radclient(mschap_attrs("ctl-stripped@example.net", ref), port=CONTROL_PORT)
    check(f"hash_username = stripped, hashed {name}: {want}", want, code)
    if want == "Access-Accept":
        check(f"hash_username = stripped, hashed {name}: MS-CHAP2-Success", success_value(ref),
              octets(reply, "MS-CHAP2-Success"))


def slapd_accepts():
    with open(os.path.join(LDAP_DIR, "slapd.log"), errors="replace") as f:
        return len(re.findall(r" ACCEPT from ", f.read()))


before = slapd_accepts()
codes = set()
for _ in range(20):
    codes.add(radclient(mschap_attrs("alice", ref_for("alice", "clientPass")))[0])
check("20 requests through the pool: all accepted", {"Access-Accept"}, codes)
# The pool may add a spare connection; a connect per request would show 20.
new_conns = slapd_accepts() - before
check("20 requests through the pool: at most 2 new LDAP connections", True, new_conns <= 2)

# --- malformed requests: reject, a log line, the server stays up -------------------------------
good = ref_for("alice", "clientPass")
malformed = [
    ("MS-CHAP2-Response too short", mschap_attrs("alice", good, response=good["ms_chap2_response"][:-2]),
     "MS-CHAP2-Response is 49 octets"),
    ("MS-CHAP2-Response too long", mschap_attrs("alice", good, response=good["ms_chap2_response"] + "00"),
     "MS-CHAP2-Response is 51 octets"),
    ("MS-CHAP-Challenge missing", [a for a in mschap_attrs("alice", good) if a[0] != "MS-CHAP-Challenge"],
     "0 MS-CHAP-Challenge and 1 MS-CHAP2-Response"),
    ("two MS-CHAP-Challenge", mschap_attrs("alice", good) + [("MS-CHAP-Challenge", "0x" + good["challenge"])],
     "2 MS-CHAP-Challenge and 1 MS-CHAP2-Response"),
    ("MS-CHAP-Challenge of 8 octets", mschap_attrs("alice", good, challenge=good["challenge"][:16]),
     "MS-CHAP-Challenge is 8 octets"),
    ("empty account name MIPKEY\\@realm", mschap_attrs("MIPKEY\\\\@example.net", good), "no account name in"),
]
for name, attrs, logline in malformed:
    mark = log_mark()
    code, reply = radclient(attrs)
    check(f"malformed, {name}: Access-Reject", "Access-Reject", code)
    time.sleep(0.1)
    check(f"malformed, {name}: log line", True, logline in log_since(mark))
    check(f"malformed, {name}: server still answers", True, server_alive())

# --- EAP-MSCHAPv2 and PEAP/MSCHAPv2 with eapol_test (wpa_supplicant's own MS-CHAPv2 and MPPE code) --
for method in ("MSCHAPV2", "PEAP", "TTLS-MSCHAPV2", "TTLS-EAP-MSCHAPV2"):
    # bob's emoji is outside the BMP, which wpa_supplicant mis-hashes; heidi is non-ASCII inside it.
    # wpa_supplicant hashes "alice@example.net" whole and "MIPKEY\\alice" as "alice" (RFC 2759 8.2).
    for user, pw in (("alice", "clientPass"), ("heidi", "Grüße-密码"), ("alice@example.net", "clientPass"),
                     ("MIPKEY\\alice", "clientPass")):
        result, mppe = eapol(method, user, pw)
        check(f"eapol_test {method} {user}: SUCCESS", "SUCCESS", result)
        check(f"eapol_test {method} {user}: MPPE keys OK", "MPPE keys OK: 1  mismatch: 0", mppe)
    result, mppe = eapol(method, "alice", "wrongPass")
    check(f"eapol_test {method} alice wrong password: FAILURE", "FAILURE", result)

# --- LDAP goes away and comes back, freeradius keeps running -----------------------------------
check("slapd stopped", 0, slapd("stop"))
mark = log_mark()
code, reply = radclient(mschap_attrs("alice", ref_for("alice", "clientPass")), timeout=10)
check("LDAP down: request fails (Access-Reject)", "Access-Reject", code)
check("LDAP down: module fail, so no MS-CHAP-Error is sent", False, "MS-CHAP-Error" in reply)
time.sleep(0.1)
check("LDAP down: one clear log line", 1, len(re.findall(r"ERROR: .*LDAP server \S+ unreachable", log_since(mark))))
check("slapd started again", 0, slapd("start"))
code = None
deadline = time.time() + 15
while time.time() < deadline:
    ref = ref_for("alice", "clientPass")
    code, reply = radclient(mschap_attrs("alice", ref))
    if code == "Access-Accept":
        break
    time.sleep(0.5)
check("LDAP back: Access-Accept without restarting freeradius", "Access-Accept", code)
check("LDAP back: MPPE keys right", ref["mppe_send_key"], octets(reply, "MS-MPPE-Send-Key"))

finish()
