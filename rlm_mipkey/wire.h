/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * wire.h - network byte order reads and writes, and the NTP epoch, shared by the Mobile IP
 * parser, the RFC 3957 encoders, the policy and the tools. Header-only, pure.
 */
#ifndef MIPKEY_WIRE_H
#define MIPKEY_WIRE_H

#include <stdint.h>

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01: RFC 3344 5.7 timestamps. */
#define NTP_UNIX_OFFSET	2208988800UL

static inline uint16_t get16(uint8_t const *p)
{
	return (uint16_t) (((unsigned int) p[0] << 8) | p[1]);
}

static inline uint32_t get32(uint8_t const *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static inline uint64_t get64(uint8_t const *p)
{
	return ((uint64_t) get32(p) << 32) | get32(p + 4);
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t) (v >> 8);
	p[1] = (uint8_t) v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) (v >> 24);
	p[1] = (uint8_t) (v >> 16);
	p[2] = (uint8_t) (v >> 8);
	p[3] = (uint8_t) v;
}

#endif
