/* routes — every module's route table, in matching order, and every
 * family's automated-decision kinds (core/decisions.h). Families add their
 * tables here as they arrive: this is where everything is wired. */
#include <stddef.h>

#include "dispatch/disp_service.h"
#include "http/http.h"
#include "microwork/mw_undo.h"
#include "moderation/mod.h"

const http_route *const *server_route_tables(void);

const http_route *const *server_route_tables(void)
{
    static const http_route *const tables[] = {
        http_routes_core,
        http_routes_microwork,
        http_routes_visibility,
        http_routes_moderation,
        http_routes_dispatch,
        http_routes_web,
        NULL,
    };
    return tables;
}

const decision_kind *const *server_decision_kinds(void)
{
    static const decision_kind *const tables[] = {
        http_decision_kinds,
        mw_decision_kinds,
        disp_decision_kinds,
        mod_decision_kinds,
        NULL,
    };
    return tables;
}
