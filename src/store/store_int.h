/* store_int — internals shared by the store's drivers: embedded migrations. */
#ifndef VIS_STORE_INT_H
#define VIS_STORE_INT_H

struct store;
struct vis_err;

typedef struct store_migration {
    int         version;
    const char *name;
    const char *sql;
    /* or a step of the driver's own, run in the migration's transaction */
    int (*fn)(struct store *s, struct vis_err *err);
} store_migration;

/* Migration 7 (SQLite): every CHECK (col IN ('a','b',...)) rewritten as
 * CHECK (col = 'a' OR col = 'b' ...). Equivalent (NULL included), but SQLite
 * evaluates an IN list of more than two constants by building a temporary
 * b-tree on every INSERT or UPDATE that checks it; comparisons need none.
 * Done by SQLite's documented in-place schema edit (writable_schema and a
 * new schema_version), as the stored rows do not change. */
int store_sqlite_checks_as_comparisons(struct store *s, struct vis_err *err);
/* The rewrite of one CREATE TABLE statement (malloc'd; NULL on allocation failure). */
char *store_sqlite_rewrite_checks(const char *sql);

/* Numbered migrations, in order, ending with {0, NULL, NULL, NULL}. */
extern const store_migration store_migrations[];

extern const char SQL_MIGRATION_RECORD[];
extern const char SQL_MIGRATION_DONE[];

#endif
