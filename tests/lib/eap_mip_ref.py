#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Independent reference of the EAP mobility keys (docs/PROTOCOL.md, "Keys from EAP
authentication"), written from the document with Python's hmac and hashlib only: the
tests compare the module's keys against this, never against the module's own code.

    MIP4-RK = RFC 5295 KDF(root, "mip4rk@rlm-mipkey", 64), PRF HMAC-SHA-256
    MN-HA   = HMAC-SHA-256(MIP4-RK, "MN-HA\\0" | HA | SPI | nonce | NAI)[:20]
    FA-RK   = HMAC-SHA-256(MIP4-RK, "FA-RK\\0")
    MN-FA   = HMAC-SHA-256(FA-RK, "MN-FA\\0" | FA | SPI | nonce | NAI)[:20]

--selftest checks HMAC-SHA-256 against RFC 4231 and prints the vector the C unit test uses.
"""
import hashlib
import hmac
import ipaddress
import struct
import sys

LABEL = b"mip4rk@rlm-mipkey"


def prf(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def kdf(key, label, length):
    """RFC 5295 3.1.2: S = label | 0x00 | (no optional data) | length; prf+."""
    s = label + b"\x00" + struct.pack(">H", length)
    out, t, n = b"", b"", 1
    while len(out) < length:
        t = prf(key, t + s + bytes([n]))
        out += t
        n += 1
    return out[:length]


def mip4_rk(root):
    if not 64 <= len(root) <= 256:
        raise ValueError("root must be 64 to 256 octets")
    return kdf(root, LABEL, 64)


def ip4(a):
    return ipaddress.IPv4Address(a).packed if isinstance(a, str) else bytes(a)


def mn_ha(root, ha, spi, nonce, nai):
    return prf(mip4_rk(root), b"MN-HA\x00" + ip4(ha) + struct.pack(">I", spi) + nonce + nai)[:20]


def fa_rk(root):
    return prf(mip4_rk(root), b"FA-RK\x00")


def mn_fa(root, fa, spi, nonce, nai):
    return prf(fa_rk(root), b"MN-FA\x00" + ip4(fa) + struct.pack(">I", spi) + nonce + nai)[:20]


# RFC 4231 section 4: (key, data, HMAC-SHA-256), test cases 1, 2, 3, 4, 6, 7 (5 is truncated).
RFC4231 = [
    ("0b" * 20, b"Hi There".hex(),
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (b"Jefe".hex(), b"what do ya want for nothing?".hex(),
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    ("aa" * 20, "dd" * 50,
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    ("0102030405060708090a0b0c0d0e0f10111213141516171819", "cd" * 50,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    ("aa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First".hex(),
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ("aa" * 131, (b"This is a test using a larger than block-size key and a larger than block-size data."
                  b" The key needs to be hashed before being used by the HMAC algorithm.").hex(),
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
]

# The unit test's vector (tests/unit/test_eap_keys.c): inputs.
VEC_ROOT = bytes(range(64))
VEC_HA, VEC_FA = "192.0.2.1", "198.51.100.7"
VEC_HA_SPI, VEC_FA_SPI = 0x100, 0x101
VEC_NONCE = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
VEC_NAI = b"alice@mipkey.test"


def selftest():
    ok = True
    for i, (k, d, want) in enumerate(RFC4231):
        got = prf(bytes.fromhex(k), bytes.fromhex(d)).hex()
        good = got == want
        ok &= good
        print("%s reference HMAC-SHA-256 RFC 4231 vector %d%s" % ("PASS" if good else "FAIL", i + 1,
                                                                 "" if good else ": got " + got))
    print("vector MIP4-RK %s" % mip4_rk(VEC_ROOT).hex())
    print("vector FA-RK %s" % fa_rk(VEC_ROOT).hex())
    print("vector MN-HA %s" % mn_ha(VEC_ROOT, VEC_HA, VEC_HA_SPI, VEC_NONCE, VEC_NAI).hex())
    print("vector MN-FA %s" % mn_fa(VEC_ROOT, VEC_FA, VEC_FA_SPI, VEC_NONCE, VEC_NAI).hex())
    return ok


if __name__ == "__main__":
    if sys.argv[1:] == ["--selftest"]:
        sys.exit(0 if selftest() else 1)
    print(__doc__)
