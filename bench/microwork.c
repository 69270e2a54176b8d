/* bench/microwork — micro-work claim+submit throughput.
 *
 * Starts `build/visible serve` on a free loopback port with a fresh database,
 * publishes a batch of 100,000 tasks (overlap 3) from CSV (timed), creates
 * 200 workers, and runs them for BENCH_SECONDS (default 10) over HTTP/1.1
 * keep-alive, each looping claim -> submit with one request in flight (an
 * epoll load generator on BENCH_CLIENT_THREADS threads, default 2); prints
 * cycles/s, p50/p99 of a cycle and the CPU time per cycle of the server and
 * of the load generator. In the same run, the ceiling: the same claim and
 * submit transactions executed in-process through the same group committer
 * (200 chains of jobs, no HTTP), and the ratio. BENCH_THREADS sets the
 * server's HTTP threads (default: the server's own default).
 * Figures only. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "core/config.h"
#include "http/committer.h"
#include "http/server.h"
#include "microwork/mw.h"
#include "store/store.h"

#define TASKS 100000
#define WORKERS 200

static int g_port;

typedef struct conn {
    int  fd;
    char rbuf[1 << 16];
} conn;

static int conn_open(conn *c)
{
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return connect(c->fd, (struct sockaddr *)&a, sizeof a);
}

/* A request's head (the body, blen bytes, follows it); its length. */
static int request_head(char *head, size_t cap, const char *method, const char *path, const char *token,
                        const char *ctype, size_t blen)
{
    return snprintf(head, cap,
                    "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                    method, path, token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "",
                    ctype ? ctype : "application/json", blen);
}

/* One request; returns status, body copied into out (NUL-terminated). */
static int http(conn *c, const char *method, const char *path, const char *token, const char *ctype,
                const char *body, size_t blen, char *out, size_t outcap)
{
    char head[1024];
    int hn = request_head(head, sizeof head, method, path, token, ctype, blen);
    if (write(c->fd, head, (size_t)hn) != hn) return -1;
    size_t off = 0;
    while (off < blen) {
        ssize_t w = write(c->fd, body + off, blen - off);
        if (w <= 0) return -1;
        off += (size_t)w;
    }
    size_t have = 0;
    for (;;) {
        ssize_t r = read(c->fd, c->rbuf + have, sizeof c->rbuf - 1 - have);
        if (r <= 0) return -1;
        have += (size_t)r;
        c->rbuf[have] = '\0';
        char *eoh = strstr(c->rbuf, "\r\n\r\n");
        if (!eoh) continue;
        char *cl = strcasestr(c->rbuf, "Content-Length:");
        size_t len = cl ? (size_t)atol(cl + 15) : 0;
        size_t total = (size_t)(eoh + 4 - c->rbuf) + len;
        if (have < total) continue;
        int status = atoi(c->rbuf + 9);
        if (out) {
            size_t n = len < outcap - 1 ? len : outcap - 1;
            memcpy(out, eoh + 4, n);
            out[n] = '\0';
        }
        return status;
    }
}

static pid_t start_server(const char *dir)
{
    int pfd[2];
    if (pipe(pfd)) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        int dn = open("/dev/null", 1);
        dup2(dn, 2);
        char db[512];
        snprintf(db, sizeof db, "%s/v.db", dir);
        const char *thr = getenv("BENCH_THREADS"); /* default: the server's own */
        char dur[64]; /* BENCH_DURABILITY: store.durability (normal or full) */
        snprintf(dur, sizeof dur, "store.durability=%s", getenv("BENCH_DURABILITY") ? getenv("BENCH_DURABILITY") : "normal");
        if (thr)
            execl("build/visible", "visible", "serve", "--listen", "127.0.0.1:0", "--db", db, "--threads", thr,
                  "--quiet", "--set", "ratelimit.per_minute=0", "--set", dur, (char *)NULL);
        else
            execl("build/visible", "visible", "serve", "--listen", "127.0.0.1:0", "--db", db, "--quiet", "--set",
                  "ratelimit.per_minute=0", "--set", dur, (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    FILE *f = fdopen(pfd[0], "r");
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, "listening on http://127.0.0.1:");
        if (p) g_port = atoi(p + strlen("listening on http://127.0.0.1:"));
        if (!strncmp(line, "API:", 4)) break;
    }
    return pid;
}

