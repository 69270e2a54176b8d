/* store_coord — leadership and notices between processes sharing one
 * database (store.h). The SQL is the driver's (sql_lead, sql_notify,
 * sql_listen); an engine without it is owned by one process. */
#include "store/store_int.h"

int store_lead(store *s, int64_t key, bool *leader, vis_err *err)
{
    *leader = false;
    if (!s->drv->sql_lead) {
        *leader = true;
        return 0;
    }
    int64_t held = 0;
    if (store_get_i64(s, s->drv->sql_lead, &held, err, "i", key) < 0) return err->code;
    *leader = held == 1;
    return 0;
}

int store_notify(store *s, const char *payload, vis_err *err)
{
    if (!s->drv->sql_notify) return 0;
    int64_t ignored;
    return store_get_i64(s, s->drv->sql_notify, &ignored, err, "t", payload) < 0 ? err->code : 0;
}

int store_listen(store *s, vis_err *err)
{
    if (!s->drv->sql_listen) return 0;
    return store_exec_script(s, s->drv->sql_listen, err);
}

int store_notices(store *s, void (*fn)(void *arg, const char *payload), void *arg, vis_err *err)
{
    if (!s->drv->notices) return 0;
    return s->drv->notices(s, fn, arg, err);
}
