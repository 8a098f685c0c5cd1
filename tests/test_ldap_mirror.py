#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end tests of the LDAP mirror (ldap { mirror = yes }): a real slapd with the syncprov
overlay (ldap-fixtures/slapd.conf.in) and a real freeradius with the module, both started here
on loopback, in a private directory, stopped by PID at the end even when a check fails.

What is checked: the first load (fixtures plus MIRROR_USERS generated entries), requests
answered without an LDAP search, the search's semantics kept (disabled, unknown, two entries
with one name, case of the name), changes made in the directory seen within 1 s (new password,
disabled, deleted, added, new AAA key), a slapd restart (resumed with the cookie, a deletion
made before the mirror reconnected is seen), slapd down for less and for more than max_stale.

Expected MS-CHAPv2 values from tests/lib/mschap_ref.py, Mobile IP keys from mip_ref.py and
Python's hmac: never from the module. Sync latencies are printed as TIME lines (upper bounds:
from before ldapmodify starts to the first answer that shows the change; one radclient per try).

Environment: MIRROR_LDAP_PORT (38970), MIRROR_RADIUS_PORT (38971; the test server uses it and
the next 4), MIRROR_USERS (2000), MAX_STALE (3), KEEP_WORK=1 keeps the directory.
"""
import hashlib
import hmac
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
LDAP_PORT = os.environ.get("MIRROR_LDAP_PORT", "38970")
RADIUS_PORT = os.environ.get("MIRROR_RADIUS_PORT", "38971")
N_USERS = int(os.environ.get("MIRROR_USERS", "2000"))
MAX_STALE = int(os.environ.get("MAX_STALE", "3"))
SECRET = "mirror-test-secret"
WORK = tempfile.mkdtemp(prefix="mipkey-mirror.")
os.environ.update(RADIUS_PORT=RADIUS_PORT, RADIUS_SECRET=SECRET, RADIUS_DIR=os.path.join(WORK, "radiusd"))

sys.path.insert(0, os.path.join(HERE, "lib"))
import mip_ref  # noqa: E402
import mschap_ref  # noqa: E402
import radtest  # noqa: E402
from radtest import check, error_value, log_mark, log_since, mschap_attrs, octets, radclient, success_value  # noqa: E402

SLAPD_DIR = os.path.join(WORK, "slapd")
RADIUS_DIR = os.path.join(WORK, "radiusd")
LIBS = f"source {HERE}/lib/slapd.sh && source {HERE}/lib/radiusd.sh"
SUFFIX = "dc=mipkey,dc=test"
PEOPLE = "ou=people," + SUFFIX
LOAD_PW = "loadPass-1"
ALICE_SPI = 1000
NEW_AAA_KEY = bytes.fromhex("00112233445566778899AABBCCDDEEFF01234567")


def sh(cmd, **kw):
    return subprocess.run(["bash", "-c", f"{LIBS} && {cmd}"], capture_output=True, text=True, **kw)


def cleanup(*_):
    sh(f"radiusd_stop {RADIUS_DIR}; slapd_stop {SLAPD_DIR}")
    if os.environ.get("KEEP_WORK") == "1":
        print(f"work directory kept: {WORK}")
    else:
        shutil.rmtree(WORK, ignore_errors=True)


def on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)


def ldap(tool, ldif="", *args):
    """ldapmodify / ldapadd / ldapdelete as the directory's admin."""
    env = dict(os.environ, LDAPNOINIT="1")
    return subprocess.run([tool, "-x", "-H", f"ldap://127.0.0.1:{LDAP_PORT}", "-D", "cn=admin," + SUFFIX,
                           "-w", "admin-secret", *args], input=ldif, capture_output=True, text=True, env=env)


def nt_hex(password):
    return mschap_ref.nt_password_hash(password).hex().upper()


