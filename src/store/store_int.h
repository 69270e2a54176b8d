/* store_int — internals shared by the store's drivers: embedded migrations. */
#ifndef VIS_STORE_INT_H
#define VIS_STORE_INT_H

typedef struct store_migration {
    int         version;
    const char *name;
    const char *sql;
} store_migration;

/* Numbered migrations, in order, ending with {0, NULL, NULL}. */
extern const store_migration store_migrations[];

extern const char SQL_MIGRATION_RECORD[];
extern const char SQL_MIGRATION_DONE[];

#endif
