#include "net/client.h"

#include "base/mem.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define HTTPC_BODY_MAX (64 * 1024)

struct httpc {
    CURL *curl;
    char *ca_file;
    bool allow_private;
    size_t body_seen;
    buf *resp; /* where the response body goes, or NULL */
    char refused[64]; /* the address refused by the last request, or "" */
};

int httpc_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

httpc *httpc_new(const char *ca_file, bool allow_private)
{
    httpc *h = mem_calloc(1, sizeof *h);
    h->allow_private = allow_private;
    h->curl = curl_easy_init();
    if (ca_file && *ca_file) h->ca_file = mem_strdup(ca_file);
    if (!h->curl || (ca_file && *ca_file && !h->ca_file)) {
        httpc_free(h);
        return NULL;
    }
    return h;
}

void httpc_free(httpc *h)
{
    if (!h) return;
    if (h->curl) curl_easy_cleanup(h->curl);
    free(h->ca_file);
    free(h);
}

static bool v4_private(const unsigned char a[4])
{
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||         /* this net, private, loopback, multicast, reserved */
           (a[0] == 100 && (a[1] & 0xc0) == 64) ||                          /* shared (CGNAT) 100.64/10 */
           (a[0] == 169 && a[1] == 254) ||                                  /* link-local */
           (a[0] == 172 && (a[1] & 0xf0) == 16) ||                          /* private 172.16/12 */
           (a[0] == 192 && a[1] == 168) ||                                  /* private */
           (a[0] == 192 && a[1] == 0 && (a[2] == 0 || a[2] == 2)) ||        /* protocol assignments, TEST-NET-1 */
           (a[0] == 192 && a[1] == 88 && a[2] == 99) ||                     /* 6to4 relay anycast (deprecated) */
           (a[0] == 198 && (a[1] & 0xfe) == 18) ||                          /* benchmarking 198.18/15 */
           (a[0] == 198 && a[1] == 51 && a[2] == 100) || (a[0] == 203 && a[1] == 0 && a[2] == 113); /* TEST-NETs */
}

static bool v6_private(const unsigned char a[16])
{
    static const unsigned char zero[16] = {0};
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char siit[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
    static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (!memcmp(a, mapped, 12) || !memcmp(a, siit, 12) || !memcmp(a, nat64, 12)) return v4_private(a + 12);
    if (!memcmp(a, zero, 15) && (a[15] == 0 || a[15] == 1)) return true;        /* :: and ::1 */
    if (!memcmp(a, zero, 12)) return v4_private(a + 12);                         /* IPv4-compatible */
    if (a[0] == 0x20 && a[1] == 0x02) return v4_private(a + 2);                  /* 6to4: the IPv4 inside */
    return (a[0] == 0 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b && a[4] == 0 && a[5] == 1) || /* 64:ff9b:1::/48 */
           (a[0] == 0x01 && !memcmp(a + 1, zero, 7)) ||                          /* discard 100::/64 */
           (a[0] & 0xfe) == 0xfc ||                                              /* unique local fc00::/7 */
           (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||                            /* link-local fe80::/10 */
           (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) ||                            /* site-local (deprecated) */
           a[0] == 0xff ||                                                       /* multicast */
           (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8);       /* documentation */
}

bool httpc_addr_private(const char *ip)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, ip, a) == 1) return v4_private(a);
    if (inet_pton(AF_INET6, ip, a) != 1) return true; /* not an address: refuse */
    return v6_private(a);
}

/* a socket address: refused unless it is an IPv4 or IPv6 public address;
 * its text in out */
static bool sockaddr_private(const struct sockaddr *sa, char *out, size_t n)
{
    snprintf(out, n, "(family %d)", (int)sa->sa_family);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, out, (socklen_t)n);
        return v4_private((const unsigned char *)&s4->sin_addr);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, out, (socklen_t)n);
        return v6_private(s6->sin6_addr.s6_addr);
    }
    return true;
}

/* WHATWG URL: a host whose last label is a number is an IPv4 address or
 * invalid (no top-level domain is numeric) */
static bool ends_in_number(const char *h)
{
    const char *last = strrchr(h, '.');
    last = last ? last + 1 : h;
    if (!*last) return false;
    if (last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) last += 2;
    else if (strspn(last, "0123456789") == strlen(last)) return true;
    else return false;
    return strspn(last, "0123456789abcdefABCDEF") == strlen(last);
}

enum { HOST_OK, HOST_LOCAL, HOST_BAD };

