#ifndef WAVEDEFECT_CCURL_SHIM_H
#define WAVEDEFECT_CCURL_SHIM_H
#include <curl/curl.h>

/// curl_easy_setopt / curl_multi_setopt are variadic: Swift cannot call them, so each
/// argument type gets a typed wrapper.
static inline CURLcode wd_curl_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode wd_curl_easy_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode wd_curl_easy_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode wd_curl_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode wd_curl_easy_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*wd_curl_write_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode wd_curl_easy_setopt_write_function(CURL *h, CURLoption o, wd_curl_write_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode wd_curl_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode wd_curl_easy_getinfo_pointer(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }

typedef int (*wd_curl_socket_callback)(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp);
typedef int (*wd_curl_timer_callback)(CURLM *multi, long timeout_ms, void *userp);
static inline CURLMcode wd_curl_multi_setopt_socket_function(CURLM *m, wd_curl_socket_callback f) { return curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, f); }
static inline CURLMcode wd_curl_multi_setopt_timer_function(CURLM *m, wd_curl_timer_callback f) { return curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, f); }
static inline CURLMcode wd_curl_multi_setopt_pointer(CURLM *m, CURLMoption o, void *v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode wd_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline curl_socket_t wd_curl_socket_timeout(void) { return CURL_SOCKET_TIMEOUT; }
/// CURL_GLOBAL_DEFAULT is a macro expression Swift does not import.
static inline CURLcode wd_curl_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }
/// A zero-byte body: POSTFIELDS must point at storage that outlives the transfer, which a
/// C string literal does (a Swift string bridged for one call does not).
static inline CURLcode wd_curl_easy_set_empty_body(CURL *h) {
    CURLcode rc = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    return rc != CURLE_OK ? rc : curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
}
#endif
