/* h_web — what the web app needs from the server beyond the API itself:
 * its public settings (map tiles, currency, the minimum pay). */
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "http/http.h"
#include "http/server.h"

static int h_web_config(http_req *r, http_resp *rs, vis_err *err)
{
    (void)err;
    const vis_config *c = &r->srv->cfg;
    /* the origins whose content media the page may show (web.media_origins) */
    json_t *media = json_array();
    char copy[sizeof c->web_media_origins];
    snprintf(copy, sizeof copy, "%s", c->web_media_origins);
    for (char *save = NULL, *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
        json_array_append_new(media, json_string(tok));
    return http_json(rs, 200,
                     JSON_PACK("{s:s, s:s, s:s, s:I, s:[s,s], s:o}", "tile_url", c->web_tile_url, "tile_attribution",
                               c->web_tile_attribution, "currency", c->currency, "minimum_hourly_micros",
                               (json_int_t)c->min_hourly_micros, "languages", "en", "fr", "media_origins", media));
}

const http_route http_routes_web[] = {
    {"GET", "/v1/web/config", h_web_config, HTTP_PUBLIC,
     "the web app's public settings: map tiles, currency, minimum hourly pay, languages"},
    {NULL, NULL, NULL, 0, NULL},
};