/* Classify the host of a URL as libcurl parsed it (percent-decoded; IPv6 in
 * brackets; libcurl already rewrites 2130706433, 0x7f.1, 0177.0.0.1, 127.1
 * to 127.0.0.1, and the same forms are parsed here again with inet_aton,
 * which takes every one of them, so the check does not depend on it).
 * HOST_LOCAL: a loopback, private or reserved address, or a local name
 * (localhost, *.localhost), with the address in addr ("" for a name). */
static int host_class(const char *host, char *addr, size_t an)
{
    char h[256];
    addr[0] = '\0';
    size_t n = strlen(host);
    if (n >= sizeof h) return HOST_OK; /* too long for an address: a name, checked when resolved */
    memcpy(h, host, n + 1);
    if (h[0] == '[') {
        if (n < 2 || h[n - 1] != ']') return HOST_BAD;
        h[n - 1] = '\0';
        unsigned char a[16];
        if (inet_pton(AF_INET6, h + 1, a) != 1) return HOST_BAD;
        inet_ntop(AF_INET6, a, addr, (socklen_t)an);
        return v6_private(a) ? HOST_LOCAL : HOST_OK;
    }
    if (n && h[n - 1] == '.') h[--n] = '\0'; /* the absolute form of a name */
    for (size_t i = 0; i < n; i++) h[i] = (char)tolower((unsigned char)h[i]);
    if (!strcmp(h, "localhost") || (n > 10 && !strcmp(h + n - 10, ".localhost"))) return HOST_LOCAL;
    struct in_addr in;
    if (n && inet_aton(h, &in) == 1) {
        inet_ntop(AF_INET, &in, addr, (socklen_t)an);
        return v4_private((const unsigned char *)&in) ? HOST_LOCAL : HOST_OK;
    }
    return ends_in_number(h) ? HOST_BAD : HOST_OK;
}

/* httpc_url_check; *local set when the host is refused as local */
static int url_check(const char *url, bool allow_private, bool *local, vis_err *err)
{
    *local = false;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return vis_errf(err, VIS_EINVAL, "invalid_field", "callback_url",
                            "callback_url has a space, a control byte or a non-ASCII byte");
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "callback_url",
                        "callback_url must be an http:// or https:// URL");
    CURLU *u = curl_url();
    int rc = 0;
    char *host = NULL, *user = NULL, addr[INET6_ADDRSTRLEN];
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
    if (uc != CURLUE_OK)
        rc = vis_errf(err, VIS_EINVAL, "invalid_field", "callback_url", "callback_url is not a valid URL: %s",
                      curl_url_strerror(uc));
    else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host)
        rc = vis_errf(err, VIS_EINVAL, "invalid_field", "callback_url", "callback_url has no host");
    else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user)
        rc = vis_errf(err, VIS_EINVAL, "invalid_field", "callback_url",
                      "callback_url must not carry credentials (user:password@)");
    else
        switch (host_class(host, addr, sizeof addr)) {
        case HOST_BAD:
            rc = vis_errf(err, VIS_EINVAL, "invalid_field", "callback_url",
                          "callback_url's host %.100s is neither a valid IP address nor a host name", host);
            break;
        case HOST_LOCAL:
            if (allow_private) break;
            *local = true;
            if (!addr[0])
                rc = vis_errf(err, VIS_EINVAL, "invalid_field", "callback_url",
                              "callback_url's host %.100s names this machine (localhost): callbacks go to a "
                              "public address only",
                              host);
            else
                rc = vis_errf(err, VIS_EINVAL, "invalid_field", "callback_url",
                              "callback_url's host %.100s is %s, a loopback, private or reserved address: "
                              "callbacks go to a public address only",
                              host, addr);
            break;
        }
    curl_free(host);
    curl_free(user);
    curl_url_cleanup(u);
    return rc;
}

int httpc_url_check(const char *url, bool allow_private, vis_err *err)
{
    bool local;
    return url_check(url, allow_private, &local, err);
}

/* Before a socket is made for an address (after DNS, for every address
 * libcurl tries, happy eyeballs included): a refused address gets no socket,
 * so no connection is ever opened to it. The address checked is the one
 * connected to: a name that resolves differently a second time (DNS
 * rebinding) changes nothing. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)purpose;
    httpc *h = arg;
    char text[INET6_ADDRSTRLEN];
    if (!h->allow_private && sockaddr_private(&a->addr, text, sizeof text)) {
        snprintf(h->refused, sizeof h->refused, "%s", text);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* after the connection is made, before the request is sent: the same check
 * again, on the address libcurl reports (a second line, should a future
 * libcurl open a socket some other way) */
static int prereq(void *arg, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    (void)local_ip, (void)primary_port, (void)local_port;
    httpc *h = arg;
    if (h->allow_private || !httpc_addr_private(primary_ip)) return CURL_PREREQFUNC_OK;
    snprintf(h->refused, sizeof h->refused, "%s", primary_ip);
    return CURL_PREREQFUNC_ABORT;
}

