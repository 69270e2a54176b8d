/*
 * websess — browser sessions and the headers that keep the web app safe.
 *
 * The JSON API authenticates with `Authorization: Bearer TOKEN`, unchanged.
 * The web app never sees a token: `POST /v1/login` (or `/v1/signup`) with
 * `"session": true` answers without the token and sets two cookies instead:
 *   vis_session  the token itself: HttpOnly, SameSite=Strict, Path=/,
 *                Secure behind TLS (web.cookie_secure or
 *                X-Forwarded-Proto: https);
 *   vis_csrf     a value derived from the token (BLAKE2b of "csrf:" and the
 *                token, hex): readable by the page, useless without the
 *                session cookie and impossible to compute without the token.
 * A request authenticated by the cookie that changes state (any method but
 * GET and HEAD) must carry `X-CSRF-Token` equal to vis_csrf (double submit,
 * checked against the token itself, so nothing is stored). A state-changing
 * request without a bearer token is also refused when the browser says it
 * comes from another site (Origin not this Host, or Sec-Fetch-Site:
 * cross-site): a cross-site form post never reaches a handler.
 *
 * Every response carries nosniff and a same-origin referrer policy; pages
 * get a strict Content-Security-Policy (no inline script, no eval, only this
 * origin, frames only from this origin, never framed: frame-ancestors
 * 'none'), with the map tile host added to img-src when one is configured.
 */
#ifndef VIS_HTTP_WEBSESS_H
#define VIS_HTTP_WEBSESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

struct MHD_Response;
struct vis_config;

#define WEBSESS_COOKIE "vis_session"
#define WEBSESS_CSRF_COOKIE "vis_csrf"
#define WEBSESS_CSRF_HEADER "X-CSRF-Token"
#define WEBSESS_CSRF_LEN 33 /* 32 hex digits + NUL */

/* The CSRF value of a session token. */
void websess_csrf(const char *token, char out[WEBSESS_CSRF_LEN]);
/* Does the request carry the right X-CSRF-Token for this session token? */
bool websess_csrf_ok(http_req *r, const char *token);
/* A state-changing request that the browser marks as coming from another
 * site (Origin host differs from Host, or Sec-Fetch-Site: cross-site). */
bool websess_cross_site(http_req *r);
/* Set both cookies for a new session (max_age in seconds). */
void websess_set(http_req *r, http_resp *rs, const char *token, int64_t max_age_s);
/* Expire both cookies. */
void websess_clear(http_req *r, http_resp *rs);
/* Headers every response gets; `page` adds the CSP for HTML pages. */
void websess_headers(struct MHD_Response *resp, const struct vis_config *cfg, bool page);
/* Check web.tile_url: empty, or an http(s) URL fit for a CSP source. */
bool websess_tile_url_ok(const char *url);
/* web.media_origins: space-separated https://host[:port] origins, nothing else. */
bool websess_media_origins_ok(const char *list);

#endif
