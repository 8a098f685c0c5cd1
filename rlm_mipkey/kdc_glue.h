/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * kdc_glue.h - FreeRADIUS side of the key distribution centre mode (kdc.h): the "kdc { }"
 * subsection, and the answer to an Access-Request with Mipkey-KDC-Request.
 */
#ifndef MIPKEY_KDC_GLUE_H
#define MIPKEY_KDC_GLUE_H

#include <freeradius/radiusd.h>
#include "backend.h"
#include "mobileip.h"

typedef struct kdc_inst kdc_inst_t;

/*
 * Parses the "kdc" subsection of conf. No subsection: *out NULL (KDC mode off). The mode
 * needs a backend with lookup_key0 configured and Mobile IP on (the project dictionary).
 * Returns 0, or -1 after cf_log_err.
 */
int kdc_instantiate(TALLOC_CTX *ctx, CONF_SECTION *conf, char const *log_prefix, mipkey_backend_t const *backend,
		    void *backend_inst, mobileip_inst_t const *mobileip, kdc_inst_t **out);

/* true if the request carries Mipkey-KDC-Request. */
bool kdc_requested(REQUEST *request);

/*
 * Authenticates the encrypted identity and hands out the keys. RLM_MODULE_OK with the reply
 * attributes, RLM_MODULE_REJECT with one fixed Reply-Message whatever the reason (the reason
 * is in the log), RLM_MODULE_FAIL when the backend cannot be asked or on internal errors.
 */
rlm_rcode_t kdc_authenticate(kdc_inst_t const *inst, REQUEST *request);

#endif
