#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Independent MS-CHAPv2 / MPPE reference computation for the tests.

Implements, from the RFC texts:
  * RFC 2759 (MS-CHAP-V2): NtPasswordHash, HashNtPasswordHash, ChallengeHash,
    ChallengeResponse (DesEncrypt with 7->8 byte key expansion),
    GenerateNTResponse, GenerateAuthenticatorResponse;
  * RFC 3079 (MPPE keys): GetMasterKey, GetAsymmetricStartKey;
  * RFC 2548 (MS-MPPE-Send-Key / MS-MPPE-Recv-Key attribute encryption):
    mppe_key_encrypt / mppe_key_decrypt.
  * RFC 2759 sections 7 and 8.9-8.13 (password change): the client side,
    NewPasswordEncryptedWithOldNtPasswordHash (RC4) and
    OldNtPasswordHashEncryptedWithNewNtPasswordHash (DES), and the RFC 2548
    MS-CHAP2-CPW / MS-CHAP-NT-Enc-PW attribute values that carry them.

Standard library only.  MD4, single DES and RC4 are not available from Python's
hashlib with OpenSSL 3, so they are computed by the `openssl` command-line
tool with the legacy provider.  SHA-1 and MD5 come from hashlib.

CLI:
  mschap_ref.py --user NAME (--password PW | --nt-hash HEX)
                [--hash-user NAME] [--challenge HEX] [--peer-challenge HEX]
                [--ident N]
      prints a JSON object (all binary values as upper-case hex).
  mschap_ref.py --user NAME --password OLD --new-password NEW [--challenge HEX]
                [--peer-challenge HEX] [--ident N] [--fill HEX]
      a Change-Password (RFC 2759 section 7) as JSON: the MS-CHAP2-CPW value, the
      MS-CHAP-NT-Enc-PW chunks, and the Success values for the new password.
  mschap_ref.py --selftest
      checks the RFC 2759 section 9.2 and RFC 3079 section 3.5.3 vectors.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys

OPENSSL = os.environ.get("OPENSSL", "openssl")
LEGACY = ["-provider", "legacy", "-provider", "default"]


# --------------------------------------------------------------------------
# Primitives (openssl CLI for MD4 and DES)
# --------------------------------------------------------------------------

def record_secret(*values):
    """Appends each secret (bytes) as hex to $MIPKEY_SECRETS_LOG, if set: test_secrets.py then
    checks that none of them appears in what the servers wrote."""
    path = os.environ.get("MIPKEY_SECRETS_LOG")
    if not path:
        return
    with open(path, "a") as f:
        for v in values:
            f.write(v.hex() + "\n")


def _openssl(args, data):
    proc = subprocess.run([OPENSSL] + args, input=data, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed: %s"
                           % (" ".join(args), proc.stderr.decode(errors="replace")))
    return proc.stdout


def md4(data):
    out = _openssl(["dgst", "-md4", "-binary"] + LEGACY, data)
    if len(out) != 16:
        raise RuntimeError("unexpected MD4 output length %d" % len(out))
    return out


def sha1(*parts):
    h = hashlib.sha1()
    for p in parts:
        h.update(p)
    return h.digest()


def md5(*parts):
    h = hashlib.md5()
    for p in parts:
        h.update(p)
    return h.digest()


def des_key_expand(key7):
    """Spread 56 key bits over 8 bytes (7 bits each, in the high bits).

    The low (parity) bit is set for odd parity, as in the reference code;
    DES ignores it anyway.
    """
    if len(key7) != 7:
        raise ValueError("DES key material must be 7 bytes")
    bits = int.from_bytes(key7, "big")  # 56 bits
    out = bytearray()
    for i in range(8):
        b = ((bits >> (49 - 7 * i)) & 0x7F) << 1
        if bin(b).count("1") % 2 == 0:
            b |= 1
        out.append(b)
    return bytes(out)


