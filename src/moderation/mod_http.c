/* mod_http — a minimal HTTP/1.1 POST client for decision callbacks:
 * http:// URLs only (host or IPv4/IPv6 literal, optional port, path), one
 * request per connection (Connection: close), a deadline over the whole
 * exchange (connect, send, status line). Only the status code is read.
 * https:// needs a TLS client (libcurl from Debian is the candidate); the
 * settings endpoint refuses such URLs until one is added. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "core/clock.h"
#include "moderation/mod_int.h"

static int parse_url(const char *url, char *host, size_t hn, char *port, size_t pn, const char **path, vis_err *err)
{
    if (strncmp(url, "http://", 7))
        return vis_errf(err, VIS_EINVAL, "unsupported_url", NULL, "only http:// callback URLs are supported");
    const char *h = url + 7, *end = h + strcspn(h, "/?#");
    const char *ps = NULL;
    if (*h == '[') {
        const char *rb = memchr(h, ']', (size_t)(end - h));
        if (!rb) return vis_errf(err, VIS_EINVAL, "bad_url", NULL, "bad IPv6 literal in the callback URL");
        if ((size_t)(rb - h - 1) >= hn) return vis_errf(err, VIS_EINVAL, "bad_url", NULL, "host too long");
        memcpy(host, h + 1, (size_t)(rb - h - 1));
        host[rb - h - 1] = '\0';
        if (rb + 1 < end && rb[1] == ':') ps = rb + 2;
    } else {
        const char *colon = memchr(h, ':', (size_t)(end - h));
        const char *he = colon ? colon : end;
        if (he == h || (size_t)(he - h) >= hn) return vis_errf(err, VIS_EINVAL, "bad_url", NULL, "bad host in the callback URL");
        memcpy(host, h, (size_t)(he - h));
        host[he - h] = '\0';
        if (colon) ps = colon + 1;
    }
    if (ps) {
        size_t n = (size_t)(end - ps);
        if (n == 0 || n >= pn || strspn(ps, "0123456789") < n)
            return vis_errf(err, VIS_EINVAL, "bad_url", NULL, "bad port in the callback URL");
        memcpy(port, ps, n);
        port[n] = '\0';
    } else {
        snprintf(port, pn, "80");
    }
    *path = *end ? end : "/";
    return 0;
}

static int wait_fd(int fd, short ev, int64_t deadline_ns)
{
    int64_t left = (deadline_ns - clock_mono_ns()) / 1000000;
    if (left <= 0) return -1;
    struct pollfd p = {.fd = fd, .events = ev};
    int r;
    do r = poll(&p, 1, (int)left);
    while (r < 0 && errno == EINTR);
    return r == 1 ? 0 : -1;
}

int mod_http_post(const char *url, const char *body, size_t len, const char *const *headers, int64_t timeout_ms,
                  int *status, vis_err *err)
{
    *status = 0;
    char host[256], port[8];
    const char *path = "/";
    if (parse_url(url, host, sizeof host, port, sizeof port, &path, err)) return err->code;
    int64_t deadline = clock_mono_ns() + timeout_ms * 1000000;
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gr = getaddrinfo(host, port, &hints, &ai);
    if (gr) return vis_errf(err, VIS_EIO, "dns_failed", NULL, "cannot resolve %s: %s", host, gai_strerror(gr));
    int fd = -1;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        int ok = errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 0;
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (ok && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) return vis_errf(err, VIS_EIO, "connect_failed", NULL, "cannot connect to %s:%s", host, port);
    buf req;
    buf_init(&req);
    buf_printf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: visible-moderation\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n",
               path, host, len);
    for (size_t i = 0; headers && headers[i]; i++) buf_printf(&req, "%s\r\n", headers[i]);
    buf_printf(&req, "\r\n");
    buf_append(&req, body, len);
    int rc = 0;
    if (req.oom) rc = vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
    size_t off = 0;
    while (!rc && off < req.len) {
        ssize_t n = send(fd, req.data + off, req.len - off, MSG_NOSIGNAL);
        if (n > 0) off += (size_t)n;
        else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(fd, POLLOUT, deadline)) rc = vis_errf(err, VIS_EIO, "timeout", NULL, "timed out sending");
        } else {
            rc = vis_errf(err, VIS_EIO, "send_failed", NULL, "send failed: %s", strerror(errno));
        }
    }
    buf_free(&req);
    char line[256];
    size_t got = 0;
    while (!rc && !memchr(line, '\n', got) && got < sizeof line - 1) {
        ssize_t n = recv(fd, line + got, sizeof line - 1 - got, 0);
        if (n > 0) got += (size_t)n;
        else if (n == 0) break;
        else if (errno == EAGAIN || errno == EINTR) {
            if (wait_fd(fd, POLLIN, deadline)) rc = vis_errf(err, VIS_EIO, "timeout", NULL, "timed out waiting for a response");
        } else {
            rc = vis_errf(err, VIS_EIO, "recv_failed", NULL, "receive failed: %s", strerror(errno));
        }
    }
    close(fd);
    if (rc) return rc;
    line[got] = '\0';
    int st = 0;
    if (sscanf(line, "HTTP/1.%*d %d", &st) != 1 || st < 100 || st > 999)
        return vis_errf(err, VIS_EIO, "bad_response", NULL, "no HTTP status line in the response");
    *status = st;
    return 0;
}
