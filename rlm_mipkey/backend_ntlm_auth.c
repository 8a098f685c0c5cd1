/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * backend_ntlm_auth.c - a domain controller verifies the response through Samba's ntlm_auth
 * helper (a process per request, with a timeout), which prints the user session key k'.
 *
 * The fallback where libwbclient cannot be used. The user name goes into argv as one argument,
 * never through a shell.
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <openssl/crypto.h>

#include "backend.h"
#include "dc_common.h"

#define OUTPUT_MAX 1024

extern char **environ;


typedef struct {
	dc_domain_conf_t	domains;
	char const		*program;
	char const		*config_file;
	uint32_t		timeout;
} ntlm_auth_inst_t;

static CONF_PARSER const ntlm_auth_config[] = {
	{ "program", FR_CONF_OFFSET(PW_TYPE_STRING | PW_TYPE_NOT_EMPTY, ntlm_auth_inst_t, program), "/usr/bin/ntlm_auth" },
	{ "config_file", FR_CONF_OFFSET(PW_TYPE_STRING, ntlm_auth_inst_t, config_file), NULL },
	{ "timeout", FR_CONF_OFFSET(PW_TYPE_INTEGER, ntlm_auth_inst_t, timeout), "5" },
	CONF_PARSER_TERMINATOR
};

static int ntlm_auth_instantiate(TALLOC_CTX *ctx, CONF_SECTION *cs, UNUSED char const *log_prefix, void **instance)
{
	ntlm_auth_inst_t *inst;

	inst = talloc_zero(ctx, ntlm_auth_inst_t);
	if (!inst) return -1;
	if (cf_section_parse(cs, inst, ntlm_auth_config) < 0) return -1;
	if (dc_domain_conf_parse(inst, cs, &inst->domains) < 0) return -1;
	if (access(inst->program, X_OK) < 0) {
		cf_log_err_cs(cs, "program \"%s\" is not executable: %s", inst->program, fr_syserror(errno));
		return -1;
	}
	if (inst->timeout == 0 || inst->timeout > 60) {
		cf_log_err_cs(cs, "timeout must be 1 to 60 seconds");
		return -1;
	}
	*instance = inst;
	return 0;
}

/*
 * Runs argv and collects its stdout within timeout seconds. Returns the exit status, -1 if it
 * could not run or its status is unknown, -2 on timeout (the child is killed).
 *
 * rad_fork()/rad_waitpid(), not posix_spawn()/waitpid(): FreeRADIUS's threads reap every child
 * they did not fork themselves, so a plain waitpid() could find nothing to wait for. The child
 * gets only stdin (/dev/null), stdout (our pipe) and stderr (/dev/null): no descriptor of the
 * server, and no other request's pipe.
 */
