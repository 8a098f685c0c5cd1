#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""MS-CHAPv2 password change (RFC 2759 section 7, RFC 2548 MS-CHAP2-CPW / MS-CHAP-NT-Enc-PW)
end to end: radclient -> FreeRADIUS -> rlm_mipkey -> slapd.

Started by tests/run with the servers of the main suites (RADIUS_PORT, RADIUS_SECRET, RADIUS_DIR,
LDAP_DIR, LDAP_PORT). The change requests and the expected answers are computed by
tests/lib/mschap_ref.py (RFC 2759 8.9-8.13 in Python with the openssl command), never by the module.
Uses the fixture users frank (expired: sambaPwdMustChange in the past), grace (sambaPwdLastSet 0;
changed over EAP-MSCHAPv2 at the end) and carol (disabled); changes frank's and grace's passwords in the suite's slapd.
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import mschap_ref  # noqa: E402
from radtest import (PORT, check, error_value, expect_accept, expect_error, finish, log_mark, log_since,  # noqa: E402
                     octets, radclient, ref_for, server_alive, success_value)

LDAP_PORT = os.environ["LDAP_PORT"]
CONTROL_PORT = str(int(PORT) + 1)	# site mipkey-control: k from the control list
AAA_PORT = str(int(PORT) + 3)		# site mipkey-aaa: an ldap backend with password_change = no
IDENT = 0x2a


def ldap_attr(uid, attr):
    """The attribute as cn=radius reads it ("" if absent)."""
    out = subprocess.run(["ldapsearch", "-x", "-LLL", "-o", "ldif-wrap=no", "-H", f"ldap://127.0.0.1:{LDAP_PORT}",
                          "-D", "cn=radius,dc=mipkey,dc=test", "-w", "radius-secret",
                          "-b", "ou=people,dc=mipkey,dc=test", f"(uid={uid})", attr],
                         capture_output=True, text=True, env=dict(os.environ, LDAPNOINIT="1")).stdout
    for line in out.splitlines():
        if line.lower().startswith(attr.lower() + ": "):
            return line.split(": ", 1)[1]
    return ""


def cpw_ref(user, old, new, hash_user=None):
    return mschap_ref.change_password(user, old, new, os.urandom(16), os.urandom(16), hash_user=hash_user,
                                      ident=IDENT)


def cpw_attrs(user, ref, chunks=None, cpw=None, extra=()):
    """The Access-Request of a Change-Password; chunks: the MS-CHAP-NT-Enc-PW values to send, in order."""
    attrs = [("User-Name", f'"{user}"'), ("MS-CHAP-Challenge", "0x" + ref["challenge"]),
             ("MS-CHAP2-CPW", "0x" + (cpw or ref["ms_chap2_cpw"]))]
    for c in (ref["ms_chap_nt_enc_pw"] if chunks is None else chunks):
        attrs.append(("MS-CHAP-NT-Enc-PW", "0x" + c))
    return attrs + list(extra)


def expect_change_error(name, user, ref, error_code, port=None, chunks=None, logline=None):
    mark = log_mark()
    code, reply = radclient(cpw_attrs(user, ref, chunks), port=port)
    check(f"{name}: Access-Reject", "Access-Reject", code)
    check(f"{name}: MS-CHAP-Error", f"E={error_code} R=0 C={ref['challenge']} V=3",
          " ".join(error_value(reply, IDENT).split(" ")[:4]))
    check(f"{name}: no MS-CHAP2-Success, no MPPE keys", [],
          [a for a in ("MS-CHAP2-Success", "MS-MPPE-Send-Key", "MS-MPPE-Recv-Key") if a in reply])
    if logline:
        time.sleep(0.1)
        check(f"{name}: log line", True, logline in log_since(mark))
    return reply


FRANK_OLD, FRANK_NEW = "frankOld-1", "frankNew-2-Ü"
frank_hash = ldap_attr("frank", "sambaNTPassword")
check("fixture: frank's hash is MD4 of frankOld-1", mschap_ref.nt_password_hash(FRANK_OLD).hex().upper(), frank_hash)


def frank_unchanged(name):
    check(f"{name}: frank's sambaNTPassword unchanged", frank_hash, ldap_attr("frank", "sambaNTPassword"))
    check(f"{name}: frank's sambaPwdMustChange unchanged", "1000000000", ldap_attr("frank", "sambaPwdMustChange"))


# --- expired passwords: E=648, but only after the right password ----------------------------------
expect_error("frank expired (sambaPwdMustChange in the past), right password", "frank",
             ref_for("frank", FRANK_OLD), "Access-Reject", 648)
