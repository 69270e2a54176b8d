/*
 * disp_grid — a uniform grid spatial index over planar points (metres).
 *
 * Built once per decision epoch from the points that are eligible (e.g. the
 * couriers that can take work now), as a CSR bucket array: a counting sort of
 * point indices by cell. disp_grid_knn() visits square rings of cells around
 * the query cell and stops as soon as the k-th best distance cannot be beaten
 * by any cell further out (ring r is at least (r) * cell away), or when the
 * ring is beyond max_dist. Used by the dispatch engine to prune candidate
 * courier/job pairs for the sparse assignment solver.
 */
#ifndef VIS_DISPATCH_DISP_GRID_H
#define VIS_DISPATCH_DISP_GRID_H

#include "base/err.h"

typedef struct disp_grid {
    double x0, y0, cell;
    int nx, ny, n;
    int *start;      /* nx*ny + 1 offsets into item */
    int *item;       /* point indices (0..n-1) bucketed by cell */
    const double *xs, *ys;
} disp_grid;

/* Index n points (xs, ys borrowed; must outlive the grid). cell <= 0 picks
 * a size giving about two points per cell. */
void disp_grid_build(disp_grid *g, int n, const double *xs, const double *ys, double cell);
void disp_grid_free(disp_grid *g);

/* Up to k nearest points within max_dist of (x, y), nearest first; indices in
 * out[], squared distances in d2[] (may be NULL). Returns the count. */
int disp_grid_knn(const disp_grid *g, double x, double y, int k,
                  double max_dist, int *out, double *d2);

#endif
