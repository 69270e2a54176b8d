/* disp_svc_rules — projection, engine parameters from the config, and the
 * pricing rule set (JSON, stored in the settings table; defaults below).
 *
 * Rule set (every key optional; absent keys take the defaults):
 *   {"client":  {"base_micros", "per_km_micros", "per_min_micros", "minimum_micros"},
 *    "courier": {... the same ...},
 *    "wait_free_ms", "wait_per_min_micros", "guarantee_per_hour_micros",
 *    "tz_offset_min",
 *    "zones": [{"name", "factor_permille", "polygon": [[lat, lon], ...]}],
 *    "time_of_day": [{"from": "HH:MM", "to": "HH:MM", "factor_permille"}]}
 * Zones are tested in order (the first containing the pickup applies), as
 * are time-of-day windows (local time = UTC + tz_offset_min; a window may
 * wrap midnight). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger.h"
#include "dispatch/disp_svc_int.h"
#include "store/sql_core.h"

#define EARTH_R 6371008.8
#define RULES_KEY "dispatch.rules"

int disp_store_err(vis_err *err) { return err && err->code ? err->code : VIS_ESTORE; }

void disp_geo_init(disp_geo *g, const vis_config *cfg)
{
    g->lat0 = (double)cfg->disp_ref_lat_e6 / 1e6;
    g->lon0 = (double)cfg->disp_ref_lon_e6 / 1e6;
    g->coslat0 = cos(g->lat0 * M_PI / 180.0);
}

void disp_geo_xy(const disp_geo *g, int64_t lat_e6, int64_t lon_e6, double *x, double *y)
{
    double lat = (double)lat_e6 / 1e6, lon = (double)lon_e6 / 1e6;
    double dlon = lon - g->lon0;
    if (dlon > 180) dlon -= 360;
    if (dlon < -180) dlon += 360;
    *x = EARTH_R * dlon * M_PI / 180.0 * g->coslat0;
    *y = EARTH_R * (lat - g->lat0) * M_PI / 180.0;
}

double disp_dist_m(const disp_geo *g, int64_t lat1, int64_t lon1, int64_t lat2, int64_t lon2)
{
    double x1, y1, x2, y2;
    disp_geo_xy(g, lat1, lon1, &x1, &y1);
    disp_geo_xy(g, lat2, lon2, &x2, &y2);
    return hypot(x2 - x1, y2 - y1);
}

int disp_latlon(double lat, double lon, int64_t *lat_e6, int64_t *lon_e6, vis_err *err)
{
    if (!isfinite(lat) || lat < -85 || lat > 85)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "lat", "lat must be a number of degrees in [-85, 85]");
    if (!isfinite(lon) || lon < -180 || lon > 180)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "lon", "lon must be a number of degrees in [-180, 180]");
    *lat_e6 = llround(lat * 1e6);
    *lon_e6 = llround(lon * 1e6);
    return 0;
}

void disp_svc_params(disp_params *p, const vis_config *cfg)
{
    disp_params_default(p);
    p->epoch_ms = cfg->disp_epoch_ms;
    p->tick_ms = 1000;
    p->meters_per_tick = (double)cfg->disp_speed_m_per_min / 60.0;
    p->pickup_service_ms = cfg->disp_service_s * 1000;
    p->dropoff_service_ms = cfg->disp_service_s * 1000;
}

/* ---- rule set ---- */

static void rules_default(disp_rules *r)
{
    memset(r, 0, sizeof *r);
    disp_pricing_init(&r->pr);
    r->pr.client = (disp_tariff){.base = 3500000, .per_km = 1000000, .per_min = 150000, .minimum = 4000000};
    r->pr.courier = (disp_tariff){.base = 2000000, .per_km = 400000, .per_min = 120000, .minimum = 3000000};
    r->pr.wait_free_ms = 5 * 60000;
    r->pr.wait_per_min = 200000;
    r->pr.guarantee_per_hour = 12000000;
    r->pr.tz_offset_ms = 60 * 60000;
}

static int get_int(json_t *o, const char *key, const char *path, int64_t lo, int64_t hi, int64_t *out, vis_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!v) return 0;
    char f[96];
    snprintf(f, sizeof f, "%s%s", path, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return vis_errf(err, VIS_EINVAL, "invalid_field", f, "%s must be an integer in [%lld, %lld]", f,
                        (long long)lo, (long long)hi);
    *out = json_integer_value(v);
    return 0;
}

