#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Mobile IP keys from EAP authentication, end to end (started by tests/test_eap_keys.sh).

eapol_test plays the mobile node's EAP peer and the home agent's RADIUS client (the key
request goes in every Access-Request with -N); between it and freeradius the test relays the
datagrams unchanged and keeps them, so it sees what a home agent gets on the wire: it checks
the Response Authenticator and decrypts the keys itself (RFC 2548 salt encryption, hashlib).
The expected keys come from the MSK / EMSK that eapol_test derived on the mobile node's side
(its debug output), through tests/lib/eap_mip_ref.py: never from the module.

EAP-SIM runs against rlm_eap_sim with triplets from the users file. Debian's eapol_test has no
SIM simulator compiled in (no CONFIG_SIM_SIMULATOR), but it has external SIM processing
(external_sim=1): it asks for GSM-AUTH on its control interface and takes Kc and SRES back.
SimulatedSim below is that SIM: it knows the same triplets as the users file.
"""
import hashlib
import hmac
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import eap_mip_ref  # noqa: E402
import mip_ref  # noqa: E402

PORT = int(os.environ["EAPKEYS_PORT"])
SECRET = os.environ["RADIUS_SECRET"].encode()
RADIUS_DIR = os.environ["RADIUS_DIR"]
RELAY_PORT = PORT + 3
LOG = os.path.join(RADIUS_DIR, "log", "radius.log")
RUN = os.path.join(RADIUS_DIR, "run")
CERTS = os.path.join(RADIUS_DIR, "certs")
MIPKEY, WIMAX, TGPP2, MS = 32473, 24757, 5535, 311

HA, FA = "192.0.2.1", "198.51.100.7"
HA_SPI, FA_SPI, FAHA_SPI, AAA_SPI = 0x100, 0x101, 0x102, 7
SIM_IDENTITY = "1001010123456789@sim.mipkey.test"
TRIPLETS = {  # RAND -> (Kc, SRES): the same as users.eapkeys in test_eap_keys.sh
    "101112131415161718191a1b1c1d1e1f": ("a0a1a2a3a4a5a6a7", "d1d2d3d4"),
    "202122232425262728292a2b2c2d2e2f": ("b0b1b2b3b4b5b6b7", "e1e2e3e4"),
    "303132333435363738393a3b3c3d3e3f": ("c0c1c2c3c4c5c6c7", "f1f2f3f4"),
}

counts = {"passed": 0, "failed": 0}
SEEN_KEYS = []  # every MSK, EMSK and key of the run: none may appear in the server's log


def check(name, expected, actual):
    if expected == actual:
        counts["passed"] += 1
        print(f"PASS {name}", flush=True)
    else:
        counts["failed"] += 1
        print(f"FAIL {name}: expected {expected!r} got {actual!r}", flush=True)


# --- the key request, as eapol_test -N attributes ----------------------------------------------

def vsa(vendor, attr, value):
    return "26:x:" + (struct.pack(">IBB", vendor, attr, 2 + len(value)) + value).hex()


def u32(v):
    return struct.pack(">I", v)


def ip(a):
    return socket.inet_aton(a)


def key_request(kind=3, ha=HA, fa=FA, faha=True, lifetime=None, extra=()):
    attrs = [vsa(MIPKEY, 2, u32(kind)), vsa(MIPKEY, 10, u32(HA_SPI)), vsa(MIPKEY, 11, u32(FA_SPI)),
             vsa(MIPKEY, 12, u32(AAA_SPI))]
    if ha:
        attrs.append(vsa(MIPKEY, 4, ip(ha)))
    if fa:
        attrs.append(vsa(MIPKEY, 60, ip(fa)))
    if faha:
        attrs.append(vsa(MIPKEY, 61, u32(FAHA_SPI)))
    if lifetime is not None:
        attrs.append(vsa(MIPKEY, 5, u32(lifetime)))
    return attrs + list(extra)


# --- the relay: the home agent's view of the wire ------------------------------------------------

class Relay:
    """Forwards eapol_test's datagrams to freeradius unchanged (from src, which picks the client
    entry and its reply profile) and the answers back; keeps every (request, reply) pair."""

    def __init__(self, server_port, src="127.0.0.1"):
        self.down = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.down.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.down.bind(("127.0.0.1", RELAY_PORT))
        self.up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.up.bind((src, 0))
        self.server = ("127.0.0.1", server_port)
        self.requests, self.pairs, self.client = {}, [], None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            r, _, _ = select.select([self.down, self.up], [], [], 0.1)
            if self.down in r:
                data, self.client = self.down.recvfrom(4096)
                self.requests[data[1]] = data
                self.up.sendto(data, self.server)
            if self.up in r:
                data, _ = self.up.recvfrom(4096)
                if data[1] in self.requests:
                    self.pairs.append((self.requests[data[1]], data))
                if self.client:
                    self.down.sendto(data, self.client)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.down.close()
        self.up.close()

    def last(self):
        return self.pairs[-1] if self.pairs else (None, None)


# --- RADIUS decoding, written from RFC 2865 / 2548 ------------------------------------------------

def verify_response(req, rep):
    body = rep[:4] + req[4:20] + rep[20:] + SECRET
    return hashlib.md5(body).digest() == rep[4:20]


def attributes(pkt):
    """[(vendor, type, value)]; vendor 0 for standard attributes."""
    out, pos = [], 20
    while pos + 2 <= len(pkt):
        t, ln = pkt[pos], pkt[pos + 1]
        val = pkt[pos + 2:pos + ln]
        pos += ln
        if t != 26 or len(val) < 6:
            out.append((0, t, val))
            continue
        vendor = struct.unpack(">I", val[:4])[0]
        sub = val[4:]
        hdr = 3 if vendor == WIMAX else 2  # WiMAX: type, length, continuation
        while len(sub) >= hdr:
            st, sl = sub[0], sub[1]
            out.append((vendor, st, sub[hdr:sl]))
            sub = sub[sl:]
    return out


def salt_decrypt(value, req_auth):
    """RFC 2548 2.4.2 (FreeRADIUS encrypt=2): salt, then 16-octet blocks; plaintext = len | key | pad."""
    salt, c = value[:2], value[2:]
    out, prev = b"", req_auth + salt
    for i in range(0, len(c), 16):
        b = hashlib.md5(SECRET + prev).digest()
        out += bytes(x ^ y for x, y in zip(c[i:i + 16], b))
        prev = c[i:i + 16]
    return out[1:1 + out[0]] if out else b""


def find(attrs, vendor, t):
    return [v for (vv, tt, v) in attrs if vv == vendor and tt == t]


# --- eapol_test -----------------------------------------------------------------------------------

KEY_LINES = {  # method -> (MSK line, EMSK line) in eapol_test's debug output
    "PEAP": ("EAP-PEAP: Derived key", "EAP-PEAP: Derived EMSK"),
    "TTLS": ("EAP-TTLS: Derived key", "EAP-TTLS: Derived EMSK"),
    "TLS": ("EAP-TLS: Derived key", "EAP-TLS: Derived EMSK"),
    "SIM": ("EAP-SIM: keying material (MSK)", "EAP-SIM: EMSK"),
}


def hexdump(out, label):
    found = re.findall(re.escape(label) + r" - hexdump\(len=\d+\):((?: [0-9a-f]{2})+)", out)
    return bytes.fromhex(found[-1].replace(" ", "")) if found else None


class SimulatedSim(threading.Thread):
    """eapol_test's external SIM (external_sim=1): ATTACH to its control interface, answer each
    CTRL-REQ-SIM GSM-AUTH with the Kc and SRES of the RANDs asked for."""

    def __init__(self, ctrl_dir):
        super().__init__(daemon=True)
        self.path = os.path.join(ctrl_dir, "test")
        self.local = os.path.join(ctrl_dir, "sim-client")
        self.answered, self.unknown, self.stop = 0, [], threading.Event()

    def run(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(self.local)
        for _ in range(100):
            if os.path.exists(self.path):
                break
            time.sleep(0.05)
        s.connect(self.path)
        s.send(b"ATTACH")
        while not self.stop.is_set():
            r, _, _ = select.select([s], [], [], 0.1)
            if not r:
                continue
            msg = s.recv(4096).decode(errors="replace")
            m = re.search(r"CTRL-REQ-SIM-(\d+):GSM-AUTH((?::[0-9a-f]{32})+)", msg)
            if not m:
                continue
            answer = []
            for rand in m.group(2).split(":")[1:]:
                if rand not in TRIPLETS:
                    self.unknown.append(rand)
                    continue
                answer += list(TRIPLETS[rand])
            s.send(f"CTRL-RSP-SIM-{m.group(1)}:GSM-AUTH:{':'.join(answer)}".encode())
            self.answered += 1
        s.close()


def eapol(method, identity, server_port, attrs, src="127.0.0.1", password="clientPass"):
    """Runs one EAP authentication through the relay. Returns (eapol_test output, request, reply)."""
    conf = os.path.join(RUN, f"eapol-{method}.conf")
    ca = os.path.join(CERTS, "ca.pem")
    net = f'\tkey_mgmt=WPA-EAP\n\teap={method}\n\tidentity="{identity}"\n'
    head, sim, args = "", None, []
    if method in ("PEAP", "TTLS"):
        net += (f'\tanonymous_identity="anonymous"\n\tpassword="{password}"\n\tca_cert="{ca}"\n'
                f'\tphase1="peapver=0"\n\tphase2="auth=MSCHAPV2"\n')
    elif method == "TLS":
        net += (f'\tca_cert="{ca}"\n\tclient_cert="{CERTS}/client.pem"\n'
                f'\tprivate_key="{CERTS}/client.key"\n')
    elif method == "SIM":
        ctrl = tempfile.mkdtemp(prefix="ctrl-sim.", dir=RUN)
        head = f"ctrl_interface={ctrl}\nexternal_sim=1\n"
        sim = SimulatedSim(ctrl)
        args = ["-W"]  # wait for the SIM to attach before starting
    with open(conf, "w") as f:
        f.write(f"{head}network={{\n{net}}}\n")
    relay, p = Relay(server_port, src), None
    try:
        cmd = ["eapol_test", "-c", conf, "-a", "127.0.0.1", "-p", str(RELAY_PORT), "-s", SECRET.decode(),
               "-r", "0", "-t", "15"] + args
        for a in attrs:
            cmd += ["-N", a]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if sim:
            sim.start()
        try:
            out, _ = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            out += "\n<eapol_test killed after 30 s>\n"
        if sim:
            sim.stop.set()
            sim.join()
            check(f"{method} {identity}: the simulated SIM answered GSM-AUTH, all RANDs from the users file",
                  (1, []), (sim.answered, sim.unknown))
    finally:
        if p and p.poll() is None:  # whatever went wrong here, no eapol_test is left behind
            p.kill()
            p.wait()
        relay.close()
        if sim:
            sim.stop.set()
            shutil.rmtree(os.path.dirname(sim.path), ignore_errors=True)
    req, rep = relay.last()
    return out, req, rep


def log_mark():
    return os.path.getsize(LOG)


def log_since(mark):
    with open(LOG, errors="replace") as f:
        f.seek(mark)
        return f.read()


# --- the cases --------------------------------------------------------------------------------------

def accepted(name, method, identity, nai, server_port, root, src="127.0.0.1", profile="mipkey", attrs=None):
    """An EAP authentication with a key request; every key checked against the reference."""
    out, req, rep = eapol(method, identity, server_port, key_request() if attrs is None else attrs, src)
    last = out.strip().splitlines()[-1] if out.strip() else "<no output>"
    check(f"{name}: eapol_test SUCCESS", "SUCCESS", last)
    if method != "SIM":
        check(f"{name}: eapol_test MPPE keys OK", True, "MPPE keys OK" in out)
    msk, emsk = hexdump(out, KEY_LINES[method][0]), hexdump(out, KEY_LINES[method][1])
    check(f"{name}: eapol_test printed the MN's MSK and EMSK (64 octets each)", (64, 64),
          (len(msk or b""), len(emsk or b"")))
    if last != "SUCCESS" or not rep or not msk or not emsk:
        print(out[-3000:])
        return None
    check(f"{name}: Access-Accept with a valid Response Authenticator", (2, True),
          (rep[0], verify_response(req, rep)))
    a = attributes(rep)
    ra = req[4:20]
    root_key = emsk if root == "emsk" else msk
    SEEN_KEYS.extend([msk, emsk])
    other = msk if root == "emsk" else emsk

    if profile == "mipkey":
        got_ha = [salt_decrypt(v, ra) for v in find(a, MIPKEY, 20)]
        got_fa = [salt_decrypt(v, ra) for v in find(a, MIPKEY, 23)]
    elif profile == "wimax":
        got_ha = [salt_decrypt(v, ra) for v in find(a, WIMAX, 10)]
        got_fa = [salt_decrypt(v, ra) for v in find(a, WIMAX, 14)]
    else:  # 3gpp2: MN-HA only
        got_ha = [salt_decrypt(v, ra) for v in find(a, TGPP2, 58)]
        got_fa = []
    replies = {}
    for t in (28, 29):
        for v in find(a, MIPKEY, t):
            replies.update(mip_ref.parse_keygen_replies(v))
    ha_reply, fa_reply = replies.get("mn_ha", {}), replies.get("mn_fa", {})
    check(f"{name}: MN-HA KeyGen Reply: HA SPI, AAA SPI, lifetime 3600, 16-octet nonce",
          (HA_SPI, AAA_SPI, 3600, 16),
          (ha_reply.get("ha_spi"), ha_reply.get("aaa_spi"), ha_reply.get("lifetime"), len(ha_reply.get("nonce", b""))))
    nonce = ha_reply.get("nonce", b"\0" * 16)
    want = eap_mip_ref.mn_ha(root_key, HA, HA_SPI, nonce, nai.encode())
    check(f"{name}: MN-HA key (decrypted from the wire) = reference from the MN's {root.upper()}", [want.hex()],
          [k.hex() for k in got_ha])
    check(f"{name}: MN-HA key is not the one from the other EAP key", True,
          eap_mip_ref.mn_ha(other, HA, HA_SPI, nonce, nai.encode()) not in got_ha)
    if profile != "3gpp2":
        check(f"{name}: MN-FA KeyGen Reply: FA SPI, 16-octet nonce", (FA_SPI, 16),
              (fa_reply.get("fa_spi"), len(fa_reply.get("nonce", b""))))
        want = eap_mip_ref.mn_fa(root_key, FA, FA_SPI, fa_reply.get("nonce", b"\0" * 16), nai.encode())
        check(f"{name}: MN-FA key (decrypted from the wire) = reference", [want.hex()], [k.hex() for k in got_fa])
    faha = [salt_decrypt(v, ra) for v in find(a, MIPKEY, 62)]
    SEEN_KEYS.extend(got_ha + got_fa + faha)
    check(f"{name}: FA-HA key: 20 octets, SPI {FAHA_SPI}", ([20], [u32(FAHA_SPI)]),
          ([len(k) for k in faha], find(a, MIPKEY, 61)))
    check(f"{name}: Mipkey-MN-NAI is the authenticated identity", [nai.encode()], find(a, MIPKEY, 63))
    check(f"{name}: Mipkey-EAP-Root-Key", [u32(2 if root == "emsk" else 1)], find(a, MIPKEY, 64))
    check(f"{name}: neither the MSK nor the EMSK in clear on the wire", [], [k.hex() for k in (msk, emsk) if k in rep])
    return {"mn_ha": got_ha, "faha": faha, "nonce": nonce}


def refused(name, method, identity, server_port, attrs, reason, src="127.0.0.1"):
    """A key request that must be refused: Access-Reject, EAP-Failure, no keys, reason logged."""
    mark = log_mark()
    out, req, rep = eapol(method, identity, server_port, attrs, src)
    last = out.strip().splitlines()[-1] if out.strip() else "<no output>"
    check(f"{name}: eapol_test FAILURE", "FAILURE", last)
    check(f"{name}: Access-Reject", 3, rep[0] if rep else None)
    if not rep:
        return
    a = attributes(rep)
    msgs = [v.decode(errors="replace") for v in find(a, 0, 18)]
    check(f"{name}: Reply-Message says why", True, any(reason in m for m in msgs))
    check(f"{name}: EAP-Failure in the reply", [4], [v[0] for v in find(a, 0, 79)])
    check(f"{name}: no key attribute in the reject", [], [(v, t) for (v, t, _) in a if v in (MIPKEY, MS, WIMAX, TGPP2)])
    time.sleep(0.2)
    log = log_since(mark)
    check(f"{name}: log line", True, bool(re.search(r"Mobile IP key request refused: .*" + re.escape(reason), log)))


CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "mipkey-client")


def client(name, conf_method, identity, nai, server_port, root, want_status, want_agree, src=None):
    """tools/mipkey-client --eap: eapol_test as the MN's peer, the client as HA and MN."""
    conf = os.path.join(RUN, f"client-{conf_method}.conf")
    ca = os.path.join(CERTS, "ca.pem")
    net = f'\tkey_mgmt=WPA-EAP\n\teap={conf_method}\n\tidentity="{identity}"\n'
    if conf_method == "PEAP":
        net += (f'\tanonymous_identity="anonymous"\n\tpassword="clientPass"\n\tca_cert="{ca}"\n'
                f'\tphase2="auth=MSCHAPV2"\n')
    else:
        net += f'\tca_cert="{ca}"\n\tclient_cert="{CERTS}/client.pem"\n\tprivate_key="{CERTS}/client.key"\n'
    with open(conf, "w") as f:
        f.write(f"network={{\n{net}}}\n")
    cmd = [CLIENT, "--server", f"127.0.0.1:{server_port}", "--secret", SECRET.decode(), "--eap", conf,
           "--eap-root", root, "--nai", nai, "--ha", HA, "--mn-ha-spi", str(HA_SPI), "--care-of", FA,
           "--mn-fa-spi", str(FA_SPI), "--fa-ha-spi", str(FAHA_SPI)] + (["--source", src] if src else [])
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    check(f"mipkey-client --eap, {name}: exit status {want_status}", want_status, r.returncode)
    check(f"mipkey-client --eap, {name}: MN and HA agree: {want_agree}", True,
          f"MN and HA agree: {want_agree}" in r.stdout)
    if r.returncode != want_status:
        print(r.stdout[-2000:], r.stderr[-2000:])


