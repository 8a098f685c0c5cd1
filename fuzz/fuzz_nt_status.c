/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_nt_status.c - libFuzzer harness for the NT status classifier and the parser of the
 *		      status texts Samba tools print (rlm_mipkey/nt_status.c).
 *
 * Input: 4 bytes of status code, 1 byte choosing a table entry, then a text.
 *  - nt_status_classify(), nt_status_name() and nt_status_info() agree with the table
 *    (nt_status_table()) for the fuzzed code: the table's class for a listed code, and
 *    NT_CLASS_FAIL (never a password class) for any other;
 *  - nt_status_from_text() on the fuzzed text gives exactly what a parser written here gives:
 *    trailing blanks (space, tab, CR, LF) ignored, then a table name or description, or
 *    "NT code 0x" and 8 hex digits; nothing else is a status;
 *  - every table entry is found back from its name, its description and "NT code 0x%08x",
 *    with a fuzzed run of trailing blanks; with anything else appended it is not that entry.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nt_status.h"

static void require(int cond)
{
	if (!cond) abort();
}

static int hex(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* The reference parser: 1 and *code, or 0 */
static int ref_from_text(char const *t, size_t len, uint32_t *code)
{
	nt_status_info_t const	*tab;
	size_t			n, i;

	while (len && strchr(" \t\r\n", t[len - 1]) && t[len - 1]) len--;
	if (!len) return 0;
	tab = nt_status_table(&n);
	for (i = 0; i < n; i++) {
		if ((strlen(tab[i].name) == len && !memcmp(tab[i].name, t, len)) ||
		    (strlen(tab[i].text) == len && !memcmp(tab[i].text, t, len))) {
			*code = tab[i].code;
			return 1;
		}
	}
	if (len == 18 && !memcmp(t, "NT code 0x", 10)) {
		uint32_t v = 0;

		for (i = 10; i < 18; i++) {
			int h = hex(t[i]);

			if (h < 0) return 0;
			v = v << 4 | (uint32_t)h;
		}
		*code = v;
		return 1;
	}
	return 0;
}

static void expect_text(char const *s, size_t len, uint32_t want)
{
	uint32_t got = 0;

	require(nt_status_from_text(s, len, &got) && got == want);
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	nt_status_info_t const	*tab, *info;
	size_t			n, i;
	uint32_t		code, got = 0, want = 0;
	char const		*text;
	size_t			text_len;
	int			ok;

	if (size < 5) return 0;
	code = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
	tab = nt_status_table(&n);
	require(tab != NULL && n > 0);

	/* The classifier against the table */
	info = NULL;
	for (i = 0; i < n; i++) if (tab[i].code == code) { info = &tab[i]; break; }
	require(nt_status_info(code) == info);
	require(nt_status_classify(code) == (info ? info->cls : NT_CLASS_FAIL));
	require(nt_status_name(code) == (info ? info->name : NULL));
	require(nt_status_class_name(nt_status_classify(code)) != NULL);
	if (code == NT_STATUS_OK) require(nt_status_classify(code) == NT_CLASS_FAIL || info);

	/* The text parser against the reference (text is the input itself: not NUL-terminated) */
	text = (char const *)data + 5;
	text_len = size - 5;
	ok = ref_from_text(text, text_len, &want);
	require(nt_status_from_text(text, text_len, &got) == (ok == 1));
	if (ok) require(got == want);

	/* A table entry found back from each of its texts, with blanks after; not with junk after */
	{
		nt_status_info_t const	*e = &tab[data[4] % n];
		char			buf[300];
		size_t			blanks = text_len % 5, k, l;

		l = (size_t)snprintf(buf, sizeof(buf) - 8, "%s", e->name);
		for (k = 0; k < blanks; k++) buf[l + k] = " \t\r\n"[(text_len + k) % 4];
		expect_text(buf, l + blanks, ref_from_text(e->name, strlen(e->name), &want) ? want : e->code);
		l = (size_t)snprintf(buf, sizeof(buf) - 8, "%s", e->text);
		for (k = 0; k < blanks; k++) buf[l + k] = ' ';
		require(ref_from_text(buf, l + blanks, &want) == 1);
		expect_text(buf, l + blanks, want);
		l = (size_t)snprintf(buf, sizeof(buf), "NT code 0x%08x", e->code);
		if (ref_from_text(buf, l, &want)) expect_text(buf, l, want);
		l = (size_t)snprintf(buf, sizeof(buf), "%sX", e->name);
		if (!ref_from_text(buf, l, &want)) require(!nt_status_from_text(buf, l, &got));
	}
	return 0;
}