static int only_keys(json_t *o, const char *const *keys, const char *path, vis_err *err)
{
    if (!json_is_object(o))
        return vis_errf(err, VIS_EINVAL, "invalid_field", path, "%s must be an object", *path ? path : "rules");
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        const char *const *p = keys;
        while (*p && strcmp(*p, k)) p++;
        if (!*p) {
            char f[96];
            snprintf(f, sizeof f, "%s%.40s", path, k);
            return vis_errf(err, VIS_EINVAL, "unknown_field", f, "unknown field '%s'", f);
        }
    }
    return 0;
}

#define MAXM 100000000000LL /* 100,000 currency units */

static int tariff_parse(json_t *o, const char *path, disp_tariff *t, vis_err *err)
{
    static const char *const keys[] = {"base_micros", "per_km_micros", "per_min_micros", "minimum_micros", NULL};
    if (only_keys(o, keys, path, err) || get_int(o, "base_micros", path, 0, MAXM, &t->base, err) ||
        get_int(o, "per_km_micros", path, 0, MAXM, &t->per_km, err) ||
        get_int(o, "per_min_micros", path, 0, MAXM, &t->per_min, err) ||
        get_int(o, "minimum_micros", path, 0, MAXM, &t->minimum, err))
        return err->code;
    return 0;
}

