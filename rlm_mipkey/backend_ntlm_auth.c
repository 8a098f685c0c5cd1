/*
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
#include <spawn.h>
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

/* Runs argv, collects its stdout (and stderr) within timeout seconds. Returns the exit status,
 * -1 if it could not run, -2 on timeout (the child is killed). */
static int run(REQUEST *request, char *const argv[], uint32_t timeout, char *out, size_t outlen)
{
	posix_spawn_file_actions_t fa;
	int		fds[2], status, rc;
	pid_t		pid;
	size_t		used = 0;
	struct timeval	start, now;

	if (pipe(fds) < 0) return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		RERROR("Cannot run %s: %s", argv[0], fr_syserror(rc));
		return -1;
	}

	gettimeofday(&start, NULL);
	for (;;) {
		struct pollfd	pfd = { .fd = fds[0], .events = POLLIN };
		long		left;
		ssize_t		n;

		gettimeofday(&now, NULL);
		left = (long) timeout * 1000 - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_usec - start.tv_usec) / 1000);
		if (left <= 0 || poll(&pfd, 1, (int) left) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			close(fds[0]);
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
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static mipkey_result_t ntlm_auth_lookup(void *instance, REQUEST *request, mipkey_auth_t const *auth, mipkey_key_t *out)
{
	ntlm_auth_inst_t	*inst = instance;
	char			domain[DC_DOMAIN_MAX];
	char			challenge[2 * MSCHAPV2_CHALLENGE_HASH_LEN + 1], response[2 * MSCHAPV2_NT_RESPONSE_LEN + 1];
	char			output[OUTPUT_MAX], *key, *p;
	char			*argv[10];
	int			argc = 0, rc;
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

	RDEBUG2("Asking the domain controller (ntlm_auth) for %s\\%.*s", domain, (int) auth->account_len, auth->account);
	rc = run(request, argv, inst->timeout, output, sizeof(output));
	for (argc = 3; argv[argc]; argc++) talloc_free(argv[argc]);

	if (rc == -2) {
		RERROR("Domain controller unreachable: ntlm_auth did not answer within %u s", inst->timeout);
		return MIPKEY_BACKEND_DOWN;
	}
	if (rc < 0) return MIPKEY_BACKEND_DOWN;

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

	/* Failures end in "(0xc000006a)": the NT status. */
	p = strstr(output, "(0x");
	if (p && sscanf(p + 1, "0x%x)", &status) == 1) {
		*p = '\0';
		if ((p = strchr(output, '\n'))) *p = '\0';
		result = dc_nt_status_result(request, status, output);
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
};
