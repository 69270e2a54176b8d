/*
 * disp_lap — exact min-cost assignment (linear assignment problem).
 *
 * Both solvers are Jonker–Volgenant style shortest augmenting path methods
 * written here from the published algorithm descriptions:
 *
 *  - disp_lap_dense: a full nr×nc cost matrix (row-major doubles). For a
 *    square matrix it runs JV's initialisation (column reduction, reduction
 *    transfer, two rounds of augmenting row reduction) and then augments the
 *    remaining free rows with Dijkstra on reduced costs (O(n^2) each). For a
 *    rectangular matrix with nr < nc it augments every row from zero duals
 *    (free columns keep potential 0, which keeps successive shortest paths
 *    exact); nr > nc is solved on the transpose. The result is a minimum-cost
 *    matching of size min(nr, nc).
 *
 *  - disp_lap_sparse: rows list their candidate columns (CSR). Rows are first
 *    given their cheapest column when it is still free (this keeps the row
 *    minimum invariant with zero duals), then every free row is augmented with
 *    a binary-heap Dijkstra that stops at the first free column it settles.
 *    Every row must be assigned: callers add a private "leave unassigned"
 *    column per row when a row may stay open (the dispatch engine does).
 *
 * Forbidden pairs are +INFINITY (dense) or simply absent (sparse). When no
 * matching of the required size exists the solvers return VIS_EINVAL with
 * kind "infeasible". Costs must be finite otherwise; -0 and negatives are
 * fine. Allocation failure aborts (base/mem.h). No global state.
 */
#ifndef VIS_DISPATCH_DISP_LAP_H
#define VIS_DISPATCH_DISP_LAP_H

#include "base/err.h"

/* row_col[i] receives the column of row i, or -1 (only when nr > nc).
 * *total (if non-NULL) receives the summed cost of the matching. */
int disp_lap_dense(int nr, int nc, const double *cost, int *row_col,
                   double *total, vis_err *err);

typedef struct disp_lap_sparse_m {
    int nr, nc;
    const int *row_start;   /* nr + 1 offsets into col/cost */
    const int *col;         /* column of each entry, 0..nc-1 */
    const double *cost;     /* finite cost of each entry */
} disp_lap_sparse_m;

/* Every row is assigned a distinct column (nr <= nc required). */
int disp_lap_sparse(const disp_lap_sparse_m *m, int *row_col, double *total,
                    vis_err *err);

#endif
