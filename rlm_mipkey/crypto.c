/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * crypto.c - one OpenSSL library context for the whole core, algorithms
 *	      fetched once, contexts reused per thread (crypto.h says why).
 *
 * The library context is private: we neither depend on nor alter the
 * process-wide OpenSSL configuration that other modules share, and every
 * algorithm of the core (MD4, DES and RC4 included) comes from the same
 * place, so a FIPS or other provider configuration of the process does not
 * make half of the core behave differently from the other half.
 */
#include "crypto.h"
#include "mschapv2.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

/*
 *	Library context and fetched algorithms. Written once inside
 *	pthread_once; crypto_ready publishes them to other threads.
 */
static pthread_once_t	crypto_once = PTHREAD_ONCE_INIT;
static atomic_int	crypto_ready;		/* 1 once everything below is usable */
static char const	*crypto_init_err = "MS-CHAPv2 crypto not initialised";

static OSSL_LIB_CTX	*libctx;
static OSSL_PROVIDER	*prov_legacy;
static OSSL_PROVIDER	*prov_default;
static EVP_MD		*mds[CRYPTO_MD_COUNT];
static EVP_MAC		*mac_hmac;
static EVP_CIPHER	*cipher_des_ecb;
static EVP_CIPHER	*cipher_rc4;
static EVP_CIPHER	*cipher_aes_wrap[2][3];	/* [pad][128, 192, 256] */
static EVP_CIPHER	*cipher_aes_gcm[3];

static char const *const aes_wrap_names[2][3] = {
	{ "AES-128-WRAP", "AES-192-WRAP", "AES-256-WRAP" },
	{ "AES-128-WRAP-PAD", "AES-192-WRAP-PAD", "AES-256-WRAP-PAD" }
};
static char const *const aes_gcm_names[3] = { "AES-128-GCM", "AES-192-GCM", "AES-256-GCM" };

static char const *const md_names[CRYPTO_MD_COUNT] = { "MD4", "MD5", "SHA1" };
static size_t const md_sizes[CRYPTO_MD_COUNT] = { 16, 16, CRYPTO_SHA1_LEN };

/* A constant key the MAC context is re-keyed with, so no secret stays in it. */
static uint8_t const wipe_key[8];

/*
 *	A thread's contexts. Made on the thread's first use, freed when the
 *	thread exits (key destructor) or by mschapv2_crypto_free(), whichever
 *	comes first; the list lets the latter find them all.
 */
typedef struct thread_state {
	EVP_MD_CTX		*md[CRYPTO_MD_COUNT];
	EVP_MAC_CTX		*hmac;
	EVP_MAC_CTX		*hmac_sha256;
	EVP_CIPHER_CTX		*des;
	struct thread_state	*prev, *next;
} thread_state_t;

static pthread_key_t	state_key;
static bool		state_key_made;
static pthread_mutex_t	states_mutex = PTHREAD_MUTEX_INITIALIZER;
static thread_state_t	*states;

static void state_free(thread_state_t *ts)
{
	int i;

	for (i = 0; i < CRYPTO_MD_COUNT; i++) EVP_MD_CTX_free(ts->md[i]);	/* also cleanses */
	EVP_MAC_CTX_free(ts->hmac);
	EVP_MAC_CTX_free(ts->hmac_sha256);
	EVP_CIPHER_CTX_free(ts->des);
	free(ts);
}

static void state_unlink(thread_state_t *ts)
{
	if (ts->prev) ts->prev->next = ts->next;
	else states = ts->next;
	if (ts->next) ts->next->prev = ts->prev;
}

static void state_destructor(void *p)
{
	thread_state_t *ts = p;

	pthread_mutex_lock(&states_mutex);
	state_unlink(ts);
	pthread_mutex_unlock(&states_mutex);
	state_free(ts);
}

