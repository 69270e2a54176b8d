/* disp_lap — Jonker–Volgenant shortest augmenting path solvers. See disp_lap.h. */
#include "dispatch/disp_lap.h"

#include "base/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int infeasible(vis_err *err)
{
    return vis_errf(err, VIS_EINVAL, "infeasible", "",
                    "no complete assignment exists");
}

/* Dense workspace for one solve. */
typedef struct dense_ws {
    int nr, nc;
    const double *c;
    int *x;        /* row -> col */
    int *y;        /* col -> row */
    double *v;     /* column duals */
    double *d;     /* shortest path distances */
    int *pred;     /* predecessor row of each column */
    int *col;      /* column list: [0,low) ready, [low,up) todo, [up,nc) rest */
    int *freer;    /* free rows */
    int nfree;
} dense_ws;

/* JV initialisation for a square matrix: column reduction, reduction
 * transfer and two rounds of augmenting row reduction. */
static int dense_init_square(dense_ws *w, vis_err *err)
{
    int n = w->nr;
    const double *c = w->c;
    int *matches = w->pred; /* scratch */
    memset(matches, 0, sizeof(int) * (size_t)n);
    for (int j = n - 1; j >= 0; j--) {
        double m = c[j];
        int im = 0;
        for (int i = 1; i < n; i++) {
            double h = c[(size_t)i * n + j];
            if (h < m) { m = h; im = i; }
        }
        if (m == INFINITY)
            return infeasible(err);
        w->v[j] = m;
        if (++matches[im] == 1) { w->x[im] = j; w->y[j] = im; }
        else w->y[j] = -1;
    }
    w->nfree = 0;
    for (int i = 0; i < n; i++) {
        if (matches[i] == 0) { w->freer[w->nfree++] = i; continue; }
        if (matches[i] != 1) continue;
        int j1 = w->x[i];
        const double *ci = c + (size_t)i * n;
        double m = INFINITY;
        for (int j = 0; j < n; j++)
            if (j != j1 && ci[j] - w->v[j] < m) m = ci[j] - w->v[j];
        if (m != INFINITY) w->v[j1] -= m;
    }
    /* Augmenting row reduction. Displaced rows are reprocessed at once only
     * when a column price strictly dropped; a step budget guards against
     * floating-point stalls. */
    long budget = 8L * n + 64;
    for (int loop = 0; loop < 2; loop++) {
        int k = 0, prev = w->nfree;
        w->nfree = 0;
        while (k < prev) {
            int i = w->freer[k++];
            const double *ci = c + (size_t)i * n;
            double umin = ci[0] - w->v[0], usub = INFINITY;
            int j1 = 0, j2 = -1;
            for (int j = 1; j < n; j++) {
                double h = ci[j] - w->v[j];
                if (h < usub) {
                    if (h >= umin) { usub = h; j2 = j; }
                    else { usub = umin; umin = h; j2 = j1; j1 = j; }
                }
            }
            if (umin == INFINITY)
                return infeasible(err);
            int i0 = w->y[j1];
            int dropped = 0;
            if (usub != INFINITY && umin < usub) {
                double nv = w->v[j1] - (usub - umin);
                dropped = nv < w->v[j1];
                w->v[j1] = nv;
            } else if (i0 >= 0 && j2 >= 0 && usub != INFINITY) {
                j1 = j2;
                i0 = w->y[j2];
            }
            w->x[i] = j1;
            w->y[j1] = i;
            if (i0 >= 0) {
                w->x[i0] = -1;
                if (dropped && budget-- > 0) w->freer[--k] = i0;
                else w->freer[w->nfree++] = i0;
            }
        }
    }
    return VIS_OK;
}

/* Rows take their cheapest column when it is still free (zero duals). */
static void dense_init_greedy(dense_ws *w)
{
    w->nfree = 0;
    for (int i = 0; i < w->nr; i++) {
        const double *ci = w->c + (size_t)i * w->nc;
        double m = INFINITY;
        int jm = -1;
        for (int j = 0; j < w->nc; j++)
            if (ci[j] < m) { m = ci[j]; jm = j; }
        if (jm >= 0 && w->y[jm] < 0) { w->x[i] = jm; w->y[jm] = i; }
        else w->freer[w->nfree++] = i;
    }
}

