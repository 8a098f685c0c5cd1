#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The replay cache with two real FreeRADIUS servers (A, B) and one real redis-server.

Started by tests/test_replay.sh (slapd, both servers set up, ports and work directory in the
environment). This script rewrites each server's replay_cache { } for each phase and
restarts it, starts and kills redis-server, and plays the home agent:

  local store   a replay to the same server is refused; the other server does not see it;
  redis store   a replay to the other server is refused; Redis holds no name, challenge or
                response; the same Access-Request (same Request Authenticator) sent to the
                other server is answered (the home agent failing over);
  failover      steady load, server A killed: no wrong answer, failover time;
  redis outage  Redis killed and restarted under load, on_unavailable = fail then accept:
                the policy holds, one log line per outage, recovery time (< 2 s);
  cost          server CPU per request (utime + stime from /proc) with store local, redis.

Requests are Registration Requests built the seed's way and MS-CHAPv2 responses computed
here (tests/lib/mschap_ref.py, mip_ref.py: hashlib + openssl, independent of the module),
many at once: DES-ECB of all challenge hashes under one key is one openssl call.
"""
import hashlib
import hmac
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
import mip_ref  # noqa: E402
import mschap_ref  # noqa: E402

WORK = os.environ["REPLAY_WORK"]
PORT = {"A": int(os.environ["REPLAY_PORT_A"]), "B": int(os.environ["REPLAY_PORT_B"])}
DIR = {"A": os.path.join(WORK, "a"), "B": os.path.join(WORK, "b")}
REDIS_PORT = int(os.environ["REPLAY_REDIS_PORT"])
DROP_PORT = int(os.environ.get("REPLAY_PORT_DROP", "38944"))
REPLICA_PORT = int(os.environ.get("REPLAY_REPLICA_PORT", "38945"))
SENTINEL_PORT = int(os.environ.get("REPLAY_SENTINEL_PORT", "38946"))
CLIENT = os.path.join(REPO, "tools", "mipkey-client")
SECRET = os.environ["REPLAY_SECRET"].encode()
CACHE_SECRET = "replay-cache-secret-" + os.urandom(8).hex()
USER, RIGHT, WRONG = "alice", "clientPass", "notThePassword"
NTP_UNIX_OFFSET = 2208988800
REPLAY_WINDOW = 60
VENDOR_MIPKEY = 32473

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        print(f"PASS {name}")
        passed += 1
    else:
        print(f"FAIL {name}{': ' + detail if detail else ''}")
        failed += 1
    sys.stdout.flush()


def figure(text):
    print(f"TIME {text}")
    sys.stdout.flush()


# --- requests -------------------------------------------------------------------------------------

def des_ecb_many(blocks, key7):
    """DES-ECB of many 8-octet blocks under one key: one openssl call."""
    out = mschap_ref._openssl(["enc", "-des-ecb", "-e", "-nopad", "-nosalt", "-K",
                               mschap_ref.des_key_expand(key7).hex()] + mschap_ref.LEGACY, b"".join(blocks))
    return [out[i:i + 8] for i in range(0, len(out), 8)]


_hash_cache = {}


def nt_hash(password):
    if password not in _hash_cache:
        _hash_cache[password] = mschap_ref.nt_password_hash(password)
    return _hash_cache[password]


_ident_low = [int.from_bytes(os.urandom(4), "big")]


def next_identification(now):
    """An NTP timestamp of now, its low 32 bits a counter: unique, as a mobile node's are."""
    _ident_low[0] = (_ident_low[0] + 1) & 0xffffffff
    return (now << 32) | _ident_low[0]


def make_requests(n, password, identification=None, care_of="198.51.100.9"):
    """n Registration Requests of alice (NAI alice, MN-HA KeyGen Request), each with its
    MS-CHAPv2 attributes. Returns dicts: rrq, challenge, peer, nt_response, attrs."""
    now = int(time.time()) + NTP_UNIX_OFFSET
    reqs = []
    for i in range(n):
        ident = identification if identification is not None else next_identification(now)
        challenge = os.urandom(16)
        rrq0 = mip_ref.build_rrq(home_address="0.0.0.0", home_agent="192.0.2.1", care_of=care_of,
                                 identification=ident, lifetime=1800, nai=USER, challenge=challenge,
                                 mn_ha_spi=300, aaa_spi=2, authenticator=bytes(24))
        peer = hashlib.md5(rrq0).digest()
        reqs.append({"rrq0": rrq0, "challenge": challenge, "peer": peer, "identification": ident,
                     "ch_hash": mschap_ref.challenge_hash(peer, challenge, USER)})
    z = nt_hash(password) + bytes(5)
    parts = [des_ecb_many([r["ch_hash"] for r in reqs], z[k:k + 7]) for k in (0, 7, 14)]
    for i, r in enumerate(reqs):
        ntr = parts[0][i] + parts[1][i] + parts[2][i]
        r["nt_response"] = ntr
        r["rrq"] = r["rrq0"][:-24] + ntr
        resp = bytes([0x2a, 0]) + r["peer"] + bytes(8) + ntr
        r["attrs"] = (attr(1, USER.encode()) + ms_vsa(11, r["challenge"]) + ms_vsa(25, resp)
                      + vsa(VENDOR_MIPKEY, 1, r["rrq"]))
    return reqs


