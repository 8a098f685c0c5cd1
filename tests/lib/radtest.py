# SPDX-License-Identifier: GPL-2.0-or-later
"""What the end-to-end suites share: radclient and eapol_test against the test FreeRADIUS,
PASS/FAIL lines, and the expected MS-CHAPv2 values from mschap_ref (independent of the module).

The server is named by the environment: RADIUS_PORT, RADIUS_SECRET, RADIUS_DIR (its private dir).
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mschap_ref  # noqa: E402

PORT = os.environ.get("RADIUS_PORT", "")
SECRET = os.environ.get("RADIUS_SECRET", "")
RADIUS_DIR = os.environ.get("RADIUS_DIR", "")
LOG = os.path.join(RADIUS_DIR, "log", "radius.log")

counts = {"passed": 0, "failed": 0}


def check(name, expected, actual):
    if expected == actual:
        counts["passed"] += 1
        print(f"PASS {name}", flush=True)
    else:
        counts["failed"] += 1
        print(f"FAIL {name}: expected {expected!r} got {actual!r}", flush=True)


def radclient(attrs, timeout=3, port=None, secret=None, dictionary_dir=None, src=None, sign=True):
    """Sends one Access-Request; returns (code, {attr: [values]}) as radclient decoded them.

    dictionary_dir: a directory whose "dictionary" file radclient reads after the main ones (-d),
    e.g. one that $INCLUDEs the project's dictionary.mipkey. src: the source address (picks the
    client entry on the server, and with it the reply profile). The output is read as latin-1,
    so that the raw bytes of a string value can be recovered. sign: add a Message-Authenticator
    (as home agents should; the module hands out keys only to signed requests by default).
    """
    if sign and not any(k == "Message-Authenticator" for k, _ in attrs):
        attrs = attrs + [("Message-Authenticator", "0x00")]
    if src:
        attrs = attrs + [("Packet-Src-IP-Address", src)]
    body = "\n".join(f"{k} = {v}" for k, v in attrs) + "\n"
    cmd = ["radclient"] + (["-d", dictionary_dir] if dictionary_dir else [])
    cmd += ["-x", "-r", "1", "-t", str(timeout), f"127.0.0.1:{port or PORT}", "auth", secret or SECRET]
    out = subprocess.run(cmd, input=body.encode(), capture_output=True).stdout.decode("latin-1")
    m = re.search(r"^Received (Access-\w+)", out, re.M)
    if not m:
        return "no reply", {}
    reply = {}
    # split("\n"), not splitlines(): a raw 0x85 (NEL in latin-1) inside a printed UTF-8 value is no line end
    for line in out[m.end():].split("\n"):
        am = re.match(r"^\s+([\w-]+) = (.*)$", line)
        if am:
            reply.setdefault(am.group(1), []).append(am.group(2))
    return m.group(1), reply


def mschap_attrs(user, ref, challenge=None, response=None):
    return [("User-Name", f'"{user}"'),
            ("MS-CHAP-Challenge", "0x" + (challenge or ref["challenge"])),
            ("MS-CHAP2-Response", "0x" + (response or ref["ms_chap2_response"]))]


def ref_for(user, password=None, hash_user=None, challenge=None, peer=None, nt_hash=None):
    return mschap_ref.compute(user, challenge or os.urandom(16), peer or os.urandom(16), password=password,
                              nt_hash=nt_hash, hash_user=hash_user, ident=0x2a)


def octets(reply, attr):
    v = reply.get(attr, ["<absent>"])[0]
    return v[2:].upper() if v.startswith("0x") else v


def success_value(ref):
    """MS-CHAP2-Success: the ident byte, then the "S=" authenticator response."""
    return ("%02X" % ref["ident"]) + ref["authenticator_response"].encode().hex().upper()


def error_value(reply, ident=0x2a):
    """MS-CHAP-Error text after the ident byte; "<bad ident>" unless the ident is the request's."""
    v = reply.get("MS-CHAP-Error", ["<absent>"])[0]
    v = v[1:-1] if v.startswith('"') else v
    m = re.match(r"^\\(\d{3})", v)  # radclient prints a non-printable ident as \NNN (octal)
    got, rest = (int(m.group(1), 8), v[4:]) if m else (ord(v[0]) if v else -1, v[1:])
    return rest if got == ident else "<bad ident %d>" % got


