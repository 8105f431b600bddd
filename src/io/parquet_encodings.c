/* parquet_encodings.c - the Parquet reader's value decoders.
 *
 * One data page's values section is decoded here - PLAIN, dictionary indices
 * (PLAIN_DICTIONARY, RLE_DICTIONARY) against the chunk's dictionary page,
 * DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT -
 * and scattered into the caller's sink; the RLE/bit-packed hybrid decoder also serves the
 * definition levels (parquet_pages.c). Every length is checked against the page first.
 * Facts: parquet-format Encodings.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parquet_internal.h"

static int value_width(int physical)
{
    switch (physical) {
    case TEP_PQ_PHYS_INT32: return 4;
    case TEP_PQ_PHYS_INT64:
    case TEP_PQ_PHYS_DOUBLE: return 8;
    default: return 0; /* BYTE_ARRAY */
    }
}

/* Unpack `count` values of `bw` bits (LSB first) from [p, p + avail). */
static void unpack_bits(const uint8_t *p, size_t avail, int bw, size_t count, void *out,
                        int elem_size, size_t out_index)
{
    uint64_t mask = bw == 64 ? ~0ULL : ((1ULL << bw) - 1);
    if (elem_size == 1 && bw == 1) {
        uint8_t *o = (uint8_t *)out + out_index;
        for (size_t i = 0; i < count; i++) o[i] = (p[i >> 3] >> (i & 7)) & 1;
        return;
    }
    size_t bit = 0;
    for (size_t i = 0; i < count; i++, bit += (size_t)bw) {
        size_t byte = bit >> 3;
        uint64_t word = 0;
        if (byte + 8 <= avail) {
            memcpy(&word, p + byte, 8);
        } else {
            for (size_t b = 0; byte + b < avail && b < 8; b++)
                word |= (uint64_t)p[byte + b] << (8 * b);
        }
        uint32_t v = (uint32_t)((word >> (bit & 7)) & mask);
        if (elem_size == 1)
            ((uint8_t *)out)[out_index + i] = (uint8_t)v;
        else
            ((uint32_t *)out)[out_index + i] = v;
    }
}

/* Decode `count` RLE/bit-packed hybrid values of width `bw` from [p, end)
 * into `out` (uint8 when elem_size is 1, else uint32). */
int pqr_rle_hybrid_decode(struct pqr_chunk_ctx *x, const char *what, const uint8_t *p,
                          const uint8_t *end, int bw, size_t count, void *out, int elem_size)
{
    size_t i = 0;
    int value_bytes = (bw + 7) / 8;
    while (i < count) {
        uint64_t header = 0;
        int shift = 0;
        for (;;) {
            if (p >= end)
                return pqr_chunk_fail(x, TEP_ERR_PARSE, "%s end after %zu of %zu values", what, i,
                                      count);
            uint8_t b = *p++;
            header |= (uint64_t)(b & 0x7F) << shift;
            if (!(b & 0x80)) break;
            shift += 7;
            if (shift > 28)
                return pqr_chunk_fail(x, TEP_ERR_PARSE, "%s: run header varint is too long", what);
        }
        if (header & 1) { /* bit-packed run of (header >> 1) groups of 8 */
            uint64_t values = (header >> 1) * 8;
            size_t take = values < count - i ? (size_t)values : count - i;
            size_t need = (take * (size_t)bw + 7) / 8;
            size_t avail = (size_t)(end - p);
            if (need > avail)
                return pqr_chunk_fail(x, TEP_ERR_PARSE,
                                      "%s: bit-packed run needs %zu bytes, %zu left", what, need,
                                      avail);
            unpack_bits(p, avail, bw, take, out, elem_size, i);
            uint64_t run_bytes = (header >> 1) * (uint64_t)bw;
            p += run_bytes < avail ? (size_t)run_bytes : avail;
            i += take;
        } else { /* RLE run: (header >> 1) copies of one value */
            uint64_t run = header >> 1;
            if ((size_t)(end - p) < (size_t)value_bytes)
                return pqr_chunk_fail(x, TEP_ERR_PARSE, "%s: RLE run value is cut off", what);
            uint32_t v = 0;
            for (int b = 0; b < value_bytes; b++) v |= (uint32_t)p[b] << (8 * b);
            p += value_bytes;
            size_t take = run < count - i ? (size_t)run : count - i;
            if (elem_size == 1) {
                memset((uint8_t *)out + i, (int)(uint8_t)v, take);
            } else {
                uint32_t *o = (uint32_t *)out + i;
                for (size_t k = 0; k < take; k++) o[k] = v;
            }
            i += take;
        }
    }
    return 0;
}

