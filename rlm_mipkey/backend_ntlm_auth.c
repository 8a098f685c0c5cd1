/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * backend_ntlm_auth.c - a domain controller verifies the response through Samba's ntlm_auth
 * helper (a process per request, with a timeout), which prints the user session key k'.
 *
 * The fallback where libwbclient cannot be used. Nothing of the request is on ntlm_auth's
 * command line (readable by every local user in /proc/PID/cmdline): the user name, domain,
 * ChallengeHash and NT-Response go to its standard input in the helper protocol
 * "ntlm-server-1" (key: value lines ended by a "." line; "Key:: base64" for the names), and
 * the answer is read from its standard output up to the "." line that ends it:
 *
 *	Authenticated: Yes			Authenticated: No
 *	User-Session-Key: <32 hex>		Authentication-Error: <description of the NT status>
 *	.					.
 *
 * On failure this protocol gives only the MS-ERREF description of the NT status (no code);
 * nt_status.c maps it back. A text it does not know is a backend failure, never a reject.
 *
 * The child is forked here (not with rad_fork) into its own process group and reaped with
 * waitpid() on its own pid: FreeRADIUS's worker threads reap every child of the server's
 * process group (waitpid(0, ...)) and drop those rad_fork() has not registered yet, so a
 * helper that exited at once could be lost and rad_waitpid() would wait 10 s for it. The
 * answer does not depend on the exit status anyway: a complete protocol answer is the answer.
 */
#include <freeradius/radiusd.h>
#include <freeradius/base64.h>
RCSID("$Id$")

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <openssl/crypto.h>

#include "backend.h"
#include "dc_common.h"
#include "nt_status.h"
#include "ntlm_answer.h"

#define OUTPUT_MAX	2048
#define REQUEST_MAX	1024
#define EXIT_GRACE_MS	200	//!< after a complete answer, how long ntlm_auth may take to exit
#define KILL_REAP_MS	300	//!< after SIGKILL, how long we wait to reap it

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

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Reaps pid within ms milliseconds (0: just look). Returns 1 reaped (or already reaped by
 * someone else: ECHILD), 0 still running.
 */
