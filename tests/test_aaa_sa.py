#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end tests of "mobileip { aaa_key = ldap }": the RFC 3957 AAA key is the mobile
node's own AAA security association (AAA SPI, key, algorithm) from its LDAP entry
(ldap-fixtures/mipkey.schema), not k''.

Started by tests/run with RADIUS_PORT, RADIUS_SECRET, RADIUS_DIR (as test_mobileip.py). The
test server (tests/lib/radiusd.sh) has the site mipkey-aaa on RADIUS_PORT+3 with the module
instance mipkey_aaa (tests/raddb/mod-aaa.in, site-aaa.in).

Expected keys are computed here from the fixture's AAA keys (the values in users.ldif, copied
below) with Python's hmac: HMAC-SHA1(AAA key, nonce || NAI), the nonce taken from the reply;
the KeyGen Reply extensions with mip_ref.py; k'' with mschap_ref.py.
"""
import hashlib
import hmac
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
import mip_ref  # noqa: E402
import mschap_ref  # noqa: E402
from radtest import PORT, RADIUS_DIR, check, finish, log_mark  # noqa: E402
import radtest  # noqa: E402

AAA_PORT = str(int(PORT) + 3)

# ldap-fixtures/users.ldif: the AAA security associations of alice and bob.
ALICE_SPI = 1000
ALICE_KEY = bytes.fromhex("32F5FECB70568AAD8F78DF744E05D8C4C8D6D23E")
BOB_SPI = 4294967295
BOB_KEY = bytes.fromhex("044c71f74418cc01871cbda63d7de5a2f65f97c16b6a4d60c48e00c012477cda"
                        "414eb3bc001ad875faadd099fd3cac46c86f9fd1445fe8fbb65ea394a3c51b0f")
BOB_PW = "Pässwörd-密码-😀"

DICT_DIR = os.path.join(RADIUS_DIR, "run", "radclient-dict-aaa")
os.makedirs(DICT_DIR, exist_ok=True)
with open(os.path.join(DICT_DIR, "dictionary"), "w") as f:
    f.write(f"$INCLUDE {REPO}/raddb/dictionary.mipkey\n")


def radclient(attrs, port=AAA_PORT):
    """One Access-Request with the project dictionary."""
    return radtest.radclient(attrs, port=port, dictionary_dir=DICT_DIR)


def octets(reply, attr):
    v = reply.get(attr, ["<absent>"])[0]
    return bytes.fromhex(v[2:]) if v.startswith("0x") else v


def integer(reply, attr):
    v = reply.get(attr, ["<absent>"])[0]
    return int(v) if v.isdigit() else v


def mschap(user, password, peer=None):
    ref = mschap_ref.compute(user, os.urandom(16), peer or os.urandom(16), password=password, ident=0x2a)
    return ref, [("User-Name", f'"{user}"'), ("MS-CHAP-Challenge", "0x" + ref["challenge"]),
                 ("MS-CHAP2-Response", "0x" + ref["ms_chap2_response"])]


def key_attrs(kind, aaa_spi=None, ha_spi=None, fa_spi=None, lifetime=None):
    a = [("Mipkey-Key-Request", kind)]
    if ha_spi is not None:
        a.append(("Mipkey-MN-HA-SPI", str(ha_spi)))
    if fa_spi is not None:
        a.append(("Mipkey-MN-FA-SPI", str(fa_spi)))
    if lifetime is not None:
        a.append(("Mipkey-Requested-Lifetime", str(lifetime)))
    if aaa_spi is not None:
        a.append(("Mipkey-AAA-SPI", str(aaa_spi)))
    return a


def rrq_request(user, password, nai, aaa_spi, mn_ha_spi=None, mn_fa_spi=None, lifetime=1800):
    """The seed's Registration Request: peer challenge = MD5 of the RRQ with the MN-AAA
    authenticator zero-filled."""
    rrq0 = mip_ref.build_rrq(home_address="192.0.2.10", home_agent="192.0.2.1", care_of="198.51.100.9",
                             identification=0x0123456789ABCDEF, lifetime=lifetime, nai=nai,
                             mn_ha_spi=mn_ha_spi, mn_fa_spi=mn_fa_spi, aaa_spi=aaa_spi, authenticator=bytes(16))
    rrq = rrq0[:-16] + os.urandom(16)
    ref, attrs = mschap(user, password, peer=hashlib.md5(rrq0).digest())
    return ref, attrs + [("Mipkey-Registration-Request", "0x" + rrq.hex())]


def hmac_sha1(key, data):
    return hmac.new(key, data, hashlib.sha1).digest()


def check_key(name, reply, which, aaa_key, mn_id, spi, aaa_spi, lifetime, ref):
    """which: "MN-HA" or "MN-FA". The key must be HMAC-SHA1(AAA key, nonce || MN id), and not
    the one k'' would give."""
    blob = octets(reply, f"Mipkey-{which}-KeyGen-Reply")
    try:
        parsed = mip_ref.parse_keygen_replies(blob) if isinstance(blob, bytes) else {}
    except ValueError:
        parsed = {}
    tag = "mn_ha" if which == "MN-HA" else "mn_fa"
    check(f"{name}: {which} KeyGen Reply parses", True, tag in parsed)
    if tag not in parsed:
        return
    nonce = parsed[tag]["nonce"]
    if which == "MN-HA":
        want_ext = mip_ref.mn_ha_keygen_reply(lifetime, aaa_spi, spi, mip_ref.ALG_HMAC_SHA1,
                                              mip_ref.REPLAY_TIMESTAMPS, nonce)
    else:
        want_ext = mip_ref.mn_fa_keygen_reply(lifetime, aaa_spi, spi, mip_ref.ALG_HMAC_SHA1, nonce)
    check(f"{name}: {which} KeyGen Reply bytes (AAA SPI {aaa_spi})", want_ext, blob)
    want = hmac_sha1(aaa_key, nonce + mn_id)
    got = octets(reply, f"Mipkey-{which}-Key")
    check(f"{name}: decrypted Mipkey-{which}-Key = HMAC-SHA1(LDAP AAA key, nonce || id)", want, got)
    check(f"{name}: Mipkey-{which}-Key is not the k''-derived key", True,
          got != hmac_sha1(bytes.fromhex(ref["master_key"]), nonce + mn_id))
    check(f"{name}: Mipkey-{which}-SPI", spi, integer(reply, f"Mipkey-{which}-SPI"))


def check_mschap_ok(name, reply, ref):
    want = ("%02X" % ref["ident"]) + ref["authenticator_response"].encode().hex().upper()
    got = octets(reply, "MS-CHAP2-Success")
    check(f"{name}: MS-CHAP2-Success", want, got.hex().upper() if isinstance(got, bytes) else got)


def expect_refused(name, attrs, reason):
    """Access-Reject, no MS-CHAP2-Success / MPPE / Mipkey attributes, the reason in one ERROR
    line of the log and in Reply-Message."""
    mark = log_mark()
    code, reply = radclient(attrs)
    check(f"{name}: Access-Reject", "Access-Reject", code)
    check(f"{name}: no MS-CHAP2-Success, MPPE or Mobile IP keys", [],
          [a for a in reply if a in ("MS-CHAP2-Success", "MS-MPPE-Send-Key", "MS-MPPE-Recv-Key")
           or a.startswith("Mipkey-")])
    msg = " ".join(reply.get("Reply-Message", [])).replace('\\"', '"')
    check(f"{name}: Reply-Message says {reason!r}", True, reason in msg)
    time.sleep(0.1)
    log = radtest.log_since(mark)
    lines = [ln for ln in log.splitlines() if "ERROR: Mobile IP key request refused" in ln and reason in ln]
    check(f"{name}: one ERROR line in the log with the reason", True, len(lines) == 1)
    if len(lines) != 1:
        print("   log was: " + log.strip().replace("\n", "\n   ") + "\n   Reply-Message: " + msg)


# --- the right AAA SPI: keys from the association's key ----------------------------------------------
ref, attrs = mschap("alice", "clientPass")
code, reply = radclient(attrs + key_attrs("MN-HA-and-MN-FA", aaa_spi=ALICE_SPI, ha_spi=256, fa_spi=257,
                                          lifetime=1800))
check("alice, Mipkey-AAA-SPI 1000: Access-Accept", "Access-Accept", code)
check_key("alice attrs", reply, "MN-HA", ALICE_KEY, b"alice", 256, ALICE_SPI, 1800, ref)
check_key("alice attrs", reply, "MN-FA", ALICE_KEY, b"alice", 257, ALICE_SPI, 1800, ref)
check("alice attrs: Mipkey-AAA-SPI in the reply is the association's", ALICE_SPI, integer(reply, "Mipkey-AAA-SPI"))
check_mschap_ok("alice attrs", reply, ref)

# The Registration Request: the AAA SPI from its MN-AAA extension (36); NAI with a realm is the id.
ref, attrs = rrq_request("alice@example.net", "clientPass", nai="alice@example.net",
                         aaa_spi=ALICE_SPI, mn_ha_spi=0x1001, lifetime=1200)
code, reply = radclient(attrs)
check("alice RRQ, MN-AAA SPI 1000: Access-Accept", "Access-Accept", code)
check_key("alice RRQ", reply, "MN-HA", ALICE_KEY, b"alice@example.net", 0x1001, ALICE_SPI, 1200, ref)
check_mschap_ok("alice RRQ", reply, ref)

# bob: the largest SPI, a 64-octet key, algorithm hmac-md5 (the derivation stays HMAC-SHA1).
ref, attrs = mschap("bob", BOB_PW)
code, reply = radclient(attrs + key_attrs("MN-HA", aaa_spi=BOB_SPI, ha_spi=300, lifetime=600))
check("bob, SPI 4294967295, 64-octet key: Access-Accept", "Access-Accept", code)
check_key("bob attrs", reply, "MN-HA", BOB_KEY, b"bob", 300, BOB_SPI, 600, ref)

# Plain MS-CHAPv2 (no key request) does not need an association.
ref, attrs = mschap("heidi", "Grüße-密码")
code, reply = radclient(attrs)
check("heidi (no association), plain MS-CHAPv2: Access-Accept", "Access-Accept", code)

# --- refused -------------------------------------------------------------------------------------------
ref, attrs = mschap("alice", "clientPass")
expect_refused("alice, Mipkey-AAA-SPI 999", attrs + key_attrs("MN-HA", aaa_spi=999, ha_spi=256, lifetime=10),
               "unknown AAA SPI 999")
ref, attrs = rrq_request("alice", "clientPass", nai="alice", aaa_spi=7, mn_ha_spi=1)
expect_refused("alice RRQ, MN-AAA SPI 7", attrs, "unknown AAA SPI 7")
ref, attrs = mschap("bob", BOB_PW)
expect_refused("bob, alice's SPI", attrs + key_attrs("MN-HA", aaa_spi=ALICE_SPI, ha_spi=1, lifetime=10),
               "unknown AAA SPI 1000")
ref, attrs = mschap("alice", "clientPass")
expect_refused("alice, no AAA SPI in the request", attrs + key_attrs("MN-HA", ha_spi=1, lifetime=10),
               "names no AAA SPI")
ref, attrs = mschap("heidi", "Grüße-密码")
expect_refused("heidi (no association in LDAP)", attrs + key_attrs("MN-HA", aaa_spi=ALICE_SPI, ha_spi=1,
                                                                   lifetime=10),
               'no AAA security association for "heidi"')
ref, attrs = mschap("ctl-aaa", "ctlPass")
expect_refused("k from the control list (no LDAP entry read)", attrs + key_attrs("MN-HA", aaa_spi=ALICE_SPI,
                                                                                 ha_spi=1, lifetime=10),
               'no AAA security association for "ctl-aaa"')

# A wrong password with the right SPI: the ordinary MS-CHAPv2 reject, no keys.
ref, attrs = mschap("alice", "wrongPass")
code, reply = radclient(attrs + key_attrs("MN-HA", aaa_spi=ALICE_SPI, ha_spi=1, lifetime=10))
check("alice, wrong password, right SPI: Access-Reject", "Access-Reject", code)
check("alice, wrong password, right SPI: MS-CHAP-Error E=691, no keys", (True, []),
      ("E=691" in " ".join(reply.get("MS-CHAP-Error", [])), [a for a in reply if a.startswith("Mipkey-")]))

# --- configuration: aaa_key = ldap without the attributes stops the server at start-up ------------------
tmp = tempfile.mkdtemp(prefix="mipkey-aaa-conf.")
try:
    shutil.copytree(os.path.join(RADIUS_DIR, "raddb"), os.path.join(tmp, "raddb"), symlinks=True)
    main = os.path.join(tmp, "raddb", "radiusd.conf")
    with open(main) as f:
        text = f.read()
    with open(main, "w") as f:  # raddbdir names the test server's directory: point it at the copy
        f.write(re.sub(r"^raddbdir = .*$", "raddbdir = " + os.path.join(tmp, "raddb"), text, flags=re.M))
    path = os.path.join(tmp, "raddb", "mods-enabled", "mipkey_aaa")
    with open(path) as f:
        conf = f.read()
    with open(path, "w") as f:
        f.write(re.sub(r"^\s*aaa_(spi|key|algorithm)_attribute = .*$", "", conf, flags=re.M))
    r = subprocess.run(["freeradius", "-C", "-l", "stdout", "-d", os.path.join(tmp, "raddb")], capture_output=True, text=True)
    out = r.stdout + r.stderr
    check("aaa_key = ldap without aaa_spi_attribute/aaa_key_attribute: configuration check fails",
          (True, True), (r.returncode != 0, "aaa_key = ldap } needs backend = ldap with aaa_spi_attribute" in out))
    with open(path, "w") as f:
        f.write(re.sub(r"^\s*aaa_key_attribute = .*$", "", conf, flags=re.M))
    r = subprocess.run(["freeradius", "-C", "-l", "stdout", "-d", os.path.join(tmp, "raddb")], capture_output=True, text=True)
    check("aaa_spi_attribute without aaa_key_attribute: configuration check fails", (True, True),
          (r.returncode != 0, "must be set together" in r.stdout + r.stderr))
finally:
    shutil.rmtree(tmp, ignore_errors=True)

finish()
