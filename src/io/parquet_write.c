/* parquet_write.c - the Parquet writer (see parquet.h for the API and scope).
 *
 * File layout (parquet-format README.md): "PAR1", then per row group one
 * column chunk per column, then the FileMetaData footer (Thrift compact), its
 * 4-byte little-endian length and "PAR1". A column chunk is an optional
 * dictionary page (PLAIN-encoded entries) followed by data pages V1, each
 * holding definition levels (RLE/bit-packed hybrid, bit width 1, 4-byte
 * length prefix; optional columns only) and the non-null values, PLAIN or
 * dictionary indices (one bit-width byte + hybrid runs), compressed as a
 * whole with the chunk's codec (Encodings.md). Statistics follow the
 * TYPE_ORDER rules of parquet.thrift: NaN never in min/max, nan_count always
 * set for doubles, a zero min written as -0.0 and a zero max as +0.0.
 */
#include "parquet.h"

#include <math.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "core/atomic_file.h"
#include "parquet_internal.h"
#include "thrift_compact.h"

/* PLAIN values are little-endian: this writer copies host values as they are. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "parquet_write.c assumes a little-endian host"
#endif

#define PQW_DEFAULT_PAGE_SIZE ((size_t)1 << 20)
#define PQW_DEFAULT_DICT_LIMIT ((size_t)1 << 20)
#define PQW_STATS_MAX_STRING 4096 /* longer string min/max are not recorded */
#define PQW_MAX_PAGE_BYTES ((size_t)INT32_MAX)

/* A growable byte buffer. */
struct pqw_bytes {
    uint8_t *data;
    size_t len;
    size_t cap;
};

/* One string value: bytes and length (no NUL needed). */
struct pqw_view {
    const uint8_t *ptr;
    uint32_t len;
};

/* What the footer needs to know about one written column chunk. */
struct pqw_chunk {
    int64_t num_values; /* rows, nulls included */
    int64_t null_count;
    int64_t nan_count;
    int64_t uncompressed_size; /* page headers + uncompressed pages */
    int64_t compressed_size;   /* page headers + stored pages */
    int64_t data_page_offset;
    int64_t dictionary_page_offset; /* -1: no dictionary page */
    bool has_levels;                /* definition levels were written (RLE) */
    bool has_min_max;
    uint8_t *min, *max; /* PLAIN bytes (strings without length prefix) */
    size_t min_len, max_len;
};

struct pqw_row_group {
    int64_t num_rows;
    int64_t file_offset;
    int64_t total_uncompressed;
    int64_t total_compressed;
    struct pqw_chunk *chunks; /* one per column */
};

struct pqw_column {
    char *name;
    enum tep_pq_type type;
    bool nullable;
};

/* Dictionary under construction for one column chunk: entries in first-seen
 * order plus an open-addressing hash table of entry index + 1 (0 = empty). */
struct pqw_dict {
    uint32_t *slots;
    size_t nslots;
    uint64_t *keys;          /* fixed-width entries as bit patterns */
    struct pqw_view *strs;   /* string entries */
    size_t nentries;
    size_t cap_entries;
    size_t plain_bytes; /* size of the PLAIN dictionary page */
};

struct tep_pq_writer {
    char *path;
    struct tep_atomic_file out; /* the file being written (fd only; out.fd = -1 when closed) */
    uint64_t offset;            /* bytes written so far */
    bool failed;     /* a write failed: close must not publish the file */
    struct pqw_column *cols;
    size_t ncols;
    struct tep_pq_writer_options opt;
    char *created_by;
    struct pqw_row_group *groups;
    size_t ngroups, cap_groups;
    char **kv_keys, **kv_values;
    size_t nkv, cap_kv;
    int64_t total_rows;
    /* scratch buffers reused from chunk to chunk */
    uint8_t *levels;
    size_t levels_cap;
    struct pqw_bytes dense; /* non-null fixed-width values, compacted */
    struct pqw_view *views;
    size_t views_cap;
    uint32_t *indices;
    size_t indices_cap;
    struct pqw_bytes page;   /* one uncompressed page */
    struct pqw_bytes packed; /* the same page compressed */
    struct tep_tc_encoder header;
    struct pqw_dict dict;
    ZSTD_CCtx *zstd;
    const char **frame_run_ids; /* tep_pq_write_frame: run_id per row */
    size_t frame_run_ids_cap;
};

/* ---- small helpers ---------------------------------------------------- */

