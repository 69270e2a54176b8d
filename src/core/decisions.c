#include "core/decisions.h"

#include <stdlib.h>
#include <string.h>

const decision_kind *decision_kind_find(const decision_kind *const *tables, const char *family, const char *event)
{
    for (size_t t = 0; tables && tables[t]; t++)
        for (const decision_kind *k = tables[t]; k->family; k++)
            if (!strcmp(k->family, family) && !strcmp(k->event, event)) return k;
    return NULL;
}

int64_t decision_subject_id(const char *subject, const char *prefix)
{
    size_t n = strlen(prefix);
    if (!subject || strncmp(subject, prefix, n)) return -1;
    char *end;
    long long v = strtoll(subject + n, &end, 10);
    return *end || v <= 0 ? -1 : v;
}
