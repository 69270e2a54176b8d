#define _GNU_SOURCE /* strcasestr */
/* Unit tests of the outgoing HTTP client (net/client.h): URL checks, a POST
 * to a one-shot local server (status, headers, body as sent), refused
 * connections and the deadline; loopback, private and reserved addresses in
 * every textual form and behind a name, refused before any connection (a
 * listening socket that must see none). https is exercised end to end by the
 * API tests (tests/api/test_callbacks_tls.py), which need a certificate. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/client.h"

typedef struct {
    int lfd;
    const char *reply; /* NULL: accept, read, never answer */
    char got[8192];
    size_t len;
} server;

/* a listening socket on this IPv4 address (network order), any port */
static int listen_on(in_addr_t addr, int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = addr};
    socklen_t sl = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 4) ||
        getsockname(fd, (struct sockaddr *)&a, &sl))
        return -1;
    *port = ntohs(a.sin_port);
    return fd;
}

static int listen_local(int *port) { return listen_on(htonl(INADDR_LOOPBACK), port); }

/* has anyone connected to this listening socket (within ms)? */
static bool connected(int lfd, int ms)
{
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    return poll(&p, 1, ms) > 0;
}

/* POST to url without private addresses: refused before any connection to
 * the listening socket lfd */
static void refused_unconnected(int lfd, const char *url)
{
    httpc *h = httpc_new(NULL, false);
    assert_non_null(h);
    int status = -1;
    vis_err e;
    vis_err_clear(&e);
    int rc = httpc_post(h, url, "{}", 2, NULL, 2000, &status, NULL, &e);
    if (rc != VIS_EIO || strcmp(e.kind, "address_refused")) fail_msg("%s: rc %d %s: %s", url, rc, e.kind, e.msg);
    assert_int_equal(status, 0);
    if (connected(lfd, 50)) fail_msg("%s: a connection was opened", url);
    httpc_free(h);
}

static void *serve_once(void *arg)
{
    server *s = arg;
    int c = accept(s->lfd, NULL, NULL);
    if (c < 0) return NULL;
    /* read until the whole body is in (Content-Length) */
    for (;;) {
        ssize_t n = read(c, s->got + s->len, sizeof s->got - 1 - s->len);
        if (n <= 0) break;
        s->len += (size_t)n;
        s->got[s->len] = '\0';
        char *end = strstr(s->got, "\r\n\r\n");
        char *cl = strcasestr(s->got, "Content-Length:");
        if (end && cl && s->len >= (size_t)(end + 4 - s->got) + (size_t)atoi(cl + 15)) break;
    }
    if (s->reply) {
        ssize_t w = write(c, s->reply, strlen(s->reply));
        (void)w;
    } else {
        char tmp[16];
        while (read(c, tmp, sizeof tmp) > 0) {} /* until the client gives up */
    }
    close(c);
    return NULL;
}

/* a one-shot server on a loopback port, in its own thread */
static void start_server(server *s, pthread_t *t, char *url, size_t un, const char *path)
{
    int port = 0;
    s->lfd = listen_local(&port);
    assert_true(s->lfd >= 0);
    assert_int_equal(pthread_create(t, NULL, serve_once, s), 0);
    snprintf(url, un, "http://127.0.0.1:%d%s", port, path);
}

/* POST to a one-shot server that cannot satisfy it: VIS_EIO of this kind */
static void post_fails(server *s, bool allow_private, int64_t timeout_ms, const char *kind)
{
    pthread_t t;
    char url[64];
    start_server(s, &t, url, sizeof url, "/");
    httpc *h = httpc_new(NULL, allow_private);
    assert_non_null(h);
    int status = 0;
    vis_err e;
    vis_err_clear(&e);
    assert_int_equal(httpc_post(h, url, "{}", 2, NULL, timeout_ms, &status, NULL, &e), VIS_EIO);
    assert_string_equal(e.kind, kind);
    assert_int_equal(status, 0);
    httpc_free(h); /* closes the connection: the server thread ends */
    pthread_join(t, NULL);
    close(s->lfd);
}

