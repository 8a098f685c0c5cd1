/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_check.h - what several harnesses share: a check that names itself before the abort
 * libFuzzer reports, an exact-size heap copy of an input slice (so that ASan sees any read
 * past its end), and the offsets of a fixed layout given as its field lengths.
 */
#ifndef MIPKEY_FUZZ_CHECK_H
#define MIPKEY_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define require(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); abort(); } } while (0)

static inline uint8_t *copy(uint8_t const *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	require(c);
	if (len) memcpy(c, p, len);
	return c;
}

/* Offset of field i: the sum of the lengths before it. */
static inline size_t field_offset(size_t const *fields, size_t i)
{
	size_t off = 0, j;

	for (j = 0; j < i; j++) off += fields[j];
	return off;
}

#endif
