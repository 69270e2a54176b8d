/* disp_price — pricing rules, pay breakdown and guaranteed minimum.
 *
 * Money is checked (base/ckd.h): a price, a pay part or their sum that
 * would not fit in int64, or would exceed LEDGER_MAX_AMOUNT (10^15 micros,
 * the most one ledger movement carries), makes disp_price_job() refuse the
 * job with VIS_ECONFLICT "price_too_large" instead of wrapping; waiting pay
 * (no error channel) is capped at that same maximum. */
#include "dispatch/disp_price.h"

#include <stdio.h>
#include <string.h>

#include "base/ckd.h"
#include "core/ledger.h"

int64_t disp_muldiv(int64_t a, int64_t num, int64_t den)
{
    if (den <= 0) return 0;
    __int128 p = (__int128)a * num;
    __int128 q = p >= 0 ? (p + den / 2) / den : -((-p + den / 2) / den);
    if (q > INT64_MAX) return INT64_MAX;
    if (q < INT64_MIN) return INT64_MIN;
    return (int64_t)q;
}

void disp_pricing_init(disp_pricing *p)
{
    memset(p, 0, sizeof(*p));
}

int disp_pricing_add_zone(disp_pricing *p, const char *name, int npts,
                          const double *x, const double *y, int factor_pm,
                          vis_err *err)
{
    if (p->nzones >= DISP_MAX_ZONES)
        return vis_errf(err, VIS_EINVAL, NULL, "zones", "too many zones");
    if (npts < 3 || npts > DISP_MAX_ZONE_PTS)
        return vis_errf(err, VIS_EINVAL, NULL, "zones",
                        "a zone needs 3 to %d points", DISP_MAX_ZONE_PTS);
    if (factor_pm < 0)
        return vis_errf(err, VIS_EINVAL, NULL, "factor", "negative factor");
    disp_zone *z = &p->zone[p->nzones++];
    memset(z, 0, sizeof(*z));
    snprintf(z->name, sizeof(z->name), "%s", name ? name : "");
    z->npts = npts;
    memcpy(z->x, x, sizeof(double) * (size_t)npts);
    memcpy(z->y, y, sizeof(double) * (size_t)npts);
    z->factor_pm = factor_pm;
    return VIS_OK;
}

int disp_pricing_add_tod(disp_pricing *p, int64_t from_ms, int64_t to_ms,
                         int factor_pm, vis_err *err)
{
    const int64_t day = 86400000;
    if (p->ntod >= DISP_MAX_TOD)
        return vis_errf(err, VIS_EINVAL, NULL, "tod", "too many windows");
    if (from_ms < 0 || from_ms >= day || to_ms < 0 || to_ms > day || factor_pm < 0)
        return vis_errf(err, VIS_EINVAL, NULL, "tod", "bad time-of-day window");
    p->tod[p->ntod++] = (disp_tod){ from_ms, to_ms, factor_pm };
    return VIS_OK;
}

int disp_point_in_poly(int n, const double *x, const double *y, double px,
                       double py)
{
    int in = 0;
    for (int i = 0, j = n - 1; i < n; j = i++) {
        if ((y[i] > py) != (y[j] > py) &&
            px < (x[j] - x[i]) * (py - y[i]) / (y[j] - y[i]) + x[i])
            in = !in;
    }
    return in;
}

static int tod_factor(const disp_pricing *p, int64_t utc_ms)
{
    const int64_t day = 86400000;
    int64_t t = (utc_ms + p->tz_offset_ms) % day;
    if (t < 0) t += day;
    for (int k = 0; k < p->ntod; k++) {
        const disp_tod *w = &p->tod[k];
        int in = w->from_ms <= w->to_ms ? (t >= w->from_ms && t < w->to_ms)
                                        : (t >= w->from_ms || t < w->to_ms);
        if (in) return w->factor_pm;
    }
    return 1000;
}