/* Augment free row f along a shortest path (Dijkstra over columns). */
static int dense_augment(dense_ws *w, int f, vis_err *err)
{
    int nc = w->nc;
    const double *c = w->c;
    double *d = w->d, *v = w->v;
    int *col = w->col, *pred = w->pred, *y = w->y;
    const double *cf = c + (size_t)f * nc;
    for (int j = 0; j < nc; j++) {
        d[j] = cf[j] - v[j];
        pred[j] = f;
        col[j] = j;
    }
    int low = 0, up = 0, last = -1, end = -1;
    double min = 0;
    while (end < 0) {
        if (up == low) {
            last = low - 1;
            min = d[col[up++]];
            for (int k = up; k < nc; k++) {
                int j = col[k];
                double h = d[j];
                if (h <= min) {
                    if (h < min) { up = low; min = h; }
                    col[k] = col[up];
                    col[up++] = j;
                }
            }
            if (min == INFINITY)
                return infeasible(err);
            for (int k = low; k < up; k++)
                if (y[col[k]] < 0) { end = col[k]; break; }
            if (end >= 0) break;
        }
        int j1 = col[low++];
        int i = y[j1];
        const double *ci = c + (size_t)i * nc;
        double u1 = ci[j1] - v[j1] - min;
        for (int k = up; k < nc; k++) {
            int j = col[k];
            double h = ci[j] - v[j] - u1;
            if (h < d[j]) {
                d[j] = h;
                pred[j] = i;
                if (h == min) {
                    if (y[j] < 0) { end = j; break; }
                    col[k] = col[up];
                    col[up++] = j;
                }
            }
        }
    }
    for (int k = 0; k <= last; k++) {
        int j = col[k];
        v[j] += d[j] - min;
    }
    for (;;) {
        int i = pred[end];
        y[end] = i;
        int nxt = w->x[i];
        w->x[i] = end;
        if (i == f) break;
        end = nxt;
    }
    return VIS_OK;
}

static int dense_solve(int nr, int nc, const double *cost, int *row_col,
                       vis_err *err)
{
    dense_ws w = { .nr = nr, .nc = nc, .c = cost };
    w.x = mem_alloc(sizeof(int) * (size_t)nr);
    w.freer = mem_alloc(sizeof(int) * (size_t)nr);
    w.y = mem_alloc(sizeof(int) * (size_t)nc);
    w.pred = mem_alloc(sizeof(int) * (size_t)nc);
    w.col = mem_alloc(sizeof(int) * (size_t)nc);
    w.v = mem_calloc((size_t)nc, sizeof(double));
    w.d = mem_alloc(sizeof(double) * (size_t)nc);
    int rc = VIS_OK;
    for (int i = 0; i < nr; i++) w.x[i] = -1;
    for (int j = 0; j < nc; j++) w.y[j] = -1;
    if (nr == nc) rc = dense_init_square(&w, err);
    else dense_init_greedy(&w);
    for (int k = 0; rc == VIS_OK && k < w.nfree; k++)
        rc = dense_augment(&w, w.freer[k], err);
    if (rc == VIS_OK) memcpy(row_col, w.x, sizeof(int) * (size_t)nr);
    free(w.x); free(w.freer); free(w.y); free(w.pred); free(w.col);
    free(w.v); free(w.d);
    return rc;
}

int disp_lap_dense(int nr, int nc, const double *cost, int *row_col,
                   double *total, vis_err *err)
{
    if (nr < 0 || nc < 0 || (nr > 0 && nc > 0 && (!cost || !row_col)))
        return vis_errf(err, VIS_EINVAL, NULL, "", "bad matrix");
    if (total) *total = 0;
    if (nr == 0) return VIS_OK;
    if (nc == 0) {
        for (int i = 0; i < nr; i++) row_col[i] = -1;
        return VIS_OK;
    }
    int rc;
    if (nr <= nc) {
        rc = dense_solve(nr, nc, cost, row_col, err);
    } else {
        double *t = mem_alloc(sizeof(double) * (size_t)nr * (size_t)nc);
        int *cr = mem_alloc(sizeof(int) * (size_t)nc);
        for (int i = 0; i < nr; i++)
            for (int j = 0; j < nc; j++)
                t[(size_t)j * nr + i] = cost[(size_t)i * nc + j];
        rc = dense_solve(nc, nr, t, cr, err);
        if (rc == VIS_OK) {
            for (int i = 0; i < nr; i++) row_col[i] = -1;
            for (int j = 0; j < nc; j++) row_col[cr[j]] = j;
        }
        free(t);
        free(cr);
    }
    if (rc == VIS_OK && total) {
        double s = 0;
        for (int i = 0; i < nr; i++)
            if (row_col[i] >= 0) s += cost[(size_t)i * nc + row_col[i]];
        *total = s;
    }
    return rc;
}

/* ---- sparse ---------------------------------------------------------- */

typedef struct heap_item { double key; int col; } heap_item;

typedef struct heap {
    heap_item *a;
    int n, cap;
} heap;

static void heap_push(heap *h, double key, int col)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 256;
        h->a = mem_realloc(h->a, sizeof(*h->a) * (size_t)h->cap);
    }
    int i = h->n++;
    while (i > 0) {
        int p = (i - 1) / 2;
        if (h->a[p].key <= key) break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = (heap_item){key, col};
}

static heap_item heap_pop(heap *h)
{
    heap_item top = h->a[0], last = h->a[--h->n];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1;
        if (l >= h->n) break;
        int r = l + 1, m = (r < h->n && h->a[r].key < h->a[l].key) ? r : l;
        if (h->a[m].key >= last.key) break;
        h->a[i] = h->a[m];
        i = m;
    }
    if (h->n > 0) h->a[i] = last;
    return top;
}

