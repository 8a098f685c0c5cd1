/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * nodeepbind.c - LD_PRELOAD shim for the sanitizer runs (tests/lib/sanitize.sh).
 *
 * FreeRADIUS loads modules with dlopen(..., RTLD_DEEPBIND), which the
 * AddressSanitizer runtime refuses (a deep-bound library would call the
 * real malloc, not ASan's).  Preloaded before libasan, this dlopen drops
 * the flag and hands over to the next dlopen (ASan's interceptor, then
 * libc's).  Only for tests: deep binding keeps a module's symbols from
 * clashing with the server's, which the tests' modules do not rely on.
 *
 * In freeradius itself it also removes LD_PRELOAD from the environment once loaded, so that
 * the programs the server runs (ntlm_auth and the tests' shell helpers) start without the
 * sanitizer runtime: uninstrumented, they gain nothing from it and start much slower with it,
 * which made the tests' 2 s ntlm_auth timeout fire under load.  Other programs on the way
 * (env, sh, nsenter) keep it, so that it reaches freeradius.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

__attribute__((constructor)) static void drop_preload_in_freeradius(void)
{
	if (strcmp(program_invocation_short_name, "freeradius") == 0) unsetenv("LD_PRELOAD");
}

void *dlopen(char const *file, int flags)
{
	static void *(*next)(char const *, int);

	if (!next) next = (void *(*)(char const *, int))dlsym(RTLD_NEXT, "dlopen");
	if (!next) return NULL;
	return next(file, flags & ~RTLD_DEEPBIND);
}