static thread_state_t *thread_state(void)
{
	thread_state_t	*ts = pthread_getspecific(state_key);
	OSSL_PARAM	params[2];
	char		sha1[] = "SHA1", sha256[] = "SHA256";
	int		i;

	if (ts) return ts;

	ts = calloc(1, sizeof(*ts));
	if (!ts) return NULL;
	/* Initialised once here, so that a request only re-initialises (no provider context set-up). */
	for (i = 0; i < CRYPTO_MD_COUNT; i++) {
		ts->md[i] = EVP_MD_CTX_new();
		if (!ts->md[i] || !EVP_DigestInit_ex2(ts->md[i], mds[i], NULL)) goto fail;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha1, 0);
	params[1] = OSSL_PARAM_construct_end();
	ts->hmac = EVP_MAC_CTX_new(mac_hmac);
	if (!ts->hmac || !EVP_MAC_init(ts->hmac, wipe_key, sizeof(wipe_key), params)) goto fail;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256, 0);
	ts->hmac_sha256 = EVP_MAC_CTX_new(mac_hmac);
	if (!ts->hmac_sha256 || !EVP_MAC_init(ts->hmac_sha256, wipe_key, sizeof(wipe_key), params)) goto fail;
	ts->des = EVP_CIPHER_CTX_new();		/* DES is set up by each use: see crypto_des_encrypt() */
	if (!ts->des) goto fail;

	if (pthread_setspecific(state_key, ts) != 0) goto fail;
	pthread_mutex_lock(&states_mutex);
	ts->next = states;
	if (states) states->prev = ts;
	states = ts;
	pthread_mutex_unlock(&states_mutex);
	return ts;

fail:
	state_free(ts);
	return NULL;
}

static void crypto_release(void)
{
	thread_state_t	*ts, *next;
	int		i, j;

	/* After the key is gone no destructor runs: free what is left, every thread's. */
	if (state_key_made) {
		pthread_key_delete(state_key);
		state_key_made = false;
	}
	pthread_mutex_lock(&states_mutex);
	for (ts = states; ts; ts = next) {
		next = ts->next;
		state_free(ts);
	}
	states = NULL;
	pthread_mutex_unlock(&states_mutex);

	for (i = 0; i < 3; i++) {
		for (j = 0; j < 2; j++) {
			EVP_CIPHER_free(cipher_aes_wrap[j][i]);
			cipher_aes_wrap[j][i] = NULL;
		}
		EVP_CIPHER_free(cipher_aes_gcm[i]);
		cipher_aes_gcm[i] = NULL;
	}
	EVP_CIPHER_free(cipher_rc4);
	cipher_rc4 = NULL;
	EVP_CIPHER_free(cipher_des_ecb);
	cipher_des_ecb = NULL;
	EVP_MAC_free(mac_hmac);
	mac_hmac = NULL;
	for (i = 0; i < CRYPTO_MD_COUNT; i++) {
		EVP_MD_free(mds[i]);
		mds[i] = NULL;
	}
	if (prov_default) OSSL_PROVIDER_unload(prov_default);
	prov_default = NULL;
	if (prov_legacy) OSSL_PROVIDER_unload(prov_legacy);
	prov_legacy = NULL;
	OSSL_LIB_CTX_free(libctx);
	libctx = NULL;
}

static void crypto_init_once(void)
{
	static char const *const md_errors[CRYPTO_MD_COUNT] = {
		"OpenSSL MD4 digest unavailable (legacy provider loaded but MD4 fetch failed)",
		"OpenSSL MD5 digest unavailable",
		"OpenSSL SHA1 digest unavailable"
	};
	int i, j;

	libctx = OSSL_LIB_CTX_new();
	if (!libctx) {
		crypto_init_err = "OpenSSL library context could not be allocated";
		return;
	}
	prov_legacy = OSSL_PROVIDER_load(libctx, "legacy");
	if (!prov_legacy) {
		crypto_init_err = "OpenSSL legacy provider (needed for MD4/DES) could not be loaded";
		goto fail;
	}
	prov_default = OSSL_PROVIDER_load(libctx, "default");
	if (!prov_default) {
		crypto_init_err = "OpenSSL default provider (needed for MD5/SHA1/HMAC/AES) could not be loaded";
		goto fail;
	}
	for (i = 0; i < CRYPTO_MD_COUNT; i++) {
		mds[i] = EVP_MD_fetch(libctx, md_names[i], NULL);
		if (!mds[i]) {
			crypto_init_err = md_errors[i];
			goto fail;
		}
	}
	mac_hmac = EVP_MAC_fetch(libctx, "HMAC", NULL);
	if (!mac_hmac) {
		crypto_init_err = "OpenSSL HMAC unavailable";
		goto fail;
	}
	cipher_des_ecb = EVP_CIPHER_fetch(libctx, "DES-ECB", NULL);
	if (!cipher_des_ecb) {
		crypto_init_err = "OpenSSL DES-ECB cipher unavailable (legacy provider loaded but DES fetch failed)";
		goto fail;
	}
	/* Password change (RFC 2759 8.11) */
	cipher_rc4 = EVP_CIPHER_fetch(libctx, "RC4", NULL);
	if (!cipher_rc4) {
		crypto_init_err = "OpenSSL RC4 cipher unavailable (legacy provider loaded but RC4 fetch failed)";
		goto fail;
	}
	/* Key distribution centre mode (kdc.c) */
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 2; j++) {
			cipher_aes_wrap[j][i] = EVP_CIPHER_fetch(libctx, aes_wrap_names[j][i], NULL);
			if (!cipher_aes_wrap[j][i]) {
				crypto_init_err = j ? "OpenSSL AES key wrap with padding (RFC 5649) unavailable"
						    : "OpenSSL AES key wrap (RFC 3394) unavailable";
				goto fail;
			}
		}
		cipher_aes_gcm[i] = EVP_CIPHER_fetch(libctx, aes_gcm_names[i], NULL);
		if (!cipher_aes_gcm[i]) {
			crypto_init_err = "OpenSSL AES-GCM cipher unavailable";
			goto fail;
		}
	}
	if (pthread_key_create(&state_key, state_destructor) != 0) {
		crypto_init_err = "pthread_key_create failed";
		goto fail;
	}
	state_key_made = true;

	crypto_init_err = NULL;
	atomic_store_explicit(&crypto_ready, 1, memory_order_release);
	return;

