/* static — serve the web UI's files from web_root, never outside it. */
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/server.h"
#include "http/websess.h"

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},  {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},          {".svg", "image/svg+xml"},
    {".png", "image/png"},                  {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},               {".txt", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},               {".map", "application/json"},
};

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (!strcasecmp(dot, types[i].ext)) return types[i].type;
    return "application/octet-stream";
}

/* Queue r with the headers every static answer gets (the page CSP for HTML). */
static int queue(vis_server *s, struct MHD_Connection *c, struct MHD_Response *r, int status, const char *ctype,
                 const char *cache, int *st)
{
    MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "Cache-Control", cache);
    websess_headers(r, &s->cfg, !strncmp(ctype, "text/html", 9));
    *st = status;
    int ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A short answer built here (copied: msg may be on the caller's stack). */
static int plain(vis_server *s, struct MHD_Connection *c, int status, const char *ctype, const char *msg, int *st)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_MUST_COPY);
    return r ? queue(s, c, r, status, ctype, "no-store", st) : MHD_NO;
}

static int not_found(vis_server *s, struct MHD_Connection *c, int *st);

/* Send a regular file (already resolved and checked). */
static int send_file(vis_server *s, struct MHD_Connection *c, const char *real, int status, const char *cache, int *st)
{
    struct stat sb;
    if (stat(real, &sb) || !S_ISREG(sb.st_mode)) return -1;
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    return queue(s, c, r, status, content_type(real), cache, st);
}

/* Browser libraries come from Debian's packages, where Debian installs them
 * (web.vendor_root): /vendor/chart.js/... and /vendor/leaflet/... only. */
static const struct {
    const char *dir, *package, *what;
} vendors[] = {
    {"chart.js", "libjs-chart.js", "Chart.js (charts)"},
    {"leaflet", "libjs-leaflet", "Leaflet (maps)"},
};

static int vendor(vis_server *s, struct MHD_Connection *c, const char *path, int *st)
{
    const char *rest = path + strlen("/vendor/");
    for (size_t i = 0; i < sizeof vendors / sizeof vendors[0]; i++) {
        size_t n = strlen(vendors[i].dir);
        if (strncmp(rest, vendors[i].dir, n) || rest[n] != '/') continue;
        char dir[PATH_MAX], want[2 * PATH_MAX];
        snprintf(dir, sizeof dir, "%s/%s", s->cfg.web_vendor_root, vendors[i].dir);
        int w = snprintf(want, sizeof want, "%s%s", dir, rest + n);
        struct stat sb;
        if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
            char msg[PATH_MAX + 1024];
            snprintf(msg, sizeof msg,
                     "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Missing library</title>"
                     "<h1>A browser library is missing</h1><p>%s is not installed on this server. Install the Debian "
                     "package <code>%s</code> (<code>sh scripts/install-deps</code> does it), then reload.</p>"
                     "<p>Looked in <code>%s</code> (setting <code>web.vendor_root</code>).</p></html>\n",
                     vendors[i].what, vendors[i].package, dir);
            fprintf(stderr, "{\"level\":\"error\",\"message\":\"%s missing: install the Debian package %s\"}\n",
                    vendors[i].what, vendors[i].package);
            return plain(s, c, 503, "text/html; charset=utf-8", msg, st);
        }
        if (w < 0 || (size_t)w >= sizeof want) break;
        int r = send_file(s, c, want, 200, "public, max-age=86400", st);
        if (r >= 0) return r;
        break;
    }
    return not_found(s, c, st);
}

static int not_found(vis_server *s, struct MHD_Connection *c, int *st)
{
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/404.html", s->web_root);
    int r = s->web_root[0] ? send_file(s, c, p, 404, "no-cache", st) : -1;
    if (r >= 0) return r;
    return plain(s, c, 404, "text/plain; charset=utf-8", "not found\n", st);
}

int static_serve(vis_server *s, struct MHD_Connection *c, const char *method, const char *path, int *st)
{
    (void)method;
    /* refuse anything that could climb out before touching the disk */
    if (path[0] != '/' || strstr(path, "..") || strchr(path, '\\') || strlen(path) > 512)
        return not_found(s, c, st);
    if (!strncmp(path, "/vendor/", 8)) return vendor(s, c, path, st);
    if (!s->web_root[0]) return plain(s, c, 404, "text/plain; charset=utf-8", "not found\n", st);
    /* clean URLs: /work is web/work.html */
    const char *last = strrchr(path, '/');
    bool bare = path[strlen(path) - 1] != '/' && !strchr(last, '.');
    char want[PATH_MAX];
    int n = snprintf(want, sizeof want, "%s%s%s", s->web_root, path,
                     path[strlen(path) - 1] == '/' ? "index.html" : bare ? ".html" : "");
    if (n < 0 || (size_t)n >= sizeof want) return not_found(s, c, st);
    char real[PATH_MAX];
    if (!realpath(want, real)) return not_found(s, c, st);
    size_t rl = strlen(s->web_root);
    if (strncmp(real, s->web_root, rl) || (real[rl] != '/' && real[rl] != '\0')) return not_found(s, c, st);
    int r = send_file(s, c, real, 200, "no-cache", st);
    return r >= 0 ? r : not_found(s, c, st);
}
