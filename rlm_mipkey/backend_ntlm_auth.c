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
	bool			password_change;	//!< RFC 2759 section 7 changes passed to the DC
} ntlm_auth_inst_t;

static CONF_PARSER const ntlm_auth_config[] = {
	{ "program", FR_CONF_OFFSET(PW_TYPE_STRING | PW_TYPE_NOT_EMPTY, ntlm_auth_inst_t, program), "/usr/bin/ntlm_auth" },
	{ "config_file", FR_CONF_OFFSET(PW_TYPE_STRING, ntlm_auth_inst_t, config_file), NULL },
	{ "timeout", FR_CONF_OFFSET(PW_TYPE_INTEGER, ntlm_auth_inst_t, timeout), "5" },
	{ "password_change", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, ntlm_auth_inst_t, password_change), "yes" },
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

/*
 * Runs argv with input on its stdin (then closed) and collects its stdout within timeout
 * seconds, as run() does. The input is small (a password change is about 1.2 KB), so it is
 * written whole before the output is read: it fits in the pipe, no deadlock. Returns the exit
 * status, -1 if it could not run, -2 on timeout (the child is killed).
 */
static int run_with_input(REQUEST *request, char *const argv[], uint32_t timeout, char const *input,
			  size_t inlen, char *out, size_t outlen)
{
	int		in[2], fds[2], devnull, status = 0;
	pid_t		pid;
	size_t		used = 0, sent = 0;
	struct timeval	start, now;

	if (inlen > 4096) return -1;	/* more than a pipe surely holds */
	if (pipe2(in, O_CLOEXEC) < 0) return -1;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		close(in[0]);
		close(in[1]);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}

	pid = rad_fork();
	if (pid == 0) {
		if (dup2(in[0], STDIN_FILENO) < 0 || dup2(fds[1], STDOUT_FILENO) < 0 ||
		    dup2(devnull, STDERR_FILENO) < 0) _exit(127);
		closefrom(STDERR_FILENO + 1);
		execve(argv[0], argv, environ);
		_exit(127);
	}
	close(in[0]);
	close(fds[1]);
	close(devnull);
	if (pid < 0) {
		close(in[1]);
		close(fds[0]);
		RERROR("Cannot run %s: %s", argv[0], fr_syserror(errno));
		return -1;
	}

	while (sent < inlen) {
		ssize_t n = write(in[1], input + sent, inlen - sent);

		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) break;	/* the child is gone: its output says why */
		sent += (size_t) n;
	}
	close(in[1]);

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
		if (used == outlen - 1) break;
	}
	out[used] = '\0';
	close(fds[0]);
	if (rad_waitpid(pid, &status) != pid) return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * RFC 2759 section 7 at the DC through "ntlm_auth --helper-protocol=ntlm-change-password-1":
 * the blobs go on its stdin (never in argv, where any local user could read them), the DC
 * proves the old password and applies its policy; then the NT-Response made with the new
 * password is checked like a login (ntlm_auth_lookup), which gives k'. The helper answers
 * "Password-Change: Yes", or "Password-Change: No" and "Password-Change-Error: <text>".
 */
