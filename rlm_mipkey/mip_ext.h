/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mip_ext.h - Mobile IPv4 Registration Request and extension parser
 *		(RFC 3344, RFC 2794, RFC 3012, RFC 3957).
 *
 * Pure: depends only on libc.  Operates on a caller's byte buffer, never
 * allocates, never copies extension data (the mip_rrq_t holds pointers
 * into the buffer, valid as long as the buffer is), checks every length
 * before reading and never reads outside [buf, buf + len).  Suitable to be
 * called directly from a libFuzzer harness.
 *
 * Offsets: every offset stored in a mip_rrq_t, and every offset quoted in
 * an error message, counts from the start of the whole Registration
 * Request (the Type byte of the fixed header).  mip_rrq_parse() gets the
 * whole message, so offsets index buf directly; mip_ext_parse() gets only
 * the extensions and is told where they start (base_offset, normally
 * MIP_RRQ_HDR_LEN), so an offset o is buf[o - base_offset] there.
 *
 * Extension formats (RFC 3344 sections 1.8 - 1.11):
 *
 *   standard ("Type-Length-Value", RFC 3344 1.9):
 *	Type(1) Length(1) Data(Length)
 *   long (RFC 3344 1.10 "Long Extension Format"; RFC 3012 and RFC 3957
 *   call their extensions of this shape "generalized"):
 *	Type(1) Sub-Type(1) Length(2, network order) Data(Length)
 *   short (RFC 3344 1.11):
 *	Type(1) Length(1) Sub-Type(1) Data(Length - 1)
 *
 * In all three, Length counts the bytes after the Length field (it does
 * not include Type, Sub-Type or Length).  Types 0..127 are not skippable
 * (a receiver that does not know one MUST drop the message, RFC 3344
 * 1.8); types 128..255 are skippable and always use a 1-byte Length
 * (RFC 3344 1.10: the long format is for non-skippable extensions only),
 * so an unknown skippable extension is skipped by its 1-byte Length.
 */
#ifndef MIP_EXT_H
#define MIP_EXT_H

#include <stddef.h>
#include <stdint.h>

/* RFC 3344 3.3: Type, flags, Lifetime, Home Address, Home Agent, CoA, Identification */
#define MIP_RRQ_HDR_LEN			24
#define MIP_TYPE_REGISTRATION_REQUEST	1
#define MIP_TYPE_REGISTRATION_REPLY	3

/* RFC 3344 3.3 flag bits (second byte of the Registration Request) */
#define MIP_FLAG_S	0x80	/* simultaneous bindings */
#define MIP_FLAG_B	0x40	/* broadcast datagrams */
#define MIP_FLAG_D	0x20	/* decapsulation by mobile node */
#define MIP_FLAG_M	0x10	/* minimal encapsulation */
#define MIP_FLAG_G	0x08	/* GRE encapsulation */
#define MIP_FLAG_R	0x04	/* r: reserved, sent as zero, ignored */
#define MIP_FLAG_T	0x02	/* reverse tunnelling (RFC 3024) */
#define MIP_FLAG_X	0x01	/* x: reserved, sent as zero, ignored */

/* Extension types */
#define MIP_EXT_MN_HA_AUTH		32	/* RFC 3344 3.5.2, standard + SPI */
#define MIP_EXT_MN_FA_AUTH		33	/* RFC 3344 3.5.3, standard + SPI */
#define MIP_EXT_FA_HA_AUTH		34	/* RFC 3344 3.5.4, standard + SPI */
#define MIP_EXT_GEN_AUTH		36	/* RFC 3012 5, long */
#define MIP_EXT_MN_FA_KEYGEN_REQ	40	/* RFC 3957 6.1, long */
#define MIP_EXT_MN_FA_KEYGEN_REP	41	/* RFC 3957 6.2, long */
#define MIP_EXT_MN_HA_KEYGEN_REQ	42	/* RFC 3957 6.3, long */
#define MIP_EXT_MN_HA_KEYGEN_REP	43	/* RFC 3957 6.4, long */
#define MIP_EXT_MN_NAI			131	/* RFC 2794 2, standard */
#define MIP_EXT_MN_FA_CHALLENGE		132	/* RFC 3012 4 (Mobile-Foreign Challenge), standard */
#define MIP_EXT_SKIPPABLE_MIN		128	/* RFC 3344 1.8 */

/* RFC 3012 5: subtypes of the Generalized Mobile IP Authentication Extension */
#define MIP_GEN_AUTH_MN_AAA		1	/* RFC 3012 6 */

#define MIP_SPI_LEN			4

