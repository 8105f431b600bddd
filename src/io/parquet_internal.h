/* parquet_internal.h - helpers shared by the Parquet reader and writer (not public API;
 * parquet.h is the module's interface).
 *
 * Both keep scratch arrays (levels, dictionary indices, value views) that grow to the
 * largest page or chunk seen and are reused; pq_scratch_reserve is how they grow.
 */
#ifndef TEP_IO_PARQUET_INTERNAL_H
#define TEP_IO_PARQUET_INTERNAL_H

#include <stddef.h>
#include <stdlib.h>

/* Grow the scratch array *ptr of *cap items of `elem` bytes to hold at least `n` items
 * (doubling from 1024). Returns 0, or -1 when out of memory (the array is kept). */
static inline int pq_scratch_reserve(void **ptr, size_t *cap, size_t n, size_t elem)
{
    if (n <= *cap) return 0;
    size_t want = *cap ? *cap : 1024;
    while (want < n) want *= 2;
    void *p = realloc(*ptr, want * elem);
    if (!p) return -1;
    *ptr = p;
    *cap = want;
    return 0;
}

#endif
