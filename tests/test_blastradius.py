#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""BlastRADIUS defences (CVE-2024-3596) on Debian's FreeRADIUS 3.2.1, through the real server.

Debian's 3.2.1 has none of upstream 3.2.5's defences, so the module itself:
  * signs every Access-Accept and Access-Reject it shapes (Message-Authenticator in the reply);
  * hands out Mobile IP keys, Skey and k'' only to requests that carry a valid
    Message-Authenticator (mobileip { require_message_authenticator = yes }, the default).

Packets are built and checked here byte by byte with a raw UDP socket, independently of
FreeRADIUS's client library: the reply's Message-Authenticator is recomputed as RFC 3579
3.2 says (HMAC-MD5 over the reply with the request's authenticator, the attribute zeroed).
Environment as for the other suites (RADIUS_PORT, RADIUS_SECRET, RADIUS_DIR).
"""
import hashlib
import hmac
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from radtest import PORT, SECRET, check, finish, ref_for  # noqa: E402

MS = 311            # Microsoft vendor
MIPKEY = 32473      # the project's vendor (raddb/dictionary.mipkey)
ACCESS_REQUEST, ACCESS_ACCEPT, ACCESS_REJECT = 1, 2, 3
MESSAGE_AUTHENTICATOR = 80
VENDOR_SPECIFIC = 26
MPPE_CLIENT_SRC = "127.0.0.3"   # the test client with mipkey_profile = mppe (Skey + k'' configured)


def attr(t, value):
    return bytes([t, 2 + len(value)]) + value


def vsa(vendor, t, value):
    return attr(VENDOR_SPECIFIC, struct.pack("!I", vendor) + bytes([t, 2 + len(value)]) + value)


def mschap_attrs(user, ref):
    return (attr(1, user.encode()) +
            vsa(MS, 11, bytes.fromhex(ref["challenge"])) +
            vsa(MS, 25, bytes.fromhex(ref["ms_chap2_response"])))


def key_request_attrs(spi=256, lifetime=1800):
    return (vsa(MIPKEY, 2, struct.pack("!I", 1)) +          # Mipkey-Key-Request = MN-HA
            vsa(MIPKEY, 10, struct.pack("!I", spi)) +       # Mipkey-MN-HA-SPI
            vsa(MIPKEY, 5, struct.pack("!I", lifetime)))    # Mipkey-Requested-Lifetime


def exchange(attrs, sign, src="127.0.0.1"):
    """Sends one Access-Request; returns (request authenticator, raw reply or None)."""
    req_auth = os.urandom(16)
    ident = os.urandom(1)[0]
    if sign:
        attrs += attr(MESSAGE_AUTHENTICATOR, bytes(16))
    pkt = bytearray(struct.pack("!BBH", ACCESS_REQUEST, ident, 20 + len(attrs)) + req_auth + attrs)
    if sign:
        mac = hmac.new(SECRET.encode(), bytes(pkt), hashlib.md5).digest()
        pkt[-16:] = mac
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.bind((src, 0))
    try:
        s.sendto(bytes(pkt), ("127.0.0.1", int(PORT)))
        reply, _ = s.recvfrom(4096)
    except socket.timeout:
        return req_auth, None
    finally:
        s.close()
    if reply[1] != ident:
        return req_auth, None
    return req_auth, reply


def attributes(reply):
    """[(type, value, offset of the value)] of a raw packet, every length checked."""
    out, i = [], 20
    length = struct.unpack("!H", reply[2:4])[0]
    while i < length:
        t, ln = reply[i], reply[i + 1]
        if ln < 2 or i + ln > length:
            raise ValueError(f"bad attribute length {ln} at {i}")
        out.append((t, reply[i + 2:i + ln], i + 2))
        i += ln
    return out


def vsas(reply, vendor):
    """{vendor attribute type: [values]} (one sub-attribute per VSA, as FreeRADIUS sends them)."""
    out = {}
    for t, v, _ in attributes(reply):
        if t == VENDOR_SPECIFIC and len(v) >= 6 and struct.unpack("!I", v[:4])[0] == vendor:
            out.setdefault(v[4], []).append(v[6:6 + v[5] - 2])
    return out


def response_authenticator_ok(reply, req_auth):
    calc = hashlib.md5(reply[:4] + req_auth + reply[20:] + SECRET.encode()).digest()
    return hmac.compare_digest(calc, reply[4:20])


def message_authenticator_ok(reply, req_auth):
    """RFC 3579 3.2: HMAC-MD5(secret, reply with the request authenticator and the M-A zeroed)."""
    mas = [(v, off) for t, v, off in attributes(reply) if t == MESSAGE_AUTHENTICATOR]
    if len(mas) != 1 or len(mas[0][0]) != 16:
        return False
    value, off = mas[0]
    buf = bytearray(reply)
    buf[4:20] = req_auth
    buf[off:off + 16] = bytes(16)
    return hmac.compare_digest(hmac.new(SECRET.encode(), bytes(buf), hashlib.md5).digest(), value)


def code_name(reply):
    return {ACCESS_ACCEPT: "Access-Accept", ACCESS_REJECT: "Access-Reject"}.get(reply[0], str(reply[0])) \
        if reply else "no reply"


def check_signed(name, reply, req_auth):
    check(f"{name}: Response Authenticator right", True, bool(reply) and response_authenticator_ok(reply, req_auth))
    check(f"{name}: Message-Authenticator present and right", True,
          bool(reply) and message_authenticator_ok(reply, req_auth))


# --- every reply the module shapes is signed, whether the request was or not -----------------
for sign in (True, False):
    how = "signed request" if sign else "unsigned request"
    ref = ref_for("alice", "clientPass")
    req_auth, reply = exchange(mschap_attrs("alice", ref), sign)
    check(f"right password, {how}: Access-Accept", "Access-Accept", code_name(reply))
    check_signed(f"right password, {how}", reply, req_auth)
    ms = vsas(reply, MS) if reply else {}
    check(f"right password, {how}: MS-CHAP2-Success", "%02X" % ref["ident"] +
          ref["authenticator_response"].encode().hex().upper(), ms.get(26, [b""])[0].hex().upper())

    ref = ref_for("alice", "wrongPass")
    req_auth, reply = exchange(mschap_attrs("alice", ref), sign)
    check(f"wrong password, {how}: Access-Reject", "Access-Reject", code_name(reply))
    check_signed(f"wrong password, {how}", reply, req_auth)
    ms = vsas(reply, MS) if reply else {}
    check(f"wrong password, {how}: MS-CHAP-Error E=691", True, b"E=691" in ms.get(2, [b""])[0])

    ref = ref_for("carol", "carolPass")
    req_auth, reply = exchange(mschap_attrs("carol", ref), sign)
    check(f"disabled account, {how}: Access-Reject", "Access-Reject", code_name(reply))
    check_signed(f"disabled account, {how}", reply, req_auth)

# --- Mobile IP keys only to signed requests ----------------------------------------------------
ref = ref_for("alice", "clientPass")
req_auth, reply = exchange(mschap_attrs("alice", ref) + key_request_attrs(), True)
check("MN-HA key request, signed: Access-Accept", "Access-Accept", code_name(reply))
mk = vsas(reply, MIPKEY) if reply else {}
check("MN-HA key request, signed: Mipkey-MN-HA-Key sent", True, 20 in mk)
check("MN-HA key request, signed: Mipkey-MN-HA-Nonce is 16 octets", 16, len(mk.get(21, [b""])[0]))
check_signed("MN-HA key request, signed", reply, req_auth)

ref = ref_for("alice", "clientPass")
req_auth, reply = exchange(mschap_attrs("alice", ref) + key_request_attrs(), False)
check("MN-HA key request, unsigned: Access-Reject", "Access-Reject", code_name(reply))
mk = vsas(reply, MIPKEY) if reply else {}
ms = vsas(reply, MS) if reply else {}
check("MN-HA key request, unsigned: no Mipkey attribute at all", {}, mk)
check("MN-HA key request, unsigned: no MS-CHAP2-Success, no MPPE keys", [], sorted(set(ms) & {16, 17, 26}))
msgs = [v for t, v, _ in attributes(reply) if t == 18] if reply else []
check("MN-HA key request, unsigned: Reply-Message says why", True,
      any(b"no Message-Authenticator" in m for m in msgs))
check_signed("MN-HA key request, unsigned", reply, req_auth)

# --- Skey and k'' (client with the mppe profile and mipkey_return_skey = yes) -------------------
# They go to every accepted request of that client, key request or not: the seed's home agent
# forwards only the challenge and the response.
ref = ref_for("alice", "clientPass")
req_auth, reply = exchange(mschap_attrs("alice", ref), True, src=MPPE_CLIENT_SRC)
check("Skey client, plain MS-CHAPv2, signed: Access-Accept", "Access-Accept", code_name(reply))
mk = vsas(reply, MIPKEY) if reply else {}
check("Skey client, plain MS-CHAPv2, signed: Mipkey-Skey sent (encrypted: 18+ octets)", True,
      len(mk.get(30, [b""])[0]) >= 18)
check("Skey client, plain MS-CHAPv2, signed: Mipkey-Master-Key sent", True, len(mk.get(31, [b""])[0]) >= 18)
check_signed("Skey client, plain MS-CHAPv2, signed", reply, req_auth)

ref = ref_for("alice", "clientPass")
req_auth, reply = exchange(mschap_attrs("alice", ref), False, src=MPPE_CLIENT_SRC)
check("Skey client, plain MS-CHAPv2, unsigned: Access-Reject", "Access-Reject", code_name(reply))
mk = vsas(reply, MIPKEY) if reply else {}
check("Skey client, plain MS-CHAPv2, unsigned: no Skey, no k''", [], sorted(set(mk) & {30, 31}))
check_signed("Skey client, plain MS-CHAPv2, unsigned", reply, req_auth)

finish()
