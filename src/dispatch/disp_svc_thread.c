/* disp_svc_thread — the dispatcher thread of `visible serve`.
 *
 * Its own store connection; an epoch whenever dispatch.epoch_ms of the
 * platform clock have passed since the last one (the clock is looked at
 * ten times a second of real time, so a test clock jump is noticed at
 * once). A failing epoch is logged and rolled back; the next one starts
 * again from the stored state. The thread itself is base/periodic.h.
 * Several nodes on one PostgreSQL database: only the node holding the
 * dispatch lead (store_lead) runs epochs; another takes over at its next
 * look when that node dies. */
#include <stdio.h>
#include <stdlib.h>

#include "base/mem.h"
#include "base/periodic.h"
#include "dispatch/disp_service.h"

struct disp_service {
    store_pool *pool;
    vis_clock  *clock;
    vis_config  cfg;
    store      *db;   /* the thread's own connection */
    int64_t     last, next;
    bool        leader;
    periodic   *thread;
};

static int epoch_start(void *arg, vis_err *err)
{
    disp_service *s = arg;
    if (store_connect(s->pool, &s->db, err)) return err->code;
    s->last = clock_now_ms(s->clock);
    s->next = s->last + s->cfg.disp_epoch_ms;
    return 0;
}

static void epoch_end(void *arg)
{
    disp_service *s = arg;
    store_disconnect(s->db);
}

/* Ten times a second of real time: an epoch when one is due by the platform clock. */
static void epoch_tick(void *arg)
{
    disp_service *s = arg;
    int64_t now = clock_now_ms(s->clock);
    bool lead = false;
    vis_err lerr;
    if (store_lead(s->db, STORE_LEAD_DISPATCH, &lead, &lerr))
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"dispatch.lead\",\"message\":\"%s\"}\n", lerr.msg);
    if (lead && !s->leader && store_is_pg(store_pool_path(s->pool)))
        fprintf(stderr, "{\"level\":\"info\",\"job\":\"dispatch\",\"message\":\"this node now runs the epochs\"}\n");
    s->leader = lead;
    if (!lead) {
        s->last = now;
        return;
    }
    if (now >= s->next || now < s->last) { /* due, or the (test) clock was set back */
        disp_ctx c = {.db = s->db, .cfg = &s->cfg, .now_ms = now};
        vis_err err;
        vis_err_clear(&err);
        if (disp_run_epoch(&c, NULL, &err))
            fprintf(stderr, "{\"level\":\"error\",\"job\":\"dispatch.epoch\",\"message\":\"%s\"}\n", err.msg);
        s->next = now + s->cfg.disp_epoch_ms;
    }
    s->last = now;
}

int disp_service_start(store_pool *pool, vis_clock *clock, const vis_config *cfg, disp_service **out, vis_err *err)
{
    *out = NULL;
    if (!cfg->disp_auto) return 0;
    disp_service *s = mem_calloc(1, sizeof *s);
    s->pool = pool;
    s->clock = clock;
    s->cfg = *cfg;
    periodic_job job = {.name = "dispatch",
                        .period_ms = 100,
                        .start = epoch_start,
                        .tick = epoch_tick,
                        .end = epoch_end,
                        .arg = s};
    if (periodic_start(&job, &s->thread, err)) {
        free(s);
        return err->code;
    }
    *out = s;
    return 0;
}

void disp_service_stop(disp_service *s)
{
    if (!s) return;
    periodic_stop(s->thread);
    free(s);
}
