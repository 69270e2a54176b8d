#include "core/demo.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/journal.h"
#include "store/sql_core.h"

int demo_bootstrap_admin(store *db, const char *path, int64_t now_ms, int *created, vis_err *err)
{
    *created = 0;
    int64_t n = 0;
    if (store_get_i64(db, SQL_ACCOUNT_COUNT_ROLE, &n, err, "t", "admin") < 0) return err->code;
    if (n > 0) return 0;
    if (store_begin(db, err)) return err->code;
    account a;
    char tok[ACCOUNT_TOKEN_LEN];
    if (account_create(db, "admin", "Administrator", "admin@visible.local", NULL, NULL, now_ms, &a, err) ||
        account_token_issue(db, a.id, "bootstrap", now_ms, -1, tok, err)) {
        store_rollback(db);
        return err->code;
    }
    journal_event ev = journal_event_init("core", "admin_bootstrapped", now_ms);
    ev.subject = "account:1";
    if (journal_append(db, &ev, NULL, err)) {
        store_rollback(db);
        return err->code;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0 || write(fd, tok, strlen(tok)) != (ssize_t)strlen(tok) ||
        write(fd, "\n", 1) != 1) {
        int e = errno;
        if (fd >= 0) close(fd);
        store_rollback(db);
        return vis_errf(err, VIS_EIO, NULL, NULL, "cannot write the admin token to %s: %s", path, strerror(e));
    }
    close(fd);
    if (store_commit(db, err)) return err->code;
    *created = 1;
    return 0;
}
