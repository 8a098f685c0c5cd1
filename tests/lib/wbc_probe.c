/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * tests/lib/wbc_probe.c - check MS-CHAPv2 pass-through to winbindd with libwbclient.
 *
 * Calls wbcCtxAuthenticateUserEx() at level WBC_AUTH_USER_LEVEL_RESPONSE with
 * parameter_control WBC_MSV1_0_ALLOW_MSVCHAPV2, i.e. the same request an
 * MS-CHAPv2 winbind backend makes, and prints what winbindd answered.
 *
 * Build:
 *   gcc -Wall -Wextra -O2 -o wbc_probe tests/lib/wbc_probe.c $(pkg-config --cflags --libs wbclient)
 *
 * Usage:
 *   wbc_probe -u USER -d DOMAIN -c CHALLENGEHASH(16 hex) -r NT-RESPONSE(48 hex)
 *             [-w WORKSTATION] [-p EXTRA_PARAMETER_CONTROL(hex)]
 *
 * For MS-CHAPv2 the 8-byte "challenge" is the RFC 2759 ChallengeHash
 * (SHA1(peer challenge || authenticator challenge || username)[0..7]).
 *
 * Output (one "key: value" per line):
 *   wbc: WBC_ERR_SUCCESS | WBC_ERR_AUTH_ERROR | ...
 *   nt_status: 0x........ NT_STATUS_...      (on WBC_ERR_AUTH_ERROR, or OK)
 *   user_session_key: 32 upper-case hex      (on success; MD4(MD4(UTF-16LE(pw))))
 *   account_name: / domain_name:              (on success, as winbindd returns them)
 *
 * Exit status: 0 success, 1 authentication refused (WBC_ERR_AUTH_ERROR),
 * 2 any other libwbclient error (winbindd not reachable, ...), 64 usage.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wbclient.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Parses exactly len bytes of hex from s into out; false on any error. */
static bool parse_hex(const char *s, uint8_t *out, size_t len)
{
	size_t i;

	if (strlen(s) != 2 * len) return false;
	for (i = 0; i < len; i++) {
		int hi = hexval((unsigned char)s[2 * i]);
		int lo = hexval((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0) return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static void print_hex(const char *label, const uint8_t *p, size_t len)
{
	size_t i;

	printf("%s: ", label);
	for (i = 0; i < len; i++) printf("%02X", p[i]);
	printf("\n");
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s -u USER -d DOMAIN -c CHALLENGEHASH(16 hex) -r NT-RESPONSE(48 hex)\n"
		"          [-w WORKSTATION] [-p EXTRA_PARAMETER_CONTROL(hex)]\n", prog);
}

int main(int argc, char **argv)
{
	const char *user = NULL, *domain = NULL, *chal_hex = NULL, *resp_hex = NULL;
	const char *workstation = NULL;
	uint32_t extra_pc = 0;
	uint8_t challenge[8], nt_response[24];
	struct wbcContext *ctx;
	struct wbcAuthUserParams params;
	struct wbcAuthUserInfo *info = NULL;
	struct wbcAuthErrorInfo *err = NULL;
	wbcErr wret;
	int opt, rc;

	while ((opt = getopt(argc, argv, "u:d:c:r:w:p:h")) != -1) {
		switch (opt) {
		case 'u': user = optarg; break;
		case 'd': domain = optarg; break;
		case 'c': chal_hex = optarg; break;
		case 'r': resp_hex = optarg; break;
		case 'w': workstation = optarg; break;
		case 'p': extra_pc = (uint32_t)strtoul(optarg, NULL, 16); break;
		default: usage(argv[0]); return 64;
		}
	}
	if (!user || !domain || !chal_hex || !resp_hex || optind != argc) {
		usage(argv[0]);
		return 64;
	}
	if (!parse_hex(chal_hex, challenge, sizeof(challenge))) {
		fprintf(stderr, "wbc_probe: challenge must be 16 hex digits\n");
		return 64;
	}
	if (!parse_hex(resp_hex, nt_response, sizeof(nt_response))) {
		fprintf(stderr, "wbc_probe: NT-Response must be 48 hex digits\n");
		return 64;
	}

	ctx = wbcCtxCreate();
	if (!ctx) {
		printf("wbc: wbcCtxCreate failed\n");
		return 2;
	}

	memset(&params, 0, sizeof(params));
	params.account_name = user;
	params.domain_name = domain;
	params.workstation_name = workstation;	/* NULL: winbindd uses its own name */
	params.flags = 0;
	params.parameter_control = WBC_MSV1_0_ALLOW_MSVCHAPV2 | extra_pc;
	params.level = WBC_AUTH_USER_LEVEL_RESPONSE;
	memcpy(params.password.response.challenge, challenge, sizeof(challenge));
	params.password.response.nt_length = sizeof(nt_response);
	params.password.response.nt_data = nt_response;
	params.password.response.lm_length = 0;
	params.password.response.lm_data = NULL;

	wret = wbcCtxAuthenticateUserEx(ctx, &params, &info, &err);
	printf("wbc: %s\n", wbcErrorString(wret));

	if (wret == WBC_ERR_SUCCESS && info) {
		printf("nt_status: 0x00000000 NT_STATUS_OK\n");
		print_hex("user_session_key", info->user_session_key,
			  sizeof(info->user_session_key));
		printf("account_name: %s\n", info->account_name ? info->account_name : "");
		printf("domain_name: %s\n", info->domain_name ? info->domain_name : "");
		rc = 0;
	} else if (wret == WBC_ERR_AUTH_ERROR) {
		if (err) {
			printf("nt_status: 0x%08X %s\n", (unsigned)err->nt_status,
			       err->nt_string ? err->nt_string : "?");
			if (err->display_string && *err->display_string)
				printf("display_string: %s\n", err->display_string);
		}
		rc = 1;
	} else {
		if (err && err->nt_string)
			printf("nt_status: 0x%08X %s\n", (unsigned)err->nt_status, err->nt_string);
		rc = 2;
	}

	wbcFreeMemory(info);
	wbcFreeMemory(err);
	wbcCtxFree(ctx);
	return rc;
}
