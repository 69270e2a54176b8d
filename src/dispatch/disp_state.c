/* disp_state — state texts <-> enums for dispatch. See disp_state.h. */
#include <stddef.h>
#include <string.h>

#include "dispatch/disp_state.h"

static const char *const jnames[DISP_JS_N] = {"open", "offered", "assigned", "picked_up", "delivered", "cancelled"};
static const char *const onames[DISP_OS_N] = {"pending", "accepted", "declined", "expired", "withdrawn"};
static const char *const cnames[DISP_OB_N] = {"applied", "approved", "suspended"};

static int parse(const char *const *names, int n, const char *s)
{
    if (!s) return -1;
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

int disp_jst_parse(const char *s) { return parse(jnames, DISP_JS_N, s); }
int disp_ost_parse(const char *s) { return parse(onames, DISP_OS_N, s); }
int disp_obst_parse(const char *s) { return parse(cnames, DISP_OB_N, s); }
int disp_jst_parse_shown(const char *s) { return s && !strcmp(s, "scheduled") ? DISP_JS_OPEN : disp_jst_parse(s); }

const char *disp_jst_name(disp_jst s) { return (unsigned)s < DISP_JS_N ? jnames[s] : "unknown"; }
const char *disp_ost_name(disp_ost s) { return (unsigned)s < DISP_OS_N ? onames[s] : "unknown"; }
const char *disp_obst_name(disp_obst s) { return (unsigned)s < DISP_OB_N ? cnames[s] : "unknown"; }

int disp_state_unknown(vis_err *err, const char *what, long long id, const char *text)
{
    return vis_errf(err, VIS_ESTORE, NULL, NULL, "%s %lld has an unknown state \"%s\" in the store", what, id,
                    text ? text : "");
}
