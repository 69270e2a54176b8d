/* disp_mdrp — MDRP instance reader and solution writer. See disp_mdrp.h. */
#include "dispatch/disp_mdrp.h"

#include "base/mem.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s) { h ^= (unsigned char)*s++; h *= 16777619u; }
    return h;
}

int disp_mdrp_nloc(const disp_mdrp *m)
{
    return m->no + m->nr + m->ncour;
}

const char *disp_mdrp_loc_id(const disp_mdrp *m, int loc)
{
    if (loc < 0) return "?";
    if (loc < m->no) return m->o[loc].id;
    loc -= m->no;
    if (loc < m->nr) return m->r[loc].id;
    loc -= m->nr;
    if (loc < m->ncour) return m->c[loc].id;
    return "?";
}

void disp_mdrp_loc_xy(const disp_mdrp *m, int loc, double *x, double *y)
{
    *x = *y = 0;
    if (loc < 0) return;
    if (loc < m->no) { *x = m->o[loc].x; *y = m->o[loc].y; return; }
    loc -= m->no;
    if (loc < m->nr) { *x = m->r[loc].x; *y = m->r[loc].y; return; }
    loc -= m->nr;
    if (loc < m->ncour) { *x = m->c[loc].x; *y = m->c[loc].y; }
}

int disp_mdrp_loc(const disp_mdrp *m, const char *id)
{
    if (!m->hash) return -1;
    uint32_t h = hash_str(id) & (uint32_t)(m->hcap - 1);
    while (m->hash[h] >= 0) {
        if (strcmp(disp_mdrp_loc_id(m, m->hash[h]), id) == 0) return m->hash[h];
        h = (h + 1) & (uint32_t)(m->hcap - 1);
    }
    return -1;
}

int disp_mdrp_tt(const disp_mdrp *m, int a, int b)
{
    double ax, ay, bx, by;
    disp_mdrp_loc_xy(m, a, &ax, &ay);
    disp_mdrp_loc_xy(m, b, &bx, &by);
    double dx = bx - ax, dy = by - ay;
    return (int)ceil(sqrt(dx * dx + dy * dy) / m->meters_per_minute);
}

/* Split a line into whitespace-separated fields (in place). */
static int split(char *line, char **f, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \t\r\n", &save); t && n < max;
         t = strtok_r(NULL, " \t\r\n", &save))
        f[n++] = t;
    return n;
}

static int parse_num(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return errno == 0 && end != s && *end == 0 && isfinite(*v);
}

/* Bounds of what an instance may hold, so that every travel time, every
 * time in milliseconds (minutes x 60000) and every sum of them stays far
 * inside int: coordinates within 10,000 km of the origin, times within
 * 0..525,600 minutes (a year), speeds of 1 m/min to 1,000 km/min,
 * service times of 1 minute to a day, click-to-door times of at most a day,
 * pay of 0 to 1e9. */
#define COORD_MAX 1e7
#define TIME_MAX 525600.0
static int parse_coord(const char *s, double *v) { return parse_num(s, v) && fabs(*v) <= COORD_MAX; }

static int parse_minute(const char *s, int *out)
{
    double v;
    if (!parse_num(s, &v) || v < 0 || v > TIME_MAX) return 0;
    *out = (int)v;
    return 1;
}

/* An id: 1 to DISP_MDRP_ID - 1 bytes (ids are compared whole, never cut). */
static int parse_id(const char *s, char *out)
{
    size_t n = strlen(s);
    if (n == 0 || n >= DISP_MDRP_ID) return 0;
    memcpy(out, s, n + 1);
    return 1;
}

/* Read a tab-separated table: calls row() for each data line. */
static int read_table(const char *dir, const char *name, int nfields,
                      int (*row)(void *ctx, char **f, int line, vis_err *err),
                      void *ctx, vis_err *err)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    buf b;
    buf_init(&b);
    if (buf_read_file(&b, path) != 0) {
        buf_free(&b);
        return vis_errf(err, VIS_EIO, "missing_file", name, "cannot read %s: %s",
                        path, strerror(errno));
    }
    int line = 0, rc = VIS_OK;
    char *save = NULL;
    /* an empty file has no text to split (and buf_read_file leaves it
       unterminated) */
    for (char *l = b.len ? strtok_r(b.data, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        if (line == 1) continue; /* header */
        char *f[16];
        int n = split(l, f, 16);
        if (n == 0) continue;
        if (n < nfields) {
            rc = vis_errf(err, VIS_EINVAL, "bad_line", name, "%s line %d: %d fields, want %d",
                          path, line, n, nfields);
            break;
        }
        if ((rc = row(ctx, f, line, err))) break;
    }
    buf_free(&b);
    return rc;
}

static void grow(void **a, int *cap, int n, size_t sz)
{
    if (n < *cap) return;
    *cap = *cap ? *cap * 2 : 64;
    *a = mem_realloc(*a, sz * (size_t)*cap);
}

typedef struct rd { disp_mdrp *m; int cap; const char *file; } rd;

