#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Mutation storm: many mutated Access-Requests against the test freeradius.

Each request starts from a valid MS-CHAPv2 request for a fixture user (alice, bob), some with a
valid Mobile IP Registration Request (Mipkey-Registration-Request, MN-AAA extension, peer
challenge = MD5 of the RRQ) or key-request attributes, and is then mutated: bytes flipped in
MS-CHAP-Challenge, MS-CHAP2-Response, User-Name and the RRQ; their lengths changed (cut or
grown, 0 to 80 octets, or up to 253 for the RRQ); RRQ length fields overwritten; attributes
dropped or duplicated. The RADIUS framing stays valid and every request carries a valid
Message-Authenticator, so that it reaches the module. A few requests per hundred get a broken
RADIUS framing on purpose (FreeRADIUS must drop those and go on).

Checked: every well-framed request is answered (no hang, no lost request); the server is
still running; a valid request is accepted right after the storm. The figures (requests,
rate, duration, replies by code) are printed as one "STORM" line; tests/test_sanitizers.sh
runs this against the ASan build and fails on any sanitizer report.

usage: tests/storm.py [--requests N] [--window W] [--seed S]
Environment as for the other suites (RADIUS_PORT, RADIUS_SECRET, RADIUS_DIR).
"""
import argparse
import hashlib
import hmac
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mip_ref  # noqa: E402
from radtest import PORT, SECRET, check, finish, ref_for  # noqa: E402

MS, MIPKEY = 311, 32473
CODES = {2: "Access-Accept", 3: "Access-Reject", 11: "Access-Challenge"}
NTP_UNIX_OFFSET = 2208988800
USERS = (("alice", "clientPass"), ("bob", "P\u00e4ssw\u00f6rd-\u5bc6\u7801-\U0001F600"))


def attr(t, value):
    return bytes([t, 2 + len(value)]) + value


def vsa(vendor, t, value):
    return attr(26, struct.pack("!I", vendor) + bytes([t, 2 + len(value)]) + value)


def base_request(rng):
    """[(kind, vendor, type, value)] of a valid request; kind says what may be mutated."""
    user, pw = rng.choice(USERS)
    attrs = [("name", 0, 1, user.encode())]
    shape = rng.randrange(3)
    peer = None
    rrq = None
    if shape == 1:
        ident = ((int(time.time()) + NTP_UNIX_OFFSET) << 32) | rng.getrandbits(32)
        rrq0 = mip_ref.build_rrq(home_address="192.0.2.10", home_agent="192.0.2.1", care_of="198.51.100.9",
                                 identification=ident, nai=user, mn_ha_spi=256,
                                 mn_fa_spi=257 if rng.random() < 0.5 else None, aaa_spi=7,
                                 authenticator=bytes(16))
        peer = hashlib.md5(rrq0).digest()
        rrq = rrq0[:-16] + os.urandom(16)
    ref = ref_for(user, pw, peer=peer)
    attrs.append(("chap", MS, 11, bytes.fromhex(ref["challenge"])))
    attrs.append(("chap", MS, 25, bytes.fromhex(ref["ms_chap2_response"])))
    if rrq:
        attrs.append(("rrq", MIPKEY, 1, rrq))
    elif shape == 2:
        attrs.append(("mip", MIPKEY, 2, struct.pack("!I", rng.choice((1, 2, 3)))))
        attrs.append(("mip", MIPKEY, 10, struct.pack("!I", 256)))
        attrs.append(("mip", MIPKEY, 11, struct.pack("!I", 257)))
        attrs.append(("mip", MIPKEY, 5, struct.pack("!I", rng.choice((0, 1, 1800, 0xFFFFFFFF)))))
    return attrs


def flip(rng, value, n):
    b = bytearray(value)
    for _ in range(n):
        if b:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b)


def mutate(rng, attrs):
    attrs = list(attrs)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(attrs))
        kind, vendor, t, value = attrs[i]
        op = rng.randrange(10)
        if op < 4:                                  # flip bytes
            value = flip(rng, value, rng.randint(1, 4))
        elif op < 6:                                # a random length
            limit = 253 - 8 if vendor else 253
            n = rng.randint(0, min(limit, 80 if kind != "rrq" else limit))
            value = (value + os.urandom(max(0, n - len(value))))[:n]
        elif op == 6 and kind == "rrq" and len(value) > 26:   # an RRQ length field overwritten
            j = rng.randrange(24, len(value))
            value = value[:j] + bytes([rng.choice((0, 1, 3, 4, 5, 0x7f, 0xff, rng.randrange(256)))]) + value[j + 1:]
        elif op == 7:                               # dropped
            del attrs[i]
            if not attrs:
                attrs.append(("name", 0, 1, b"x"))
            continue
        elif op == 8:                               # duplicated
            attrs.insert(rng.randrange(len(attrs) + 1), (kind, vendor, t, value))
        else:                                       # an extra RRQ extension
            if kind == "rrq":
                ext = bytes([rng.choice((32, 36, 40, 42, 131, 132, 200, rng.randrange(256))), rng.randrange(256)])
                ext += os.urandom(rng.randrange(20))
                j = rng.randrange(24, len(value) + 1) if len(value) >= 24 else len(value)
                value = (value[:j] + ext + value[j:])[:245]
        attrs[i] = (kind, vendor, t, value)
    return attrs


def encode(attrs, ident, broken_framing=False, rng=None):
    body = b""
    for _, vendor, t, value in attrs:
        value = value[:245] if vendor else value[:253]
        body += vsa(vendor, t, value) if vendor else attr(t, value)
    body += attr(80, bytes(16))
    auth = os.urandom(16)
    pkt = bytearray(struct.pack("!BBH", 1, ident, 20 + len(body)) + auth + body)
    pkt[-16:] = hmac.new(SECRET.encode(), bytes(pkt), hashlib.md5).digest()
    if broken_framing:                          # an attribute length that runs past the packet
        j = rng.randrange(20, len(pkt) - 18)
        pkt[j + 1] = 0xff if rng.random() < 0.5 else 1
        pkt[-16:] = bytes(16)
        pkt[-16:] = hmac.new(SECRET.encode(), bytes(pkt), hashlib.md5).digest()
    return bytes(pkt)


def valid_accept():
    ref = ref_for("alice", "clientPass")
    attrs = [("name", 0, 1, b"alice"), ("chap", MS, 11, bytes.fromhex(ref["challenge"])),
             ("chap", MS, 25, bytes.fromhex(ref["ms_chap2_response"]))]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    try:
        s.sendto(encode(attrs, 7), ("127.0.0.1", int(PORT)))
        r, _ = s.recvfrom(4096)
        return CODES.get(r[0], str(r[0]))
    except socket.timeout:
        return "no reply"
    finally:
        s.close()


def storm(n, window, seed):
    rng = random.Random(seed)
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(window)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
        s.setblocking(False)
    pending = {}        # socket -> (ident, sent at, well framed)
    ids = {s: 0 for s in socks}
    counts = {}
    sent = 0
    dropped_expected = 0
    lost = 0
    slowest = 0.0
    bases = []
    t0 = time.time()
    while sent < n or pending:
        for s in socks:
            if s in pending or sent >= n:
                continue
            if not bases or sent % 500 == 0:    # fresh templates (the RRQ timestamp stays current)
                bases = [base_request(rng) for _ in range(20)]
            attrs = mutate(rng, rng.choice(bases))
            ids[s] = (ids[s] + 1) % 256
            broken = rng.random() < 0.03
            try:
                s.sendto(encode(attrs, ids[s], broken, rng), ("127.0.0.1", int(PORT)))
            except OSError:
                pass
            pending[s] = (ids[s], time.time(), not broken)
            sent += 1
        ready, _, _ = select.select(list(pending), [], [], 0.2)
        now = time.time()
        for s in ready:
            try:
                r = s.recv(4096)
            except OSError:
                continue
            ident, at, _ = pending[s]
            if len(r) < 20 or r[1] != ident:
                continue
            counts[CODES.get(r[0], str(r[0]))] = counts.get(CODES.get(r[0], str(r[0])), 0) + 1
            slowest = max(slowest, now - at)
            del pending[s]
        for s, (ident, at, framed) in list(pending.items()):
            # FreeRADIUS drops a broken packet silently: wait 1 s for those, 10 s for the others.
            if now - at > (10 if framed else 1):
                if framed:
                    lost += 1
                else:
                    dropped_expected += 1
                del pending[s]
    duration = time.time() - t0
    for s in socks:
        s.close()
    return sent, duration, counts, lost, dropped_expected, slowest


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--window", type=int, default=32, help="requests in flight")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else int.from_bytes(os.urandom(4), "big")
    sent, duration, counts, lost, dropped, slowest = storm(a.requests, a.window, seed)
    replies = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    print(f"STORM requests={sent} seconds={duration:.1f} rate={sent / duration:.0f}/s {replies} "
          f"broken-framing-dropped={dropped} well-framed-unanswered={lost} slowest={slowest:.2f}s seed={seed}",
          flush=True)
    check(f"storm: {sent} mutated requests sent", a.requests, sent)
    check("storm: every well-framed request answered (no hang, none lost)", 0, lost)
    check("storm: a valid request is accepted right after", "Access-Accept", valid_accept())
    finish()


if __name__ == "__main__":
    main()