static int reap_within(pid_t pid, int ms)
{
	int64_t		until = now_ms() + ms;
	int		status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid) return 1;
		if (r < 0 && errno != EINTR) return 1;	/* ECHILD: nothing left to reap */
		if (now_ms() >= until) return 0;
		{
			struct timespec ts = { .tv_sec = 0, .tv_nsec = 2 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
}

/* Ends and reaps the helper: a grace period to exit by itself, then SIGKILL. */
static void finish_child(REQUEST *request, pid_t pid, int grace_ms)
{
	if (grace_ms > 0 && reap_within(pid, grace_ms)) return;
	if (reap_within(pid, 0)) return;
	kill(pid, SIGKILL);		/* not reaped yet, so the pid is still ours */
	if (!reap_within(pid, KILL_REAP_MS)) RWARN("ntlm_auth (pid %d) did not end after SIGKILL", (int) pid);
}

typedef enum {
	RUN_ANSWER = 0,		//!< a complete answer (ended by a "." line) is in out
	RUN_INCOMPLETE,		//!< it closed its output (or exited) before the end of the answer
	RUN_TIMEOUT,		//!< no complete answer within the timeout
	RUN_ERROR		//!< it could not be run
} run_rc_t;

/*
 * Runs argv with a socket as its stdin and stdout, writes req to it, reads the answer within
 * timeout seconds (CLOCK_MONOTONIC). The child is always reaped before this returns: killed
 * at once when its answer is incomplete or late, after EXIT_GRACE_MS when it is complete.
 * The child gets only that socket and /dev/null as stderr: no descriptor of the server, and
 * no other request's socket.
 */
static run_rc_t run(REQUEST *request, char *const argv[], uint32_t timeout, char const *req, size_t reqlen,
		    char *out, size_t outlen)
{
	int		sv[2], devnull;
	pid_t		pid;
	size_t		used = 0;
	int64_t		deadline = now_ms() + (int64_t) timeout * 1000;
	run_rc_t	rc;
	ssize_t		n;

	out[0] = '\0';
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		RERROR("Cannot run %s: socketpair: %s", argv[0], fr_syserror(errno));
		return RUN_ERROR;
	}
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0) {
		RERROR("Cannot run %s: /dev/null: %s", argv[0], fr_syserror(errno));
		close(sv[0]);
		close(sv[1]);
		return RUN_ERROR;
	}

	pid = fork();
	if (pid == 0) {
		/* Child: only async-signal-safe calls until execve. dup2 clears FD_CLOEXEC on 0-2.
		 * Its own process group first, so that no waitpid(0, ...) of the server can reap it. */
		if (setpgid(0, 0) < 0) _exit(127);
		if (dup2(sv[1], STDIN_FILENO) < 0 || dup2(sv[1], STDOUT_FILENO) < 0 ||
		    dup2(devnull, STDERR_FILENO) < 0) _exit(127);
		closefrom(STDERR_FILENO + 1);
		execve(argv[0], argv, environ);
		_exit(127);
	}
	close(sv[1]);
	close(devnull);
	if (pid < 0) {
		close(sv[0]);
		RERROR("Cannot run %s: fork: %s", argv[0], fr_syserror(errno));
		return RUN_ERROR;
	}
	(void) setpgid(pid, pid);	/* also from here, so it holds before the child runs; EACCES after exec is fine */

	/* A few hundred bytes: the socket buffer takes them at once. MSG_NOSIGNAL: no SIGPIPE. */
	n = send(sv[0], req, reqlen, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n != (ssize_t) reqlen) {
		RERROR("Cannot write the request to %s: %s", argv[0], n < 0 ? fr_syserror(errno) : "short write");
		close(sv[0]);
		finish_child(request, pid, 0);
		return RUN_INCOMPLETE;
	}
	(void) shutdown(sv[0], SHUT_WR);	/* one request: it exits after answering it */

	for (;;) {
		struct pollfd	pfd = { .fd = sv[0], .events = POLLIN };
		int64_t		left = deadline - now_ms();
		int		ready;

		if (left <= 0) {
			rc = RUN_TIMEOUT;
			break;
		}
		ready = poll(&pfd, 1, (int) left);
		if (ready < 0 && errno == EINTR) continue;
		if (ready < 0) {
			rc = RUN_INCOMPLETE;
			break;
		}
		if (ready == 0) continue;	/* the deadline check above ends it */
		n = read(sv[0], out + used, outlen - 1 - used);
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
		if (n <= 0) {
			rc = RUN_INCOMPLETE;	/* output closed before the "." line */
			break;
		}
		used += (size_t) n;
		out[used] = '\0';
		if (ntlm_answer_complete(out, used)) {
			rc = RUN_ANSWER;
			break;
		}
		if (used == outlen - 1) {
			rc = RUN_INCOMPLETE;	/* far more than any answer */
			break;
		}
	}
	out[used] = '\0';
	close(sv[0]);
	finish_child(request, pid, rc == RUN_ANSWER ? EXIT_GRACE_MS : 0);
	return rc;
}

/*
 * Runs ntlm_auth with the helper protocol (and option, and --configfile when one is
 * configured) on req: MIPKEY_OK with a complete answer in out, else MIPKEY_BACKEND_DOWN with
 * the reason logged.
 */
static mipkey_result_t ask_ntlm_auth(ntlm_auth_inst_t const *inst, REQUEST *request, char const *protocol,
				     char const *option, char const *req, size_t reqlen, char *out, size_t outlen)
{
	char		*argv[5], *configfile = NULL;
	int		argc = 0;
	run_rc_t	rc;

	argv[argc++] = (char *)(uintptr_t) inst->program;
	argv[argc++] = (char *)(uintptr_t) protocol;
	if (option) argv[argc++] = (char *)(uintptr_t) option;
	if (inst->config_file) {
		configfile = talloc_asprintf(request, "--configfile=%s", inst->config_file);
		if (!configfile) return MIPKEY_BACKEND_DOWN;
		argv[argc++] = configfile;
	}
	argv[argc] = NULL;
	rc = run(request, argv, inst->timeout, req, reqlen, out, outlen);
	talloc_free(configfile);

	switch (rc) {
	case RUN_ANSWER:
		return MIPKEY_OK;
	case RUN_TIMEOUT:
		RERROR("Domain controller unreachable: ntlm_auth did not answer within %u s", inst->timeout);
		break;
	case RUN_INCOMPLETE:
		RERROR("Domain controller unreachable: ntlm_auth ended without a complete answer");
		break;
	case RUN_ERROR:
	default:
		RERROR("Domain controller unreachable: ntlm_auth could not be run");
		break;
	}
	return MIPKEY_BACKEND_DOWN;
}