int64_t disp_wait_pay(const disp_pricing *p, int64_t waited_ms)
{
    int64_t over, mins, pay;
    if (ckd_sub(&over, waited_ms, p->wait_free_ms) || over <= 0 || p->wait_per_min <= 0) return 0;
    mins = over / 60000 + (over % 60000 != 0);
    if (ckd_mul(&pay, mins, p->wait_per_min) || pay > LEDGER_MAX_AMOUNT) return LEDGER_MAX_AMOUNT;
    return pay;
}

static bool too_big(int64_t v) { return !ckd_within(v, LEDGER_MAX_AMOUNT); }

/* The tariff's total into *sum; true when a part or the total overflows
   or exceeds LEDGER_MAX_AMOUNT. */
static bool tariff(const disp_tariff *t, const disp_price_in *in,
                   int64_t f, int64_t *base, int64_t *dist, int64_t *time, int64_t *sum)
{
    /* f = zone_pm * tod_pm, so the factor is f / 1e6 */
    int64_t df, tf, s;
    if (ckd_mul(&df, in->distance_m, f) || ckd_mul(&tf, in->expected_ms, f)) return true;
    *base = disp_muldiv(t->base, f, 1000000);
    *dist = disp_muldiv(t->per_km, df, 1000LL * 1000000);
    *time = disp_muldiv(t->per_min, tf / 1000, 60000LL * 1000);
    if (too_big(*base) || too_big(*dist) || too_big(*time) || ckd_add(&s, *base, *dist) ||
        ckd_add(&s, s, *time) || too_big(s))
        return true;
    if (s < t->minimum) {
        *base += t->minimum - s; /* all three within 0..minimum <= LEDGER_MAX_AMOUNT */
        s = t->minimum;
    }
    *sum = s;
    return false;
}

int disp_price_job(const disp_pricing *p, const disp_price_in *in,
                   disp_pay_breakdown *out, vis_err *err)
{
    if (in->distance_m < 0 || in->expected_ms < 0 || in->wait_ms < 0)
        return vis_errf(err, VIS_EINVAL, NULL, "distance",
                        "negative distance or time");
    if (in->distance_m > 10000000 || in->expected_ms > 86400000LL * 7)
        return vis_errf(err, VIS_EINVAL, NULL, "distance",
                        "distance or time out of range");
    memset(out, 0, sizeof(*out));
    out->zone = -1;
    out->zone_pm = 1000;
    for (int k = 0; k < p->nzones; k++)
        if (disp_point_in_poly(p->zone[k].npts, p->zone[k].x, p->zone[k].y,
                               in->px, in->py)) {
            out->zone = k;
            out->zone_pm = p->zone[k].factor_pm;
            break;
        }
    out->tod_pm = tod_factor(p, in->placed_ms);
    int64_t f = (int64_t)out->zone_pm * out->tod_pm;
    int64_t b, d, t, courier;
    out->waiting = disp_wait_pay(p, in->wait_ms);
    if (tariff(&p->client, in, f, &b, &d, &t, &out->client_price) ||
        tariff(&p->courier, in, f, &out->base, &out->distance, &out->time, &courier) ||
        ckd_add(&out->pay, courier, out->waiting) || too_big(out->pay) || too_big(out->client_price) ||
        (p->client_unit > 1 && too_big(out->client_price = disp_muldiv(out->client_price, 1, p->client_unit) *
                                                           p->client_unit)))
        return vis_errf(err, VIS_ECONFLICT, "price_too_large", NULL,
                        "the pricing rules give this job a price or pay above %lld micros, the most one job may "
                        "carry: check the tariffs and factors",
                        (long long)LEDGER_MAX_AMOUNT);
    return VIS_OK;
}

int64_t disp_guarantee(int64_t per_hour, int64_t online_ms)
{
    if (per_hour <= 0 || online_ms <= 0) return 0;
    return disp_muldiv(per_hour, online_ms, 3600000);
}

int64_t disp_topup(int64_t earned, int64_t per_hour, int64_t online_ms)
{
    int64_t g = disp_guarantee(per_hour, online_ms);
    return g > earned ? g - earned : 0;
}
