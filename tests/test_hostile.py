#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile and broken Access-Requests, one table row each with its expected outcome.

Every request is built here byte by byte and sent over a raw UDP socket with a valid
Message-Authenticator (RFC 3579 3.2), so that it reaches the module whatever its shape. For
every row: the reply code; on a reject, no MS-CHAP2-Success, no MPPE key and no Mobile IP key;
the MS-CHAP-Error code where one is expected (E=691) or its absence (a malformed request is
`invalid`, not a password failure); the ERROR line the module must log for a malformed request;
and that the server still answers a Status-Server afterwards.

The LDAP injection rows are proved meaningful first: the naive, unescaped filter a careless
module would build is run against the directory here (ldapsearch as the RADIUS service
account) and must find the entry whose password the request was computed with; the module
must still answer E=691. Fixtures: ldap-fixtures/users.ldif (alice, m*llory(x)\\y) and
ldap-fixtures/broken-hashes.ldif (sambaNTPassword not hex, short, long, two-valued).

Environment as for the other suites (RADIUS_PORT, RADIUS_SECRET, RADIUS_DIR, LDAP_PORT).
"""
import hashlib
import hmac
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mip_ref  # noqa: E402
from radtest import PORT, SECRET, check, finish, log_mark, log_since, ref_for  # noqa: E402

LDAP_PORT = os.environ.get("LDAP_PORT", "")
MS, MIPKEY = 311, 32473
USER_NAME, VENDOR_SPECIFIC, MESSAGE_AUTHENTICATOR = 1, 26, 80
MS_CHAP_ERROR, MS_CHAP_CHALLENGE, MS_CHAP2_RESPONSE, MS_CHAP2_SUCCESS = 2, 11, 25, 26
MS_MPPE_SEND_KEY, MS_MPPE_RECV_KEY = 16, 17
CODES = {2: "Access-Accept", 3: "Access-Reject", 11: "Access-Challenge", 12: "Status-Server"}


def attr(t, value):
    return bytes([t, 2 + len(value)]) + value


def vsa(vendor, t, value):
    return attr(VENDOR_SPECIFIC, struct.pack("!I", vendor) + bytes([t, 2 + len(value)]) + value)


def packet(code, attrs):
    """A request with a valid Message-Authenticator; returns (bytes, ident, authenticator)."""
    ident = os.urandom(1)[0]
    auth = os.urandom(16)
    attrs = attrs + attr(MESSAGE_AUTHENTICATOR, bytes(16))
    pkt = bytearray(struct.pack("!BBH", code, ident, 20 + len(attrs)) + auth + attrs)
    pkt[-16:] = hmac.new(SECRET.encode(), bytes(pkt), hashlib.md5).digest()
    return bytes(pkt), ident


def send(pkt, ident, timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(pkt, ("127.0.0.1", int(PORT)))
        while True:
            reply, _ = s.recvfrom(4096)
            if reply[1] == ident:
                return reply
    except socket.timeout:
        return None
    finally:
        s.close()


def parse(reply):
    """{(vendor, type): [values]} of a reply (vendor 0 for standard attributes)."""
    out, i = {}, 20
    while i + 2 <= len(reply):
        t, ln = reply[i], reply[i + 1]
        v = reply[i + 2:i + ln]
        if t == VENDOR_SPECIFIC and len(v) >= 6:
            vendor = struct.unpack("!I", v[:4])[0]
            out.setdefault((vendor, v[4]), []).append(v[6:6 + v[5] - 2])
        else:
            out.setdefault((0, t), []).append(v)
        i += max(ln, 2)
    return out


def alive():
    pkt, ident = packet(12, b"")
    r = send(pkt, ident, timeout=3)
    return r is not None and r[0] == 2


def mschap_error(attrs):
    """The E= code of MS-CHAP-Error, or None if there is none."""
    v = attrs.get((MS, MS_CHAP_ERROR))
    if not v:
        return None
    text = v[0][1:].decode("latin-1")
    return text.split(" ")[0][2:] if text.startswith("E=") else "<" + text + ">"


def run(name, body, code, error=None, log=None, reply_message=None, no_mobileip=False):
    """error: "691" (that MS-CHAP-Error), "none" (no MS-CHAP-Error), None (not checked).
    no_mobileip: an accept that must carry no Mobile IP attribute."""
    mark = log_mark()
    pkt, ident = packet(1, body)
    reply = send(pkt, ident)
    got = CODES.get(reply[0], str(reply[0])) if reply else "no reply"
    check(f"{name}: {code}", code, got)
    attrs = parse(reply) if reply else {}
    if code == "Access-Reject":
        leaked = [k for k in attrs if k in ((MS, MS_CHAP2_SUCCESS), (MS, MS_MPPE_SEND_KEY), (MS, MS_MPPE_RECV_KEY))
                  or k[0] == MIPKEY]
        check(f"{name}: no MS-CHAP2-Success, MPPE or Mobile IP key", [], leaked)
    if no_mobileip:
        check(f"{name}: no Mobile IP attribute", [], [k for k in attrs if k[0] == MIPKEY])
    if error is not None:
        check(f"{name}: MS-CHAP-Error", None if error == "none" else error, mschap_error(attrs))
    if log is not None:
        text = ""
        for _ in range(20):             # the log line is written after the reply
            text = log_since(mark)
            if log in text:
                break
            time.sleep(0.05)
        check(f"{name}: log line", True, log in text)
        if log not in text:
            print("   log was: " + text.strip().replace("\n", "\n   "))
    if reply_message is not None:
        msgs = b" ".join(attrs.get((0, 18), [])).decode("latin-1")
        check(f"{name}: Reply-Message", True, reply_message in msgs)
    check(f"{name}: server still answers", True, alive())


def mschap(user, ref, challenge=None, response=None, name_attr=True):
    c = bytes.fromhex(ref["challenge"]) if challenge is None else challenge
    r = bytes.fromhex(ref["ms_chap2_response"]) if response is None else response
    return (attr(USER_NAME, user) if name_attr else b"") + vsa(MS, MS_CHAP_CHALLENGE, c) + vsa(MS, MS_CHAP2_RESPONSE, r)


def naive_filter_finds(filter_value, uid):
    """True if the unescaped filter a naive module would build finds the entry uid."""
    f = f"(&(objectClass=sambaSamAccount)(uid={filter_value}))"
    r = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", f"ldap://127.0.0.1:{LDAP_PORT}", "-D",
                        "cn=radius,dc=mipkey,dc=test", "-w", "radius-secret", "-b", "ou=people,dc=mipkey,dc=test",
                        f, "uid"], capture_output=True, text=True)
    return f"uid: {uid}" in r.stdout.splitlines()


alice = ref_for("alice", "clientPass")
good_resp = bytes.fromhex(alice["ms_chap2_response"])
good_chal = bytes.fromhex(alice["challenge"])

# --- positive control: the raw sender gets an accept for a right password -----------------------
run("control: alice, right password", mschap(b"alice", alice), "Access-Accept")

# --- MS-CHAP2-Response at every wrong length 0..60 -----------------------------------------------
for n in range(0, 61):
    if n == 50:
        continue
    value = (good_resp + bytes(16))[:n]
    # FreeRADIUS drops an empty attribute when it decodes the packet: the module sees none.
    run(f"MS-CHAP2-Response of {n} octets", mschap(b"alice", alice, response=value), "Access-Reject",
        error="none", log=f"MS-CHAP2-Response is {n} octets" if n else "1 MS-CHAP-Challenge and 0 MS-CHAP2-Response")

# --- MS-CHAP-Challenge at every wrong length 0..20 ------------------------------------------------
for n in range(0, 21):
    if n == 16:
        continue
    value = (good_chal + bytes(8))[:n]
    run(f"MS-CHAP-Challenge of {n} octets", mschap(b"alice", alice, challenge=value), "Access-Reject",
        error="none", log=f"MS-CHAP-Challenge is {n} octets" if n else "0 MS-CHAP-Challenge and 1 MS-CHAP2-Response")

# --- duplicates and missing pieces ------------------------------------------------------------------
run("two MS-CHAP-Challenge", mschap(b"alice", alice) + vsa(MS, MS_CHAP_CHALLENGE, good_chal), "Access-Reject",
    error="none", log="2 MS-CHAP-Challenge and 1 MS-CHAP2-Response")
run("two MS-CHAP2-Response", mschap(b"alice", alice) + vsa(MS, MS_CHAP2_RESPONSE, good_resp), "Access-Reject",
    error="none", log="1 MS-CHAP-Challenge and 2 MS-CHAP2-Response")
run("two MS-CHAP2-Response, the second of 49 octets",
    mschap(b"alice", alice) + vsa(MS, MS_CHAP2_RESPONSE, good_resp[:49]), "Access-Reject",
    error="none", log="1 MS-CHAP-Challenge and 2 MS-CHAP2-Response")
run("no MS-CHAP-Challenge", attr(USER_NAME, b"alice") + vsa(MS, MS_CHAP2_RESPONSE, good_resp), "Access-Reject",
    error="none", log="0 MS-CHAP-Challenge and 1 MS-CHAP2-Response")
run("no MS-CHAP2-Response (a lone MS-CHAP-Challenge)", attr(USER_NAME, b"alice") + vsa(MS, MS_CHAP_CHALLENGE, good_chal),
    "Access-Reject", error="none", log="1 MS-CHAP-Challenge and 0 MS-CHAP2-Response")
run("no User-Name", mschap(b"", alice, name_attr=False), "Access-Reject", error="none", log="no User-Name")
run("no MS-CHAP attribute at all", attr(USER_NAME, b"alice"), "Access-Reject", error="none")
# FreeRADIUS hands a module the first of two User-Names: the response must be for that one.
run("two User-Name, alice first (the response is alice's)", attr(USER_NAME, b"alice") + mschap(b"bob", alice),
    "Access-Accept")
run("two User-Name, bob first (the response is alice's)", attr(USER_NAME, b"bob") + mschap(b"alice", alice),
    "Access-Reject", error="691")

# --- User-Name shapes --------------------------------------------------------------------------------
run("User-Name with a NUL byte", mschap(b"ali\x00ce", ref_for("ali\x00ce", "clientPass")), "Access-Reject",
    error="none", log="the user name contains a NUL byte")
run("User-Name alice followed by NUL", mschap(b"alice\x00", ref_for("alice\x00", "clientPass")), "Access-Reject",
    error="none", log="the user name contains a NUL byte")
long_name = b"a" * 253
run("User-Name of 253 octets (no such user)", mschap(long_name, ref_for("a" * 253, "clientPass")), "Access-Reject",
    error="691")
run("User-Name \\", mschap(b"\\", ref_for("\\", "clientPass")), "Access-Reject", error="none",
    log="no account name in")
run("User-Name @", mschap(b"@", ref_for("@", "clientPass")), "Access-Reject", error="none", log="no account name in")
run("User-Name a@ (no such user a)", mschap(b"a@", ref_for("a@", "clientPass")), "Access-Reject", error="691")
run("User-Name \\a@b (no such user a)", mschap(b"\\a@b", ref_for("\\a@b", "clientPass")), "Access-Reject", error="691")
run("User-Name \\alice@b, right password: the account is alice", mschap(b"\\alice@b", ref_for("\\alice@b", "clientPass")),
    "Access-Accept")
# (the response is alice's: what matters is that the bytes reach the filter and the hash safely)
run("User-Name of invalid UTF-8 (no such user)", mschap(b"\xff\xfe\xc0\xaf", alice), "Access-Reject", error="691")

# --- LDAP filter injection: the naive filter finds the entry, the module must not --------------------
mallory_pw = "malloryPass"
injections = [
    # (name as sent, value a naive module puts in (uid=...), entry it would find, password)
    ("alic*", "alic*", "alice", "clientPass"),
    ("*", "*", "alice", "clientPass"),
    ("*)(uid=alice", "*)(uid=alice", "alice", "clientPass"),
    ("alice)(|(uid=*)", "alice)(|(uid=*)", "alice", "clientPass"),
    ("MIPKEY\\m*llory*", "m*llory*", "m*llory(x)\\y", mallory_pw),
    ("MIPKEY\\m*", "m*", "m*llory(x)\\y", mallory_pw),
]
for sent, naive, uid, pw in injections:
    # The response is computed with the password of the entry the naive filter finds.
    check(f"injection {sent}: the naive filter (uid={naive}) finds {uid}", True, naive_filter_finds(naive, uid))
    run(f"injection {sent}: E=691", mschap(sent.encode(), ref_for(sent, pw)), "Access-Reject", error="691")
# and the escaped filter finds exactly the entry with the metacharacters in its name
run("mallory by her real uid m*llory(x)\\y: accepted", mschap(b"MIPKEY\\m*llory(x)\\y",
                                                             ref_for("MIPKEY\\m*llory(x)\\y", mallory_pw)),
    "Access-Accept")

# --- broken sambaNTPassword values (ldap-fixtures/broken-hashes.ldif): never accepted ----------------
for uid, what in (("hashbad", "not hex"), ("hashshort", "30 hex digits"), ("hashlong", "34 hex digits"),
                  ("hashspace", "a space inside"), ("hashmulti", "two values")):
    run(f"sambaNTPassword {what} ({uid}), right password: E=691", mschap(uid.encode(), ref_for(uid, "clientPass")),
        "Access-Reject", error="691")

# --- Mobile IP key-request attributes out of range (right password, signed request) ------------------
def keyreq(extra):
    return mschap(b"alice", ref_for("alice", "clientPass")) + extra


def mip(t, value):
    return vsa(MIPKEY, t, value)


u32 = lambda v: struct.pack("!I", v)  # noqa: E731
for v in (0, 4, 0xFFFFFFFF):
    run(f"Mipkey-Key-Request {v}", keyreq(mip(2, u32(v)) + mip(10, u32(256))), "Access-Reject",
        log=f"Mipkey-Key-Request {v} is not 1", reply_message=f"Mipkey-Key-Request {v} is not 1")
run("Mipkey-Key-Request MN-HA without Mipkey-MN-HA-SPI", keyreq(mip(2, u32(1))), "Access-Reject",
    log="MN-HA key requested without Mipkey-MN-HA-SPI")
run("Mipkey-Key-Request MN-FA without Mipkey-MN-FA-SPI", keyreq(mip(2, u32(2))), "Access-Reject",
    log="MN-FA key requested without Mipkey-MN-FA-SPI")
run("Mipkey-Requested-Lifetime 0", keyreq(mip(2, u32(1)) + mip(10, u32(256)) + mip(5, u32(0))), "Access-Reject",
    log="requested lifetime 0")
# Integer attributes of the wrong size are not decoded as integers by FreeRADIUS: the key
# request then lacks them (no SPI: refused; no lifetime: the maximum).
run("Mipkey-MN-HA-SPI of 3 octets", keyreq(mip(2, u32(1)) + mip(10, b"\x00\x01\x00")), "Access-Reject",
    log="MN-HA key requested without Mipkey-MN-HA-SPI")
run("Mipkey-Key-Request of 5 octets", keyreq(mip(2, b"\x00\x00\x00\x01\x00") + mip(10, u32(256))), "Access-Accept")
run("Mipkey-Home-Address of 3 octets, User-Name is not an address",
    keyreq(mip(2, u32(1)) + mip(10, u32(256)) + mip(3, b"\xc0\x00\x02")), "Access-Accept")

# --- Registration Requests with every length field wrong ------------------------------------------------
def rrq_case(name, blob, log="malformed Mipkey-Registration-Request"):
    ref = ref_for("alice", "clientPass", peer=hashlib.md5(blob).digest())
    run(f"RRQ {name}", mschap(b"alice", ref) + mip(1, blob), "Access-Reject", log=log,
        reply_message="malformed Mipkey-Registration-Request" if log else None)


nai = mip_ref.nai_ext("alice")
ha = mip_ref.keygen_request(mip_ref.EXT_MN_HA_KEYGEN_REQ, 256)
fa = mip_ref.keygen_request(mip_ref.EXT_MN_FA_KEYGEN_REQ, 257)
chal132 = mip_ref.challenge_ext(good_chal)
hdr = mip_ref.rrq_header(home_address="192.0.2.10", home_agent="192.0.2.1")
aaa = mip_ref.mn_aaa_header(7, 16) + bytes(16)
good = hdr + nai + chal132 + ha + fa + aaa
o_nai, o_chal = 24, 24 + len(nai)
o_ha = o_chal + len(chal132)
o_fa = o_ha + len(ha)
o_aaa = o_fa + len(fa)


def patch(blob, at, value):
    return blob[:at] + value + blob[at + len(value):]


# An empty attribute is dropped by FreeRADIUS's decoder: a plain MS-CHAPv2 accept, no key.
run("RRQ of 0 octets: dropped by FreeRADIUS, plain accept", mschap(b"alice", alice) + mip(1, b""), "Access-Accept",
    no_mobileip=True)
rrq_case("of 23 octets (header cut)", good[:23])
rrq_case("NAI Length 0", patch(good, o_nai + 1, b"\x00"))
rrq_case("NAI Length 255 (past the end)", patch(good, o_nai + 1, b"\xff"))
rrq_case("NAI Length one short", patch(good, o_nai + 1, bytes([len(nai) - 3])))
rrq_case("challenge (132) Length 0", patch(good, o_chal + 1, b"\x00"))
rrq_case("challenge (132) Length 255", patch(good, o_chal + 1, b"\xff"))
rrq_case("MN-HA KeyGen Request Length 0", patch(good, o_ha + 2, b"\x00\x00"))
rrq_case("MN-HA KeyGen Request Length 3 (shorter than the SPI)", patch(good, o_ha + 2, b"\x00\x03"))
rrq_case("MN-HA KeyGen Request Length 5 (subtype 1 with data)", patch(good, o_ha + 2, b"\x00\x05"))
rrq_case("MN-HA KeyGen Request Length 65535", patch(good, o_ha + 2, b"\xff\xff"))
rrq_case("MN-FA KeyGen Request Length 2", patch(good, o_fa + 2, b"\x00\x02"))
rrq_case("MN-FA KeyGen Request Length 65535", patch(good, o_fa + 2, b"\xff\xff"))
rrq_case("MN-AAA Length 4 (empty authenticator)", good[:o_aaa] + mip_ref.mn_aaa_header(7, 0))
rrq_case("MN-AAA Length 2 (shorter than the SPI)", good[:o_aaa] + bytes([36, 1, 0, 2, 0, 0]))
rrq_case("MN-AAA Length 21 (one past the end)", patch(good, o_aaa + 2, b"\x00\x15"))
rrq_case("MN-AAA Length 65535", patch(good, o_aaa + 2, b"\xff\xff"))
rrq_case("truncated inside the MN-AAA header", good[:o_aaa + 3])
rrq_case("a lone extension Type byte at the end", good + b"\x83")
rrq_case("skippable extension Length past the end", good[:o_aaa] + b"\xc8\x10abc")
rrq_case("unknown non-skippable extension", good[:o_aaa] + b"\x10\x00" + aaa)

finish()