/*
 * Whom a helper request is about: the NT domain, and the protocol lines naming user and
 * domain. Base64 ("Key:: value"), so a name with a newline cannot add lines to the request;
 * no NT-Domain for an empty domain (ntlm_auth then asks winbindd's own domain).
 */
typedef struct {
	char	domain[DC_DOMAIN_MAX];
	char	lines[REQUEST_MAX];
} helper_who_t;

static mipkey_result_t helper_who(ntlm_auth_inst_t const *inst, REQUEST *request, mipkey_auth_t const *auth,
				  helper_who_t *who)
{
	char	user64[512], domain64[512];
	size_t	dlen;
	int	len;

	if (dc_domain(&inst->domains, request, auth, who->domain, sizeof(who->domain)) < 0) {
		REDEBUG("NT domain name too long");
		return MIPKEY_INVALID;
	}
	if (memchr(auth->account, '\0', auth->account_len)) {
		REDEBUG("User name contains a NUL byte");
		return MIPKEY_INVALID;
	}
	dlen = strlen(who->domain);
	if (FR_BASE64_ENC_LENGTH(auth->account_len) >= sizeof(user64) ||
	    FR_BASE64_ENC_LENGTH(dlen) >= sizeof(domain64)) {
		REDEBUG("User or domain name too long for ntlm_auth");
		return MIPKEY_INVALID;
	}
	fr_base64_encode(user64, sizeof(user64), (uint8_t const *) auth->account, auth->account_len);
	fr_base64_encode(domain64, sizeof(domain64), (uint8_t const *) who->domain, dlen);
	len = snprintf(who->lines, sizeof(who->lines), "Username:: %s\n%s%s%s", user64, dlen ? "NT-Domain:: " : "",
		       dlen ? domain64 : "", dlen ? "\n" : "");
	if (len < 0 || (size_t) len >= sizeof(who->lines)) {
		REDEBUG("User or domain name too long for ntlm_auth");
		return MIPKEY_INVALID;
	}
	return MIPKEY_OK;
}

