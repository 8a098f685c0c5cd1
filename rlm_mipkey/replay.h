/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * replay.h - the replay cache of Mobile IP key requests, FreeRADIUS side: the
 * "replay_cache { }" subsection of "mobileip { }", and the checks mobileip.c and kdc_glue.c make
 * before they hand out any key material (keys, Skey, k''). What is remembered and why: replay_cache.h.
 */
#ifndef MIPKEY_REPLAY_H
#define MIPKEY_REPLAY_H

#include <freeradius/radiusd.h>
#include "backend.h"

typedef struct replay replay_t;

/**
 * Parses replay_cache { } in the mobileip section cs (defaults without one) and opens the
 * store. replay_window: the timestamp window in seconds (0: none, replay_method = nonces or
 * replay_window = 0), from which the default retention follows. Freed with ctx.
 * Returns 0, or -1 after cf_log_err.
 */
int replay_instantiate(TALLOC_CTX *ctx, CONF_SECTION *cs, uint32_t replay_window, char const *log_prefix,
		       replay_t **out);

/**
 * Before key material goes to a verified and granted request: stores its MS-CHAPv2 tuple (and, with
 * rrq, its Registration Request's identifier and Identification). RLM_MODULE_OK: first use
 * (or the home agent failing over, see replay_cache.h), or the store is unreachable and
 * on_unavailable = accept; RLM_MODULE_REJECT: a replay (logged, Reply-Message);
 * RLM_MODULE_FAIL: the store is unreachable and on_unavailable = fail (logged once per
 * outage, Reply-Message).
 */
rlm_rcode_t replay_check(replay_t *rc, REQUEST *request, mipkey_auth_t const *auth,
			 VALUE_PAIR const *rrq);

/**
 * The same for the key distribution centre mode (kdc_glue.c), after the Encrypted NAI
 * authenticated: stores the decrypted NAI and the Identification (both under the request's
 * AES-GCM tag). RLM_MODULE_OK: first use (or failover); RLM_MODULE_REJECT: a replay, with
 * nothing logged or added to the reply (the KDC gives every refusal one answer);
 * RLM_MODULE_FAIL: as replay_check().
 */
rlm_rcode_t replay_check_kdc(replay_t *rc, REQUEST *request, uint8_t const *nai, size_t nai_len,
			     uint8_t const home_address[4], uint64_t identification);

/** Seconds an entry lives; 0 without a store (rc NULL or store = none). */
uint32_t replay_retention(replay_t const *rc);

#endif