static mipkey_result_t ntlm_auth_change_password(void *instance, REQUEST *request, mipkey_auth_t const *auth,
						 mipkey_cpw_t const *cpw, mipkey_key_t *out)
{
	ntlm_auth_inst_t	*inst = instance;
	char			domain[DC_DOMAIN_MAX];
	char			new_hex[2 * MSCHAPV2_PW_BLOCK_LEN + 1], old_hex[2 * MSCHAPV2_HASH_LEN + 1];
	char			output[OUTPUT_MAX], *input = NULL, *p, *err;
	char			*argv[5];
	int			argc = 0, rc;
	size_t			i;
	mipkey_result_t		result;
	static struct {
		char const	*text;
		char const	*name;
		uint32_t	status;
	} const change_errors[] = {
		{ "the value provided as the current password is not correct", "NT_STATUS_WRONG_PASSWORD", 0xC000006AU },
		{ "The attempted logon is invalid", "NT_STATUS_LOGON_FAILURE", 0xC000006DU },
		{ "The specified account does not exist", "NT_STATUS_NO_SUCH_USER", 0xC0000064U },
		{ "some password update rule has been violated", "NT_STATUS_PASSWORD_RESTRICTION", 0xC000006CU },
		{ "the new password contains values that are not allowed", "NT_STATUS_ILL_FORMED_PASSWORD", 0xC000006BU },
		{ "automatically locked because too many", "NT_STATUS_ACCOUNT_LOCKED_OUT", 0xC0000234U },
		{ "Access is denied.", "NT_STATUS_ACCESS_DENIED", 0xC0000022U },
	};

	if (dc_domain(&inst->domains, request, auth, domain, sizeof(domain)) < 0) {
		REDEBUG("NT domain name too long");
		return MIPKEY_INVALID;
	}
	/* One request per line: a line break in a name would start another field. */
	if (memchr(auth->account, '\0', auth->account_len) || memchr(auth->account, '\n', auth->account_len) ||
	    memchr(auth->account, '\r', auth->account_len) || strpbrk(domain, "\r\n")) {
		REDEBUG("User or domain name contains a NUL or a line break");
		return MIPKEY_INVALID;
	}
	fr_bin2hex(new_hex, cpw->pw_block, MSCHAPV2_PW_BLOCK_LEN);
	fr_bin2hex(old_hex, cpw->encrypted_hash, MSCHAPV2_HASH_LEN);
	input = talloc_asprintf(request, "Username: %.*s\nNT-Domain: %s\nNew-NT-Password-Blob: %s\n"
				"Old-NT-Hash-Blob: %s\n.\n", (int) auth->account_len, auth->account, domain,
				new_hex, old_hex);
	if (!input) {
		result = MIPKEY_BACKEND_DOWN;
		goto done;
	}

	argv[argc++] = (char *)(uintptr_t) inst->program;
	argv[argc++] = "--helper-protocol=ntlm-change-password-1";
	argv[argc] = inst->config_file ? talloc_asprintf(request, "--configfile=%s", inst->config_file) : NULL;
	if (inst->config_file && !argv[argc]) {
		result = MIPKEY_BACKEND_DOWN;
		goto done;
	}
	if (argv[argc]) argc++;
	argv[argc] = NULL;

	RDEBUG2("Asking the domain controller (ntlm_auth) to change the password of %s\\%.*s", domain,
		(int) auth->account_len, auth->account);
	rc = run_with_input(request, argv, inst->timeout, input, strlen(input), output, sizeof(output));
	if (argc > 2) talloc_free(argv[2]);

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
	if (strstr(output, "Password-Change: Yes\n")) {
		RINFO("Password of %s\\%.*s changed at the domain controller", domain, (int) auth->account_len,
		      auth->account);
		result = ntlm_auth_lookup(instance, request, auth, out);
		goto done;
	}

	err = strstr(output, "Password-Change-Error: ");
	if (!strstr(output, "Password-Change: No\n") || !err) {
		if ((p = strchr(output, '\n'))) *p = '\0';
		RERROR("Domain controller unreachable: ntlm_auth exit %d: %s", rc, output);
		result = MIPKEY_BACKEND_DOWN;
		goto done;
	}
	err += strlen("Password-Change-Error: ");
	if ((p = strchr(err, '\n'))) *p = '\0';
	/*
	 * The error is winbindd's text for the NT status: Samba's description of it (what
	 * get_friendly_nt_error_msg() gives), or the NT_STATUS_ name where it has none.
	 */
	for (i = 0; i < sizeof(change_errors) / sizeof(change_errors[0]); i++) {
		if (strstr(err, change_errors[i].text) || strstr(err, change_errors[i].name)) break;
	}
	if (i < sizeof(change_errors) / sizeof(change_errors[0])) {
		result = dc_change_status_result(&inst->domains, request, change_errors[i].status, err);
	} else {
		RERROR("Domain controller refused the password change: %s", err);
		result = MIPKEY_CHANGE_REFUSED;
	}

done:
	OPENSSL_cleanse(new_hex, sizeof(new_hex));
	OPENSSL_cleanse(old_hex, sizeof(old_hex));
	OPENSSL_cleanse(output, sizeof(output));
	if (input) {
		OPENSSL_cleanse(input, talloc_array_length(input));
		talloc_free(input);
	}
	return result;
}

static bool ntlm_auth_password_change_enabled(void const *instance)
{
	return ((ntlm_auth_inst_t const *) instance)->password_change;
}

mipkey_backend_t const mipkey_backend_ntlm_auth = {
	.name		= "ntlm_auth",
	.instantiate	= ntlm_auth_instantiate,
	.lookup		= ntlm_auth_lookup,
	.change_password = ntlm_auth_change_password,
	.password_change_enabled = ntlm_auth_password_change_enabled,
	.verifies_response = true,
};
