/* parquet_internal.h - helpers shared by the Parquet reader and writer (not public API;
 * parquet.h is the module's interface), and the reader's internal types.
 *
 * Both keep scratch arrays (levels, dictionary indices, value views) that grow to the
 * largest page or chunk seen and are reused; pq_scratch_reserve is how they grow.
 * The reader is four files sharing the types below: parquet_read.c (the public reader
 * API: open, accessors, typed reads, frames), parquet_footer.c (FileMetaData parsing and
 * validation), parquet_pages.c (page headers, decompression, levels, pages V1/V2) and
 * parquet_encodings.c (PLAIN, dictionary, RLE/bit-packed hybrid, DELTA_*, BYTE_STREAM_SPLIT).
 */
#ifndef TEP_IO_PARQUET_INTERNAL_H
#define TEP_IO_PARQUET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <zstd.h>

#include "parquet.h"
#include "thrift_compact.h"

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

/* ---- the reader's internals ------------------------------------------ */

/* PLAIN values are little-endian: the reader loads them as host values. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the Parquet reader assumes a little-endian host"
#endif

/* ---- decoded footer --------------------------------------------------- */

struct pqr_chunk {
    bool has_meta;
    bool external; /* file_path set: data in another file */
    bool encrypted;
    int physical_type;
    int codec;
    int64_t num_values;
    int64_t total_compressed;
    int64_t data_page_offset;
    int64_t dictionary_page_offset; /* -1: absent */
    bool has_type, has_codec, has_num_values, has_compressed, has_data_offset;
    /* statistics (min/max copied with a NUL so strings can be handed out) */
    bool has_null_count, has_nan_count;
    int64_t null_count, nan_count;
    char *min, *max; /* min_value/max_value, else deprecated min/max */
    size_t min_len, max_len;
    bool min_is_legacy, max_is_legacy;
};

struct pqr_row_group {
    int64_t num_rows;
    bool has_num_rows;
    struct pqr_chunk *chunks;
    size_t nchunks;
};

struct pqr_schema_element {
    char *name;
    bool has_type, has_repetition;
    int type;
    int repetition;
    int32_t num_children;
    int converted_type; /* -1: absent */
    bool logical_string;
};

struct pqr_view {
    const uint8_t *ptr;
    uint32_t len;
};

struct tep_pq_reader {
    char *path;
    const uint8_t *map;
    size_t size;
    uint64_t footer_start; /* first byte of FileMetaData */
    struct pqr_schema_element *schema;
    size_t nschema;
    struct tep_pq_column_info *cols; /* the leaves, schema[1..] */
    size_t ncols;
    struct pqr_row_group *groups;
    size_t ngroups;
    int64_t num_rows;
    char *created_by;
    char **kv_keys, **kv_values;
    size_t nkv;
    /* scratch reused across reads */
    uint8_t *page_buf;
    size_t page_cap;
    uint8_t *values_buf; /* V2: decompressed values section */
    size_t values_cap;
    uint8_t *dict_buf;
    size_t dict_cap;
    uint8_t *levels;
    size_t levels_cap;
    uint32_t *indices;
    size_t indices_cap;
    uint8_t *gather; /* dictionary values gathered densely */
    size_t gather_cap;
    struct pqr_view *views;
    size_t views_cap;
    struct pqr_view *dict_views;
    size_t dict_views_cap;
    ZSTD_DCtx *zstd;
};

/* The little-endian 32-bit value at p (lengths and INT32 values in the file). */
static inline uint32_t pq_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* parquet_read.c: a fresh NUL-terminated copy of n bytes (NULL when out of memory), and
 * the names of encodings and physical types for messages. */
char *pqr_dup_bytes(const uint8_t *p, size_t n);
const char *pqr_encoding_name(int enc);
const char *pqr_physical_name(int type);

/* parquet_footer.c: decode the FileMetaData into r (schema, row groups, key-value
 * metadata, created_by), then check it once (flat schema, chunks inside the data area,
 * row counts consistent) and fill r->cols. Both return 0 or -1 with err set. */
int pqr_parse_file_metadata(struct tep_tc_decoder *d, struct tep_pq_reader *r);
int pqr_validate_footer(struct tep_pq_reader *r, struct tep_error *err);
/* First byte of a chunk: its dictionary page when there is one before the data. */
int64_t pqr_chunk_start(const struct pqr_chunk *c);

/* ---- column chunk decoding --------------------------------------------- */

enum pqr_sink_kind {
    SINK_DOUBLE,      /* double *, null -> NaN */
    SINK_INT32,       /* int32_t * + optional valid */
    SINK_INT64,       /* int64_t * + optional valid */
    SINK_STRING,      /* char ** malloc'd copies, null -> NULL */
    SINK_SAME_STRING, /* every row must hold the same string: copied to `same` */
};

/* Where decoded values go, and the state of one column chunk being read. */
struct pqr_sink {
    enum pqr_sink_kind kind;
    void *out;
    uint8_t *valid;
    char *same;      /* SINK_SAME_STRING: buffer of same_cap bytes */
    size_t same_cap;
    bool same_seen;
};

struct pqr_chunk_ctx {
    struct tep_pq_reader *r;
    size_t row_group, col;
    const struct tep_pq_column_info *info;
    const struct pqr_chunk *chunk;
    uint64_t page_offset; /* file offset of the current page header */
    struct tep_error *err;
    /* dictionary of the chunk */
    bool has_dict;
    size_t dict_n;
    const uint8_t *dict_fixed; /* fixed-width entries */
};

/* parquet_pages.c: fail with a message naming the file, row group, column and page
 * offset of x (code TEP_ERR_PARSE: "corrupt ...", else "unsupported ..."); returns -1. */
int pqr_chunk_fail(struct pqr_chunk_ctx *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Decode column `col` of row group `rg` into `sink`. */
int pqr_read_chunk(struct tep_pq_reader *r, size_t rg, size_t col, struct pqr_sink *sink,
                   struct tep_error *err);

/* parquet_encodings.c: `count` RLE/bit-packed hybrid values of width `bw` from [p, end)
 * into `out` (uint8 when elem_size is 1, else uint32); the chunk's dictionary page; the
 * values section [p, end) of a data page of n rows, k of them non-null, scattered into
 * the sink at `row` (`levels` says which rows are non-null). */
int pqr_rle_hybrid_decode(struct pqr_chunk_ctx *x, const char *what, const uint8_t *p,
                          const uint8_t *end, int bw, size_t count, void *out, int elem_size);
int pqr_dictionary_page(struct pqr_chunk_ctx *x, const uint8_t *data, size_t len,
                        int32_t num_values, int encoding);
int pqr_page_values(struct pqr_chunk_ctx *x, struct pqr_sink *sink, int encoding, const uint8_t *p,
                    const uint8_t *end, size_t row, size_t n, size_t k, const uint8_t *levels);

#endif