fail:
	crypto_release();
}

int mschapv2_crypto_init(char const **err)
{
	if (pthread_once(&crypto_once, crypto_init_once) != 0) {
		if (err) *err = "pthread_once failed";
		return -1;
	}
	if (!atomic_load_explicit(&crypto_ready, memory_order_acquire)) {
		if (err) *err = crypto_init_err ? crypto_init_err : "MS-CHAPv2 crypto was freed";
		return -1;
	}
	return 0;
}

void mschapv2_crypto_free(void)
{
	/*
	 *	Run the once-routine ourselves if nobody did, so a later init
	 *	cannot resurrect half of the state behind our back.
	 */
	(void)pthread_once(&crypto_once, crypto_init_once);
	atomic_store_explicit(&crypto_ready, 0, memory_order_release);
	crypto_init_err = "MS-CHAPv2 crypto was freed";
	crypto_release();
}

int crypto_ok(void)
{
	return atomic_load_explicit(&crypto_ready, memory_order_acquire);
}

int crypto_digest(crypto_md_t md, crypto_piece_t const *p, size_t n, uint8_t *out)
{
	thread_state_t	*ts;
	EVP_MD_CTX	*ctx;
	size_t		i;
	int		ret = -1;

	if (md < 0 || md >= CRYPTO_MD_COUNT) return -1;
	if (!crypto_ok() || !(ts = thread_state())) goto done;
	ctx = ts->md[md];

	for (i = 0; i < n; i++) {
		if (p[i].len && !EVP_DigestUpdate(ctx, p[i].data, p[i].len)) goto reinit;
	}
	if (!EVP_DigestFinal_ex(ctx, out, NULL)) goto reinit;
	ret = 0;

reinit:
	/* Ready for the next digest, and the state no longer holds what was hashed. */
	if (!EVP_DigestInit_ex2(ctx, NULL, NULL)) {
		OPENSSL_cleanse(out, md_sizes[md]);
		return -1;
	}
done:
	if (ret < 0) OPENSSL_cleanse(out, md_sizes[md]);
	return ret;
}

int crypto_hmac_sha1(uint8_t const *key, size_t key_len, crypto_piece_t const *p, size_t pieces,
		     size_t messages, uint8_t *out)
{
	thread_state_t	*ts;
	size_t		i, m, outlen = 0;
	int		ret = -1;

	if (!key || !key_len || !crypto_ok() || !(ts = thread_state())) goto done;

	for (m = 0; m < messages; m++) {
		/* The key's inner and outer states are made once; NULL re-uses them. */
		if (!EVP_MAC_init(ts->hmac, m ? NULL : key, m ? 0 : key_len, NULL)) goto rekey;
		for (i = 0; i < pieces; i++) {
			crypto_piece_t const *q = &p[m * pieces + i];

			if (q->len && !EVP_MAC_update(ts->hmac, q->data, q->len)) goto rekey;
		}
		if (!EVP_MAC_final(ts->hmac, out + m * CRYPTO_SHA1_LEN, &outlen, CRYPTO_SHA1_LEN) ||
		    outlen != CRYPTO_SHA1_LEN) goto rekey;
	}
	ret = 0;

rekey:
	/* The context would otherwise keep the key's inner and outer states. */
	if (!EVP_MAC_init(ts->hmac, wipe_key, sizeof(wipe_key), NULL)) ret = -1;
done:
	if (ret < 0) OPENSSL_cleanse(out, CRYPTO_SHA1_LEN * messages);
	return ret;
}

