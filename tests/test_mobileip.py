#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end tests of rlm_mipkey's Mobile IP key distribution inside a real FreeRADIUS,
against a real slapd.

Started by tests/run with RADIUS_PORT, RADIUS_SECRET, RADIUS_DIR (as test_radius.py).
The server (tests/lib/radiusd.sh) has clients 127.0.0.2-7 with mipkey_profile mipkey, mppe,
3gpp2, wimax, cisco and nosuchprofile; a request picks one by binding radclient to that
source address (Packet-Src-IP-Address). 127.0.0.1 gets default_profile (mipkey).
Expected keys are computed here, independently of the module: k'' with mschap_ref.py
(hashlib + openssl), RFC 3957 keys, KeyGen Reply extensions and Skey with mip_ref.py
(hmac/hashlib/struct), the nonce taken from the reply.
"""
import hashlib
import os
import re
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
import mip_ref  # noqa: E402
import mschap_ref  # noqa: E402
from radtest import PORT, RADIUS_DIR, check, finish, log_mark, server_alive  # noqa: E402
import radtest  # noqa: E402

CONTROL_PORT = str(int(PORT) + 1)
HOA_PORT = str(int(PORT) + 2)
AAA_PORT = str(int(PORT) + 3)
PROFILE_SRC = {"mipkey": "127.0.0.2", "mppe": "127.0.0.3", "3gpp2": "127.0.0.4", "wimax": "127.0.0.5",
               "cisco": "127.0.0.6", "nosuchprofile": "127.0.0.7"}

# radclient reads the main dictionaries from /usr/share/freeradius (-D) and then DIR/dictionary (-d):
# the project's dictionary lets it send and print Mipkey-* attributes.
DICT_DIR = os.path.join(RADIUS_DIR, "run", "radclient-dict")
os.makedirs(DICT_DIR, exist_ok=True)
with open(os.path.join(DICT_DIR, "dictionary"), "w") as f:
    f.write(f"$INCLUDE {REPO}/raddb/dictionary.mipkey\n")


def radclient(attrs, src=None, port=PORT):
    """One Access-Request with the project dictionary, from source address src."""
    return radtest.radclient(attrs, port=port, dictionary_dir=DICT_DIR, src=src)


def octets(reply, attr):
    v = reply.get(attr, ["<absent>"])[0]
    return bytes.fromhex(v[2:]) if v.startswith("0x") else v


def string_bytes(reply, attr):
    """A string attribute as radclient prints it ("...", \\ooo octal escapes, \\\\ \\" \\n \\r \\t,
    other bytes raw) back to bytes."""
    v = reply.get(attr, ['"<absent>"'])[0]
    v = v[1:-1]
    out, i = bytearray(), 0
    esc = {"\\": 0x5C, '"': 0x22, "n": 0x0A, "r": 0x0D, "t": 0x09}
    while i < len(v):
        c = v[i]
        if c == "\\" and re.match(r"[0-7]{3}", v[i + 1:i + 4]):
            out.append(int(v[i + 1:i + 4], 8))
            i += 4
        elif c == "\\" and v[i + 1:i + 2] in esc:
            out.append(esc[v[i + 1]])
            i += 2
        else:
            out.append(ord(c))  # latin-1: one char per byte
            i += 1
    return bytes(out)


def integer(reply, attr):
    v = reply.get(attr, ["<absent>"])[0]
    return int(v) if v.isdigit() else v


def mschap(user, password, peer=None, challenge=None):
    ref = mschap_ref.compute(user, challenge or os.urandom(16), peer or os.urandom(16), password=password,
                             ident=0x2a)
    attrs = [("User-Name", f'"{user}"'), ("MS-CHAP-Challenge", "0x" + ref["challenge"]),
             ("MS-CHAP2-Response", "0x" + ref["ms_chap2_response"])]
    return ref, attrs


def key_attrs(kind, ha_spi=None, fa_spi=None, lifetime=None, home_agent=None, home_address=None):
    a = [("Mipkey-Key-Request", kind)]
    if ha_spi is not None:
        a.append(("Mipkey-MN-HA-SPI", str(ha_spi)))
    if fa_spi is not None:
        a.append(("Mipkey-MN-FA-SPI", str(fa_spi)))
    if lifetime is not None:
        a.append(("Mipkey-Requested-Lifetime", str(lifetime)))
    if home_agent:
        a.append(("Mipkey-Home-Agent-Address", home_agent))
    if home_address:
        a.append(("Mipkey-Home-Address", home_address))
    return a


def log_since(mark):
    time.sleep(0.1)
    return radtest.log_since(mark)


def keygen(reply, attr):
    """Parses Mipkey-MN-HA-/MN-FA-KeyGen-Reply with mip_ref (None if absent or unparsable)."""
    blob = octets(reply, attr)
    if not isinstance(blob, bytes):
        return None
    try:
        return mip_ref.parse_keygen_replies(blob)
    except ValueError:
        return None


def check_mn_ha(name, reply, ref, mn_id, spi, lifetime, aaa_spi=0, profile="mipkey"):
    """Checks the MN-HA key against HMAC-SHA1(k'', nonce || MN id), the nonce from the reply."""
    k2 = bytes.fromhex(ref["master_key"])
    blob = octets(reply, "Mipkey-MN-HA-KeyGen-Reply")
    p = keygen(reply, "Mipkey-MN-HA-KeyGen-Reply")
    check(f"{name}: MN-HA KeyGen Reply parses", True, p is not None and "mn_ha" in p)
    if not p or "mn_ha" not in p:
        return None
    nonce = p["mn_ha"]["nonce"]
    check(f"{name}: MN-HA nonce is 16 octets", 16, len(nonce))
    check(f"{name}: MN-HA KeyGen Reply bytes", mip_ref.mn_ha_keygen_reply(
        lifetime, aaa_spi, spi, mip_ref.ALG_HMAC_SHA1, mip_ref.REPLAY_TIMESTAMPS, nonce), blob)
    want = mip_ref.registration_key(k2, nonce, mn_id)
    if profile == "mipkey":
        check(f"{name}: decrypted Mipkey-MN-HA-Key", want, octets(reply, "Mipkey-MN-HA-Key"))
        check(f"{name}: Mipkey-MN-HA-SPI", spi, integer(reply, "Mipkey-MN-HA-SPI"))
        check(f"{name}: Mipkey-MN-HA-Nonce", nonce, octets(reply, "Mipkey-MN-HA-Nonce"))
        check(f"{name}: Mipkey-MN-HA-Lifetime", lifetime, integer(reply, "Mipkey-MN-HA-Lifetime"))
        check(f"{name}: Mipkey-Algorithm", ["HMAC-SHA1"], reply.get("Mipkey-Algorithm"))
        check(f"{name}: Mipkey-Replay-Method", ["Timestamps"], reply.get("Mipkey-Replay-Method"))
    return want


def check_mn_fa(name, reply, ref, mn_id, spi, lifetime, aaa_spi=0, profile="mipkey"):
    k2 = bytes.fromhex(ref["master_key"])
    blob = octets(reply, "Mipkey-MN-FA-KeyGen-Reply")
    p = keygen(reply, "Mipkey-MN-FA-KeyGen-Reply")
    check(f"{name}: MN-FA KeyGen Reply parses", True, p is not None and "mn_fa" in p)
    if not p or "mn_fa" not in p:
        return None
    nonce = p["mn_fa"]["nonce"]
    check(f"{name}: MN-FA KeyGen Reply bytes", mip_ref.mn_fa_keygen_reply(
        lifetime, aaa_spi, spi, mip_ref.ALG_HMAC_SHA1, nonce), blob)
    want = mip_ref.registration_key(k2, nonce, mn_id)
    if profile == "mipkey":
        check(f"{name}: decrypted Mipkey-MN-FA-Key", want, octets(reply, "Mipkey-MN-FA-Key"))
        check(f"{name}: Mipkey-MN-FA-SPI", spi, integer(reply, "Mipkey-MN-FA-SPI"))
        check(f"{name}: Mipkey-MN-FA-Nonce", nonce, octets(reply, "Mipkey-MN-FA-Nonce"))
        check(f"{name}: Mipkey-MN-FA-Lifetime", lifetime, integer(reply, "Mipkey-MN-FA-Lifetime"))
    return want


def check_mschap_ok(name, reply, ref):
    check(f"{name}: MS-CHAP2-Success", ("%02X" % ref["ident"]) + ref["authenticator_response"].encode().hex().upper(),
          octets(reply, "MS-CHAP2-Success").hex().upper() if isinstance(octets(reply, "MS-CHAP2-Success"), bytes)
          else "<absent>")
    check(f"{name}: decrypted MS-MPPE-Send-Key", ref["mppe_send_key"],
          octets(reply, "MS-MPPE-Send-Key").hex().upper() if "MS-MPPE-Send-Key" in reply else "<absent>")


def expect_refused(name, attrs, logline, src=None, port=PORT):
    mark = log_mark()
    code, reply = radclient(attrs, src=src, port=port)
    check(f"{name}: Access-Reject", "Access-Reject", code)
    check(f"{name}: no MS-CHAP2-Success, no MPPE or Mobile IP keys", [],
          [a for a in reply if a in ("MS-CHAP2-Success", "MS-MPPE-Send-Key", "MS-MPPE-Recv-Key")
           or a.startswith("Mipkey-") or a.startswith("3GPP2-") or a.startswith("WiMAX-")])
    log = radtest.log_since(mark, wait_for=logline)
    check(f"{name}: log line", True, logline in log)
    if logline not in log:
        print("   log was: " + log.strip().replace("\n", "\n   "))
    return reply


NTP_UNIX_OFFSET = 2208988800


def ntp_identification(offset=0):
    """RFC 3344 5.7: an NTP timestamp (seconds since 1900 in the high 32 bits), offset seconds from now."""
    # Low 32 bits random: a node's Identifications are unique (RFC 3344), and the replay cache
    # refuses a repeated NAI + Identification.
    return ((int(time.time()) + offset + NTP_UNIX_OFFSET) << 32) | int.from_bytes(os.urandom(4), "big")


def rrq_request(user, password, nai=None, home_address="192.0.2.10", home_agent="192.0.2.1", lifetime=1800,
                mn_ha_spi=None, mn_fa_spi=None, aaa_spi=7, peer=None, identification=None,
                rrq_challenge=None, ms_challenge=None, aaa_subtype=mip_ref.SUBTYPE_MN_AAA):
    """A Registration Request as the seed's MN builds it: MN-AAA authenticator zero-filled for
    the MD5 that becomes the MS-CHAPv2 peer challenge, then filled in (here with random bytes).
    identification: default an NTP timestamp of now (as tools/mipkey-mn does). rrq_challenge:
    a Mobile-Foreign Challenge extension (132); ms_challenge: the MS-CHAP-Challenge (default random)."""
    if identification is None:
        identification = ntp_identification()
    rrq0 = mip_ref.build_rrq(home_address=home_address, home_agent=home_agent, care_of="198.51.100.9",
                             identification=identification, lifetime=lifetime, nai=nai, challenge=rrq_challenge,
                             mn_ha_spi=mn_ha_spi, mn_fa_spi=mn_fa_spi,
                             aaa_spi=aaa_spi if aaa_subtype == mip_ref.SUBTYPE_MN_AAA else None,
                             authenticator=bytes(16))
    if aaa_subtype != mip_ref.SUBTYPE_MN_AAA:
        rrq0 += mip_ref.mn_aaa_header(aaa_spi, 16, subtype=aaa_subtype) + bytes(16)
    rrq = rrq0[:-16] + os.urandom(16)
    ref, attrs = mschap(user, password, peer=peer or hashlib.md5(rrq0).digest(), challenge=ms_challenge)
    return ref, attrs + [("Mipkey-Registration-Request", "0x" + rrq.hex())], rrq


def reply_message(reply):
    return " ".join(reply.get("Reply-Message", [])).replace('\\"', '"')


def no_mipkey_keys(reply):
    return [a for a in reply if a.startswith("Mipkey-")]


# --- attributes: MN-HA only, MN-FA only, both; NAI identity; default profile (mipkey) ----------------
ref, attrs = mschap("alice", "clientPass")
code, reply = radclient(attrs + key_attrs("MN-HA", ha_spi=256, lifetime=1800))
check("attrs MN-HA only: Access-Accept", "Access-Accept", code)
check_mn_ha("attrs MN-HA only", reply, ref, b"alice", 256, 1800)
check_mschap_ok("attrs MN-HA only", reply, ref)
check("attrs MN-HA only: nothing for MN-FA", [], [a for a in reply if a.startswith("Mipkey-MN-FA")])
check("attrs MN-HA only: no Skey, no master key by default", [],
      [a for a in reply if a in ("Mipkey-Skey", "Mipkey-Master-Key")])

ref, attrs = mschap("alice", "clientPass")
code, reply = radclient(attrs + key_attrs("MN-FA", fa_spi=0x10000, lifetime=600))
check("attrs MN-FA only: Access-Accept", "Access-Accept", code)
check_mn_fa("attrs MN-FA only", reply, ref, b"alice", 0x10000, 600)
check("attrs MN-FA only: nothing for MN-HA", [], [a for a in reply if a.startswith("Mipkey-MN-HA")])

# Both, with a lifetime above max_lifetime (3600): clamped. NAI with a realm: the whole NAI is the id.
ref, attrs = mschap("alice@example.net", "clientPass")
code, reply = radclient(attrs + key_attrs("MN-HA-and-MN-FA", ha_spi=300, fa_spi=301, lifetime=7200))
check("attrs both, NAI with realm: Access-Accept", "Access-Accept", code)
ha = check_mn_ha("attrs both (lifetime 7200 clamped to 3600)", reply, ref, b"alice@example.net", 300, 3600)
fa = check_mn_fa("attrs both (lifetime 7200 clamped to 3600)", reply, ref, b"alice@example.net", 301, 3600)
check("attrs both: MN-HA and MN-FA keys differ (own nonces)", True, ha is not None and fa is not None and ha != fa)

# No requested lifetime: max_lifetime.
ref, attrs = mschap("alice", "clientPass")
code, reply = radclient(attrs + key_attrs("MN-HA", ha_spi=5))
check_mn_ha("attrs no requested lifetime -> max_lifetime", reply, ref, b"alice", 5, 3600)

# What 3GPP2 and WiMAX home agents send instead of Mipkey-*: an MN-HA SPI (and the HA address)
# alone asks for an MN-HA key.
for name, spi_attr, ha_attr in (("3GPP2", "3GPP2-MN-HA-SPI", "3GPP2-Home-Agent-IP-Address"),
                                ("WiMAX", "WiMAX-RRQ-MN-HA-SPI", "WiMAX-RRQ-HA-IP")):
    ref, attrs = mschap("alice", "clientPass")
    code, reply = radclient(attrs + [(spi_attr, "77"), (ha_attr, "192.0.2.1")])
    check(f"standard {name} request attributes: Access-Accept", "Access-Accept", code)
    check_mn_ha(f"standard {name} request attributes", reply, ref, b"alice", 77, 3600)
    check(f"standard {name} request attributes: nothing for MN-FA", [],
          [a for a in reply if a.startswith("Mipkey-MN-FA")])

# Home address given but User-Name is an NAI: the NAI is the identifier.
ref, attrs = mschap("alice", "clientPass")
code, reply = radclient(attrs + key_attrs("MN-HA", ha_spi=9, lifetime=100, home_address="192.0.2.77"))
check_mn_ha("attrs User-Name alice + Mipkey-Home-Address: id is the NAI", reply, ref, b"alice", 9, 100)

# User-Name is the dotted home address (test site mipkey-hoa): the 4-byte address is the identifier.
ref, attrs = mschap("192.0.2.77", "hoaPass")
code, reply = radclient(attrs + key_attrs("MN-HA", ha_spi=10, lifetime=100, home_address="192.0.2.77"),
                        port=HOA_PORT)
check("attrs home-address identity: Access-Accept", "Access-Accept", code)
check_mn_ha("attrs home-address identity", reply, ref, socket.inet_aton("192.0.2.77"), 10, 100)

# --- the Registration Request ---------------------------------------------------------------------
ref, attrs, rrq = rrq_request("alice@example.net", "clientPass", nai="alice@example.net", mn_ha_spi=0x1001,
                              mn_fa_spi=0x1002, lifetime=1200, aaa_spi=0x77)
code, reply = radclient(attrs)
check("RRQ NAI, both keys: Access-Accept", "Access-Accept", code)
check_mn_ha("RRQ NAI", reply, ref, b"alice@example.net", 0x1001, 1200, aaa_spi=0x77)
check_mn_fa("RRQ NAI", reply, ref, b"alice@example.net", 0x1002, 1200, aaa_spi=0x77)
check("RRQ NAI: Mipkey-AAA-SPI from the MN-AAA extension", 0x77, integer(reply, "Mipkey-AAA-SPI"))
check_mschap_ok("RRQ NAI", reply, ref)

# Without an NAI the home address is the identifier, and it must be the user's: here the
# authenticated name is that address in dotted form (test site mipkey-hoa).
ref, attrs, rrq = rrq_request("192.0.2.77", "hoaPass", nai=None, home_address="192.0.2.77", mn_ha_spi=42,
                              lifetime=65535)
code, reply = radclient(attrs, port=HOA_PORT)
check("RRQ without NAI, User-Name is the home address: Access-Accept", "Access-Accept", code)
check_mn_ha("RRQ without NAI: id is the home address, lifetime 65535 clamped", reply, ref,
            socket.inet_aton("192.0.2.77"), 42, 3600, aaa_spi=7)

# ... or control:Framed-IP-Address, set by another module (test site mipkey-control: ctl-framed
# has the home address 192.0.2.88).
ref, attrs, rrq = rrq_request("ctl-framed", "framedPass", nai=None, home_address="192.0.2.88", mn_ha_spi=43)
code, reply = radclient(attrs, port=CONTROL_PORT)
check("RRQ without NAI, home address = control:Framed-IP-Address: Access-Accept", "Access-Accept", code)
check_mn_ha("RRQ without NAI, Framed-IP-Address", reply, ref, socket.inet_aton("192.0.2.88"), 43, 1800, aaa_spi=7)

# --- RFC 3344 5.7 timestamps: the Identification must be within replay_window (7 s) of now ----------
ref, attrs, rrq = rrq_request("alice", "clientPass", nai="alice", mn_ha_spi=44, identification=ntp_identification(-3))
code, reply = radclient(attrs)
check("RRQ Identification 3 s old: Access-Accept", "Access-Accept", code)
check_mn_ha("RRQ Identification 3 s old", reply, ref, b"alice", 44, 1800, aaa_spi=7)

# A challenge extension (132) that is the MS-CHAP-Challenge is accepted.
ch = os.urandom(16)
ref, attrs, rrq = rrq_request("alice", "clientPass", nai="alice", mn_ha_spi=45, rrq_challenge=ch, ms_challenge=ch)
code, reply = radclient(attrs)
check("RRQ challenge extension = MS-CHAP-Challenge: Access-Accept", "Access-Accept", code)
check_mn_ha("RRQ challenge extension = MS-CHAP-Challenge", reply, ref, b"alice", 45, 1800, aaa_spi=7)

# --- profiles (client picked by source address) -------------------------------------------------------
ref, attrs = mschap("alice", "clientPass")
code, reply = radclient(attrs + key_attrs("MN-HA", ha_spi=77, lifetime=500), src=PROFILE_SRC["mipkey"])
check("profile mipkey (client 127.0.0.2): Access-Accept", "Access-Accept", code)
check_mn_ha("profile mipkey", reply, ref, b"alice", 77, 500)

ref, attrs = mschap("alice", "clientPass")
code, reply = radclient(attrs + key_attrs("MN-HA-and-MN-FA", ha_spi=78, fa_spi=79, lifetime=500),
                        src=PROFILE_SRC["mppe"])
check("profile mppe: Access-Accept", "Access-Accept", code)
check_mschap_ok("profile mppe", reply, ref)
check("profile mppe: decrypted Mipkey-Master-Key is k''", bytes.fromhex(ref["master_key"]),
      octets(reply, "Mipkey-Master-Key"))
check("profile mppe: decrypted Mipkey-Skey (client override mipkey_return_skey = yes)",
      mip_ref.skey(bytes.fromhex(ref["master_key"]), bytes.fromhex(ref["challenge"]),
                   bytes.fromhex(ref["nt_response"])), octets(reply, "Mipkey-Skey"))
check("profile mppe: no RFC 3957 attributes", ["Mipkey-Master-Key", "Mipkey-Skey"], sorted(no_mipkey_keys(reply)))

ref, attrs = mschap("alice", "clientPass")
code, reply = radclient(attrs + key_attrs("MN-HA", ha_spi=80, lifetime=500, home_agent="192.0.2.1"),
                        src=PROFILE_SRC["3gpp2"])
check("profile 3gpp2: Access-Accept", "Access-Accept", code)
want = check_mn_ha("profile 3gpp2", reply, ref, b"alice", 80, 500, profile="3gpp2")
got = string_bytes(reply, "3GPP2-MN-HA-Shared-Key")
# radclient (FreeRADIUS 3.2's fr_prints) never prints a string's final 0x00 (1 key in 256 ends
# in one): the octet is on the wire, as test_kdc.py's raw-UDP checks of every profile show.
if isinstance(want, bytes) and want.endswith(b"\0") and len(got) == len(want) - 1:
    got += b"\0"
check("profile 3gpp2: decrypted 3GPP2-MN-HA-Shared-Key", want, got)
check("profile 3gpp2: 3GPP2-MN-HA-SPI", 80, integer(reply, "3GPP2-MN-HA-SPI"))
check("profile 3gpp2: 3GPP2-Home-Agent-IP-Address", ["192.0.2.1"], reply.get("3GPP2-Home-Agent-IP-Address"))
check("profile 3gpp2: only the KeyGen Reply from the Mipkey dictionary", ["Mipkey-MN-HA-KeyGen-Reply"],
      no_mipkey_keys(reply))

ref, attrs = mschap("alice", "clientPass")
code, reply = radclient(attrs + key_attrs("MN-HA-and-MN-FA", ha_spi=81, fa_spi=82, lifetime=500,
                                          home_agent="192.0.2.1"), src=PROFILE_SRC["wimax"])
check("profile wimax: Access-Accept", "Access-Accept", code)
ha = check_mn_ha("profile wimax", reply, ref, b"alice", 81, 500, profile="wimax")
fa = check_mn_fa("profile wimax", reply, ref, b"alice", 82, 500, profile="wimax")
check("profile wimax: decrypted WiMAX-MN-hHA-MIP4-Key", ha, octets(reply, "WiMAX-MN-hHA-MIP4-Key"))
check("profile wimax: WiMAX-MN-hHA-MIP4-SPI", 81, integer(reply, "WiMAX-MN-hHA-MIP4-SPI"))
check("profile wimax: WiMAX-hHA-IP-MIP4", ["192.0.2.1"], reply.get("WiMAX-hHA-IP-MIP4"))
check("profile wimax: decrypted WiMAX-FA-RK-Key is the MN-FA key", fa, octets(reply, "WiMAX-FA-RK-Key"))
check("profile wimax: WiMAX-FA-RK-SPI", 82, integer(reply, "WiMAX-FA-RK-SPI"))

ref, attrs = mschap("alice", "clientPass")
code, reply = radclient(attrs + key_attrs("MN-HA", ha_spi=4096, lifetime=500), src=PROFILE_SRC["cisco"])
check("profile cisco: Access-Accept", "Access-Accept", code)
want = check_mn_ha("profile cisco", reply, ref, b"alice", 4096, 500, profile="cisco")
check("profile cisco: Cisco-AVPair",
      ['"mobileip:spi#0=spi 4096 key hex %s replay timestamp within 7 algorithm hmac-sha1"'
       % (want.hex() if want else "?")], reply.get("Cisco-AVPair"))

ref, attrs = mschap("alice", "clientPass")
expect_refused("client with unknown mipkey_profile", attrs + key_attrs("MN-HA", ha_spi=1),
               'unknown mipkey_profile "nosuchprofile"', src=PROFILE_SRC["nosuchprofile"])
ref, attrs = mschap("alice", "clientPass")
code, reply = radclient(attrs, src=PROFILE_SRC["nosuchprofile"])
check("client with unknown profile, plain MS-CHAPv2 (no key request): Access-Accept", "Access-Accept", code)

# --- refused requests ---------------------------------------------------------------------------------
ref, attrs = mschap("alice", "clientPass")
r = expect_refused("attrs lifetime 0", attrs + key_attrs("MN-HA", ha_spi=1, lifetime=0), "requested lifetime 0")
check("attrs lifetime 0: Reply-Message says why", True, "lifetime 0" in " ".join(r.get("Reply-Message", [])))
ref, attrs, rrq = rrq_request("alice", "clientPass", nai="alice", mn_ha_spi=1, lifetime=0)
expect_refused("RRQ lifetime 0", attrs, "requested lifetime 0")

# RFC 3957: KeyGen Requests sit under the MN-AAA proof; without an MN-AAA extension, no keys,
# even though the MS-CHAPv2 response (peer challenge = MD5 of this very RRQ) is right.
for kind, spis in (("MN-HA", {"mn_ha_spi": 1}), ("MN-FA", {"mn_fa_spi": 2})):
    rrq0 = mip_ref.build_rrq(home_address="192.0.2.10", home_agent="192.0.2.1", care_of="198.51.100.9",
                             identification=ntp_identification(), lifetime=1800, nai="alice", **spis)
    ref, attrs = mschap("alice", "clientPass", peer=hashlib.md5(rrq0).digest())
    r = expect_refused(f"RRQ with {kind} KeyGen Request but no MN-AAA extension",
                       attrs + [("Mipkey-Registration-Request", "0x" + rrq0.hex())], "without an MN-AAA")
    check(f"RRQ with {kind} KeyGen Request but no MN-AAA extension: Reply-Message", True,
          "MN-AAA" in reply_message(r))

ref, attrs, rrq = rrq_request("alice", "clientPass", nai="alice", mn_ha_spi=1, peer=os.urandom(16))
r = expect_refused("RRQ, peer challenge is not MD5(RRQ)", attrs, "peer challenge is not the MD5")
check("RRQ, peer challenge is not MD5(RRQ): Reply-Message", True,
      "peer challenge" in " ".join(r.get("Reply-Message", [])))
ref, attrs, rrq = rrq_request("alice", "clientPass", nai="alice", mn_ha_spi=1)
rrq2 = bytearray(rrq)
rrq2[2:4] = struct.pack("!H", 1000)  # another lifetime after the MN computed the response
attrs = [a for a in attrs if a[0] != "Mipkey-Registration-Request"] + [("Mipkey-Registration-Request",
                                                                         "0x" + rrq2.hex())]
expect_refused("RRQ changed after the MN computed the response", attrs, "peer challenge is not the MD5")
ref, attrs, rrq = rrq_request("alice", "clientPass", nai="bob", mn_ha_spi=1)
expect_refused("RRQ NAI is not the authenticated User-Name", attrs, "is not the authenticated User-Name")

ref, attrs = mschap("alice", "clientPass")
expect_refused("attrs MN-HA without SPI", attrs + key_attrs("MN-HA", lifetime=10), "without Mipkey-MN-HA-SPI")


def expect_refused_why(name, attrs, reason, port=PORT):
    """Refused with reason both in an ERROR line of the log and in Reply-Message."""
    r = expect_refused(name, attrs, reason, port=port)
    check(f"{name}: Reply-Message says {reason!r}", True, reason in reply_message(r))
    if reason not in reply_message(r):
        print("   Reply-Message: " + reply_message(r))


# --- a home address is the identifier only if it is the authenticated user's ---------------------------
# alice has no NAI in her RRQ and names someone else's home address: refused (before, she got the
# keys for 192.0.2.10, and with aaa_key = mschapv2 knows k'').
ref, attrs, rrq = rrq_request("alice", "clientPass", nai=None, home_address="192.0.2.10", mn_ha_spi=42)
expect_refused_why("RRQ without NAI, home address 192.0.2.10 is not alice's", attrs,
                   "the home address 192.0.2.10 is not")
# The victim's address from the home-address user of the test site mipkey-hoa.
ref, attrs, rrq = rrq_request("192.0.2.77", "hoaPass", nai=None, home_address="192.0.2.78", mn_ha_spi=42)
expect_refused_why("RRQ without NAI, User-Name 192.0.2.77, home address 192.0.2.78", attrs,
                   "the home address 192.0.2.78 is not", port=HOA_PORT)
# control:Framed-IP-Address is 192.0.2.88, the RRQ says 192.0.2.89.
ref, attrs, rrq = rrq_request("ctl-framed", "framedPass", nai=None, home_address="192.0.2.89", mn_ha_spi=43)
expect_refused_why("RRQ without NAI, home address is not control:Framed-IP-Address", attrs,
                   "the home address 192.0.2.89 is not", port=CONTROL_PORT)

# Attributes without User-Name (test site mipkey-control, user "no-user-name": the site removes
# User-Name and sets MS-CHAP-User-Name = ctl-framed, as EAP-MSCHAPv2 would name the user).
ref, attrs = mschap("ctl-framed", "framedPass")
attrs = [("User-Name", '"no-user-name"')] + [a for a in attrs if a[0] != "User-Name"]
expect_refused_why("attrs without User-Name, Mipkey-Home-Address not the user's",
                   attrs + key_attrs("MN-HA", ha_spi=50, lifetime=100, home_address="192.0.2.89"),
                   "the home address 192.0.2.89 is not", port=CONTROL_PORT)
ref, attrs = mschap("ctl-framed", "framedPass")
attrs = [("User-Name", '"no-user-name"')] + [a for a in attrs if a[0] != "User-Name"]
code, reply = radclient(attrs + key_attrs("MN-HA", ha_spi=51, lifetime=100, home_address="192.0.2.88"),
                        port=CONTROL_PORT)
check("attrs without User-Name, Mipkey-Home-Address = control:Framed-IP-Address: Access-Accept",
      "Access-Accept", code)
check_mn_ha("attrs without User-Name, Framed-IP-Address", reply, ref, socket.inet_aton("192.0.2.88"), 51, 100)
ref, attrs = mschap("ctl-framed", "framedPass")
attrs = [("User-Name", '"no-user-name"')] + [a for a in attrs if a[0] != "User-Name"]
code, reply = radclient(attrs + key_attrs("MN-HA", ha_spi=52, lifetime=100), port=CONTROL_PORT)
check("attrs without User-Name, no home address: Access-Accept", "Access-Accept", code)
check_mn_ha("attrs without User-Name: id is the authenticated name (MS-CHAP-User-Name)", reply, ref,
            b"ctl-framed", 52, 100)
# With a User-Name (an NAI) the NAI stays the identifier even if the home address is the user's.
ref, attrs = mschap("ctl-framed", "framedPass")
code, reply = radclient(attrs + key_attrs("MN-HA", ha_spi=53, lifetime=100, home_address="192.0.2.88"),
                        port=CONTROL_PORT)
check_mn_ha("attrs User-Name ctl-framed + its Framed-IP-Address: id is the NAI", reply, ref, b"ctl-framed", 53, 100)

# --- attributes: the identifier is the authenticated name; another User-Name is refused -----------------
# Test site mipkey-control, User-Name "anonymous@outer.test": the site sets MS-CHAP-User-Name =
# ctl-framed (what EAP-MSCHAPv2 does under an anonymous outer identity). radclient cannot send
# MS-CHAP-User-Name itself (internal attribute 1083, never encoded).
ref, attrs = mschap("ctl-framed", "framedPass")
attrs = [("User-Name", '"anonymous@outer.test"')] + [a for a in attrs if a[0] != "User-Name"]
code, reply = radclient(attrs, port=CONTROL_PORT)
check("anonymous User-Name, MS-CHAP-User-Name ctl-framed, no key request: Access-Accept", "Access-Accept", code)
ref, attrs = mschap("ctl-framed", "framedPass")
attrs = [("User-Name", '"anonymous@outer.test"')] + [a for a in attrs if a[0] != "User-Name"]
expect_refused_why("attrs, User-Name is not the authenticated name (MS-CHAP-User-Name)",
                   attrs + key_attrs("MN-HA", ha_spi=54, lifetime=100),
                   'User-Name "anonymous@outer.test" is not the authenticated name "ctl-framed"', port=CONTROL_PORT)

# --- replayed / stale Registration Requests, and the binding to the MS-CHAPv2 exchange ------------------
ref, attrs, rrq = rrq_request("alice", "clientPass", nai="alice", mn_ha_spi=60,
                              identification=ntp_identification(-3600))
expect_refused_why("RRQ Identification 1 hour old", attrs, "s behind the server's clock (replay_window 7 s)")
ref, attrs, rrq = rrq_request("alice", "clientPass", nai="alice", mn_ha_spi=61,
                              identification=ntp_identification(3600))
expect_refused_why("RRQ Identification 1 hour ahead", attrs, "s ahead of the server's clock (replay_window 7 s)")
ref, attrs, rrq = rrq_request("alice", "clientPass", nai="alice", mn_ha_spi=62, identification=0x0123456789ABCDEF)
expect_refused_why("RRQ Identification not a timestamp of now", attrs, "stale or replayed")
# The instance mipkey_aaa (site mipkey-aaa, aaa_key = ldap) has replay_window = 0: no check.
ref, attrs, rrq = rrq_request("alice", "clientPass", nai="alice", mn_ha_spi=63, aaa_spi=1000,
                              identification=ntp_identification(-3600))
code, reply = radclient(attrs, port=AAA_PORT)
check("replay_window = 0: RRQ Identification 1 hour old: Access-Accept", "Access-Accept", code)
check("replay_window = 0: MN-HA KeyGen Reply", True,
      (keygen(reply, "Mipkey-MN-HA-KeyGen-Reply") or {}).get("mn_ha") is not None)

ref, attrs, rrq = rrq_request("alice", "clientPass", nai="alice", mn_ha_spi=64, rrq_challenge=os.urandom(16))
expect_refused_why("RRQ challenge extension is not the MS-CHAP-Challenge", attrs,
                   "Mobile-Foreign Challenge extension (132) of the Registration Request (16 octets) is not")
ch = os.urandom(16)
ref, attrs, rrq = rrq_request("alice", "clientPass", nai="alice", mn_ha_spi=65, rrq_challenge=ch[:8], ms_challenge=ch)
expect_refused_why("RRQ challenge extension is a prefix of the MS-CHAP-Challenge", attrs,
                   "(8 octets) is not the MS-CHAP-Challenge")
ref, attrs, rrq = rrq_request("alice", "clientPass", nai="alice", mn_ha_spi=66, aaa_subtype=2)
expect_refused_why("RRQ Generalized Authentication subtype 2", attrs,
                   "Generalized Authentication extension subtype 2 in the Registration Request is not 1")

# Wrong password with a key request: the ordinary MS-CHAPv2 reject, no keys.
ref, attrs = mschap("alice", "wrongPass")
code, reply = radclient(attrs + key_attrs("MN-HA", ha_spi=1, lifetime=10))
check("key request with a wrong password: Access-Reject", "Access-Reject", code)
check("key request with a wrong password: no keys", [], no_mipkey_keys(reply))

# --- malformed Registration Requests: reject, log line, the server stays up ----------------------------
good = mip_ref.build_rrq(home_address="192.0.2.10", nai="alice", mn_ha_spi=1, aaa_spi=7, authenticator=bytes(16))
nai_at = mip_ref.RRQ_HDR_LEN
malformed = [
    ("truncated in the MN-AAA extension", good[:-3]),
    ("truncated fixed header", good[:20]),
    ("NAI length overflows the message", good[:nai_at + 1] + bytes([250]) + good[nai_at + 2:]),
    ("zero-length NAI", mip_ref.rrq_header(home_address="192.0.2.10") + bytes([mip_ref.EXT_NAI, 0])
     + mip_ref.keygen_request(mip_ref.EXT_MN_HA_KEYGEN_REQ, 1)),
    ("KeyGen Request after MN-AAA", mip_ref.build_rrq(nai="alice", aaa_spi=7)
     + mip_ref.keygen_request(mip_ref.EXT_MN_HA_KEYGEN_REQ, 1)),
    ("not a Registration Request (type 3)", b"\x03" + good[1:]),
]
for name, blob in malformed:
    ref, attrs = mschap("alice", "clientPass", peer=hashlib.md5(blob).digest())
    r = expect_refused(f"malformed RRQ, {name}", attrs + [("Mipkey-Registration-Request", "0x" + blob.hex())],
                       "malformed Mipkey-Registration-Request")
    check(f"malformed RRQ, {name}: Reply-Message", True,
          "malformed Mipkey-Registration-Request" in " ".join(r.get("Reply-Message", [])))
    check(f"malformed RRQ, {name}: server still answers", True, server_alive())

finish()