/* An authentication extension: 32, 33, 34 (standard) or 36 (long) */
typedef struct {
	int		present;
	uint8_t		subtype;	/* 36 only; 0 for 32/33/34 */
	uint32_t	spi;		/* host byte order */
	uint8_t const	*authenticator;	/* into buf */
	size_t		authenticator_len;
	size_t		offset;		/* Type byte: message[0 .. offset) precedes the extension */
	size_t		auth_offset;	/* first authenticator byte: message[0 .. auth_offset)
					 * is the data the authenticator covers per RFC 3344
					 * 3.5.1 / RFC 3012 6 (prior data + Type..SPI) */
} mip_auth_ext_t;

/* A generalized KeyGen Request, RFC 3957 6.1 (40) / 6.3 (42) */
typedef struct {
	int		present;
	uint8_t		subtype;	/* 1 = "from AAA" */
	uint32_t	mn_spi;		/* host byte order */
	uint8_t const	*data;		/* subtype data, into buf (NULL if empty) */
	size_t		data_len;	/* 0 for subtype 1 (checked) */
	size_t		offset;		/* Type byte */
} mip_keygen_req_t;

/* A plain byte string inside buf */
typedef struct {
	uint8_t const	*data;		/* NULL if absent */
	size_t		len;
	size_t		offset;		/* Type byte of the carrying extension */
} mip_bytes_t;

typedef struct {
	/*
	 *	Fixed header, RFC 3344 3.3.  Only set by mip_rrq_parse().
	 *	Integers in host byte order; addresses are the 4 wire bytes
	 *	(network order), e.g. 192.0.2.1 = {192, 0, 2, 1}.
	 */
	int		has_header;
	uint8_t		type;
	uint8_t		flags;
	uint16_t	lifetime;
	uint8_t		home_address[4];
	uint8_t		home_agent[4];
	uint8_t		care_of_address[4];
	uint64_t	identification;		/* host order */
	uint8_t const	*identification_raw;	/* 8 wire bytes (network order), into buf */

	/* Extensions */
	mip_bytes_t	nai;			/* 131, RFC 2794 */
	mip_bytes_t	challenge;		/* 132, RFC 3012 */
	mip_keygen_req_t mn_ha_keygen;		/* 42, RFC 3957 */
	mip_keygen_req_t mn_fa_keygen;		/* 40, RFC 3957 */
	mip_auth_ext_t	mn_ha_auth;		/* 32 */
	mip_auth_ext_t	mn_fa_auth;		/* 33 */
	mip_auth_ext_t	fa_ha_auth;		/* 34 */
	mip_auth_ext_t	mn_aaa_auth;		/* 36 (any subtype; caller checks subtype 1) */

	unsigned int	ext_count;		/* extensions seen, skipped ones included */
	unsigned int	skipped_count;		/* unknown skippable extensions (>= 128) */
	size_t		end_offset;		/* offset just past the last extension */
} mip_rrq_t;

/*
 * Parse a whole Registration Request: the RFC 3344 3.3 fixed header (Type
 * must be 1) and the extensions after it.  *out is cleared first.
 *
 * Rules enforced (message rejected, return -1):
 *  - any field or extension that does not fit in len bytes;
 *  - unknown extension with type < 128 (RFC 3344 1.8); known reply-only
 *    extensions 41/43 in a request count as unknown;
 *  - zero-length NAI (RFC 2794 2) or challenge (RFC 3012 4);
 *  - authentication extensions shorter than the SPI, or with an empty
 *    authenticator; KeyGen Requests shorter than the MN SPI; a subtype 1
 *    KeyGen Request with non-empty subtype data (RFC 3957 6.1 / 6.3);
 *  - a second copy of any extension recorded here;
 *  - RFC 3957 6.1 / 6.3: a KeyGen Request after the MN-AAA Authentication
 *    extension; likewise an NAI or challenge after it (they would not be
 *    covered by the MN-AAA authenticator, RFC 2794 2 / RFC 3012 3.1).
 *
 * Returns 0, or -1 with *err (if err != NULL) set to a short reason.  The
 * message is stored in a thread-local buffer, valid until the next call
 * in the same thread.
 */
int mip_rrq_parse(uint8_t const *buf, size_t len, mip_rrq_t *out, char const **err);

/*
 * Parse an extensions-only blob (the bytes after the fixed header).
 * base_offset is the offset of buf[0] in the whole message (see above).
 * *out is cleared first; has_header stays 0.  Same rules and return
 * convention as mip_rrq_parse().
 */
int mip_ext_parse(uint8_t const *buf, size_t len, size_t base_offset, mip_rrq_t *out, char const **err);

/*
 * RFC 3957 section 5 step 1: the mobile node identifier is the NAI if the
 * request carries one, else the Home Address field (4 bytes, network
 * order).  Sets *id (into the rrq or buf) and *id_len.  Returns 0, or -1
 * if neither is available (no NAI and no parsed header).
 */
int mip_rrq_mn_identifier(mip_rrq_t const *rrq, uint8_t const **id, size_t *id_len);

#endif /* MIP_EXT_H */
