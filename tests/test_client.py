#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end tests of tools/mipkey-client against the real FreeRADIUS + slapd of tests/run.

Started by tests/test_client.sh (from tests/run) with RADIUS_PORT, RADIUS_SECRET, RADIUS_DIR.
Every case is one PASS/FAIL line. The keys the tool prints (both the mobile node's and the home
agent's) are compared with values computed here, independently of the tool and of the module:
k'' with mschap_ref.py from the password and the challenges in the JSON, the RFC 3957 keys with
mip_ref.py from the nonce in the JSON, Skey' with hashlib.md5. The peer challenge is checked as
MD5 of the Registration Request (from the JSON) with the MN-AAA authenticator zero-filled.
"""
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
import mip_ref  # noqa: E402
import mschap_ref  # noqa: E402
from radtest import PORT, SECRET, counts, finish, server_alive  # noqa: E402

CLIENT = os.path.join(REPO, "tools", "mipkey-client")
HOA_PORT = str(int(PORT) + 2)
SERVER = f"127.0.0.1:{PORT}"
PROFILE_SRC = {"mipkey": "127.0.0.2", "mppe": "127.0.0.3", "3gpp2": "127.0.0.4", "wimax": "127.0.0.5",
               "cisco": "127.0.0.6"}


def case(name, checks):
    """One PASS/FAIL line for a case: checks is a list of (what, expected, actual)."""
    bad = [(w, e, a) for w, e, a in checks if e != a]
    if bad:
        counts["failed"] += 1
        print(f"FAIL {name}: " + "; ".join(f"{w}: expected {e!r} got {a!r}" for w, e, a in bad[:4]), flush=True)
    else:
        counts["passed"] += 1
        print(f"PASS {name}", flush=True)


def run(*args, server=SERVER, secret=True, timeout=20):
    cmd = [CLIENT]
    if server:
        cmd += ["--server", server]
    if secret:
        cmd += ["--secret", SECRET]
    cmd += list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def run_json(*args, **kw):
    rc, out, err = run("--json", *args, **kw)
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, {"unparsable": out}, err


def row(j, key):
    for r in j.get("keys", []):
        if r["key"] == key:
            return r
    return {}


def mn_ref(j, password=None, nt_hash=None):
    """MS-CHAPv2 values computed independently from the password and the JSON's challenges."""
    return mschap_ref.compute(j["user_name"], bytes.fromhex(j["challenge"]), bytes.fromhex(j["peer_challenge"]),
                              password=password, nt_hash=nt_hash)


def rrq_checks(j):
    """The Registration Request in the JSON: NT-Response in the MN-AAA authenticator (last 24
    octets), peer challenge = MD5 of the RRQ with those octets zero-filled."""
    rrq = bytes.fromhex(j.get("registration_request", ""))
    return [("peer challenge = MD5(RRQ, authenticator zero-filled)",
             hashlib.md5(rrq[:-24] + bytes(24)).hexdigest(), j.get("peer_challenge")),
            ("MN-AAA authenticator = NT-Response", rrq[-24:].hex(), j.get("nt_response"))]


def mschap_checks(j, ref):
    return [("NT-Response", ref["nt_response"].lower(), j.get("nt_response")),
            ("MS-CHAP2-Success from the AAA", ref["authenticator_response"], row(j, "MS-CHAP2-Success").get("ha")),
            ("MS-MPPE-Send-Key (HA, decrypted)", ref["mppe_send_key"].lower(), row(j, "MS-MPPE-Send-Key").get("ha")),
            ("MS-MPPE-Recv-Key (HA, decrypted)", ref["mppe_recv_key"].lower(), row(j, "MS-MPPE-Recv-Key").get("ha"))]


def key_checks(j, ref, key, mn_id, spi, lifetime):
    """RFC 3957 key = HMAC-SHA1(k'', nonce || MN id), the nonce from the JSON; both sides."""
    r = row(j, key)
    nonce = bytes.fromhex(r.get("nonce", ""))
    want = mip_ref.registration_key(bytes.fromhex(ref["master_key"]), nonce, mn_id).hex()
    return [(f"{key} nonce is 16 octets", 16, len(nonce)),
            (f"{key} key at the MN", want, r.get("mn")),
            (f"{key} key at the HA", want, r.get("ha")),
            (f"{key} SPI", spi, r.get("spi")),
            (f"{key} lifetime", lifetime, r.get("lifetime")),
            (f"{key} agree", True, r.get("agree"))]


def unused_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- key requests in the Registration Request -----------------------------------------------------------
rc, j, err = run_json("--nai", "alice", "--password", "clientPass", "--ha", "192.0.2.1", "--mn-ha-spi", "256",
                      "--lifetime", "1800")
ref = mn_ref(j, password="clientPass") if "challenge" in j else {}
case("MN-HA only (RRQ): exit 0, keys of MN and HA equal the independent HMAC-SHA1(k'', nonce || NAI)",
     [("exit status", 0, rc), ("reply", "Access-Accept", j.get("reply")), ("agree", True, j.get("agree")),
      ("no MN-FA row", {}, row(j, "MN-FA"))]
     + (rrq_checks(j) + mschap_checks(j, ref) + key_checks(j, ref, "MN-HA", b"alice", 256, 1800) if ref else []))

rc, j, err = run_json("--nai", "alice", "--password", "clientPass", "--ha", "192.0.2.1", "--mn-ha-spi", "0x1001",
                      "--mn-fa-spi", "4098", "--lifetime", "5000", "--aaa-spi", "0x77")
ref = mn_ref(j, password="clientPass") if "challenge" in j else {}
case("MN-HA + MN-FA (RRQ, lifetime 5000 clamped to 3600): both keys independent, own nonces",
     [("exit status", 0, rc), ("agree", True, j.get("agree")),
      ("MN-HA and MN-FA keys differ", True, row(j, "MN-HA").get("mn") != row(j, "MN-FA").get("mn"))]
     + (key_checks(j, ref, "MN-HA", b"alice", 0x1001, 3600) + key_checks(j, ref, "MN-FA", b"alice", 4098, 3600)
        if ref else []))

# The Registration Reply the HA built for the MN carries the KeyGen Replies, with the AAA SPI of the RRQ.
rrp = bytes.fromhex(j.get("registration_reply", "")) if ref else b""
parsed = mip_ref.parse_reply(rrp) if len(rrp) >= mip_ref.RRP_HDR_LEN else {}
case("Registration Reply for the MN: KeyGen Replies (AAA SPI 0x77, HA SPI 0x1001, FA SPI 4098) with the nonces",
     [("MN-HA nonce", row(j, "MN-HA").get("nonce"), parsed.get("mn_ha", {}).get("nonce", b"").hex()),
      ("MN-HA AAA SPI", 0x77, parsed.get("mn_ha", {}).get("aaa_spi")),
      ("MN-HA HA SPI", 0x1001, parsed.get("mn_ha", {}).get("ha_spi")),
      ("MN-FA nonce", row(j, "MN-FA").get("nonce"), parsed.get("mn_fa", {}).get("nonce", b"").hex()),
      ("MN-FA FA SPI", 4098, parsed.get("mn_fa", {}).get("fa_spi")),
      ("Identification echoed", j.get("identification"), parsed.get("identification", b"").hex())])

# --- the same requests as attributes ----------------------------------------------------------------------
rc, j, err = run_json("--nai", "alice", "--password", "clientPass", "--ha", "192.0.2.1", "--mn-ha-spi", "300",
                      "--mn-fa-spi", "301", "--lifetime", "600", "--attributes")
ref = mn_ref(j, password="clientPass") if "challenge" in j else {}
case("--attributes, MN-HA + MN-FA: exit 0, keys independent",
     [("exit status", 0, rc), ("mode", "attributes", j.get("mode")), ("agree", True, j.get("agree"))]
     + (mschap_checks(j, ref) + key_checks(j, ref, "MN-HA", b"alice", 300, 600)
        + key_checks(j, ref, "MN-FA", b"alice", 301, 600) if ref else []))

# --- identities -------------------------------------------------------------------------------------------
rc, j, err = run_json("--nai", "alice@example.net", "--password", "clientPass", "--ha", "192.0.2.1",
                      "--mn-ha-spi", "400", "--mn-fa-spi", "401")
ref = mn_ref(j, password="clientPass") if "challenge" in j else {}
case("NAI with realm: MS-CHAPv2 hashes 'alice', the RFC 3957 identifier is the whole NAI",
     [("exit status", 0, rc), ("hash name", "alice", ref.get("hash_user")),
      ("mn_identifier", b"alice@example.net".hex(), j.get("mn_identifier"))]
     + (mschap_checks(j, ref) + key_checks(j, ref, "MN-HA", b"alice@example.net", 400, 1800)
        + key_checks(j, ref, "MN-FA", b"alice@example.net", 401, 1800) if ref else []))

rc, j, err = run_json("--home-address", "192.0.2.77", "--password", "hoaPass", "--ha", "192.0.2.1",
                      "--mn-ha-spi", "10", server=f"127.0.0.1:{HOA_PORT}")
ref = mn_ref(j, password="hoaPass") if "challenge" in j else {}
case("no NAI: User-Name is the dotted home address, the identifier its 4 octets",
     [("exit status", 0, rc), ("user_name", "192.0.2.77", j.get("user_name"))]
     + (key_checks(j, ref, "MN-HA", socket.inet_aton("192.0.2.77"), 10, 1800) if ref else []))

nt_hash = mschap_ref.nt_password_hash("clientPass")
rc, j, err = run_json("--nai", "alice", "--nt-hash", nt_hash.hex(), "--mn-ha-spi", "11")
ref = mn_ref(j, nt_hash=nt_hash) if "challenge" in j else {}
case("--nt-hash instead of the password: exit 0, same independent keys",
     [("exit status", 0, rc)] + (key_checks(j, ref, "MN-HA", b"alice", 11, 1800) if ref else []))

# The test site on PORT+3 runs "mobileip { aaa_key = ldap }": the AAA key is the node's own
# association from ldap-fixtures/users.ldif (alice: SPI 1000, this key), not k''.
ALICE_AAA_SPI, ALICE_AAA_KEY = "1000", bytes.fromhex("32F5FECB70568AAD8F78DF744E05D8C4C8D6D23E")
rc, j, err = run_json("--nai", "alice@example.net", "--password", "clientPass", "--aaa-spi", ALICE_AAA_SPI,
                      "--aaa-key", ALICE_AAA_KEY.hex(), "--mn-ha-spi", "256", "--mn-fa-spi", "257",
                      server=f"127.0.0.1:{int(PORT) + 3}")
ha_row, fa_row = row(j, "MN-HA"), row(j, "MN-FA")
case("--aaa-key against aaa_key = ldap: keys = HMAC-SHA1(the node's AAA key, nonce || NAI) at MN and HA",
     [("exit status", 0, rc), ("agree", True, j.get("agree"))]
     + [(f"{k} at {side}", mip_ref.registration_key(ALICE_AAA_KEY, bytes.fromhex(r.get("nonce", "")),
                                                     b"alice@example.net").hex(), r.get(side))
        for k, r in (("MN-HA", ha_row), ("MN-FA", fa_row)) for side in ("mn", "ha")])

rc, j, err = run_json("--nai", "alice", "--password", "clientPass", "--aaa-spi", ALICE_AAA_SPI, "--aaa-key", "00112233",
                      "--mn-ha-spi", "256", server=f"127.0.0.1:{int(PORT) + 3}")
case("--aaa-key that is not the server's: the MN-HA keys differ, exit 4",
     [("exit status", 4, rc), ("agree", False, j.get("agree")), ("MN-HA agree", False, row(j, "MN-HA").get("agree")),
      ("note", "the keys differ", row(j, "MN-HA").get("note"))])

# --- Skey and Skey' (the mppe profile sends Mipkey-Skey and Mipkey-Master-Key) ------------------------------
ts = "0x0123456789abcdef"
rc, j, err = run_json("--nai", "alice", "--password", "clientPass", "--rekey", ts, "--source", PROFILE_SRC["mppe"])
ref = mn_ref(j, password="clientPass") if "challenge" in j else {}
skey = hashlib.md5(bytes.fromhex(ref["master_key"]) + bytes.fromhex(ref["challenge"])
                   + bytes.fromhex(ref["nt_response"])).digest() if ref else b""
rekey = hashlib.md5(skey + bytes.fromhex(ts[2:])).hexdigest()
case("--rekey: Skey' = MD5(Skey || timestamp) at MN and HA equals an independent MD5",
     [("exit status", 0, rc), ("rekey_timestamp", ts[2:], j.get("rekey_timestamp")),
      ("Skey at the MN", skey.hex(), row(j, "Skey").get("mn")), ("Skey at the HA", skey.hex(), row(j, "Skey").get("ha")),
      ("Skey' at the MN", rekey, row(j, "Skey'").get("mn")), ("Skey' at the HA", rekey, row(j, "Skey'").get("ha")),
      ("Skey' agree", True, row(j, "Skey'").get("agree"))])

rc, j, err = run_json("--nai", "alice", "--password", "clientPass", "--mn-ha-spi", "12", "--rekey", "81985529216486895")
ref = mn_ref(j, password="clientPass") if "challenge" in j else {}
skey = hashlib.md5(bytes.fromhex(ref["master_key"]) + bytes.fromhex(ref["challenge"])
                   + bytes.fromhex(ref["nt_response"])).digest() if ref else b""
case("--rekey with a decimal timestamp, default profile: MN's Skey' right, HA's n/a (no Skey sent), exit 0",
     [("exit status", 0, rc), ("rekey_timestamp", "0123456789abcdef", j.get("rekey_timestamp")),
      ("Skey' at the MN", hashlib.md5(skey + bytes.fromhex("0123456789abcdef")).hexdigest(),
       row(j, "Skey'").get("mn")),
      ("Skey' agree", None, row(j, "Skey'").get("agree"))])

# --- other reply profiles: the HA's key comes from their attributes -----------------------------------------
for profile, attr in (("3gpp2", "3GPP2-MN-HA-Shared-Key"), ("wimax", "WiMAX-MN-hHA-MIP4-Key"),
                      ("cisco", "Cisco-AVPair")):
    rc, j, err = run_json("--nai", "alice", "--password", "clientPass", "--ha", "192.0.2.1", "--mn-ha-spi", "4096",
                          "--source", PROFILE_SRC[profile])
    ref = mn_ref(j, password="clientPass") if "challenge" in j else {}
    case(f"profile {profile}: the HA's MN-HA key from {attr} equals the MN's",
         [("exit status", 0, rc), ("ha_attribute", attr, row(j, "MN-HA").get("ha_attribute"))]
         + (key_checks(j, ref, "MN-HA", b"alice", 4096, 1800) if ref else []))

rc, j, err = run_json("--nai", "alice", "--password", "clientPass", "--mn-ha-spi", "4096", "--mn-fa-spi", "4097",
                      "--source", PROFILE_SRC["3gpp2"])
case("profile 3gpp2 with an MN-FA request: the MN-FA key is missing, exit 4 (keys disagree)",
     [("exit status", 4, rc), ("agree", False, j.get("agree")), ("MN-FA agree", False, row(j, "MN-FA").get("agree")),
      ("MN-HA agree", True, row(j, "MN-HA").get("agree"))])

# --- the table ------------------------------------------------------------------------------------------------
rc, out, err = run("--nai", "alice", "--password", "clientPass", "--mn-ha-spi", "256", "--mn-fa-spi", "257")
m = re.search(r"^\s+MN-HA\s+256\s+1800\s+yes\s+([0-9a-f]{40})$", out, re.M)
case("table: rows with key, SPI, lifetime, agree; last line 'MN and HA agree: yes'",
     [("exit status", 0, rc), ("MN-HA row", True, bool(m)),
      ("MN-FA row", True, bool(re.search(r"^\s+MN-FA\s+257\s+1800\s+yes\s+[0-9a-f]{40}$", out, re.M))),
      ("last line", "MN and HA agree: yes", out.strip().splitlines()[-1] if out.strip() else "")])

# --- failures -----------------------------------------------------------------------------------------------------
rc, j, err = run_json("--nai", "alice", "--password", "wrongPass", "--mn-ha-spi", "1")
case("wrong password: Access-Reject, exit 2",
     [("exit status", 2, rc), ("reply", "Access-Reject", j.get("reply")), ("agree", False, j.get("agree")),
      ("no keys", [], j.get("keys"))])

rc, j, err = run_json("--nai", "bob-not-there", "--password", "clientPass", "--mn-ha-spi", "1")
case("unknown user: Access-Reject, exit 2", [("exit status", 2, rc), ("reply", "Access-Reject", j.get("reply"))])

rc, j, err = run_json("--nai", "alice", "--password", "clientPass", "--mn-ha-spi", "1", "--lifetime", "0")
case("lifetime 0 (deregistration): the key request is refused, exit 2 with the Reply-Message",
     [("exit status", 2, rc), ("Reply-Message mentions lifetime 0", True, "lifetime 0" in j.get("reply_message", ""))])

dead = unused_udp_port()
rc, j, err = run_json("--nai", "alice", "--password", "clientPass", "--mn-ha-spi", "1", "--timeout", "0.5",
                      "--retries", "2", server=f"127.0.0.1:{dead}")
case("unreachable server port: no reply, exit 3",
     [("exit status", 3, rc), ("reply", "none", j.get("reply")), ("stderr says no reply", True, "no reply" in err)])

rc, j, err = run_json("--nai", "alice", "--password", "clientPass", "--mn-ha-spi", "1", "--timeout", "0.5",
                      "--retries", "1", "--server", SERVER, server=f"127.0.0.1:{dead}")
case("failover: the first server does not answer, the second does, exit 0",
     [("exit status", 0, rc), ("server", SERVER, j.get("server")), ("agree", True, j.get("agree"))])

rc, out, err = run("--nai", "alice", "--password", "clientPass", "--timeout", "0.5", "--retries", "1", secret=False)
rc2, out2, err2 = run("--nai", "alice", "--password", "clientPass", "--timeout", "0.5", "--retries", "1",
                      "--secret", "not-the-secret", secret=False)
case("no --secret: usage error exit 1; a wrong secret: the server drops the request, exit 3",
     [("exit status without secret", 1, rc), ("exit status with a wrong secret", 3, rc2)])

with tempfile.TemporaryDirectory() as d:
    sf, pf = os.path.join(d, "secret"), os.path.join(d, "password")
    with open(sf, "w") as f:
        f.write(SECRET + "\n")
    with open(pf, "w") as f:
        f.write("clientPass\n")
    rc, j, err = run_json("--nai", "alice", "--password-file", pf, "--secret-file", sf, "--mn-ha-spi", "5",
                          secret=False)
case("--secret-file and --password-file: exit 0", [("exit status", 0, rc), ("agree", True, j.get("agree"))])

# --- documentation: every option in --help and in the man page -------------------------------------------------
rc, help_text, err = run("--help", server=None, secret=False)
with open(os.path.join(REPO, "tools", "mipkey-client.1")) as f:
    man = f.read().replace("\\-", "-")
with open(os.path.join(REPO, "tools", "mipkey-client.c")) as f:
    options = re.findall(r'\{ "([a-z-]+)", (?:required|no)_argument', f.read())
case("--help and the man page document every option and the exit statuses",
     [("exit status of --help", 0, rc), ("options found in the source", True, len(options) >= 20),
      ("missing from --help", [], [o for o in options if f"--{o}" not in help_text]),
      ("missing from the man page", [], [o for o in options if f"--{o}" not in man]),
      ("exit statuses in --help", True, all(f"{n} " in help_text.split("Exit status:")[-1] for n in range(6)))])

case("freeradius still answers after the client's requests", [("Status-Server", True, server_alive())])
finish()
