#include "base/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool vec_room(void *arr_ptr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) return true;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc <= n) nc *= 2;
    if (elem && nc > SIZE_MAX / elem) return false;
    void **arr = arr_ptr;
    void *p = realloc(*arr, nc * elem);
    if (!p) return false;
    *arr = p;
    *cap = nc;
    return true;
}
