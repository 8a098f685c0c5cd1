/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mip_attrs.h - the attribute front-ends of a Mobile IP key request: Mipkey-Key-Request and
 * the attributes beside it (or a 3GPP2 / WiMAX MN-HA SPI alone) into the policy's
 * mip_key_request_t (mip_policy.h) for mobileip.c, or into the key request of keys from EAP
 * key material (eap_keys.c).
 *
 * Pure C, no FreeRADIUS: mobileip.c finds the pairs and hands over, per attribute, its id
 * and its value as on the wire (integers 4 octets in network order, IPv4 addresses 4
 * octets, WiMAX-RRQ-HA-IP 4 or 16). Only what is malformed is refused here; who gets keys is
 * mip_policy.c's (MS-CHAPv2) or is settled by the EAP authentication. Unit-tested (tests/unit/test_attrs.c) and fuzzed (fuzz/fuzz_mip_attrs.c).
 *
 * Of several attributes with the same id the first counts (as FreeRADIUS's pair lookups
 * answer). Of the three MN-HA SPIs and of the three home agent addresses the first present
 * in the order of the ids below counts (the project's own first).
 */
#ifndef MIP_ATTRS_H
#define MIP_ATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mip_policy.h"

typedef enum {
	MIP_ATTR_KEY_REQUEST = 0,	//!< Mipkey-Key-Request: 1 MN-HA, 2 MN-FA, 3 both; absent: 1
	MIP_ATTR_MN_HA_SPI,		//!< Mipkey-MN-HA-SPI
	MIP_ATTR_3GPP2_MN_HA_SPI,	//!< 3GPP2-MN-HA-SPI
	MIP_ATTR_WIMAX_MN_HA_SPI,	//!< WiMAX-RRQ-MN-HA-SPI
	MIP_ATTR_MN_FA_SPI,		//!< Mipkey-MN-FA-SPI
	MIP_ATTR_HOME_AGENT,		//!< Mipkey-Home-Agent-Address
	MIP_ATTR_3GPP2_HOME_AGENT,	//!< 3GPP2-Home-Agent-IP-Address
	MIP_ATTR_WIMAX_HOME_AGENT,	//!< WiMAX-RRQ-HA-IP: 16 octets (IPv6) is not for MIPv4, no home agent
	MIP_ATTR_HOME_ADDRESS,		//!< Mipkey-Home-Address
	MIP_ATTR_AAA_SPI,		//!< Mipkey-AAA-SPI
	MIP_ATTR_REQUESTED_LIFETIME,	//!< Mipkey-Requested-Lifetime; absent: UINT32_MAX
	MIP_ATTR_USER_NAME,		//!< User-Name, any length
	MIP_ATTR_FOREIGN_AGENT,		//!< Mipkey-Foreign-Agent-Address (EAP only)
	MIP_ATTR_FA_HA_SPI,		//!< Mipkey-FA-HA-SPI (EAP only)
	MIP_ATTR_COUNT
} mip_attr_id_t;

typedef struct {
	mip_attr_id_t	id;
	uint8_t const	*value;
	size_t		len;
} mip_attr_t;

typedef enum {
	MIP_ATTRS_OK = 0,
	MIP_ATTRS_LENGTH,		//!< a value of the wrong length (or an unknown id); detail = the id
	MIP_ATTRS_KEY_REQUEST,		//!< Mipkey-Key-Request not 1, 2 or 3; detail = its value
	MIP_ATTRS_NO_MN_HA_SPI,		//!< an MN-HA key asked for without an MN-HA SPI
	MIP_ATTRS_NO_MN_FA_SPI,		//!< an MN-FA key asked for without Mipkey-MN-FA-SPI
	MIP_ATTRS_NO_HOME_AGENT,	//!< EAP: an MN-HA key without an IPv4 home agent address
	MIP_ATTRS_NO_FOREIGN_AGENT,	//!< EAP: an MN-FA key without Mipkey-Foreign-Agent-Address
	MIP_ATTRS_LIFETIME_ZERO		//!< EAP: Mipkey-Requested-Lifetime 0
} mip_attrs_rc_t;

/**
 * Fills kr, zeroed first (source MIP_SOURCE_ATTRIBUTES; kr->user_name points into the User-Name value), and
 * the home agent address (*has_home_agent false when none is given) from the n attributes.
 * The first problem found decides: the lengths of all, then the key request, then the SPIs.
 * On a refusal kr and the home agent are left partly filled.
 */
mip_attrs_rc_t mip_attrs_key_request(mip_attr_t const *attrs, size_t n, mip_key_request_t *kr,
				     bool *has_home_agent, uint8_t home_agent[4], uint32_t *detail);

/** What a home agent asks of keys from EAP key material. */
typedef struct {
	bool		mn_ha, mn_fa, fa_ha;
	uint32_t	mn_ha_spi, mn_fa_spi, fa_ha_spi, aaa_spi;	//!< aaa_spi: 0 when not given
	uint8_t		home_agent[4], foreign_agent[4];
	uint32_t	lifetime;
} mip_attrs_eap_request_t;

/**
 * The EAP front-end (eap_keys.c): out zeroed, then Mipkey-Key-Request 1, 2 or 3, else an
 * MN-HA key when a 3GPP2 or WiMAX MN-HA SPI is given (else no MN key: an FA-HA key alone).
 * An MN-HA key needs an MN-HA SPI and the home agent's IPv4 address (the key is bound to it),
 * an MN-FA key Mipkey-MN-FA-SPI and Mipkey-Foreign-Agent-Address; Mipkey-FA-HA-SPI asks for an
 * FA-HA key. The lifetime is min(requested, max_lifetime), max_lifetime when not given; 0 is
 * refused. User-Name is not looked at. The first problem found decides: the lengths of all,
 * the key request, then MN-HA SPI, home agent, MN-FA SPI, foreign agent, lifetime.
 */
mip_attrs_rc_t mip_attrs_eap_key_request(mip_attr_t const *attrs, size_t n, uint32_t max_lifetime,
					 mip_attrs_eap_request_t *out, uint32_t *detail);

#endif
