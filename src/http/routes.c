/* routes — every module's route table, in matching order. Families add
 * their table here as they arrive. */
#include <stddef.h>

#include "http/http.h"

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
