/* disp_grid — uniform grid k-nearest search. See disp_grid.h. */
#include "dispatch/disp_grid.h"

#include "base/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void disp_grid_build(disp_grid *g, int n, const double *xs, const double *ys, double cell)
{
    memset(g, 0, sizeof(*g));
    g->xs = xs;
    g->ys = ys;
    g->n = n;
    double x0 = 0, y0 = 0, x1 = 1, y1 = 1;
    for (int i = 0; i < n; i++) {
        if (i == 0 || xs[i] < x0) x0 = xs[i];
        if (i == 0 || ys[i] < y0) y0 = ys[i];
        if (i == 0 || xs[i] > x1) x1 = xs[i];
        if (i == 0 || ys[i] > y1) y1 = ys[i];
    }
    double w = x1 - x0 + 1, h = y1 - y0 + 1;
    if (cell <= 0) cell = sqrt(w * h * 2.0 / (n > 0 ? n : 1));
    if (!(cell > 0) || !isfinite(cell)) cell = 1;
    long nx = (long)(w / cell) + 1, ny = (long)(h / cell) + 1;
    while (nx * ny > 4L * n + 1024) { cell *= 1.5; nx = (long)(w / cell) + 1; ny = (long)(h / cell) + 1; }
    g->x0 = x0; g->y0 = y0; g->cell = cell; g->nx = (int)nx; g->ny = (int)ny;
    g->start = mem_calloc((size_t)(nx * ny + 1), sizeof(int));
    g->item = mem_alloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    int *cellof = mem_alloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        int cx = (int)((xs[i] - x0) / cell), cy = (int)((ys[i] - y0) / cell);
        cellof[i] = cy * g->nx + cx;
        g->start[cellof[i] + 1]++;
    }
    for (long c = 0; c < nx * ny; c++) g->start[c + 1] += g->start[c];
    int *fill = mem_alloc(sizeof(int) * (size_t)(nx * ny + 1));
    memcpy(fill, g->start, sizeof(int) * (size_t)(nx * ny + 1));
    for (int i = 0; i < n; i++) g->item[fill[cellof[i]]++] = i;
    free(fill);
    free(cellof);
}

void disp_grid_free(disp_grid *g)
{
    free(g->start);
    free(g->item);
    g->start = NULL;
    g->item = NULL;
}

static void consider(const disp_grid *g, int cell, double x, double y, int k,
                     double lim2, int *out, double *bd, int *cnt)
{
    for (int p = g->start[cell]; p < g->start[cell + 1]; p++) {
        int i = g->item[p];
        double dx = g->xs[i] - x, dy = g->ys[i] - y, d = dx * dx + dy * dy;
        if (d > lim2) continue;
        if (*cnt == k && d >= bd[k - 1]) continue;
        int q = *cnt < k ? (*cnt)++ : k - 1;
        while (q > 0 && bd[q - 1] > d) { bd[q] = bd[q - 1]; out[q] = out[q - 1]; q--; }
        bd[q] = d;
        out[q] = i;
    }
}

int disp_grid_knn(const disp_grid *g, double x, double y, int k,
                  double max_dist, int *out, double *d2)
{
    if (g->n == 0 || k <= 0 || !g->start) return 0;
    double stackd[64];
    double *bd = d2;
    double *heapd = NULL;
    if (!bd) {
        if (k <= 64) bd = stackd;
        else
            bd = heapd = mem_alloc(sizeof(double) * (size_t)k);
    }
    double lim2 = max_dist * max_dist;
    int cnt = 0;
    int qx = (int)floor((x - g->x0) / g->cell), qy = (int)floor((y - g->y0) / g->cell);
    /* a query outside the grid searches from the nearest cell: projection
     * onto the box is non-expansive, so the ring bound still holds */
    if (qx < 0) qx = 0;
    if (qx >= g->nx) qx = g->nx - 1;
    if (qy < 0) qy = 0;
    if (qy >= g->ny) qy = g->ny - 1;
    int maxr = g->nx + g->ny + 2;
    for (int r = 0; r <= maxr; r++) {
        double ring_min = (r - 1) * g->cell;
        if (r > 0 && ring_min > max_dist) break;
        if (r > 0 && cnt == k && ring_min * ring_min >= bd[k - 1]) break;
        for (int cy = qy - r; cy <= qy + r; cy++) {
            if (cy < 0 || cy >= g->ny) continue;
            int step = (cy == qy - r || cy == qy + r) ? 1 : 2 * r;
            for (int cx = qx - r; cx <= qx + r; cx += step > 0 ? step : 1) {
                if (cx < 0 || cx >= g->nx) continue;
                consider(g, cy * g->nx + cx, x, y, k, lim2, out, bd, &cnt);
            }
        }
        if (qx - r <= 0 && qy - r <= 0 && qx + r >= g->nx - 1 && qy + r >= g->ny - 1) break;
    }
    free(heapd);
    return cnt;
}