def expect_accept(name, user, ref):
    code, reply = radclient(mschap_attrs(user, ref))
    check(f"{name}: Access-Accept", "Access-Accept", code)
    check(f"{name}: MS-CHAP2-Success is ident + S=<authenticator response>", success_value(ref),
          octets(reply, "MS-CHAP2-Success"))
    check(f"{name}: decrypted MS-MPPE-Send-Key", ref["mppe_send_key"], octets(reply, "MS-MPPE-Send-Key"))
    check(f"{name}: decrypted MS-MPPE-Recv-Key", ref["mppe_recv_key"], octets(reply, "MS-MPPE-Recv-Key"))
    return reply


def expect_error(name, user, ref, code_expected, error_code, response=None):
    code, reply = radclient(mschap_attrs(user, ref, response=response))
    check(f"{name}: Access-Reject", "Access-Reject", code)
    check(f"{name}: MS-CHAP-Error", f"E={error_code} R=0 C={ref['challenge']} V=3",
          " ".join(error_value(reply).split(" ")[:4]))
    check(f"{name}: no MPPE keys", False, "MS-MPPE-Send-Key" in reply or "MS-MPPE-Recv-Key" in reply)
    return reply


def log_mark():
    return os.path.getsize(LOG)


def log_since(mark, wait_for=None, timeout=3.0):
    """What the server logged after mark. With wait_for: polls until that text is there or
    timeout seconds have passed (the server may log after it answered, later on a busy host)."""
    deadline = time.monotonic() + timeout
    while True:
        with open(LOG, errors="replace") as f:
            f.seek(mark)
            text = f.read()
        if wait_for is None or wait_for in text or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def server_alive():
    r = subprocess.run(["radclient", "-r", "1", "-t", "2", f"127.0.0.1:{PORT}", "status", SECRET],
                       input="Message-Authenticator = 0x00\n", capture_output=True, text=True)
    return r.returncode == 0


def eapol(method, identity, password):
    conf = os.path.join(RADIUS_DIR, "run", "eapol.conf")
    phase = ""
    ca = os.path.join(RADIUS_DIR, "certs", "ca.pem")
    eap = method
    if method == "PEAP":
        phase = f'\tanonymous_identity="anonymous"\n\tca_cert="{ca}"\n\tphase1="peapver=0"\n\tphase2="auth=MSCHAPV2"\n'
    elif method.startswith("TTLS-"):
        # TTLS-MSCHAPV2: MS-CHAPv2 attributes inside the tunnel; TTLS-EAP-MSCHAPV2: EAP-MSCHAPv2 inside.
        eap = "TTLS"
        inner = "autheap=MSCHAPV2" if method == "TTLS-EAP-MSCHAPV2" else "auth=MSCHAPV2"
        phase = f'\tanonymous_identity="anonymous"\n\tca_cert="{ca}"\n\tphase2="{inner}"\n'
    with open(conf, "w") as f:
        f.write(f'network={{\n\tkey_mgmt=WPA-EAP\n\teap={eap}\n\tidentity="{identity}"\n'
                f'\tpassword="{password}"\n{phase}}}\n')
    r = subprocess.run(["eapol_test", "-c", conf, "-a", "127.0.0.1", "-p", PORT, "-s", SECRET, "-r", "0", "-t", "10"],
                       capture_output=True, text=True)
    lines = r.stdout.strip().splitlines()
    mppe = [l for l in lines if l.startswith("MPPE keys OK")]
    return (lines[-1] if lines else "<no output>"), (mppe[0] if mppe else "<no MPPE line>")



def finish():
    """The suite's closing line and exit status."""
    print(f"{counts['passed']} passed, {counts['failed']} failed")
    sys.exit(1 if counts["failed"] else 0)
