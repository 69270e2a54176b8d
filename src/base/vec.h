/*
 * vec — growing a plain C array one element at a time.
 *
 * vec_room(&arr, &cap, n, sizeof *arr) makes sure arr has room for element
 * n (doubling the capacity, 16 at first), allocating through base/mem: out
 * of memory aborts, so it always succeeds.
 */
#ifndef VIS_BASE_VEC_H
#define VIS_BASE_VEC_H

#include <stddef.h>

void vec_room(void *arr_ptr, size_t *cap, size_t n, size_t elem);

#endif
