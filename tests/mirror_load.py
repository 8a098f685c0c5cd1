#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The LDAP mirror at scale (not part of tests/run: a few minutes and CPU-heavy; run under
nice). A private slapd (syncprov) with N generated users (default 100,000, loaded with
slapadd), a private freeradius started twice on the same directory, mirror = no then
mirror = yes:

- first load: the refresh time the module logs, and the time from freeradius's start to
  "mirror in sync";
- memory: freeradius's RSS with the mirror loaded minus its RSS without the mirror, per entry,
  and the size of the mirror's tables (its own count);
- with --throughput SECONDS: radclient -p 32 over 64 distinct users for SECONDS per pipeline,
  rlm_mipkey with the mirror and with one search per request (mirror = no), and, when Debian's
  freeradius-ldap is installed, stock rlm_ldap + rlm_mschap on the same directory; req/s and
  server CPU per request (freeradius + slapd, utime + stime from /proc).

Usage: nice -n 19 tests/mirror_load.py [--users N] [--throughput SECONDS]
Ports: MIRROR_LDAP_PORT (38977), MIRROR_RADIUS_PORT (38971: the mirror; +2: mirror = no;
+4: stock). The three servers run side by side; the load alternates between them in rounds.
"""
import argparse
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
import mschap_ref  # noqa: E402

LDAP_PORT = os.environ.get("MIRROR_LDAP_PORT", "38977")
RADIUS_PORT = os.environ.get("MIRROR_RADIUS_PORT", "38971")
SECRET = "mirror-load-secret"
PW = "loadPass-1"
SUFFIX = "dc=mipkey,dc=test"
PEOPLE = "ou=people," + SUFFIX
WORK = tempfile.mkdtemp(prefix="mipkey-mirror-load.")
SLAPD_DIR = os.path.join(WORK, "slapd")
RADIUS_DIR = os.path.join(WORK, "radiusd")
RADIUS_DIR_SEARCH = os.path.join(WORK, "radiusd-search")
PORT_MIRROR, PORT_SEARCH, PORT_STOCK = RADIUS_PORT, str(int(RADIUS_PORT) + 2), str(int(RADIUS_PORT) + 4)
LIBS = f"source {HERE}/lib/slapd.sh && source {HERE}/lib/radiusd.sh"
TICK = os.sysconf("SC_CLK_TCK")


def sh(cmd):
    return subprocess.run(["bash", "-c", f"{LIBS} && {cmd}"], capture_output=True, text=True)


def cleanup(*_):
    sh(f"radiusd_stop {RADIUS_DIR}; radiusd_stop {RADIUS_DIR_SEARCH}; slapd_stop {SLAPD_DIR}")
    stock_stop()
    if os.environ.get("KEEP_WORK") != "1":
        shutil.rmtree(WORK, ignore_errors=True)


def on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M).group(1))


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def pid_of(path):
    with open(path) as f:
        return int(f.read().strip())


def edit(path, fn):
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(fn(text))


def start_radiusd(d):
    r = sh(f"radiusd_start {d}")
    if r.returncode != 0:
        sys.exit("freeradius did not start: " + r.stderr)
    return pid_of(os.path.join(d, "run", "bgpid"))


def request_file(path, users):
    """One MS-CHAPv2 request per user (mschap_ref), blank-line separated, for radclient -f."""
    with open(path, "w") as f:
        for u in users:
            ref = mschap_ref.compute(u, os.urandom(16), os.urandom(16), password=PW, ident=0x2a)
            f.write(f'User-Name = "{u}"\nMS-CHAP-Challenge = 0x{ref["challenge"]}\n'
                    f'MS-CHAP2-Response = 0x{ref["ms_chap2_response"]}\n\n')


def load(port, reqfile, seconds, pids):
    """radclient -p 32 over the request file, repeated until SECONDS have passed; returns
    [requests, accepted, rejected, lost, wall seconds, CPU seconds of each pid]."""
    c0 = [cpu_s(p) for p in pids]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    res = [0, 0, 0, 0]
    while time.monotonic() - t0 < seconds:
        r = subprocess.run(["radclient", "-q", "-s", "-p", "32", "-r", "1", "-t", "5", "-c", "20", "-f", reqfile,
                            f"127.0.0.1:{port}", "auth", SECRET], capture_output=True, text=True)
        out = r.stdout + r.stderr
        got = [int(m.group(1)) if m else 0 for m in
               (re.search(rf"{k}\s*:\s*(\d+)", out) for k in ("Accepted", "Rejected", "Lost"))]
        res[0] += sum(got)
        for i in range(3):
            res[1 + i] += got[i]
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime
    return res + [time.monotonic() - t0] + [cpu_s(p) - c for p, c in zip(pids, c0)] + [client]


STOCK = {}


def stock_stop():
    pid = STOCK.get("pid")
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)
            time.sleep(1)
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        STOCK.clear()


def stock_libdir():
    """Where rlm_ldap.so is: installed, or Debian's freeradius-ldap package unpacked in WORK
    (apt-get download; nothing installed on the host)."""
    if os.path.exists("/usr/lib/freeradius/rlm_ldap.so"):
        return "/usr/lib/freeradius"
    deb = os.path.join(WORK, "deb")
    os.makedirs(deb, exist_ok=True)
    subprocess.run(["apt-get", "download", "freeradius-ldap"], cwd=deb, capture_output=True)
    pkgs = [f for f in os.listdir(deb) if f.endswith(".deb")]
    if not pkgs:
        return None
    subprocess.run(["dpkg-deb", "-x", os.path.join(deb, pkgs[0]), os.path.join(deb, "root")], check=True)
    return os.path.join(deb, "root", "usr", "lib", "freeradius") + ":/usr/lib/freeradius"


def stock_start(port, libdir):
    """Stock FreeRADIUS: rlm_ldap (Debian's freeradius-ldap) + rlm_mschap on the same directory."""
    d = os.path.join(WORK, "stock")
    os.makedirs(os.path.join(d, "log"), exist_ok=True)
    with open(os.path.join(d, "radiusd.conf"), "w") as f:
        f.write(f"""
prefix = /usr
localstatedir = {d}
logdir = {d}/log
run_dir = {d}
libdir = {libdir}
pidfile = {d}/radiusd.pid
max_request_time = 30
max_requests = 65536
log {{
	destination = files
	file = {d}/log/radius.log
}}
security {{
	allow_core_dumps = no
	status_server = yes
}}
thread pool {{
	start_servers = 5
	max_servers = 32
	max_requests_per_server = 0
	min_spare_servers = 3
	max_spare_servers = 10
}}
client localhost {{
	ipaddr = 127.0.0.1
	secret = {SECRET}
}}
modules {{
	ldap {{
		server = "127.0.0.1"
		port = {LDAP_PORT}
		identity = "cn=radius,{SUFFIX}"
		password = "radius-secret"
		base_dn = "{PEOPLE}"
		user {{
			base_dn = "{PEOPLE}"
			filter = "(uid=%{{%{{Stripped-User-Name}}:-%{{User-Name}}}})"
		}}
		update {{
			control:NT-Password := 'sambaNTPassword'
		}}
		pool {{
			start = 5
			min = 4
			max = 40
			spare = 3
			uses = 0
			retry_delay = 1
			lifetime = 0
			idle_timeout = 0
		}}
	}}
	mschap {{
	}}
	# Normalises the hex NT-Password from LDAP, as in Debian's default site.
	pap {{
		normalise = yes
	}}
}}
server default {{
	listen {{
		type = auth
		ipaddr = 127.0.0.1
		port = {port}
	}}
	authorize {{
		ldap
		pap
		mschap
	}}
	authenticate {{
		Auth-Type MS-CHAP {{
			mschap
		}}
	}}
}}
""")
    with open(os.path.join(d, "dictionary"), "w") as f:
        f.write("")
    p = subprocess.Popen(["/usr/sbin/freeradius", "-f", "-d", d, "-n", "radiusd", "-l", os.path.join(d, "log", "radius.log")],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    STOCK["pid"] = p.pid
    for _ in range(100):
        r = subprocess.run(["radclient", "-q", "-r", "1", "-t", "0.2", f"127.0.0.1:{port}", "status", SECRET],
                           input="Message-Authenticator = 0x00\n", capture_output=True, text=True)
        if r.returncode == 0 or p.poll() is not None:
            break
        time.sleep(0.1)
    return p.pid if p.poll() is None else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=100000)
    ap.add_argument("--throughput", type=float, default=0, help="seconds of load per pipeline")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    n = args.users

    r = sh(f"slapd_setup {SLAPD_DIR}")
    if r.returncode != 0:
        sys.exit("slapd_setup: " + r.stderr)
    conf = os.path.join(SLAPD_DIR, "slapd.conf")
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(re.sub(r"\nmaxsize\s+\d+", "\nmaxsize 4294967296", text))
    nt = mschap_ref.nt_password_hash(PW).hex().upper()
    ldif = os.path.join(WORK, "users.ldif")
    with open(ldif, "w") as f:
        for i in range(n):
            f.write(f"dn: uid=mu{i:06d},{PEOPLE}\nobjectClass: top\nobjectClass: inetOrgPerson\n"
                    f"objectClass: sambaSamAccount\nuid: mu{i:06d}\ncn: mu{i:06d}\nsn: mu\n"
                    f"sambaSID: S-1-5-21-1111111111-2222222222-3333333333-{200000 + i}\n"
                    f"sambaNTPassword: {nt}\nsambaAcctFlags: [U          ]\n\n")
    t0 = time.monotonic()
    r = subprocess.run(["/usr/sbin/slapadd", "-q", "-f", conf, "-l", ldif], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("slapadd: " + r.stderr)
    print(f"slapadd of {n} users: {time.monotonic() - t0:.1f} s")
    r = sh(f"slapd_start {SLAPD_DIR} {LDAP_PORT}")
    if r.returncode != 0:
        sys.exit("slapd_start: " + r.stderr)
    slapd_pid = pid_of(os.path.join(SLAPD_DIR, "run", "slapd.bgpid"))

    # Two test servers on the same directory, mirror = no and mirror = yes, with only the main
    # site (the test sites would take the next ports), and as the stock server below: 32
    # threads, an LDAP pool of up to 40 (no request waits for a connection), no log line per request.
    for d, port, mirror in ((RADIUS_DIR_SEARCH, PORT_SEARCH, False), (RADIUS_DIR, PORT_MIRROR, True)):
        r = sh(f"radiusd_setup {d} {port} {LDAP_PORT} {SECRET}")
        if r.returncode != 0:
            sys.exit("radiusd_setup: " + r.stderr)
        for site in ("mipkey-control", "mipkey-hoa", "mipkey-aaa", "mipkey-eap-cpw"):
            os.unlink(os.path.join(d, "raddb", "sites-enabled", site))
        os.unlink(os.path.join(d, "raddb", "mods-enabled", "eap_cpw"))  # needs its site
        edit(os.path.join(d, "raddb", "radiusd.conf"),
             lambda t: re.sub(r"(\n\s*auth) = yes", r"\1 = no", re.sub(r"max_servers = \d+", "max_servers = 32", t)))
        edit(os.path.join(d, "raddb", "mods-enabled", "mipkey"),
             lambda t, mirror=mirror: re.sub(r"(\n\s*mirror = )no\n", rf"\g<1>{'yes' if mirror else 'no'}\n",
                                            re.sub(r"(\n\s*ldap \{.*?pool \{.*?\bmax = )\d+", r"\g<1>40", t,
                                                   count=1, flags=re.S), count=1))

    # mirror = no: the baseline RSS (the same module, the same configuration otherwise).
    pid_search = start_radiusd(RADIUS_DIR_SEARCH)
    time.sleep(3)
    rss_off = rss_kb(pid_search)
    cpu_off = cpu_s(pid_search)
    print(f"freeradius RSS, mirror = no: {rss_off} kB")

    log = os.path.join(RADIUS_DIR, "log", "radius.log")
    slapd_cpu0 = cpu_s(slapd_pid)
    t0 = time.monotonic()
    pid_mirror = start_radiusd(RADIUS_DIR)
    line = None
    while time.monotonic() - t0 < 600 and not line:
        with open(log, errors="replace") as f:
            line = next((ln for ln in f if "(mipkey) ldap: mirror in sync" in ln), None)
        time.sleep(0.05)
    t_sync = time.monotonic() - t0
    if not line:
        sys.exit("the mirror did not get in sync within 600 s")
    cpu_load = cpu_s(pid_mirror) - cpu_off
    slapd_load = cpu_s(slapd_pid) - slapd_cpu0
    print(line.strip())
    m = re.search(r"(\d+) entries, (\d+) names, (\d+) bytes of tables, refresh took ([\d.]+) s", line)
    entries, table_bytes, refresh = int(m.group(1)), int(m.group(3)), float(m.group(4))
    time.sleep(3)
    rss_on = rss_kb(pid_mirror)
    print(f"first load: {entries} entries, refresh {refresh:.3f} s (module's count), "
          f"{t_sync:.2f} s from freeradius start to in sync (start-up included); CPU: freeradius "
          f"{cpu_load:.2f} s (beyond a start without the mirror), slapd {slapd_load:.2f} s")
    print(f"freeradius RSS, mirror = yes: {rss_on} kB; +{rss_on - rss_off} kB = "
          f"{(rss_on - rss_off) * 1024 / entries:.0f} bytes per entry (RSS); tables "
          f"{table_bytes / entries:.0f} bytes per entry (module's count)")
    if not args.throughput:
        return

    pipelines = {"rlm_mipkey, mirror": (PORT_MIRROR, pid_mirror),
                 "rlm_mipkey, search per request": (PORT_SEARCH, pid_search)}
    libdir = stock_libdir()
    spid = stock_start(PORT_STOCK, libdir) if libdir else None
    if spid:
        pipelines["stock rlm_ldap + rlm_mschap"] = (PORT_STOCK, spid)
    else:
        print("stock rlm_ldap + rlm_mschap: not measured (no freeradius-ldap package, or it did not start)")
    users = [f"mu{i * (n // 64):06d}" for i in range(64)]
    reqfile = os.path.join(WORK, "requests.txt")
    request_file(reqfile, users)
    totals = {}
    for name, (port, pid) in pipelines.items():
        load(port, reqfile, 2, [pid, slapd_pid])  # warm-up
    # Rounds alternating the pipelines: the machine's other load falls on each alike.
    for _ in range(args.rounds):
        for name, (port, pid) in pipelines.items():
            r = load(port, reqfile, args.throughput / args.rounds, [pid, slapd_pid])
            totals[name] = [a + b for a, b in zip(totals.get(name, [0] * len(r)), r)]
    print(f"{args.rounds} rounds, radclient -p 32 over {len(users)} users; server CPU from /proc (utime + stime)")
    base = None
    for name, (req, acc, rej, lost, wall, cpu_fr, cpu_slapd, client) in totals.items():
        per = (cpu_fr + cpu_slapd) * 1e6 / max(1, req)
        base = base or per
        print(f"{name}: {req} requests ({acc} accepted, {rej} rejected, {lost} lost) in {wall:.1f} s = "
              f"{req / wall:.0f} req/s; CPU per request: freeradius {cpu_fr * 1e6 / max(1, req):.1f} us + "
              f"slapd {cpu_slapd * 1e6 / max(1, req):.1f} us = {per:.1f} us ({per / base:.2f}x the mirror's); "
              f"radclient {client * 1e6 / max(1, req):.1f} us CPU, {wall * 1e6 / max(1, req):.1f} us wall per request")


if __name__ == "__main__":
    try:
        main()
    finally:
        cleanup()
