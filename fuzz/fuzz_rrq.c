/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_rrq.c - libFuzzer harness for the Registration Request and extension
 *		parser (rlm_mipkey/mip_ext.c).
 *
 * The input is a whole Registration Request (mip_rrq_parse) and, shifted by
 * the fixed header, an extensions-only blob (mip_ext_parse).  Beyond what
 * ASan/UBSan catch, every result is checked against the input: every
 * pointer the parser hands out lies inside the input, every offset and
 * length is consistent with the RFC 3344 extension framing, and a message
 * the parser accepts is walked again here, independently, to the same
 * extension count and end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mip_ext.h"

static void require(int cond)
{
	if (!cond) abort();
}

static void check_bytes(uint8_t const *buf, size_t len, size_t base, mip_bytes_t const *b)
{
	if (!b->data) return;
	require(b->len > 0);
	require(b->data >= buf && b->data + b->len <= buf + len);
	require(b->offset >= base && b->offset - base + 2 + b->len <= len);
	/* standard format: Type(1) Length(1) then the data */
	require(b->data == buf + (b->offset - base) + 2);
	require(buf[b->offset - base + 1] == b->len);
}

static void check_auth(uint8_t const *buf, size_t len, size_t base, mip_auth_ext_t const *a, uint8_t type)
{
	size_t at, hdr;

	if (!a->present) return;
	require(a->offset >= base);
	at = a->offset - base;
	require(at < len && buf[at] == type);
	hdr = (type == MIP_EXT_GEN_AUTH) ? 4 : 2;
	require(a->authenticator_len > 0);
	require(a->auth_offset == a->offset + hdr + MIP_SPI_LEN);
	require(a->authenticator == buf + (a->auth_offset - base));
	require(a->authenticator + a->authenticator_len <= buf + len);
	require(a->spi == (((uint32_t)buf[at + hdr] << 24) | ((uint32_t)buf[at + hdr + 1] << 16) |
			   ((uint32_t)buf[at + hdr + 2] << 8) | buf[at + hdr + 3]));
	if (hdr == 4) {
		require(a->subtype == buf[at + 1]);
		require(((size_t)buf[at + 2] << 8 | buf[at + 3]) == MIP_SPI_LEN + a->authenticator_len);
	} else {
		require(a->subtype == 0);
		require(buf[at + 1] == MIP_SPI_LEN + a->authenticator_len);
	}
}

static void check_keygen(uint8_t const *buf, size_t len, size_t base, mip_keygen_req_t const *k, uint8_t type,
			 mip_auth_ext_t const *mn_aaa)
{
	size_t at, dlen;

	if (!k->present) return;
	require(k->offset >= base);
	at = k->offset - base;
	require(at + 8 <= len && buf[at] == type);
	dlen = (size_t)buf[at + 2] << 8 | buf[at + 3];
	require(dlen == MIP_SPI_LEN + k->data_len);
	require(k->subtype == buf[at + 1]);
	if (k->subtype == 1) require(k->data_len == 0);
	if (k->data_len) require(k->data == buf + at + 8 && k->data + k->data_len <= buf + len);
	else require(k->data == NULL);
	/* RFC 3957 6.1 / 6.3: before MN-AAA */
	if (mn_aaa->present) require(k->offset < mn_aaa->offset);
}

/*
 *	Independent walk of an accepted extension list: framing only.
 *	Returns the number of extensions, or -1 if the framing is broken
 *	(which the parser must then have refused).
 */
static long walk(uint8_t const *buf, size_t len)
{
	size_t pos = 0;
	long n = 0;

	while (pos < len) {
		uint8_t t = buf[pos];
		size_t l;
		int is_long = (t == 36 || (t >= 40 && t <= 43));

		if (is_long) {
			if (len - pos < 4) return -1;
			l = 4 + ((size_t)buf[pos + 2] << 8 | buf[pos + 3]);
		} else {
			if (len - pos < 2) return -1;
			l = 2 + (size_t)buf[pos + 1];
		}
		if (l > len - pos) return -1;
		pos += l;
		n++;
	}
	return n;
}

static void check_all(uint8_t const *buf, size_t len, size_t base, mip_rrq_t const *r, int ok)
{
	uint8_t const *id;
	size_t id_len;

	check_bytes(buf, len, base, &r->nai);
	check_bytes(buf, len, base, &r->challenge);
	check_auth(buf, len, base, &r->mn_ha_auth, MIP_EXT_MN_HA_AUTH);
	check_auth(buf, len, base, &r->mn_fa_auth, MIP_EXT_MN_FA_AUTH);
	check_auth(buf, len, base, &r->fa_ha_auth, MIP_EXT_FA_HA_AUTH);
	check_auth(buf, len, base, &r->mn_aaa_auth, MIP_EXT_GEN_AUTH);
	check_keygen(buf, len, base, &r->mn_ha_keygen, MIP_EXT_MN_HA_KEYGEN_REQ, &r->mn_aaa_auth);
	check_keygen(buf, len, base, &r->mn_fa_keygen, MIP_EXT_MN_FA_KEYGEN_REQ, &r->mn_aaa_auth);
	require(r->skipped_count <= r->ext_count);
	require(r->end_offset >= base && r->end_offset - base <= len);

	if (!ok) return;
	require(r->end_offset - base == len);
	require(walk(buf, len) == (long)r->ext_count);
	/* NAI and challenge are covered by the MN-AAA authenticator */
	if (r->mn_aaa_auth.present) {
		if (r->nai.data) require(r->nai.offset < r->mn_aaa_auth.offset);
		if (r->challenge.data) require(r->challenge.offset < r->mn_aaa_auth.offset);
	}
	if (mip_rrq_mn_identifier(r, &id, &id_len) == 0) {
		require(id_len > 0);
		if (r->nai.data) require(id == r->nai.data && id_len == r->nai.len);
		else require(id_len == 4);
	} else {
		require(!r->has_header && !r->nai.data);
	}
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	mip_rrq_t	r;
	char const	*err = NULL;
	int		rc;

	/* Whole message */
	rc = mip_rrq_parse(data, size, &r, &err);
	require(rc == 0 || rc == -1);
	if (rc < 0) {
		require(err != NULL && strlen(err) < 128);
	} else {
		require(size >= MIP_RRQ_HDR_LEN && data[0] == MIP_TYPE_REGISTRATION_REQUEST && r.has_header);
		require(r.identification_raw == data + 16);
		require(r.lifetime == ((uint16_t)(data[2] << 8 | data[3])));
		check_all(data + MIP_RRQ_HDR_LEN, size - MIP_RRQ_HDR_LEN, MIP_RRQ_HDR_LEN, &r, 1);
	}

	/* The same bytes as an extensions-only blob */
	err = NULL;
	rc = mip_ext_parse(data, size, MIP_RRQ_HDR_LEN, &r, &err);
	require(rc == 0 || rc == -1);
	require(!r.has_header);
	if (rc < 0) require(err != NULL);
	check_all(data, size, MIP_RRQ_HDR_LEN, &r, rc == 0);
	/* The framing walk fails only where the parser failed */
	if (walk(data, size) < 0) require(rc < 0);

	/* A NULL err pointer must be fine too */
	(void)mip_rrq_parse(data, size, &r, NULL);
	return 0;
}
