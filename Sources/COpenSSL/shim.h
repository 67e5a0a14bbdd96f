#ifndef WAVEDEFECT_COPENSSL_SHIM_H
#define WAVEDEFECT_COPENSSL_SHIM_H
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>

/// SSL_CTX_set_mode / SSL_set_tlsext_host_name etc. are macros over *_ctrl calls.
static inline long wd_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline long wd_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }
static inline long wd_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) { return SSL_CTX_set_min_proto_version(ctx, version); }
static inline int wd_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }
#endif