static char *read_token(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/admin.token", dir);
    FILE *f = fopen(path, "r");
    static char tok[64];
    if (!f || !fgets(tok, sizeof tok, f)) return NULL;
    fclose(f);
    tok[strcspn(tok, "\n")] = '\0';
    return tok;
}

static int64_t json_id(const char *body, const char *key)
{
    json_t *j = json_loads(body, 0, NULL);
    json_t *v = json_object_get(j, key);
    int64_t id = json_is_integer(v) ? json_integer_value(v) : -1;
    json_decref(j);
    return id;
}

typedef struct wstate {
    char    token[64];
    int64_t lat_cap, lat_n;
    int64_t *lat;
} wstate;

static wstate g_workers[WORKERS];
static int64_t g_batch;
static atomic_int g_stop;
static atomic_llong g_cycles, g_failures;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

typedef struct thr {
    int first, n;
    int64_t *lat;
    size_t nlat, cap;
} thr;

/* The load generator: each thread drives its workers' connections without
 * blocking (epoll), as wrk does, so that it takes as little of the machine
 * as it can: every worker has one request in flight at a time. */
typedef struct wconn {
    int     fd, w, submitting;
    int64_t aid, t0;
    size_t  have;
    char    buf[8192];
} wconn;

static int wconn_send(wconn *c)
{
    char req[512], path[128];
    wstate *w = &g_workers[c->w];
    const char *body = c->submitting ? "{\"answer\":\"yes\"}" : "";
    if (c->submitting) snprintf(path, sizeof path, "/v1/assignments/%lld/submit", (long long)c->aid);
    else snprintf(path, sizeof path, "/v1/work/batches/%lld/claim", (long long)g_batch);
    int n = request_head(req, sizeof req, "POST", path, w->token, NULL, strlen(body));
    n += snprintf(req + n, sizeof req - (size_t)n, "%s", body);
    c->have = 0;
    return write(c->fd, req, (size_t)n) == n ? 0 : -1;
}

/* 1 when a whole response is in c->buf (status in *st, body at *b), 0 if not yet */
static int wconn_parse(wconn *c, int *st, const char **b)
{
    c->buf[c->have] = '\0';
    char *eoh = strstr(c->buf, "\r\n\r\n");
    if (!eoh) return 0;
    char *cl = strcasestr(c->buf, "Content-Length:");
    size_t len = cl ? (size_t)atol(cl + 15) : 0;
    if (c->have < (size_t)(eoh + 4 - c->buf) + len) return 0;
    *st = atoi(c->buf + 9);
    *b = eoh + 4;
    return 1;
}

static void *http_worker(void *arg)
{
    thr *t = arg;
    int ep = epoll_create1(0);
    wconn *cs = calloc((size_t)t->n, sizeof *cs);
    for (int i = 0; i < t->n; i++) {
        conn tmp;
        conn_open(&tmp);
        cs[i].fd = tmp.fd;
        cs[i].w = t->first + i;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
        cs[i].t0 = clock_mono_ns();
        wconn_send(&cs[i]);
    }
    struct epoll_event evs[64];
    while (!atomic_load(&g_stop)) {
        int n = epoll_wait(ep, evs, 64, 100);
        for (int e = 0; e < n; e++) {
            wconn *c = evs[e].data.ptr;
            ssize_t r = read(c->fd, c->buf + c->have, sizeof c->buf - 1 - c->have);
            if (r <= 0) {
                atomic_fetch_add(&g_failures, 1);
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                continue;
            }
            c->have += (size_t)r;
            int st;
            const char *body;
            if (!wconn_parse(c, &st, &body)) continue;
            if (!c->submitting) {
                const char *idp = st == 201 ? strstr(body, "{\"id\":") : NULL; /* the assignment's id leads its JSON */
                if (idp) {
                    c->aid = atoll(idp + 6);
                    c->submitting = 1;
                } else {
                    atomic_fetch_add(&g_failures, 1);
                    c->t0 = clock_mono_ns();
                }
            } else {
                c->submitting = 0;
                if (st != 200) {
                    atomic_fetch_add(&g_failures, 1);
                } else {
                    atomic_fetch_add(&g_cycles, 1);
                    if (t->nlat == t->cap) {
                        t->cap = t->cap ? t->cap * 2 : 4096;
                        t->lat = realloc(t->lat, t->cap * sizeof *t->lat);
                    }
                    t->lat[t->nlat++] = clock_mono_ns() - c->t0;
                }
                c->t0 = clock_mono_ns();
            }
            if (wconn_send(c)) atomic_fetch_add(&g_failures, 1);
        }
    }
    for (int i = 0; i < t->n; i++) close(cs[i].fd);
    close(ep);
    free(cs);
    return NULL;
}

