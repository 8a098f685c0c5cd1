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
Ports: MIRROR_LDAP_PORT (38977), MIRROR_RADIUS_PORT (38971; the server uses it and the next 4).
"""
import argparse
import os
import re
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
LIBS = f"source {HERE}/lib/slapd.sh && source {HERE}/lib/radiusd.sh"
TICK = os.sysconf("SC_CLK_TCK")


def sh(cmd):
    return subprocess.run(["bash", "-c", f"{LIBS} && {cmd}"], capture_output=True, text=True)


def cleanup(*_):
    sh(f"radiusd_stop {RADIUS_DIR}; slapd_stop {SLAPD_DIR}")
    stock_stop()
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


def set_mirror(on):
    p = os.path.join(RADIUS_DIR, "raddb", "mods-enabled", "mipkey")
    with open(p) as f:
        conf = f.read()
    conf = re.sub(r"(\n\s*mirror = )(yes|no)\n", rf"\g<1>{'yes' if on else 'no'}\n", conf, count=1)
    with open(p, "w") as f:
        f.write(conf)


def start_radiusd():
    r = sh(f"radiusd_start {RADIUS_DIR}")
    if r.returncode != 0:
        sys.exit("freeradius did not start: " + r.stderr)
    return pid_of(os.path.join(RADIUS_DIR, "run", "bgpid"))


def request_file(path, users):
    """One MS-CHAPv2 request per user (mschap_ref), blank-line separated, for radclient -f."""
    with open(path, "w") as f:
        for u in users:
            ref = mschap_ref.compute(u, os.urandom(16), os.urandom(16), password=PW, ident=0x2a)
            f.write(f'User-Name = "{u}"\nMS-CHAP-Challenge = 0x{ref["challenge"]}\n'
                    f'MS-CHAP2-Response = 0x{ref["ms_chap2_response"]}\n\n')


def load(port, reqfile, seconds, pids):
    """radclient -p 32 over the request file, repeated until SECONDS have passed; returns
    (requests, accepts, wall seconds, CPU seconds of pids)."""
    c0 = sum(cpu_s(p) for p in pids)
    t0 = time.monotonic()
    n = acc = 0
    while time.monotonic() - t0 < seconds:
        r = subprocess.run(["radclient", "-q", "-s", "-p", "32", "-r", "1", "-t", "5", "-c", "20", "-f", reqfile,
                            f"127.0.0.1:{port}", "auth", SECRET], capture_output=True, text=True)
        out = r.stdout + r.stderr
        acc_m = re.search(r"Accepted\s*:\s*(\d+)", out)
        rej_m = re.search(r"Rejected\s*:\s*(\d+)", out)
        lost_m = re.search(r"Lost\s*:\s*(\d+)", out)
        a = int(acc_m.group(1)) if acc_m else 0
        j = int(rej_m.group(1)) if rej_m else 0
        lost = int(lost_m.group(1)) if lost_m else 0
        n += a + j + lost
        acc += a
    wall = time.monotonic() - t0
    return n, acc, wall, sum(cpu_s(p) for p in pids) - c0


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
			max = 31
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
    ap.add_argument("--throughput", type=float, default=0)
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
    r = sh(f"slapd_start {SLAPD_DIR} {LDAP_PORT} && radiusd_setup {RADIUS_DIR} {RADIUS_PORT} {LDAP_PORT} {SECRET}")
    if r.returncode != 0:
        sys.exit("start: " + r.stderr)
    slapd_pid = pid_of(os.path.join(SLAPD_DIR, "run", "slapd.bgpid"))
    # As the stock server below: 32 threads, an LDAP pool of up to 31, no log line per request.
    p = os.path.join(RADIUS_DIR, "raddb", "radiusd.conf")
    with open(p) as f:
        text = f.read()
    text = re.sub(r"max_servers = \d+", "max_servers = 32", text)
    text = re.sub(r"(\n\s*auth) = yes", r"\1 = no", text)
    with open(p, "w") as f:
        f.write(text)
    p = os.path.join(RADIUS_DIR, "raddb", "mods-enabled", "mipkey")
    with open(p) as f:
        text = f.read()
    text = re.sub(r"(\n\s*ldap \{.*?pool \{.*?\bmax = )\d+", r"\g<1>31", text, count=1, flags=re.S)
    with open(p, "w") as f:
        f.write(text)
    log = os.path.join(RADIUS_DIR, "log", "radius.log")

    # mirror = no: the baseline RSS (the same module, the same configuration otherwise).
    set_mirror(False)
    pid = start_radiusd()
    time.sleep(3)
    rss_off = rss_kb(pid)
    print(f"freeradius RSS, mirror = no: {rss_off} kB")
    users = [f"mu{i * (n // 64):06d}" for i in range(64)]
    reqfile = os.path.join(WORK, "requests.txt")
    request_file(reqfile, users)
    results = {}
    if args.throughput:
        load(RADIUS_PORT, reqfile, 2, [pid, slapd_pid])  # warm-up
        results["rlm_mipkey, search per request"] = load(RADIUS_PORT, reqfile, args.throughput, [pid, slapd_pid])
    sh(f"radiusd_stop {RADIUS_DIR}")

    # mirror = yes
    set_mirror(True)
    mark = os.path.getsize(log)
    t0 = time.monotonic()
    pid = start_radiusd()
    line = None
    while time.monotonic() - t0 < 600 and not line:
        with open(log, errors="replace") as f:
            f.seek(mark)
            line = next((ln for ln in f if "(mipkey) ldap: mirror in sync" in ln), None)
        time.sleep(0.05)
    t_sync = time.monotonic() - t0
    if not line:
        sys.exit("the mirror did not get in sync within 600 s")
    print(line.strip())
    m = re.search(r"(\d+) entries, (\d+) names, (\d+) bytes of tables, refresh took ([\d.]+) s", line)
    entries, table_bytes, refresh = int(m.group(1)), int(m.group(3)), float(m.group(4))
    time.sleep(3)
    rss_on = rss_kb(pid)
    print(f"first load: {entries} entries, refresh {refresh:.3f} s (module's count), "
          f"{t_sync:.2f} s from freeradius start to in sync (start-up included)")
    print(f"freeradius RSS, mirror = yes: {rss_on} kB; +{rss_on - rss_off} kB = "
          f"{(rss_on - rss_off) * 1024 / entries:.0f} bytes per entry (RSS); tables "
          f"{table_bytes / entries:.0f} bytes per entry (module's count)")
    if args.throughput:
        load(RADIUS_PORT, reqfile, 2, [pid, slapd_pid])
        results["rlm_mipkey, mirror"] = load(RADIUS_PORT, reqfile, args.throughput, [pid, slapd_pid])
    sh(f"radiusd_stop {RADIUS_DIR}")

    if args.throughput:
        libdir = stock_libdir()
        if libdir:
            spid = stock_start(RADIUS_PORT, libdir)
            if spid:
                load(RADIUS_PORT, reqfile, 2, [spid, slapd_pid])
                results["stock rlm_ldap + rlm_mschap"] = load(RADIUS_PORT, reqfile, args.throughput, [spid, slapd_pid])
            else:
                print("stock freeradius did not start")
            stock_stop()
        else:
            print("stock rlm_ldap + rlm_mschap: not measured (no freeradius-ldap package)")
        for name, (req, acc, wall, cpu) in results.items():
            print(f"{name}: {req} requests ({acc} accepted) in {wall:.1f} s = {req / wall:.0f} req/s; "
                  f"server CPU (freeradius + slapd) {cpu * 1e6 / max(1, req):.1f} us/req")


if __name__ == "__main__":
    try:
        main()
    finally:
        cleanup()
