#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Independent Mobile IPv4 / RFC 3957 / Skey reference for the tests.

Written from the RFC texts, standard library only (struct, hmac, hashlib):
  * RFC 3344 3.3: Registration Request fixed header; 3.4: Registration Reply
    fixed header; 1.9 - 1.10: standard (Type, Length) and long (Type,
    Sub-Type, Length(2)) extension formats; types >= 128 are skippable.
  * RFC 2794 2: Mobile Node NAI extension (131): Type, Length, NAI.
  * RFC 3012 4: Mobile-Foreign Challenge extension (132): Type, Length,
    Challenge.  RFC 3012 5/6: Generalized Authentication extension (36),
    subtype 1 MN-AAA: Type, Subtype, Length(2), SPI(4), Authenticator.
  * RFC 3957 6.1 / 6.3: MN-FA (40) / MN-HA (42) KeyGen Request: Type,
    Subtype, Length(2) = 4 + subtype data, MN SPI(4), subtype data (empty
    for subtype 1).
  * RFC 3957 6.2 / figure 3: MN-FA KeyGen Reply (41): Type, Subtype,
    Length(2) = subtype data; subtype 1 data = Lifetime(4), AAA SPI(4),
    FA SPI(4), Algorithm Identifier(2), Key Generation Nonce.
  * RFC 3957 6.4 / figure 6: MN-HA KeyGen Reply (43): Type, Subtype,
    Length(2) = subtype data + 4, Lifetime(4); subtype 1 data = AAA SPI(4),
    HA SPI(4), Algorithm Identifier(2), Replay Method(2), Key Generation
    Nonce.
  * RFC 3957 5: key = HMAC-SHA1(AAA-key, nonce || MN identifier), the MN
    identifier being the NAI if present, else the 4-byte home address.
  * Seed 000 (WO 2004/049672) formulas (1) and (2), docs/PROTOCOL.md section 1:
    Skey = MD5(k'' || challenge || NT-Response),
    Skey' = MD5(Skey || RRQ Identification (8 bytes, network order)).

CLI:
  mip_ref.py --selftest
  mip_ref.py build [--home-address A] [--home-agent A] [--care-of A]
                   [--identification HEX16] [--lifetime N] [--flags N]
                   [--nai NAI] [--challenge HEX] [--mn-ha-spi N]
                   [--mn-fa-spi N] [--aaa-spi N --authenticator HEX]
      prints the Registration Request as lower-case hex.
  mip_ref.py key --aaa-key HEX --nonce HEX (--nai NAI | --home-address A)
  mip_ref.py skey --k2 HEX --challenge HEX --nt-response HEX
  mip_ref.py rekey --skey HEX --identification HEX16
  mip_ref.py parse HEX     (Registration Reply or extensions-only blob)
      prints JSON.
