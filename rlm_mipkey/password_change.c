/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * password_change.c - an MS-CHAPv2 Change-Password (RFC 2759 section 7) from RADIUS
 * attributes (RFC 2548: MS-CHAP2-CPW, vendor 311 type 27, and MS-CHAP-NT-Enc-PW, type 6; the layouts
 * are in docs/PROTOCOL.md section 4).
 *
 * The Change-Password packet does not fit in one RADIUS attribute: its 516-octet encrypted
 * password travels in MS-CHAP-NT-Enc-PW chunks (code 6, ident, 2-octet sequence number in
 * network order starting at 1, then a piece of the block), the rest in MS-CHAP2-CPW:
 *
 *	0     1      2              18              34         42            66     68
 *	| 7 | ident | Encrypted-Hash | Peer-Challenge | Reserved | NT-Response | Flags |
 *
 * The authenticator challenge is MS-CHAP-Challenge (the C= of the failure that asked for the
 * change; rlm_eap_mschapv2 passes it so). Everything read from the wire is length-checked
 * here; anything inconsistent is one ERROR line and the module answers invalid.
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include <openssl/crypto.h>

#include "mschap_attrs.h"
#include "nt_enc_pw.h"
#include "password_change.h"

bool password_change_requested(REQUEST *request)
{
	return fr_pair_find_by_num(request->packet->vps, PW_MSCHAP2_CPW, VENDORPEC_MICROSOFT, TAG_ANY) ||
	       fr_pair_find_by_num(request->packet->vps, PW_MSCHAP_NT_ENC_PW, VENDORPEC_MICROSOFT, TAG_ANY);
}

static int _cpw_free(mipkey_cpw_t *cpw)
{
	OPENSSL_cleanse(cpw, sizeof(*cpw));
	return 0;
}

/* The first attribute (vendor 311, attr) of the request, and how many there are. */
static void find_ms(REQUEST *request, unsigned int attr, mschap_attrs_in_t *in)
{
	vp_cursor_t	cursor;
	VALUE_PAIR	*vp;

	memset(in, 0, sizeof(*in));
	fr_cursor_init(&cursor, &request->packet->vps);
	while ((vp = fr_cursor_next_by_num(&cursor, attr, VENDORPEC_MICROSOFT, TAG_ANY))) {
		if (!in->count++) {
			in->value = vp->vp_octets;
			in->len = vp->vp_length;
		}
	}
}

/*
 * Puts the MS-CHAP-NT-Enc-PW chunks together in sequence order (nt_enc_pw.c). 0, or -1 after
 * one ERROR line.
 */
static int reassemble(REQUEST *request, uint8_t ident, uint8_t block[MSCHAPV2_PW_BLOCK_LEN])
{
	uint8_t const	*value[NT_ENC_PW_MAX_CHUNKS + 1];
	size_t		len[NT_ENC_PW_MAX_CHUNKS + 1], detail[2];
	VALUE_PAIR	*vp;
	vp_cursor_t	cursor;
	size_t		n = 0;

	/* One more than the most allowed, so that too many is seen. */
	fr_cursor_init(&cursor, &request->packet->vps);
	while (n <= NT_ENC_PW_MAX_CHUNKS &&
	       (vp = fr_cursor_next_by_num(&cursor, PW_MSCHAP_NT_ENC_PW, VENDORPEC_MICROSOFT, TAG_ANY))) {
		value[n] = vp->vp_octets;
		len[n++] = vp->vp_length;
	}

	switch (nt_enc_pw_reassemble(value, len, n, ident, block, detail)) {
	case NT_ENC_PW_OK:
		return 0;
	case NT_ENC_PW_TOO_MANY:
		RERROR("Malformed MS-CHAPv2 password change: more than %d MS-CHAP-NT-Enc-PW attributes",
		       NT_ENC_PW_MAX_CHUNKS);
		break;
	case NT_ENC_PW_SHORT:
		RERROR("Malformed MS-CHAPv2 password change: MS-CHAP-NT-Enc-PW of %zu octets, need more than %d",
		       detail[0], NT_ENC_PW_HDR);
		break;
	case NT_ENC_PW_CODE_IDENT:
		RERROR("Malformed MS-CHAPv2 password change: MS-CHAP-NT-Enc-PW with code %zu ident %zu, "
		       "need code %d ident %u (the MS-CHAP2-CPW's)", detail[0], detail[1], NT_ENC_PW_CODE, ident);
		break;
	case NT_ENC_PW_SEQUENCE:
		RERROR("Malformed MS-CHAPv2 password change: MS-CHAP-NT-Enc-PW sequence number %zu, "
		       "must be 1 to the number of chunks", detail[0]);
		break;
	case NT_ENC_PW_DUPLICATE:
		RERROR("Malformed MS-CHAPv2 password change: two MS-CHAP-NT-Enc-PW with sequence number %zu", detail[0]);
		break;
	case NT_ENC_PW_NONE:
		RERROR("Malformed MS-CHAPv2 password change: MS-CHAP2-CPW without MS-CHAP-NT-Enc-PW");
		break;
	case NT_ENC_PW_MISSING:
		RERROR("Malformed MS-CHAPv2 password change: %zu MS-CHAP-NT-Enc-PW but sequence number %zu "
		       "is missing", detail[0], detail[1]);
		break;
	case NT_ENC_PW_TOO_LONG:
		RERROR("Malformed MS-CHAPv2 password change: MS-CHAP-NT-Enc-PW chunks longer than %d octets",
		       MSCHAPV2_PW_BLOCK_LEN);
		break;
	case NT_ENC_PW_LENGTH:
		RERROR("Malformed MS-CHAPv2 password change: MS-CHAP-NT-Enc-PW chunks make %zu octets, must be %d",
		       detail[0], MSCHAPV2_PW_BLOCK_LEN);
		break;
	}
	return -1;
}