int crypto_hmac_sha256(uint8_t const *key, size_t key_len, crypto_piece_t const *p, size_t n,
		       uint8_t out[CRYPTO_SHA256_LEN])
{
	thread_state_t	*ts;
	size_t		i, outlen = 0;
	int		ret = -1;

	if (!out) return -1;
	/* An empty key would mean "the previous key" to EVP_MAC_init(): refused. */
	if (!key || !key_len || (n && !p) || mschapv2_crypto_init(NULL) < 0 || !(ts = thread_state())) goto done;

	if (!EVP_MAC_init(ts->hmac_sha256, key, key_len, NULL)) goto rekey;
	for (i = 0; i < n; i++) {
		if (p[i].len && !EVP_MAC_update(ts->hmac_sha256, p[i].data, p[i].len)) goto rekey;
	}
	if (!EVP_MAC_final(ts->hmac_sha256, out, &outlen, CRYPTO_SHA256_LEN) || outlen != CRYPTO_SHA256_LEN) goto rekey;
	ret = 0;

rekey:
	/* As crypto_hmac_sha1(): no key state stays in the context. */
	if (!EVP_MAC_init(ts->hmac_sha256, wipe_key, sizeof(wipe_key), NULL)) ret = -1;
done:
	if (ret < 0) OPENSSL_cleanse(out, CRYPTO_SHA256_LEN);
	return ret;
}

/* Index of an AES key length in the cipher tables, or -1. */
static int aes_index(size_t key_len)
{
	switch (key_len) {
	case 16: return 0;
	case 24: return 1;
	case 32: return 2;
	default: return -1;
	}
}

ssize_t crypto_aes_wrap(int enc, bool pad, uint8_t const *kek, size_t kek_len, uint8_t const *in, size_t in_len,
			uint8_t *out)
{
	EVP_CIPHER_CTX	*ctx;
	int		i = aes_index(kek_len), len = 0, fin = 0;
	ssize_t		rc = -1;

	if (i < 0 || in_len == 0 || in_len > INT_MAX - 16 || mschapv2_crypto_init(NULL) < 0) return -1;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx) return -1;
	/* OpenSSL refuses the wrap modes in EVP_Cipher* unless the caller says it knows. */
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_CipherInit_ex2(ctx, cipher_aes_wrap[pad ? 1 : 0][i], kek, NULL, enc, NULL) == 1 &&
	    EVP_CipherUpdate(ctx, out, &len, in, (int) in_len) == 1 && len > 0 &&
	    EVP_CipherFinal_ex(ctx, out + len, &fin) == 1) {
		rc = len + fin;
	} else {
		OPENSSL_cleanse(out, in_len + 16);
	}
	EVP_CIPHER_CTX_free(ctx);	/* also cleanses the key schedule */
	return rc;
}

int crypto_aes_gcm(int enc, uint8_t const *key, size_t key_len, uint8_t const *nonce, size_t nonce_len,
		   uint8_t const *aad, size_t aad_len, uint8_t const *in, size_t in_len, uint8_t *out,
		   uint8_t *tag, size_t tag_len)
{
	EVP_CIPHER_CTX	*ctx;
	int		i = aes_index(key_len), len = 0, fin = 0, rc = -1;

	if (i < 0 || !nonce_len || nonce_len > INT_MAX || aad_len > INT_MAX || in_len > INT_MAX ||
	    !tag_len || tag_len > 16 || mschapv2_crypto_init(NULL) < 0) return -1;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx) return -1;
	if (EVP_CipherInit_ex2(ctx, cipher_aes_gcm[i], NULL, NULL, enc, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int) nonce_len, NULL) != 1 ||
	    EVP_CipherInit_ex2(ctx, NULL, key, nonce, enc, NULL) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &len, aad, (int) aad_len) != 1 ||
	    EVP_CipherUpdate(ctx, out, &len, in, (int) in_len) != 1) goto done;
	if (enc) {
		if (EVP_CipherFinal_ex(ctx, out + len, &fin) == 1 &&
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, (int) tag_len, tag) == 1) rc = 1;
		goto done;
	}
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, (int) tag_len, tag) != 1) goto done;
	/* The tag is compared inside OpenSSL in constant time (CRYPTO_memcmp). */
	rc = EVP_CipherFinal_ex(ctx, out + len, &fin) == 1 ? 1 : 0;
	if (!rc) OPENSSL_cleanse(out, in_len);

done:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/*
 *	The RFC 2759 DesEncrypt note: a 7-byte (56 bit) key is spread over 8
 *	bytes, 7 key bits per byte in the high bits, the low bit being odd
 *	parity (DES ignores it, but set it so the key is canonical).
 *	IN:  in (7)
 *	OUT: out (8)
 */
static void des_key_expand(uint8_t const in[7], uint8_t out[8])
{
	int i;

	out[0] = in[0];
	for (i = 1; i < 7; i++) out[i] = (uint8_t)((in[i - 1] << (8 - i)) | (in[i] >> i));
	out[7] = (uint8_t)(in[6] << 1);

	for (i = 0; i < 8; i++) {
		uint8_t b = out[i] & 0xfe;
		uint8_t x = b;

		x ^= x >> 4;
		x ^= x >> 2;
		x ^= x >> 1;
		/* x & 1 is the parity of the 7 key bits; make the total odd */
		out[i] = b | ((x & 1) ^ 1);
	}
}

int crypto_des_encrypt(uint8_t const *clear, size_t clear_step, uint8_t const *key7, size_t n, uint8_t *cypher)
{
	thread_state_t	*ts;
	uint8_t		k[8];
	size_t		i;
	int		outl = 0, ret = -1;

	if (!crypto_ok() || !(ts = thread_state())) goto done;

	/* The first key sets the cipher up (padding off: exactly one block per update). */
	for (i = 0; i < n; i++) {
		des_key_expand(key7 + 7 * i, k);
		if (!EVP_EncryptInit_ex2(ts->des, i ? NULL : cipher_des_ecb, k, NULL, NULL) ||
		    (!i && !EVP_CIPHER_CTX_set_padding(ts->des, 0)) ||
		    !EVP_EncryptUpdate(ts->des, cypher + 8 * i, &outl, clear + clear_step * i, 8) || outl != 8) {
			goto rekey;
		}
	}
	ret = 0;

rekey:
	/* The key schedule is key material: the reset frees it (the provider cleanses it), which
	 * costs less than a key set-up with a constant key. */
	if (!EVP_CIPHER_CTX_reset(ts->des)) ret = -1;
done:
	OPENSSL_cleanse(k, sizeof(k));
	if (ret < 0) OPENSSL_cleanse(cypher, 8 * n);
	return ret;
}

int crypto_rc4(uint8_t const *clear, size_t len, uint8_t const key[16], uint8_t *cypher)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	int		outl = 0, finl = 0;
	int		ret = -1;

	if (len > INT_MAX || !crypto_ok()) goto done;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx) goto done;

	/* RC4's default key length in OpenSSL is 16 octets, the length of an NT hash */
	if (!EVP_EncryptInit_ex2(ctx, cipher_rc4, key, NULL, NULL)) goto done;
	if (EVP_CIPHER_CTX_get_key_length(ctx) != 16) goto done;
	if (!EVP_EncryptUpdate(ctx, cypher, &outl, clear, (int) len) || (size_t) outl != len) goto done;
	if (!EVP_EncryptFinal_ex(ctx, cypher + outl, &finl) || finl != 0) goto done;
	ret = 0;

done:
	EVP_CIPHER_CTX_free(ctx);	/* also cleanses the key schedule */
	if (ret < 0) OPENSSL_cleanse(cypher, len);
	return ret;
}

int crypto_random(uint8_t *out, size_t len)
{
	if (!crypto_ok() || len > INT_MAX) return -1;
	if (RAND_bytes_ex(libctx, out, len, 0) != 1) {
		OPENSSL_cleanse(out, len);
		return -1;
	}
	return 0;
}
