# SPDX-License-Identifier: GPL-2.0-or-later
"""Steady MS-CHAPv2 and Status-Server traffic against FreeRADIUS, one record per request.

    loadgen.py run OUT SECONDS SECRET STREAM...     # sends, then waits for the late answers
    loadgen.py report OUT EVENTS [--wait S]         # per-second table and the checks

STREAM is LABEL,PORT,KIND,RATE[,USER,RIGHT_PASSWORD,WRONG_PASSWORD]:
KIND "mschap" alternates a right and a wrong password (User-Name USER, MS-CHAP-Challenge,
MS-CHAP2-Response, Message-Authenticator); KIND "status" sends Status-Server. RATE is
requests per second. The MS-CHAPv2 values come from mschap_ref (independent of the module),
precomputed once: a request is a fresh RADIUS packet (new identifier and authenticator)
around one of a few precomputed challenge/response pairs.

Every reply is checked (Response Authenticator, then the code): outcomes are "accept",
"reject E=NNN" (MS-CHAP-Error present), "fail" (Access-Reject without MS-CHAP-Error) and
"none" (no answer within the wait, 12 s). OUT gets one line per request:
    send_time stream expect outcome latency
expect is "right", "wrong" or "status"; latency is "-" for "none".

EVENTS (written by the fault script): lines "TIME WHAT [STREAM...]": "down STREAMS" starts an
outage of the backends of those streams, "up STREAMS" is when the backend answers again.
report prints the per-second table and these checks, one PASS/FAIL line each:
  * no wrong answer: never an accept for a wrong password, never a password error
    (E=691) for a right password;
  * recovery: after each "up", the first accept of a right password on each of its streams
    comes within --recovery seconds (default 2);
  * latency: every request is answered within --max-latency seconds (default: no check);
  * streams in --prompt (e.g. the control list and Status-Server) answer every request
    within --prompt-latency seconds (default 1).
"""
import hashlib
import hmac
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mschap_ref  # noqa: E402

WAIT = 12.0
VECTORS = 4


def _attr(t, value):
    return bytes([t, 2 + len(value)]) + value


def _ms_vsa(t, value):
    return _attr(26, struct.pack("!I", 311) + bytes([t, 2 + len(value)]) + value)


def build(code, ident, secret, attrs):
    """A request with a Message-Authenticator (RFC 3579 3.2); returns (packet, authenticator)."""
    auth = os.urandom(16)
    body = attrs + _attr(80, b"\x00" * 16)
    hdr = struct.pack("!BBH", code, ident, 20 + len(body)) + auth
    mac = hmac.new(secret, hdr + body, hashlib.md5).digest()
    return hdr + body[:-16] + mac, auth


def parse_reply(data, req_auth, secret):
    """(code, ident, ms_chap_error or None), or None when the reply does not verify."""
    if len(data) < 20:
        return None
    code, ident, length = struct.unpack("!BBH", data[:4])
    if length > len(data) or length < 20:
        return None
    data = data[:length]
    expect = hashlib.md5(data[:4] + req_auth + data[20:] + secret).digest()
    if not hmac.compare_digest(expect, data[4:20]):
        return None
    err, i = None, 20
    while i + 2 <= length:
        t, alen = data[i], data[i + 1]
        if alen < 2:
            return None
        v = data[i + 2:i + alen]
        if t == 26 and len(v) >= 6 and struct.unpack("!I", v[:4])[0] == 311 and v[4] == 2:
            err = v[7:v[5]].decode("latin-1")  # skip the ident octet
        i += alen
    return code, ident, err


