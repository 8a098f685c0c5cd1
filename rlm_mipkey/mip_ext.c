/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mip_ext.c - Mobile IPv4 Registration Request and extension parser.
 *
 * Layouts implemented (Length never counts Type, Sub-Type or itself):
 *
 *  Registration Request, RFC 3344 3.3 (24 bytes, then extensions):
 *	0      Type = 1
 *	1      flags S B D M G r T x
 *	2..3   Lifetime
 *	4..7   Home Address
 *	8..11  Home Agent
 *	12..15 Care-of Address
 *	16..23 Identification (64 bits)
 *
 *  MN-HA / MN-FA / FA-HA Authentication (32 / 33 / 34), RFC 3344 3.5.2 -
 *  3.5.4, standard format:
 *	Type(1) Length(1) SPI(4) Authenticator(Length - 4)
 *
 *  Generalized Mobile IP Authentication (36), RFC 3012 5 (MN-AAA is
 *  subtype 1, RFC 3012 6), long format:
 *	Type(1) Subtype(1) Length(2) SPI(4) Authenticator(Length - 4)
 *
 *  MN-FA / MN-HA Key Generation Nonce Request (40 / 42), RFC 3957 6.1 /
 *  6.3, long format; Length = subtype data + 4:
 *	Type(1) Subtype(1) Length(2) Mobile Node SPI(4) Subtype Data(Length - 4)
 *
 *  Mobile Node NAI (131), RFC 2794 2, standard format:
 *	Type(1) Length(1) MN-NAI(Length)
 *
 *  Mobile-Foreign Challenge (132), RFC 3012 4, standard format:
 *	Type(1) Length(1) Challenge(Length)
 *
 * Everything else with Type >= 128 is skipped as Type(1) Length(1)
 * Data(Length) (RFC 3344 1.8, 1.10); everything else below 128 rejects
 * the message.
 */
#include "mip_ext.h"
#include "wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 *	Error text.  Thread-local so that concurrent parses in different
 *	threads do not overwrite each other's message.
 */
static _Thread_local char mip_errbuf[128];

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int fail(char const **err, char const *fmt, ...)
{
	if (err) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(mip_errbuf, sizeof(mip_errbuf), fmt, ap);
		va_end(ap);
		*err = mip_errbuf;
	}
	return -1;
}


/*
 *	RFC 3344 1.10: which of the extension types we know use the long
 *	(Type, Sub-Type, Length(2)) format.  36 is RFC 3012 5, 40..43 are
 *	RFC 3957 6.1 - 6.4.  Unknown types are never treated as long: an
 *	unknown type < 128 is rejected before its length matters, and
 *	skippable types always have a 1-byte length.
 */
static int ext_is_long(uint8_t type)
{
	switch (type) {
	case MIP_EXT_GEN_AUTH:
	case MIP_EXT_MN_FA_KEYGEN_REQ:
	case MIP_EXT_MN_FA_KEYGEN_REP:
	case MIP_EXT_MN_HA_KEYGEN_REQ:
	case MIP_EXT_MN_HA_KEYGEN_REP:
		return 1;
	default:
		return 0;
	}
}

static int ext_is_known_request(uint8_t type)
{
	switch (type) {
	case MIP_EXT_MN_HA_AUTH:
	case MIP_EXT_MN_FA_AUTH:
	case MIP_EXT_FA_HA_AUTH:
	case MIP_EXT_GEN_AUTH:
	case MIP_EXT_MN_FA_KEYGEN_REQ:
	case MIP_EXT_MN_HA_KEYGEN_REQ:
	case MIP_EXT_MN_NAI:
	case MIP_EXT_MN_FA_CHALLENGE:
		return 1;
	default:
		return 0;
	}
}

static char const *ext_name(uint8_t type)
{
	switch (type) {
	case MIP_EXT_MN_HA_AUTH:	return "MN-HA authentication";
	case MIP_EXT_MN_FA_AUTH:	return "MN-FA authentication";
	case MIP_EXT_FA_HA_AUTH:	return "FA-HA authentication";
	case MIP_EXT_GEN_AUTH:		return "MN-AAA authentication";
	case MIP_EXT_MN_FA_KEYGEN_REQ:	return "MN-FA KeyGen Request";
	case MIP_EXT_MN_HA_KEYGEN_REQ:	return "MN-HA KeyGen Request";
	case MIP_EXT_MN_NAI:		return "NAI";
	case MIP_EXT_MN_FA_CHALLENGE:	return "challenge";
	default:			return "extension";
	}
}