int disp_lap_sparse(const disp_lap_sparse_m *m, int *row_col, double *total,
                    vis_err *err)
{
    if (!m || m->nr < 0 || m->nc < 0 || (m->nr > 0 && (!m->row_start || !row_col)))
        return vis_errf(err, VIS_EINVAL, NULL, "", "bad sparse matrix");
    int nr = m->nr, nc = m->nc;
    if (total) *total = 0;
    if (nr == 0) return VIS_OK;
    if (nr > nc) return infeasible(err);
    const int *rs = m->row_start, *cl = m->col;
    const double *c = m->cost;
    int *x = mem_alloc(sizeof(int) * (size_t)nr);
    int *xe = mem_alloc(sizeof(int) * (size_t)nr);
    int *y = mem_alloc(sizeof(int) * (size_t)nc);
    int *prede = mem_alloc(sizeof(int) * (size_t)nc);
    int *state = mem_calloc((size_t)nc, sizeof(int)); /* 0 untouched, 1 reached, 2 settled */
    int *touched = mem_alloc(sizeof(int) * (size_t)nc);
    double *v = mem_calloc((size_t)nc, sizeof(double));
    double *d = mem_alloc(sizeof(double) * (size_t)nc);
    int *freer = mem_alloc(sizeof(int) * (size_t)nr);
    heap h = { 0 };
    int rc = VIS_OK, nfree = 0;
    int nnz = rs[nr];
    int *erow = mem_alloc(sizeof(int) * (size_t)(nnz > 0 ? nnz : 1));
    for (int i = 0; i < nr; i++)
        for (int e = rs[i]; e < rs[i + 1]; e++) erow[e] = i;
    for (int j = 0; j < nc; j++) y[j] = -1;
    for (int e = 0; e < nnz; e++)
        if (cl[e] < 0 || cl[e] >= nc || !isfinite(c[e])) {
            rc = vis_errf(err, VIS_EINVAL, NULL, "", "bad sparse entry %d", e);
            goto out;
        }
    for (int i = 0; i < nr; i++) {
        x[i] = -1;
        int best = -1;
        for (int e = rs[i]; e < rs[i + 1]; e++)
            if (best < 0 || c[e] < c[best]) best = e;
        if (best >= 0 && y[cl[best]] < 0) {
            x[i] = cl[best]; xe[i] = best; y[cl[best]] = i;
        } else {
            freer[nfree++] = i;
        }
    }
    for (int k = 0; k < nfree; k++) {
        int f = freer[k], nt = 0, end = -1;
        double dmin = 0;
        h.n = 0;
        for (int e = rs[f]; e < rs[f + 1]; e++) {
            int j = cl[e];
            double dj = c[e] - v[j];
            if (state[j] == 0) { state[j] = 1; touched[nt++] = j; d[j] = dj; prede[j] = e; }
            else if (dj < d[j]) { d[j] = dj; prede[j] = e; }
            else continue;
            heap_push(&h, dj, j);
        }
        while (h.n > 0) {
            heap_item it = heap_pop(&h);
            int j = it.col;
            if (state[j] == 2 || it.key > d[j]) continue;
            if (y[j] < 0) { end = j; dmin = d[j]; break; }
            state[j] = 2;
            int i = y[j];
            double u = c[xe[i]] - v[j] - d[j]; /* reduced base of row i */
            for (int e = rs[i]; e < rs[i + 1]; e++) {
                int j2 = cl[e];
                if (state[j2] == 2) continue;
                double h2 = c[e] - v[j2] - u;
                if (state[j2] == 0) { state[j2] = 1; touched[nt++] = j2; }
                else if (h2 >= d[j2]) continue;
                d[j2] = h2;
                prede[j2] = e;
                heap_push(&h, h2, j2);
            }
        }
        if (end < 0) {
            for (int t = 0; t < nt; t++) state[touched[t]] = 0;
            rc = infeasible(err);
            goto out;
        }
        for (int t = 0; t < nt; t++) {
            int j = touched[t];
            if (state[j] == 2) v[j] += d[j] - dmin;
            state[j] = 0;
        }
        int j = end;
        for (;;) {
            int e = prede[j], i = erow[e];
            y[j] = i;
            int nxt = x[i];
            x[i] = j;
            xe[i] = e;
            if (i == f) break;
            j = nxt;
        }
    }
    memcpy(row_col, x, sizeof(int) * (size_t)nr);
    if (total) {
        double s = 0;
        for (int i = 0; i < nr; i++) s += c[xe[i]];
        *total = s;
    }
out:
    free(x); free(xe); free(y); free(prede); free(state); free(touched);
    free(v); free(d); free(freer); free(erow); free(h.a);
    return rc;
}
