/*
 * client — outgoing HTTP(S) requests (decision callbacks to client
 * platforms), over libcurl.
 *
 * Why a library: callbacks go to client platforms' endpoints, which are
 * https:// in practice; TLS (certificate chains, host-name checks, SNI,
 * ALPN) is not something to write here. libcurl (Debian's GnuTLS flavour,
 * the TLS library libmicrohttpd already links) does it and keeps the
 * connection to an endpoint open between requests.
 *
 * Design: an httpc is one libcurl easy handle, used by one thread at a time
 * (the housekeeping thread that delivers callbacks keeps one per run, so
 * several callbacks to one endpoint share a connection). Only http:// and
 * https:// are allowed (also for redirects, which are never followed: a
 * callback is delivered where the client said, or it fails). Certificates
 * are verified against the system's CA store, or against `ca_file` when
 * one is configured (a private CA; tests use it).
 *
 * Server-side request forgery: unless allowed, requests to loopback,
 * private, link-local, shared, multicast or reserved addresses are refused
 * (a client platform must not make the server reach the operator's own
 * network), at two points:
 *   - the URL: httpc_url_check refuses such an address in any textual form
 *     (127.0.0.1, 2130706433, 0x7f.1, 0177.0.0.1, 127.1, 0, [::1],
 *     [::ffff:127.0.0.1], [::127.0.0.1], NAT64 and 6to4 forms of a private
 *     IPv4 address...), and the names localhost and *.localhost; a host whose
 *     last label is a number but that is no valid IPv4 address is invalid
 *     whatever the setting (WHATWG URL rule);
 *   - the resolved address: every address libcurl is about to connect to
 *     (after DNS, each one it tries) goes through the same check in libcurl's
 *     open-socket hook, and a refused one gets no socket at all, so no TCP
 *     connection to it is ever opened, whatever a name resolves to and
 *     however often it changes (DNS rebinding). Proxies from the environment
 *     are not used then (a proxy would connect anywhere). A pre-request hook
 *     checks the connected address once more.
 * The error says which address was refused (for the operator's log; what a
 * client platform is shown is its caller's choice). The response body is read
 * and dropped (at most 64 KiB); only the status code counts. A deadline
 * covers the whole exchange. No signals are used (threads).
 *
 * httpc_global_init must be called once, before any thread starts (main).
 */
#ifndef VIS_NET_CLIENT_H
#define VIS_NET_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct httpc httpc;

/* libcurl's process-wide set-up; 0 on success. */
int httpc_global_init(void);

/* ca_file: NULL or "" = the system's CA store; allow_private: also reach
 * loopback and private addresses. */
httpc *httpc_new(const char *ca_file, bool allow_private);

/* Is this textual IPv4/IPv6 address (canonical forms only: inet_pton) one
 * that is refused unless allowed? Anything else is refused. */
bool httpc_addr_private(const char *ip);
void httpc_free(httpc *h);

/* Is url a callback URL we can use: http:// or https://, a host, no
 * credentials, no spaces or control bytes, and (unless allow_private) a host
 * that is no loopback, private or reserved address in any textual form and
 * no localhost name? VIS_EINVAL (field "callback_url" with a message saying
 * why) if not. Names are not resolved here: see httpc_post. */
int httpc_url_check(const char *url, bool allow_private, vis_err *err);

/* POST body (Content-Type: application/json) to url with extra headers
 * ("Name: value", NULL-terminated list; may be NULL). On an exchange that
 * completed, returns 0 with *status the HTTP status (any, 2xx or not) and,
 * when resp is not NULL, the response body appended to it (at most 64 KiB
 * kept); otherwise VIS_EIO with the kind "address_refused" (a loopback,
 * private or reserved host or resolved address, refused before any
 * connection), "dns_failed", "connect_failed", "timeout", "tls_failed",
 * "http_failed" or "bad_response" and a detailed message, or VIS_EINVAL (bad
 * URL), with *status 0. */
int httpc_post(httpc *h, const char *url, const char *body, size_t len, const char *const *headers,
               int64_t timeout_ms, int *status, buf *resp, vis_err *err);

#endif