static int bytes_reserve(struct pqw_bytes *b, size_t extra)
{
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

static void bytes_free(struct pqw_bytes *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static int bit_width_of(uint32_t max_value)
{
    int bw = 0;
    while (bw < 32 && (max_value >> bw) != 0) bw++;
    return bw;
}

static int physical_of(enum tep_pq_type type)
{
    switch (type) {
    case TEP_PQ_DOUBLE: return TEP_PQ_PHYS_DOUBLE;
    case TEP_PQ_INT32: return TEP_PQ_PHYS_INT32;
    case TEP_PQ_INT64: return TEP_PQ_PHYS_INT64;
    default: return TEP_PQ_PHYS_BYTE_ARRAY;
    }
}

static int wire_codec_of(enum tep_pq_codec codec)
{
    switch (codec) {
    case TEP_PQ_SNAPPY: return TEP_PQ_WIRE_SNAPPY;
    case TEP_PQ_ZSTD: return TEP_PQ_WIRE_ZSTD;
    default: return TEP_PQ_WIRE_UNCOMPRESSED;
    }
}

static int fixed_width_of(enum tep_pq_type type)
{
    return type == TEP_PQ_INT32 ? 4 : 8;
}

static int fail_nomem(struct tep_pq_writer *w, struct tep_error *err, const char *what)
{
    w->failed = true;
    return tep_error_set_at(err, TEP_ERR_NOMEM, w->path, 0, 0, "out of memory %s", what);
}

static int write_all(struct tep_pq_writer *w, const void *data, size_t len, struct tep_error *err)
{
    if (tep_atomic_write(&w->out, data, len, err) != 0) {
        w->failed = true;
        return -1;
    }
    w->offset += len;
    return 0;
}

/* ---- RLE / bit-packed hybrid encoder (Encodings.md, "RLE = 3") --------- */

static inline uint32_t level_or_index(const void *values, int elem_size, size_t i)
{
    return elem_size == 1 ? ((const uint8_t *)values)[i] : ((const uint32_t *)values)[i];
}

static int put_varint(struct pqw_bytes *out, uint64_t v)
{
    if (bytes_reserve(out, 10)) return -1;
    while (v >= 0x80) {
        out->data[out->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out->data[out->len++] = (uint8_t)v;
    return 0;
}

/* Bit-pack values [start, start+count) in groups of 8 (zero padding at the end),
 * least significant bit first. */
static int put_bit_packed(struct pqw_bytes *out, const void *values, int elem_size, size_t start,
                          size_t count, int bw)
{
    size_t groups = (count + 7) / 8;
    if (put_varint(out, (uint64_t)groups << 1 | 1)) return -1;
    if (bytes_reserve(out, groups * (size_t)bw)) return -1;
    uint64_t acc = 0;
    int nbits = 0;
    for (size_t i = 0; i < groups * 8; i++) {
        uint32_t v = i < count ? level_or_index(values, elem_size, start + i) : 0;
        acc |= (uint64_t)v << nbits;
        nbits += bw;
        while (nbits >= 8) {
            out->data[out->len++] = (uint8_t)acc;
            acc >>= 8;
            nbits -= 8;
        }
    }
    return 0;
}

static int put_rle_run(struct pqw_bytes *out, uint32_t value, size_t count, int bw)
{
    if (put_varint(out, (uint64_t)count << 1)) return -1;
    int nbytes = (bw + 7) / 8;
    if (bytes_reserve(out, (size_t)nbytes)) return -1;
    for (int i = 0; i < nbytes; i++) out->data[out->len++] = (uint8_t)(value >> (8 * i));
    return 0;
}

/* Encode n values (uint8 levels or uint32 indices) with bit width bw: runs of
 * 8 or more equal values become RLE runs, the rest bit-packed groups of 8. */
static int rle_hybrid_encode(struct pqw_bytes *out, const void *values, int elem_size, size_t n,
                             int bw)
{
    size_t i = 0, pending_start = 0, pending = 0;
    while (i < n) {
        uint32_t v = level_or_index(values, elem_size, i);
        size_t j = i + 1;
        while (j < n && level_or_index(values, elem_size, j) == v) j++;
        size_t run = j - i;
        if (run >= 8 && pending % 8 != 0) { /* fill the open bit-packed group first */
            size_t take = 8 - pending % 8;
            pending += take;
            run -= take;
        }
        if (run >= 8) {
            if (pending && put_bit_packed(out, values, elem_size, pending_start, pending, bw))
                return -1;
            if (put_rle_run(out, v, run, bw)) return -1;
            pending = 0;
            pending_start = j;
        } else {
            pending += run;
        }
        i = j;
    }
    if (pending && put_bit_packed(out, values, elem_size, pending_start, pending, bw)) return -1;
    return 0;
}

/* ---- dictionary --------------------------------------------------------- */

static uint64_t hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return hash_u64(h);
}

static void dict_reset(struct pqw_dict *d)
{
    if (d->slots) memset(d->slots, 0, d->nslots * sizeof *d->slots);
    d->nentries = 0;
    d->plain_bytes = 0;
}

static void dict_free(struct pqw_dict *d)
{
    free(d->slots);
    free(d->keys);
    free(d->strs);
    memset(d, 0, sizeof *d);
}

static int dict_grow_entries(struct pqw_dict *d)
{
    if (d->nentries < d->cap_entries) return 0;
    size_t cap = d->cap_entries ? d->cap_entries * 2 : 256;
    uint64_t *k = realloc(d->keys, cap * sizeof *k);
    if (!k) return -1;
    d->keys = k;
    struct pqw_view *s = realloc(d->strs, cap * sizeof *s);
    if (!s) return -1;
    d->strs = s;
    d->cap_entries = cap;
    return 0;
}

/* Rebuild the hash table with twice the slots; `keys` holds each entry's hash
 * for strings and its bit pattern for fixed-width values. */
static int dict_rehash(struct pqw_dict *d, bool strings)
{
    size_t nslots = d->nslots ? d->nslots * 2 : 1024;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots) return -1;
    for (size_t e = 0; e < d->nentries; e++) {
        uint64_t h = strings ? d->keys[e] : hash_u64(d->keys[e]);
        size_t s = (size_t)h & (nslots - 1);
        while (slots[s]) s = (s + 1) & (nslots - 1);
        slots[s] = (uint32_t)(e + 1);
    }
    free(d->slots);
    d->slots = slots;
    d->nslots = nslots;
    return 0;
}

/* Build the dictionary and the index of every non-null value. Returns 1 when
 * built, 0 when it grew past `limit` bytes or past half the values (PLAIN is
 * then used), -1 when out of memory. */
static int dict_build(struct pqw_dict *d, const uint8_t *dense, const struct pqw_view *views,
                      size_t k, int width, size_t limit, uint32_t *indices)
{
    bool strings = views != NULL;
    dict_reset(d);
    size_t max_entries = k / 2 + 64;
    for (size_t i = 0; i < k; i++) {
        if (2 * (d->nentries + 1) > d->nslots && dict_rehash(d, strings)) return -1;
        uint64_t key = 0, h;
        if (strings) {
            h = hash_bytes(views[i].ptr, views[i].len);
        } else {
            memcpy(&key, dense + i * (size_t)width, (size_t)width);
            h = hash_u64(key);
        }
        size_t s = (size_t)h & (d->nslots - 1);
        for (;;) {
            uint32_t e = d->slots[s];
            if (e == 0) break;
            e--;
            if (strings ? d->keys[e] == h && d->strs[e].len == views[i].len &&
                              memcmp(d->strs[e].ptr, views[i].ptr, views[i].len) == 0
                        : d->keys[e] == key)
                break;
            s = (s + 1) & (d->nslots - 1);
        }
        if (d->slots[s]) {
            indices[i] = d->slots[s] - 1;
            continue;
        }
        size_t entry_bytes = strings ? 4 + (size_t)views[i].len : (size_t)width;
        if (d->plain_bytes + entry_bytes > limit || d->nentries + 1 > max_entries) return 0;
        if (dict_grow_entries(d)) return -1;
        d->keys[d->nentries] = strings ? h : key;
        if (strings) d->strs[d->nentries] = views[i];
        d->slots[s] = (uint32_t)(d->nentries + 1);
        indices[i] = (uint32_t)d->nentries;
        d->nentries++;
        d->plain_bytes += entry_bytes;
    }
    return 1;
}

/* ---- pages ------------------------------------------------------------ */

/* Compress `raw` (if a codec is set), then write header + body; account sizes. */
static int emit_page(struct tep_pq_writer *w, int page_type, int32_t num_values, int encoding,
                     const uint8_t *raw, size_t raw_len, struct pqw_chunk *meta,
                     struct tep_error *err)
{
    if (raw_len > PQW_MAX_PAGE_BYTES)
        return tep_error_set_at(err, TEP_ERR_ARG, w->path, 0, 0,
                                "a page of %zu bytes exceeds the Parquet limit of 2 GiB", raw_len);
    const uint8_t *body = raw;
    size_t body_len = raw_len;
    if (w->opt.codec == TEP_PQ_SNAPPY) {
        size_t bound = snappy_max_compressed_length(raw_len);
        w->packed.len = 0;
        if (bytes_reserve(&w->packed, bound)) return fail_nomem(w, err, "compressing a page");
        size_t out_len = bound;
        if (snappy_compress((const char *)raw, raw_len, (char *)w->packed.data, &out_len) !=
            SNAPPY_OK)
            return tep_error_set_at(err, TEP_ERR_INTERNAL, w->path, 0, 0,
                                    "snappy compression of a %zu-byte page failed", raw_len);
        body = w->packed.data;
        body_len = out_len;
    } else if (w->opt.codec == TEP_PQ_ZSTD) {
        size_t bound = ZSTD_compressBound(raw_len);
        w->packed.len = 0;
        if (bytes_reserve(&w->packed, bound)) return fail_nomem(w, err, "compressing a page");
        size_t out_len = ZSTD_compressCCtx(w->zstd, w->packed.data, bound, raw, raw_len,
                                           w->opt.zstd_level);
        if (ZSTD_isError(out_len))
            return tep_error_set_at(err, TEP_ERR_INTERNAL, w->path, 0, 0,
                                    "zstd compression of a %zu-byte page failed: %s", raw_len,
                                    ZSTD_getErrorName(out_len));
        body = w->packed.data;
        body_len = out_len;
    }
    if (body_len > PQW_MAX_PAGE_BYTES)
        return tep_error_set_at(err, TEP_ERR_ARG, w->path, 0, 0,
                                "a compressed page of %zu bytes exceeds 2 GiB", body_len);

    /* PageHeader (parquet.thrift) */
    struct tep_tc_encoder *h = &w->header;
    tep_tc_encoder_reset(h);
    tep_tc_struct_begin(h);
    tep_tc_field_i32(h, 1, page_type);
    tep_tc_field_i32(h, 2, (int32_t)raw_len);
    tep_tc_field_i32(h, 3, (int32_t)body_len);
    if (page_type == TEP_PQ_PAGE_DICTIONARY) {
        tep_tc_field_struct_begin(h, 7); /* DictionaryPageHeader */
        tep_tc_field_i32(h, 1, num_values);
        tep_tc_field_i32(h, 2, TEP_PQ_ENC_PLAIN);
        tep_tc_struct_end(h);
    } else {
        tep_tc_field_struct_begin(h, 5); /* DataPageHeader */
        tep_tc_field_i32(h, 1, num_values);
        tep_tc_field_i32(h, 2, encoding);
        tep_tc_field_i32(h, 3, TEP_PQ_ENC_RLE); /* definition levels */
        tep_tc_field_i32(h, 4, TEP_PQ_ENC_RLE); /* repetition levels (none) */
        tep_tc_struct_end(h);
    }
    tep_tc_struct_end(h);
    if (h->failed) return fail_nomem(w, err, "encoding a page header");

    if (page_type == TEP_PQ_PAGE_DICTIONARY)
        meta->dictionary_page_offset = (int64_t)w->offset;
    else if (meta->data_page_offset < 0)
        meta->data_page_offset = (int64_t)w->offset;
    if (write_all(w, h->data, h->len, err) || write_all(w, body, body_len, err)) return -1;
    meta->uncompressed_size += (int64_t)(h->len + raw_len);
    meta->compressed_size += (int64_t)(h->len + body_len);
    return 0;
}

/* ---- statistics -------------------------------------------------------- */

static int set_stat(uint8_t **dst, size_t *dst_len, const void *src, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    if (!p) return -1;
    if (len) memcpy(p, src, len);
    free(*dst);
    *dst = p;
    *dst_len = len;
    return 0;
}

static int compare_views(const struct pqw_view *a, const struct pqw_view *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->ptr, b->ptr, n) : 0;
    if (c) return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* Min/max of the k non-null values (and the NaN count for doubles). */
static int compute_stats(enum tep_pq_type type, const uint8_t *dense,
                         const struct pqw_view *views, size_t k, struct pqw_chunk *meta)
{
    meta->nan_count = 0;
    if (k == 0) return 0;
    if (type == TEP_PQ_DOUBLE) {
        /* comparisons with NaN are false, so NaNs never become min or max */
        double lo = INFINITY, hi = -INFINITY;
        int64_t nans = 0;
        for (size_t i = 0; i < k; i++) {
            double v;
            memcpy(&v, dense + 8 * i, 8);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            nans += v != v;
        }
        meta->nan_count = nans;
        if (nans == (int64_t)k) return 0; /* only NaNs: no min/max (parquet.thrift ColumnOrder) */
        if (lo == 0.0) lo = -0.0;
        if (hi == 0.0) hi = 0.0;
        meta->has_min_max = true;
        return set_stat(&meta->min, &meta->min_len, &lo, 8) ||
               set_stat(&meta->max, &meta->max_len, &hi, 8);
    }
    if (type == TEP_PQ_INT32) {
        int32_t lo = INT32_MAX, hi = INT32_MIN;
        for (size_t i = 0; i < k; i++) {
            int32_t v;
            memcpy(&v, dense + 4 * i, 4);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        uint8_t b_lo[4], b_hi[4];
        put_le32(b_lo, (uint32_t)lo);
        put_le32(b_hi, (uint32_t)hi);
        meta->has_min_max = true;
        return set_stat(&meta->min, &meta->min_len, b_lo, 4) ||
               set_stat(&meta->max, &meta->max_len, b_hi, 4);
    }
    if (type == TEP_PQ_INT64) {
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (size_t i = 0; i < k; i++) {
            int64_t v;
            memcpy(&v, dense + 8 * i, 8);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        uint8_t b_lo[8], b_hi[8];
        for (int i = 0; i < 8; i++) {
            b_lo[i] = (uint8_t)((uint64_t)lo >> (8 * i));
            b_hi[i] = (uint8_t)((uint64_t)hi >> (8 * i));
        }
        meta->has_min_max = true;
        return set_stat(&meta->min, &meta->min_len, b_lo, 8) ||
               set_stat(&meta->max, &meta->max_len, b_hi, 8);
    }
    size_t lo = 0, hi = 0; /* strings: unsigned byte-wise order */
    for (size_t i = 1; i < k; i++) {
        if (compare_views(&views[i], &views[lo]) < 0) lo = i;
        if (compare_views(&views[i], &views[hi]) > 0) hi = i;
    }
    if (views[lo].len > PQW_STATS_MAX_STRING || views[hi].len > PQW_STATS_MAX_STRING) return 0;
    meta->has_min_max = true;
    return set_stat(&meta->min, &meta->min_len, views[lo].ptr, views[lo].len) ||
           set_stat(&meta->max, &meta->max_len, views[hi].ptr, views[hi].len);
}

/* ---- column chunks ---------------------------------------------------- */

/* Work out which rows are null; fills w->levels (1 = value, 0 = null) for
 * nullable columns. The loops keep everything in locals so they stay tight. */
static int collect_levels(struct tep_pq_writer *w, const struct pqw_column *col,
                          const struct tep_pq_column_data *data, size_t nrows, size_t *nulls,
                          struct tep_error *err)
{
    *nulls = 0;
    uint8_t *levels = NULL;
    if (col->nullable) {
        if (pq_scratch_reserve((void **)&w->levels, &w->levels_cap, nrows ? nrows : 1, 1))
            return fail_nomem(w, err, "for definition levels");
        levels = w->levels;
    }
    const uint8_t *valid = data->valid;
    bool nan_null = col->type == TEP_PQ_DOUBLE && data->nan_is_null;
    bool null_ptr = col->type == TEP_PQ_STRING;
    size_t present = 0;
    if (!levels) { /* required: only look for a null to report */
        for (size_t i = 0; i < nrows; i++) {
            bool is_null = (valid && !valid[i]) ||
                           (nan_null && isnan(((const double *)data->values)[i])) ||
                           (null_ptr && ((const char *const *)data->values)[i] == NULL);
            if (is_null)
                return tep_error_set_at(err, TEP_ERR_ARG, w->path, (long)i + 1, 0,
                                        "column '%s' is required (not nullable) but row %zu is "
                                        "null",
                                        col->name, i + 1);
        }
        return 0;
    }
    if (nan_null) {
        const double *v = data->values;
        for (size_t i = 0; i < nrows; i++) levels[i] = v[i] == v[i];
    } else if (null_ptr) {
        const char *const *v = data->values;
        for (size_t i = 0; i < nrows; i++) levels[i] = v[i] != NULL;
    } else {
        memset(levels, 1, nrows);
    }
    if (valid)
        for (size_t i = 0; i < nrows; i++) levels[i] &= valid[i] != 0;
    for (size_t i = 0; i < nrows; i++) present += levels[i];
    *nulls = nrows - present;
    return 0;
}

static int write_column_chunk(struct tep_pq_writer *w, const struct pqw_column *col,
                              const struct tep_pq_column_data *data, size_t nrows,
                              struct pqw_chunk *meta, struct tep_error *err)
{
    meta->num_values = (int64_t)nrows;
    meta->data_page_offset = -1;
    meta->dictionary_page_offset = -1;
    meta->has_levels = col->nullable;
    if (nrows > 0 && !data->values)
        return tep_error_set_at(err, TEP_ERR_ARG, w->path, 0, 0,
                                "column '%s': no values given", col->name);

    size_t nulls;
    if (collect_levels(w, col, data, nrows, &nulls, err)) return -1;
    meta->null_count = (int64_t)nulls;
    size_t k = nrows - nulls; /* values actually stored */

    /* Gather the non-null values densely (no copy when there are no nulls). */
    bool strings = col->type == TEP_PQ_STRING;
    int width = strings ? 0 : fixed_width_of(col->type);
    const uint8_t *dense = data->values;
    size_t plain_bytes = 0;
    if (strings) {
        if (pq_scratch_reserve((void **)&w->views, &w->views_cap, k ? k : 1, sizeof *w->views))
            return fail_nomem(w, err, "for string values");
        const char *const *sv = data->values;
        size_t j = 0;
        for (size_t i = 0; i < nrows; i++) {
            if (col->nullable && !w->levels[i]) continue;
            size_t len = strlen(sv[i]);
            if (len > (size_t)INT32_MAX)
                return tep_error_set_at(err, TEP_ERR_ARG, w->path, (long)i + 1, 0,
                                        "column '%s': string of %zu bytes is too long",
                                        col->name, len);
            w->views[j].ptr = (const uint8_t *)sv[i];
            w->views[j].len = (uint32_t)len;
            plain_bytes += 4 + len;
            j++;
        }
    } else {
        if (nulls > 0) {
            w->dense.len = 0;
            if (bytes_reserve(&w->dense, (k + 1) * (size_t)width))
                return fail_nomem(w, err, "for column values");
            const uint8_t *src = data->values, *levels = w->levels;
            uint8_t *dst = w->dense.data;
            size_t at = 0;
            if (width == 8) {
                for (size_t i = 0; i < nrows; i++) {
                    memcpy(dst + at, src + 8 * i, 8);
                    at += 8 * (size_t)levels[i];
                }
            } else {
                for (size_t i = 0; i < nrows; i++) {
                    memcpy(dst + at, src + 4 * i, 4);
                    at += 4 * (size_t)levels[i];
                }
            }
            w->dense.len = at;
            dense = w->dense.data;
        }
        plain_bytes = k * (size_t)width;
    }

    if (compute_stats(col->type, dense, w->views, k, meta))
        return fail_nomem(w, err, "for statistics");

    /* Dictionary when enabled for this type and smaller than PLAIN. */
    bool use_dict = false;
    int bw = 0;
    bool try_dict = col->type == TEP_PQ_DOUBLE ? w->opt.dictionary_doubles : w->opt.dictionary;
    if (try_dict && k > 0) {
        if (pq_scratch_reserve((void **)&w->indices, &w->indices_cap, k, sizeof *w->indices))
            return fail_nomem(w, err, "for dictionary indices");
        int built = dict_build(&w->dict, dense, strings ? w->views : NULL, k, width,
                               w->opt.dictionary_limit, w->indices);
        if (built < 0) return fail_nomem(w, err, "for a dictionary");
        if (built) {
            bw = bit_width_of((uint32_t)(w->dict.nentries - 1));
            if (bw == 0) bw = 1;
            size_t dict_cost = w->dict.plain_bytes + (k * (size_t)bw + 7) / 8 + 16;
            use_dict = dict_cost < plain_bytes;
        }
    }

    if (use_dict) { /* dictionary page: the entries, PLAIN */
        w->page.len = 0;
        if (bytes_reserve(&w->page, w->dict.plain_bytes))
            return fail_nomem(w, err, "for a dictionary page");
        for (size_t e = 0; e < w->dict.nentries; e++) {
            uint8_t *p = w->page.data + w->page.len;
            if (strings) {
                put_le32(p, w->dict.strs[e].len);
                memcpy(p + 4, w->dict.strs[e].ptr, w->dict.strs[e].len);
                w->page.len += 4 + w->dict.strs[e].len;
            } else {
                memcpy(p, &w->dict.keys[e], (size_t)width); /* little-endian host */
                w->page.len += (size_t)width;
            }
        }
        if (emit_page(w, TEP_PQ_PAGE_DICTIONARY, (int32_t)w->dict.nentries, TEP_PQ_ENC_PLAIN,
                      w->page.data, w->page.len, meta, err))
            return -1;
    }

    /* Data pages of about opt.page_size bytes each. */
    size_t bytes_per_row =
        nrows ? (use_dict ? ((size_t)bw + 7) / 8 : (plain_bytes + nrows - 1) / nrows) : 1;
    if (bytes_per_row == 0) bytes_per_row = 1;
    size_t rows_per_page = w->opt.page_size / bytes_per_row;
    if (rows_per_page == 0) rows_per_page = 1;
    if (rows_per_page > (size_t)INT32_MAX) rows_per_page = (size_t)INT32_MAX;
    size_t row = 0, value = 0;
    do {
        size_t rows = nrows - row < rows_per_page ? nrows - row : rows_per_page;
        size_t values = rows;
        w->page.len = 0;
        if (col->nullable) { /* definition levels, 4-byte length prefix */
            if (bytes_reserve(&w->page, 4)) return fail_nomem(w, err, "for a page");
            w->page.len = 4;
            if (rle_hybrid_encode(&w->page, w->levels + row, 1, rows, 1))
                return fail_nomem(w, err, "for a page");
            put_le32(w->page.data, (uint32_t)(w->page.len - 4));
            values = 0;
            for (size_t i = row; i < row + rows; i++) values += w->levels[i];
        }
        if (use_dict) {
            if (bytes_reserve(&w->page, 1)) return fail_nomem(w, err, "for a page");
            w->page.data[w->page.len++] = (uint8_t)bw;
            if (rle_hybrid_encode(&w->page, w->indices + value, 4, values, bw))
                return fail_nomem(w, err, "for a page");
        } else if (strings) {
            size_t need = 0;
            for (size_t v = value; v < value + values; v++) need += 4 + w->views[v].len;
            if (bytes_reserve(&w->page, need)) return fail_nomem(w, err, "for a page");
            for (size_t v = value; v < value + values; v++) {
                uint8_t *p = w->page.data + w->page.len;
                put_le32(p, w->views[v].len);
                memcpy(p + 4, w->views[v].ptr, w->views[v].len);
                w->page.len += 4 + w->views[v].len;
            }
        } else {
            size_t n = values * (size_t)width;
            if (bytes_reserve(&w->page, n)) return fail_nomem(w, err, "for a page");
            if (n) memcpy(w->page.data + w->page.len, dense + value * (size_t)width, n);
            w->page.len += n;
        }
        if (emit_page(w, TEP_PQ_PAGE_DATA, (int32_t)rows,
                      use_dict ? TEP_PQ_ENC_RLE_DICTIONARY : TEP_PQ_ENC_PLAIN, w->page.data,
                      w->page.len, meta, err))
            return -1;
        row += rows;
        value += values;
    } while (row < nrows);
    return 0;
}

/* ---- public: open / write / close ------------------------------------- */

void tep_pq_writer_options_default(struct tep_pq_writer_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->codec = TEP_PQ_SNAPPY;
    opt->dictionary = true;
    opt->page_size = PQW_DEFAULT_PAGE_SIZE;
    opt->dictionary_limit = PQW_DEFAULT_DICT_LIMIT;
    opt->sync = true;
}

static void chunk_free(struct pqw_chunk *c)
{
    free(c->min);
    free(c->max);
}

static void writer_free(struct tep_pq_writer *w)
{
    if (!w) return;
    for (size_t c = 0; c < w->ncols; c++) free(w->cols[c].name);
    free(w->cols);
    for (size_t g = 0; g < w->ngroups; g++) {
        for (size_t c = 0; c < w->ncols; c++) chunk_free(&w->groups[g].chunks[c]);
        free(w->groups[g].chunks);
    }
    free(w->groups);
    for (size_t i = 0; i < w->nkv; i++) {
        free(w->kv_keys[i]);
        free(w->kv_values[i]);
    }
    free(w->kv_keys);
    free(w->kv_values);
    free(w->created_by);
    free(w->levels);
    bytes_free(&w->dense);
    free(w->views);
    free(w->indices);
    bytes_free(&w->page);
    bytes_free(&w->packed);
    tep_tc_encoder_free(&w->header);
    dict_free(&w->dict);
    ZSTD_freeCCtx(w->zstd);
    free(w->frame_run_ids);
    free(w->path);
    free(w);
}

struct tep_pq_writer *tep_pq_writer_open(const char *path, const struct tep_pq_column_def *cols,
                                         size_t ncols, const struct tep_pq_writer_options *opt,
                                         struct tep_error *err)
{
    struct tep_pq_writer *w = NULL;
    if (!path || !*path) {
        tep_error_set(err, TEP_ERR_ARG, "Parquet writer: empty output path");
        return NULL;
    }
    if (ncols == 0 || !cols) {
        tep_error_set_at(err, TEP_ERR_ARG, path, 0, 0, "a Parquet file needs at least one column");
        return NULL;
    }
    w = calloc(1, sizeof *w);
    if (!w) goto nomem;
    w->out.fd = -1;
    tep_tc_encoder_init(&w->header);
    if (opt)
        w->opt = *opt;
    else
        tep_pq_writer_options_default(&w->opt);
    if (w->opt.page_size == 0) w->opt.page_size = PQW_DEFAULT_PAGE_SIZE;
    if (w->opt.dictionary_limit == 0) w->opt.dictionary_limit = PQW_DEFAULT_DICT_LIMIT;
    if (w->opt.codec != TEP_PQ_UNCOMPRESSED && w->opt.codec != TEP_PQ_SNAPPY &&
        w->opt.codec != TEP_PQ_ZSTD) {
        tep_error_set_at(err, TEP_ERR_UNSUPPORTED, path, 0, 0,
                         "Parquet codec %d is not supported (UNCOMPRESSED, SNAPPY, ZSTD)",
                         (int)w->opt.codec);
        goto fail;
    }
    if (w->opt.zstd_level == 0) w->opt.zstd_level = ZSTD_CLEVEL_DEFAULT;
    if (w->opt.zstd_level < ZSTD_minCLevel() || w->opt.zstd_level > ZSTD_maxCLevel()) {
        tep_error_set_at(err, TEP_ERR_ARG, path, 0, 0, "zstd level %d is outside %d..%d",
                         w->opt.zstd_level, ZSTD_minCLevel(), ZSTD_maxCLevel());
        goto fail;
    }
    w->path = strdup(path);
    w->created_by = strdup(w->opt.created_by ? w->opt.created_by : "tep parquet writer");
    w->cols = calloc(ncols, sizeof *w->cols);
    if (!w->path || !w->created_by || !w->cols) goto nomem;
    w->opt.created_by = NULL; /* the caller's string may not outlive open */
    for (size_t c = 0; c < ncols; c++) {
        if (!cols[c].name || !*cols[c].name) {
            tep_error_set_at(err, TEP_ERR_ARG, path, 0, (long)c + 1,
                             "Parquet column %zu has an empty name", c + 1);
            goto fail;
        }
        if ((int)cols[c].type < TEP_PQ_DOUBLE || cols[c].type > TEP_PQ_STRING) {
            tep_error_set_at(err, TEP_ERR_ARG, path, 0, (long)c + 1,
                             "Parquet column '%s': type %d cannot be written", cols[c].name,
                             (int)cols[c].type);
            goto fail;
        }
        for (size_t d = 0; d < c; d++)
            if (strcmp(cols[d].name, cols[c].name) == 0) {
                tep_error_set_at(err, TEP_ERR_ARG, path, 0, (long)c + 1,
                                 "duplicate Parquet column name '%s'", cols[c].name);
                goto fail;
            }
        w->cols[c].name = strdup(cols[c].name);
        if (!w->cols[c].name) goto nomem;
        w->cols[c].type = cols[c].type;
        w->cols[c].nullable = cols[c].nullable;
        w->ncols = c + 1;
    }
    if (w->opt.codec == TEP_PQ_ZSTD && !(w->zstd = ZSTD_createCCtx())) goto nomem;
    if (tep_atomic_open(&w->out, path, TEP_ATOMIC_FD_ONLY | (w->opt.sync ? 0 : TEP_ATOMIC_NO_SYNC),
                        err) != 0)
        goto fail;
    if (write_all(w, "PAR1", 4, err)) goto fail;
    return w;
nomem:
    tep_error_set_at(err, TEP_ERR_NOMEM, path, 0, 0, "out of memory opening a Parquet writer");
fail:
    tep_pq_writer_abort(w);
    return NULL;
}

const char *tep_pq_writer_temp_path(const struct tep_pq_writer *w)
{
    return w ? w->out.temp_path : NULL;
}

int tep_pq_write_row_group(struct tep_pq_writer *w, const struct tep_pq_column_data *cols,
                           size_t nrows, struct tep_error *err)
{
    struct pqw_chunk *chunks = NULL;
    if (w->failed)
        return tep_error_set_at(err, TEP_ERR_ARG, w->path, 0, 0,
                                "Parquet writer already failed; abort it");
    if (!cols) return tep_error_set_at(err, TEP_ERR_ARG, w->path, 0, 0, "no column data given");
    if (nrows > (size_t)INT64_MAX / 2)
        return tep_error_set_at(err, TEP_ERR_ARG, w->path, 0, 0, "too many rows (%zu)", nrows);
    if (w->ngroups == w->cap_groups) {
        size_t cap = w->cap_groups ? w->cap_groups * 2 : 8;
        struct pqw_row_group *g = realloc(w->groups, cap * sizeof *g);
        if (!g) return fail_nomem(w, err, "for row group metadata");
        w->groups = g;
        w->cap_groups = cap;
    }
    chunks = calloc(w->ncols, sizeof *chunks);
    if (!chunks) return fail_nomem(w, err, "for row group metadata");
    int64_t start = (int64_t)w->offset;
    for (size_t c = 0; c < w->ncols; c++) {
        if (write_column_chunk(w, &w->cols[c], &cols[c], nrows, &chunks[c], err)) {
            w->failed = true; /* the file now holds a partial row group */
            goto fail;
        }
    }
    struct pqw_row_group *g = &w->groups[w->ngroups++];
    g->num_rows = (int64_t)nrows;
    g->file_offset = start;
    g->total_uncompressed = 0;
    g->total_compressed = 0;
    for (size_t c = 0; c < w->ncols; c++) {
        g->total_uncompressed += chunks[c].uncompressed_size;
        g->total_compressed += chunks[c].compressed_size;
    }
    g->chunks = chunks;
    w->total_rows += (int64_t)nrows;
    return 0;
fail:
    for (size_t c = 0; c < w->ncols; c++) chunk_free(&chunks[c]);
    free(chunks);
    return -1;
}

int tep_pq_writer_add_metadata(struct tep_pq_writer *w, const char *key, const char *value,
                               struct tep_error *err)
{
    if (!key || !*key)
        return tep_error_set_at(err, TEP_ERR_ARG, w->path, 0, 0, "empty metadata key");
    if (w->nkv == w->cap_kv) {
        size_t cap = w->cap_kv ? w->cap_kv * 2 : 8;
        char **k = realloc(w->kv_keys, cap * sizeof *k);
        if (!k) return fail_nomem(w, err, "for metadata");
        w->kv_keys = k;
        char **v = realloc(w->kv_values, cap * sizeof *v);
        if (!v) return fail_nomem(w, err, "for metadata");
        w->kv_values = v;
        w->cap_kv = cap;
    }
    char *k = strdup(key);
    char *v = strdup(value ? value : "");
    if (!k || !v) {
        free(k);
        free(v);
        return fail_nomem(w, err, "for metadata");
    }
    w->kv_keys[w->nkv] = k;
    w->kv_values[w->nkv] = v;
    w->nkv++;
    return 0;
}

static void encode_statistics(struct tep_tc_encoder *e, const struct pqw_column *col,
                              const struct pqw_chunk *c)
{
    tep_tc_field_struct_begin(e, 12); /* ColumnMetaData.statistics */
    bool numeric = col->type != TEP_PQ_STRING;
    if (c->has_min_max && numeric) { /* deprecated min/max: signed order = type order */
        tep_tc_field_binary(e, 1, c->max, c->max_len);
        tep_tc_field_binary(e, 2, c->min, c->min_len);
    }
    tep_tc_field_i64(e, 3, c->null_count);
    if (c->has_min_max) {
        tep_tc_field_binary(e, 5, c->max, c->max_len);
        tep_tc_field_binary(e, 6, c->min, c->min_len);
        tep_tc_field_bool(e, 7, true);
        tep_tc_field_bool(e, 8, true);
    }
    if (col->type == TEP_PQ_DOUBLE) tep_tc_field_i64(e, 9, c->nan_count);
    tep_tc_struct_end(e);
}

static void encode_footer(const struct tep_pq_writer *w, struct tep_tc_encoder *e)
{
    tep_tc_struct_begin(e); /* FileMetaData */
    tep_tc_field_i32(e, 1, 2);
    tep_tc_field_list_begin(e, 2, TEP_TC_STRUCT, w->ncols + 1); /* schema */
    tep_tc_struct_begin(e);
    tep_tc_field_string(e, 4, "schema");
    tep_tc_field_i32(e, 5, (int32_t)w->ncols);
    tep_tc_struct_end(e);
    for (size_t c = 0; c < w->ncols; c++) {
        const struct pqw_column *col = &w->cols[c];
        tep_tc_struct_begin(e); /* SchemaElement */
        tep_tc_field_i32(e, 1, physical_of(col->type));
        tep_tc_field_i32(e, 3, col->nullable ? TEP_PQ_OPTIONAL : TEP_PQ_REQUIRED);
        tep_tc_field_string(e, 4, col->name);
        if (col->type == TEP_PQ_STRING) {
            tep_tc_field_i32(e, 6, TEP_PQ_CONVERTED_UTF8);
            tep_tc_field_struct_begin(e, 10); /* LogicalType union */
            tep_tc_field_struct_begin(e, 1);  /* STRING: StringType {} */
            tep_tc_struct_end(e);
            tep_tc_struct_end(e);
        }
        tep_tc_struct_end(e);
    }
    tep_tc_field_i64(e, 3, w->total_rows);
    tep_tc_field_list_begin(e, 4, TEP_TC_STRUCT, w->ngroups);
    for (size_t g = 0; g < w->ngroups; g++) {
        const struct pqw_row_group *rg = &w->groups[g];
        tep_tc_struct_begin(e); /* RowGroup */
        tep_tc_field_list_begin(e, 1, TEP_TC_STRUCT, w->ncols);
        for (size_t c = 0; c < w->ncols; c++) {
            const struct pqw_column *col = &w->cols[c];
            const struct pqw_chunk *ch = &rg->chunks[c];
            int64_t chunk_start =
                ch->dictionary_page_offset >= 0 ? ch->dictionary_page_offset : ch->data_page_offset;
            tep_tc_struct_begin(e); /* ColumnChunk */
            tep_tc_field_i64(e, 2, chunk_start);
            tep_tc_field_struct_begin(e, 3); /* ColumnMetaData */
            tep_tc_field_i32(e, 1, physical_of(col->type));
            bool dict = ch->dictionary_page_offset >= 0;
            size_t nenc = 1 + (ch->has_levels ? 1 : 0) + (dict ? 1 : 0);
            tep_tc_field_list_begin(e, 2, TEP_TC_I32, nenc);
            tep_tc_elem_i32(e, TEP_PQ_ENC_PLAIN); /* values or dictionary page */
            if (ch->has_levels) tep_tc_elem_i32(e, TEP_PQ_ENC_RLE);
            if (dict) tep_tc_elem_i32(e, TEP_PQ_ENC_RLE_DICTIONARY);
            tep_tc_field_list_begin(e, 3, TEP_TC_BINARY, 1);
            tep_tc_elem_string(e, col->name);
            tep_tc_field_i32(e, 4, wire_codec_of(w->opt.codec));
            tep_tc_field_i64(e, 5, ch->num_values);
            tep_tc_field_i64(e, 6, ch->uncompressed_size);
            tep_tc_field_i64(e, 7, ch->compressed_size);
            tep_tc_field_i64(e, 9, ch->data_page_offset);
            if (dict) tep_tc_field_i64(e, 11, ch->dictionary_page_offset);
            encode_statistics(e, col, ch);
            tep_tc_struct_end(e); /* ColumnMetaData */
            tep_tc_struct_end(e); /* ColumnChunk */
        }
        tep_tc_field_i64(e, 2, rg->total_uncompressed);
        tep_tc_field_i64(e, 3, rg->num_rows);
        tep_tc_field_i64(e, 5, rg->file_offset);
        tep_tc_field_i64(e, 6, rg->total_compressed);
        tep_tc_struct_end(e);
    }
    if (w->nkv) {
        tep_tc_field_list_begin(e, 5, TEP_TC_STRUCT, w->nkv);
        for (size_t i = 0; i < w->nkv; i++) {
            tep_tc_struct_begin(e); /* KeyValue */
            tep_tc_field_string(e, 1, w->kv_keys[i]);
            tep_tc_field_string(e, 2, w->kv_values[i]);
            tep_tc_struct_end(e);
        }
    }
    tep_tc_field_string(e, 6, w->created_by);
    tep_tc_field_list_begin(e, 7, TEP_TC_STRUCT, w->ncols); /* column_orders */
    for (size_t c = 0; c < w->ncols; c++) {
        tep_tc_struct_begin(e);          /* ColumnOrder union */
        tep_tc_field_struct_begin(e, 1); /* TYPE_ORDER: TypeDefinedOrder {} */
        tep_tc_struct_end(e);
        tep_tc_struct_end(e);
    }
    tep_tc_struct_end(e);
}

int tep_pq_writer_close(struct tep_pq_writer *w, struct tep_error *err)
{
    if (!w) return tep_error_set(err, TEP_ERR_ARG, "Parquet writer is NULL");
    struct tep_tc_encoder footer;
    tep_tc_encoder_init(&footer);
    if (w->failed) {
        tep_error_set_at(err, TEP_ERR_ARG, w->path, 0, 0,
                         "Parquet writer failed earlier; the file was not written");
        goto fail;
    }
    encode_footer(w, &footer);
    if (footer.failed || footer.len > UINT32_MAX) {
        tep_error_set_at(err, TEP_ERR_NOMEM, w->path, 0, 0, "cannot encode the Parquet footer");
        goto fail;
    }
    uint8_t tail[8];
    put_le32(tail, (uint32_t)footer.len);
    memcpy(tail + 4, "PAR1", 4);
    if (write_all(w, footer.data, footer.len, err) || write_all(w, tail, 8, err)) goto fail;
    if (tep_atomic_commit(&w->out, err) != 0) goto fail;
    tep_tc_encoder_free(&footer);
    writer_free(w);
    return 0;
fail:
    tep_tc_encoder_free(&footer);
    tep_pq_writer_abort(w);
    return -1;
}

void tep_pq_writer_abort(struct tep_pq_writer *w)
{
    if (!w) return;
    tep_atomic_discard(&w->out);
    writer_free(w);
}

/* ---- frames ----------------------------------------------------------- */

struct tep_pq_writer *tep_pq_writer_open_frame(const char *path, const struct tep_frame *schema,
                                               const struct tep_pq_writer_options *opt,
                                               struct tep_error *err)
{
    size_t ncols = 4 + schema->ncols;
    struct tep_pq_column_def *defs = calloc(ncols, sizeof *defs);
    if (!defs) {
        tep_error_set_at(err, TEP_ERR_NOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    defs[0] = (struct tep_pq_column_def){TEP_PQ_COL_RUN_ID, TEP_PQ_STRING, false};
    defs[1] = (struct tep_pq_column_def){TEP_PQ_COL_SAMPLE, TEP_PQ_INT64, false};
    defs[2] = (struct tep_pq_column_def){TEP_PQ_COL_TIME_H, TEP_PQ_DOUBLE, false};
    defs[3] = (struct tep_pq_column_def){TEP_PQ_COL_FAULT, TEP_PQ_INT32, false};
    for (size_t c = 0; c < schema->ncols; c++)
        defs[4 + c] = (struct tep_pq_column_def){schema->cols[c].name, TEP_PQ_DOUBLE, true};
    struct tep_pq_writer *w = tep_pq_writer_open(path, defs, ncols, opt, err);
    free(defs);
    return w;
}

int tep_pq_write_frame(struct tep_pq_writer *w, const struct tep_frame *frame,
                       struct tep_error *err)
{
    struct tep_pq_column_data *data = NULL;
    if (w->ncols != 4 + frame->ncols)
        return tep_error_set_at(err, TEP_ERR_ARG, w->path, 0, 0,
                                "frame has %zu value columns, the Parquet writer expects %zu",
                                frame->ncols, w->ncols >= 4 ? w->ncols - 4 : 0);
    for (size_t c = 0; c < frame->ncols; c++)
        if (strcmp(w->cols[4 + c].name, frame->cols[c].name) != 0 ||
            w->cols[4 + c].type != TEP_PQ_DOUBLE)
            return tep_error_set_at(err, TEP_ERR_ARG, w->path, 0, (long)(5 + c),
                                    "frame column %zu is '%s', the Parquet writer expects '%s'",
                                    c + 1, frame->cols[c].name, w->cols[4 + c].name);
    if (pq_scratch_reserve((void **)&w->frame_run_ids, &w->frame_run_ids_cap,
                           frame->nrows ? frame->nrows : 1, sizeof *w->frame_run_ids))
        return fail_nomem(w, err, "for run ids");
    for (size_t i = 0; i < frame->nrows; i++) w->frame_run_ids[i] = frame->run_id;
    data = calloc(w->ncols, sizeof *data);
    if (!data) return fail_nomem(w, err, "for frame columns");
    data[0].values = w->frame_run_ids;
    data[1].values = frame->sample;
    data[2].values = frame->time_h;
    data[3].values = frame->fault;
    for (size_t c = 0; c < frame->ncols; c++) {
        data[4 + c].values = frame->cols[c].data;
        data[4 + c].nan_is_null = true;
    }
    int rc = tep_pq_write_row_group(w, data, frame->nrows, err);
    free(data);
    return rc;
}