int pqr_dictionary_page(struct pqr_chunk_ctx *x, const uint8_t *data, size_t len,
                        int32_t num_values, int encoding)
{
    struct tep_pq_reader *r = x->r;
    if (encoding != TEP_PQ_ENC_PLAIN && encoding != TEP_PQ_ENC_PLAIN_DICTIONARY)
        return pqr_chunk_fail(x, TEP_ERR_UNSUPPORTED, "dictionary page encoding %s (%d)",
                              pqr_encoding_name(encoding), encoding);
    if (num_values < 0)
        return pqr_chunk_fail(x, TEP_ERR_PARSE, "dictionary page with %d entries", num_values);
    size_t n = (size_t)num_values;
    int width = value_width(x->info->physical_type);
    if (width) {
        if (n > len / (size_t)width)
            return pqr_chunk_fail(x, TEP_ERR_PARSE,
                                  "dictionary of %zu entries needs %zu bytes, the page has %zu", n,
                                  n * (size_t)width, len);
        x->dict_fixed = data;
    } else {
        if (pq_scratch_reserve((void **)&r->dict_views, &r->dict_views_cap, n ? n : 1,
                               sizeof *r->dict_views))
            return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for a dictionary");
        const uint8_t *p = data, *end = data + len;
        for (size_t i = 0; i < n; i++) {
            if (end - p < 4)
                return pqr_chunk_fail(x, TEP_ERR_PARSE, "dictionary entry %zu of %zu is cut off", i,
                                      n);
            uint32_t l = pq_get_le32(p);
            p += 4;
            if (l > (size_t)(end - p))
                return pqr_chunk_fail(x, TEP_ERR_PARSE,
                                      "dictionary entry %zu claims %u bytes, %zu left", i, l,
                                      (size_t)(end - p));
            r->dict_views[i].ptr = p;
            r->dict_views[i].len = l;
            p += l;
        }
    }
    x->dict_n = n;
    x->has_dict = true;
    return 0;
}

static int copy_string(struct pqr_chunk_ctx *x, struct pqr_sink *sink, size_t row,
                       const struct pqr_view *v)
{
    if (sink->kind == SINK_STRING) {
        char *s = pqr_dup_bytes(v->ptr, v->len);
        if (!s) return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for strings");
        ((char **)sink->out)[row] = s;
        return 0;
    }
    if (sink->same_seen) {
        if (strlen(sink->same) != v->len || memcmp(sink->same, v->ptr, v->len) != 0)
            return tep_error_set_at(x->err, TEP_ERR_PARSE, x->r->path, (long)row + 1,
                                    (long)x->col + 1,
                                    "row group %zu: column '%s' changes from '%s' to '%.*s' at "
                                    "row %zu; a frame holds one run",
                                    x->row_group, x->info->name, sink->same,
                                    (int)(v->len > 64 ? 64 : v->len), (const char *)v->ptr,
                                    row + 1);
        return 0;
    }
    if (v->len >= sink->same_cap || memchr(v->ptr, 0, v->len))
        return tep_error_set_at(x->err, TEP_ERR_PARSE, x->r->path, (long)row + 1,
                                (long)x->col + 1,
                                "column '%s': value of %u bytes is not a valid run id (at most "
                                "%zu bytes, no NUL)",
                                x->info->name, v->len, sink->same_cap - 1);
    memcpy(sink->same, v->ptr, v->len);
    sink->same[v->len] = '\0';
    sink->same_seen = true;
    return 0;
}

/* Store the page's values into the sink: rows [row, row + n); `levels` (NULL
 * when every row is non-null) says which rows take the next dense value. */