expect_error("frank expired, wrong password tells nothing", "frank", ref_for("frank", "nope"), "Access-Reject", 691)
expect_error("grace must change (sambaPwdLastSet 0), right password", "grace",
             ref_for("grace", "graceOld-1"), "Access-Reject", 648)

# --- refused changes: nothing is written ----------------------------------------------------------
expect_change_error("change with a wrong old password", "frank", cpw_ref("frank", "frankWrong-1", FRANK_NEW), 691)
frank_unchanged("change with a wrong old password")

bad = cpw_ref("frank", FRANK_OLD, FRANK_NEW)
ntr_off = 2 * (2 + 16 + 16 + 8)	# hex offset of the NT-Response in MS-CHAP2-CPW
wrong_ntr = bad["ms_chap2_cpw"][:ntr_off] + "00" * 24 + bad["ms_chap2_cpw"][ntr_off + 48:]
code, reply = radclient(cpw_attrs("frank", bad, cpw=wrong_ntr))
check("change whose NT-Response is not from the new password: Access-Reject", "Access-Reject", code)
check("change whose NT-Response is not from the new password: E=691", "E=691",
      error_value(reply, IDENT).split(" ")[0])
frank_unchanged("change whose NT-Response is not from the new password")

expect_change_error("carol disabled, change with the right old password", "carol",
                    cpw_ref("carol", "carolPass", "carolNew-2"), 647)
check("carol disabled: sambaNTPassword unchanged", mschap_ref.nt_password_hash("carolPass").hex().upper(),
      ldap_attr("carol", "sambaNTPassword"))

expect_change_error("grace, change to an empty password", "grace", cpw_ref("grace", "graceOld-1", ""), 709,
                    logline="the new password is empty")
check("grace, empty password: sambaNTPassword unchanged", mschap_ref.nt_password_hash("graceOld-1").hex().upper(),
      ldap_attr("grace", "sambaNTPassword"))

# --- where a password cannot be changed: E=709 and a clear log line, never "malformed" --------------
expect_change_error("k from control:Cleartext-Password: not changeable", "ctl-cleartext",
                    cpw_ref("ctl-cleartext", "ctlPass", "ctlNew-2"), 709, port=CONTROL_PORT,
                    logline="the password comes from control:Cleartext-Password, which rlm_mipkey cannot change")
expect_change_error("ldap backend with password_change = no", "frank", cpw_ref("frank", FRANK_OLD, FRANK_NEW), 709,
                    port=AAA_PORT, logline="backend = ldap has password_change = no")
frank_unchanged("ldap backend with password_change = no")

# --- malformed change requests: invalid (Access-Reject without MS-CHAP-Error), one log line ---------
m = cpw_ref("frank", FRANK_OLD, FRANK_NEW)
c1, c2, c3 = m["ms_chap_nt_enc_pw"]


def chunk(seq, data_hex, code=6, ident=IDENT):
    return "%02X%02X%04X" % (code, ident, seq) + data_hex


def data(c):
    return c[8:]


malformed = [
    ("missing chunk 2", [c1, c3], "2 MS-CHAP-NT-Enc-PW but sequence number 2 is missing"),
    ("sequence numbers 1, 2, 4", [c1, c2, chunk(4, data(c3))], "3 MS-CHAP-NT-Enc-PW but sequence number 3 is missing"),
    ("sequence number 0", [chunk(0, data(c1)), c2, c3], "MS-CHAP-NT-Enc-PW sequence number 0"),
    ("chunk 2 twice", [c1, c2, c2, c3], "two MS-CHAP-NT-Enc-PW with sequence number 2"),
    ("last chunk one octet short", [c1, c2, c3[:-2]], "MS-CHAP-NT-Enc-PW chunks make 515 octets, must be 516"),
    ("one octet too many", [c1, c2, c3 + "00"], "MS-CHAP-NT-Enc-PW chunks longer than 516 octets"),
    ("a chunk with only its header", [c1, c2, c3, chunk(4, "")], "MS-CHAP-NT-Enc-PW of 4 octets"),
    ("chunk code 5", [c1, chunk(2, data(c2), code=5), c3], "MS-CHAP-NT-Enc-PW with code 5 ident 42"),
    ("chunk ident not the CPW's", [c1, chunk(2, data(c2), ident=7), c3], "MS-CHAP-NT-Enc-PW with code 6 ident 7"),
    ("no chunks", [], "MS-CHAP2-CPW without MS-CHAP-NT-Enc-PW"),
]
for name, chunks, logline in malformed:
    mark = log_mark()
    code, reply = radclient(cpw_attrs("frank", m, chunks))
    check(f"malformed change, {name}: Access-Reject", "Access-Reject", code)
    check(f"malformed change, {name}: no MS-CHAP-Error (invalid)", False, "MS-CHAP-Error" in reply)
    time.sleep(0.1)
    check(f"malformed change, {name}: log line", True, logline in log_since(mark))

