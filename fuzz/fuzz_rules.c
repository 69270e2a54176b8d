/*
 * fuzz_rules — the delivery pricing rule set (PUT /v1/admin/delivery/rules;
 * src/dispatch/disp_svc_rules.c: disp_rules_parse) and the prices it
 * produces (src/dispatch/disp_price.c).
 * Input: the JSON body. A rule set that parses is shown back
 * (disp_rules_json, what GET answers and what is stored), and that text must
 * parse again to the same rules; then jobs across the whole accepted range
 * (distance up to 10,000 km, a week of courier time and of waiting, any
 * time of day, pickups inside and outside the zones) are priced, waiting pay
 * and the guaranteed minimum computed.
 * Properties checked: no crash, leak or UB (money overflow included); a job
 * is priced or refused as price_too_large, and every amount is non-negative.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/config.h"
#include "dispatch/disp_svc_int.h"

static disp_geo geo;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    vis_config cfg;
    config_defaults(&cfg);
    disp_geo_init(&geo, &cfg);
    return 0;
}

static void price_all(const disp_rules *r)
{
    static const int64_t dist[] = {0, 1, 999, 25000, 10000000};
    static const int64_t dur[] = {0, 60000, 3600000, 86400000LL * 7};
    static const int64_t placed[] = {0, 1700000000000LL, 1700000000000LL + 43200000, 4102444800000LL};
    for (int z = -1; z < r->pr.nzones; z++) {
        double px = 0, py = 0;
        if (z >= 0) { /* a vertex of the zone and the mean of its points */
            const disp_zone *zz = &r->pr.zone[z];
            for (int i = 0; i < zz->npts; i++) {
                px += zz->x[i] / zz->npts;
                py += zz->y[i] / zz->npts;
            }
        }
        for (size_t d = 0; d < sizeof dist / sizeof *dist; d++)
            for (size_t t = 0; t < sizeof dur / sizeof *dur; t++)
                for (size_t p = 0; p < sizeof placed / sizeof *placed; p++) {
                    disp_price_in in = {.px = px, .py = py, .distance_m = dist[d], .expected_ms = dur[t],
                                        .wait_ms = dur[(t + 1) % 4], .placed_ms = placed[p]};
                    disp_pay_breakdown out;
                    vis_err e;
                    if (disp_price_job(&r->pr, &in, &out, &e)) {
                        /* the one refusal allowed: a price beyond what a job may carry */
                        if (strcmp(e.kind, "price_too_large")) abort();
                        continue;
                    }
                    if (out.pay < 0 || out.client_price < 0 || out.waiting < 0) abort();
                }
    }
    for (size_t t = 0; t < sizeof dur / sizeof *dur; t++) {
        if (disp_wait_pay(&r->pr, dur[t]) < 0) abort();
        if (disp_topup(0, r->pr.guarantee_per_hour, dur[t]) < 0) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *spec = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
    if (!spec) return 0;
    disp_rules *r = malloc(sizeof *r), *r2 = malloc(sizeof *r2);
    vis_err e;
    if (r && r2 && disp_rules_parse(spec, &geo, r, &e) == 0) {
        json_t *shown = disp_rules_json(r);
        char *text = shown ? json_dumps(shown, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_t *back = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
        if (!back) abort();
        if (disp_rules_parse(back, &geo, r2, &e)) abort(); /* what is stored parses again */
        json_t *shown2 = disp_rules_json(r2);
        if (!json_equal(shown, shown2)) abort();
        json_decref(shown2);
        json_decref(back);
        free(text);
        json_decref(shown);
        price_all(r);
    }
    free(r);
    free(r2);
    json_decref(spec);
    return 0;
}