class Stream:
    def __init__(self, spec, secret):
        f = spec.split(",")
        self.label, self.port, self.kind, self.rate = f[0], int(f[1]), f[2], float(f[3])
        self.secret = secret
        self.vectors = []  # (expect, attrs)
        if self.kind == "mschap":
            user, right, wrong = f[4], f[5], f[6]
            for n in range(VECTORS):
                for expect, pw in (("right", right), ("wrong", wrong)):
                    r = mschap_ref.compute(user, os.urandom(16), os.urandom(16), password=pw, ident=0x2a)
                    attrs = (_attr(1, user.encode()) + _ms_vsa(11, bytes.fromhex(r["challenge"]))
                             + _ms_vsa(25, bytes.fromhex(r["ms_chap2_response"])))
                    self.vectors.append((expect, attrs))
        elif self.kind != "status":
            raise SystemExit(f"unknown stream kind {self.kind}")
        self.socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(4)]
        for s in self.socks:
            s.connect(("127.0.0.1", self.port))
        self.sent = 0
        self.pending = {}  # (sock index, ident) -> (t_send, expect, req_auth)

    def send(self, now):
        si = (self.sent // 200) % len(self.socks)
        ident = self.sent % 200
        key = (si, ident)
        if key in self.pending:  # identifier still in flight after 4 x 200 requests: give up on it
            t0, expect, _ = self.pending.pop(key)
            yield (t0, expect, "none", None)
        if self.kind == "status":
            expect, code, attrs = "status", 12, b""
        else:
            expect, attrs = self.vectors[self.sent % len(self.vectors)]
            code = 1
        pkt, auth = build(code, ident, self.secret, attrs)
        self.socks[si].send(pkt)
        self.pending[key] = (now, expect, auth)
        self.sent += 1

    def receive(self, si, now):
        try:
            data = self.socks[si].recv(4096)
        except OSError:
            return None
        if len(data) < 2 or (si, data[1]) not in self.pending:
            return None
        t0, expect, auth = self.pending[(si, data[1])]
        r = parse_reply(data, auth, self.secret)
        if r is None:
            return None
        del self.pending[(si, data[1])]
        code, _, err = r
        if code == 2:
            outcome = "accept"
        elif code == 3:
            outcome = "reject_E=" + err.split()[0][2:] if err and err.startswith("E=") else "fail"
        else:
            outcome = f"code{code}"
        return (t0, expect, outcome, now - t0)


def run(out, seconds, secret, specs):
    streams = [Stream(s, secret.encode()) for s in specs]
    fds = {}
    for st in streams:
        for i, s in enumerate(st.socks):
            fds[s.fileno()] = (st, i)
    f = open(out, "w", buffering=1)

    def record(st, rec):
        t0, expect, outcome, lat = rec
        f.write(f"{t0:.3f} {st.label} {expect} {outcome} {'-' if lat is None else f'{lat:.3f}'}\n")

    start = time.time()
    nxt = {st.label: start for st in streams}
    end = start + seconds
    while True:
        now = time.time()
        if now < end:
            for st in streams:
                while nxt[st.label] <= now:
                    for rec in st.send(now) or ():
                        record(st, rec)
                    nxt[st.label] += 1.0 / st.rate
        # expire the requests that waited too long
        for st in streams:
            for key, (t0, expect, _) in list(st.pending.items()):
                if now - t0 > WAIT:
                    del st.pending[key]
                    record(st, (t0, expect, "none", None))
        if now >= end and not any(st.pending for st in streams):
            break
        wake = min(nxt.values()) if now < end else now + 0.1
        r, _, _ = select.select(list(fds), [], [], max(0.0, min(wake - now, 0.1)))
        now = time.time()
        for fd in r:
            st, i = fds[fd]
            rec = st.receive(i, now)
            if rec:
                record(st, rec)
    f.close()


def report(out, events, args):
    opts = {"--recovery": 2.0, "--max-latency": None, "--prompt": "", "--prompt-latency": 1.0}
    i = 0
    while i < len(args):
        opts[args[i]] = args[i + 1]
        i += 2
    recovery = float(opts["--recovery"])
    max_lat = float(opts["--max-latency"]) if opts["--max-latency"] else None
    prompt = set(x for x in opts["--prompt"].split(",") if x)
    prompt_lat = float(opts["--prompt-latency"])

    recs = []
    for line in open(out):
        t, st, expect, outcome, lat = line.split()
        recs.append((float(t), st, expect, outcome, None if lat == "-" else float(lat)))
    recs.sort()
    evs = []
    for line in open(events):
        p = line.split()
        evs.append((float(p[0]), p[1], p[2:]))
    if not recs:
        print("FAIL faults: no request recorded")
        return 1
    t_start = recs[0][0]
    streams = sorted(set(r[1] for r in recs))
    failed = 0

    def check(ok, msg):
        nonlocal failed
        print(("PASS " if ok else "FAIL ") + msg)
        if not ok:
            failed += 1

    # Per second and per stream: accepts, rejects by error, fails, no answers.
    # rcvd: answers received in that second, all streams (0 = the server was silent);
    # maxlat: the slowest answer to a request sent in that second, all streams.
    print("second  " + "  ".join(f"{s:>28}" for s in streams) + "   rcvd maxlat   events")
    print("        " + "  ".join(f"{'acc rej691 oth fail none':>28}" for s in streams))
    rcvd = {}
    for r in recs:
        if r[4] is not None:
            k = int(r[0] + r[4] - t_start)
            rcvd[k] = rcvd.get(k, 0) + 1
    last = int(recs[-1][0] - t_start)
    for sec in range(last + 1):
        cells = []
        for s in streams:
            c = {"accept": 0, "reject_E=691": 0, "other": 0, "fail": 0, "none": 0}
            for r in recs:
                if r[1] == s and int(r[0] - t_start) == sec:
                    k = r[3] if r[3] in c else "other"
                    if r[2] == "status" and r[3] == "accept":
                        k = "accept"
                    c[k] += 1
            cells.append(f"{c['accept']:>7} {c['reject_E=691']:>6} {c['other']:>3} {c['fail']:>4} {c['none']:>4}")
        ev = " ".join(f"{w} {','.join(x)}" for (t, w, x) in evs if int(t - t_start) == sec)
        lat = [r[4] for r in recs if int(r[0] - t_start) == sec]
        ml = "-" if not lat else ("none" if None in lat else f"{max(lat):.2f}")
        print(f"{sec:>6}  " + "  ".join(f"{c:>28}" for c in cells) + f"   {rcvd.get(sec, 0):>4} {ml:>6}"
              + ("   " + ev if ev else ""))

    # No wrong answer.
    wrong = [r for r in recs if (r[2] == "wrong" and r[3] == "accept") or (r[2] == "right" and r[3] == "reject_E=691")]
    for r in wrong[:10]:
        print(f"    wrong answer: {r[1]} {r[2]} password -> {r[3]} (sent at +{r[0] - t_start:.2f} s)")
    check(not wrong, f"no wrong answer in {len(recs)} requests ({len(wrong)} wrong)")

    # Recovery after each "up".
    for (t_up, what, targets) in evs:
        if what != "up":
            continue
        for s in targets:
            acc = [r for r in recs if r[1] == s and r[2] == "right" and r[3] == "accept" and r[0] >= t_up]
            if not acc:
                check(False, f"recovery of {s} after +{t_up - t_start:.1f} s: no accept at all")
                continue
            rt = acc[0][0] + acc[0][4] - t_up
            check(rt <= recovery, f"recovery of {s} after +{t_up - t_start:.1f} s: first accept after "
                  f"{rt:.2f} s (limit {recovery:g} s)")

    for s in streams:
        rs = [r for r in recs if r[1] == s]
        none = sum(1 for r in rs if r[4] is None)
        lats = sorted(r[4] for r in rs if r[4] is not None)
        mx = lats[-1] if lats else float("nan")
        outcomes = {}
        for r in rs:
            outcomes[r[3]] = outcomes.get(r[3], 0) + 1
        print(f"    {s}: {len(rs)} requests, " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
              + f", max latency {mx:.2f} s")
        if max_lat is not None:
            check(none == 0 and mx <= max_lat, f"{s}: every request answered within {max_lat:g} s "
                  f"({none} unanswered, slowest {mx:.2f} s)")
        if s in prompt:
            check(none == 0 and mx <= prompt_lat, f"{s}: every request answered within {prompt_lat:g} s "
                  f"({none} unanswered, slowest {mx:.2f} s)")
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 5 and argv[1] == "run":
        run(argv[2], float(argv[3]), argv[4], argv[5:])
        return 0
    if len(argv) >= 4 and argv[1] == "report":
        return report(argv[2], argv[3], argv[4:])
    print(__doc__, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