static int scatter(struct pqr_chunk_ctx *x, struct pqr_sink *sink, size_t row, size_t n,
                   const uint8_t *levels, const uint8_t *dense, const struct pqr_view *views)
{
    int phys = x->info->physical_type;
    size_t j = 0;
    if (sink->kind == SINK_STRING || sink->kind == SINK_SAME_STRING) {
        for (size_t i = 0; i < n; i++) {
            if (levels && !levels[i]) {
                if (sink->kind == SINK_STRING) {
                    ((char **)sink->out)[row + i] = NULL;
                } else {
                    return tep_error_set_at(x->err, TEP_ERR_PARSE, x->r->path, (long)(row + i + 1),
                                            (long)x->col + 1,
                                            "row group %zu: column '%s' is null at row %zu",
                                            x->row_group, x->info->name, row + i + 1);
                }
                continue;
            }
            if (copy_string(x, sink, row + i, &views[j++])) return -1;
        }
        return 0;
    }
    if (sink->kind == SINK_DOUBLE) {
        double *out = (double *)sink->out + row;
        if (sink->valid) {
            if (levels)
                memcpy(sink->valid + row, levels, n);
            else
                memset(sink->valid + row, 1, n);
        }
        if (phys == TEP_PQ_PHYS_DOUBLE && !levels) {
            memcpy(out, dense, n * 8);
            return 0;
        }
        for (size_t i = 0; i < n; i++) {
            if (levels && !levels[i]) {
                out[i] = NAN;
                continue;
            }
            if (phys == TEP_PQ_PHYS_DOUBLE) {
                memcpy(&out[i], dense + 8 * j, 8);
            } else if (phys == TEP_PQ_PHYS_INT32) {
                int32_t v;
                memcpy(&v, dense + 4 * j, 4);
                out[i] = (double)v;
            } else {
                int64_t v;
                memcpy(&v, dense + 8 * j, 8);
                out[i] = (double)v;
            }
            j++;
        }
        return 0;
    }
    /* integer sinks */
    for (size_t i = 0; i < n; i++) {
        bool ok = !levels || levels[i];
        int64_t v = 0;
        if (ok) {
            if (phys == TEP_PQ_PHYS_INT32) {
                int32_t v32;
                memcpy(&v32, dense + 4 * j, 4);
                v = v32;
            } else {
                memcpy(&v, dense + 8 * j, 8);
            }
            j++;
        }
        if (sink->kind == SINK_INT32) {
            if (v < INT32_MIN || v > INT32_MAX)
                return tep_error_set_at(x->err, TEP_ERR_PARSE, x->r->path, (long)(row + i + 1),
                                        (long)x->col + 1,
                                        "row group %zu: column '%s' value %lld does not fit in "
                                        "32 bits",
                                        x->row_group, x->info->name, (long long)v);
            ((int32_t *)sink->out)[row + i] = (int32_t)v;
        } else {
            ((int64_t *)sink->out)[row + i] = v;
        }
        if (sink->valid) sink->valid[row + i] = ok;
    }
    return 0;
}

/* ---- DELTA_* and BYTE_STREAM_SPLIT decoders (Encodings.md) ------------- */

static int read_uleb(struct pqr_chunk_ctx *x, const uint8_t **pp, const uint8_t *end,
                     const char *what, uint64_t *out)
{
    uint64_t v = 0;
    const uint8_t *p = *pp;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p >= end) return pqr_chunk_fail(x, TEP_ERR_PARSE, "DELTA data ends inside %s", what);
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            *pp = p;
            return 0;
        }
    }
    return pqr_chunk_fail(x, TEP_ERR_PARSE, "DELTA %s varint is too long", what);
}

/* `bw` (0..64) bits starting at bit `bit` of [p, p + avail), LSB first. */
static uint64_t get_bits(const uint8_t *p, size_t avail, size_t bit, int bw)
{
    if (bw == 0) return 0;
    size_t byte = bit >> 3;
    int shift = (int)(bit & 7);
    uint64_t lo = 0;
    if (byte + 8 <= avail)
        memcpy(&lo, p + byte, 8);
    else
        for (size_t b = 0; byte + b < avail && b < 8; b++) lo |= (uint64_t)p[byte + b] << (8 * b);
    uint64_t v = lo >> shift;
    if (shift + bw > 64 && byte + 8 < avail) v |= (uint64_t)p[byte + 8] << (64 - shift);
    return bw == 64 ? v : v & ((1ULL << bw) - 1);
}

