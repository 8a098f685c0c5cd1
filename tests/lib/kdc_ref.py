#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kdc_ref.py - an independent reference for the key distribution centre mode (seed 001):
AES (FIPS 197), AES key wrap (RFC 3394 / RFC 5649), AES-GCM (NIST SP 800-38D), the
semi-stateful PRF and the extension layouts of docs/PROTOCOL.md section 5, written from the
standards in plain Python (stdlib only: Python has no AES). It shares no code with the
module; `--selftest` checks it against the standards' own test vectors.
"""
import hashlib
import hmac
import struct
import sys

# --- AES (FIPS 197) ----------------------------------------------------------------------


def _xtime(a):
    a <<= 1
    return (a ^ 0x11B) & 0xFF if a & 0x100 else a


def _gmul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a = _xtime(a)
        b >>= 1
    return r


def _sbox():
    inv = [0] * 256
    for x in range(1, 256):
        for y in range(1, 256):
            if _gmul(x, y) == 1:
                inv[x] = y
                break
    box = []
    for x in range(256):
        b = inv[x]
        s = b
        for i in range(1, 5):
            s ^= ((b << i) | (b >> (8 - i))) & 0xFF
        box.append(s ^ 0x63)
    return box


SBOX = _sbox()


def _expand(key):
    nk = len(key) // 4
    if nk not in (4, 6, 8):
        raise ValueError("AES key must be 16, 24 or 32 octets")
    nr = nk + 6
    w = [list(key[4 * i:4 * i + 4]) for i in range(nk)]
    rcon = 1
    for i in range(nk, 4 * (nr + 1)):
        t = list(w[i - 1])
        if i % nk == 0:
            t = t[1:] + t[:1]
            t = [SBOX[b] for b in t]
            t[0] ^= rcon
            rcon = _xtime(rcon)
        elif nk > 6 and i % nk == 4:
            t = [SBOX[b] for b in t]
        w.append([a ^ b for a, b in zip(w[i - nk], t)])
    return [sum(w[4 * r:4 * r + 4], []) for r in range(nr + 1)]


def aes_encrypt_block(key, block):
    rk = _expand(key)
    s = [b ^ k for b, k in zip(block, rk[0])]
    for rnd in range(1, len(rk)):
        s = [SBOX[b] for b in s]
        s = [s[(i + 4 * (i % 4)) % 16] for i in range(16)]          # ShiftRows (column-major)
        if rnd != len(rk) - 1:
            m = []
            for c in range(4):
                a = s[4 * c:4 * c + 4]
                m += [_gmul(a[0], 2) ^ _gmul(a[1], 3) ^ a[2] ^ a[3],
                      a[0] ^ _gmul(a[1], 2) ^ _gmul(a[2], 3) ^ a[3],
                      a[0] ^ a[1] ^ _gmul(a[2], 2) ^ _gmul(a[3], 3),
                      _gmul(a[0], 3) ^ a[1] ^ a[2] ^ _gmul(a[3], 2)]
            s = m
        s = [b ^ k for b, k in zip(s, rk[rnd])]
    return bytes(s)


INV_SBOX = [0] * 256
for _i, _v in enumerate(SBOX):
    INV_SBOX[_v] = _i


def aes_decrypt_block(key, block):
    rk = _expand(key)
    nr = len(rk) - 1
    s = [b ^ k for b, k in zip(block, rk[nr])]
    for rnd in range(nr - 1, -1, -1):
        s = [s[(i - 4 * (i % 4)) % 16] for i in range(16)]          # InvShiftRows
        s = [INV_SBOX[b] for b in s]
        s = [b ^ k for b, k in zip(s, rk[rnd])]
        if rnd:
            m = []
            for c in range(4):
                a = s[4 * c:4 * c + 4]
                m += [_gmul(a[0], 14) ^ _gmul(a[1], 11) ^ _gmul(a[2], 13) ^ _gmul(a[3], 9),
                      _gmul(a[0], 9) ^ _gmul(a[1], 14) ^ _gmul(a[2], 11) ^ _gmul(a[3], 13),
                      _gmul(a[0], 13) ^ _gmul(a[1], 9) ^ _gmul(a[2], 14) ^ _gmul(a[3], 11),
                      _gmul(a[0], 11) ^ _gmul(a[1], 13) ^ _gmul(a[2], 9) ^ _gmul(a[3], 14)]
            s = m
    return bytes(s)


# --- AES key wrap (RFC 3394 section 2.2, RFC 5649 section 4) ------------------------------

IV_3394 = bytes.fromhex("A6A6A6A6A6A6A6A6")


def _w(kek, a, r):
    n = len(r)
    r = list(r)
    for j in range(6):
        for i in range(n):
            b = aes_encrypt_block(kek, a + r[i])
            t = n * j + i + 1
            a = (int.from_bytes(b[:8], "big") ^ t).to_bytes(8, "big")
            r[i] = b[8:]
    return a + b"".join(r)


def _w_inv(kek, c):
    n = len(c) // 8 - 1
    a = c[:8]
    r = [c[8 * (i + 1):8 * (i + 2)] for i in range(n)]
    for j in range(5, -1, -1):
        for i in range(n - 1, -1, -1):
            t = n * j + i + 1
            b = aes_decrypt_block(kek, (int.from_bytes(a, "big") ^ t).to_bytes(8, "big") + r[i])
            a, r[i] = b[:8], b[8:]
    return a, b"".join(r)


def wrap(kek, key):
    """RFC 3394."""
    if len(key) % 8 or len(key) < 16:
        raise ValueError("RFC 3394 wraps a multiple of 8 octets, at least 16")
    return _w(kek, IV_3394, [key[i:i + 8] for i in range(0, len(key), 8)])


def unwrap(kek, c):
    """RFC 3394; None if the integrity check fails."""
    a, p = _w_inv(kek, c)
    return p if hmac.compare_digest(a, IV_3394) else None


def wrap_pad(kek, key):
    """RFC 5649."""
    aiv = bytes.fromhex("A65959A6") + struct.pack(">I", len(key))
    p = key + bytes((8 - len(key) % 8) % 8)
    if len(p) == 8:
        return aes_encrypt_block(kek, aiv + p)
    return _w(kek, aiv, [p[i:i + 8] for i in range(0, len(p), 8)])


def unwrap_pad(kek, c):
    """RFC 5649; None if the integrity check fails."""
    if len(c) == 16:
        b = aes_decrypt_block(kek, c)
        a, p = b[:8], b[8:]
    else:
        a, p = _w_inv(kek, c)
    if a[:4] != bytes.fromhex("A65959A6"):
        return None
    mli = struct.unpack(">I", a[4:])[0]
    if not len(p) - 8 < mli <= len(p) or any(p[mli:]):
        return None
    return p[:mli]


# --- AES-GCM (NIST SP 800-38D), 96-bit IV --------------------------------------------------

def _gf128(x, y):
    r = 0xE1 << 120
    z = 0
    for i in range(127, -1, -1):
        if (y >> i) & 1:
            z ^= x
        x = (x >> 1) ^ r if x & 1 else x >> 1
    return z


def _ghash(h, data):
    y = 0
    for i in range(0, len(data), 16):
        y = _gf128(y ^ int.from_bytes(data[i:i + 16].ljust(16, b"\0"), "big"), h)
    return y


def _gctr(key, icb, data):
    out = bytearray()
    ctr = int.from_bytes(icb, "big")
    for i in range(0, len(data), 16):
        ks = aes_encrypt_block(key, ctr.to_bytes(16, "big"))
        out += bytes(a ^ b for a, b in zip(data[i:i + 16], ks))
        ctr = (ctr & ~0xFFFFFFFF) | ((ctr + 1) & 0xFFFFFFFF)
    return bytes(out)


def _pad16(b):
    return b + bytes((16 - len(b) % 16) % 16)


def gcm_encrypt(key, iv, plaintext, aad):
    """Returns (ciphertext, 16-octet tag)."""
    h = int.from_bytes(aes_encrypt_block(key, bytes(16)), "big")
    j0 = iv + b"\0\0\0\1"
    c = _gctr(key, (int.from_bytes(j0, "big") + 1).to_bytes(16, "big"), plaintext)
    s = _ghash(h, _pad16(aad) + _pad16(c) + struct.pack(">QQ", 8 * len(aad), 8 * len(c)))
    tag = _gctr(key, j0, s.to_bytes(16, "big"))
    return c, tag


# --- the project's KDC layouts (docs/PROTOCOL.md section 5) --------------------------------

def hmac_sha256(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def subkeys(key0):
    """(k_enc, k_wrap), each as long as KEY0."""
    return (hmac_sha256(key0, b"mipkey KDC identity encryption")[:len(key0)],
            hmac_sha256(key0, b"mipkey KDC key wrap")[:len(key0)])


def prf(seed, nai_i, nai_r, ip_r, ip_i, n=20):
    data = (struct.pack(">H", len(nai_i)) + nai_i + struct.pack(">H", len(nai_r)) + nai_r +
            bytes([len(ip_r)]) + ip_r + bytes([len(ip_i)]) + ip_i)
    return hmac_sha256(seed, data)[:n]


def rrq_fixed(home_address, home_agent, care_of, identification, lifetime=1800, flags=0):
    return (bytes([1, flags]) + struct.pack(">H", lifetime) + home_address + home_agent + care_of +
            struct.pack(">Q", identification))


def kdc_request(key0, rrq, key0_spi, mn_ha_spi, mn_fa_spi, nonce, nai):
    """Mipkey-KDC-Request: the RRQ's fixed part and the Encrypted NAI extension (type 150)."""
    k_enc, _ = subkeys(key0)
    hdr = bytes([150, 40 + len(nai) - 2 + 2]) + struct.pack(">III", key0_spi, mn_ha_spi, mn_fa_spi)
    c, tag = gcm_encrypt(k_enc, nonce, nai, rrq + hdr)
    return rrq + hdr + nonce + c + tag


