/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_nt_enc_pw.c - libFuzzer harness for the reassembly of an MS-CHAPv2 Change-Password's
 * 516-octet encrypted block from its MS-CHAP-NT-Enc-PW chunks (rlm_mipkey/nt_enc_pw.c), as
 * they come from the client. (fuzz_password_change.c takes the block from there.)
 *
 * Input: ident (1), then chunks (a length octet, then that many octets), at most 17, each
 * handed over as an exact-size heap copy.
 *  - compared with a reference that sorts the chunks by sequence number (qsort): the module
 *    answers OK exactly when the reference finds n = 1..16 well-formed chunks (more than 4
 *    octets, code 6, the ident) with sequence numbers 1..n once each making 516 octets, and
 *    then the same block; a refusal's reason and detail are true of the chunks;
 *  - round trip: 516 octets of the input cut into chunks here (sizes and sending order from
 *    the input) come back as those 516 octets.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nt_enc_pw.h"

#include "fuzz_check.h"

typedef struct {
	uint8_t const	*v;
	size_t		len;
	unsigned int	seq;
} ref_chunk_t;

static int by_seq(void const *a, void const *b)
{
	unsigned int x = ((ref_chunk_t const *) a)->seq, y = ((ref_chunk_t const *) b)->seq;

	return x < y ? -1 : x > y;
}

/* 1 and the block if the chunks make a valid block, else 0 */
static int ref_reassemble(uint8_t const *const value[], size_t const len[], size_t n, uint8_t ident, uint8_t *block)
{
	ref_chunk_t	c[NT_ENC_PW_MAX_CHUNKS];
	size_t		i, used = 0;

	if (n < 1 || n > NT_ENC_PW_MAX_CHUNKS) return 0;
	for (i = 0; i < n; i++) {
		if (len[i] < 5 || value[i][0] != 6 || value[i][1] != ident) return 0;
		c[i] = (ref_chunk_t){ value[i] + 4, len[i] - 4, (unsigned int) value[i][2] * 256 + value[i][3] };
	}
	qsort(c, n, sizeof(c[0]), by_seq);
	for (i = 0; i < n; i++) {
		if (c[i].seq != i + 1) return 0;
		if (used + c[i].len > 516) return 0;
		memcpy(block + used, c[i].v, c[i].len);
		used += c[i].len;
	}
	return used == 516;
}

static void check_reassembly(uint8_t const *const value[], size_t const len[], size_t n, uint8_t ident)
{
	uint8_t		block[MSCHAPV2_PW_BLOCK_LEN], ref[MSCHAPV2_PW_BLOCK_LEN];
	size_t		detail[2], i, j, total = 0;
	int		ok = ref_reassemble(value, len, n, ident, ref), found = 0;
	nt_enc_pw_rc_t	rc = nt_enc_pw_reassemble(value, len, n, ident, block, detail);

	require((rc == NT_ENC_PW_OK) == ok);
	if (ok) {
		require(memcmp(block, ref, sizeof(block)) == 0);
		return;
	}
	for (i = 0; i < n && i < NT_ENC_PW_MAX_CHUNKS; i++) if (len[i] > 4) total += len[i] - 4;
	switch (rc) {
	case NT_ENC_PW_OK:
		abort();
	case NT_ENC_PW_TOO_MANY:
		require(n > NT_ENC_PW_MAX_CHUNKS);
		break;
	case NT_ENC_PW_SHORT:
		for (i = 0; i < n; i++) found |= len[i] == detail[0];
		require(found && detail[0] <= 4);
		break;
	case NT_ENC_PW_CODE_IDENT:
		for (i = 0; i < n; i++) found |= len[i] > 4 && value[i][0] == detail[0] && value[i][1] == detail[1];
		require(found && (detail[0] != 6 || detail[1] != ident));
		break;
	case NT_ENC_PW_SEQUENCE:
		for (i = 0; i < n; i++) found |= len[i] > 4 && (size_t) (value[i][2] * 256 + value[i][3]) == detail[0];
		require(found && (detail[0] < 1 || detail[0] > NT_ENC_PW_MAX_CHUNKS));
		break;
	case NT_ENC_PW_DUPLICATE:
		for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) {
			found |= len[i] > 4 && len[j] > 4 && value[i][2] == value[j][2] && value[i][3] == value[j][3] &&
				 (size_t) (value[i][2] * 256 + value[i][3]) == detail[0];
		}
		require(found);
		break;
	case NT_ENC_PW_NONE:
		require(n == 0);
		break;
	case NT_ENC_PW_MISSING:
		for (i = 0; i < n; i++) found |= (size_t) (value[i][2] * 256 + value[i][3]) == detail[1];
		require(!found && detail[0] == n && detail[1] >= 1 && detail[1] <= n);
		break;
	case NT_ENC_PW_TOO_LONG:
		require(total > 516);
		break;
	case NT_ENC_PW_LENGTH:
		require(total == detail[0] && total != 516);
		break;
	}
}