mipkey_cpw_t *password_change_read(REQUEST *request)
{
	mschap_attrs_in_t	challenge, cpw_attr, response;
	mschap_attrs_t		attrs;
	mipkey_cpw_t		*cpw;

	find_ms(request, PW_MSCHAP_CHALLENGE, &challenge);
	find_ms(request, PW_MSCHAP2_CPW, &cpw_attr);
	find_ms(request, PW_MSCHAP2_RESPONSE, &response);
	switch (mschap_attrs_cpw(&challenge, &cpw_attr, response.count, &attrs)) {
	case MSCHAP_ATTRS_OK:
		break;
	case MSCHAP_ATTRS_COUNT:
		RERROR("Malformed MS-CHAPv2 password change: %u MS-CHAP-Challenge, %u MS-CHAP2-CPW and %u "
		       "MS-CHAP2-Response attributes, need exactly one challenge, one CPW and no response",
		       challenge.count, cpw_attr.count, response.count);
		return NULL;
	case MSCHAP_ATTRS_CHALLENGE_LEN:
		RERROR("Malformed MS-CHAPv2 password change: MS-CHAP-Challenge is %zu octets, must be %d",
		       challenge.len, MSCHAPV2_CHALLENGE_LEN);
		return NULL;
	case MSCHAP_ATTRS_CPW_FORM:
	case MSCHAP_ATTRS_RESPONSE_SIZE:	/* not from mschap_attrs_cpw() */
		RERROR("Malformed MS-CHAPv2 password change: MS-CHAP2-CPW is %zu octets with code %u, must be %d "
		       "octets with code %d", cpw_attr.len, cpw_attr.len ? cpw_attr.value[0] : 0,
		       MSCHAP_ATTRS_CPW_LEN, MSCHAP_ATTRS_CPW_CODE);
		return NULL;
	}

	cpw = talloc_zero(request, mipkey_cpw_t);
	if (!cpw) return NULL;
	talloc_set_destructor(cpw, _cpw_free);

	cpw->ident = attrs.ident;
	memcpy(cpw->auth_challenge, attrs.auth_challenge, sizeof(cpw->auth_challenge));
	memcpy(cpw->encrypted_hash, attrs.encrypted_hash, sizeof(cpw->encrypted_hash));
	memcpy(cpw->peer_challenge, attrs.peer_challenge, sizeof(cpw->peer_challenge));
	memcpy(cpw->nt_response, attrs.nt_response, sizeof(cpw->nt_response));
	if (reassemble(request, cpw->ident, cpw->pw_block) < 0) {
		talloc_free(cpw);
		return NULL;
	}
	return cpw;
}