/* DELTA_BINARY_PACKED: decode k integers of `width` bytes (4 or 8) into
 * `out`; *pp advances past the data used. Arithmetic wraps (two's complement). */
static int delta_decode(struct pqr_chunk_ctx *x, const uint8_t **pp, const uint8_t *end, size_t k,
                        int width, uint8_t *out)
{
    const uint8_t *p = *pp;
    uint64_t block_size, minis, total, zz;
    if (read_uleb(x, &p, end, "the block size", &block_size) ||
        read_uleb(x, &p, end, "the miniblock count", &minis) ||
        read_uleb(x, &p, end, "the value count", &total) ||
        read_uleb(x, &p, end, "the first value", &zz))
        return -1;
    if (block_size == 0 || block_size % 128 != 0 || block_size > (1u << 20) || minis == 0 ||
        block_size % minis != 0 || (block_size / minis) % 32 != 0)
        return pqr_chunk_fail(x, TEP_ERR_PARSE,
                              "DELTA header has block size %llu with %llu miniblocks (expected a "
                              "multiple of 128 split into multiples of 32)",
                              (unsigned long long)block_size, (unsigned long long)minis);
    if (total < k)
        return pqr_chunk_fail(x, TEP_ERR_PARSE, "DELTA data holds %llu values, the page needs %zu",
                              (unsigned long long)total, k);
    size_t per_mini = (size_t)(block_size / minis);
    uint64_t value = (zz >> 1) ^ (0 - (zz & 1));
    size_t i = 0;
    if (k > 0) {
        if (width == 4) {
            uint32_t v32 = (uint32_t)value;
            memcpy(out, &v32, 4);
        } else {
            memcpy(out, &value, 8);
        }
        i = 1;
    }
    while (i < k) {
        uint64_t mzz;
        if (read_uleb(x, &p, end, "a block's min delta", &mzz)) return -1;
        uint64_t min_delta = (mzz >> 1) ^ (0 - (mzz & 1));
        if ((uint64_t)(end - p) < minis)
            return pqr_chunk_fail(x, TEP_ERR_PARSE, "DELTA block lacks its %llu bit widths",
                                  (unsigned long long)minis);
        const uint8_t *widths = p;
        p += minis;
        for (uint64_t m = 0; m < minis && i < k; m++) {
            int bw = widths[m];
            if (bw > width * 8)
                return pqr_chunk_fail(x, TEP_ERR_PARSE, "DELTA miniblock bit width %d exceeds %d",
                                      bw, width * 8);
            size_t take = per_mini < k - i ? per_mini : k - i;
            size_t avail = (size_t)(end - p);
            if ((take * (size_t)bw + 7) / 8 > avail)
                return pqr_chunk_fail(x, TEP_ERR_PARSE, "DELTA miniblock is cut off");
            for (size_t j = 0; j < take; j++, i++) {
                value += min_delta + get_bits(p, avail, j * (size_t)bw, bw);
                if (width == 4) {
                    uint32_t v32 = (uint32_t)value;
                    memcpy(out + 4 * i, &v32, 4);
                } else {
                    memcpy(out + 8 * i, &value, 8);
                }
            }
            size_t mini_bytes = per_mini * (size_t)bw / 8;
            p += mini_bytes < avail ? mini_bytes : avail;
        }
    }
    *pp = p;
    return 0;
}

/* DELTA_BINARY_PACKED lengths of k strings into a fresh uint32 array. */
static int delta_lengths(struct pqr_chunk_ctx *x, const uint8_t **pp, const uint8_t *end,
                         size_t k, uint32_t **lengths)
{
    *lengths = malloc((k ? k : 1) * sizeof **lengths);
    if (!*lengths) return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for lengths");
    if (delta_decode(x, pp, end, k, 4, (uint8_t *)*lengths)) return -1;
    for (size_t i = 0; i < k; i++)
        if ((*lengths)[i] > INT32_MAX)
            return pqr_chunk_fail(x, TEP_ERR_PARSE, "negative string length %d",
                                  (int32_t)(*lengths)[i]);
    return 0;
}

