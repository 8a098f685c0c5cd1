#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""rlm_mipkey with a domain controller (backend = winbind or ntlm_auth, env TRANSPORT) through
a real FreeRADIUS and a real Samba AD DC (started by tests/test_dc.sh).

Expected k' and keys are computed from the password by tests/lib/mschap_ref.py, independently
of the module and of Samba. Prints one PASS/FAIL line per check.
"""
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mschap_ref  # noqa: E402
from radtest import (check, eapol, error_value, expect_accept, expect_error, finish, log_mark,  # noqa: E402
                     log_since, mschap_attrs, octets, radclient, ref_for, success_value)

T = os.environ["TRANSPORT"]
DC_DIR = os.environ["DC_DIR"]
RADIUSD_PID = os.environ["RADIUSD_PID"]
LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib", "samba_dc.sh")


def dc(action):
    env = dict(os.environ, DC_STOP_KEEP=RADIUSD_PID)
    return subprocess.run(["bash", "-c", f"source {LIB} && dc_{action} {DC_DIR}"], env=env,
                          capture_output=True, text=True).returncode


HELPER_DIR = os.environ.get("HELPER_DIR", "")
NTLM_AUTH_TIMEOUT = float(os.environ.get("NTLM_AUTH_TIMEOUT", "2"))
PORT = int(os.environ["RADIUS_PORT"])
SECRET = os.environ["RADIUS_SECRET"].encode()


def set_mode(mode):
    with open(os.path.join(HELPER_DIR, "mode"), "w") as f:
        f.write(mode + "\n")


def raw_request(sock, ident, user, ref):
    """One Access-Request over sock (own UDP client: cheap enough for hundreds in parallel)."""
    def attr(t, v):
        return bytes([t, 2 + len(v)]) + v

    def ms(t, v):
        return attr(26, struct.pack("!I", 311) + bytes([t, 2 + len(v)]) + v)
    body = (attr(1, user.encode()) + ms(11, bytes.fromhex(ref["challenge"])) +
            ms(25, bytes.fromhex(ref["ms_chap2_response"])))
    pkt = struct.pack("!BBH", 1, ident, 20 + len(body)) + os.urandom(16) + body
    sock.sendto(pkt, ("127.0.0.1", PORT))
    while True:
        data = sock.recv(4096)
        if len(data) >= 20 and data[1] == ident:
            return {2: "Access-Accept", 3: "Access-Reject"}.get(data[0], "code %d" % data[0])


def ntlm_auth_helper_tests():
    """ntlm_auth only: nothing secret on the helper's command line, and fake helpers for faults."""
    cmdlines = open(os.path.join(HELPER_DIR, "cmdlines")).read()
    lines = [ln for ln in cmdlines.splitlines() if ln.strip()]
    # Logins use ntlm-server-1, password changes ntlm-change-password-1.
    check(f"{T}: every ntlm_auth run was recorded by the wrapper ({len(lines)} runs)", True,
          len(lines) >= 10 and all("--helper-protocol=ntlm-server-1" in ln or
                                   "--helper-protocol=ntlm-change-password-1" in ln for ln in lines))
    check(f"{T}: the password changes ran ntlm_auth --helper-protocol=ntlm-change-password-1", len(CPW_SENT),
          sum("--helper-protocol=ntlm-change-password-1" in ln for ln in lines))
    blobs = [x for r in CPW_SENT for x in (r["pw_block"], r["encrypted_hash"], r["pw_block"][:64])]
    check(f"{T}: no password-change blob of {len(CPW_SENT)} changes in /proc/PID/cmdline", [],
          [x for x in blobs if x.lower() in cmdlines.lower()])
    secrets = []
    for r in SENT:
        secrets += [r["challenge_hash"], r["nt_response"], r["challenge"], r["ms_chap2_response"][-48:]]
    leaked = [x for x in secrets if x.lower() in cmdlines.lower()]
    check(f"{T}: no challenge or NT-Response (hex, any case) of {len(SENT)} requests in /proc/PID/cmdline",
          [], leaked)
    check(f"{T}: no user name in /proc/PID/cmdline", False,
          any(u in cmdlines for u in ("alice", "disabled1", "pexpired", "nosuchuser")))

    def timed(mode, user="alice", password="clientPass"):
        set_mode(mode)
        ref = ref_for(user, password)
        t0 = time.monotonic()
        code, reply = radclient(mschap_attrs(user, ref), timeout=10)
        return code, reply, time.monotonic() - t0

    limit = NTLM_AUTH_TIMEOUT + 0.5
    for mode, what, quick in (("hang", "never answers", False),
                              ("close-stdout", "closes stdout and sleeps", False),
                              ("close-all", "closes its socket and sleeps", True),
                              ("partial", "sends half an answer and sleeps", False)):
        mark = log_mark()
        code, reply, took = timed(mode)
        print(f"TIME {T}: fake helper that {what}: answered in {took:.2f} s (timeout {NTLM_AUTH_TIMEOUT:g} s)")
        check(f"{T}: helper that {what}: fail (Access-Reject, no MS-CHAP-Error)", ("Access-Reject", False),
              (code, "MS-CHAP-Error" in reply))
        check(f"{T}: helper that {what}: answered within timeout + 0.5 s ({took:.2f} s)", True, took <= limit)
        if quick:
            check(f"{T}: helper that {what}: answered at once, not at the timeout ({took:.2f} s)", True, took < 1.0)
        time.sleep(0.1)
        check(f"{T}: helper that {what}: a clear log line", True,
              bool(re.search(r"ERROR: .*Domain controller unreachable: ntlm_auth", log_since(mark))))
    left = []
    for pid in open(os.path.join(HELPER_DIR, "pids")).read().split():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if f.read() == b"sleep\x0030\x00":
                    left.append(pid)
        except OSError:
            pass
    check(f"{T}: every fake helper was killed and reaped (none left)", [], left)

    for mode, what in (("no-key", "success without a User-Session-Key"),
                       ("zero-key", "success with an all-zero User-Session-Key")):
        mark = log_mark()
        code, reply, took = timed(mode)
        check(f"{T}: {what}: refused like winbind (E=691)", ("Access-Reject", True),
              (code, any("E=691" in v for v in reply.get("MS-CHAP-Error", []))))
        check(f"{T}: {what}: no MPPE keys", False, "MS-MPPE-Send-Key" in reply)
        time.sleep(0.1)
        log = log_since(mark)
        check(f"{T}: {what}: logged as refused, not as DC unreachable", (True, False),
              ("without a session key: refused" in log, "unreachable" in log))

    for mode, what, pattern in (("trust", "broken machine trust (TRUSTED_RELATIONSHIP_FAILURE)",
                                 r"NT_STATUS_TRUSTED_RELATIONSHIP_FAILURE \(0xC000018D\)"),
                                ("unknown", "an unknown NT status", r"unknown NT status \(0xC0001234\)"),
                                ("bad-key", "a malformed key", r"not 32 hex digits"),
                                ("garbage", "an unexpected answer", r"unexpected answer from ntlm_auth")):
        mark = log_mark()
        code, reply, took = timed(mode)
        check(f"{T}: {what}: fail (Access-Reject, no MS-CHAP-Error), not E=691", ("Access-Reject", False),
              (code, "MS-CHAP-Error" in reply))
        time.sleep(0.1)
        check(f"{T}: {what}: logged with the status", True, bool(re.search(pattern, log_since(mark))))

    # 24 requests in flight, a helper that answers at once: no request may stall.
    set_mode("fast")
    mark = log_mark()
    total, inflight = 312, 24
    ref = ref_for("alice", "clientPass")
    lat, codes, lock = [], {}, threading.Lock()

    def worker(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(20)
        for i in range(n):
            t0 = time.monotonic()
            try:
                c = raw_request(s, i % 256, "alice", ref)
            except OSError:
                c = "no reply"
            with lock:
                lat.append(time.monotonic() - t0)
                codes[c] = codes.get(c, 0) + 1
        s.close()
    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(total // inflight,)) for _ in range(inflight)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = time.monotonic() - t0
    stalls = sum(1 for x in lat if x > 3.0)
    lat.sort()
    print(f"TIME {T}: {total} requests, {inflight} in flight, fast fake helper: {took:.1f} s, "
          f"median {lat[len(lat) // 2] * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms, stalls (> 3 s) {stalls}")
    check(f"{T}: concurrency: all {total} accepted", {"Access-Accept": total}, codes)
    check(f"{T}: concurrency: no request stalled (> 3 s)", 0, stalls)
    time.sleep(0.1)
    check(f"{T}: concurrency: no helper error in the log", False,
          bool(re.search(r"ntlm_auth (ended|did not|could not)", log_since(mark))))
    set_mode("real")
    expect_accept(f"{T}: real ntlm_auth again after the fake helpers", "alice", ref_for("alice", "clientPass"))


SENT = []
_ref_for = ref_for


def ref_for(*a, **kw):  # noqa: F811  (records what was sent, for the command-line check)
    r = _ref_for(*a, **kw)
    SENT.append(r)
    return r


expect_accept(f"{T}: alice right password", "alice", ref_for("alice", "clientPass"))
expect_accept(f"{T}: bob non-ASCII password", "bob", ref_for("bob", "Grüße-密码"))
expect_accept(f"{T}: MIPKEY\\\\alice", "MIPKEY\\\\alice", ref_for("MIPKEY\\alice", "clientPass", hash_user="alice"))
# One ChallengeHash name per request at a DC (hash_username = auto): RFC 2759's, realm kept.
expect_accept(f"{T}: alice@mipkey.test (realm mapped to MIPKEY), hashed whole", "alice@mipkey.test",
              ref_for("alice@mipkey.test", "clientPass", hash_user="alice@mipkey.test"))
expect_error(f"{T}: alice@mipkey.test hashed without realm, no key request: no second try", "alice@mipkey.test",
             ref_for("alice@mipkey.test", "clientPass", hash_user="alice"), "Access-Reject", 691)
expect_error(f"{T}: alice wrong password", "alice", ref_for("alice", "wrongPass"), "Access-Reject", 691)
expect_error(f"{T}: unknown user", "nosuchuser", ref_for("nosuchuser", "clientPass"), "Access-Reject", 691)
expect_error(f"{T}: password expired", "pexpired", ref_for("pexpired", "clientPass"), "Access-Reject", 648)
expect_error(f"{T}: password must change", "pmustchange", ref_for("pmustchange", "clientPass"), "Access-Reject", 648)
# Account states are told only after the DC checked the password: Samba answers a wrong password
# for a disabled / expired / must-change account with WRONG_PASSWORD (691), the state with the
# right one. Disabled is E=647 on every backend (RFC 2759 section 6), as on the LDAP path.
expect_error(f"{T}: disabled account (647)", "disabled1", ref_for("disabled1", "clientPass"),
             "Access-Reject", 647)
expect_error(f"{T}: disabled account, wrong password (691: the DC checks the password first)", "disabled1",
             ref_for("disabled1", "wrongPass"), "Access-Reject", 691)
expect_error(f"{T}: password expired, wrong password (691)", "pexpired", ref_for("pexpired", "wrongPass"),
             "Access-Reject", 691)
expect_error(f"{T}: password must change, wrong password (691)", "pmustchange",
             ref_for("pmustchange", "wrongPass"), "Access-Reject", 691)
# winbind's server has report_lockout = yes (647), ntlm_auth's has no (691, like a wrong password).
expect_error(f"{T}: locked-out account, report_lockout = {'yes' if T == 'winbind' else 'no'}", "locked1",
             ref_for("locked1", "clientPass"), "Access-Reject", 647 if T == "winbind" else 691)

# Password change after E=648 (RFC 2759 section 7): the blobs computed by mschap_ref.py, the DC
# checks the old password and applies its policy (no complexity, no history, no minimum age).
CPW_USER = "pwchange1" if T == "winbind" else "pwchange2"
NEW_PW = f"Changed-{T}-9!"


def cpw_attrs(user, r):
    return ([("User-Name", f'"{user}"'), ("MS-CHAP-Challenge", "0x" + r["challenge"]),
             ("MS-CHAP2-CPW", "0x" + r["ms_chap2_cpw"])] +
            [("MS-CHAP-NT-Enc-PW", "0x" + c) for c in r["ms_chap_nt_enc_pw"]])


CPW_SENT = []


def cpw_ref(user, old, new):
    r = mschap_ref.change_password(user, old, new, os.urandom(16), os.urandom(16), ident=0x2a)
    CPW_SENT.append(r)
    return r


expect_error(f"{T}: {CPW_USER} must change, right password", CPW_USER, ref_for(CPW_USER, "clientPass"),
             "Access-Reject", 648)
code, reply = radclient(cpw_attrs(CPW_USER, cpw_ref(CPW_USER, "wrongOld-1", NEW_PW)))
check(f"{T}: change with a wrong old password: Access-Reject", "Access-Reject", code)
check(f"{T}: change with a wrong old password: E=691", "E=691", error_value(reply).split(" ")[0])
r = cpw_ref(CPW_USER, "clientPass", NEW_PW)
code, reply = radclient(cpw_attrs(CPW_USER, r), timeout=10)
check(f"{T}: {CPW_USER} changes the password: Access-Accept", "Access-Accept", code)
check(f"{T}: change: MS-CHAP2-Success from the new password", success_value(r), octets(reply, "MS-CHAP2-Success"))
check(f"{T}: change: MS-MPPE-Send-Key of the new password", r["mppe_send_key"], octets(reply, "MS-MPPE-Send-Key"))
expect_accept(f"{T}: {CPW_USER} logs in with the new password", CPW_USER, ref_for(CPW_USER, NEW_PW))
expect_error(f"{T}: {CPW_USER}'s old password no longer works", CPW_USER, ref_for(CPW_USER, "clientPass"),
             "Access-Reject", 691)

BADPWD_PY = """
import sys, ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB
lp = LoadParm()
lp.load(sys.argv[1])
db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
r = db.search(db.domain_dn(), scope=ldb.SCOPE_SUBTREE, attrs=["badPwdCount"],
              expression="(sAMAccountName=%s)" % sys.argv[2])
print(int(r[0].get("badPwdCount", [0])[0]))
"""


def bad_pwd_count(user):
    """The DC's badPwdCount of user (read inside the DC's namespace, like everything Samba)."""
    r = subprocess.run(["bash", "-c", f'source {LIB} && dc_exec {DC_DIR} /usr/bin/python3 -c "$0" "$1" "$2"',
                        BADPWD_PY, f"{DC_DIR}/etc/smb.conf", user], capture_output=True, text=True)
    try:
        return int(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return f"<{r.stdout.strip()} {r.stderr.strip()[-200:]}>"


# eapol_test (wpa_supplicant's own MS-CHAPv2 and MPPE code) against the DC, default ChallengeHash
# name: exactly one try per request, so a right password never counts as a bad one at the DC.
# carol has a lockout PSO (threshold 1000), so the DC counts her bad passwords; alice's domain
# has no lockout, where Samba counts nothing.
expect_accept(f"{T}: carol right password (a successful logon resets badPwdCount)", "carol",
              ref_for("carol", "clientPass"))
before = bad_pwd_count("carol")
for method, label in (("MSCHAPV2", "EAP-MSCHAPv2"), ("PEAP", "PEAP/MSCHAPv2"), ("TTLS-MSCHAPV2", "TTLS/MSCHAPv2")):
    for user in ("carol", "carol@mipkey.test", "MIPKEY\\carol"):
        result, mppe = eapol(method, user, "clientPass")
        check(f"{T}: eapol_test {label} {user}: SUCCESS", "SUCCESS", result)
        check(f"{T}: eapol_test {label} {user}: MPPE keys OK", "MPPE keys OK: 1  mismatch: 0", mppe)
after = bad_pwd_count("carol")
check(f"{T}: badPwdCount of carol unchanged by the 9 eapol_test logons ({before} -> {after})", before, after)
# ... and the count is real: one wrong password counts once.
expect_error(f"{T}: carol wrong password", "carol", ref_for("carol", "wrongPass"), "Access-Reject", 691)
check(f"{T}: badPwdCount of carol counts a wrong password (+1)",
      after + 1 if isinstance(after, int) else "<int>", bad_pwd_count("carol"))

if T == "ntlm_auth":
    ntlm_auth_helper_tests()

# The DC goes away: fail (no MS-CHAP-Error), one log line; it comes back: accept, same freeradius.
check(f"{T}: DC stopped", 0, dc("stop"))
mark = log_mark()
code, reply = radclient(mschap_attrs("alice", ref_for("alice", "clientPass")), timeout=15)
check(f"{T}: DC down: request fails (Access-Reject)", "Access-Reject", code)
check(f"{T}: DC down: module fail, so no MS-CHAP-Error", False, "MS-CHAP-Error" in reply)
time.sleep(0.2)
check(f"{T}: DC down: a clear log line", True,
      bool(re.search(r"ERROR: .*Domain controller unreachable", log_since(mark))))
check(f"{T}: DC started again", 0, dc("start"))
code, ref = None, None
deadline = time.time() + 20
while time.time() < deadline:
    ref = ref_for("alice", "clientPass")
    code, reply = radclient(mschap_attrs("alice", ref), timeout=5)
    if code == "Access-Accept":
        break
    time.sleep(0.5)
check(f"{T}: DC back: Access-Accept without restarting freeradius", "Access-Accept", code)
check(f"{T}: DC back: MPPE keys right", ref["mppe_send_key"], octets(reply, "MS-MPPE-Send-Key"))
check(f"{T}: freeradius still the same process", True, os.path.exists(f"/proc/{RADIUSD_PID}"))
finish()