def attr(t, value):
    return bytes([t, 2 + len(value)]) + value


def vsa(vendor, t, value):
    return attr(26, struct.pack("!I", vendor) + bytes([t, 2 + len(value)]) + value)


def ms_vsa(t, value):
    return vsa(311, t, value)


def packet(ident, attrs, authenticator=None):
    """Access-Request with a Message-Authenticator (RFC 3579 3.2); returns (bytes, authenticator)."""
    auth = authenticator or os.urandom(16)
    body = attrs + attr(80, bytes(16))
    hdr = struct.pack("!BBH", 1, ident, 20 + len(body)) + auth
    mac = hmac.new(SECRET, hdr + body, hashlib.md5).digest()
    return hdr + body[:-16] + mac, auth


def parse_reply(data, req_auth):
    """{"code", "error" (MS-CHAP-Error text), "reply_message", "success" (MS-CHAP2-Success)} or None."""
    if len(data) < 20:
        return None
    code, _, length = struct.unpack("!BBH", data[:4])
    if length > len(data) or length < 20:
        return None
    data = data[:length]
    if not hmac.compare_digest(hashlib.md5(data[:4] + req_auth + data[20:] + SECRET).digest(), data[4:20]):
        return None
    out = {"code": code, "error": None, "reply_message": "", "success": None}
    i = 20
    while i + 2 <= length:
        t, alen = data[i], data[i + 1]
        if alen < 2:
            return None
        v = data[i + 2:i + alen]
        if t == 18:
            out["reply_message"] += v.decode("utf-8", "replace")
        if t == 26 and len(v) >= 6 and struct.unpack("!I", v[:4])[0] == 311:
            if v[4] == 2:
                out["error"] = v[7:4 + v[5]].decode("latin-1")
            elif v[4] == 26:
                out["success"] = v[7:4 + v[5]].decode("latin-1")
        i += alen
    return out


def outcome(reply):
    if reply is None:
        return "none"
    if reply["code"] == 2:
        return "accept"
    if reply["code"] == 3:
        if reply["error"] and reply["error"].startswith("E="):
            return "reject_E=" + reply["error"].split()[0][2:]
        if "replayed" in reply["reply_message"]:
            return "replayed"
        return "fail"
    return "code%d" % reply["code"]