def parse_mn_keys(key0, ext):
    """The MN Key Reply extension (type 151): dict, keys None if they do not unwrap."""
    if len(ext) < 20 or ext[0] != 151 or ext[1] + 2 != len(ext):
        raise ValueError("not an MN Key Reply extension")
    mode, _res, spi, life, ha_spi, fa_spi = struct.unpack(">BBIIII", ext[2:20])
    return {"mode": mode, "key0_spi": spi, "lifetime": life, "mn_ha_spi": ha_spi, "mn_fa_spi": fa_spi,
            "keys": unwrap_pad(subkeys(key0)[1], ext[20:]), "wrapped": ext[20:]}


def selftest():
    ok = True

    def check(name, want, got):
        nonlocal ok
        print(("PASS " if want == got else "FAIL ") + name + ("" if want == got else f": want {want!r} got {got!r}"))
        ok &= want == got

    h = bytes.fromhex
    check("FIPS 197 C.1 AES-128", h("69c4e0d86a7b0430d8cdb78070b4c55a"),
          aes_encrypt_block(h("000102030405060708090a0b0c0d0e0f"), h("00112233445566778899aabbccddeeff")))
    check("FIPS 197 C.3 AES-256", h("8ea2b7ca516745bfeafc49904b496089"),
          aes_encrypt_block(h("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
                            h("00112233445566778899aabbccddeeff")))
    check("FIPS 197 C.2 AES-192 decrypt", h("00112233445566778899aabbccddeeff"),
          aes_decrypt_block(h("000102030405060708090a0b0c0d0e0f1011121314151617"),
                            h("dda97ca4864cdfe06eaf70a0ec0d7191")))
    kek = h("000102030405060708090A0B0C0D0E0F")
    check("RFC 3394 4.1 wrap", h("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"),
          wrap(kek, h("00112233445566778899AABBCCDDEEFF")))
    check("RFC 3394 4.1 unwrap", h("00112233445566778899AABBCCDDEEFF"),
          unwrap(kek, h("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")))
    check("RFC 3394 4.1 tampered: no unwrap", None,
          unwrap(kek, h("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE4")))
    kek = h("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
    check("RFC 3394 4.6 wrap", h("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"),
          wrap(kek, h("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")))
    kek = h("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8")
    check("RFC 5649 6 wrap 20 octets", h("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"),
          wrap_pad(kek, h("c37b7e6492584340bed12207808941155068f738")))
    check("RFC 5649 6 wrap 7 octets", h("afbeb0f07dfbf5419200f2ccb50bb24f"), wrap_pad(kek, h("466f7250617369")))
    check("RFC 5649 6 unwrap 20 octets", h("c37b7e6492584340bed12207808941155068f738"),
          unwrap_pad(kek, h("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")))
    # McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 2 and 4.
    c, t = gcm_encrypt(bytes(16), bytes(12), bytes(16), b"")
    check("GCM test case 2", (h("0388dace60b6a392f328c2b971b2fe78"), h("ab6e47d42cec13bdf53a67b21257bddf")), (c, t))
    k = h("feffe9928665731c6d6a8f9467308308")
    p = h("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
          "b16aedf5aa0de657ba637b39")
    c, t = gcm_encrypt(k, h("cafebabefacedbaddecaf888"), p, h("feedfacedeadbeeffeedfacedeadbeefabaddad2"))
    check("GCM test case 4", (h("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c"
                                "7d8f6a5aac84aa051ba30b396a0aac973d58e091"), h("5bc94fbc3221a5db94fae95ae7121a47")),
          (c, t))
    check("RFC 4231 case 2 HMAC-SHA256",
          h("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
          hmac_sha256(b"Jefe", b"what do ya want for nothing?"))
    print(("PASS" if ok else "FAIL") + " kdc_ref selftest")
    return ok


if __name__ == "__main__":
    if sys.argv[1:] == ["--selftest"]:
        sys.exit(0 if selftest() else 1)
    print(__doc__)
