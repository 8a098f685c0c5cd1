/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * pairs.h - one home for building attributes, shared by the module (reply attributes) and
 * mipkey-client (request attributes): libfreeradius-radius only, no server.
 *
 * Each allocates the pair in ctx, sets its value and appends it to *vps; NULL on failure
 * (out of memory). The attribute comes as a DICT_ATTR: callers look it up their own way
 * (by number or by name) and say themselves what is missing.
 */
#ifndef MIPKEY_PAIRS_H
#define MIPKEY_PAIRS_H

#include <freeradius/libradius.h>

VALUE_PAIR *pairs_add_octets(TALLOC_CTX *ctx, VALUE_PAIR **vps, DICT_ATTR const *da, uint8_t const *data, size_t len);
VALUE_PAIR *pairs_add_string(TALLOC_CTX *ctx, VALUE_PAIR **vps, DICT_ATTR const *da, char const *value, size_t len);
VALUE_PAIR *pairs_add_integer(TALLOC_CTX *ctx, VALUE_PAIR **vps, DICT_ATTR const *da, uint32_t value);
VALUE_PAIR *pairs_add_ipaddr(TALLOC_CTX *ctx, VALUE_PAIR **vps, DICT_ATTR const *da, uint8_t const addr[4]);

#endif