def des_encrypt(clear8, key7):
    """RFC 2759 DesEncrypt: single DES-ECB of one 8-byte block."""
    if len(clear8) != 8:
        raise ValueError("DES block must be 8 bytes")
    key8 = des_key_expand(key7)
    out = _openssl(["enc", "-des-ecb", "-e", "-nopad", "-nosalt",
                    "-K", key8.hex()] + LEGACY, clear8)
    if len(out) != 8:
        raise RuntimeError("unexpected DES output length %d" % len(out))
    return out


def rc4(data, key):
    """RFC 2759 8.11 Rc4Encrypt (its own inverse)."""
    out = _openssl(["enc", "-rc4", "-e", "-nosalt", "-K", key.hex()] + LEGACY, data)
    if len(out) != len(data):
        raise RuntimeError("unexpected RC4 output length %d" % len(out))
    return out


# --------------------------------------------------------------------------
# RFC 2759
# --------------------------------------------------------------------------

MAGIC_2759_1 = b"Magic server to client signing constant"
MAGIC_2759_2 = b"Pad to make it do more than one iteration"


def nt_password_hash(password):
    """MD4 of the UTF-16LE password (surrogate pairs for non-BMP chars)."""
    return md4(password.encode("utf-16-le"))


def hash_nt_password_hash(password_hash):
    return md4(password_hash)


def challenge_hash(peer_challenge, authenticator_challenge, user_name):
    """user_name: the name WITHOUT domain (bytes or str -> UTF-8)."""
    if isinstance(user_name, str):
        user_name = user_name.encode("utf-8")
    return sha1(peer_challenge, authenticator_challenge, user_name)[:8]


def challenge_response(challenge, password_hash):
    z = password_hash + b"\x00" * 5  # 21 bytes
    return (des_encrypt(challenge, z[0:7]) + des_encrypt(challenge, z[7:14])
            + des_encrypt(challenge, z[14:21]))


def generate_nt_response_from_hash(authenticator_challenge, peer_challenge,
                                   user_name, password_hash):
    ch = challenge_hash(peer_challenge, authenticator_challenge, user_name)
    return challenge_response(ch, password_hash)


def generate_nt_response(authenticator_challenge, peer_challenge, user_name,
                         password):
    return generate_nt_response_from_hash(authenticator_challenge,
                                          peer_challenge, user_name,
                                          nt_password_hash(password))


def generate_authenticator_response_from_hash(password_hash, nt_response,
                                              peer_challenge,
                                              authenticator_challenge,
                                              user_name):
    """Returns the 42-character string "S=<40 upper-case hex>"."""
    phh = hash_nt_password_hash(password_hash)
    digest = sha1(phh, nt_response, MAGIC_2759_1)
    ch = challenge_hash(peer_challenge, authenticator_challenge, user_name)
    digest = sha1(digest, ch, MAGIC_2759_2)
    return "S=" + digest.hex().upper()


# --------------------------------------------------------------------------
# RFC 2759 sections 7 and 8.9-8.13: password change, client side
# --------------------------------------------------------------------------

def encrypt_pw_block_with_password_hash(password, password_hash, fill=None):
    """8.10: the 516-octet block, password (str) at the END of the 512-octet field,
    its length in octets in the last 4 (little-endian), RC4 under password_hash.
    fill: the 512 - len octets before the password (default: random), for fixed vectors."""
    pw = password.encode("utf-16-le") if isinstance(password, str) else password
    if len(pw) > 512:
        raise ValueError("password longer than 256 UTF-16 units")
    if fill is None:
        fill = os.urandom(512 - len(pw))
    fill = fill[:512 - len(pw)]
    if len(fill) != 512 - len(pw):
        raise ValueError("fill too short")
    clear = fill + pw + len(pw).to_bytes(4, "little")
    return rc4(clear, password_hash)


def new_password_encrypted_with_old_nt_password_hash(new_password, old_password, fill=None):
    """8.9"""
    return encrypt_pw_block_with_password_hash(new_password, nt_password_hash(old_password), fill)


def nt_password_hash_encrypted_with_block(password_hash, block):
    """8.13"""
    return des_encrypt(password_hash[:8], block[:7]) + des_encrypt(password_hash[8:16], block[7:14])


