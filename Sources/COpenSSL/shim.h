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
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/ec.h>
#include <string.h>

/// SSL_CTX_set_mode / SSL_set_tlsext_host_name etc. are macros over *_ctrl calls.
static inline long wd_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline long wd_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }
static inline long wd_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) { return SSL_CTX_set_min_proto_version(ctx, version); }
static inline long wd_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) { return SSL_CTX_set_max_proto_version(ctx, version); }
static inline int wd_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }
static inline int wd_TLS1_3_VERSION(void) { return TLS1_3_VERSION; }
static inline long wd_SSL_MODE_RELEASE_BUFFERS(void) { return SSL_MODE_RELEASE_BUFFERS; }
static inline long wd_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER(void) { return SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER; }
static inline uint64_t wd_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline int wd_SSL_FILETYPE_PEM(void) { return SSL_FILETYPE_PEM; }

/// The one application protocol the server speaks: length-prefixed, as ALPN wants it.
static const unsigned char wd_alpn_http11[] = { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };

/// Server side of ALPN: `http/1.1` when the client offers it; a client that offers only
/// other protocols gets the fatal `no_application_protocol` alert RFC 7301 asks for.
static inline int wd_alpn_select_http11(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                        const unsigned char *in, unsigned int inlen, void *arg) {
    (void)ssl; (void)arg;
    unsigned char *selected = NULL;
    if (SSL_select_next_proto(&selected, outlen, wd_alpn_http11, sizeof wd_alpn_http11, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

static inline void wd_SSL_CTX_select_alpn_http11(SSL_CTX *ctx) { SSL_CTX_set_alpn_select_cb(ctx, wd_alpn_select_http11, NULL); }
/// Client side: offer `http/1.1` (returns 0 on success, as SSL_CTX_set_alpn_protos does).
static inline int wd_SSL_CTX_offer_alpn_http11(SSL_CTX *ctx) { return SSL_CTX_set_alpn_protos(ctx, wd_alpn_http11, sizeof wd_alpn_http11); }

/// A fresh P-256 key (EVP_EC_gen is a macro over a variadic call).
static inline EVP_PKEY *wd_generate_p256_key(void) { return EVP_EC_gen("P-256"); }

/// Adds one X.509v3 extension given in OpenSSL's config syntax ("IP:127.0.0.1,DNS:localhost").
static inline int wd_X509_add_extension(X509 *cert, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL) return 0;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}
#endif
