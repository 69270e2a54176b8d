/* h_web — what the web app needs from the server beyond the API itself:
 * its public settings (map tiles, currency, the minimum pay). */
#include "http/http.h"
#include "http/server.h"

static int h_web_config(http_req *r, http_resp *rs, vis_err *err)
{
    (void)err;
    const vis_config *c = &r->srv->cfg;
    return http_json(rs, 200,
                     json_pack("{s:s, s:s, s:s, s:I, s:[s,s]}", "tile_url", c->web_tile_url, "tile_attribution",
                               c->web_tile_attribution, "currency", c->currency, "minimum_hourly_micros",
                               (json_int_t)c->min_hourly_micros, "languages", "en", "fr"));
}

const http_route http_routes_web[] = {
    {"GET", "/v1/web/config", h_web_config, HTTP_PUBLIC,
     "the web app's public settings: map tiles, currency, minimum hourly pay, languages"},
    {NULL, NULL, NULL, 0, NULL},
};
