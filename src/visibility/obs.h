/*
 * obs (prefix obs_) — the figures the visibility layer shows: a worker's earnings truth,
 * their declared costs, the public observatory and the platform-work
 * declaration (Directive (EU) 2024/2831, Article 17). All are computed on
 * request from the journal (obs_acct.h), never stored, so they cannot
 * drift from the record they summarise.
 *
 * Earnings (GET /v1/me/earnings): paid, active/waiting/unpaid time, and
 * two hourly figures, each before and after declared costs with its flag
 * against the minimum: over paid time (active + waiting: the one the
 * minimum applies to, minimum_applies_to = "paid_time") and over all time
 * spent (unpaid included: what the time really earned); distance; and
 * breakdowns by family, by client and by period (group_by=day|week|month).
 * A courier's open span counts up to now; remedies count at their work.
 *
 * Observatory (GET /v1/observatory, public): per period and family, the
 * exact number of active workers (working time > 0 in the cell), hours,
 * median and deciles of effective hourly pay after costs (over workers
 * with active or waiting time; the median of an even count is the mean of
 * the two middle values, rounded down; decile d is the nearest-rank value
 * at rank ceil(d*n/10)), the share of those below the minimum, the shares
 * of waiting and unpaid time, and for micro-work and moderation the share
 * of delivered output made or checked by humans. Any cell with fewer than
 * k workers (visibility.k) is suppressed, and further cells are suppressed
 * until the suppressed ones together cover at least k workers, so that
 * subtracting published cells from the period's total cannot single
 * anyone out. Distributions (medians, deciles, shares below the minimum,
 * over paid time and over all time) name individual values, so they are
 * withheld under k workers and, for the all-families row, whenever a
 * family of the period is suppressed. Periods are calendar-aligned.
 *
 * Declaration (GET /v1/admin/declaration): persons performing platform
 * work in the period, by level of activity and contractual status, their
 * average duration of activity, weekly hours and income — exact figures
 * for the authorities, no suppression.
 *
 * Public declaration (GET /v1/declaration): the same figures for
 * everyone, aggregate only — a count of fewer than k persons
 * (visibility.k) and the averages over it are withheld, and further
 * levels of activity and families until the withheld ones cover k persons
 * (the observatory's rule); no account, name or per-person figure.
 */
#ifndef VIS_VISIBILITY_OBS_H
#define VIS_VISIBILITY_OBS_H

#include <jansson.h>
#include <stdint.h>

#include "base/err.h"
#include "core/account.h"
#include "core/config.h"
#include "store/store.h"
#include "visibility/obs_acct.h"
#include "core/svc.h"

/* The service context (core/svc.h); the person concerned is an explicit
 * argument (an admin may ask about a worker). */
typedef svc_ctx obs_ctx;

int obs_earnings(obs_ctx *c, const account *who, int64_t from, int64_t to, acct_grain g, json_t **out, vis_err *err);
/* spec: {per_km_micros, per_hour_micros, family?, from_ms?, note?} */
int obs_costs_declare(obs_ctx *c, const account *who, json_t *spec, json_t **out, vis_err *err);
int obs_costs_list(obs_ctx *c, const account *who, json_t **out, vis_err *err);
/* family: NULL = every family */
int obs_observatory(obs_ctx *c, int64_t from, int64_t to, acct_grain g, const char *family, json_t **out,
                    vis_err *err);
int obs_declaration(obs_ctx *c, int64_t from, int64_t to, json_t **out, vis_err *err);
int obs_declaration_public(obs_ctx *c, int64_t from, int64_t to, json_t **out, vis_err *err);

/* Pure helpers (unit tests): median and nearest-rank deciles of v (sorted
 * in place); d[9] gets D1..D9. */
int64_t obs_median(int64_t *v, size_t n);
void    obs_deciles(int64_t *v, size_t n, int64_t d[9]);

#endif