static int hhmm(json_t *v, const char *f, int64_t *ms, vis_err *err)
{
    int h, m;
    char tail;
    if (!json_is_string(v) || sscanf(json_string_value(v), "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 ||
        m < 0 || m > 59 || (h == 24 && m))
        return vis_errf(err, VIS_EINVAL, "invalid_field", f, "%s must be a time of day \"HH:MM\"", f);
    *ms = ((int64_t)h * 60 + m) * 60000;
    return 0;
}

int disp_rules_parse(json_t *spec, const disp_geo *g, disp_rules *r, vis_err *err)
{
    static const char *const keys[] = {"client", "courier", "wait_free_ms", "wait_per_min_micros",
                                       "guarantee_per_hour_micros", "tz_offset_min", "zones", "time_of_day", NULL};
    rules_default(r);
    if (!spec) return 0;
    if (only_keys(spec, keys, "", err)) return err->code;
    json_t *v;
    if ((v = json_object_get(spec, "client")) && tariff_parse(v, "client.", &r->pr.client, err)) return err->code;
    if ((v = json_object_get(spec, "courier")) && tariff_parse(v, "courier.", &r->pr.courier, err)) return err->code;
    int64_t tz = r->pr.tz_offset_ms / 60000;
    if (get_int(spec, "wait_free_ms", "", 0, 86400000, &r->pr.wait_free_ms, err) ||
        get_int(spec, "wait_per_min_micros", "", 0, MAXM, &r->pr.wait_per_min, err) ||
        get_int(spec, "guarantee_per_hour_micros", "", 0, MAXM, &r->pr.guarantee_per_hour, err) ||
        get_int(spec, "tz_offset_min", "", -840, 840, &tz, err))
        return err->code;
    r->pr.tz_offset_ms = tz * 60000;
    json_t *zones = json_object_get(spec, "zones");
    if (zones) {
        if (!json_is_array(zones) || json_array_size(zones) > DISP_MAX_ZONES)
            return vis_errf(err, VIS_EINVAL, "invalid_field", "zones", "zones must be an array of at most %d zones",
                            DISP_MAX_ZONES);
        size_t i;
        json_t *z;
        json_array_foreach(zones, i, z) {
            static const char *const zk[] = {"name", "factor_permille", "polygon", NULL};
            char path[48], f[96];
            snprintf(path, sizeof path, "zones[%zu].", i);
            if (only_keys(z, zk, path, err)) return err->code;
            json_t *name = json_object_get(z, "name"), *poly = json_object_get(z, "polygon");
            int64_t fpm = -1;
            if (get_int(z, "factor_permille", path, 0, 100000, &fpm, err)) return err->code;
            snprintf(f, sizeof f, "%sname", path);
            if (!json_is_string(name) || json_string_length(name) < 1 || json_string_length(name) > 31)
                return vis_errf(err, VIS_EINVAL, "invalid_field", f, "%s must be a string of 1 to 31 bytes", f);
            snprintf(f, sizeof f, "%sfactor_permille", path);
            if (fpm < 0) return vis_errf(err, VIS_EINVAL, "missing_field", f, "%s is required", f);
            snprintf(f, sizeof f, "%spolygon", path);
            if (!json_is_array(poly) || json_array_size(poly) < 3 || json_array_size(poly) > DISP_MAX_ZONE_PTS)
                return vis_errf(err, VIS_EINVAL, "invalid_field", f, "%s must be an array of 3 to %d [lat, lon] points",
                                f, DISP_MAX_ZONE_PTS);
            double xs[DISP_MAX_ZONE_PTS], ys[DISP_MAX_ZONE_PTS];
            int k = r->pr.nzones;
            size_t pi;
            json_t *pt;
            json_array_foreach(poly, pi, pt) {
                json_t *la = json_array_get(pt, 0), *lo = json_array_get(pt, 1);
                int64_t a, b;
                vis_err e2;
                if (!json_is_array(pt) || json_array_size(pt) != 2 || !json_is_number(la) || !json_is_number(lo) ||
                    disp_latlon(json_number_value(la), json_number_value(lo), &a, &b, &e2))
                    return vis_errf(err, VIS_EINVAL, "invalid_field", f, "%s[%zu] must be [lat, lon] in degrees", f, pi);
                r->zlat[k][pi] = (double)a / 1e6;
                r->zlon[k][pi] = (double)b / 1e6;
                disp_geo_xy(g, a, b, &xs[pi], &ys[pi]);
            }
            if (disp_pricing_add_zone(&r->pr, json_string_value(name), (int)json_array_size(poly), xs, ys, (int)fpm,
                                      err))
                return err->code;
        }
    }
    json_t *tods = json_object_get(spec, "time_of_day");
    if (tods) {
        if (!json_is_array(tods) || json_array_size(tods) > DISP_MAX_TOD)
            return vis_errf(err, VIS_EINVAL, "invalid_field", "time_of_day",
                            "time_of_day must be an array of at most %d windows", DISP_MAX_TOD);
        size_t i;
        json_t *w;
        json_array_foreach(tods, i, w) {
            static const char *const wk[] = {"from", "to", "factor_permille", NULL};
            char path[48], f[96];
            snprintf(path, sizeof path, "time_of_day[%zu].", i);
            if (only_keys(w, wk, path, err)) return err->code;
            int64_t from, to, fpm = -1;
            snprintf(f, sizeof f, "%sfrom", path);
            if (hhmm(json_object_get(w, "from"), f, &from, err)) return err->code;
            snprintf(f, sizeof f, "%sto", path);
            if (hhmm(json_object_get(w, "to"), f, &to, err)) return err->code;
            if (get_int(w, "factor_permille", path, 0, 100000, &fpm, err)) return err->code;
            snprintf(f, sizeof f, "%sfactor_permille", path);
            if (fpm < 0) return vis_errf(err, VIS_EINVAL, "missing_field", f, "%s is required", f);
            if (from == 86400000) from = 0;
            if (disp_pricing_add_tod(&r->pr, from, to, (int)fpm, err)) return err->code;
        }
    }
    return 0;
}

static json_t *tariff_json(const disp_tariff *t)
{
    return JSON_PACK("{s:I, s:I, s:I, s:I}", "base_micros", (json_int_t)t->base, "per_km_micros", (json_int_t)t->per_km,
                     "per_min_micros", (json_int_t)t->per_min, "minimum_micros", (json_int_t)t->minimum);
}

json_t *disp_rules_json(const disp_rules *r)
{
    json_t *zones = json_array(), *tods = json_array();
    for (int k = 0; k < r->pr.nzones; k++) {
        json_t *poly = json_array();
        for (int i = 0; i < r->pr.zone[k].npts; i++)
            json_array_append_new(poly, JSON_PACK("[f, f]", r->zlat[k][i], r->zlon[k][i]));
        json_array_append_new(zones, JSON_PACK("{s:s, s:i, s:o}", "name", r->pr.zone[k].name, "factor_permille",
                                               r->pr.zone[k].factor_pm, "polygon", poly));
    }
    for (int k = 0; k < r->pr.ntod; k++) {
        char a[8], b[8];
        int64_t f = r->pr.tod[k].from_ms / 60000, t = r->pr.tod[k].to_ms / 60000;
        snprintf(a, sizeof a, "%02d:%02d", (int)(f / 60), (int)(f % 60));
        snprintf(b, sizeof b, "%02d:%02d", (int)(t / 60), (int)(t % 60));
        json_array_append_new(
            tods, JSON_PACK("{s:s, s:s, s:i}", "from", a, "to", b, "factor_permille", r->pr.tod[k].factor_pm));
    }
    return JSON_PACK("{s:o, s:o, s:I, s:I, s:I, s:I, s:o, s:o}", "client", tariff_json(&r->pr.client), "courier",
                     tariff_json(&r->pr.courier), "wait_free_ms", (json_int_t)r->pr.wait_free_ms, "wait_per_min_micros",
                     (json_int_t)r->pr.wait_per_min, "guarantee_per_hour_micros", (json_int_t)r->pr.guarantee_per_hour,
                     "tz_offset_min", (json_int_t)(r->pr.tz_offset_ms / 60000), "zones", zones, "time_of_day", tods);
}

static int load_stored(store *db, json_t **spec, vis_err *err)
{
    *spec = NULL;
    store_stmt *q = store_query(db, SQL_SETTING_GET, err, "t", RULES_KEY);
    if (!q) return disp_store_err(err);
    int r = store_row(q, err);
    if (r == 1) *spec = json_loads(store_col_text(q, 0), JSON_REJECT_DUPLICATES, NULL);
    store_done(q);
    if (r < 0) return disp_store_err(err);
    if (r == 1 && !*spec) return vis_errf(err, VIS_ESTORE, NULL, NULL, "stored dispatch rules are not JSON");
    return 0;
}

int disp_env_load(disp_ctx *c, disp_env *e, vis_err *err)
{
    disp_svc_params(&e->p, c->cfg);
    disp_geo_init(&e->geo, c->cfg);
    json_t *spec;
    if (load_stored(c->db, &spec, err)) return err->code;
    int rc = disp_rules_parse(spec, &e->geo, &e->rules, err);
    json_decref(spec);
    /* a rule set stored before the minimum was raised (or before it was
       checked) never pays less than the minimum */
    if (!rc && e->rules.pr.guarantee_per_hour < c->cfg->min_hourly_micros)
        e->rules.pr.guarantee_per_hour = c->cfg->min_hourly_micros;
    e->rules.pr.client_unit = ledger_minor_unit(c->cfg->currency); /* restaurants are charged in cents */
    return rc;
}

int disp_rules_get(disp_ctx *c, json_t **out, vis_err *err)
{
    disp_env *e = mem_alloc(sizeof *e);
    int rc = disp_env_load(c, e, err);
    if (!rc) {
        *out = JSON_PACK("{s:s, s:o}", "currency", c->cfg->currency, "rules", disp_rules_json(&e->rules));
    }
    free(e);
    return rc;
}

int disp_rules_put(disp_ctx *c, json_t *spec, json_t **out, vis_err *err)
{
    disp_env *e = mem_alloc(sizeof *e);
    disp_geo_init(&e->geo, c->cfg);
    int rc = disp_rules_parse(spec, &e->geo, &e->rules, err);
    /* the guarantee never below the platform's own minimum hourly pay */
    if (!rc && e->rules.pr.guarantee_per_hour < c->cfg->min_hourly_micros)
        rc = vis_errf(err, VIS_EINVAL, "below_minimum", "guarantee_per_hour_micros",
                      "guarantee_per_hour_micros %lld is below the platform's minimum hourly pay "
                      "(pay.min_hourly_micros = %lld)",
                      (long long)e->rules.pr.guarantee_per_hour, (long long)c->cfg->min_hourly_micros);
    char *text = NULL;
    if (!rc) {
        json_t *norm = disp_rules_json(&e->rules);
        text = json_dumps(norm, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(norm);
    }
    if (!rc && store_exec(c->db, SQL_SETTING_PUT, err, "tt", RULES_KEY, text)) rc = disp_store_err(err);
    if (!rc) {
        json_t *pl = JSON_PACK("{s:s}", "rules", text);
        rc = svc_journal(
            c, &(svc_event){.family = DISP_FAMILY, .event = "rules_changed", .subject = "rules", .payload = pl}, err);
    }
    free(text);
    free(e);
    if (rc) return rc;
    return disp_rules_get(c, out, err);
}