static int bad(vis_err *err, const char *file, int line, const char *what)
{
    return vis_errf(err, VIS_EINVAL, "bad_value", file, "%s line %d: bad %s",
                    file, line, what);
}

static int row_rest(void *ctx, char **f, int line, vis_err *err)
{
    rd *r = ctx;
    disp_mdrp *m = r->m;
    grow((void **)&m->r, &r->cap, m->nr, sizeof(*m->r));
    disp_mdrp_rest *x = &m->r[m->nr];
    if (!parse_id(f[0], x->id)) return bad(err, r->file, line, "id (1 to 31 bytes)");
    if (!parse_coord(f[1], &x->x) || !parse_coord(f[2], &x->y))
        return bad(err, r->file, line, "coordinates");
    m->nr++;
    return VIS_OK;
}

static int row_cour(void *ctx, char **f, int line, vis_err *err)
{
    rd *r = ctx;
    disp_mdrp *m = r->m;
    grow((void **)&m->c, &r->cap, m->ncour, sizeof(*m->c));
    disp_mdrp_courier *x = &m->c[m->ncour];
    if (!parse_id(f[0], x->id)) return bad(err, r->file, line, "id (1 to 31 bytes)");
    if (!parse_coord(f[1], &x->x) || !parse_coord(f[2], &x->y) ||
        !parse_minute(f[3], &x->on) || !parse_minute(f[4], &x->off) || x->off < x->on)
        return bad(err, r->file, line, "courier fields");
    m->ncour++;
    return VIS_OK;
}

static int row_order(void *ctx, char **f, int line, vis_err *err)
{
    rd *r = ctx;
    disp_mdrp *m = r->m;
    grow((void **)&m->o, &r->cap, m->no, sizeof(*m->o));
    disp_mdrp_order *x = &m->o[m->no];
    if (!parse_id(f[0], x->id)) return bad(err, r->file, line, "id (1 to 31 bytes)");
    if (!parse_coord(f[1], &x->x) || !parse_coord(f[2], &x->y) ||
        !parse_minute(f[3], &x->placed) || !parse_minute(f[5], &x->ready))
        return bad(err, r->file, line, "order fields");
    x->rest = -1;
    for (int k = 0; k < m->nr; k++)
        if (strcmp(m->r[k].id, f[4]) == 0) { x->rest = k; break; }
    if (x->rest < 0) return bad(err, r->file, line, "restaurant id");
    m->no++;
    return VIS_OK;
}

static int row_params(void *ctx, char **f, int line, vis_err *err)
{
    rd *r = ctx;
    disp_mdrp *m = r->m;
    double v[7];
    for (int k = 0; k < 7; k++)
        if (!parse_num(f[k], &v[k])) return bad(err, r->file, line, "parameter");
    if (!(v[0] >= 1 && v[0] <= 1e6)) return bad(err, r->file, line, "meters_per_minute (1 to 1e6)");
    /* a stop takes at least a minute: the evaluator's position rule wants the
       courier's arrival strictly before the pickup or drop-off minute */
    for (int k = 1; k <= 2; k++)
        if (!(v[k] >= 1 && v[k] <= 1440)) return bad(err, r->file, line, "service minutes (1 to 1440)");
    for (int k = 3; k <= 4; k++)
        if (!(v[k] >= 0 && v[k] <= 1440)) return bad(err, r->file, line, "click-to-door minutes (0 to 1440)");
    for (int k = 5; k <= 6; k++)
        if (!(v[k] >= 0 && v[k] <= 1e9)) return bad(err, r->file, line, "pay (0 to 1e9)");
    m->meters_per_minute = v[0];
    m->pickup_service = (int)v[1];
    m->dropoff_service = (int)v[2];
    m->target_ctd = (int)v[3];
    m->max_ctd = (int)v[4];
    m->pay_per_order = v[5];
    m->guarantee_per_hour = v[6];
    return VIS_OK;
}

int disp_mdrp_read(disp_mdrp *m, const char *dir, vis_err *err)
{
    memset(m, 0, sizeof(*m));
    rd r = { m, 0, "restaurants.txt" };
    int rc = read_table(dir, r.file, 3, row_rest, &r, err);
    if (!rc) { r = (rd){ m, 0, "couriers.txt" }; rc = read_table(dir, r.file, 5, row_cour, &r, err); }
    if (!rc) {
        /* orders reference restaurants by id: index them first */
        r = (rd){ m, 0, "orders.txt" };
        rc = read_table(dir, r.file, 6, row_order, &r, err);
    }
    if (!rc) { r = (rd){ m, 0, "instance_parameters.txt" }; rc = read_table(dir, r.file, 7, row_params, &r, err); }
    if (!rc && m->meters_per_minute <= 0)
        rc = vis_errf(err, VIS_EINVAL, "bad_value", "instance_parameters.txt",
                      "no parameters line");
    if (!rc) {
        int n = disp_mdrp_nloc(m);
        m->hcap = 64;
        while (m->hcap < 2 * n + 2) m->hcap *= 2;
        m->hash = mem_alloc(sizeof(int) * (size_t)m->hcap);
        for (int k = 0; k < m->hcap; k++) m->hash[k] = -1;
        for (int l = 0; !rc && l < n; l++) {
            const char *id = disp_mdrp_loc_id(m, l);
            if (disp_mdrp_loc(m, id) >= 0) {
                rc = vis_errf(err, VIS_EINVAL, "duplicate_id", "", "duplicate id %s", id);
                break;
            }
            uint32_t h = hash_str(id) & (uint32_t)(m->hcap - 1);
            while (m->hash[h] >= 0) h = (h + 1) & (uint32_t)(m->hcap - 1);
            m->hash[h] = l;
        }
    }
    if (rc) disp_mdrp_free(m);
    return rc;
}