def exchange(server, pkt, auth, timeout=3.0):
    """One packet to a server, its verified reply (or None)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", PORT[server]))
    try:
        s.send(pkt)
        end = time.time() + timeout
        while time.time() < end:
            r, _, _ = select.select([s], [], [], max(0.0, end - time.time()))
            if not r:
                break
            try:
                data = s.recv(4096)
            except OSError:
                return None
            rep = parse_reply(data, auth)
            if rep and data[1] == pkt[1]:
                return rep
        return None
    finally:
        s.close()


def send(server, req, authenticator=None):
    pkt, auth = packet(os.urandom(1)[0], req["attrs"], authenticator)
    return exchange(server, pkt, auth)


def expected_success(req, password):
    """MS-CHAP2-Success "S=..." for this request, from the reference (independent of the module)."""
    return mschap_ref.generate_authenticator_response_from_hash(nt_hash(password), req["nt_response"], req["peer"],
                                                                req["challenge"], USER)


# --- servers ----------------------------------------------------------------------------------------

def configure(server, store, on_unavailable="fail", sentinels=None):
    """The shipped mods-available/mipkey (as tests/lib/radiusd.sh made it), with this store."""
    with open(os.path.join(DIR[server], "run", "mipkey.shipped")) as f:
        conf = f.read()
    subs = [(r"(\n\s*replay_window = )7\n", rf"\g<1>{REPLAY_WINDOW}\n"),
            (r"(\n\s*store = )local\n", rf"\g<1>{store}\n"),
            (r"(\n\s*on_unavailable = )fail\n", rf"\g<1>{on_unavailable}\n"),
            (r'(\n\s*secret = )""\n', rf'\g<1>"{CACHE_SECRET}"\n'),
            (r"(\n\s*port = )6379\n", rf"\g<1>{REDIS_PORT}\n"),
            # 2 cores shared by several test runs: redis-server is sometimes not scheduled for
            # 300 ms (the shipped timeout), which is an outage by the policy, not what is tested.
            (r"(\n\s*timeout = )300\n", r"\g<1>1000\n")]
    if sentinels:
        subs.append((r'(\n\s*sentinels = )""\n', rf'\g<1>"{sentinels}"\n'))
    for pattern, repl in subs:
        conf, n = re.subn(pattern, repl, conf, count=1)
        if n != 1:
            raise SystemExit(f"FAIL cannot set {pattern} in mods-available/mipkey")
    with open(os.path.join(DIR[server], "raddb", "mods-enabled", "mipkey"), "w") as f:
        f.write(conf)


def radiusd(action, server):
    rc = subprocess.run(["bash", "-c", f'source tests/lib/radiusd.sh && radiusd_{action} "$1"', "x", DIR[server]],
                        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if rc.returncode != 0:
        print(rc.stdout.decode(errors="replace"))
    return rc.returncode == 0


def restart(server, store, on_unavailable="fail", sentinels=None):
    configure(server, store, on_unavailable, sentinels)
    radiusd("stop", server)
    return radiusd("start", server)


def radiusd_pid(server):
    with open(os.path.join(DIR[server], "run", "bgpid")) as f:
        return int(f.read().strip())


def log_text(server):
    with open(os.path.join(DIR[server], "log", "radius.log"), errors="replace") as f:
        return f.read()


def cpu_ticks(pid):
    """(utime, stime) of a process, clock ticks (fields 14, 15 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


REDIS_DIR = os.path.join(WORK, "redis")


def redis_start(port=REDIS_PORT, name="redis", conf_file=None, extra=()):
    """redis-server on loopback, no persistence; its PID in REDIS_DIR/NAME.pid (the shell's trap)."""
    os.makedirs(REDIS_DIR, exist_ok=True)
    args = ["redis-server"] + ([conf_file] if conf_file else []) + [
        "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "no", "--dir", REDIS_DIR,
        "--logfile", os.path.join(REDIS_DIR, name + ".log")]
    if name != "sentinel":
        args += ["--save", "", "--appendonly", "no", "--protected-mode", "yes"]
    proc = subprocess.Popen(args + list(extra), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    with open(os.path.join(REDIS_DIR, name + ".pid"), "w") as f:
        f.write(str(proc.pid))
    for _ in range(200):
        try:
            if redis_cmd("PING", port=port) == "PONG":
                return proc
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"FAIL {name} did not start")


def redis_kill(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def redis_cmd(*args, port=REDIS_PORT):
    """A minimal RESP client: one command, its reply (bytes, str, int, list or None)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    try:
        msg = b"*%d\r\n" % len(args) + b"".join(
            b"$%d\r\n%s\r\n" % (len(a), a) for a in (x if isinstance(x, bytes) else str(x).encode() for x in args))
        s.sendall(msg)
        f = s.makefile("rb")
        return _resp(f)
    finally:
        s.close()


def _resp(f):
    line = f.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2]
    if kind == b"*":
        return [_resp(f) for _ in range(int(rest))]
    raise RuntimeError("bad RESP reply %r" % line)


# --- the home agent under load ------------------------------------------------------------------------

class HomeAgent:
    """Steady load, failing over as a home agent does: each request goes to the first server
    not marked dead; no answer within TIMEOUT (or port unreachable) -> sent again, up to TRIES
    times, then the server is marked dead for DEAD_TIME and the same Access-Request (same
    Request Authenticator, as FreeRADIUS's proxy does) goes to the next server."""
    TIMEOUT, TRIES, DEAD_TIME = 0.5, 2, 30.0

    def __init__(self, servers, spread=False):
        self.servers = servers
        self.spread = spread  # requests 2k, 2k+1 start at server k mod n: one home agent per primary
        self.dead_until = {s: 0.0 for s in servers}
        self.records = []  # (t_send, expect, outcome, t_answer, server)
        self.inflight = []

    def pick(self, now, after=None, first=0):
        servers = self.servers[first:] + self.servers[:first]
        order = servers if after is None else servers[servers.index(after) + 1:]
        for s in order:
            if self.dead_until[s] <= now:
                return s
        return None

    def _send(self, r, server, now):
        if r.get("sock"):
            r["sock"].close()
        r["server"], r["tries"], r["deadline"] = server, 1, now + self.TIMEOUT
        r["sock"] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        r["sock"].connect(("127.0.0.1", PORT[server]))
        try:
            r["sock"].send(r["pkt"])
        except OSError:
            r["deadline"] = now

    def _next(self, r, now):
        """This server gave no answer: mark it dead, on to the next one (or give up)."""
        self.dead_until[r["server"]] = now + self.DEAD_TIME
        nxt = self.pick(now, after=r["server"], first=r["first"])
        if nxt is None:
            self._done(r, "none", now)
        else:
            self._send(r, nxt, now)

    def _done(self, r, what, now):
        r["sock"].close()
        self.inflight.remove(r)
        self.records.append((r["t0"], r["expect"], what, now, r["server"]))

    def run(self, reqs, rate, events=None):
        """reqs: (expect, request) to send at rate per second; events: {time offset: callable}."""
        events = dict(events or {})
        t_start = time.time()
        i = 0
        while i < len(reqs) or self.inflight:
            now = time.time()
            for off in sorted(events):
                if now - t_start >= off:
                    events.pop(off)()
            if i < len(reqs) and now >= t_start + i / rate:
                expect, req = reqs[i]
                pkt, auth = packet(i & 0xff, req["attrs"])
                first = (i // 2) % len(self.servers) if self.spread else 0
                r = {"t0": now, "expect": expect, "pkt": pkt, "auth": auth, "sock": None, "first": first}
                server = self.pick(now, first=first) or self.servers[first]
                self.inflight.append(r)
                self._send(r, server, now)
                i += 1
            socks = [r["sock"] for r in self.inflight]
            wait = min([r["deadline"] for r in self.inflight] + [t_start + i / rate if i < len(reqs) else now + 0.05])
            rd, _, _ = select.select(socks, [], [], max(0.0, min(wait - time.time(), 0.05)))
            now = time.time()
            for r in list(self.inflight):
                if r["sock"] in rd:
                    try:
                        data = r["sock"].recv(4096)
                    except ConnectionRefusedError:  # ICMP port unreachable: nothing listens there
                        self._next(r, now)
                        continue
                    rep = parse_reply(data, r["auth"])
                    if rep and data[1] == r["pkt"][1]:
                        self._done(r, outcome(rep), now)
                elif now >= r["deadline"]:
                    if r["tries"] < self.TRIES:
                        r["tries"] += 1
                        r["deadline"] = now + self.TIMEOUT
                        try:
                            r["sock"].send(r["pkt"])
                        except OSError:
                            pass
                    else:
                        self._next(r, now)
        return t_start


def wrong_answers(records):
    """Accepts of wrong passwords; any Access-Reject of a right one (a password error E=691, a
    replay refusal, or a reject without MS-CHAP-Error)."""
    bad = []
    for t0, expect, what, t1, server in records:
        if expect == "wrong" and what == "accept":
            bad.append((t0, expect, what, server))
        if expect == "right" and what in ("reject_E=691", "replayed", "fail"):
            bad.append((t0, expect, what, server))
    return bad


def load(n, rate):
    right = make_requests((n + 1) // 2, RIGHT)
    wrong = make_requests(n // 2, WRONG)
    out = []
    for i in range(n):
        out.append(("right", right[i // 2]) if i % 2 == 0 else ("wrong", wrong[i // 2]))
    return out


# --- the phases -----------------------------------------------------------------------------------------

def phase_local():
    if not (restart("A", "local") and restart("B", "local")):
        check("local store: both servers start", False)
        return
    req = make_requests(1, RIGHT)[0]
    rep = send("A", req)
    check("local: a fresh Registration Request to A: Access-Accept", outcome(rep) == "accept", outcome(rep))
    check("local: its MS-CHAP2-Success is the reference's", rep is not None and rep["success"] == expected_success(req, RIGHT),
          str(rep and rep["success"]))
    rep = send("A", req)
    check("local: the same request again to A (new Access-Request): refused as a replay",
          outcome(rep) == "replayed", outcome(rep))
    rep = send("B", req)
    check("local: the same request to B: answered (a local store is not shared)", outcome(rep) == "accept", outcome(rep))

    # The same RADIUS packet again (same Request Authenticator) to the same server.
    req = make_requests(1, RIGHT)[0]
    pkt, auth = packet(7, req["attrs"])
    first, again = exchange("A", pkt, auth), exchange("A", pkt, auth)
    check("local: the very same Access-Request twice to A: accept, then refused",
          (outcome(first), outcome(again)) == ("accept", "replayed"), f"{outcome(first)}, {outcome(again)}")

    # Same NAI and Identification, another care-of address: a new MS-CHAPv2 response, the RRQ repeated.
    ident = ((int(time.time()) + NTP_UNIX_OFFSET) << 32) | 0x1234
    r1 = make_requests(1, RIGHT, identification=ident)[0]
    r2 = make_requests(1, RIGHT, identification=ident, care_of="198.51.100.77")[0]
    o1, o2 = outcome(send("A", r1)), outcome(send("A", r2))
    check("local: same NAI + Identification with a new challenge and response: refused",
          (o1, o2) == ("accept", "replayed"), f"{o1}, {o2}")

    # A wrong password is not remembered: it stays a password error.
    w = make_requests(1, WRONG)[0]
    o1, o2 = outcome(send("A", w)), outcome(send("A", w))
    check("local: a wrong password twice: E=691 both times (only verified requests are remembered)",
          (o1, o2) == ("reject_E=691", "reject_E=691"), f"{o1}, {o2}")
    check("local: the replays are logged", "replayed request" in log_text("A"))


def phase_redis():
    if not (restart("A", "redis") and restart("B", "redis")):
        check("redis store: both servers start", False)
        return False
    req = make_requests(1, RIGHT)[0]
    o1, o2 = outcome(send("A", req)), outcome(send("B", req))
    check("redis: accepted by A, the replay to B refused", (o1, o2) == ("accept", "replayed"), f"{o1}, {o2}")
    o3 = outcome(send("A", req))
    check("redis: ... and refused by A too", o3 == "replayed", o3)

    keys = redis_cmd("KEYS", "mipkey:replay:*")
    check("redis: two keys per request (MS-CHAPv2 tuple, RRQ Identification)", len(keys) == 2, str(keys))
    blob = b"".join(keys) + b"".join(redis_cmd("GET", k) or b"" for k in keys)
    clear = [USER.encode(), req["challenge"], req["nt_response"], req["challenge"].hex().encode(),
             req["nt_response"].hex().encode(), req["rrq"][12:20]]
    check("redis: no name, challenge, NT-Response or Identification in clear in Redis",
          not any(c in blob for c in clear))
    ttl = [redis_cmd("PTTL", k) for k in keys]
    retention = 2 * REPLAY_WINDOW + 2
    check(f"redis: keys expire within the retention ({retention} s = 2 x replay_window + 2)",
          all(0 < t <= retention * 1000 for t in ttl), str(ttl))

    # The home agent failing over: the same Access-Request (same Request Authenticator).
    req = make_requests(1, RIGHT)[0]
    pkt, auth = packet(9, req["attrs"])
    oa, ob = outcome(exchange("A", pkt, auth)), outcome(exchange("B", pkt, auth))
    check("redis: the same Access-Request to A then to B (failover): both answered", (oa, ob) == ("accept", "accept"),
          f"{oa}, {ob}")
    pkt2, auth2 = packet(9, req["attrs"])
    oc = outcome(exchange("B", pkt2, auth2))
    check("redis: its content in a new Access-Request: refused", oc == "replayed", oc)

    # mipkey-client as the home agent; its first server is a port that passes the request to A
    # and drops A's answer: A accepts (and stores the tuple), the client never hears it and
    # fails over to B with the same Request Authenticator: B must answer, not refuse.
    dropped = []
    stop = threading.Event()

    def drop_answers():
        inner = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        outer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        outer.bind(("127.0.0.1", DROP_PORT))
        inner.connect(("127.0.0.1", PORT["A"]))
        while not stop.is_set():
            rd, _, _ = select.select([outer, inner], [], [], 0.1)
            if outer in rd:
                data, _ = outer.recvfrom(4096)
                inner.send(data)
            if inner in rd:
                data = inner.recv(4096)
                dropped.append(data[0])
        outer.close()
        inner.close()
    th = threading.Thread(target=drop_answers)
    th.start()
    time.sleep(0.1)
    t0 = time.time()
    rc = client([f"127.0.0.1:{DROP_PORT}", f"127.0.0.1:{PORT['B']}"])
    elapsed = time.time() - t0
    stop.set()
    th.join()
    check("redis: A accepted the request whose answer was lost", dropped[:1] == [2], str(dropped))
    check("redis: mipkey-client fails over to B with the same Request Authenticator: accepted, keys agree",
          rc.returncode == 0 and f'"server": "127.0.0.1:{PORT["B"]}"' in rc.stdout,
          f"exit {rc.returncode}: {rc.stdout[:300]} {rc.stderr[:300]}")
    figure(f"mipkey-client failover after a lost answer: {1000 * elapsed:.0f} ms "
           "(--timeout 0.3 --retries 2 on the first server)")
    return True


def client(servers):
    args = [CLIENT, "--secret", SECRET.decode(), "--nai", USER, "--password", RIGHT, "--mn-ha-spi", "301",
            "--timeout", "0.3", "--retries", "2", "--json"]
    for srv in servers:
        args += ["--server", srv]
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)


def phase_failover(how):
    """A killed (SIGKILL: the port answers "unreachable" at once) or frozen (SIGSTOP: silence,
    as a dead host; the home agent's timeouts decide) under load, home agents on A first."""
    if not restart("A", "redis"):
        check(f"failover ({how}): A starts", False)
        return
    reqs = load(400, 40.0)
    ha = HomeAgent(["A", "B"])
    pid_a = radiusd_pid("A")
    kill = {}

    def stop_a():
        kill["t"] = time.time()
        os.kill(pid_a, signal.SIGKILL if how == "killed" else signal.SIGSTOP)
    t_start = ha.run(reqs, 40.0, {4.0: stop_a})
    if how == "frozen":
        os.kill(pid_a, signal.SIGKILL)
        os.kill(pid_a, signal.SIGCONT)
    recs = ha.records
    bad = wrong_answers(recs)
    check(f"failover: A {how} under load (40 requests/s): no wrong answer", not bad, str(bad[:5]))
    if how == "killed":
        t0 = time.time()
        rc = client([f"127.0.0.1:{PORT['A']}", f"127.0.0.1:{PORT['B']}"])
        check("failover: mipkey-client --server A --server B with A dead: accepted by B, keys agree",
              rc.returncode == 0 and f'"server": "127.0.0.1:{PORT["B"]}"' in rc.stdout,
              f"exit {rc.returncode}: {rc.stderr[:300]}")
        figure(f"failover: mipkey-client with A dead (port unreachable): {1000 * (time.time() - t0):.0f} ms")
    unanswered = [r for r in recs if r[2] == "none"]
    check(f"failover: A {how}: every request answered", not unanswered, f"{len(unanswered)} unanswered")
    tk = kill.get("t", t_start)
    after = [r for r in recs if r[4] == "B" and r[2] == "accept" and r[3] >= tk]
    first_b = min((r[3] for r in after), default=None)
    inflight = [r for r in recs if r[0] < tk and r[3] >= tk]
    slowest = max((r[3] - r[0] for r in recs), default=0)
    check(f"failover: A {how}: B answers", first_b is not None)
    if first_b is not None:
        figure(f"failover (A {how}): first accept from B {1000 * (first_b - tk):.0f} ms after; "
               f"{len(inflight)} requests in flight then, all answered; slowest answer "
               f"{1000 * slowest:.0f} ms (home agent: timeout {HomeAgent.TIMEOUT} s x {HomeAgent.TRIES} tries)")
    counts = {}
    for r in recs:
        counts[(r[1], r[2])] = counts.get((r[1], r[2]), 0) + 1
    figure(f"failover (A {how}): outcomes " + ", ".join(f"{e}/{o}: {n}" for (e, o), n in sorted(counts.items())))


def phase_outage(policy):
    if not (restart("A", "redis", policy) and restart("B", "redis", policy)):
        check(f"redis outage ({policy}): both servers start", False)
        return None
    proc = redis_start_if_needed()
    marks = {s: len(log_text(s)) for s in ("A", "B")}
    reqs = load(360, 30.0)
    ha = HomeAgent(["A", "B"], spread=True)
    state = {"proc": proc}

    def kill_redis():
        state["t_kill"] = time.time()
        redis_kill(state["proc"])

    def restart_redis():
        state["proc"] = redis_start()
        state["t_up"] = time.time()
    ha.run(reqs, 30.0, {3.0: kill_redis, 7.0: restart_redis})
    recs = ha.records
    tk, tu = state["t_kill"], state["t_up"]
    during = [r for r in recs if tk + 0.05 < r[0] and r[3] < tu]
    after = [r for r in recs if r[0] >= tu]
    bad = [r for r in recs if r[1] == "wrong" and r[2] == "accept"]
    check(f"redis outage ({policy}): never an accept for a wrong password", not bad, str(bad[:5]))
    right_during = [r[2] for r in during if r[1] == "right"]
    wrong_during = [r[2] for r in during if r[1] == "wrong"]
    want = "accept" if policy == "accept" else "fail"
    check(f"redis outage ({policy}): right passwords while Redis is down: all '{want}'",
          right_during and all(o == want for o in right_during), str(sorted(set(right_during))))
    check(f"redis outage ({policy}): wrong passwords while Redis is down: E=691",
          wrong_during and all(o == "reject_E=691" for o in wrong_during), str(sorted(set(wrong_during))))
    first = min((r[3] for r in recs if r[1] == "right" and r[2] == "accept" and r[0] >= tu), default=None)
    if policy == "fail":
        rec = None if first is None else first - tu
        check("redis outage (fail): right passwords accepted again within 2 s of Redis being back",
              rec is not None and rec < 2.0, str(rec))
        if rec is not None:
            figure(f"redis outage (fail): recovery {1000 * rec:.0f} ms after redis-server answered PING again")
    right_after = [r[2] for r in after if r[1] == "right" and r[0] > tu + 2.0]
    check(f"redis outage ({policy}): after recovery, right passwords accepted",
          right_after and all(o == "accept" for o in right_after), str(sorted(set(right_after))))
    for s in ("A", "B"):
        text = log_text(s)[marks[s]:]
        down = len(re.findall(r"replay cache \(redis\) unavailable", text))
        up = len(re.findall(r"replay cache \(redis\) available again", text))
        check(f"redis outage ({policy}): server {s} logged the outage once and the recovery once",
              (down, up) == (1, 1), f"{down} outage lines, {up} recovery lines")
    return state["proc"]


_redis = {}


def redis_start_if_needed():
    try:
        if redis_cmd("PING") == "PONG":
            return _redis["proc"]
    except OSError:
        pass
    _redis["proc"] = redis_start()
    return _redis["proc"]


COST_INFLIGHT = int(os.environ.get("REPLAY_COST_INFLIGHT", "8"))


def cpu_run(server, reqs):
    """CPU ticks of the server for these right-password requests, COST_INFLIGHT in flight; and the accepts."""
    pid = radiusd_pid(server)
    before = cpu_ticks(pid)
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(COST_INFLIGHT)]
    for s in socks:
        s.connect(("127.0.0.1", PORT[server]))
    accepted, i, busy = 0, 0, {}
    n = len(reqs)
    t0 = time.time()
    while (i < n or busy) and time.time() - t0 < 60:
        for k, s in enumerate(socks):
            if k not in busy and i < n:
                pkt, auth = packet(i & 0xff, reqs[i]["attrs"])
                s.send(pkt)
                busy[k] = auth
                i += 1
        rd, _, _ = select.select([socks[k] for k in busy], [], [], 2.0)
        if not rd:
            break
        for k in list(busy):
            if socks[k] in rd:
                o = outcome(parse_reply(socks[k].recv(4096), busy.pop(k)))
                accepted += o == "accept"
                if o != "accept":
                    print(f"cost: {server}: a right password got {o}")
    for s in socks:
        s.close()
    after = cpu_ticks(pid)
    return (after[0] - before[0], after[1] - before[1]), accepted


def phase_cost():
    """A with store = local and B with store = redis, same configuration otherwise, fed
    alternately in rounds, so that both see the same machine (the other engineers' load)."""
    rounds = int(os.environ.get("REPLAY_COST_ROUNDS", "10"))
    per_round = 200
    servers = {"A": "local", "B": "redis"}
    for server, store in servers.items():
        if not restart(server, store):
            check(f"cost: {server} starts with store {store}", False)
            return
        cpu_run(server, make_requests(50, RIGHT))  # warm-up: LDAP connections, threads
    user = {"A": 0, "B": 0}
    system = {"A": 0, "B": 0}
    accepted = {"A": 0, "B": 0}
    for _ in range(rounds):
        for server in servers:
            (u, sy), a = cpu_run(server, make_requests(per_round, RIGHT))
            user[server] += u
            system[server] += sy
            accepted[server] += a
    ticks = {k: user[k] + system[k] for k in user}
    n = rounds * per_round
    for server, store in servers.items():
        check(f"cost: store {store}: {n} right-password requests accepted", accepted[server] == n,
              f"{accepted[server]} of {n}")
    hz = os.sysconf("SC_CLK_TCK")
    per = {servers[s]: 1e6 * t / hz / n for s, t in ticks.items()}
    ratio = ticks["B"] / ticks["A"] if ticks["A"] else float("inf")
    us = {servers[k]: (1e6 * user[k] / hz / n, 1e6 * system[k] / hz / n) for k in user}
    figure(f"cost: server CPU per request: local {per['local']:.0f} us (user {us['local'][0]:.0f} + system "
           f"{us['local'][1]:.0f}), redis {per['redis']:.0f} us (user {us['redis'][0]:.0f} + system "
           f"{us['redis'][1]:.0f}), utime+stime over {n} requests each, {rounds} alternating rounds: "
           f"redis/local = {ratio:.2f}")
    # The target is +20% (the figure above); on loopback the Redis round trip's TCP work is
    # charged to the server and the ratio measured here is 1.2 +- 0.03 on 2 shared cores, so
    # the check is a guard against a regression (a second round trip, a connection per
    # request), not the target itself.
    check("cost: the redis store costs at most +50% server CPU per request over local (regression guard)",
          ratio <= 1.50, f"{ratio:.2f}")


def phase_sentinel():
    """Redis primary (the usual port), a replica and one Sentinel (quorum 1); both servers find
    the primary through the Sentinel. The primary is killed under load: the Sentinel promotes
    the replica, the servers follow it; a request stored before is still refused after."""
    primary = redis_start_if_needed()
    replica = redis_start(REPLICA_PORT, "replica", extra=("--replicaof", "127.0.0.1", str(REDIS_PORT)))
    conf = os.path.join(REDIS_DIR, "sentinel.conf")
    with open(conf, "w") as f:
        f.write(f"sentinel monitor mipkey 127.0.0.1 {REDIS_PORT} 1\n"
                "sentinel down-after-milliseconds mipkey 500\n"
                "sentinel failover-timeout mipkey 5000\n")
    sentinel = redis_start(SENTINEL_PORT, "sentinel", conf_file=conf, extra=("--sentinel",))
    procs = {"replica": replica, "sentinel": sentinel}
    try:
        deadline = time.time() + 20
        while time.time() < deadline and not redis_cmd("SENTINEL", "replicas", "mipkey", port=SENTINEL_PORT):
            time.sleep(0.2)
        check("sentinel: the Sentinel sees the replica", bool(redis_cmd("SENTINEL", "replicas", "mipkey",
                                                                       port=SENTINEL_PORT)))
        if not (restart("A", "redis", "fail", f"127.0.0.1:{SENTINEL_PORT}") and
                restart("B", "redis", "fail", f"127.0.0.1:{SENTINEL_PORT}")):
            check("sentinel: both servers start", False)
            return
        before = make_requests(1, RIGHT)[0]
        o = outcome(send("A", before))
        check("sentinel: a request through the Sentinel's primary: accepted", o == "accept", o)
        redis_cmd("WAIT", "1", "1000")  # replicated before the primary dies
        reqs = load(300, 30.0)
        ha = HomeAgent(["A", "B"], spread=True)
        state = {}

        def kill_primary():
            state["t"] = time.time()
            redis_kill(primary)
        ha.run(reqs, 30.0, {3.0: kill_primary})
        recs = ha.records
        bad = [r for r in recs if r[1] == "wrong" and r[2] == "accept"]
        check("sentinel: never an accept for a wrong password", not bad, str(bad[:5]))
        odd = [r for r in recs if r[1] == "right" and r[2] not in ("accept", "fail")]
        check("sentinel: right passwords: accepted, or refused (on_unavailable = fail) during the switch",
              not odd, str(odd[:5]))
        tk = state["t"]
        first = min((r[3] for r in recs if r[1] == "right" and r[2] == "accept" and r[0] > tk + 0.6), default=None)
        fails = [r for r in recs if r[1] == "right" and r[2] == "fail"]
        last_fail = max((r[3] for r in fails), default=tk)
        check("sentinel: right passwords accepted again after the promotion", first is not None)
        if first is not None:
            figure(f"sentinel: primary killed; first accept again {1000 * (first - tk):.0f} ms after, last "
                   f"refusal answered {1000 * (last_fail - tk):.0f} ms after ({len(fails)} right-password "
                   f"requests refused; down-after-milliseconds 500)")
        role = redis_cmd("ROLE", port=REPLICA_PORT)
        check("sentinel: the replica was promoted", role and role[0] == b"master", str(role and role[0]))
        o = outcome(send("B", before))
        check("sentinel: a request stored before the failover is still refused after it", o == "replayed", o)
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()


def main():
    redis_start_if_needed()
    phase_local()
    only = os.environ.get("REPLAY_ONLY", "")
    if phase_redis():
        if not only or "failover" in only:
            phase_failover("killed")
            phase_failover("frozen")
        if not only or "outage" in only:
            _redis["proc"] = phase_outage("fail") or _redis.get("proc")
            _redis["proc"] = phase_outage("accept") or _redis.get("proc")
        if not only or "cost" in only:
            phase_cost()
        if not only or "sentinel" in only:
            phase_sentinel()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        p = _redis.get("proc")
        if p and p.poll() is None:
            p.kill()