static void test_url_check(void **state)
{
    (void)state;
    vis_err e;
    const char *good[] = {"https://hooks.example.org/visible?x=1", "http://8.8.8.8/", "http://134744072/",
                          "http://[2a00:1450:4001::1]:8443/cb", "https://hooks.example.org./", "http://1.1/",
                          "https://localhost.example.org/", "https://mylocalhost/", "http://172.32.0.1/",
                          "http://example.0x1g/"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        for (int allow = 0; allow < 2; allow++)
            if (httpc_url_check(good[i], allow, &e)) fail_msg("%s refused: %s", good[i], e.msg);
    const char *bad[] = {"ftp://example.org/", "example.org/cb", "https://", "http://exa mple.org/",
                         "https://user:pw@example.org/", "http://example.org:99999999/", "http://\x01/", "",
                         "https://ex\xc3\xa9.org/", "http://999.1.1.1/", "http://1.2.3.08/", "http://4294967296/",
                         "http://1.2.3.4.5/", "http://example.0x1f/", "http://host.123/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        for (int allow = 0; allow < 2; allow++) {
            vis_err_clear(&e);
            if (httpc_url_check(bad[i], allow, &e) != VIS_EINVAL) fail_msg("%s accepted", bad[i]);
            assert_string_equal(e.field, "callback_url");
        }
    /* loopback, private and reserved hosts in every textual form: refused
     * unless allowed, with a message naming the field and the address */
    const char *local[] = {
        "http://127.0.0.1:8080/cb", "http://[::1]:9/cb", "http://localhost:1/", "http://LocalHost./",
        "http://api.localhost/", "http://2130706433/", "http://0x7f.1/", "http://0x7f000001/", "http://0177.0.0.1/",
        "http://0177.1/", "http://127.1/", "http://127.0.0.1./", "http://0.0.0.0/", "http://0/",
        "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::127.0.0.1]/", "http://[::]/",
        "http://[0:0:0:0:0:0:0:1]/", "http://%31%32%37.0.0.1/", "http://10.1.2.3/", "http://012.1.2.3/",
        "http://172.16.0.1/", "http://172.31.255.255/", "http://192.168.1.1/", "http://169.254.169.254/",
        "http://2852039166/", "http://100.64.0.1/", "http://224.0.0.1/", "http://255.255.255.255/",
        "http://240.0.0.1/", "http://192.0.2.1/", "http://198.18.0.1/", "http://[fc00::1]/", "http://[fd12:3456::1]/",
        "http://[fe80::1%25eth0]/", "http://[fe80::1]/", "http://[ff02::1]/", "http://[64:ff9b::a00:1]/",
        "http://[64:ff9b:1::1]/", "http://[2002:7f00:1::1]/", "http://[2001:db8::1]/", "http://[::ffff:0:a00:1]/",
        "http://[::ffff:169.254.169.254]/"};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++) {
        vis_err_clear(&e);
        if (httpc_url_check(local[i], false, &e) != VIS_EINVAL) fail_msg("%s accepted", local[i]);
        assert_string_equal(e.kind, "invalid_field");
        assert_string_equal(e.field, "callback_url");
        assert_non_null(strstr(e.msg, "callback_url"));
        if (httpc_url_check(local[i], true, &e)) fail_msg("%s refused though allowed: %s", local[i], e.msg);
    }
    vis_err_clear(&e);
    assert_int_equal(httpc_url_check("http://2130706433/", false, &e), VIS_EINVAL);
    assert_non_null(strstr(e.msg, "127.0.0.1"));
}

static void test_post(void **state)
{
    (void)state;
    server s = {.reply = "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"};
    pthread_t t;
    char url[64];
    start_server(&s, &t, url, sizeof url, "/hook?a=b");
    httpc *h = httpc_new(NULL, true);
    assert_non_null(h);
    const char *hs[] = {"X-Visible-Attempt: 1", NULL};
    int status = 0;
    vis_err e;
    vis_err_clear(&e);
    const char *body = "{\"decision\":1}";
    buf rb;
    buf_init(&rb);
    assert_int_equal(httpc_post(h, url, body, strlen(body), hs, 5000, &status, &rb, &e), 0);
    pthread_join(t, NULL);
    assert_int_equal(status, 202);
    assert_int_equal(rb.len, 2);
    assert_memory_equal(rb.data, "ok", 2);
    buf_free(&rb);
    assert_non_null(strstr(s.got, "POST /hook?a=b HTTP/1.1\r\n"));
    assert_non_null(strcasestr(s.got, "\r\nContent-Type: application/json\r\n"));
    assert_non_null(strstr(s.got, "\r\nX-Visible-Attempt: 1\r\n"));
    assert_null(strcasestr(s.got, "Expect:"));
    assert_non_null(strstr(s.got, "\r\n\r\n{\"decision\":1}"));
    close(s.lfd);

    /* nobody listening any more: a connection failure, not a status */
    vis_err_clear(&e);
    assert_int_equal(httpc_post(h, url, body, strlen(body), NULL, 2000, &status, NULL, &e), VIS_EIO);
    assert_int_equal(status, 0);
    assert_string_equal(e.kind, "connect_failed");
    httpc_free(h);
}

