/* svc — the service context's journal call (see svc.h). */
#include "core/svc.h"

#include "core/journal.h"

int svc_journal(const svc_ctx *c, const svc_event *e, vis_err *err)
{
    journal_event ev = journal_event_init(e->family, e->event, c->now_ms);
    ev.actor_id = e->automated ? -1 : svc_actor(c);
    ev.worker_id = e->worker > 0 ? e->worker : -1;
    ev.subject = e->subject;
    ev.automated = e->automated;
    if (e->span_kind) {
        ev.span_kind = e->span_kind;
        ev.span_start_ms = e->span_start_ms;
        ev.span_end_ms = e->span_end_ms < e->span_start_ms ? e->span_start_ms : e->span_end_ms;
    }
    return journal_append_json(c->db, &ev, e->payload, e->id_out, err);
}