/* the response body is kept (if asked) or dropped; a huge one ends the
 * transfer */
static size_t take_body(char *ptr, size_t size, size_t n, void *arg)
{
    httpc *h = arg;
    h->body_seen += size * n;
    if (h->body_seen > HTTPC_BODY_MAX) return 0;
    if (h->resp) buf_append(h->resp, ptr, size * n);
    return size * n;
}

int httpc_post(httpc *h, const char *url, const char *body, size_t len, const char *const *headers,
               int64_t timeout_ms, int *status, buf *resp, vis_err *err)
{
    *status = 0;
    bool local;
    vis_err ue;
    vis_err_clear(&ue);
    int rc = url_check(url, h->allow_private, &local, &ue);
    if (rc && local) /* a URL stored before such hosts were refused, or configured */
        return vis_errf(err, VIS_EIO, "address_refused", NULL, "%s", ue.msg);
    if (rc) {
        if (err) *err = ue;
        return rc;
    }
    CURL *c = h->curl;
    curl_easy_reset(c); /* keeps the connection cache */
    struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
    /* no "Expect: 100-continue" round trip on larger bodies */
    if (hl) hl = curl_slist_append(hl, "Expect:");
    for (size_t i = 0; hl && headers && headers[i]; i++) {
        struct curl_slist *n = curl_slist_append(hl, headers[i]);
        if (!n) {
            curl_slist_free_all(hl);
            hl = NULL;
        }
        hl = n;
    }
    char ebuf[CURL_ERROR_SIZE];
    ebuf[0] = '\0';
    h->body_seen = 0;
    h->resp = resp;
    h->refused[0] = '\0';
    long t = timeout_ms > 0 ? (long)timeout_ms : 1;
    CURLcode cc = CURLE_OK;
#define SET(opt, val)                                                                                              \
    do                                                                                                             \
        if (cc == CURLE_OK) cc = curl_easy_setopt(c, opt, val);                                                    \
    while (0)
    SET(CURLOPT_URL, url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TIMEOUT_MS, t);
    SET(CURLOPT_CONNECTTIMEOUT_MS, t);
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_POSTFIELDS, body);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    SET(CURLOPT_HTTPHEADER, hl);
    SET(CURLOPT_USERAGENT, "visible-callbacks/1");
    SET(CURLOPT_WRITEFUNCTION, take_body);
    SET(CURLOPT_WRITEDATA, h);
    SET(CURLOPT_ERRORBUFFER, ebuf);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (h->ca_file) SET(CURLOPT_CAINFO, h->ca_file);
    /* a proxy would connect wherever it is told: none, unless allowed */
    if (!h->allow_private) SET(CURLOPT_PROXY, "");
    SET(CURLOPT_OPENSOCKETFUNCTION, open_socket);
    SET(CURLOPT_OPENSOCKETDATA, h);
    SET(CURLOPT_PREREQFUNCTION, prereq);
    SET(CURLOPT_PREREQDATA, h);
#undef SET
    if (cc == CURLE_OK) cc = curl_easy_perform(c);
    long code = 0;
    if (cc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    /* a too-long body is the client's problem, not a failed delivery */
    if (cc == CURLE_WRITE_ERROR && h->body_seen > HTTPC_BODY_MAX)
        if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code) cc = CURLE_OK;
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hl);
    if (cc != CURLE_OK && h->refused[0])
        return vis_errf(err, VIS_EIO, "address_refused", NULL,
                        "%s is a loopback, private or reserved address: refused before connecting "
                        "(see moderation.callback_private)",
                        h->refused);
    if (cc != CURLE_OK) {
        const char *kind = cc == CURLE_OPERATION_TIMEDOUT                                   ? "timeout"
                           : cc == CURLE_COULDNT_RESOLVE_HOST                               ? "dns_failed"
                           : cc == CURLE_COULDNT_CONNECT                                    ? "connect_failed"
                           : cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CONNECT_ERROR ||
                                   cc == CURLE_SSL_CACERT_BADFILE                           ? "tls_failed"
                           : cc == CURLE_OUT_OF_MEMORY                                      ? NULL
                                                                                            : "http_failed";
        return vis_errf(err, VIS_EIO, kind, NULL, "%s",
                        ebuf[0] ? ebuf : curl_easy_strerror(cc));
    }
    if (code < 100 || code > 999)
        return vis_errf(err, VIS_EIO, "bad_response", NULL, "no HTTP status in the response");
    *status = (int)code;
    return 0;
}