others = [
    ("MS-CHAP2-CPW of 67 octets", cpw_attrs("frank", m, cpw=m["ms_chap2_cpw"][:-2]),
     "MS-CHAP2-CPW is 67 octets with code 7, must be 68 octets with code 7"),
    ("MS-CHAP2-CPW with code 6", cpw_attrs("frank", m, cpw="06" + m["ms_chap2_cpw"][2:]),
     "MS-CHAP2-CPW is 68 octets with code 6"),
    ("MS-CHAP2-CPW and MS-CHAP2-Response", cpw_attrs("frank", m, extra=[
        ("MS-CHAP2-Response", "0x" + ref_for("frank", FRANK_OLD)["ms_chap2_response"])]),
     "1 MS-CHAP-Challenge, 1 MS-CHAP2-CPW and 1 MS-CHAP2-Response"),
    ("MS-CHAP-NT-Enc-PW without MS-CHAP2-CPW", [a for a in cpw_attrs("frank", m) if a[0] != "MS-CHAP2-CPW"],
     "1 MS-CHAP-Challenge, 0 MS-CHAP2-CPW and 0 MS-CHAP2-Response"),
    ("no MS-CHAP-Challenge", [a for a in cpw_attrs("frank", m) if a[0] != "MS-CHAP-Challenge"],
     "0 MS-CHAP-Challenge, 1 MS-CHAP2-CPW"),
]
for name, attrs, logline in others:
    mark = log_mark()
    code, reply = radclient(attrs)
    check(f"malformed change, {name}: Access-Reject", "Access-Reject", code)
    check(f"malformed change, {name}: no MS-CHAP-Error (invalid)", False, "MS-CHAP-Error" in reply)
    time.sleep(0.1)
    check(f"malformed change, {name}: log line", True, logline in log_since(mark))
frank_unchanged("after the malformed requests")
check("after the malformed requests: server still answers", True, server_alive())

# --- the change itself: chunks sent out of order, answered like a login with the NEW password -------
ref = cpw_ref("frank", FRANK_OLD, FRANK_NEW)
before = int(time.time())
mark = log_mark()
code, reply = radclient(cpw_attrs("frank", ref, [ref["ms_chap_nt_enc_pw"][i] for i in (2, 0, 1)]))
after = int(time.time())
check("frank changes an expired password: Access-Accept", "Access-Accept", code)
check("frank changes: MS-CHAP2-Success from the new password, CPW peer challenge and NT-Response",
      success_value(ref), octets(reply, "MS-CHAP2-Success"))
check("frank changes: MS-MPPE-Send-Key of the new password", ref["mppe_send_key"], octets(reply, "MS-MPPE-Send-Key"))
check("frank changes: MS-MPPE-Recv-Key of the new password", ref["mppe_recv_key"], octets(reply, "MS-MPPE-Recv-Key"))
check("frank changes: LDAP sambaNTPassword is the new hash in upper-case hex", ref["new_nt_hash"],
      ldap_attr("frank", "sambaNTPassword"))
last_set = ldap_attr("frank", "sambaPwdLastSet")
check("frank changes: LDAP sambaPwdLastSet is now", True, last_set.isdigit() and before <= int(last_set) <= after)
check("frank changes: LDAP sambaPwdMustChange removed", "", ldap_attr("frank", "sambaPwdMustChange"))
time.sleep(0.1)
check("frank changes: logged", True, 'Password of "frank" changed (uid=frank,ou=people,dc=mipkey,dc=test)'
      in log_since(mark))

expect_accept("frank logs in with the new password", "frank", ref_for("frank", FRANK_NEW))
expect_error("frank's old password no longer works", "frank", ref_for("frank", FRANK_OLD), "Access-Reject", 691)
new_hash = ldap_attr("frank", "sambaNTPassword")
expect_change_error("the same change sent again (old password now wrong)", "frank", ref, 691)
check("the same change sent again: nothing written", new_hash, ldap_attr("frank", "sambaNTPassword"))

# A voluntary change (not expired) with a name hashed without its realm, then back.
ref2 = cpw_ref("frank@example.net", FRANK_NEW, "frankThird-3", hash_user="frank")
code, reply = radclient(cpw_attrs("frank@example.net", ref2))
check("frank@example.net changes again: Access-Accept", "Access-Accept", code)
check("frank@example.net changes again: MS-CHAP2-Success", success_value(ref2), octets(reply, "MS-CHAP2-Success"))
expect_accept("frank logs in with the third password", "frank", ref_for("frank", "frankThird-3"))