"""

import argparse
import hashlib
import hmac
import json
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mschap_ref  # noqa: E402

# RFC 3344 / 2794 / 3012 / 3957 extension types
EXT_MN_HA_AUTH = 32
EXT_MN_FA_AUTH = 33
EXT_FA_HA_AUTH = 34
EXT_GEN_AUTH = 36
EXT_MN_FA_KEYGEN_REQ = 40
EXT_MN_FA_KEYGEN_REP = 41
EXT_MN_HA_KEYGEN_REQ = 42
EXT_MN_HA_KEYGEN_REP = 43
EXT_NAI = 131
EXT_CHALLENGE = 132

LONG_TYPES = {EXT_GEN_AUTH, EXT_MN_FA_KEYGEN_REQ, EXT_MN_FA_KEYGEN_REP,
              EXT_MN_HA_KEYGEN_REQ, EXT_MN_HA_KEYGEN_REP}

SUBTYPE_FROM_AAA = 1
SUBTYPE_MN_AAA = 1
ALG_HMAC_MD5 = 1
ALG_HMAC_SHA1 = 2
REPLAY_TIMESTAMPS = 2
REPLAY_NONCES = 3
MISSING_MN_FA = 107

RRQ_HDR_LEN = 24
RRP_HDR_LEN = 20


# --------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------

def addr(a):
    """'192.0.2.1' or 4 bytes -> 4 bytes (network order)."""
    if isinstance(a, (bytes, bytearray)):
        if len(a) != 4:
            raise ValueError("address must be 4 bytes")
        return bytes(a)
    return socket.inet_aton(a)


def ident(i):
    """Identification: int or 8 bytes -> 8 bytes (network order)."""
    if isinstance(i, (bytes, bytearray)):
        if len(i) != 8:
            raise ValueError("identification must be 8 bytes")
        return bytes(i)
    return struct.pack("!Q", i)


def ext_standard(t, data):
    """RFC 3344 1.9: Type(1) Length(1) Data."""
    if len(data) > 255:
        raise ValueError("standard extension data longer than 255")
    return struct.pack("!BB", t, len(data)) + data


def ext_long(t, subtype, data):
    """RFC 3344 1.10: Type(1) Sub-Type(1) Length(2) Data."""
    if len(data) > 0xFFFF:
        raise ValueError("long extension data longer than 65535")
    return struct.pack("!BBH", t, subtype, len(data)) + data


def rrq_header(home_address="0.0.0.0", home_agent="0.0.0.0", care_of="0.0.0.0",
               identification=0, lifetime=1800, flags=0):
    """RFC 3344 3.3: Type=1, flags, Lifetime, HoA, HA, CoA, Identification."""
    return (struct.pack("!BBH", 1, flags, lifetime) + addr(home_address)
            + addr(home_agent) + addr(care_of) + ident(identification))


def nai_ext(nai):
    if isinstance(nai, str):
        nai = nai.encode()
    return ext_standard(EXT_NAI, nai)


def challenge_ext(challenge):
    return ext_standard(EXT_CHALLENGE, challenge)


def keygen_request(t, mn_spi, subtype=SUBTYPE_FROM_AAA, data=b""):
    """RFC 3957 6.1 / 6.3: Length = 4 (MN SPI) + subtype data."""
    return ext_long(t, subtype, struct.pack("!I", mn_spi) + data)


def mn_aaa_header(spi, auth_len, subtype=SUBTYPE_MN_AAA):
    """RFC 3012 5: Type, Subtype, Length(2) = 4 + authenticator, SPI."""
    return struct.pack("!BBHI", EXT_GEN_AUTH, subtype, 4 + auth_len, spi)


def build_rrq(home_address="0.0.0.0", home_agent="0.0.0.0", care_of="0.0.0.0",
              identification=0, lifetime=1800, flags=0, nai=None, challenge=None,
              mn_ha_spi=None, mn_fa_spi=None, aaa_spi=None, authenticator=None,
              extra=b""):
    """Header, NAI, challenge, MN-HA KeyGen Req, MN-FA KeyGen Req, extra,
    then MN-AAA auth (if aaa_spi is given; authenticator defaults to 16
    zero bytes).  Returns bytes."""
    m = rrq_header(home_address, home_agent, care_of, identification, lifetime, flags)
    if nai is not None:
        m += nai_ext(nai)
    if challenge is not None:
        m += challenge_ext(challenge)
    if mn_ha_spi is not None:
        m += keygen_request(EXT_MN_HA_KEYGEN_REQ, mn_ha_spi)
    if mn_fa_spi is not None:
        m += keygen_request(EXT_MN_FA_KEYGEN_REQ, mn_fa_spi)
    m += extra
    if aaa_spi is not None:
        if authenticator is None:
            authenticator = bytes(16)
        m += mn_aaa_header(aaa_spi, len(authenticator)) + authenticator
    return m


def mn_aaa_covered(rrq_without_auth, spi, auth_len, subtype=SUBTYPE_MN_AAA):
    """The bytes an MN-AAA authenticator covers (RFC 3012 6): everything
    before the extension plus its Type, Subtype, Length and SPI."""
    return rrq_without_auth + mn_aaa_header(spi, auth_len, subtype)


def mn_ha_keygen_reply(lifetime, aaa_spi, ha_spi, algorithm, replay, nonce):
    """RFC 3957 6.4 figures 5 + 6 (type 43, subtype 1)."""
    data = struct.pack("!IIHH", aaa_spi, ha_spi, algorithm, replay) + nonce
    return ext_long(EXT_MN_HA_KEYGEN_REP, SUBTYPE_FROM_AAA, struct.pack("!I", lifetime) + data)


def mn_fa_keygen_reply(lifetime, aaa_spi, fa_spi, algorithm, nonce):
    """RFC 3957 6.2 figures 2 + 3 (type 41, subtype 1)."""
    data = struct.pack("!IIIH", lifetime, aaa_spi, fa_spi, algorithm) + nonce
    return ext_long(EXT_MN_FA_KEYGEN_REP, SUBTYPE_FROM_AAA, data)


# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------

def walk_extensions(data):
    """Yield (type, subtype or None, body) for each extension; raises
    ValueError on truncation.  Long types per RFC 3012 / RFC 3957."""
    pos = 0
    while pos < len(data):
        t = data[pos]
        if t in LONG_TYPES:
            if len(data) - pos < 4:
                raise ValueError("truncated extension at offset %d" % pos)
            _, st, ln = struct.unpack_from("!BBH", data, pos)
            hdr = 4
        else:
            if len(data) - pos < 2:
                raise ValueError("truncated extension at offset %d" % pos)
            st = None
            ln = data[pos + 1]
            hdr = 2
        if pos + hdr + ln > len(data):
            raise ValueError("extension %d at offset %d overflows" % (t, pos))
        yield t, st, bytes(data[pos + hdr:pos + hdr + ln])
        pos += hdr + ln


def parse_mn_ha_keygen_reply(subtype, body):
    """Body of a type 43 extension (after Length)."""
    if len(body) < 4:
        raise ValueError("MN-HA KeyGen Reply too short")
    r = {"subtype": subtype, "lifetime": struct.unpack_from("!I", body, 0)[0]}
    if subtype == SUBTYPE_FROM_AAA:
        if len(body) < 16:
            raise ValueError("MN-HA AAA KeyGen Reply too short")
        r["aaa_spi"], r["ha_spi"], r["algorithm"], r["replay_method"] = \
            struct.unpack_from("!IIHH", body, 4)
        r["nonce"] = body[16:]
    else:
        r["data"] = body[4:]
    return r


def parse_mn_fa_keygen_reply(subtype, body):
    """Body of a type 41 extension (after Length)."""
    r = {"subtype": subtype}
    if subtype == SUBTYPE_FROM_AAA:
        if len(body) < 14:
            raise ValueError("MN-FA AAA KeyGen Reply too short")
        r["lifetime"], r["aaa_spi"], r["fa_spi"], r["algorithm"] = \
            struct.unpack_from("!IIIH", body, 0)
        r["nonce"] = body[14:]
    else:
        r["data"] = body
    return r


def parse_keygen_replies(data):
    """Extensions-only blob -> {"mn_ha": {...}, "mn_fa": {...}} (present ones)."""
    out = {}
    for t, st, body in walk_extensions(data):
        if t == EXT_MN_HA_KEYGEN_REP:
            out["mn_ha"] = parse_mn_ha_keygen_reply(st, body)
        elif t == EXT_MN_FA_KEYGEN_REP:
            out["mn_fa"] = parse_mn_fa_keygen_reply(st, body)
    return out


def parse_reply(msg):
    """RFC 3344 3.4 Registration Reply (Type 3, Code, Lifetime, HoA, HA,
    Identification) followed by extensions."""
    if len(msg) < RRP_HDR_LEN or msg[0] != 3:
        raise ValueError("not a Registration Reply")
    t, code, lifetime = struct.unpack_from("!BBH", msg, 0)
    r = {"type": t, "code": code, "lifetime": lifetime,
         "home_address": socket.inet_ntoa(msg[4:8]),
         "home_agent": socket.inet_ntoa(msg[8:12]),
         "identification": msg[12:20]}
    r.update(parse_keygen_replies(msg[RRP_HDR_LEN:]))
    return r


# --------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------

def mn_identifier(nai=None, home_address=None):
    """RFC 3957 5 step 1."""
    if nai:
        return nai.encode() if isinstance(nai, str) else bytes(nai)
    return addr(home_address)


def registration_key(aaa_key, nonce, mn_id):
    """RFC 3957 5: HMAC-SHA1(AAA-key, nonce || MN identifier)."""
    key = hmac.new(aaa_key, nonce + mn_id, hashlib.sha1).digest()
    mschap_ref.record_secret(key)
    return key


def skey(k2, challenge, nt_response):
    """Seed 000 formula (1): MD5(k'' || challenge || NT-Response)."""
    key = hashlib.md5(k2 + challenge + nt_response).digest()
    mschap_ref.record_secret(key)
    return key


def skey_rekey(skey_, identification):
    """Seed 000 formula (2): MD5(Skey || Identification)."""
    key = hashlib.md5(skey_ + ident(identification)).digest()
    mschap_ref.record_secret(key)
    return key


# --------------------------------------------------------------------------
# Self test
# --------------------------------------------------------------------------

def selftest():
    ok = True

    def check(name, got, want):
        nonlocal ok
        if got == want:
            print("PASS %s" % name)
        else:
            ok = False
            print("FAIL %s: expected %s got %s" % (name, want.hex() if isinstance(want, bytes) else want,
                                                   got.hex() if isinstance(got, bytes) else got))

    # RFC 2202 test case 2 (HMAC-SHA1, key "Jefe"), with the 28-byte
    # message split as a 16-byte nonce and a 12-byte "NAI".
    check("registration_key RFC 2202 case 2",
          registration_key(b"Jefe", b"what do ya want ", b"for nothing?"),
          bytes.fromhex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"))

    # RFC 1321 MD5 test suite: MD5 of the 80-digit string, split as a
    # 16-byte k'', a 40-byte challenge and a 24-byte NT-Response.
    digits = b"1234567890" * 8
    check("skey RFC 1321 digits",
          skey(digits[:16], digits[16:56], digits[56:]),
          bytes.fromhex("57edf4a22be3c955ac49da2e2107b67a"))

    # Skey' over Skey = 00..0f and Identification 0x0102030405060708:
    #   printf '000102030405060708090a0b0c0d0e0f0102030405060708' \
    #     | xxd -r -p | openssl dgst -md5
    check("skey_rekey openssl",
          skey_rekey(bytes(range(16)), 0x0102030405060708),
          bytes.fromhex("29d7d3223c28b9deb10d7012530fbad8"))

    # Hand-assembled RRQ
    m = build_rrq(home_address="10.0.0.5", home_agent="10.0.0.1", care_of="192.0.2.7",
                  identification=0x1122334455667788, lifetime=1800, flags=0x02,
                  nai="u@x", challenge=bytes([0xAA] * 4), mn_ha_spi=0x100,
                  mn_fa_spi=0x200, aaa_spi=3, authenticator=bytes([0xBB] * 4))
    want = bytes.fromhex(
        "01020708" "0a000005" "0a000001" "c0000207" "1122334455667788"
        "8303" "754078"
        "8404" "aaaaaaaa"
        "2a010004" "00000100"
        "28010004" "00000200"
        "24010008" "00000003" "bbbbbbbb")
    check("build_rrq", m, want)
    check("walk_extensions count", len(list(walk_extensions(m[RRQ_HDR_LEN:]))), 5)

    nonce = bytes(range(0x10, 0x20))
    ha = mn_ha_keygen_reply(3600, 3, 0x100, ALG_HMAC_SHA1, REPLAY_TIMESTAMPS, nonce)
    check("mn_ha_keygen_reply", ha, bytes.fromhex(
        "2b010020" "00000e10" "00000003" "00000100" "0002" "0002") + nonce)
    fa = mn_fa_keygen_reply(3600, 3, 0x200, ALG_HMAC_MD5, nonce)
    check("mn_fa_keygen_reply", fa, bytes.fromhex(
        "2901001e" "00000e10" "00000003" "00000200" "0001") + nonce)
    p = parse_keygen_replies(ha + fa)
    check("parse mn_ha nonce", p["mn_ha"]["nonce"], nonce)
    check("parse mn_ha ha_spi", p["mn_ha"]["ha_spi"], 0x100)
    check("parse mn_fa fa_spi", p["mn_fa"]["fa_spi"], 0x200)
    check("parse mn_fa lifetime", p["mn_fa"]["lifetime"], 3600)

    return 0 if ok else 1


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def _hex(s):
    try:
        return bytes.fromhex(s)
    except ValueError:
        raise argparse.ArgumentTypeError("not hex: %r" % s)


def _int(s):
    return int(s, 0)


def _jsonable(v):
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v


def main(argv=None):
    p = argparse.ArgumentParser(description="Mobile IPv4 / RFC 3957 / Skey reference")
    p.add_argument("--selftest", action="store_true")
    sub = p.add_subparsers(dest="cmd")

    b = sub.add_parser("build", help="print a Registration Request as hex")
    b.add_argument("--home-address", default="0.0.0.0")
    b.add_argument("--home-agent", default="0.0.0.0")
    b.add_argument("--care-of", default="0.0.0.0")
    b.add_argument("--identification", type=_hex, default=bytes(8))
    b.add_argument("--lifetime", type=_int, default=1800)
    b.add_argument("--flags", type=_int, default=0)
    b.add_argument("--nai")
    b.add_argument("--challenge", type=_hex)
    b.add_argument("--mn-ha-spi", type=_int)
    b.add_argument("--mn-fa-spi", type=_int)
    b.add_argument("--aaa-spi", type=_int)
    b.add_argument("--authenticator", type=_hex)

    k = sub.add_parser("key", help="RFC 3957 registration key")
    k.add_argument("--aaa-key", type=_hex, required=True)
    k.add_argument("--nonce", type=_hex, required=True)
    k.add_argument("--nai")
    k.add_argument("--home-address")

    s = sub.add_parser("skey", help="Skey = MD5(k'' || challenge || NT-Response)")
    s.add_argument("--k2", type=_hex, required=True)
    s.add_argument("--challenge", type=_hex, required=True)
    s.add_argument("--nt-response", type=_hex, required=True)

    r = sub.add_parser("rekey", help="Skey' = MD5(Skey || Identification)")
    r.add_argument("--skey", type=_hex, required=True)
    r.add_argument("--identification", type=_hex, required=True)

    pr = sub.add_parser("parse", help="parse a Registration Reply or extension blob")
    pr.add_argument("hex", type=_hex)

    a = p.parse_args(argv)
    if a.selftest:
        return selftest()
    if a.cmd == "build":
        print(build_rrq(a.home_address, a.home_agent, a.care_of, a.identification,
                        a.lifetime, a.flags, a.nai, a.challenge, a.mn_ha_spi,
                        a.mn_fa_spi, a.aaa_spi, a.authenticator).hex())
    elif a.cmd == "key":
        if not a.nai and not a.home_address:
            p.error("key needs --nai or --home-address")
        print(registration_key(a.aaa_key, a.nonce, mn_identifier(a.nai, a.home_address)).hex())
    elif a.cmd == "skey":
        print(skey(a.k2, a.challenge, a.nt_response).hex())
    elif a.cmd == "rekey":
        print(skey_rekey(a.skey, a.identification).hex())
    elif a.cmd == "parse":
        msg = a.hex
        out = parse_reply(msg) if msg and msg[0] == 3 and len(msg) >= RRP_HDR_LEN \
            else parse_keygen_replies(msg)
        print(json.dumps(_jsonable(out), sort_keys=True))
    else:
        p.print_help()
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
