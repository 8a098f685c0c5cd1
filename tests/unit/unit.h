/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * unit.h - what the unit-test programs share: one "PASS name" or
 * "FAIL name: expected X got Y" line per check, and the counts for the
 * closing "N passed, N failed" line. Each test program is one translation unit.
 */
#ifndef MIPKEY_UNIT_H
#define MIPKEY_UNIT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static inline void print_hex(uint8_t const *p, size_t len)
{
	size_t i;

	if (!len) {
		printf("(empty)");
		return;
	}
	for (i = 0; i < len; i++) printf("%02x", p[i]);
}

/* Parses a hex string (spaces ignored) into out; returns the length. A bad test vector exits. */
static inline size_t unhex(char const *hex, uint8_t *out, size_t outlen)
{
	size_t n = 0;

	while (*hex) {
		unsigned int b;

		if (*hex == ' ') {
			hex++;
			continue;
		}
		if (n >= outlen || sscanf(hex, "%2x", &b) != 1) {
			fprintf(stderr, "bad hex in test: %s\n", hex);
			exit(2);
		}
		out[n++] = (uint8_t)b;
		hex += 2;
	}
	return n;
}

static inline void pass(char const *name)
{
	printf("PASS %s\n", name);
	passed++;
}

static inline void check_bytes(char const *name, uint8_t const *expected, size_t elen,
			       uint8_t const *got, size_t glen)
{
	if (got && elen == glen && memcmp(expected, got, elen) == 0) {
		pass(name);
		return;
	}
	printf("FAIL %s: expected ", name);
	print_hex(expected, elen);
	printf(" got ");
	if (got) print_hex(got, glen);
	else printf("(null)");
	printf("\n");
	failed++;
}

static inline void check_hex(char const *name, char const *expected_hex, uint8_t const *got, size_t glen)
{
	uint8_t	e[512];
	size_t	elen = unhex(expected_hex, e, sizeof(e));

	check_bytes(name, e, elen, got, glen);
}

static inline void check_int(char const *name, long long expected, long long got)
{
	if (expected == got) {
		pass(name);
		return;
	}
	printf("FAIL %s: expected %lld got %lld\n", name, expected, got);
	failed++;
}

static inline void check_true(char const *name, int cond)
{
	if (cond) {
		pass(name);
		return;
	}
	printf("FAIL %s: expected true got false\n", name);
	failed++;
}

#endif
