/* websess — cookie sessions, CSRF checks and security headers (websess.h). */
#include "http/websess.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "http/server.h"

void websess_csrf(const char *token, char out[WEBSESS_CSRF_LEN])
{
    unsigned char h[16];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)"csrf:", 5);
    crypto_generichash_update(&st, (const unsigned char *)token, strlen(token));
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, WEBSESS_CSRF_LEN, h, sizeof h);
}

bool websess_csrf_ok(http_req *r, const char *token)
{
    const char *got = http_header(r, WEBSESS_CSRF_HEADER);
    if (!got || strlen(got) != WEBSESS_CSRF_LEN - 1) return false;
    char want[WEBSESS_CSRF_LEN];
    websess_csrf(token, want);
    return sodium_memcmp(got, want, WEBSESS_CSRF_LEN - 1) == 0;
}

bool websess_cross_site(http_req *r)
{
    const char *site = http_header(r, "Sec-Fetch-Site");
    if (site && (!strcasecmp(site, "cross-site") || !strcasecmp(site, "same-site"))) return true;
    const char *origin = http_header(r, "Origin");
    if (!origin) return false;
    const char *host = http_header(r, "Host");
    if (!strcmp(origin, "null") || !host) return true;
    const char *p = strstr(origin, "://");
    if (!p) return true;
    return strcasecmp(p + 3, host) != 0;
}

static bool secure(http_req *r)
{
    const char *fp = http_header(r, "X-Forwarded-Proto");
    return r->srv->cfg.web_cookie_secure || (fp && !strcasecmp(fp, "https"));
}

static void add_cookie(http_resp *rs, const char *fmt_name, const char *value, bool http_only, bool sec,
                       int64_t max_age_s)
{
    if (rs->ncookies >= (int)(sizeof rs->cookies / sizeof rs->cookies[0])) return;
    snprintf(rs->cookies[rs->ncookies++], sizeof rs->cookies[0], "%s=%s; Path=/; Max-Age=%lld; SameSite=Strict%s%s",
             fmt_name, value, (long long)max_age_s, http_only ? "; HttpOnly" : "", sec ? "; Secure" : "");
}

void websess_set(http_req *r, http_resp *rs, const char *token, int64_t max_age_s)
{
    char csrf[WEBSESS_CSRF_LEN];
    websess_csrf(token, csrf);
    bool sec = secure(r);
    add_cookie(rs, WEBSESS_COOKIE, token, true, sec, max_age_s);
    add_cookie(rs, WEBSESS_CSRF_COOKIE, csrf, false, sec, max_age_s);
}

void websess_clear(http_req *r, http_resp *rs)
{
    bool sec = secure(r);
    add_cookie(rs, WEBSESS_COOKIE, "", true, sec, 0);
    add_cookie(rs, WEBSESS_CSRF_COOKIE, "", false, sec, 0);
}

/* The scheme://host[:port] of an http(s) URL, for a CSP source. */
static bool url_origin(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    if (!p || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7))) return false;
    size_t n = strcspn(p + 3, "/?#");
    size_t len = (size_t)(p + 3 - url) + n;
    if (n == 0 || len >= cap) return false;
    memcpy(out, url, len);
    out[len] = '\0';
    return true;
}

bool websess_tile_url_ok(const char *url)
{
    if (!*url) return true;
    char o[512];
    if (!url_origin(url, o, sizeof o)) return false;
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == ';' || *c == ',' || *c == '\'' || *c == '"' || *c == '\\' ||
            (unsigned char)*c >= 0x7f)
            return false;
    /* the host part: letters, digits, dots, dashes, brackets and a port; a {s} subdomain placeholder */
    for (const char *c = o + (strstr(o, "://") - o) + 3; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]{}", *c)) return false;
    return true;
}

bool websess_media_origins_ok(const char *list)
{
    char copy[512], o[512];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        /* an origin: https://host[:port], nothing after it */
        if (strncmp(tok, "https://", 8) || !url_origin(tok, o, sizeof o) || strcmp(o, tok) || strchr(tok + 8, '{') ||
            !websess_tile_url_ok(tok))
            return false;
    }
    return true;
}

void websess_headers(struct MHD_Response *resp, const vis_config *cfg, bool page)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    if (!page) {
        MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        return;
    }
    char tiles[520] = "";
    char o[512];
    if (cfg->web_tile_url[0] && url_origin(cfg->web_tile_url, o, sizeof o)) {
        /* Leaflet's {s} placeholder stands for a subdomain: allow them all */
        char *s = strstr(o, "{s}.");
        if (s) {
            memmove(s + 1, s + 3, strlen(s + 3) + 1);
            s[0] = '*';
        }
        snprintf(tiles, sizeof tiles, " %s", o);
    }
    /* content media for moderators (checked at start: websess_media_origins_ok) */
    char media[520] = "";
    if (cfg->web_media_origins[0]) snprintf(media, sizeof media, " %s", cfg->web_media_origins);
    char csp[4096]; /* room for the tiles, and media origins twice */
    snprintf(csp, sizeof csp,
             "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:%s%s; "
             "media-src 'self'%s; connect-src 'self'; font-src 'self'; manifest-src 'self'; frame-src 'self'; "
             "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
             tiles, media, media);
    MHD_add_response_header(resp, "Content-Security-Policy", csp);
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Permissions-Policy", "geolocation=(self), camera=(), microphone=()");
}
