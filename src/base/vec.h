/*
 * vec — growing a plain C array one element at a time.
 *
 * vec_room(&arr, &cap, n, sizeof *arr) makes sure arr has room for element
 * n (doubling the capacity, 16 at first). It returns false when memory runs
 * out, leaving the array as it was, so callers stop with an error instead of
 * silently dropping rows.
 */
#ifndef VIS_BASE_VEC_H
#define VIS_BASE_VEC_H

#include <stdbool.h>
#include <stddef.h>

bool vec_room(void *arr_ptr, size_t *cap, size_t n, size_t elem);

#endif
