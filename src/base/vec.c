#include "base/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

void vec_room(void *arr_ptr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) return;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc <= n) nc *= 2;
    if (elem && nc > SIZE_MAX / elem) mem_oom(SIZE_MAX);
    void **arr = arr_ptr;
    *arr = mem_realloc(*arr, nc * elem);
    *cap = nc;
}
