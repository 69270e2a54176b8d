/* router — match "METHOD /v1/a/{id}/b" patterns against request paths. */
#include <string.h>

#include "http/server.h"

static bool match(const char *pat, const char *path, http_req *req)
{
    int np = 0;
    while (*pat && *path) {
        if (*pat == '{') {
            const char *pe = strchr(pat, '}');
            const char *se = strchr(path, '/');
            if (!se) se = path + strlen(path);
            size_t n = (size_t)(se - path);
            if (!pe || n == 0 || n >= sizeof req->params[0] || np >= HTTP_MAX_PARAMS) return false;
            if (req) {
                memcpy(req->params[np], path, n);
                req->params[np][n] = '\0';
            }
            np++;
            pat = pe + 1;
            path = se;
            continue;
        }
        if (*pat != *path) return false;
        pat++;
        path++;
    }
    if (*pat || *path) return false;
    if (req) req->nparams = np;
    return true;
}

const http_route *server_route(vis_server *s, const char *method, const char *path, http_req *req,
                               bool *path_matched, size_t *index)
{
    *path_matched = false;
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    for (size_t i = 0; i < s->nroutes; i++) {
        const http_route *r = s->routes[i];
        if (!match(r->pattern, path, NULL)) continue;
        *path_matched = true;
        if (strcmp(r->method, m)) continue;
        match(r->pattern, path, req);
        *index = i;
        return r;
    }
    return NULL;
}