static mipkey_result_t ntlm_auth_lookup(void *instance, REQUEST *request, mipkey_auth_t const *auth, mipkey_key_t *out)
{
	ntlm_auth_inst_t	*inst = instance;
	helper_who_t		who;
	char			challenge[2 * MSCHAPV2_CHALLENGE_HASH_LEN + 1], response[2 * MSCHAPV2_NT_RESPONSE_LEN + 1];
	char			output[OUTPUT_MAX], req[REQUEST_MAX];
	char const		*err = NULL;
	int			len;
	mipkey_result_t		result;

	out->kind = MIPKEY_KEY_VERIFIED;
	result = helper_who(inst, request, auth, &who);
	if (result != MIPKEY_OK) return result;
	fr_bin2hex(challenge, auth->challenge_hash, MSCHAPV2_CHALLENGE_HASH_LEN);
	fr_bin2hex(response, auth->nt_response, MSCHAPV2_NT_RESPONSE_LEN);

	len = snprintf(req, sizeof(req), "%sLANMAN-Challenge: %s\nNT-Response: %s\nRequest-User-Session-Key: Yes\n.\n",
		       who.lines, challenge, response);
	OPENSSL_cleanse(challenge, sizeof(challenge));
	OPENSSL_cleanse(response, sizeof(response));
	if (len < 0 || (size_t) len >= sizeof(req)) {
		OPENSSL_cleanse(req, sizeof(req));
		REDEBUG("ntlm_auth request too long");
		return MIPKEY_INVALID;
	}

	RDEBUG2("Asking the domain controller (ntlm_auth) for %s\\%.*s", who.domain, (int) auth->account_len,
		auth->account);
	result = ask_ntlm_auth(inst, request, "--helper-protocol=ntlm-server-1", "--allow-mschapv2", req, (size_t) len,
			       output, sizeof(output));
	OPENSSL_cleanse(req, sizeof(req));
	if (result != MIPKEY_OK) goto done;

	switch (ntlm_answer_login(output, out->key, &err)) {
	case NTLM_LOGIN_KEY:
		out->account_state = MIPKEY_OK;
		result = MIPKEY_OK;
		goto done;
	case NTLM_LOGIN_BAD_KEY:
		RERROR("ntlm_auth printed a User-Session-Key that is not 32 hex digits");
		result = MIPKEY_BACKEND_DOWN;
		goto done;
	case NTLM_LOGIN_NO_KEY:
		/* ntlm_auth leaves the line out when the key is all zero: refused exactly as the
		 * winbind backend refuses it. */
		OPENSSL_cleanse(out->key, sizeof(out->key));
		REDEBUG("Domain controller accepted %s\\%.*s without a session key: refused", who.domain,
			(int) auth->account_len, auth->account);
		result = MIPKEY_WRONG_PASSWORD;
		goto done;
	case NTLM_LOGIN_ERROR:
		result = dc_nt_status_text_result(&inst->domains, request, err, strlen(err));
		goto done;
	case NTLM_LOGIN_UNEXPECTED:
		break;
	}

	/* Only the first line's key: whatever follows a ':' could be a key. */
	output[strcspn(output, ":\n")] = '\0';
	RERROR("Domain controller unreachable: unexpected answer from ntlm_auth (first line \"%.40s\")", output);
	result = MIPKEY_BACKEND_DOWN;

done:
	OPENSSL_cleanse(output, sizeof(output));
	return result;
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
	helper_who_t		who;
	char			new_hex[2 * MSCHAPV2_PW_BLOCK_LEN + 1], old_hex[2 * MSCHAPV2_HASH_LEN + 1];
	char			output[OUTPUT_MAX], *req = NULL;
	char const		*err = NULL;
	uint32_t		status;
	mipkey_result_t		result;

	result = helper_who(inst, request, auth, &who);
	if (result != MIPKEY_OK) return result;
	fr_bin2hex(new_hex, cpw->pw_block, MSCHAPV2_PW_BLOCK_LEN);
	fr_bin2hex(old_hex, cpw->encrypted_hash, MSCHAPV2_HASH_LEN);
	req = talloc_asprintf(request, "%sNew-NT-Password-Blob: %s\nOld-NT-Hash-Blob: %s\n.\n", who.lines, new_hex,
			      old_hex);
	OPENSSL_cleanse(new_hex, sizeof(new_hex));
	OPENSSL_cleanse(old_hex, sizeof(old_hex));
	if (!req) return MIPKEY_BACKEND_DOWN;

	RDEBUG2("Asking the domain controller (ntlm_auth) to change the password of %s\\%.*s", who.domain,
		(int) auth->account_len, auth->account);
	result = ask_ntlm_auth(inst, request, "--helper-protocol=ntlm-change-password-1", NULL, req, strlen(req), output,
			       sizeof(output));
	if (result != MIPKEY_OK) goto done;

	switch (ntlm_answer_change(output, &err)) {
	case NTLM_CHANGE_DONE:
		RINFO("Password of %s\\%.*s changed at the domain controller", who.domain, (int) auth->account_len,
		      auth->account);
		result = ntlm_auth_lookup(instance, request, auth, out);
		goto done;
	case NTLM_CHANGE_UNEXPECTED:
		/* Only the first line's key, as ntlm_auth_lookup. */
		output[strcspn(output, ":\n")] = '\0';
		RERROR("Domain controller unreachable: unexpected answer from ntlm_auth (first line \"%.40s\")", output);
		result = MIPKEY_BACKEND_DOWN;
		goto done;
	case NTLM_CHANGE_REFUSED:
		break;
	}
	/* The error is winbindd's text for the NT status (its description, or its name). */
	if (nt_status_from_text(err, strlen(err), &status)) {
		result = dc_change_status_result(&inst->domains, request, status, err);
	} else {
		RERROR("Domain controller refused the password change: %s", err);
		result = MIPKEY_CHANGE_REFUSED;
	}

done:
	OPENSSL_cleanse(output, sizeof(output));
	OPENSSL_cleanse(req, talloc_array_length(req));
	talloc_free(req);
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