void disp_mdrp_free(disp_mdrp *m)
{
    free(m->o);
    free(m->c);
    free(m->r);
    free(m->hash);
    memset(m, 0, sizeof(*m));
}

int disp_mdrp_sol_init(disp_mdrp_sol *s, const disp_mdrp *m, vis_err *err)
{
    (void)err;
    memset(s, 0, sizeof(*s));
    int n = m->no > 0 ? m->no : 1;
    s->pickup = mem_alloc(sizeof(int) * (size_t)n);
    s->drop = mem_alloc(sizeof(int) * (size_t)n);
    s->courier = mem_alloc(sizeof(int) * (size_t)n);
    for (int k = 0; k < m->no; k++) s->pickup[k] = s->drop[k] = s->courier[k] = -1;
    return VIS_OK;
}

void disp_mdrp_sol_free(disp_mdrp_sol *s)
{
    free(s->a);
    free(s->mv);
    free(s->pickup);
    free(s->drop);
    free(s->courier);
    memset(s, 0, sizeof(*s));
}

void disp_mdrp_sol_add_assign(disp_mdrp_sol *s, const disp_mdrp_assign *a)
{
    grow((void **)&s->a, &s->capa, s->na, sizeof(*s->a));
    s->a[s->na++] = *a;
}

void disp_mdrp_sol_add_move(disp_mdrp_sol *s, const disp_mdrp_move *mv)
{
    grow((void **)&s->mv, &s->capmv, s->nmv, sizeof(*s->mv));
    s->mv[s->nmv++] = *mv;
}

static int write_file(const char *dir, const char *name, const buf *b,
                      vis_err *err)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return vis_errf(err, VIS_EIO, "io", name, "cannot write %s: %s", path, strerror(errno));
    size_t w = fwrite(b->data, 1, b->len, f);
    int bad2 = w != b->len;
    if (fclose(f) != 0) bad2 = 1;
    if (bad2) return vis_errf(err, VIS_EIO, "io", name, "cannot write %s", path);
    return VIS_OK;
}

int disp_mdrp_write(const disp_mdrp *m, const disp_mdrp_sol *s,
                    const char *dir, vis_err *err)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return vis_errf(err, VIS_EIO, "io", "out", "cannot create %s: %s", dir, strerror(errno));
    buf b;
    buf_init(&b);
    buf_puts(&b, "assignment_time pickup_time courier orders\n");
    for (int k = 0; k < s->na; k++) {
        const disp_mdrp_assign *a = &s->a[k];
        buf_printf(&b, "%d %d %s", a->at, a->pickup, m->c[a->courier].id);
        for (int q = 0; q < a->n; q++) buf_printf(&b, " %s", m->o[a->order[q]].id);
        buf_puts(&b, "\n");
    }
    int rc = write_file(dir, "solution_info_assignments.txt", &b, err);
    buf_reset(&b);
    buf_puts(&b, "order placement_time ready_time pickup_time dropoff_time courier\n");
    for (int k = 0; k < m->no; k++) {
        if (s->drop[k] < 0) continue;
        buf_printf(&b, "%s %d %d %d %d %s\n", m->o[k].id, m->o[k].placed, m->o[k].ready,
                   s->pickup[k], s->drop[k], m->c[s->courier[k]].id);
    }
    if (!rc) rc = write_file(dir, "solution_info_orders.txt", &b, err);
    buf_reset(&b);
    buf_puts(&b, "courier departure_time origin destination\n");
    int cbase = m->no + m->nr;
    for (int k = 0; k < s->nmv; k++) {
        const disp_mdrp_move *mv = &s->mv[k];
        const char *from = mv->from == cbase + mv->courier ? "0" : disp_mdrp_loc_id(m, mv->from);
        buf_printf(&b, "%s %d %s %s\n", m->c[mv->courier].id, mv->depart, from,
                   disp_mdrp_loc_id(m, mv->to));
    }
    if (!rc) rc = write_file(dir, "solution_info_couriers.txt", &b, err);
    buf_free(&b);
    return rc;
}

double disp_quantile(const double *v, int n, double q)
{
    if (n <= 0) return 0;
    double pos = q * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1) return v[n - 1];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}