/* DELTA_LENGTH_BYTE_ARRAY (prefix NULL) or DELTA_BYTE_ARRAY: k strings into r->views. */
static int delta_strings(struct pqr_chunk_ctx *x, const uint8_t *p, const uint8_t *end, size_t k,
                         bool front_coded)
{
    struct tep_pq_reader *r = x->r;
    uint32_t *prefix = NULL, *suffix = NULL;
    int rc = -1;
    if (pq_scratch_reserve((void **)&r->views, &r->views_cap, k ? k : 1, sizeof *r->views)) {
        tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for strings");
        goto done;
    }
    if (front_coded && delta_lengths(x, &p, end, k, &prefix)) goto done;
    if (delta_lengths(x, &p, end, k, &suffix)) goto done;
    size_t total = 0, built = 0;
    for (size_t i = 0; i < k; i++) {
        if (suffix[i] > (size_t)(end - p) - total) {
            pqr_chunk_fail(x, TEP_ERR_PARSE, "string %zu of %zu runs past the page", i, k);
            goto done;
        }
        total += suffix[i];
        if (prefix) {
            size_t prev = i ? built : 0;
            if (prefix[i] > prev) {
                pqr_chunk_fail(x, TEP_ERR_PARSE, "string %zu reuses %u bytes of a %zu-byte string",
                               i, prefix[i], prev);
                goto done;
            }
            built = prefix[i] + (size_t)suffix[i];
            if (built > (size_t)INT32_MAX) {
                pqr_chunk_fail(x, TEP_ERR_PARSE, "string %zu is too long", i);
                goto done;
            }
        }
    }
    if (!prefix) { /* the bytes follow the lengths back to back */
        for (size_t i = 0; i < k; i++) {
            r->views[i].ptr = p;
            r->views[i].len = suffix[i];
            p += suffix[i];
        }
        rc = 0;
        goto done;
    }
    size_t bytes = 0; /* front coding: rebuild every string in r->gather */
    for (size_t i = 0; i < k; i++) bytes += prefix[i] + (size_t)suffix[i];
    if (pq_scratch_reserve((void **)&r->gather, &r->gather_cap, bytes ? bytes : 1, 1)) {
        tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for strings");
        goto done;
    }
    size_t at = 0;
    for (size_t i = 0; i < k; i++) {
        uint8_t *dst = r->gather + at;
        if (prefix[i]) memcpy(dst, r->views[i - 1].ptr, prefix[i]);
        memcpy(dst + prefix[i], p, suffix[i]);
        p += suffix[i];
        r->views[i].ptr = dst;
        r->views[i].len = prefix[i] + suffix[i];
        at += r->views[i].len;
    }
    rc = 0;
done:
    free(prefix);
    free(suffix);
    return rc;
}

/* Decode the values section [p, end) of a data page holding n rows of which k
 * are non-null, then scatter them. */