def generated_ldif(n, nt):
    out = []
    for i in range(n):
        out.append(f"dn: uid=mu{i:06d},{PEOPLE}\nobjectClass: top\nobjectClass: inetOrgPerson\n"
                   f"objectClass: sambaSamAccount\nuid: mu{i:06d}\ncn: mu{i:06d}\nsn: mu\n"
                   f"sambaSID: S-1-5-21-1111111111-2222222222-3333333333-{200000 + i}\n"
                   f"sambaNTPassword: {nt}\nsambaAcctFlags: [U          ]\n")
    return "\n".join(out)


def attempt(user, password):
    """One MS-CHAPv2 request: (code, reply, ref)."""
    ref = mschap_ref.compute(user, os.urandom(16), os.urandom(16), password=password, ident=0x2a)
    code, reply = radclient(mschap_attrs(user, ref), timeout=3)
    return code, reply, ref


def accepted(user, password):
    return accepts(user, password)()


def accepts(user, password):
    """A probe: the request is computed once (mschap_ref runs openssl), then sent per call."""
    ref = mschap_ref.compute(user, os.urandom(16), os.urandom(16), password=password, ident=0x2a)

    def probe():
        code, reply = radclient(mschap_attrs(user, ref), timeout=3)
        return code == "Access-Accept" and octets(reply, "MS-CHAP2-Success") == success_value(ref)
    return probe


def mschap_error(user, password):
    return errors(user, password)()


def errors(user, password):
    """A probe: (code, "E=nnn") of the request, computed once."""
    ref = mschap_ref.compute(user, os.urandom(16), os.urandom(16), password=password, ident=0x2a)

    def probe():
        code, reply = radclient(mschap_attrs(user, ref), timeout=3)
        return code, error_value(reply).split(" ")[0]
    return probe


PROBES = [0]


def until(pred, limit=3.0):
    """Seconds until pred() is true (polled; PROBES[0]: how many calls), or None after limit s."""
    t0 = time.monotonic()
    PROBES[0] = 0
    while time.monotonic() - t0 < limit:
        PROBES[0] += 1
        if pred():
            return time.monotonic() - t0
    return None


def seen_within(name, change, pred, limit=1.0):
    """Applies change (an LDAP write), then polls pred; PASS if it holds within limit s of the
    write's return (TIME: that delay, an upper bound of the sync latency)."""
    r = change()
    if r.returncode != 0:
        check(f"{name}: LDAP write", 0, r.returncode)
        print("   " + r.stderr.strip())
        return
    t = until(pred, 3.0)
    print(f"TIME {name}: " + ("not seen within 3 s" if t is None else
                              f"{t:.3f} s after the write returned (seen at request {PROBES[0]})"))
    check(f"{name}: seen within {limit} s", True, t is not None and t < limit)


def searches_since(mark):
    with open(os.path.join(SLAPD_DIR, "slapd.log"), errors="replace") as f:
        f.seek(mark)
        return len(re.findall(r'SRCH base="[^"]*" scope=2 deref=0 filter="\(&\(objectClass=sambaSamAccount\)', f.read()))


def slapd_mark():
    return os.path.getsize(os.path.join(SLAPD_DIR, "slapd.log"))


def aaa_key_ok(key, password):
    """A Mobile IP MN-HA key request for alice on the AAA site: the key must be
    HMAC-SHA1(key, nonce || "alice")."""
    ref = mschap_ref.compute("alice", os.urandom(16), os.urandom(16), password=password, ident=0x2a)
    attrs = mschap_attrs("alice", ref) + [("Mipkey-Key-Request", "MN-HA"), ("Mipkey-MN-HA-SPI", "256"),
                                           ("Mipkey-Requested-Lifetime", "60"), ("Mipkey-AAA-SPI", str(ALICE_SPI))]
    code, reply = radclient(attrs, port=str(int(RADIUS_PORT) + 3), dictionary_dir=DICT_DIR)
    if code != "Access-Accept":
        return False
    blob = reply.get("Mipkey-MN-HA-KeyGen-Reply", [""])[0]
    got = reply.get("Mipkey-MN-HA-Key", [""])[0]
    try:
        nonce = mip_ref.parse_keygen_replies(bytes.fromhex(blob[2:]))["mn_ha"]["nonce"]
    except (ValueError, KeyError):
        return False
    return got[2:].upper() == hmac.new(key, nonce + b"alice", hashlib.sha1).hexdigest().upper()