# --- EAP-MSCHAPv2 (rlm_eap_mschapv2 with send_error = yes, site mipkey-eap-cpw four ports up) ------
# The client side of the EAP conversation by hand: Identity, Response -> Failure E=648,
# Change-Password (EAP-MSCHAPv2 opcode 7) -> Success request, Success response -> Access-Accept.
EAP_PORT = str(int(PORT) + 4)


class Eap:
    def __init__(self, user):
        self.user, self.state = user, None

    def send(self, eap):
        # One EAP-Message per 253 octets (RFC 3579 3.1); radclient cannot read longer values.
        attrs = [("User-Name", f'"{self.user}"')] + [("EAP-Message", "0x" + eap[i:i + 253].hex())
                                                     for i in range(0, len(eap), 253)]
        attrs.append(("Message-Authenticator", "0x00"))
        if self.state:
            attrs.append(("State", self.state))
        code, reply = radclient(attrs, port=EAP_PORT)
        self.state = reply.get("State", [None])[0]
        msg = bytes.fromhex("".join(v[2:] for v in reply.get("EAP-Message", [])))
        return code, reply, msg


def eap_response(eap_id, data):
    return bytes([2, eap_id]) + (5 + len(data)).to_bytes(2, "big") + bytes([26]) + data


def ms_packet(opcode, ms_id, body):
    return bytes([opcode, ms_id]) + (4 + len(body)).to_bytes(2, "big") + body


GRACE_OLD, GRACE_NEW = "graceOld-1", "graceNew-2-über"
e = Eap("grace")
code, reply, req = e.send(bytes([2, 0, 0, 10, 1]) + b"grace")
check("EAP grace: identity answered with an EAP-MSCHAPv2 Challenge", (1, 26, 1), (req[0], req[4], req[5])
      if len(req) >= 26 else None)
eap_id, ms_id, challenge = req[1], req[6], req[10:26]
peer = os.urandom(16)
ntr = mschap_ref.generate_nt_response(challenge, peer, "grace", GRACE_OLD)
code, reply, req = e.send(eap_response(eap_id, ms_packet(2, ms_id, bytes([49]) + peer + b"\0" * 8 + ntr + b"\0"
                                                         + b"grace")))
text = req[9:].decode("latin-1") if len(req) > 9 else ""
check("EAP grace: right old password answered with an EAP-MSCHAPv2 Failure", (1, 26, 4),
      (req[0], req[4], req[5]) if len(req) > 9 else None)
check("EAP grace: the Failure says E=648 R=0 with the challenge", f"E=648 R=0 C={challenge.hex().upper()}",
      " ".join(text.split(" ")[:3]))
eap_id, ms_id = req[1], req[6]
r = mschap_ref.change_password("grace", GRACE_OLD, GRACE_NEW, challenge, os.urandom(16), ident=ms_id)
cpw_body = (bytes.fromhex(r["pw_block"]) + bytes.fromhex(r["encrypted_hash"]) + bytes.fromhex(r["peer_challenge"])
            + b"\0" * 8 + bytes.fromhex(r["nt_response"]) + b"\0\0")
mark = log_mark()
code, reply, req = e.send(eap_response(eap_id, ms_packet(7, ms_id, cpw_body)))
check("EAP grace: Change-Password answered with an EAP-MSCHAPv2 Success request", (1, 26, 3),
      (req[0], req[4], req[5]) if len(req) > 9 else None)
check("EAP grace: the Success carries S= of the new password", r["authenticator_response"],
      req[9:9 + 42].decode("latin-1") if len(req) >= 51 else None)
time.sleep(0.1)
check("EAP grace: rlm_eap_mschapv2 passed it as MS-CHAP2-CPW (logged change)", True,
      'Password of "grace" changed' in log_since(mark))
code, reply, req = e.send(eap_response(req[1] if req else 0, bytes([3])))
check("EAP grace: Access-Accept", "Access-Accept", code)
check("EAP grace: EAP-Success", 3, req[0] if req else None)
check("EAP grace: MS-MPPE-Send-Key of the new password", r["mppe_send_key"], octets(reply, "MS-MPPE-Send-Key"))
check("EAP grace: MS-MPPE-Recv-Key of the new password", r["mppe_recv_key"], octets(reply, "MS-MPPE-Recv-Key"))
check("EAP grace: LDAP sambaNTPassword is the new hash", r["new_nt_hash"], ldap_attr("grace", "sambaNTPassword"))
expect_accept("grace logs in with the new password", "grace", ref_for("grace", GRACE_NEW))

finish()
