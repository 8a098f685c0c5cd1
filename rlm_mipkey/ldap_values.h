/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * ldap_values.h - reading the values of a user's LDAP entry (sambaNTPassword, sambaAcctFlags,
 * the Samba timestamps, the Mobile IP AAA security association).
 *
 * Pure C, no FreeRADIUS and no libldap: backend_ldap.c hands over each value as bytes and a
 * length (a berval's, not NUL-terminated). Unit-tested (tests/unit/test_parsers.c) and fuzzed
 * (fuzz/fuzz_ldap_values.c). A directory is outside input: a value that is not exactly what
 * is expected is refused (-1), never read partly.
 */
#ifndef MIPKEY_LDAP_VALUES_H
#define MIPKEY_LDAP_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "mschapv2.h"

/** An NT hash: exactly 32 hex digits (either case). 0, or -1 (out not written). */
int ldap_values_nt_hash(char const *v, size_t len, uint8_t out[MSCHAPV2_HASH_LEN]);

/**
 * A key in hex: an even number of hex digits, 1 to max octets. 0 and *out_len, or -1 (out
 * and *out_len not written). v may be NULL (no value): -1.
 */
int ldap_values_hex_key(char const *v, size_t len, uint8_t *out, size_t max, size_t *out_len);

/** An SPI: 1 to 10 decimal digits, at most 4294967295. 0, or -1. v may be NULL: -1. */
int ldap_values_spi(char const *v, size_t len, uint32_t *spi);

/**
 * A Samba timestamp: decimal seconds since 1970, an optional '-' then 1 to 19 digits, at most
 * INT64_MAX in magnitude. 0, or -1 (*t not written).
 */
int ldap_values_time(char const *v, size_t len, int64_t *t);

/**
 * sambaAcctFlags looks like "[UD         ]": one letter per flag up to the ']'. The first
 * character of the value (up to a ']') that is one of the letters in which, or 0.
 */
char ldap_values_acct_flag(char const *v, size_t len, char const *which);

/**
 * An algorithm name: 1 to size - 1 printable characters, no blank. Copied to out with a NUL:
 * 0, or -1 (out not written). v may be NULL: -1.
 */
int ldap_values_algorithm(char const *v, size_t len, char *out, size_t size);

#endif