static void report(const char *name, thr *ts, int nt, double secs, double *rate)
{
    size_t n = 0;
    for (int i = 0; i < nt; i++) n += ts[i].nlat;
    int64_t *all = malloc((n + 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < nt; i++) {
        memcpy(all + k, ts[i].lat, ts[i].nlat * sizeof *all);
        k += ts[i].nlat;
        free(ts[i].lat);
    }
    qsort(all, n, sizeof *all, cmp_i64);
    *rate = n / secs;
    printf("  %-28s %8.0f cycles/s  p50 %6.2f ms  p99 %6.2f ms  (%zu cycles, %lld failed)\n", name, *rate,
           n ? all[n / 2] / 1e6 : 0, n ? all[(size_t)(n * 0.99)] / 1e6 : 0, n, (long long)atomic_load(&g_failures));
    free(all);
}

/* ---- in-process ceiling: the same transactions through the same group
 * committer, called directly instead of over HTTP. Each of the 200 workers
 * is a chain of jobs: the committer's completion callback of a claim queues
 * its submit, and that of a submit the next claim, so every worker always
 * has one request in flight, as over HTTP, with no thread in between. ---- */

typedef struct fiber {
    http_req      rq; /* rq.srv: the server */
    http_resp     rs;
    vis_err       err;
    committer_job job;
    vis_clock     clk;
    int           submitting;
    int64_t       aid, t0;
    thr           t;
} fiber;

static atomic_int g_live;

static int fn_claim(http_req *r, http_resp *rs, vis_err *err)
{
    mw_ctx c = {.db = r->db, .cfg = &r->srv->cfg, .now_ms = r->now_ms, .who = &r->who};
    return mw_claim(&c, g_batch, &rs->json, err);
}

static int fn_submit(http_req *r, http_resp *rs, vis_err *err)
{
    mw_ctx c = {.db = r->db, .cfg = &r->srv->cfg, .now_ms = r->now_ms, .who = &r->who};
    int64_t aid = (int64_t)(intptr_t)r->body;
    json_t *ans = json_pack("{s:s}", "answer", "yes");
    int rc = mw_submit(&c, aid, ans, &rs->json, err);
    json_decref(ans);
    return rc;
}

static void fiber_next(void *arg, int rc);

static void fiber_go(fiber *f)
{
    if (atomic_load(&g_stop)) {
        atomic_fetch_sub(&g_live, 1);
        return;
    }
    f->rs = (http_resp){.status = 200};
    f->rq.now_ms = clock_now_ms(&f->clk);
    if (!f->submitting) {
        f->t0 = clock_mono_ns();
        committer_submit(f->rq.srv->committer, &f->job, fn_claim, &f->rq, &f->rs, &f->err, fiber_next, f);
    } else {
        f->rq.body = (const char *)(intptr_t)f->aid;
        committer_submit(f->rq.srv->committer, &f->job, fn_submit, &f->rq, &f->rs, &f->err, fiber_next, f);
    }
}

static void fiber_next(void *arg, int rc)
{
    fiber *f = arg;
    if (rc) {
        atomic_fetch_add(&g_failures, 1);
        f->submitting = 0;
    } else if (!f->submitting) {
        f->aid = json_integer_value(json_object_get(f->rs.json, "id"));
        f->submitting = 1;
    } else {
        f->submitting = 0;
        atomic_fetch_add(&g_cycles, 1);
        if (f->t.nlat == f->t.cap) {
            f->t.cap = f->t.cap ? f->t.cap * 2 : 4096;
            f->t.lat = realloc(f->t.lat, f->t.cap * sizeof *f->t.lat);
        }
        f->t.lat[f->t.nlat++] = clock_mono_ns() - f->t0;
    }
    json_decref(f->rs.json);
    f->rs.json = NULL;
    fiber_go(f);
}

/* CPU seconds (user + system) used so far by a process */
static double cpu_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    signal(SIGPIPE, SIG_IGN);
    double secs = getenv("BENCH_SECONDS") ? atof(getenv("BENCH_SECONDS")) : 10;
    int tasks = getenv("BENCH_TASKS") ? atoi(getenv("BENCH_TASKS")) : TASKS;
    char dir[] = "/tmp/visible-bench-mw-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    pid_t pid = start_server(dir);
    char *admin = read_token(dir);
    if (!g_port || !admin) {
        fprintf(stderr, "bench/microwork: server did not start\n");
        return 1;
    }
    conn c;
    conn_open(&c);
    static char body[1 << 20];
    /* a client with funds */
    const char *cj = "{\"name\":\"Bench client\",\"email\":\"bench-client@example.org\",\"role\":\"client\"}";
    http(&c, "POST", "/v1/admin/accounts", admin, NULL, cj, strlen(cj), body, sizeof body);
    json_t *j = json_loads(body, 0, NULL);
    int64_t client_id = json_integer_value(json_object_get(json_object_get(j, "account"), "id"));
    char ctok[64];
    snprintf(ctok, sizeof ctok, "%s", json_string_value(json_object_get(j, "token")));
    json_decref(j);
    char path[128], req[512];
    snprintf(path, sizeof path, "/v1/admin/accounts/%lld/credit", (long long)client_id);
    int n = snprintf(req, sizeof req, "{\"amount_micros\":100000000000000,\"reason\":\"bench\"}");
    http(&c, "POST", path, admin, NULL, req, (size_t)n, body, sizeof body);
    n = snprintf(req, sizeof req,
                 "{\"title\":\"bench\",\"template\":\"Is ${item} relevant?\",\"answer_type\":\"single\","
                 "\"labels\":[\"yes\",\"no\"],\"reward_micros\":20000,\"overlap\":3,\"expected_seconds\":5,"
                 "\"lease_seconds\":3600}");
    http(&c, "POST", "/v1/batches", ctok, NULL, req, (size_t)n, body, sizeof body);
    g_batch = json_id(body, "id");
    /* 100,000 tasks from CSV */
    size_t cap = (size_t)tasks * 32 + 64, len = 0;
    char *csv = malloc(cap);
    len += (size_t)sprintf(csv, "item\r\n");
    for (int i = 0; i < tasks; i++) len += (size_t)sprintf(csv + len, "https://example.org/doc/%d\r\n", i);
    snprintf(path, sizeof path, "/v1/batches/%lld/tasks", (long long)g_batch);
    int64_t t0 = clock_mono_ns();
    int st = http(&c, "POST", path, ctok, "text/csv", csv, len, body, sizeof body);
    double up = (clock_mono_ns() - t0) / 1e9;
    snprintf(path, sizeof path, "/v1/batches/%lld/publish", (long long)g_batch);
    t0 = clock_mono_ns();
    int st2 = http(&c, "POST", path, ctok, NULL, "", 0, body, sizeof body);
    double pub = (clock_mono_ns() - t0) / 1e9;
    printf("microwork: upload %d tasks as CSV (%zu bytes): %.3f s (status %d); publish: %.3f s (status %d)\n", tasks,
           len, up, st, pub, st2);
    printf("  upload + publish: %.3f s (target < 2 s)\n", up + pub);
    free(csv);
    /* 200 workers */
    int64_t worker_ids[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        n = snprintf(req, sizeof req, "{\"name\":\"W%d\",\"email\":\"w%d@example.org\",\"role\":\"worker\"}", i, i);
        http(&c, "POST", "/v1/admin/accounts", admin, NULL, req, (size_t)n, body, sizeof body);
        j = json_loads(body, 0, NULL);
        snprintf(g_workers[i].token, sizeof g_workers[i].token, "%s", json_string_value(json_object_get(j, "token")));
        worker_ids[i] = json_integer_value(json_object_get(json_object_get(j, "account"), "id"));
        json_decref(j);
    }
    close(c.fd);
    /* HTTP run */
    int NT = getenv("BENCH_CLIENT_THREADS") ? atoi(getenv("BENCH_CLIENT_THREADS")) : 2;
    if (NT < 1 || NT > WORKERS) NT = 2;
    thr *ts = calloc((size_t)NT, sizeof *ts);
    pthread_t *th = calloc((size_t)NT, sizeof *th);
    for (int i = 0; i < NT; i++) {
        ts[i].first = i * WORKERS / NT;
        ts[i].n = (i + 1) * WORKERS / NT - i * WORKERS / NT;
        pthread_create(&th[i], NULL, http_worker, &ts[i]);
    }
    double srv0 = cpu_of(pid), cli0 = cpu_of(getpid());
    usleep((useconds_t)(secs * 1e6));
    atomic_store(&g_stop, 1);
    double srv_cpu = cpu_of(pid) - srv0, cli_cpu = cpu_of(getpid()) - cli0;
    long long http_cycles = atomic_load(&g_cycles);
    for (int i = 0; i < NT; i++) pthread_join(th[i], NULL);
    printf("claim -> submit, %d workers on %d connections, %.0f s, server %s threads:\n", WORKERS, WORKERS, secs,
           getenv("BENCH_THREADS") ? getenv("BENCH_THREADS") : "default");
    double http_rate, inproc_rate;
    report("over HTTP", ts, NT, secs, &http_rate);
    printf("  CPU per cycle: server %.0f us, load generator %.0f us (both on this machine's %ld cores)\n",
           http_cycles ? srv_cpu * 1e6 / (double)http_cycles : 0, http_cycles ? cli_cpu * 1e6 / (double)http_cycles : 0,
           sysconf(_SC_NPROCESSORS_ONLN));
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    /* in-process ceiling on the same database, continuing the same batch */
    atomic_store(&g_stop, 0);
    atomic_store(&g_failures, 0);
    char dbp[512];
    snprintf(dbp, sizeof dbp, "%s/v.db", dir);
    static vis_server srv;
    config_defaults(&srv.cfg);
    vis_err err;
    store_opts so = {.sync_full = getenv("BENCH_DURABILITY") && !strcmp(getenv("BENCH_DURABILITY"), "full"),
                     .busy_timeout_ms = 5000};
    if (store_pool_open(&srv.pool, dbp, &so, &err) || !(srv.committer = committer_start(&srv, &err))) {
        fprintf(stderr, "bench/microwork: %s\n", err.msg);
        return 1;
    }
    static fiber fs[WORKERS];
    atomic_store(&g_cycles, 0);
    atomic_store(&g_live, WORKERS);
    double self0 = cpu_of(getpid());
    for (int i = 0; i < WORKERS; i++) {
        fs[i].rq = (http_req){.srv = &srv, .authed = true};
        fs[i].rq.who.id = worker_ids[i];
        strcpy(fs[i].rq.who.role, "worker");
        clock_init(&fs[i].clk);
    }
    for (int i = 0; i < WORKERS; i++) fiber_go(&fs[i]);
    usleep((useconds_t)(secs * 1e6));
    atomic_store(&g_stop, 1);
    long long in_cycles = atomic_load(&g_cycles);
    double in_cpu = cpu_of(getpid()) - self0;
    while (atomic_load(&g_live) > 0) usleep(1000);
    thr its[WORKERS];
    for (int i = 0; i < WORKERS; i++) its[i] = fs[i].t;
    report("in-process (ceiling)", its, WORKERS, secs, &inproc_rate);
    printf("  CPU per cycle in-process: %.0f us\n", in_cycles ? in_cpu * 1e6 / (double)in_cycles : 0);
    printf("  ratio HTTP / in-process = %.2f (target >= 0.50); HTTP target >= 5000 cycles/s\n", http_rate / inproc_rate);
    committer_stop(srv.committer);
    store_pool *pool = srv.pool;
    store_pool_close(pool);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 0;
    return 0;
}