/*
 *	Authentication extension body (SPI + authenticator), RFC 3344 3.5.2
 *	- 3.5.4 and RFC 3012 5.  data/dlen is the extension's data after
 *	its Length field; hdr_len is 2 (standard) or 4 (long).
 */
static int parse_auth(uint8_t type, uint8_t subtype, uint8_t const *data, size_t dlen,
		      size_t off, size_t hdr_len, mip_auth_ext_t *a, char const **err)
{
	if (a->present) return fail(err, "duplicate %s at offset %zu", ext_name(type), off);
	if (dlen < MIP_SPI_LEN) {
		return fail(err, "%s at offset %zu: length %zu too short for SPI",
			    ext_name(type), off, dlen);
	}
	if (dlen == MIP_SPI_LEN) return fail(err, "%s at offset %zu: empty authenticator", ext_name(type), off);

	a->present = 1;
	a->subtype = subtype;
	a->spi = get32(data);
	a->authenticator = data + MIP_SPI_LEN;
	a->authenticator_len = dlen - MIP_SPI_LEN;
	a->offset = off;
	a->auth_offset = off + hdr_len + MIP_SPI_LEN;
	return 0;
}

/*
 *	KeyGen Request body, RFC 3957 6.1 (40) / 6.3 (42): Mobile Node SPI
 *	and subtype data.
 */
static int parse_keygen_req(uint8_t type, uint8_t subtype, uint8_t const *data, size_t dlen,
			    size_t off, mip_rrq_t *out, mip_keygen_req_t *k, char const **err)
{
	/* RFC 3957 6.1 / 6.3: "MUST appear ... before the MN-AAA Authentication extension" */
	if (out->mn_aaa_auth.present) {
		return fail(err, "%s at offset %zu after MN-AAA authentication", ext_name(type), off);
	}
	if (k->present) return fail(err, "duplicate %s at offset %zu", ext_name(type), off);
	if (dlen < MIP_SPI_LEN) {
		return fail(err, "%s at offset %zu: length %zu too short for MN SPI",
			    ext_name(type), off, dlen);
	}
	/* RFC 3957 6.1 / 6.3: subtype 1 "has a zero-length Subtype Data field" */
	if (subtype == 1 && dlen != MIP_SPI_LEN) {
		return fail(err, "%s at offset %zu: subtype 1 with %zu bytes of subtype data",
			    ext_name(type), off, dlen - MIP_SPI_LEN);
	}

	k->present = 1;
	k->subtype = subtype;
	k->mn_spi = get32(data);
	k->data_len = dlen - MIP_SPI_LEN;
	k->data = k->data_len ? data + MIP_SPI_LEN : NULL;
	k->offset = off;
	return 0;
}

/*
 *	NAI (RFC 2794 2) and challenge (RFC 3012 4): plain byte strings
 *	that the MN-AAA authenticator must cover.
 */
static int parse_string(uint8_t type, uint8_t const *data, size_t dlen, size_t off,
			mip_rrq_t *out, mip_bytes_t *b, char const **err)
{
	if (out->mn_aaa_auth.present) {
		return fail(err, "%s at offset %zu after MN-AAA authentication", ext_name(type), off);
	}
	if (b->data) return fail(err, "duplicate %s at offset %zu", ext_name(type), off);
	if (!dlen) return fail(err, "zero-length %s at offset %zu", ext_name(type), off);

	b->data = data;
	b->len = dlen;
	b->offset = off;
	return 0;
}

/*
 *	Walk the extensions in buf[0 .. len); buf[0] is at message offset
 *	base.  Does not clear out.
 */
