#define _GNU_SOURCE /* strcasestr */
/* Unit tests of the outgoing HTTP client (http/client.h): URL checks, a POST
 * to a one-shot local server (status, headers, body as sent), refused
 * connections and the deadline. https is exercised end to end by the API
 * tests (tests/api/test_moderation_api.py), which need a certificate. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/client.h"

typedef struct {
    int lfd;
    const char *reply; /* NULL: accept, read, never answer */
    char got[8192];
    size_t len;
} server;

static int listen_local(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 4) ||
        getsockname(fd, (struct sockaddr *)&a, &sl))
        return -1;
    *port = ntohs(a.sin_port);
    return fd;
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
    assert_int_equal(httpc_url_check("https://hooks.example.org/visible?x=1", &e), 0);
    assert_int_equal(httpc_url_check("http://127.0.0.1:8080/cb", &e), 0);
    assert_int_equal(httpc_url_check("http://[::1]:9/cb", &e), 0);
    const char *bad[] = {"ftp://example.org/", "example.org/cb", "https://", "http://exa mple.org/",
                         "https://user:pw@example.org/", "http://example.org:99999999/", "http://\x01/", "",
                         "https://ex\xc3\xa9.org/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vis_err_clear(&e);
        assert_int_equal(httpc_url_check(bad[i], &e), VIS_EINVAL);
        assert_string_equal(e.field, "callback_url");
    }
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
    /* a real request to loopback is refused before anything is sent */
    server s = {.reply = "HTTP/1.1 204 No Content\r\n\r\n"};
    post_fails(&s, false, 2000, "address_refused");
    assert_int_equal(s.len, 0); /* the connection was made, then closed unused */
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
        cmocka_unit_test(test_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
