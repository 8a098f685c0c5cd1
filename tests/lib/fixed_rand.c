/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fixed_rand.c - LD_PRELOAD shim for tests/test_kdc.sh: the KDC's random keys made known.
 *
 * The stateful KDC draws KEY1, KEY2 and KEY3 with one RAND_bytes call of 60 octets. While the
 * file named by MIPKEY_TEST_RAND_FILE exists and holds exactly as many octets as a call asks
 * for, that call returns the file's octets; every other call goes to OpenSSL. This lets
 * tests/test_kdc.py send chosen keys (ending in 00, 00 00, with a 00 inside) through every
 * profile and check the reply on the wire. Preloaded after nodeepbind.c: FreeRADIUS's
 * RTLD_DEEPBIND would bind the module to libcrypto's RAND_bytes first.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int RAND_bytes(unsigned char *buf, int num)
{
	static int (*next)(unsigned char *, int);
	char const *path = getenv("MIPKEY_TEST_RAND_FILE");
	struct stat st;
	int fd;

	if (path && num > 0 && (fd = open(path, O_RDONLY)) >= 0) {
		ssize_t got = fstat(fd, &st) == 0 && st.st_size == num ? read(fd, buf, (size_t) num) : -1;

		close(fd);
		if (got == num) return 1;
	}
	if (!next) next = (int (*)(unsigned char *, int)) dlsym(RTLD_NEXT, "RAND_bytes");
	return next ? next(buf, num) : 0;
}