static int run(REQUEST *request, char *const argv[], uint32_t timeout, char *out, size_t outlen)
{
	int		fds[2], devnull, status = 0;
	pid_t		pid;
	size_t		used = 0;
	struct timeval	start, now;

	if (pipe2(fds, O_CLOEXEC) < 0) return -1;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}

	pid = rad_fork();
	if (pid == 0) {
		/* Child: only async-signal-safe calls until execve. dup2 clears O_CLOEXEC on 0-2. */
		if (dup2(devnull, STDIN_FILENO) < 0 || dup2(fds[1], STDOUT_FILENO) < 0 ||
		    dup2(devnull, STDERR_FILENO) < 0) _exit(127);
		closefrom(STDERR_FILENO + 1);
		execve(argv[0], argv, environ);
		_exit(127);
	}
	close(fds[1]);
	close(devnull);
	if (pid < 0) {
		close(fds[0]);
		RERROR("Cannot run %s: %s", argv[0], fr_syserror(errno));
		return -1;
	}

	gettimeofday(&start, NULL);
	for (;;) {
		struct pollfd	pfd = { .fd = fds[0], .events = POLLIN };
		long		left;
		ssize_t		n;
		int		ready;

		gettimeofday(&now, NULL);
		left = (long) timeout * 1000 - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_usec - start.tv_usec) / 1000);
		ready = left > 0 ? poll(&pfd, 1, (int) left) : 0;
		if (ready < 0 && errno == EINTR) continue;
		if (ready <= 0) {
			kill(pid, SIGKILL);
			rad_waitpid(pid, &status);
			close(fds[0]);
			OPENSSL_cleanse(out, outlen);
			return -2;
		}
		n = read(fds[0], out + used, outlen - 1 - used);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) break;
		used += (size_t) n;
		if (used == outlen - 1) break;	/* more than we ever parse: the rest is not needed */
	}
	out[used] = '\0';
	close(fds[0]);
	if (rad_waitpid(pid, &status) != pid) return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static mipkey_result_t ntlm_auth_lookup(void *instance, REQUEST *request, mipkey_auth_t const *auth, mipkey_key_t *out)
{
	ntlm_auth_inst_t	*inst = instance;
	char			domain[DC_DOMAIN_MAX];
	char			challenge[2 * MSCHAPV2_CHALLENGE_HASH_LEN + 1], response[2 * MSCHAPV2_NT_RESPONSE_LEN + 1];
	char			output[OUTPUT_MAX], *key, *p;
	char			*argv[10];
	int			argc = 0, rc, i;
	unsigned int		status;
	mipkey_result_t		result;

	out->kind = MIPKEY_KEY_VERIFIED;
	if (dc_domain(&inst->domains, request, auth, domain, sizeof(domain)) < 0) {
		REDEBUG("NT domain name too long");
		return MIPKEY_INVALID;
	}
	if (memchr(auth->account, '\0', auth->account_len)) {
		REDEBUG("User name contains a NUL byte");
		return MIPKEY_INVALID;
	}
	fr_bin2hex(challenge, auth->challenge_hash, MSCHAPV2_CHALLENGE_HASH_LEN);
	fr_bin2hex(response, auth->nt_response, MSCHAPV2_NT_RESPONSE_LEN);

	argv[argc++] = (char *)(uintptr_t) inst->program;
	argv[argc++] = "--request-nt-key";
	argv[argc++] = "--allow-mschapv2";
	argv[argc++] = talloc_asprintf(request, "--username=%.*s", (int) auth->account_len, auth->account);
	argv[argc++] = talloc_asprintf(request, "--domain=%s", domain);
	argv[argc++] = talloc_asprintf(request, "--challenge=%s", challenge);
	argv[argc++] = talloc_asprintf(request, "--nt-response=%s", response);
	if (inst->config_file) argv[argc++] = talloc_asprintf(request, "--configfile=%s", inst->config_file);
	argv[argc] = NULL;
	for (i = 3; i < argc; i++) {
		if (!argv[i]) {		/* out of memory: never run it with an argument missing */
			for (i = 3; i < argc; i++) talloc_free(argv[i]);
			return MIPKEY_BACKEND_DOWN;
		}
	}

	RDEBUG2("Asking the domain controller (ntlm_auth) for %s\\%.*s", domain, (int) auth->account_len, auth->account);
	rc = run(request, argv, inst->timeout, output, sizeof(output));
	for (i = 3; i < argc; i++) talloc_free(argv[i]);

	if (rc == -2) {
		RERROR("Domain controller unreachable: ntlm_auth did not answer within %u s", inst->timeout);
		result = MIPKEY_BACKEND_DOWN;
		goto done;
	}
	if (rc < 0) {
		RERROR("Domain controller unreachable: ntlm_auth did not run to completion");
		result = MIPKEY_BACKEND_DOWN;
		goto done;
	}

	key = strstr(output, "NT_KEY: ");
	if (rc == 0 && key) {
		key += 8;
		if (strspn(key, "0123456789abcdefABCDEF") == 2 * MSCHAPV2_HASH_LEN &&
		    fr_hex2bin(out->key, MSCHAPV2_HASH_LEN, key, 2 * MSCHAPV2_HASH_LEN) == MSCHAPV2_HASH_LEN) {
			out->account_state = MIPKEY_OK;
			result = MIPKEY_OK;
			goto done;
		}
		RERROR("ntlm_auth printed an NT_KEY that is not 32 hex digits");
		result = MIPKEY_BACKEND_DOWN;
		goto done;
	}

	/* Failures end in "(0xc000006a)": the NT status. The last one, whatever came before it. */
	for (p = NULL, key = output; (key = strstr(key, "(0x")); key++) p = key;
	if (p && sscanf(p + 1, "0x%x)", &status) == 1) {
		*p = '\0';
		if ((p = strchr(output, '\n'))) *p = '\0';
		result = dc_nt_status_result(&inst->domains, request, status, output);
		goto done;
	}
	if ((p = strchr(output, '\n'))) *p = '\0';
	RERROR("Domain controller unreachable: ntlm_auth exit %d: %s", rc, output);
	result = MIPKEY_BACKEND_DOWN;

done:
	OPENSSL_cleanse(output, sizeof(output));
	return result;
}

mipkey_backend_t const mipkey_backend_ntlm_auth = {
	.name		= "ntlm_auth",
	.instantiate	= ntlm_auth_instantiate,
	.lookup		= ntlm_auth_lookup,
	.verifies_response = true,
};
