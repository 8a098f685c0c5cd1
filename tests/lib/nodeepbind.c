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
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

void *dlopen(char const *file, int flags)
{
	static void *(*next)(char const *, int);

	if (!next) next = (void *(*)(char const *, int))dlsym(RTLD_NEXT, "dlopen");
	if (!next) return NULL;
	return next(file, flags & ~RTLD_DEEPBIND);
}