def mirror_lines(mark):
    return [ln for ln in log_since(mark).splitlines() if "(mipkey) ldap: mirror" in ln]


try:
    # --- servers ---------------------------------------------------------------------------------
    r = sh(f"slapd_setup {SLAPD_DIR}")
    if r.returncode != 0:
        print("FAIL slapd_setup: " + r.stderr.strip())
        raise SystemExit(1)
    with open(os.path.join(WORK, "generated.ldif"), "w") as f:
        f.write(generated_ldif(N_USERS, nt_hex(LOAD_PW)))
    r = subprocess.run(["/usr/sbin/slapadd", "-q", "-f", os.path.join(SLAPD_DIR, "slapd.conf"),
                        "-l", os.path.join(WORK, "generated.ldif")], capture_output=True, text=True)
    check(f"slapadd {N_USERS} generated users", 0, r.returncode)
    r = sh(f"slapd_start {SLAPD_DIR} {LDAP_PORT} && radiusd_setup {RADIUS_DIR} {RADIUS_PORT} {LDAP_PORT} {SECRET}")
    if r.returncode != 0:
        print("FAIL start slapd / set up freeradius: " + r.stderr.strip())
        raise SystemExit(1)
    # mirror = yes in the ldap { } of the main instance and of the AAA-key instance.
    for name in ("mipkey", "mipkey_aaa"):
        p = os.path.join(RADIUS_DIR, "raddb", "mods-enabled", name)
        with open(p) as f:
            conf = f.read()
        conf, n = re.subn(r"(\n(\s*)base_dn = [^\n]*\n)", rf"\1\2mirror = yes\n\2max_stale = {MAX_STALE}\n", conf,
                          count=1)
        conf = re.sub(r"\n\s*mirror = no\n|\n\s*max_stale = 300\n", "\n", conf)
        with open(p, "w") as f:
            f.write(conf)
        check(f"{name}: mirror = yes set in the test configuration", 1, n)
    DICT_DIR = os.path.join(RADIUS_DIR, "run", "radclient-dict")
    os.makedirs(DICT_DIR, exist_ok=True)
    with open(os.path.join(DICT_DIR, "dictionary"), "w") as f:
        f.write(f"$INCLUDE {REPO}/raddb/dictionary.mipkey\n")
    r = sh(f"radiusd_start {RADIUS_DIR}")
    if r.returncode != 0:
        print("FAIL start freeradius: " + r.stderr.strip())
        raise SystemExit(1)
    with open(os.path.join(RADIUS_DIR, "run", "bgpid")) as f:
        RADIUSD_PID = int(f.read())

    # --- first load --------------------------------------------------------------------------------
    env = dict(os.environ, LDAPNOINIT="1")
    r = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", f"ldap://127.0.0.1:{LDAP_PORT}", "-D", "cn=admin," + SUFFIX,
                        "-w", "admin-secret", "-b", PEOPLE, "(objectClass=sambaSamAccount)", "1.1"],
                       capture_output=True, text=True, env=env)
    n_entries = len(re.findall(r"^dn:", r.stdout, re.M))
    t = until(lambda: any("mirror in sync" in ln for ln in mirror_lines(0)), 10)
    lines = [ln for ln in mirror_lines(0) if "mirror in sync" in ln]
    m = re.search(r"in sync: (\d+) entries, (\d+) names, (\d+) bytes of tables, refresh took ([\d.]+) s",
                  lines[0] if lines else "")
    check("first load: 'mirror in sync' logged", True, m is not None)
    if m:
        check("first load: as many entries as ldapsearch finds", n_entries, int(m.group(1)))
        print(f"TIME first load of {m.group(1)} entries: {m.group(4)} s, {m.group(3)} bytes of tables "
              f"({int(m.group(3)) / max(1, int(m.group(1))):.0f} bytes per entry)")

    # --- answers from the mirror, no LDAP search ---------------------------------------------------
    mark = slapd_mark()
    check("alice (fixture): accepted", True, accepted("alice", "clientPass"))
    check("mu000007 (generated): accepted", True, accepted("mu000007", LOAD_PW))
    check(f"mu{N_USERS - 1:06d} (the last generated): accepted", True, accepted(f"mu{N_USERS - 1:06d}", LOAD_PW))
    check("ALICE (upper case, as uid matches): accepted", True, accepted("ALICE", "clientPass"))
    check("alice, wrong password: E=691", ("Access-Reject", "E=691"), mschap_error("alice", "wrong"))
    check("carol (disabled): E=647", ("Access-Reject", "E=647"), mschap_error("carol", "carolPass"))
    check("frank (password expired): E=648", ("Access-Reject", "E=648"), mschap_error("frank", "frankOld-1"))
    check("nobody (no entry): E=691", ("Access-Reject", "E=691"), mschap_error("nobody", "x"))
    check("erin (no sambaSamAccount): E=691", ("Access-Reject", "E=691"), mschap_error("erin", "erinPass"))
    check("DOMAIN\\alice: looked up as alice", True, accepted("EXAMPLE\\alice", "clientPass"))
    check("Mobile IP key from alice's AAA security association (mirror of mipkey_aaa)", True,
          aaa_key_ok(bytes.fromhex("32F5FECB70568AAD8F78DF744E05D8C4C8D6D23E"), "clientPass"))
    time.sleep(0.2)
    check("none of these requests searched LDAP", 0, searches_since(mark))

    # --- changes in the directory, seen within 1 s -------------------------------------------------
    def modify(dn, *changes):
        body = f"dn: {dn}\nchangetype: modify\n" + "-\n".join(changes)
        return lambda: ldap("ldapmodify", body)

    alice = f"uid=alice,{PEOPLE}"
    seen_within("new password of alice", modify(alice, f"replace: sambaNTPassword\nsambaNTPassword: "
                                                f"{nt_hex('aliceNew-2')}\n"),
                lambda p=accepts("alice", "aliceNew-2"): p())
    check("alice: the old password is refused now", ("Access-Reject", "E=691"), mschap_error("alice", "clientPass"))
    seen_within("alice disabled", modify(alice, "replace: sambaAcctFlags\nsambaAcctFlags: [UD         ]\n"),
                lambda p=errors("alice", "aliceNew-2"): p() == ("Access-Reject", "E=647"))
    seen_within("alice enabled again", modify(alice, "replace: sambaAcctFlags\nsambaAcctFlags: [U          ]\n"),
                lambda p=accepts("alice", "aliceNew-2"): p())
    seen_within("new AAA key of alice", modify(alice, f"replace: mipkeyAAAKey\nmipkeyAAAKey: {NEW_AAA_KEY.hex()}\n"),
                lambda: aaa_key_ok(NEW_AAA_KEY, "aliceNew-2"))
    seen_within("mu000010 deleted", lambda: ldap("ldapdelete", "", f"uid=mu000010,{PEOPLE}"),
                lambda p=errors("mu000010", LOAD_PW): p() == ("Access-Reject", "E=691"))
    nina = (f"dn: uid=nina,{PEOPLE}\nobjectClass: top\nobjectClass: inetOrgPerson\nobjectClass: sambaSamAccount\n"
            f"uid: nina\ncn: nina\nsn: nina\nsambaSID: S-1-5-21-1111111111-2222222222-3333333333-9999\n"
            f"sambaNTPassword: {nt_hex('ninaPass')}\nsambaAcctFlags: [U          ]\n")
    seen_within("nina added", lambda: ldap("ldapadd", nina), lambda p=accepts("nina", "ninaPass"): p())
    # A second entry named alice: refused as the search refuses it (size limit 2), then fine again.
    twin = (f"dn: cn=alice-twin,{PEOPLE}\nobjectClass: top\nobjectClass: inetOrgPerson\n"
            f"objectClass: sambaSamAccount\nuid: alice\ncn: alice-twin\nsn: twin\n"
            f"sambaSID: S-1-5-21-1111111111-2222222222-3333333333-9998\nsambaNTPassword: {nt_hex('aliceNew-2')}\n")
    seen_within("a second entry with uid alice: refused", lambda: ldap("ldapadd", twin),
                lambda p=accepts("alice", "aliceNew-2"): not p())
    seen_within("the second entry deleted: alice accepted", lambda: ldap("ldapdelete", "", f"cn=alice-twin,{PEOPLE}"),
                lambda p=accepts("alice", "aliceNew-2"): p())
    # A user leaving the filter (objectClass sambaSamAccount removed) is gone from the mirror.
    seen_within("nina leaves the filter (no sambaSamAccount)",
                modify(f"uid=nina,{PEOPLE}", "delete: objectClass\nobjectClass: sambaSamAccount\n-\n"
                       "delete: sambaSID\n-\ndelete: sambaNTPassword\n-\ndelete: sambaAcctFlags\n"),
                lambda p=errors("nina", "ninaPass"): p() == ("Access-Reject", "E=691"))

    # --- requests while the sync thread rewrites an entry many times -------------------------------
    # 400 password changes of mu000020 in one ldapmodify, while radclient -p 16 sends 640 requests
    # for 32 other users: each must be accepted (an entry being replaced never hides another),
    # and mu000020 ends with the last password written.
    pw_a, pw_b = nt_hex("churnA-1"), nt_hex("churnB-1")
    churn = "".join(f"dn: uid=mu000020,{PEOPLE}\nchangetype: modify\nreplace: sambaNTPassword\n"
                    f"sambaNTPassword: {pw_a if i % 2 == 0 else pw_b}\n\n" for i in range(400))
    reqfile = os.path.join(WORK, "requests.txt")
    with open(reqfile, "w") as f:
        for i in range(100, 132):
            ref = mschap_ref.compute(f"mu{i:06d}", os.urandom(16), os.urandom(16), password=LOAD_PW, ident=0x2a)
            f.write(f'User-Name = "mu{i:06d}"\nMS-CHAP-Challenge = 0x{ref["challenge"]}\n'
                    f'MS-CHAP2-Response = 0x{ref["ms_chap2_response"]}\n\n')
    writer = subprocess.Popen(["ldapmodify", "-x", "-H", f"ldap://127.0.0.1:{LDAP_PORT}", "-D", "cn=admin," + SUFFIX,
                               "-w", "admin-secret"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=dict(os.environ, LDAPNOINIT="1"))
    writer.stdin.write(churn)
    writer.stdin.close()
    r = subprocess.run(["radclient", "-q", "-s", "-p", "16", "-r", "1", "-t", "5", "-c", "20", "-f", reqfile,
                        f"127.0.0.1:{RADIUS_PORT}", "auth", SECRET], capture_output=True, text=True)
    churn_running = writer.poll() is None
    writer.wait()
    got = re.search(r"Accepted\s*:\s*(\d+)", r.stdout + r.stderr)
    check("640 requests for 32 other users during 400 rewrites of one entry: all accepted", 640,
          int(got.group(1)) if got else None)
    print(f"   (the rewrites {'were still running' if churn_running else 'had ended'} when the requests were done)")
    check("mu000020 after the rewrites: the last password written", True,
          until(accepts("mu000020", "churnB-1"), 1.0) is not None)

    # --- slapd restart: answers from the mirror meanwhile, resumed with the cookie ------------------
    mark = log_mark()
    r = sh(f"slapd_stop {SLAPD_DIR}")
    check("slapd stopped", 0, r.returncode)
    time.sleep(0.5)
    check(f"slapd down for 0.5 s (< max_stale {MAX_STALE} s): alice accepted from the mirror", True,
          accepted("alice", "aliceNew-2"))
    check("slapd down: carol still disabled", ("Access-Reject", "E=647"), mschap_error("carol", "carolPass"))
    r = sh(f"slapd_start {SLAPD_DIR} {LDAP_PORT}")
    check("slapd started again", 0, r.returncode)
    # Deleted at once, most likely before the mirror reconnects (its retry is 1 s or more after
    # the loss): the resumed session's present phase must drop it.
    r = ldap("ldapdelete", "", f"uid=mu000011,{PEOPLE}")
    check("mu000011 deleted right after the restart", 0, r.returncode)
    t = until(lambda: any("resumed from the last cookie" in ln for ln in mirror_lines(mark))
              and any("mirror in sync" in ln for ln in mirror_lines(mark)), 8)
    check("after the restart: the sync resumed from the cookie and is in sync again", True, t is not None)
    check("mu000011 (deleted before or while resuming): refused", ("Access-Reject", "E=691"),
          mschap_error("mu000011", LOAD_PW))
    check("mu000012 (unchanged): still accepted", True, accepted("mu000012", LOAD_PW))
    seen_within("after the restart: new password of mu000013",
                modify(f"uid=mu000013,{PEOPLE}", f"replace: sambaNTPassword\nsambaNTPassword: {nt_hex('muNew')}\n"),
                lambda p=accepts("mu000013", "muNew"): p())

    # --- slapd down beyond max_stale: fail, then back ----------------------------------------------
    mark = log_mark()
    sh(f"slapd_stop {SLAPD_DIR}")
    t_down = time.monotonic()
    time.sleep(1)
    check(f"slapd down 1 s (< max_stale): alice accepted", True, accepted("alice", "aliceNew-2"))
    time.sleep(max(0.0, MAX_STALE + 1 - (time.monotonic() - t_down)))
    code, _reply, _ref = attempt("alice", "aliceNew-2")
    check(f"slapd down {MAX_STALE + 1} s (> max_stale): alice not accepted", True, code != "Access-Accept")
    time.sleep(0.2)
    log = log_since(mark)
    check("beyond max_stale: the module fell back to a search, which found LDAP down", True,
          "unreachable" in log or "no connection could be opened" in log)
    r = sh(f"slapd_start {SLAPD_DIR} {LDAP_PORT}")
    check("slapd started again", 0, r.returncode)
    t = until(accepts("alice", "aliceNew-2"), 10)
    print(f"TIME back after slapd restart: {'never' if t is None else '%.3f s' % t}")
    check("slapd back: alice accepted", True, t is not None)
    until(lambda: any("mirror in sync" in ln for ln in mirror_lines(mark)), 8)
    mark = slapd_mark()
    check("in sync again: accepted without a search", True, accepted("mu000014", LOAD_PW))
    time.sleep(0.2)
    check("in sync again: no LDAP search", 0, searches_since(mark))

    # --- stop: the thread ends with the server ---------------------------------------------------
    t0 = time.monotonic()
    os.kill(RADIUSD_PID, signal.SIGTERM)
    stopped = until(lambda: not os.path.exists(f"/proc/{RADIUSD_PID}") or
                    open(f"/proc/{RADIUSD_PID}/stat").read().split()[2] == "Z", 5)
    check("freeradius exits within 2 s of SIGTERM (mirror thread stopped)", True, stopped is not None and stopped < 2)
finally:
    cleanup()

radtest.finish()
