/*
 * disp_price — job pricing, courier pay and the guaranteed minimum.
 *
 * Pure integer arithmetic: money in micros (int64, 1/1,000,000 of the
 * currency unit), distances in metres, time in milliseconds. A rule set has
 * two linear tariffs, one for the client price and one for the courier's pay,
 * each base + per km + per minute of expected courier time. Both are then
 * multiplied by a zone factor (the first polygon that contains the pickup
 * point, even-odd rule) and a time-of-day factor (the first window of the
 * local day that contains the placement time; windows may wrap midnight).
 * Factors are in permille (1000 = x1). Waiting at the pickup beyond a free
 * threshold is paid per started minute at its own rate; the offer shows the
 * expected waiting pay, and disp_wait_pay() computes what was actually due.
 *
 * The guaranteed minimum follows the MDRP model: over a shift a courier earns
 * max(order pay, guarantee per hour x hours online); disp_topup() returns the
 * top-up to pay through the ledger at the end of the shift. Rounding: every
 * product is rounded half up to the micro, once, in 128-bit arithmetic.
 */
#ifndef VIS_DISPATCH_DISP_PRICE_H
#define VIS_DISPATCH_DISP_PRICE_H

#include <stdint.h>

#include "base/err.h"

#define DISP_MAX_ZONES 16
#define DISP_MAX_ZONE_PTS 32
#define DISP_MAX_TOD 8

typedef struct disp_tariff {
    int64_t base;        /* micros per job */
    int64_t per_km;      /* micros per km of route */
    int64_t per_min;     /* micros per minute of expected courier time */
    int64_t minimum;     /* floor of the tariff result, micros */
} disp_tariff;

typedef struct disp_zone {
    char name[32];
    int npts;
    double x[DISP_MAX_ZONE_PTS], y[DISP_MAX_ZONE_PTS];
    int factor_pm;       /* permille */
} disp_zone;

typedef struct disp_tod {
    int64_t from_ms, to_ms; /* ms of the local day, [from, to), may wrap */
    int factor_pm;
} disp_tod;

typedef struct disp_pricing {
    disp_tariff client, courier;
    int nzones;
    disp_zone zone[DISP_MAX_ZONES];
    int ntod;
    disp_tod tod[DISP_MAX_TOD];
    int64_t tz_offset_ms;       /* local time = UTC + offset */
    int64_t wait_free_ms;       /* waiting up to this is unpaid */
    int64_t wait_per_min;       /* micros per started minute beyond it */
    int64_t guarantee_per_hour; /* micros per online hour, 0 = none */
    int64_t client_unit;        /* the client's price is rounded half up to this many micros, the currency's
                                   smallest coin (10,000: a cent); 0 or 1: exact. Courier pay stays exact. */
} disp_pricing;

typedef struct disp_price_in {
    double px, py;          /* pickup point (zone lookup) */
    int64_t distance_m;     /* route length the courier drives for the job */
    int64_t expected_ms;    /* expected courier time: travel + service */
    int64_t wait_ms;        /* expected waiting at the pickup */
    int64_t placed_ms;      /* UTC ms, for the time-of-day factor */
} disp_price_in;

typedef struct disp_pay_breakdown {
    int zone;                     /* index or -1 */
    int zone_pm, tod_pm;          /* factors applied */
    int64_t base, distance, time; /* courier pay parts after factors */
    int64_t waiting;              /* expected waiting pay */
    int64_t pay;                  /* courier total = base+distance+time+waiting */
    int64_t client_price;         /* what the client is charged */
} disp_pay_breakdown;

/* A rule set with the given courier tariff and no zones / factors. */
void disp_pricing_init(disp_pricing *p);
int disp_pricing_add_zone(disp_pricing *p, const char *name, int npts,
                          const double *x, const double *y, int factor_pm,
                          vis_err *err);
int disp_pricing_add_tod(disp_pricing *p, int64_t from_ms, int64_t to_ms,
                         int factor_pm, vis_err *err);

int disp_price_job(const disp_pricing *p, const disp_price_in *in,
                   disp_pay_breakdown *out, vis_err *err);
/* Pay due for waiting waited_ms at a pickup. */
int64_t disp_wait_pay(const disp_pricing *p, int64_t waited_ms);
/* Guaranteed pay for online_ms, and the top-up max(0, that - earned). */
int64_t disp_guarantee(int64_t per_hour, int64_t online_ms);
int64_t disp_topup(int64_t earned, int64_t per_hour, int64_t online_ms);
/* Point-in-polygon (even-odd). */
int disp_point_in_poly(int n, const double *x, const double *y, double px,
                       double py);
/* a * num / den rounded half up (den > 0, a and num >= 0 expected). */
int64_t disp_muldiv(int64_t a, int64_t num, int64_t den);

#endif
