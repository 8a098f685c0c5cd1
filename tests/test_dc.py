#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""rlm_mipkey with a domain controller (backend = winbind or ntlm_auth, env TRANSPORT) through
a real FreeRADIUS and a real Samba AD DC (started by tests/test_dc.sh).

Expected k' and keys are computed from the password by tests/lib/mschap_ref.py, independently
of the module and of Samba. Prints one PASS/FAIL line per check.
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from radtest import (check, eapol, expect_accept, expect_error, finish, log_mark,  # noqa: E402
                     log_since, mschap_attrs, octets, radclient, ref_for)

T = os.environ["TRANSPORT"]
DC_DIR = os.environ["DC_DIR"]
RADIUSD_PID = os.environ["RADIUSD_PID"]
LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib", "samba_dc.sh")


def dc(action):
    env = dict(os.environ, DC_STOP_KEEP=RADIUSD_PID)
    return subprocess.run(["bash", "-c", f"source {LIB} && dc_{action} {DC_DIR}"], env=env,
                          capture_output=True, text=True).returncode


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
expect_error(f"{T}: disabled account (691, documented)", "disabled1", ref_for("disabled1", "clientPass"),
             "Access-Reject", 691)
# winbind's server has report_lockout = yes (647), ntlm_auth's has no (691, like a wrong password).
expect_error(f"{T}: locked-out account, report_lockout = {'yes' if T == 'winbind' else 'no'}", "locked1",
             ref_for("locked1", "clientPass"), "Access-Reject", 647 if T == "winbind" else 691)

result, mppe = eapol("PEAP", "alice", "clientPass")
check(f"{T}: eapol_test PEAP/MSCHAPv2 alice: SUCCESS", "SUCCESS", result)
check(f"{T}: eapol_test PEAP/MSCHAPv2 alice: MPPE keys OK", "MPPE keys OK: 1  mismatch: 0", mppe)

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
