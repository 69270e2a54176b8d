/* static — serve the web UI's files from web_root, never outside it. */
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/server.h"

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

static int plain(struct MHD_Connection *c, int status, const char *msg, int *st)
{
    *st = status;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    int ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

int static_serve(vis_server *s, struct MHD_Connection *c, const char *method, const char *path, int *st)
{
    (void)method;
    if (!s->web_root[0]) return plain(c, 404, "not found\n", st);
    /* refuse anything that could climb out before touching the disk */
    if (path[0] != '/' || strstr(path, "..") || strchr(path, '\\') || strlen(path) > 512)
        return plain(c, 404, "not found\n", st);
    char want[PATH_MAX];
    int n = snprintf(want, sizeof want, "%s%s%s", s->web_root, path,
                     path[strlen(path) - 1] == '/' ? "index.html" : "");
    if (n < 0 || (size_t)n >= sizeof want) return plain(c, 404, "not found\n", st);
    char real[PATH_MAX];
    if (!realpath(want, real)) return plain(c, 404, "not found\n", st);
    size_t rl = strlen(s->web_root);
    if (strncmp(real, s->web_root, rl) || (real[rl] != '/' && real[rl] != '\0'))
        return plain(c, 404, "not found\n", st);
    struct stat sb;
    if (stat(real, &sb) || !S_ISREG(sb.st_mode)) return plain(c, 404, "not found\n", st);
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return plain(c, 404, "not found\n", st);
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", content_type(real));
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    *st = 200;
    int ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}
