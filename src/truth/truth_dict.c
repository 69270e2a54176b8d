/* truth_dict — string -> dense id hash table (see truth.h). */
#define _GNU_SOURCE /* qsort_r */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "truth/truth.h"

#define DICT_MAX (INT32_MAX / 2)

static uint32_t fnv1a(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

void truth_dict_init(truth_dict *d) { memset(d, 0, sizeof *d); }

void truth_dict_free(truth_dict *d)
{
    free(d->arena);
    free(d->off);
    free(d->hash);
    free(d->slot);
    memset(d, 0, sizeof *d);
}

const char *truth_dict_name(const truth_dict *d, int32_t id)
{
    if (id < 0 || id >= d->count) return NULL;
    return d->arena + d->off[id];
}

static int32_t lookup(const truth_dict *d, const char *s, size_t len, uint32_t h, size_t *pos)
{
    size_t mask = d->n_slot - 1, i = h & mask;
    for (;; i = (i + 1) & mask) {
        int32_t v = d->slot[i];
        if (!v) break;
        int32_t id = v - 1;
        if (d->hash[id] == h) {
            const char *n = d->arena + d->off[id];
            if (memcmp(n, s, len) == 0 && n[len] == '\0') {
                *pos = i;
                return id;
            }
        }
    }
    *pos = i;
    return -1;
}

int32_t truth_dict_find(const truth_dict *d, const char *s, size_t len)
{
    if (!d->n_slot) return -1;
    size_t pos;
    return lookup(d, s, len, fnv1a(s, len), &pos);
}

/* Rebuild the slot table with n_slot slots from the ids' hashes. */
static void rehash(truth_dict *d, size_t n_slot)
{
    int32_t *slot = mem_calloc(n_slot, sizeof *slot);
    size_t mask = n_slot - 1;
    for (int32_t id = 0; id < d->count; id++) {
        size_t i = d->hash[id] & mask;
        while (slot[i]) i = (i + 1) & mask;
        slot[i] = id + 1;
    }
    free(d->slot);
    d->slot = slot;
    d->n_slot = n_slot;
}

int32_t truth_dict_intern(truth_dict *d, const char *s, size_t len)
{
    if (!d->n_slot) rehash(d, 64);
    uint32_t h = fnv1a(s, len);
    size_t pos;
    int32_t id = lookup(d, s, len, h, &pos);
    if (id >= 0) return id;
    if (d->count >= DICT_MAX) return -1;
    if (d->count == d->cap) {
        int32_t cap = d->cap ? (d->cap > DICT_MAX / 2 ? DICT_MAX : d->cap * 2) : 64;
        d->off = mem_realloc(d->off, (size_t)cap * sizeof *d->off);
        d->hash = mem_realloc(d->hash, (size_t)cap * sizeof *d->hash);
        d->cap = cap;
    }
    if (d->arena_len + len + 1 > d->arena_cap) {
        size_t cap = d->arena_cap ? d->arena_cap : 1024;
        while (cap < d->arena_len + len + 1) cap *= 2;
        d->arena = mem_realloc(d->arena, cap);
        d->arena_cap = cap;
    }
    memcpy(d->arena + d->arena_len, s, len);
    d->arena[d->arena_len + len] = '\0';
    id = d->count++;
    d->off[id] = d->arena_len;
    d->hash[id] = h;
    d->arena_len += len + 1;
    d->slot[pos] = id + 1;
    if ((size_t)d->count * 2 > d->n_slot) rehash(d, d->n_slot * 2);
    return id;
}

static int cmp_id(const void *a, const void *b, void *arg)
{
    const truth_dict *d = arg;
    return strcmp(d->arena + d->off[*(const int32_t *)a], d->arena + d->off[*(const int32_t *)b]);
}

void truth_dict_sort(truth_dict *d, int32_t *old_to_new)
{
    size_t n = (size_t)d->count;
    int32_t *ids = mem_alloc((n ? n : 1) * sizeof *ids);
    size_t *off = mem_alloc((d->cap ? (size_t)d->cap : 1) * sizeof *off);
    uint32_t *hs = mem_alloc((d->cap ? (size_t)d->cap : 1) * sizeof *hs);
    int32_t *slot = mem_calloc(d->n_slot ? d->n_slot : 1, sizeof *slot);
    for (size_t i = 0; i < n; i++) ids[i] = (int32_t)i;
    qsort_r(ids, n, sizeof *ids, cmp_id, d);
    for (size_t i = 0; i < n; i++) {
        off[i] = d->off[ids[i]];
        hs[i] = d->hash[ids[i]];
        if (old_to_new) old_to_new[ids[i]] = (int32_t)i;
    }
    free(d->off);
    free(d->hash);
    free(d->slot);
    d->off = off;
    d->hash = hs;
    d->slot = slot;
    size_t mask = d->n_slot - 1;
    for (size_t id = 0; id < n; id++) {
        size_t i = hs[id] & mask;
        while (slot[i]) i = (i + 1) & mask;
        slot[i] = (int32_t)id + 1;
    }
    free(ids);
}
