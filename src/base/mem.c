/* mem — see mem.h. */
#include "base/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void mem_oom(size_t n)
{
    fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"out of memory allocating %zu bytes: aborting\"}\n", n);
    fflush(stderr);
    abort();
}

void *mem_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) mem_oom(n);
    return p;
}

void *mem_calloc(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size) mem_oom((size_t)-1);
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) mem_oom(n * size);
    return p;
}

void *mem_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) mem_oom(n);
    return q;
}

char *mem_strdup(const char *s) { return mem_strndup(s, strlen(s)); }

char *mem_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = mem_alloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void mem_json_init(void) { json_set_alloc_funcs(mem_alloc, free); }

json_t *mem_json(json_t *v, const char *file, int line)
{
    if (v) return v;
    fprintf(stderr,
            "{\"level\":\"fatal\",\"msg\":\"json_pack failed at %s:%d (bad format or NULL string): aborting\"}\n", file,
            line);
    fflush(stderr);
    abort();
}
