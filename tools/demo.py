#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The demo's exchange: a mobile node proves its password with MS-CHAPv2, the home agent asks
the AAA server (FreeRADIUS + rlm_mipkey), and both sides end up with the same keys.

The mobile node's side is computed here, from the password alone, with the independent
reference code in tests/lib/mschap_ref.py; the home agent's side is what FreeRADIUS returned.
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import mschap_ref  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--port", required=True)
ap.add_argument("--secret", required=True)
ap.add_argument("--user", required=True)
ap.add_argument("--password", required=True)
a = ap.parse_args()

# The MN makes up both challenges itself: a home agent cannot send one in Mobile IPv4.
mn = mschap_ref.compute(a.user, os.urandom(16), os.urandom(16), password=a.password)
print(f"\n-- mobile node {a.user}: registration with MS-CHAPv2")
print(f"   challenge (made by the MN)   {mn['challenge']}")
print(f"   peer challenge               {mn['peer_challenge']}")
print(f"   NT-Response                  {mn['nt_response']}")

body = (f'User-Name = "{a.user}"\nMS-CHAP-Challenge = 0x{mn["challenge"]}\n'
        f'MS-CHAP2-Response = 0x{mn["ms_chap2_response"]}\n')
out = subprocess.run(["radclient", "-x", "-r", "1", "-t", "3", f"127.0.0.1:{a.port}", "auth", a.secret],
                     input=body, capture_output=True, text=True).stdout
m = re.search(r"^Received (Access-\w+)", out, re.M)
code = m.group(1) if m else "no reply"
reply = dict(re.findall(r"^\s+([\w-]+) = (?:0x)?(.*)$", out[m.end():], re.M)) if m else {}
print(f"\n-- home agent -> AAA (FreeRADIUS + rlm_mipkey): {code}")
if code != "Access-Accept":
    print(out)
    sys.exit(1)
success = bytes.fromhex(reply["MS-CHAP2-Success"])[1:].decode()
print(f"   MS-CHAP2-Success             {success}")
print(f"   MS-MPPE-Send-Key (decrypted) {reply['MS-MPPE-Send-Key'].upper()}")
print(f"   MS-MPPE-Recv-Key (decrypted) {reply['MS-MPPE-Recv-Key'].upper()}")

print(f"\n-- mobile node, from its password alone")
print(f"   k   = MD4(UTF-16LE(password)) {mn['nt_hash']}")
print(f"   k'  = MD4(k)                  {mn['nt_hash_hash']}")
print(f"   k'' = RFC 3079 master key     {mn['master_key']}")
print(f"   MPPE send key (server side)  {mn['mppe_send_key']}")
print(f"   MPPE recv key (server side)  {mn['mppe_recv_key']}")

agree = (success == mn["authenticator_response"] and reply["MS-MPPE-Send-Key"].upper() == mn["mppe_send_key"]
         and reply["MS-MPPE-Recv-Key"].upper() == mn["mppe_recv_key"])
print(f"\n   AAA proved it knows k' and MN and home agent agree on the keys: {'yes' if agree else 'NO'}\n")
sys.exit(0 if agree else 1)