int pqr_page_values(struct pqr_chunk_ctx *x, struct pqr_sink *sink, int encoding, const uint8_t *p,
                    const uint8_t *end, size_t row, size_t n, size_t k, const uint8_t *levels)
{
    struct tep_pq_reader *r = x->r;
    int width = value_width(x->info->physical_type);
    const uint8_t *dense = NULL;
    const struct pqr_view *views = NULL;
    size_t avail = (size_t)(end - p);
    if (encoding == TEP_PQ_ENC_PLAIN) {
        if (width) {
            if (k > avail / (size_t)width)
                return pqr_chunk_fail(x, TEP_ERR_PARSE,
                                      "%zu values need %zu bytes, the page holds %zu", k,
                                      k * (size_t)width, avail);
            dense = p;
        } else {
            if (pq_scratch_reserve((void **)&r->views, &r->views_cap, k ? k : 1, sizeof *r->views))
                return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for strings");
            for (size_t i = 0; i < k; i++) {
                if (end - p < 4)
                    return pqr_chunk_fail(x, TEP_ERR_PARSE, "string %zu of %zu is cut off", i, k);
                uint32_t l = pq_get_le32(p);
                p += 4;
                if (l > (size_t)(end - p))
                    return pqr_chunk_fail(x, TEP_ERR_PARSE, "string %zu claims %u bytes, %zu left",
                                          i, l, (size_t)(end - p));
                r->views[i].ptr = p;
                r->views[i].len = l;
                p += l;
            }
            views = r->views;
        }
    } else if (encoding == TEP_PQ_ENC_RLE_DICTIONARY ||
               encoding == TEP_PQ_ENC_PLAIN_DICTIONARY) {
        if (!x->has_dict)
            return pqr_chunk_fail(x, TEP_ERR_PARSE,
                                  "dictionary-encoded page but the chunk has no dictionary page");
        if (k > 0) {
            if (avail < 1)
                return pqr_chunk_fail(x, TEP_ERR_PARSE, "dictionary page lacks its bit width");
            int bw = *p++;
            if (bw > 32)
                return pqr_chunk_fail(x, TEP_ERR_PARSE, "dictionary index bit width %d exceeds 32",
                                      bw);
            if (pq_scratch_reserve((void **)&r->indices, &r->indices_cap, k, sizeof *r->indices))
                return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for indices");
            if (pqr_rle_hybrid_decode(x, "dictionary indices", p, end, bw, k, r->indices, 4))
                return -1;
            for (size_t i = 0; i < k; i++)
                if (r->indices[i] >= x->dict_n)
                    return pqr_chunk_fail(x, TEP_ERR_PARSE,
                                          "dictionary index %u out of range (%zu entries)",
                                          r->indices[i], x->dict_n);
        }
        if (width) {
            if (pq_scratch_reserve((void **)&r->gather, &r->gather_cap, k ? k * (size_t)width : 1,
                                   1))
                return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for values");
            if (width == 8) {
                for (size_t i = 0; i < k; i++)
                    memcpy(r->gather + 8 * i, x->dict_fixed + 8 * (size_t)r->indices[i], 8);
            } else {
                for (size_t i = 0; i < k; i++)
                    memcpy(r->gather + 4 * i, x->dict_fixed + 4 * (size_t)r->indices[i], 4);
            }
            dense = r->gather;
        } else {
            if (pq_scratch_reserve((void **)&r->views, &r->views_cap, k ? k : 1, sizeof *r->views))
                return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for strings");
            for (size_t i = 0; i < k; i++) r->views[i] = r->dict_views[r->indices[i]];
            views = r->views;
        }
    } else if (encoding == TEP_PQ_ENC_DELTA_BINARY_PACKED && width &&
               x->info->physical_type != TEP_PQ_PHYS_DOUBLE) {
        if (pq_scratch_reserve((void **)&r->gather, &r->gather_cap, k ? k * (size_t)width : 1, 1))
            return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for values");
        if (delta_decode(x, &p, end, k, width, r->gather)) return -1;
        dense = r->gather;
    } else if ((encoding == TEP_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY ||
                encoding == TEP_PQ_ENC_DELTA_BYTE_ARRAY) &&
               !width) {
        if (delta_strings(x, p, end, k, encoding == TEP_PQ_ENC_DELTA_BYTE_ARRAY)) return -1;
        views = r->views;
    } else if (encoding == TEP_PQ_ENC_BYTE_STREAM_SPLIT && width) {
        /* K byte streams of N = k bytes each, back to back, filling the page */
        if (avail != k * (size_t)width)
            return pqr_chunk_fail(x, TEP_ERR_PARSE,
                                  "BYTE_STREAM_SPLIT section holds %zu bytes, expected %zu", avail,
                                  k * (size_t)width);
        if (pq_scratch_reserve((void **)&r->gather, &r->gather_cap, k ? k * (size_t)width : 1, 1))
            return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for values");
        for (int b = 0; b < width; b++) {
            const uint8_t *stream = p + (size_t)b * k;
            for (size_t i = 0; i < k; i++) r->gather[i * (size_t)width + (size_t)b] = stream[i];
        }
        dense = r->gather;
    } else {
        return pqr_chunk_fail(
            x, TEP_ERR_UNSUPPORTED, "value encoding %s (%d) is not supported for %s columns",
            pqr_encoding_name(encoding), encoding, pqr_physical_name(x->info->physical_type));
    }
    return scatter(x, sink, row, n, k == n ? NULL : levels, dense, views);
}