def client_cases():
    client("PEAP, EMSK", "PEAP", "alice", "alice", PORT, "emsk", 0, "yes")
    client("EAP-TLS, EMSK, profile wimax", "TLS", "carol@mipkey.test", "carol@mipkey.test", PORT, "emsk", 0, "yes",
           src="127.0.0.5")
    client("PEAP, MSK root", "PEAP", "alice", "alice", PORT + 1, "msk", 0, "yes")
    client("PEAP, the MN assumes the MSK where the server uses the EMSK", "PEAP", "alice", "alice", PORT, "msk", 4, "no")
    client("PEAP, the MN uses another NAI than it authenticated", "PEAP", "alice", "mallory", PORT, "emsk", 4, "no")


def main():
    # The shipped site and instance (root = emsk), default profile.
    peap = accepted("PEAP/MSCHAPv2, EMSK root", "PEAP", "alice", "alice", PORT, "emsk")
    accepted("TTLS/MSCHAPv2, EMSK root", "TTLS", "alice", "alice", PORT, "emsk")
    accepted("EAP-TLS, EMSK root", "TLS", "carol@mipkey.test", "carol@mipkey.test", PORT, "emsk")
    again = accepted("PEAP again", "PEAP", "alice", "alice", PORT, "emsk")
    if peap and again:
        check("PEAP twice: fresh MN-HA key and nonce", True,
              peap["mn_ha"] != again["mn_ha"] and peap["nonce"] != again["nonce"])
        check("PEAP twice: fresh FA-HA key", True, peap["faha"] != again["faha"])
    # Reply profiles by client (tests/lib/radiusd.sh: 127.0.0.5 wimax, 127.0.0.4 3gpp2).
    accepted("PEAP, profile wimax", "PEAP", "alice", "alice", PORT, "emsk", src="127.0.0.5", profile="wimax")
    accepted("PEAP, profile 3gpp2", "PEAP", "alice", "alice", PORT, "emsk", src="127.0.0.4", profile="3gpp2")

    # EAP-SIM, triplets from the users file, the SIM simulated through eapol_test's external SIM.
    accepted("EAP-SIM (users-file triplets), MSK root", "SIM", SIM_IDENTITY, SIM_IDENTITY, PORT + 1, "msk")
    accepted("PEAP, MSK root", "PEAP", "alice", "alice", PORT + 1, "msk")
    refused("EAP-SIM, EMSK root", "SIM", SIM_IDENTITY, PORT + 2, key_request(), "exported no EMSK")
    refused("PEAP whose inner tunnel does not hand over its identity", "PEAP", "alice", PORT + 2, key_request(),
            "PEAP is tunnelled and session-state:Mipkey-EAP-Identity is not set")

    # No key request: an ordinary EAP accept, nothing added.
    out, req, rep = eapol("PEAP", "alice", PORT, [])
    check("PEAP without a key request: Access-Accept without Mipkey attributes", (2, []),
          (rep[0] if rep else None, [t for (v, t, _) in attributes(rep or b"\0" * 20) if v == MIPKEY]))

    # Bad key requests.
    refused("MN-HA without the home agent's address", "PEAP", "alice", PORT, key_request(ha=None),
            "needs the home agent's IPv4 address")
    refused("MN-FA without the foreign agent's address", "PEAP", "alice", PORT, key_request(kind=2, fa=None),
            "needs the foreign agent's address")
    refused("Mipkey-Key-Request 9", "PEAP", "alice", PORT, key_request(kind=9), "is not 1 (MN-HA)")
    refused("requested lifetime 0", "PEAP", "alice", PORT, key_request(lifetime=0), "Requested-Lifetime is 0")
    refused("a Registration Request with EAP", "TLS", "carol@mipkey.test", PORT,
            key_request(extra=[vsa(MIPKEY, 1, bytes(28))]), "Mipkey-Registration-Request is for MS-CHAPv2")

    client_cases()

    with open(LOG, errors="replace") as f:
        log = f.read().lower()
    leaked = [k.hex() for k in SEEN_KEYS if k and (k.hex() in log or " ".join("%02x" % b for b in k) in log)]
    check(f"none of the {len(SEEN_KEYS)} MSKs, EMSKs and keys of the run in radius.log", [], leaked)

    print(f"{counts['passed']} passed, {counts['failed']} failed")
    sys.exit(1 if counts["failed"] else 0)


if __name__ == "__main__":
    main()