static void fuzz_reassembly(uint8_t ident, uint8_t const *d, size_t size)
{
	uint8_t const	*value[NT_ENC_PW_MAX_CHUNKS + 1];
	size_t		len[NT_ENC_PW_MAX_CHUNKS + 1], n = 0, i;
	uint8_t		*copy[NT_ENC_PW_MAX_CHUNKS + 1];

	/* Chunks as the input says, each an exact-size heap copy */
	while (size > 0 && n <= NT_ENC_PW_MAX_CHUNKS) {
		size_t l = d[0] < size - 1 ? d[0] : size - 1;

		copy[n] = malloc(l ? l : 1);
		require(copy[n] != NULL);
		memcpy(copy[n], d + 1, l);
		value[n] = copy[n];
		len[n++] = l;
		d += 1 + l;
		size -= 1 + l;
	}
	check_reassembly(value, len, n, ident);
	for (i = 0; i < n; i++) free(copy[i]);
}

/* 516 octets cut into chunks by the input (sizes and sending order), then put together again */
static void round_trip_reassembly(uint8_t ident, uint8_t const *d, size_t size)
{
	uint8_t		block[MSCHAPV2_PW_BLOCK_LEN], out[MSCHAPV2_PW_BLOCK_LEN], buf[NT_ENC_PW_MAX_CHUNKS][4 + 516];
	uint8_t const	*value[NT_ENC_PW_MAX_CHUNKS];
	size_t		len[NT_ENC_PW_MAX_CHUNKS], detail[2], n, i, used = 0, order[NT_ENC_PW_MAX_CHUNKS];

	if (size < 516 + 2) return;
	memcpy(block, d, 516);
	n = (size_t) d[516] % NT_ENC_PW_MAX_CHUNKS + 1;
	for (i = 0; i < n; i++) order[i] = i;
	for (i = 0; i < n; i++) {	/* a shuffle driven by the input */
		size_t j = (size_t) d[(517 + i) % size] % n, t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++) {	/* chunk i (sequence number i + 1): at least 1 octet each */
		size_t left = 516 - used, room = left - (n - 1 - i), l;

		l = (i == n - 1) ? left : 1 + (size_t) d[(517 + n + i) % size] * 3 % room;
		if (l > room) l = room;
		buf[order[i]][0] = 6;
		buf[order[i]][1] = ident;
		buf[order[i]][2] = (uint8_t) ((i + 1) >> 8);
		buf[order[i]][3] = (uint8_t) (i + 1);
		memcpy(buf[order[i]] + 4, block + used, l);
		value[order[i]] = buf[order[i]];
		len[order[i]] = 4 + l;
		used += l;
	}
	require(used == 516);
	require(nt_enc_pw_reassemble(value, len, n, ident, out, detail) == NT_ENC_PW_OK && memcmp(out, block, 516) == 0);
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	if (size < 1) return 0;
	fuzz_reassembly(data[0], data + 1, size - 1);
	round_trip_reassembly(data[0], data + 1, size - 1);
	return 0;
}
