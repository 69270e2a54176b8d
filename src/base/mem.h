/*
 * mem — the one out-of-memory policy: log and abort.
 *
 * Running out of memory is not an input error a request can be refused for:
 * a server that has no memory left cannot write its answer, its journal row
 * or its error reliably either. So, as Redis does (zmalloc's
 * zmalloc_oom_handler), an allocation that fails writes one line naming the
 * size to stderr and aborts; the process supervisor restarts the server,
 * and the store's transactions guarantee that nothing half-done was kept.
 * Callers of mem_* never test for NULL, and no function returns an
 * "out of memory" error.
 *
 * jansson allocates through the same functions (mem_json_init, called once
 * at start), so json_object(), json_string() and json_pack() never fail
 * for lack of memory; a NULL from json_pack is then a wrong format string
 * or a NULL string argument, a programming error: mem_json (the JSON_PACK
 * macro) reports where and aborts too.
 */
#ifndef VIS_BASE_MEM_H
#define VIS_BASE_MEM_H

#include <jansson.h>
#include <stddef.h>

_Noreturn void mem_oom(size_t n);
void *mem_alloc(size_t n);                 /* malloc that never returns NULL */
void *mem_calloc(size_t n, size_t size);   /* zeroed; n * size checked */
void *mem_realloc(void *p, size_t n);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);
/* jansson's allocator: mem_alloc and free. Call before any json_* call. */
void mem_json_init(void);
/* v, or abort naming file:line when v is NULL (see above). */
json_t *mem_json(json_t *v, const char *file, int line);
#define JSON_PACK(...) mem_json(json_pack(__VA_ARGS__), __FILE__, __LINE__)

#endif