def old_nt_password_hash_encrypted_with_new_nt_password_hash(new_password, old_password):
    """8.12"""
    return nt_password_hash_encrypted_with_block(nt_password_hash(old_password),
                                                 nt_password_hash(new_password))


def nt_enc_pw_chunks(pw_block, ident, chunk=243):
    """RFC 2548 MS-CHAP-NT-Enc-PW values: code 6, ident, 2-octet sequence number
    (network order, from 1), then the next piece of the 516-octet block."""
    out = []
    for i in range(0, len(pw_block), chunk):
        out.append(bytes([6, ident & 0xFF]) + (i // chunk + 1).to_bytes(2, "big") + pw_block[i:i + chunk])
    return out


def change_password(user, old_password, new_password, authenticator_challenge, peer_challenge,
                    hash_user=None, ident=1, fill=None):
    """A whole Change-Password: what the peer sends and what the server must answer."""
    if hash_user is None:
        hash_user = strip_user(user)
    pw_block = new_password_encrypted_with_old_nt_password_hash(new_password, old_password, fill)
    enc_hash = old_nt_password_hash_encrypted_with_new_nt_password_hash(new_password, old_password)
    r = compute(user, authenticator_challenge, peer_challenge, password=new_password,
                hash_user=hash_user, ident=ident)
    ntr = bytes.fromhex(r["nt_response"])
    # RFC 2548 MS-CHAP2-CPW: Code 7, Ident, Encrypted-Hash(16), Peer-Challenge(16),
    # Reserved(8), NT-Response(24), Flags(2) = 68 octets
    cpw = bytes([7, ident & 0xFF]) + enc_hash + peer_challenge + b"\x00" * 8 + ntr + b"\x00\x00"
    assert len(cpw) == 68
    h = lambda b: b.hex().upper()  # noqa: E731
    r.update({
        "old_nt_hash": h(nt_password_hash(old_password)),
        "new_nt_hash": h(nt_password_hash(new_password)),
        "pw_block": h(pw_block),
        "encrypted_hash": h(enc_hash),
        "ms_chap2_cpw": h(cpw),
        "ms_chap_nt_enc_pw": [h(c) for c in nt_enc_pw_chunks(pw_block, ident)],
    })
    return r


# --------------------------------------------------------------------------
# RFC 3079
# --------------------------------------------------------------------------

MAGIC_3079_1 = b"This is the MPPE Master Key"
MAGIC_3079_2 = (b"On the client side, this is the send key; "
                b"on the server side, it is the receive key.")
MAGIC_3079_3 = (b"On the client side, this is the receive key; "
                b"on the server side, it is the send key.")
SHS_PAD1 = b"\x00" * 40
SHS_PAD2 = b"\xf2" * 40


def get_master_key(password_hash_hash, nt_response):
    return sha1(password_hash_hash, nt_response, MAGIC_3079_1)[:16]


def get_asymmetric_start_key(master_key, key_length, is_send, is_server):
    if is_send:
        s = MAGIC_3079_3 if is_server else MAGIC_3079_2
    else:
        s = MAGIC_3079_2 if is_server else MAGIC_3079_3
    return sha1(master_key, SHS_PAD1, s, SHS_PAD2)[:key_length]


# --------------------------------------------------------------------------
# RFC 2548 section 2.4.2/2.4.3: MS-MPPE-Send-Key / MS-MPPE-Recv-Key
# --------------------------------------------------------------------------

def mppe_key_encrypt(key, secret, request_authenticator, salt):
    """Returns Salt(2) + encrypted String, i.e. the attribute value."""
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if len(salt) != 2 or not salt[0] & 0x80:
        raise ValueError("salt must be 2 bytes with the high bit set")
    plain = bytes([len(key)]) + key
    if len(plain) % 16:
        plain += b"\x00" * (16 - len(plain) % 16)
    out = bytearray()
    prev = request_authenticator + salt
    for i in range(0, len(plain), 16):
        b = md5(secret, prev)
        c = bytes(x ^ y for x, y in zip(plain[i:i + 16], b))
        out += c
        prev = c
    return salt + bytes(out)


def mppe_key_decrypt(value, secret, request_authenticator):
    """value: the attribute value (Salt(2) + String).  Returns the key."""
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if len(value) < 2 + 16 or (len(value) - 2) % 16:
        raise ValueError("bad MS-MPPE key attribute length %d" % len(value))
    salt, enc = value[:2], value[2:]
    plain = bytearray()
    prev = request_authenticator + salt
    for i in range(0, len(enc), 16):
        c = enc[i:i + 16]
        b = md5(secret, prev)
        plain += bytes(x ^ y for x, y in zip(c, b))
        prev = c
    klen = plain[0]
    if klen > len(plain) - 1:
        raise ValueError("decrypted key length %d too large" % klen)
    return bytes(plain[1:1 + klen])


# --------------------------------------------------------------------------
# Everything at once
# --------------------------------------------------------------------------

def strip_user(name):
    """Default ChallengeHash name: drop 'DOMAIN\\' prefix and '@realm' suffix."""
    if "\\" in name:
        name = name.split("\\", 1)[1]
    if "@" in name:
        name = name.rsplit("@", 1)[0]
    return name


def compute(user, authenticator_challenge, peer_challenge, password=None,
            nt_hash=None, hash_user=None, ident=1):
    if (password is None) == (nt_hash is None):
        raise ValueError("give exactly one of password / nt_hash")
    if len(authenticator_challenge) != 16 or len(peer_challenge) != 16:
        raise ValueError("challenges must be 16 bytes")
    if hash_user is None:
        hash_user = strip_user(user)
    k = nt_password_hash(password) if nt_hash is None else nt_hash
    if len(k) != 16:
        raise ValueError("NT hash must be 16 bytes")
    k2 = hash_nt_password_hash(k)
    ch = challenge_hash(peer_challenge, authenticator_challenge, hash_user)
    ntr = challenge_response(ch, k)
    auth = generate_authenticator_response_from_hash(
        k, ntr, peer_challenge, authenticator_challenge, hash_user)
    mk = get_master_key(k2, ntr)
    send = get_asymmetric_start_key(mk, 16, True, True)
    recv = get_asymmetric_start_key(mk, 16, False, True)
    # RFC 2548 MS-CHAP2-Response: Ident(1) Flags(1) Peer-Challenge(16)
    # Reserved(8) NT-Response(24) = 50 bytes
    resp = bytes([ident & 0xFF, 0]) + peer_challenge + b"\x00" * 8 + ntr
    assert len(resp) == 50
    record_secret(k, k2, mk, send, recv)
    h = lambda b: b.hex().upper()  # noqa: E731
    return {
        "user": user,
        "hash_user": hash_user,
        "ident": ident & 0xFF,
        "challenge": h(authenticator_challenge),
        "peer_challenge": h(peer_challenge),
        "nt_hash": h(k),
        "nt_hash_hash": h(k2),
        "challenge_hash": h(ch),
        "nt_response": h(ntr),
        "ms_chap2_response": h(resp),
        "authenticator_response": auth,
        "master_key": h(mk),
        "mppe_send_key": h(send),
        "mppe_recv_key": h(recv),
    }


# --------------------------------------------------------------------------
# Self test
# --------------------------------------------------------------------------

def selftest():
    ok = True

    def check(name, got, want):
        nonlocal ok
        if isinstance(got, bytes):
            got = got.hex().upper()
        if got == want:
            print("PASS %s = %s" % (name, got))
        else:
            ok = False
            print("FAIL %s: expected %s got %s" % (name, want, got))

    u = bytes.fromhex
    auth_ch = u("5B5D7C7D7B3F2F3E3C2C602132262628")
    peer_ch = u("21402324255E262A28295F2B3A337C7E")

    # DES key expansion sanity (RFC 2759 ChallengeResponse examples use it).
    check("des_key_expand(FFx7)", des_key_expand(b"\xff" * 7), "FEFEFEFEFEFEFEFE")
    check("des_key_expand(00x7)", des_key_expand(b"\x00" * 7), "0101010101010101")

    # RFC 2759 section 9.2
    check("ChallengeHash", challenge_hash(peer_ch, auth_ch, "User"),
          "D02E4386BCE91226")
    k = nt_password_hash("clientPass")
    check("NtPasswordHash", k, "44EBBA8D5312B8D611474411F56989AE")
    ntr = generate_nt_response(auth_ch, peer_ch, "User", "clientPass")
    check("NT-Response", ntr, "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")
    k2 = hash_nt_password_hash(k)
    check("HashNtPasswordHash", k2, "41C00C584BD2D91C4017A2A12FA59F3F")
    check("AuthenticatorResponse",
          generate_authenticator_response_from_hash(k, ntr, peer_ch, auth_ch, "User"),
          "S=407A5589115FD0D6209F510FE9C04566932CDA56")

    # RFC 3079 section 3.5.3 (128-bit keys), server side
    mk = get_master_key(k2, ntr)
    check("MasterKey", mk, "FDECE3717A8C838CB388E527AE3CDD31")
    check("SendStartKey128 (server)", get_asymmetric_start_key(mk, 16, True, True),
          "8B7CDC149B993A1BA118CB153F56DCCB")
    check("RecvStartKey128 (server)", get_asymmetric_start_key(mk, 16, False, True),
          "D5F0E9521E3EA9589645E86051C82226")
    # Client side must be the mirror image.
    check("SendStartKey128 (client) == server recv",
          get_asymmetric_start_key(mk, 16, True, False),
          "D5F0E9521E3EA9589645E86051C82226")

    # compute() end-to-end, incl. DOMAIN\ stripping and --nt-hash path
    r = compute("EXAMPLE\\User", auth_ch, peer_ch, password="clientPass")
    check("compute(EXAMPLE\\User).nt_response", r["nt_response"],
          "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")
    r2 = compute("User@realm", auth_ch, peer_ch, nt_hash=k, ident=7)
    check("compute(nt_hash).authenticator_response", r2["authenticator_response"],
          "S=407A5589115FD0D6209F510FE9C04566932CDA56")
    check("compute().ms_chap2_response", r2["ms_chap2_response"],
          "0700" + peer_ch.hex().upper() + "00" * 8
          + "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")

    # Non-BMP character -> UTF-16 surrogate pair before MD4
    check("UTF-16LE surrogates", "\U0001F600".encode("utf-16-le"), "3DD800DE")

    # RFC 2548 key attribute round trip (2-block plaintext: 1 + 16 bytes)
    ra = u("00112233445566778899AABBCCDDEEFF")
    key = u("8B7CDC149B993A1BA118CB153F56DCCB")
    enc = mppe_key_encrypt(key, "testing123", ra, b"\x81\x23")
    check("MPPE attr length", str(len(enc)), "34")
    check("MPPE decrypt(encrypt(key))", mppe_key_decrypt(enc, "testing123", ra),
          key.hex().upper())
    # Independent first block: c1 = P1 xor MD5(secret + RA + salt)
    b1 = md5(b"testing123", ra, b"\x81\x23")
    c1 = bytes(x ^ y for x, y in zip(bytes([16]) + key[:15], b1))
    check("MPPE first cipher block", enc[2:18], c1.hex().upper())

    # Password change: the block decrypts (RC4 is its own inverse) to the layout of 8.10
    blk = new_password_encrypted_with_old_nt_password_hash("newPass", "clientPass", fill=b"\xAA" * 498)
    clear = rc4(blk, k)
    check("8.10 block: fill, UTF-16LE password, little-endian length",
          clear, ("AA" * 498 + "newPass".encode("utf-16-le").hex() + "0E000000").upper())
    # RC4 against the first keystream octets of RFC 6229 (key 0102..10, 128 bits)
    check("RC4 RFC 6229 key 0x0102..10 keystream",
          rc4(b"\x00" * 16, bytes(range(1, 17))), "9AC7CC9A609D1EF7B2932899CDE41B97")
    # 8.13: each half is DesEncrypt of 8 octets of the hash under 7 octets of the block
    eh = old_nt_password_hash_encrypted_with_new_nt_password_hash("newPass", "clientPass")
    nk = nt_password_hash("newPass")
    check("8.13 first half", eh[:8], des_encrypt(k[:8], nk[:7]).hex().upper())
    check("8.13 second half", eh[8:], des_encrypt(k[8:], nk[7:14]).hex().upper())
    chunks = nt_enc_pw_chunks(blk, 5)
    check("NT-Enc-PW chunks 243+243+30 with code, ident, sequence",
          [c[:4].hex().upper() + "/%d" % len(c) for c in chunks],
          ["06050001/247", "06050002/247", "06050003/34"])

    print("SELFTEST %s" % ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def _hex(n):
    def parse(s):
        try:
            b = bytes.fromhex(s)
        except ValueError:
            raise argparse.ArgumentTypeError("not hex: %r" % s)
        if n is not None and len(b) != n:
            raise argparse.ArgumentTypeError("need %d bytes (%d hex digits)" % (n, 2 * n))
        return b
    return parse


def main(argv=None):
    p = argparse.ArgumentParser(description="MS-CHAPv2 / MPPE reference values (RFC 2759/3079/2548)")
    p.add_argument("--selftest", action="store_true", help="check the RFC test vectors")
    p.add_argument("--user", help="User-Name as sent")
    p.add_argument("--hash-user",
                   help="name used in ChallengeHash (default: --user without DOMAIN\\ and @realm)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--password", help="clear-text password (any Unicode)")
    g.add_argument("--nt-hash", type=_hex(16), help="NT hash (32 hex digits) instead of --password")
    p.add_argument("--challenge", type=_hex(16), help="authenticator challenge (default: random)")
    p.add_argument("--peer-challenge", type=_hex(16), help="peer challenge (default: random)")
    p.add_argument("--ident", type=int, default=1, help="MS-CHAP2-Response Ident byte (default 1)")
    p.add_argument("--new-password", help="make a Change-Password from --password (old) to this")
    p.add_argument("--fill", type=_hex(None), help="with --new-password: the octets before the new password "
                   "in the 516-octet block (default random)")
    p.add_argument("--mppe-decrypt", type=_hex(None), metavar="HEX",
                   help="decrypt an MS-MPPE-Send/Recv-Key attribute value (Salt+String); "
                        "needs --secret and --request-authenticator")
    p.add_argument("--secret", help="RADIUS shared secret (for --mppe-decrypt)")
    p.add_argument("--request-authenticator", type=_hex(16), help="Access-Request authenticator")
    a = p.parse_args(argv)

    if a.selftest:
        return selftest()
    if a.mppe_decrypt is not None:
        if a.secret is None or a.request_authenticator is None:
            p.error("--mppe-decrypt needs --secret and --request-authenticator")
        key = mppe_key_decrypt(a.mppe_decrypt, a.secret, a.request_authenticator)
        print(json.dumps({"key": key.hex().upper()}))
        return 0
    if a.user is None or (a.password is None and a.nt_hash is None):
        p.error("need --user and one of --password / --nt-hash (or --selftest)")
    if not 0 <= a.ident <= 255:
        p.error("--ident must be 0..255")
    if a.new_password is not None:
        if a.password is None:
            p.error("--new-password needs --password (the old one)")
        r = change_password(a.user, a.password, a.new_password,
                            a.challenge if a.challenge is not None else os.urandom(16),
                            a.peer_challenge if a.peer_challenge is not None else os.urandom(16),
                            hash_user=a.hash_user, ident=a.ident, fill=a.fill)
        print(json.dumps(r, indent=2, ensure_ascii=False))
        return 0
    r = compute(a.user,
                a.challenge if a.challenge is not None else os.urandom(16),
                a.peer_challenge if a.peer_challenge is not None else os.urandom(16),
                password=a.password, nt_hash=a.nt_hash,
                hash_user=a.hash_user, ident=a.ident)
    print(json.dumps(r, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