static int parse_extensions(uint8_t const *buf, size_t len, size_t base, mip_rrq_t *out, char const **err)
{
	size_t pos = 0;

	while (pos < len) {
		uint8_t const	*p = buf + pos;
		size_t		rem = len - pos;	/* >= 1 */
		size_t		off = base + pos;
		uint8_t		type = p[0];
		uint8_t		subtype = 0;
		size_t		hdr_len, dlen;
		uint8_t const	*data;
		int		rcode = 0;

		if (type < MIP_EXT_SKIPPABLE_MIN && !ext_is_known_request(type)) {
			return fail(err, "unknown non-skippable extension %u at offset %zu", type, off);
		}

		if (ext_is_long(type)) {
			hdr_len = 4;
			if (rem < hdr_len) return fail(err, "truncated extension at offset %zu", off);
			subtype = p[1];
			dlen = get16(p + 2);
		} else {
			hdr_len = 2;
			if (rem < hdr_len) return fail(err, "truncated extension at offset %zu", off);
			dlen = p[1];
		}
		if (dlen > rem - hdr_len) {
			return fail(err, "extension %u at offset %zu: length %zu overflows buffer (%zu bytes left)",
				    type, off, dlen, rem - hdr_len);
		}
		data = p + hdr_len;

		switch (type) {
		case MIP_EXT_MN_HA_AUTH:
			rcode = parse_auth(type, 0, data, dlen, off, hdr_len, &out->mn_ha_auth, err);
			break;

		case MIP_EXT_MN_FA_AUTH:
			rcode = parse_auth(type, 0, data, dlen, off, hdr_len, &out->mn_fa_auth, err);
			break;

		case MIP_EXT_FA_HA_AUTH:
			rcode = parse_auth(type, 0, data, dlen, off, hdr_len, &out->fa_ha_auth, err);
			break;

		case MIP_EXT_GEN_AUTH:
			rcode = parse_auth(type, subtype, data, dlen, off, hdr_len, &out->mn_aaa_auth, err);
			break;

		case MIP_EXT_MN_FA_KEYGEN_REQ:
			rcode = parse_keygen_req(type, subtype, data, dlen, off, out, &out->mn_fa_keygen, err);
			break;

		case MIP_EXT_MN_HA_KEYGEN_REQ:
			rcode = parse_keygen_req(type, subtype, data, dlen, off, out, &out->mn_ha_keygen, err);
			break;

		case MIP_EXT_MN_NAI:
			rcode = parse_string(type, data, dlen, off, out, &out->nai, err);
			break;

		case MIP_EXT_MN_FA_CHALLENGE:
			rcode = parse_string(type, data, dlen, off, out, &out->challenge, err);
			break;

		default:	/* unknown, >= 128: skippable */
			out->skipped_count++;
			break;
		}
		if (rcode < 0) return rcode;

		out->ext_count++;
		pos += hdr_len + dlen;
		out->end_offset = base + pos;
	}

	return 0;
}

int mip_ext_parse(uint8_t const *buf, size_t len, size_t base_offset, mip_rrq_t *out, char const **err)
{
	if (!out) return fail(err, "no output structure");
	memset(out, 0, sizeof(*out));
	out->end_offset = base_offset;

	if (!buf && len) return fail(err, "no buffer");
	if (base_offset > SIZE_MAX - len) return fail(err, "base offset overflows");

	return parse_extensions(buf, len, base_offset, out, err);
}

int mip_rrq_parse(uint8_t const *buf, size_t len, mip_rrq_t *out, char const **err)
{
	if (!out) return fail(err, "no output structure");
	memset(out, 0, sizeof(*out));

	if (!buf && len) return fail(err, "no buffer");
	if (len < MIP_RRQ_HDR_LEN) {
		return fail(err, "truncated Registration Request header (%zu of %d bytes)", len, MIP_RRQ_HDR_LEN);
	}
	if (buf[0] != MIP_TYPE_REGISTRATION_REQUEST) {
		return fail(err, "not a Registration Request (type %u)", buf[0]);
	}

	/* RFC 3344 3.3 */
	out->has_header = 1;
	out->type = buf[0];
	out->flags = buf[1];
	out->lifetime = get16(buf + 2);
	memcpy(out->home_address, buf + 4, 4);
	memcpy(out->home_agent, buf + 8, 4);
	memcpy(out->care_of_address, buf + 12, 4);
	out->identification = get64(buf + 16);
	out->identification_raw = buf + 16;
	out->end_offset = MIP_RRQ_HDR_LEN;

	return parse_extensions(buf + MIP_RRQ_HDR_LEN, len - MIP_RRQ_HDR_LEN, MIP_RRQ_HDR_LEN, out, err);
}

int mip_rrq_mn_identifier(mip_rrq_t const *rrq, uint8_t const **id, size_t *id_len)
{
	if (!rrq || !id || !id_len) return -1;

	if (rrq->nai.data && rrq->nai.len) {
		*id = rrq->nai.data;
		*id_len = rrq->nai.len;
		return 0;
	}
	if (rrq->has_header) {
		*id = rrq->home_address;
		*id_len = sizeof(rrq->home_address);
		return 0;
	}
	return -1;
}