static void test_private_addresses(void **state)
{
    (void)state;
    const char *refused[] = {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                             "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
                             "::1", "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "64:ff9b::a00:1",
                             "ff02::1", "not-an-address"};
    const char *allowed[] = {"8.8.8.8", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2a00:1450:4001::1",
                             "::ffff:8.8.8.8", "1.1.1.1"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) assert_true(httpc_addr_private(refused[i]));
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) assert_false(httpc_addr_private(allowed[i]));
    const char *allowed_too[] = {"2002:808:808::1", "64:ff9b::808:808", "::ffff:0:808:808"};
    for (size_t i = 0; i < sizeof allowed_too / sizeof allowed_too[0]; i++)
        assert_false(httpc_addr_private(allowed_too[i]));
    assert_true(httpc_addr_private("2002:a00:1::1"));
    assert_true(httpc_addr_private("0177.0.0.1")); /* not a canonical address: refused */
}

/* every textual form of the listener's loopback address: no connection */
static void test_no_connection_to_loopback(void **state)
{
    (void)state;
    int port = 0, lfd = listen_local(&port);
    assert_true(lfd >= 0);
    const char *forms[] = {"127.0.0.1", "localhost", "2130706433", "127.1", "0x7f.1", "0177.0.0.1",
                           "[::ffff:127.0.0.1]", "[::127.0.0.1]", "127.0.0.1.", "0.0.0.0"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char url[96];
        snprintf(url, sizeof url, "http://%s:%d/hook", forms[i], port);
        refused_unconnected(lfd, url);
    }
    close(lfd);
}

/* A name whose address is a private one (this machine's name, which
 * /etc/hosts maps to 127.0.1.1, 127.0.0.1 or the container's private
 * address): the URL passes (names are not resolved when set), the resolved
 * address is refused before connecting. Proven meaningful by the same
 * request with private addresses allowed, which reaches the listener. */
static void test_no_connection_to_a_name_resolving_inside(void **state)
{
    (void)state;
    char name[256] = "";
    if (gethostname(name, sizeof name - 1)) skip();
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(name, NULL, &hints, &ai) || !ai) skip();
    struct sockaddr_in sa = *(struct sockaddr_in *)ai->ai_addr;
    freeaddrinfo(ai);
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
    vis_err e;
    if (!httpc_addr_private(ip)) skip();
    char url[400];
    snprintf(url, sizeof url, "http://%s:1/", name);
    if (httpc_url_check(url, false, &e)) skip(); /* a local name anyway (localhost) */
    server s = {.reply = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"};
    int port = 0;
    s.lfd = listen_on(sa.sin_addr.s_addr, &port);
    assert_true(s.lfd >= 0);
    snprintf(url, sizeof url, "http://%s:%d/hook", name, port);
    refused_unconnected(s.lfd, url);
    /* the same name, allowed: it does reach the listener */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, serve_once, &s), 0);
    httpc *h = httpc_new(NULL, true);
    int status = 0;
    vis_err_clear(&e);
    assert_int_equal(httpc_post(h, url, "{}", 2, NULL, 5000, &status, NULL, &e), 0);
    assert_int_equal(status, 204);
    httpc_free(h);
    pthread_join(t, NULL);
    close(s.lfd);
}

static void test_timeout(void **state)
{
    (void)state;
    server s = {.reply = NULL}; /* reads, never answers */
    post_fails(&s, true, 300, "timeout");
}

int main(void)
{
    if (httpc_global_init()) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_check),
        cmocka_unit_test(test_post),
        cmocka_unit_test(test_private_addresses),
        cmocka_unit_test(test_no_connection_to_loopback),
        cmocka_unit_test(test_no_connection_to_a_name_resolving_inside),
        cmocka_unit_test(test_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
