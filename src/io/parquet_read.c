/* parquet_read.c - the Parquet reader (see parquet.h for the API and scope).
 *
 * The file is mapped read-only; the footer (FileMetaData, Thrift compact) is
 * decoded into plain structs and validated once: flat schema, every column
 * chunk inside the data area, row counts consistent. Column reads then walk
 * the chunk's pages (dictionary page, data pages V1 and V2), decompress each
 * (SNAPPY, ZSTD), decode definition levels (RLE/bit-packed hybrid) and
 * values (PLAIN or dictionary indices), and scatter them into the caller's
 * array. Every length and offset read from the file is checked before use,
 * so a corrupt or truncated file yields a TEP_ERR_PARSE error naming the
 * file, the row group, the column and the byte offset - never a crash.
 * Facts: parquet-format README.md, parquet.thrift and Encodings.md.
 */
#include "parquet.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <snappy-c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_decompressBound (exported since zstd 1.4) */
#include <zstd.h>

#include "core/catalog.h"
#include "parquet_internal.h"
#include "thrift_compact.h"

/* PLAIN values are little-endian: this reader loads them as host values. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "parquet_read.c assumes a little-endian host"
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

/* ---- small helpers ---------------------------------------------------- */

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static char *dup_bytes(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) return NULL;
    if (n) memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static const char *codec_name(int codec)
{
    static const char *const names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP",    "LZO",
                                        "BROTLI",       "LZ4",    "ZSTD",    "LZ4_RAW"};
    return codec >= 0 && codec < 8 ? names[codec] : "unknown";
}

static const char *encoding_name(int enc)
{
    switch (enc) {
    case TEP_PQ_ENC_PLAIN: return "PLAIN";
    case TEP_PQ_ENC_PLAIN_DICTIONARY: return "PLAIN_DICTIONARY";
    case TEP_PQ_ENC_RLE: return "RLE";
    case TEP_PQ_ENC_BIT_PACKED: return "BIT_PACKED";
    case TEP_PQ_ENC_DELTA_BINARY_PACKED: return "DELTA_BINARY_PACKED";
    case TEP_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY: return "DELTA_LENGTH_BYTE_ARRAY";
    case TEP_PQ_ENC_DELTA_BYTE_ARRAY: return "DELTA_BYTE_ARRAY";
    case TEP_PQ_ENC_RLE_DICTIONARY: return "RLE_DICTIONARY";
    case TEP_PQ_ENC_BYTE_STREAM_SPLIT: return "BYTE_STREAM_SPLIT";
    default: return "unknown";
    }
}

static const char *physical_name(int type)
{
    static const char *const names[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                        "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    return type >= 0 && type < 8 ? names[type] : "unknown";
}

/* ---- footer parsing ---------------------------------------------------- */

/* Read a binary field as a fresh NUL-terminated string into *dst. */
static int read_string_field(struct tep_tc_decoder *d, int type, const char *name, char **dst)
{
    const uint8_t *p;
    size_t n;
    if (tep_tc_read_binary(d, type, name, &p, &n)) return -1;
    char *s = dup_bytes(p, n);
    if (!s) return tep_error_set(d->err, TEP_ERR_NOMEM, "out of memory reading %s", name);
    free(*dst);
    *dst = s;
    return 0;
}

static int parse_statistics(struct tep_tc_decoder *d, int type, struct pqr_chunk *c)
{
    if (tep_tc_read_struct_begin(d, type, "ColumnMetaData.statistics")) return -1;
    int16_t last = 0;
    struct tep_tc_field f;
    for (;;) {
        if (tep_tc_read_field(d, &last, &f)) return -1;
        if (f.type == TEP_TC_STOP) break;
        const uint8_t *p;
        size_t n;
        switch (f.id) {
        case 1: /* deprecated max: kept only when max_value is absent */
        case 5:
            if (tep_tc_read_binary(d, f.type, f.id == 1 ? "Statistics.max" : "Statistics.max_value",
                                   &p, &n))
                return -1;
            if (f.id == 5 || !c->max || c->max_is_legacy) {
                free(c->max);
                if (!(c->max = dup_bytes(p, n))) goto nomem;
                c->max_len = n;
                c->max_is_legacy = f.id == 1;
            }
            break;
        case 2:
        case 6:
            if (tep_tc_read_binary(d, f.type, f.id == 2 ? "Statistics.min" : "Statistics.min_value",
                                   &p, &n))
                return -1;
            if (f.id == 6 || !c->min || c->min_is_legacy) {
                free(c->min);
                if (!(c->min = dup_bytes(p, n))) goto nomem;
                c->min_len = n;
                c->min_is_legacy = f.id == 2;
            }
            break;
        case 3:
            if (tep_tc_read_i64(d, f.type, "Statistics.null_count", &c->null_count)) return -1;
            c->has_null_count = true;
            break;
        case 9:
            if (tep_tc_read_i64(d, f.type, "Statistics.nan_count", &c->nan_count)) return -1;
            c->has_nan_count = true;
            break;
        default:
            if (tep_tc_skip(d, f.type)) return -1;
        }
    }
    tep_tc_struct_end_read(d);
    return 0;
nomem:
    return tep_error_set(d->err, TEP_ERR_NOMEM, "out of memory reading statistics");
}

static int parse_column_meta(struct tep_tc_decoder *d, int type, struct pqr_chunk *c)
{
    if (tep_tc_read_struct_begin(d, type, "ColumnChunk.meta_data")) return -1;
    int16_t last = 0;
    struct tep_tc_field f;
    int32_t v32;
    for (;;) {
        if (tep_tc_read_field(d, &last, &f)) return -1;
        if (f.type == TEP_TC_STOP) break;
        switch (f.id) {
        case 1:
            if (tep_tc_read_i32(d, f.type, "ColumnMetaData.type", &v32)) return -1;
            c->physical_type = v32;
            c->has_type = true;
            break;
        case 4:
            if (tep_tc_read_i32(d, f.type, "ColumnMetaData.codec", &v32)) return -1;
            c->codec = v32;
            c->has_codec = true;
            break;
        case 5:
            if (tep_tc_read_i64(d, f.type, "ColumnMetaData.num_values", &c->num_values)) return -1;
            c->has_num_values = true;
            break;
        case 7:
            if (tep_tc_read_i64(d, f.type, "ColumnMetaData.total_compressed_size",
                                &c->total_compressed))
                return -1;
            c->has_compressed = true;
            break;
        case 9:
            if (tep_tc_read_i64(d, f.type, "ColumnMetaData.data_page_offset",
                                &c->data_page_offset))
                return -1;
            c->has_data_offset = true;
            break;
        case 11:
            if (tep_tc_read_i64(d, f.type, "ColumnMetaData.dictionary_page_offset",
                                &c->dictionary_page_offset))
                return -1;
            break;
        case 12:
            if (parse_statistics(d, f.type, c)) return -1;
            break;
        default: /* encodings, path_in_schema, sizes, ...: not needed */
            if (tep_tc_skip(d, f.type)) return -1;
        }
    }
    tep_tc_struct_end_read(d);
    if (!c->has_type || !c->has_codec || !c->has_num_values || !c->has_compressed ||
        !c->has_data_offset)
        return tep_tc_fail(d, "ColumnMetaData lacks a required field (type, codec, num_values, "
                              "total_compressed_size or data_page_offset)");
    return 0;
}

static int parse_column_chunk(struct tep_tc_decoder *d, int type, struct pqr_chunk *c)
{
    if (tep_tc_read_struct_begin(d, type, "RowGroup.columns[]")) return -1;
    int16_t last = 0;
    struct tep_tc_field f;
    c->dictionary_page_offset = -1;
    for (;;) {
        if (tep_tc_read_field(d, &last, &f)) return -1;
        if (f.type == TEP_TC_STOP) break;
        switch (f.id) {
        case 1:
            c->external = true;
            if (tep_tc_skip(d, f.type)) return -1;
            break;
        case 3:
            if (parse_column_meta(d, f.type, c)) return -1;
            c->has_meta = true;
            break;
        case 8:
        case 9:
            c->encrypted = true;
            if (tep_tc_skip(d, f.type)) return -1;
            break;
        default:
            if (tep_tc_skip(d, f.type)) return -1;
        }
    }
    tep_tc_struct_end_read(d);
    return 0;
}

static int parse_row_group(struct tep_tc_decoder *d, int type, struct pqr_row_group *g)
{
    if (tep_tc_read_struct_begin(d, type, "FileMetaData.row_groups[]")) return -1;
    int16_t last = 0;
    struct tep_tc_field f;
    bool has_columns = false;
    for (;;) {
        if (tep_tc_read_field(d, &last, &f)) return -1;
        if (f.type == TEP_TC_STOP) break;
        if (f.id == 1 && !has_columns) {
            int elem;
            size_t n;
            if (tep_tc_read_list_begin(d, f.type, "RowGroup.columns", &elem, &n)) return -1;
            g->chunks = calloc(n ? n : 1, sizeof *g->chunks);
            if (!g->chunks) return tep_error_set(d->err, TEP_ERR_NOMEM, "out of memory");
            for (size_t i = 0; i < n; i++) {
                g->nchunks = i + 1; /* so the reader frees what was parsed */
                g->chunks[i].dictionary_page_offset = -1;
                if (parse_column_chunk(d, elem, &g->chunks[i])) return -1;
            }
            g->nchunks = n;
            has_columns = true;
        } else if (f.id == 3) {
            if (tep_tc_read_i64(d, f.type, "RowGroup.num_rows", &g->num_rows)) return -1;
            g->has_num_rows = true;
        } else if (tep_tc_skip(d, f.type)) {
            return -1;
        }
    }
    tep_tc_struct_end_read(d);
    if (!has_columns || !g->has_num_rows)
        return tep_tc_fail(d, "RowGroup lacks its columns or num_rows");
    return 0;
}

static int parse_logical_type(struct tep_tc_decoder *d, int type, struct pqr_schema_element *e)
{
    if (tep_tc_read_struct_begin(d, type, "SchemaElement.logicalType")) return -1;
    int16_t last = 0;
    struct tep_tc_field f;
    for (;;) {
        if (tep_tc_read_field(d, &last, &f)) return -1;
        if (f.type == TEP_TC_STOP) break;
        if (f.id == 1) e->logical_string = true;
        if (tep_tc_skip(d, f.type)) return -1;
    }
    tep_tc_struct_end_read(d);
    return 0;
}

static int parse_schema_element(struct tep_tc_decoder *d, int type, struct pqr_schema_element *e)
{
    if (tep_tc_read_struct_begin(d, type, "FileMetaData.schema[]")) return -1;
    int16_t last = 0;
    struct tep_tc_field f;
    int32_t v32;
    e->converted_type = -1;
    for (;;) {
        if (tep_tc_read_field(d, &last, &f)) return -1;
        if (f.type == TEP_TC_STOP) break;
        switch (f.id) {
        case 1:
            if (tep_tc_read_i32(d, f.type, "SchemaElement.type", &v32)) return -1;
            e->type = v32;
            e->has_type = true;
            break;
        case 3:
            if (tep_tc_read_i32(d, f.type, "SchemaElement.repetition_type", &v32)) return -1;
            e->repetition = v32;
            e->has_repetition = true;
            break;
        case 4:
            if (read_string_field(d, f.type, "SchemaElement.name", &e->name)) return -1;
            break;
        case 5:
            if (tep_tc_read_i32(d, f.type, "SchemaElement.num_children", &e->num_children))
                return -1;
            break;
        case 6:
            if (tep_tc_read_i32(d, f.type, "SchemaElement.converted_type", &v32)) return -1;
            e->converted_type = v32;
            break;
        case 10:
            if (parse_logical_type(d, f.type, e)) return -1;
            break;
        default:
            if (tep_tc_skip(d, f.type)) return -1;
        }
    }
    tep_tc_struct_end_read(d);
    if (!e->name) return tep_tc_fail(d, "SchemaElement lacks its name");
    return 0;
}

static int parse_key_value(struct tep_tc_decoder *d, int type, char **key, char **value)
{
    if (tep_tc_read_struct_begin(d, type, "FileMetaData.key_value_metadata[]")) return -1;
    int16_t last = 0;
    struct tep_tc_field f;
    for (;;) {
        if (tep_tc_read_field(d, &last, &f)) return -1;
        if (f.type == TEP_TC_STOP) break;
        if (f.id == 1) {
            if (read_string_field(d, f.type, "KeyValue.key", key)) return -1;
        } else if (f.id == 2) {
            if (read_string_field(d, f.type, "KeyValue.value", value)) return -1;
        } else if (tep_tc_skip(d, f.type)) {
            return -1;
        }
    }
    tep_tc_struct_end_read(d);
    if (!*key) return tep_tc_fail(d, "KeyValue lacks its key");
    if (!*value && !(*value = dup_bytes(NULL, 0)))
        return tep_error_set(d->err, TEP_ERR_NOMEM, "out of memory");
    return 0;
}

static int parse_file_metadata(struct tep_tc_decoder *d, struct tep_pq_reader *r)
{
    if (tep_tc_struct_begin_read(d)) return -1;
    int16_t last = 0;
    struct tep_tc_field f;
    bool has_schema = false, has_rows = false, has_groups = false;
    int elem;
    size_t n;
    for (;;) {
        if (tep_tc_read_field(d, &last, &f)) return -1;
        if (f.type == TEP_TC_STOP) break;
        switch (f.id) {
        case 2:
            if (has_schema) goto skip;
            if (tep_tc_read_list_begin(d, f.type, "FileMetaData.schema", &elem, &n)) return -1;
            r->schema = calloc(n ? n : 1, sizeof *r->schema);
            if (!r->schema) goto nomem;
            for (size_t i = 0; i < n; i++) {
                r->nschema = i + 1;
                if (parse_schema_element(d, elem, &r->schema[i])) return -1;
            }
            r->nschema = n;
            has_schema = true;
            break;
        case 3:
            if (tep_tc_read_i64(d, f.type, "FileMetaData.num_rows", &r->num_rows)) return -1;
            has_rows = true;
            break;
        case 4:
            if (has_groups) goto skip;
            if (tep_tc_read_list_begin(d, f.type, "FileMetaData.row_groups", &elem, &n))
                return -1;
            r->groups = calloc(n ? n : 1, sizeof *r->groups);
            if (!r->groups) goto nomem;
            for (size_t i = 0; i < n; i++) {
                r->ngroups = i + 1;
                if (parse_row_group(d, elem, &r->groups[i])) return -1;
            }
            r->ngroups = n;
            has_groups = true;
            break;
        case 5:
            if (r->kv_keys) goto skip;
            if (tep_tc_read_list_begin(d, f.type, "FileMetaData.key_value_metadata", &elem, &n))
                return -1;
            r->kv_keys = calloc(n ? n : 1, sizeof *r->kv_keys);
            r->kv_values = calloc(n ? n : 1, sizeof *r->kv_values);
            if (!r->kv_keys || !r->kv_values) goto nomem;
            for (size_t i = 0; i < n; i++) {
                r->nkv = i + 1;
                if (parse_key_value(d, elem, &r->kv_keys[i], &r->kv_values[i])) return -1;
            }
            r->nkv = n;
            break;
        case 6:
            if (read_string_field(d, f.type, "FileMetaData.created_by", &r->created_by))
                return -1;
            break;
        case 8:
            return tep_error_set_at(d->err, TEP_ERR_UNSUPPORTED, d->file, 0, 0,
                                    "encrypted Parquet files are not supported");
        default:
        skip:
            if (tep_tc_skip(d, f.type)) return -1;
        }
    }
    tep_tc_struct_end_read(d);
    if (!has_schema || !has_rows || !has_groups)
        return tep_tc_fail(d, "FileMetaData lacks its schema, num_rows or row_groups");
    return 0;
nomem:
    return tep_error_set(d->err, TEP_ERR_NOMEM, "out of memory reading the Parquet footer");
}

/* ---- footer validation ------------------------------------------------ */

static enum tep_pq_type api_type_of(int physical)
{
    switch (physical) {
    case TEP_PQ_PHYS_DOUBLE: return TEP_PQ_DOUBLE;
    case TEP_PQ_PHYS_INT32: return TEP_PQ_INT32;
    case TEP_PQ_PHYS_INT64: return TEP_PQ_INT64;
    case TEP_PQ_PHYS_BYTE_ARRAY: return TEP_PQ_STRING;
    default: return TEP_PQ_UNSUPPORTED;
    }
}

/* First byte of a chunk: its dictionary page when there is one before the data. */
static int64_t chunk_start(const struct pqr_chunk *c)
{
    if (c->dictionary_page_offset > 0 && c->dictionary_page_offset < c->data_page_offset)
        return c->dictionary_page_offset;
    return c->data_page_offset;
}

static int validate_footer(struct tep_pq_reader *r, struct tep_error *err)
{
    const char *path = r->path;
    if (r->nschema == 0)
        return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                                "corrupt Parquet footer: the schema is empty");
    const struct pqr_schema_element *root = &r->schema[0];
    for (size_t i = 1; i < r->nschema; i++)
        if (r->schema[i].num_children > 0)
            return tep_error_set_at(err, TEP_ERR_UNSUPPORTED, path, 0, 0,
                                    "nested Parquet schemas are not supported (group '%s')",
                                    r->schema[i].name);
    if (root->num_children < 0 || (size_t)root->num_children != r->nschema - 1)
        return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                                "corrupt Parquet footer: the schema root has %d children but %zu "
                                "columns follow it",
                                root->num_children, r->nschema - 1);
    r->ncols = r->nschema - 1;
    r->cols = calloc(r->ncols ? r->ncols : 1, sizeof *r->cols);
    if (!r->cols) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < r->ncols; c++) {
        const struct pqr_schema_element *e = &r->schema[c + 1];
        if (!e->has_type || !e->has_repetition)
            return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, (long)c + 1,
                                    "corrupt Parquet footer: column '%s' lacks its type or "
                                    "repetition",
                                    e->name);
        if (e->repetition == TEP_PQ_REPEATED)
            return tep_error_set_at(err, TEP_ERR_UNSUPPORTED, path, 0, (long)c + 1,
                                    "repeated Parquet column '%s' is not supported", e->name);
        if (e->repetition != TEP_PQ_REQUIRED && e->repetition != TEP_PQ_OPTIONAL)
            return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, (long)c + 1,
                                    "corrupt Parquet footer: column '%s' has repetition %d",
                                    e->name, e->repetition);
        r->cols[c].name = e->name;
        r->cols[c].type = api_type_of(e->type);
        r->cols[c].nullable = e->repetition == TEP_PQ_OPTIONAL;
        r->cols[c].physical_type = e->type;
    }
    int64_t total = 0;
    for (size_t g = 0; g < r->ngroups; g++) {
        const struct pqr_row_group *rg = &r->groups[g];
        if (rg->num_rows < 0 || rg->num_rows > INT64_MAX / 2 - total)
            return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                                    "corrupt Parquet footer: row group %zu has %lld rows", g,
                                    (long long)rg->num_rows);
        total += rg->num_rows;
        if (rg->nchunks != r->ncols)
            return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                                    "corrupt Parquet footer: row group %zu has %zu column chunks, "
                                    "the schema has %zu columns",
                                    g, rg->nchunks, r->ncols);
        for (size_t c = 0; c < r->ncols; c++) {
            const struct pqr_chunk *ch = &rg->chunks[c];
            const char *name = r->cols[c].name;
            if (ch->encrypted)
                return tep_error_set_at(err, TEP_ERR_UNSUPPORTED, path, 0, (long)c + 1,
                                        "encrypted Parquet column '%s' is not supported", name);
            if (ch->external)
                return tep_error_set_at(err, TEP_ERR_UNSUPPORTED, path, 0, (long)c + 1,
                                        "column '%s' of row group %zu lives in another file; "
                                        "not supported",
                                        name, g);
            if (!ch->has_meta)
                return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, (long)c + 1,
                                        "corrupt Parquet footer: column chunk '%s' of row group "
                                        "%zu has no metadata",
                                        name, g);
            if (ch->physical_type != r->cols[c].physical_type)
                return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, (long)c + 1,
                                        "corrupt Parquet footer: column '%s' is %s in the schema "
                                        "but %s in row group %zu",
                                        name, physical_name(r->cols[c].physical_type),
                                        physical_name(ch->physical_type), g);
            int64_t start = chunk_start(ch);
            if (start < 4 || ch->total_compressed < 0 ||
                (uint64_t)start > r->footer_start ||
                (uint64_t)ch->total_compressed > r->footer_start - (uint64_t)start)
                return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, (long)c + 1,
                                        "corrupt Parquet footer: column '%s' of row group %zu "
                                        "claims bytes %lld..%lld, outside the data area 4..%llu",
                                        name, g, (long long)start,
                                        (long long)start + (long long)ch->total_compressed,
                                        (unsigned long long)r->footer_start);
            if (ch->num_values != rg->num_rows)
                return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, (long)c + 1,
                                        "corrupt Parquet footer: column '%s' of row group %zu "
                                        "holds %lld values for %lld rows (flat schema)",
                                        name, g, (long long)ch->num_values,
                                        (long long)rg->num_rows);
        }
    }
    if (total != r->num_rows)
        return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                                "corrupt Parquet footer: row groups hold %lld rows, the file "
                                "declares %lld",
                                (long long)total, (long long)r->num_rows);
    return 0;
}

/* ---- open / close / accessors ----------------------------------------- */

void tep_pq_reader_close(struct tep_pq_reader *r)
{
    if (!r) return;
    if (r->map) munmap((void *)r->map, r->size);
    for (size_t i = 0; i < r->nschema; i++) free(r->schema[i].name);
    free(r->schema);
    free(r->cols);
    for (size_t g = 0; g < r->ngroups; g++) {
        for (size_t c = 0; c < r->groups[g].nchunks; c++) {
            free(r->groups[g].chunks[c].min);
            free(r->groups[g].chunks[c].max);
        }
        free(r->groups[g].chunks);
    }
    free(r->groups);
    for (size_t i = 0; i < r->nkv; i++) {
        free(r->kv_keys[i]);
        free(r->kv_values[i]);
    }
    free(r->kv_keys);
    free(r->kv_values);
    free(r->created_by);
    free(r->page_buf);
    free(r->values_buf);
    free(r->dict_buf);
    free(r->levels);
    free(r->indices);
    free(r->gather);
    free(r->views);
    free(r->dict_views);
    ZSTD_freeDCtx(r->zstd);
    free(r->path);
    free(r);
}

struct tep_pq_reader *tep_pq_reader_open(const char *path, struct tep_error *err)
{
    int fd = -1;
    struct tep_pq_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        tep_error_set_at(err, TEP_ERR_NOMEM, path, 0, 0, "out of memory opening a Parquet file");
        goto fail;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        tep_error_set_errno(err, TEP_ERR_IO, "cannot open Parquet file", path);
        goto fail;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        tep_error_set_errno(err, TEP_ERR_IO, "cannot stat Parquet file", path);
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        tep_error_set_at(err, TEP_ERR_IO, path, 0, 0, "not a regular file");
        goto fail;
    }
    if (st.st_size < 12) {
        tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                         "not a Parquet file: %lld bytes, expected at least 12 (magic \"PAR1\", "
                         "footer, footer length, magic)",
                         (long long)st.st_size);
        goto fail;
    }
    r->size = (size_t)st.st_size;
    void *map = mmap(NULL, r->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        tep_error_set_errno(err, TEP_ERR_IO, "cannot map Parquet file", path);
        goto fail;
    }
    r->map = map;
    close(fd);
    fd = -1;
    const uint8_t *tail = r->map + r->size - 8;
    if (memcmp(r->map, "PAR1", 4) != 0) {
        tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                         "not a Parquet file: expected magic \"PAR1\" at byte 0");
        goto fail;
    }
    if (memcmp(tail + 4, "PARE", 4) == 0) {
        tep_error_set_at(err, TEP_ERR_UNSUPPORTED, path, 0, 0,
                         "encrypted Parquet files (footer magic \"PARE\") are not supported");
        goto fail;
    }
    if (memcmp(tail + 4, "PAR1", 4) != 0) {
        tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                         "truncated or corrupt Parquet file: expected magic \"PAR1\" in the last "
                         "4 bytes (offset %zu)",
                         r->size - 4);
        goto fail;
    }
    uint32_t footer_len = get_le32(tail);
    if ((uint64_t)footer_len > r->size - 12) {
        tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                         "corrupt Parquet file: footer length %u exceeds the %zu bytes available",
                         footer_len, r->size - 12);
        goto fail;
    }
    r->footer_start = r->size - 8 - footer_len;
    struct tep_tc_decoder dec;
    tep_tc_decoder_init(&dec, r->map + r->footer_start, footer_len, r->footer_start, path,
                        "footer (FileMetaData)", err);
    if (parse_file_metadata(&dec, r) || validate_footer(r, err)) goto fail;
    if (!r->created_by && !(r->created_by = dup_bytes(NULL, 0))) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    return r;
fail:
    if (fd >= 0) close(fd);
    tep_pq_reader_close(r);
    return NULL;
}

size_t tep_pq_reader_num_columns(const struct tep_pq_reader *r)
{
    return r->ncols;
}

size_t tep_pq_reader_num_row_groups(const struct tep_pq_reader *r)
{
    return r->ngroups;
}

int64_t tep_pq_reader_num_rows(const struct tep_pq_reader *r)
{
    return r->num_rows;
}

size_t tep_pq_reader_row_group_rows(const struct tep_pq_reader *r, size_t row_group)
{
    return row_group < r->ngroups ? (size_t)r->groups[row_group].num_rows : 0;
}

const struct tep_pq_column_info *tep_pq_reader_column(const struct tep_pq_reader *r, size_t col)
{
    return col < r->ncols ? &r->cols[col] : NULL;
}

int tep_pq_reader_find_column(const struct tep_pq_reader *r, const char *name)
{
    for (size_t c = 0; c < r->ncols; c++)
        if (strcmp(r->cols[c].name, name) == 0) return (int)c;
    return -1;
}

const char *tep_pq_reader_created_by(const struct tep_pq_reader *r)
{
    return r->created_by;
}

size_t tep_pq_reader_num_metadata(const struct tep_pq_reader *r)
{
    return r->nkv;
}

int tep_pq_reader_metadata(const struct tep_pq_reader *r, size_t i, const char **key,
                           const char **value)
{
    if (i >= r->nkv) return -1;
    *key = r->kv_keys[i];
    *value = r->kv_values[i];
    return 0;
}

const char *tep_pq_reader_metadata_get(const struct tep_pq_reader *r, const char *key)
{
    for (size_t i = 0; i < r->nkv; i++)
        if (strcmp(r->kv_keys[i], key) == 0) return r->kv_values[i];
    return NULL;
}

static int check_indices(const struct tep_pq_reader *r, size_t row_group, size_t col,
                         struct tep_error *err)
{
    if (row_group >= r->ngroups)
        return tep_error_set_at(err, TEP_ERR_ARG, r->path, 0, 0,
                                "row group %zu does not exist (the file has %zu)", row_group,
                                r->ngroups);
    if (col >= r->ncols)
        return tep_error_set_at(err, TEP_ERR_ARG, r->path, 0, 0,
                                "column %zu does not exist (the file has %zu)", col, r->ncols);
    return 0;
}

int tep_pq_reader_stats(const struct tep_pq_reader *r, size_t row_group, size_t col,
                        struct tep_pq_stats *out, struct tep_error *err)
{
    memset(out, 0, sizeof *out);
    if (check_indices(r, row_group, col, err)) return -1;
    const struct pqr_chunk *c = &r->groups[row_group].chunks[col];
    const struct tep_pq_column_info *info = &r->cols[col];
    out->has_null_count = c->has_null_count;
    out->null_count = c->null_count;
    out->has_nan_count = c->has_nan_count;
    out->nan_count = c->nan_count;
    if (!c->min || !c->max) return 0;
    /* Deprecated min/max use signed byte order for strings: not trustworthy. */
    if (info->type == TEP_PQ_STRING && (c->min_is_legacy || c->max_is_legacy)) return 0;
    size_t want = info->type == TEP_PQ_INT32 ? 4 : 8;
    switch (info->type) {
    case TEP_PQ_DOUBLE:
    case TEP_PQ_INT32:
    case TEP_PQ_INT64:
        if (c->min_len != want || c->max_len != want)
            return tep_error_set_at(err, TEP_ERR_PARSE, r->path, 0, (long)col + 1,
                                    "corrupt Parquet statistics for column '%s' of row group "
                                    "%zu: min/max of %zu/%zu bytes, expected %zu",
                                    info->name, row_group, c->min_len, c->max_len, want);
        if (info->type == TEP_PQ_DOUBLE) {
            memcpy(&out->min_double, c->min, 8);
            memcpy(&out->max_double, c->max, 8);
            if (isnan(out->min_double) || isnan(out->max_double)) return 0;
        } else if (info->type == TEP_PQ_INT32) {
            out->min_int = (int32_t)get_le32((const uint8_t *)c->min);
            out->max_int = (int32_t)get_le32((const uint8_t *)c->max);
        } else {
            memcpy(&out->min_int, c->min, 8);
            memcpy(&out->max_int, c->max, 8);
        }
        break;
    case TEP_PQ_STRING:
        out->min_string = c->min;
        out->max_string = c->max;
        out->min_string_len = c->min_len;
        out->max_string_len = c->max_len;
        break;
    default: return 0;
    }
    out->has_min_max = true;
    return 0;
}

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

static int chunk_fail(struct pqr_chunk_ctx *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int chunk_fail(struct pqr_chunk_ctx *x, int code, const char *fmt, ...)
{
    char detail[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return tep_error_set_at(x->err, code, x->r->path, 0, (long)x->col + 1,
                            "%s Parquet data in row group %zu, column '%s', page at byte "
                            "offset %llu: %s",
                            code == TEP_ERR_PARSE ? "corrupt" : "unsupported", x->row_group,
                            x->info->name, (unsigned long long)x->page_offset, detail);
}

static int value_width(int physical)
{
    switch (physical) {
    case TEP_PQ_PHYS_INT32: return 4;
    case TEP_PQ_PHYS_INT64:
    case TEP_PQ_PHYS_DOUBLE: return 8;
    default: return 0; /* BYTE_ARRAY */
    }
}

/* Decompress `src` into a buffer of exactly `dst_len` bytes (`*buf`, grown). */
static int decompress(struct pqr_chunk_ctx *x, const uint8_t *src, size_t src_len,
                      size_t dst_len, uint8_t **buf, size_t *cap, const uint8_t **out)
{
    int codec = x->chunk->codec;
    if (codec == TEP_PQ_WIRE_UNCOMPRESSED) {
        if (src_len != dst_len)
            return chunk_fail(x, TEP_ERR_PARSE,
                              "uncompressed page stores %zu bytes but declares %zu", src_len,
                              dst_len);
        *out = src;
        return 0;
    }
    /* The stream's own size field must match the header before anything is
     * allocated, so a corrupt header cannot ask for gigabytes. */
    if (codec == TEP_PQ_WIRE_SNAPPY) {
        size_t n = 0;
        if (snappy_uncompressed_length((const char *)src, src_len, &n) != SNAPPY_OK ||
            n != dst_len)
            return chunk_fail(x, TEP_ERR_PARSE,
                              "snappy page does not decompress to the declared %zu bytes",
                              dst_len);
    } else if (codec == TEP_PQ_WIRE_ZSTD) {
        /* A frame may omit its size; then its blocks bound what it can give (found while
         * writing the parquet_pages fuzz harness, by an input written by hand - the fuzzer
         * had not hit it: 40 bytes claiming 2 GiB got 2 GiB allocated; tests/fuzz/README.md). */
        unsigned long long n = ZSTD_getFrameContentSize(src, src_len);
        unsigned long long most =
            n == ZSTD_CONTENTSIZE_UNKNOWN ? ZSTD_decompressBound(src, src_len) : n;
        if (n == ZSTD_CONTENTSIZE_ERROR || most == ZSTD_CONTENTSIZE_ERROR ||
            (n != ZSTD_CONTENTSIZE_UNKNOWN && n != dst_len) || dst_len > most)
            return chunk_fail(x, TEP_ERR_PARSE,
                              "zstd page does not decompress to the declared %zu bytes",
                              dst_len);
    } else {
        return chunk_fail(x, TEP_ERR_UNSUPPORTED,
                          "compression codec %s (%d) is not supported (UNCOMPRESSED, SNAPPY, "
                          "ZSTD are)",
                          codec_name(codec), codec);
    }
    if (pq_scratch_reserve((void **)buf, cap, dst_len ? dst_len : 1, 1))
        return tep_error_set_at(x->err, TEP_ERR_NOMEM, x->r->path, 0, 0,
                                "out of memory for a %zu-byte page", dst_len);
    if (codec == TEP_PQ_WIRE_SNAPPY) {
        size_t n = dst_len;
        if (snappy_uncompress((const char *)src, src_len, (char *)*buf, &n) != SNAPPY_OK ||
            n != dst_len)
            return chunk_fail(x, TEP_ERR_PARSE, "snappy data of %zu bytes is corrupt", src_len);
    } else if (codec == TEP_PQ_WIRE_ZSTD) {
        if (!x->r->zstd && !(x->r->zstd = ZSTD_createDCtx()))
            return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for zstd");
        size_t n = ZSTD_decompressDCtx(x->r->zstd, *buf, dst_len, src, src_len);
        if (ZSTD_isError(n))
            return chunk_fail(x, TEP_ERR_PARSE, "zstd data of %zu bytes is corrupt: %s",
                              src_len, ZSTD_getErrorName(n));
        if (n != dst_len)
            return chunk_fail(x, TEP_ERR_PARSE,
                              "zstd page decompresses to %zu bytes, expected %zu", n, dst_len);
    }
    *out = *buf;
    return 0;
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
static int rle_hybrid_decode(struct pqr_chunk_ctx *x, const char *what, const uint8_t *p,
                             const uint8_t *end, int bw, size_t count, void *out, int elem_size)
{
    size_t i = 0;
    int value_bytes = (bw + 7) / 8;
    while (i < count) {
        uint64_t header = 0;
        int shift = 0;
        for (;;) {
            if (p >= end)
                return chunk_fail(x, TEP_ERR_PARSE, "%s end after %zu of %zu values", what, i,
                                  count);
            uint8_t b = *p++;
            header |= (uint64_t)(b & 0x7F) << shift;
            if (!(b & 0x80)) break;
            shift += 7;
            if (shift > 28)
                return chunk_fail(x, TEP_ERR_PARSE, "%s: run header varint is too long", what);
        }
        if (header & 1) { /* bit-packed run of (header >> 1) groups of 8 */
            uint64_t values = (header >> 1) * 8;
            size_t take = values < count - i ? (size_t)values : count - i;
            size_t need = (take * (size_t)bw + 7) / 8;
            size_t avail = (size_t)(end - p);
            if (need > avail)
                return chunk_fail(x, TEP_ERR_PARSE,
                                  "%s: bit-packed run needs %zu bytes, %zu left", what, need,
                                  avail);
            unpack_bits(p, avail, bw, take, out, elem_size, i);
            uint64_t run_bytes = (header >> 1) * (uint64_t)bw;
            p += run_bytes < avail ? (size_t)run_bytes : avail;
            i += take;
        } else { /* RLE run: (header >> 1) copies of one value */
            uint64_t run = header >> 1;
            if ((size_t)(end - p) < (size_t)value_bytes)
                return chunk_fail(x, TEP_ERR_PARSE, "%s: RLE run value is cut off", what);
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

/* Definition levels of `n` rows (max level 1) into r->levels; counts non-nulls. */
static int decode_levels(struct pqr_chunk_ctx *x, const uint8_t *p, const uint8_t *end, size_t n,
                         size_t *nonnull)
{
    struct tep_pq_reader *r = x->r;
    if (pq_scratch_reserve((void **)&r->levels, &r->levels_cap, n ? n : 1, 1))
        return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for definition levels");
    if (rle_hybrid_decode(x, "definition levels", p, end, 1, n, r->levels, 1)) return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (r->levels[i] > 1)
            return chunk_fail(x, TEP_ERR_PARSE, "definition level %u exceeds the maximum 1",
                              r->levels[i]);
        k += r->levels[i];
    }
    *nonnull = k;
    return 0;
}

static int dictionary_page(struct pqr_chunk_ctx *x, const uint8_t *data, size_t len,
                           int32_t num_values, int encoding)
{
    struct tep_pq_reader *r = x->r;
    if (encoding != TEP_PQ_ENC_PLAIN && encoding != TEP_PQ_ENC_PLAIN_DICTIONARY)
        return chunk_fail(x, TEP_ERR_UNSUPPORTED, "dictionary page encoding %s (%d)",
                          encoding_name(encoding), encoding);
    if (num_values < 0)
        return chunk_fail(x, TEP_ERR_PARSE, "dictionary page with %d entries", num_values);
    size_t n = (size_t)num_values;
    int width = value_width(x->info->physical_type);
    if (width) {
        if (n > len / (size_t)width)
            return chunk_fail(x, TEP_ERR_PARSE,
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
                return chunk_fail(x, TEP_ERR_PARSE, "dictionary entry %zu of %zu is cut off", i,
                                  n);
            uint32_t l = get_le32(p);
            p += 4;
            if (l > (size_t)(end - p))
                return chunk_fail(x, TEP_ERR_PARSE,
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
        char *s = dup_bytes(v->ptr, v->len);
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
        if (p >= end) return chunk_fail(x, TEP_ERR_PARSE, "DELTA data ends inside %s", what);
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            *pp = p;
            return 0;
        }
    }
    return chunk_fail(x, TEP_ERR_PARSE, "DELTA %s varint is too long", what);
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
        return chunk_fail(x, TEP_ERR_PARSE,
                          "DELTA header has block size %llu with %llu miniblocks (expected a "
                          "multiple of 128 split into multiples of 32)",
                          (unsigned long long)block_size, (unsigned long long)minis);
    if (total < k)
        return chunk_fail(x, TEP_ERR_PARSE, "DELTA data holds %llu values, the page needs %zu",
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
            return chunk_fail(x, TEP_ERR_PARSE, "DELTA block lacks its %llu bit widths",
                              (unsigned long long)minis);
        const uint8_t *widths = p;
        p += minis;
        for (uint64_t m = 0; m < minis && i < k; m++) {
            int bw = widths[m];
            if (bw > width * 8)
                return chunk_fail(x, TEP_ERR_PARSE, "DELTA miniblock bit width %d exceeds %d",
                                  bw, width * 8);
            size_t take = per_mini < k - i ? per_mini : k - i;
            size_t avail = (size_t)(end - p);
            if ((take * (size_t)bw + 7) / 8 > avail)
                return chunk_fail(x, TEP_ERR_PARSE, "DELTA miniblock is cut off");
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
            return chunk_fail(x, TEP_ERR_PARSE, "negative string length %d",
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
            chunk_fail(x, TEP_ERR_PARSE, "string %zu of %zu runs past the page", i, k);
            goto done;
        }
        total += suffix[i];
        if (prefix) {
            size_t prev = i ? built : 0;
            if (prefix[i] > prev) {
                chunk_fail(x, TEP_ERR_PARSE, "string %zu reuses %u bytes of a %zu-byte string",
                           i, prefix[i], prev);
                goto done;
            }
            built = prefix[i] + (size_t)suffix[i];
            if (built > (size_t)INT32_MAX) {
                chunk_fail(x, TEP_ERR_PARSE, "string %zu is too long", i);
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
static int page_values(struct pqr_chunk_ctx *x, struct pqr_sink *sink, int encoding,
                       const uint8_t *p, const uint8_t *end, size_t row, size_t n, size_t k,
                       const uint8_t *levels)
{
    struct tep_pq_reader *r = x->r;
    int width = value_width(x->info->physical_type);
    const uint8_t *dense = NULL;
    const struct pqr_view *views = NULL;
    size_t avail = (size_t)(end - p);
    if (encoding == TEP_PQ_ENC_PLAIN) {
        if (width) {
            if (k > avail / (size_t)width)
                return chunk_fail(x, TEP_ERR_PARSE,
                                  "%zu values need %zu bytes, the page holds %zu", k,
                                  k * (size_t)width, avail);
            dense = p;
        } else {
            if (pq_scratch_reserve((void **)&r->views, &r->views_cap, k ? k : 1, sizeof *r->views))
                return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for strings");
            for (size_t i = 0; i < k; i++) {
                if (end - p < 4)
                    return chunk_fail(x, TEP_ERR_PARSE, "string %zu of %zu is cut off", i, k);
                uint32_t l = get_le32(p);
                p += 4;
                if (l > (size_t)(end - p))
                    return chunk_fail(x, TEP_ERR_PARSE, "string %zu claims %u bytes, %zu left",
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
            return chunk_fail(x, TEP_ERR_PARSE,
                              "dictionary-encoded page but the chunk has no dictionary page");
        if (k > 0) {
            if (avail < 1)
                return chunk_fail(x, TEP_ERR_PARSE, "dictionary page lacks its bit width");
            int bw = *p++;
            if (bw > 32)
                return chunk_fail(x, TEP_ERR_PARSE, "dictionary index bit width %d exceeds 32",
                                  bw);
            if (pq_scratch_reserve((void **)&r->indices, &r->indices_cap, k, sizeof *r->indices))
                return tep_error_set(x->err, TEP_ERR_NOMEM, "out of memory for indices");
            if (rle_hybrid_decode(x, "dictionary indices", p, end, bw, k, r->indices, 4))
                return -1;
            for (size_t i = 0; i < k; i++)
                if (r->indices[i] >= x->dict_n)
                    return chunk_fail(x, TEP_ERR_PARSE,
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
            return chunk_fail(x, TEP_ERR_PARSE,
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
        return chunk_fail(x, TEP_ERR_UNSUPPORTED,
                          "value encoding %s (%d) is not supported for %s columns",
                          encoding_name(encoding), encoding,
                          physical_name(x->info->physical_type));
    }
    return scatter(x, sink, row, n, k == n ? NULL : levels, dense, views);
}

/* One of the page sub-headers (DataPageHeader = field 5, DictionaryPageHeader
 * = 7, DataPageHeaderV2 = 8), kept apart until the page type picks one. */
struct pqr_sub_header {
    bool present;
    int32_t num_values;
    int32_t num_nulls, num_rows; /* V2 */
    int encoding;
    int def_encoding;             /* V1 */
    int32_t def_bytes, rep_bytes; /* V2 */
    bool is_compressed;           /* V2 */
};

/* PageHeader fields this reader uses; the flat fields below `has_sub` are
 * copied from the sub-header that matches `type`. */
struct pqr_page_header {
    int type;
    int32_t uncompressed_size, compressed_size;
    bool has_type, has_sizes_u, has_sizes_c;
    struct pqr_sub_header sub[3]; /* DataPageHeader, DictionaryPageHeader, V2 */
    bool has_sub; /* the sub-header for the page type was present */
    int32_t num_values;
    int32_t num_nulls;
    int encoding;
    int def_encoding;
    int32_t def_bytes, rep_bytes;
    bool is_compressed;
};

static int parse_sub_header(struct tep_tc_decoder *d, int type, int16_t which,
                            struct pqr_sub_header *h)
{
    if (tep_tc_read_struct_begin(d, type, "PageHeader sub-header")) return -1;
    memset(h, 0, sizeof *h);
    h->is_compressed = true; /* DataPageHeaderV2.is_compressed defaults to true */
    int16_t last = 0;
    struct tep_tc_field f;
    int32_t v;
    bool seen[9] = {false};
    for (;;) {
        if (tep_tc_read_field(d, &last, &f)) return -1;
        if (f.type == TEP_TC_STOP) break;
        bool known = false;
        if (which == 5 && f.id >= 1 && f.id <= 4) { /* DataPageHeader */
            if (tep_tc_read_i32(d, f.type, "DataPageHeader field", &v)) return -1;
            if (f.id == 1) h->num_values = v;
            if (f.id == 2) h->encoding = v;
            if (f.id == 3) h->def_encoding = v;
            known = true;
        } else if (which == 7 && f.id >= 1 && f.id <= 2) { /* DictionaryPageHeader */
            if (tep_tc_read_i32(d, f.type, "DictionaryPageHeader field", &v)) return -1;
            if (f.id == 1) h->num_values = v;
            if (f.id == 2) h->encoding = v;
            known = true;
        } else if (which == 8 && f.id >= 1 && f.id <= 7) { /* DataPageHeaderV2 */
            if (f.id == 7) {
                if (tep_tc_read_bool(d, f.type, "DataPageHeaderV2.is_compressed",
                                     &h->is_compressed))
                    return -1;
            } else {
                if (tep_tc_read_i32(d, f.type, "DataPageHeaderV2 field", &v)) return -1;
                if (f.id == 1) h->num_values = v;
                if (f.id == 2) h->num_nulls = v;
                if (f.id == 3) h->num_rows = v;
                if (f.id == 4) h->encoding = v;
                if (f.id == 5) h->def_bytes = v;
                if (f.id == 6) h->rep_bytes = v;
            }
            known = true;
        }
        if (known) {
            seen[f.id] = true;
        } else if (tep_tc_skip(d, f.type)) {
            return -1;
        }
    }
    tep_tc_struct_end_read(d);
    bool complete = which == 5   ? seen[1] && seen[2] && seen[3] && seen[4]
                    : which == 7 ? seen[1] && seen[2]
                                 : seen[1] && seen[2] && seen[3] && seen[4] && seen[5] && seen[6];
    if (!complete) return tep_tc_fail(d, "page sub-header lacks a required field");
    h->present = true;
    return 0;
}

static int parse_page_header(struct tep_tc_decoder *d, struct pqr_page_header *h)
{
    memset(h, 0, sizeof *h);
    if (tep_tc_struct_begin_read(d)) return -1;
    int16_t last = 0;
    struct tep_tc_field f;
    int32_t v;
    for (;;) {
        if (tep_tc_read_field(d, &last, &f)) return -1;
        if (f.type == TEP_TC_STOP) break;
        switch (f.id) {
        case 1:
            if (tep_tc_read_i32(d, f.type, "PageHeader.type", &v)) return -1;
            h->type = v;
            h->has_type = true;
            break;
        case 2:
            if (tep_tc_read_i32(d, f.type, "PageHeader.uncompressed_page_size",
                                &h->uncompressed_size))
                return -1;
            h->has_sizes_u = true;
            break;
        case 3:
            if (tep_tc_read_i32(d, f.type, "PageHeader.compressed_page_size",
                                &h->compressed_size))
                return -1;
            h->has_sizes_c = true;
            break;
        case 5:
            if (parse_sub_header(d, f.type, f.id, &h->sub[0])) return -1;
            break;
        case 7:
            if (parse_sub_header(d, f.type, f.id, &h->sub[1])) return -1;
            break;
        case 8:
            if (parse_sub_header(d, f.type, f.id, &h->sub[2])) return -1;
            break;
        default:
            if (tep_tc_skip(d, f.type)) return -1;
        }
    }
    tep_tc_struct_end_read(d);
    if (!h->has_type || !h->has_sizes_u || !h->has_sizes_c)
        return tep_tc_fail(d, "PageHeader lacks its type or sizes");
    if (h->uncompressed_size < 0 || h->compressed_size < 0)
        return tep_tc_fail(d, "PageHeader has negative sizes (%d, %d)", h->uncompressed_size,
                           h->compressed_size);
    const struct pqr_sub_header *sub = h->type == TEP_PQ_PAGE_DATA         ? &h->sub[0]
                                       : h->type == TEP_PQ_PAGE_DICTIONARY ? &h->sub[1]
                                       : h->type == TEP_PQ_PAGE_DATA_V2    ? &h->sub[2]
                                                                           : NULL;
    if (sub && sub->present) {
        h->has_sub = true;
        h->num_values = sub->num_values;
        h->num_nulls = sub->num_nulls;
        h->encoding = sub->encoding;
        h->def_encoding = sub->def_encoding;
        h->def_bytes = sub->def_bytes;
        h->rep_bytes = sub->rep_bytes;
        h->is_compressed = sub->is_compressed;
    }
    return 0;
}

/* Decode column `col` of row group `rg` into `sink`. */
static int read_chunk(struct tep_pq_reader *r, size_t rg, size_t col, struct pqr_sink *sink,
                      struct tep_error *err)
{
    struct pqr_chunk_ctx x = {0};
    x.r = r;
    x.row_group = rg;
    x.col = col;
    x.info = &r->cols[col];
    x.chunk = &r->groups[rg].chunks[col];
    x.err = err;
    size_t rows = (size_t)r->groups[rg].num_rows;
    uint64_t pos = (uint64_t)chunk_start(x.chunk);
    uint64_t end = pos + (uint64_t)x.chunk->total_compressed;
    bool nullable = x.info->nullable;
    size_t row = 0;
    x.page_offset = pos;
    if (x.info->type == TEP_PQ_UNSUPPORTED)
        return chunk_fail(&x, TEP_ERR_UNSUPPORTED, "physical type %s is not supported",
                          physical_name(x.info->physical_type));
    while (row < rows) {
        x.page_offset = pos;
        if (pos >= end)
            return chunk_fail(&x, TEP_ERR_PARSE,
                              "the column chunk ends after %zu of its %zu values", row, rows);
        struct tep_tc_decoder dec;
        struct pqr_page_header h;
        tep_tc_decoder_init(&dec, r->map + pos, (size_t)(end - pos), pos, r->path, "page header",
                            err);
        if (parse_page_header(&dec, &h)) {
            tep_error_prefix(err, "row group %zu, column '%s'", rg, x.info->name);
            return -1;
        }
        pos += tep_tc_consumed(&dec);
        if ((uint64_t)h.compressed_size > end - pos)
            return chunk_fail(&x, TEP_ERR_PARSE,
                              "page of %d bytes runs past the end of its column chunk (%llu "
                              "bytes left)",
                              h.compressed_size, (unsigned long long)(end - pos));
        const uint8_t *body = r->map + pos;
        size_t body_len = (size_t)h.compressed_size;
        pos += body_len;
        bool is_data = h.type == TEP_PQ_PAGE_DATA || h.type == TEP_PQ_PAGE_DATA_V2;
        if (h.type == TEP_PQ_PAGE_DICTIONARY || is_data) {
            if (!h.has_sub)
                return chunk_fail(&x, TEP_ERR_PARSE,
                                  "page of type %d lacks its sub-header (field %d)", h.type,
                                  h.type == TEP_PQ_PAGE_DATA         ? 5
                                  : h.type == TEP_PQ_PAGE_DICTIONARY ? 7
                                                                     : 8);
        } else {
            continue; /* index pages and unknown page types are skipped */
        }
        if (h.type == TEP_PQ_PAGE_DICTIONARY) {
            if (x.has_dict)
                return chunk_fail(&x, TEP_ERR_PARSE, "a second dictionary page in one chunk");
            const uint8_t *data;
            if (decompress(&x, body, body_len, (size_t)h.uncompressed_size, &r->dict_buf,
                           &r->dict_cap, &data) ||
                dictionary_page(&x, data, (size_t)h.uncompressed_size, h.num_values,
                                h.encoding))
                return -1;
            continue;
        }
        if (h.num_values < 0 || (size_t)h.num_values > rows - row)
            return chunk_fail(&x, TEP_ERR_PARSE,
                              "data page holds %d values but only %zu of the row group's %zu "
                              "rows remain",
                              h.num_values, rows - row, rows);
        size_t n = (size_t)h.num_values, k = n;
        const uint8_t *values, *values_end;
        if (h.type == TEP_PQ_PAGE_DATA) {
            const uint8_t *data;
            if (decompress(&x, body, body_len, (size_t)h.uncompressed_size, &r->page_buf,
                           &r->page_cap, &data))
                return -1;
            values = data;
            values_end = data + h.uncompressed_size;
            if (nullable) {
                if (h.def_encoding != TEP_PQ_ENC_RLE)
                    return chunk_fail(&x, TEP_ERR_UNSUPPORTED,
                                      "definition level encoding %s (%d)",
                                      encoding_name(h.def_encoding), h.def_encoding);
                if (values_end - values < 4)
                    return chunk_fail(&x, TEP_ERR_PARSE,
                                      "data page too short for its definition levels");
                uint32_t len = get_le32(values);
                values += 4;
                if (len > (size_t)(values_end - values))
                    return chunk_fail(&x, TEP_ERR_PARSE,
                                      "definition levels claim %u bytes, the page has %zu", len,
                                      (size_t)(values_end - values));
                if (decode_levels(&x, values, values + len, n, &k)) return -1;
                values += len;
            }
        } else { /* DATA_PAGE_V2: levels uncompressed before the (maybe compressed) values */
            if (h.def_bytes < 0 || h.rep_bytes < 0 ||
                (int64_t)h.def_bytes + h.rep_bytes > h.compressed_size ||
                (int64_t)h.def_bytes + h.rep_bytes > h.uncompressed_size)
                return chunk_fail(&x, TEP_ERR_PARSE,
                                  "V2 level sections (%d + %d bytes) exceed the page", h.rep_bytes,
                                  h.def_bytes);
            if (h.num_nulls < 0 || h.num_nulls > h.num_values)
                return chunk_fail(&x, TEP_ERR_PARSE, "V2 page claims %d nulls in %d values",
                                  h.num_nulls, h.num_values);
            const uint8_t *levels_at = body + h.rep_bytes;
            if (nullable) {
                if (decode_levels(&x, levels_at, levels_at + h.def_bytes, n, &k)) return -1;
                if (k != n - (size_t)h.num_nulls)
                    return chunk_fail(&x, TEP_ERR_PARSE,
                                      "V2 page declares %d nulls, its levels hold %zu",
                                      h.num_nulls, n - k);
            } else if (h.num_nulls != 0) {
                return chunk_fail(&x, TEP_ERR_PARSE, "required column page declares %d nulls",
                                  h.num_nulls);
            }
            size_t skip = (size_t)h.def_bytes + (size_t)h.rep_bytes;
            size_t stored = body_len - skip;
            size_t plain_len = (size_t)h.uncompressed_size - skip;
            if (h.is_compressed && x.chunk->codec != TEP_PQ_WIRE_UNCOMPRESSED) {
                if (decompress(&x, body + skip, stored, plain_len, &r->values_buf,
                               &r->values_cap, &values))
                    return -1;
            } else {
                if (stored != plain_len)
                    return chunk_fail(&x, TEP_ERR_PARSE,
                                      "uncompressed V2 values store %zu bytes but declare %zu",
                                      stored, plain_len);
                values = body + skip;
            }
            values_end = values + plain_len;
        }
        if (page_values(&x, sink, h.encoding, values, values_end, row, n, k, r->levels))
            return -1;
        row += n;
    }
    return 0;
}

/* ---- typed reads ------------------------------------------------------ */

static int read_into(struct tep_pq_reader *r, size_t rg, size_t col, struct pqr_sink *sink,
                     struct tep_error *err)
{
    if (check_indices(r, rg, col, err)) return -1;
    const struct tep_pq_column_info *info = &r->cols[col];
    bool ok;
    switch (sink->kind) {
    case SINK_DOUBLE:
        ok = info->type == TEP_PQ_DOUBLE || info->type == TEP_PQ_INT32 ||
             info->type == TEP_PQ_INT64;
        break;
    case SINK_INT32: ok = info->type == TEP_PQ_INT32 || info->type == TEP_PQ_INT64; break;
    case SINK_INT64: ok = info->type == TEP_PQ_INT32 || info->type == TEP_PQ_INT64; break;
    default: ok = info->type == TEP_PQ_STRING; break;
    }
    if (!ok) {
        static const char *const kinds[] = {"double", "int32", "int64", "string", "string"};
        return tep_error_set_at(err, TEP_ERR_ARG, r->path, 0, (long)col + 1,
                                "column '%s' holds %s values and cannot be read as %s",
                                info->name, physical_name(info->physical_type),
                                kinds[sink->kind]);
    }
    return read_chunk(r, rg, col, sink, err);
}

int tep_pq_read_double(struct tep_pq_reader *r, size_t row_group, size_t col, double *out,
                       uint8_t *valid, struct tep_error *err)
{
    struct pqr_sink sink = {.kind = SINK_DOUBLE, .out = out, .valid = valid};
    return read_into(r, row_group, col, &sink, err);
}

int tep_pq_read_int32(struct tep_pq_reader *r, size_t row_group, size_t col, int32_t *out,
                      uint8_t *valid, struct tep_error *err)
{
    struct pqr_sink sink = {.kind = SINK_INT32, .out = out, .valid = valid};
    return read_into(r, row_group, col, &sink, err);
}

int tep_pq_read_int64(struct tep_pq_reader *r, size_t row_group, size_t col, int64_t *out,
                      uint8_t *valid, struct tep_error *err)
{
    struct pqr_sink sink = {.kind = SINK_INT64, .out = out, .valid = valid};
    return read_into(r, row_group, col, &sink, err);
}

void tep_pq_free_strings(char **values, size_t n)
{
    if (!values) return;
    for (size_t i = 0; i < n; i++) {
        free(values[i]);
        values[i] = NULL;
    }
}

int tep_pq_read_string(struct tep_pq_reader *r, size_t row_group, size_t col, char **out,
                       struct tep_error *err)
{
    size_t rows = tep_pq_reader_row_group_rows(r, row_group);
    for (size_t i = 0; i < rows; i++) out[i] = NULL;
    struct pqr_sink sink = {.kind = SINK_STRING, .out = out};
    if (read_into(r, row_group, col, &sink, err) == 0) return 0;
    tep_pq_free_strings(out, rows);
    return -1;
}

/* ---- frames ----------------------------------------------------------- */

static bool is_key_column(const char *name)
{
    return strcmp(name, TEP_PQ_COL_RUN_ID) == 0 || strcmp(name, TEP_PQ_COL_SAMPLE) == 0 ||
           strcmp(name, TEP_PQ_COL_TIME_H) == 0 || strcmp(name, TEP_PQ_COL_FAULT) == 0;
}

static bool is_numeric(enum tep_pq_type type)
{
    return type == TEP_PQ_DOUBLE || type == TEP_PQ_INT32 || type == TEP_PQ_INT64;
}

int tep_pq_read_frame(struct tep_pq_reader *r, size_t row_group, struct tep_frame *frame,
                      struct tep_error *err)
{
    if (row_group >= r->ngroups) return check_indices(r, row_group, 0, err);
    size_t rows = (size_t)r->groups[row_group].num_rows;
    if (frame->ncols == 0) {
        for (size_t c = 0; c < r->ncols; c++) {
            if (is_key_column(r->cols[c].name) || !is_numeric(r->cols[c].type)) continue;
            if (tep_frame_add_column(frame, r->cols[c].name, tep_catalog_lookup(r->cols[c].name),
                                     err) < 0) {
                tep_error_prefix(err, "%s", r->path);
                return -1;
            }
        }
    }
    tep_frame_clear(frame);
    if (tep_frame_reserve(frame, rows, err)) return -1;

    int c_run = tep_pq_reader_find_column(r, TEP_PQ_COL_RUN_ID);
    int c_sample = tep_pq_reader_find_column(r, TEP_PQ_COL_SAMPLE);
    int c_time = tep_pq_reader_find_column(r, TEP_PQ_COL_TIME_H);
    int c_fault = tep_pq_reader_find_column(r, TEP_PQ_COL_FAULT);
    frame->run_id[0] = '\0';
    if (c_run >= 0 && rows > 0) {
        struct pqr_sink sink = {
            .kind = SINK_SAME_STRING, .same = frame->run_id, .same_cap = sizeof frame->run_id};
        if (read_into(r, row_group, (size_t)c_run, &sink, err)) return -1;
    }
    if (c_sample >= 0) {
        if (tep_pq_read_int64(r, row_group, (size_t)c_sample, frame->sample, NULL, err))
            return -1;
    } else {
        memset(frame->sample, 0, rows * sizeof *frame->sample);
    }
    if (c_time >= 0) {
        if (tep_pq_read_double(r, row_group, (size_t)c_time, frame->time_h, NULL, err)) return -1;
    } else {
        for (size_t i = 0; i < rows; i++) frame->time_h[i] = NAN;
    }
    if (c_fault >= 0) {
        if (tep_pq_read_int32(r, row_group, (size_t)c_fault, frame->fault, NULL, err)) return -1;
    } else {
        memset(frame->fault, 0, rows * sizeof *frame->fault);
    }
    for (size_t c = 0; c < frame->ncols; c++) {
        int fc = tep_pq_reader_find_column(r, frame->cols[c].name);
        if (fc < 0)
            return tep_error_set_at(err, TEP_ERR_ARG, r->path, 0, 0,
                                    "frame column '%s' is not in the Parquet file",
                                    frame->cols[c].name);
        if (tep_pq_read_double(r, row_group, (size_t)fc, frame->cols[c].data, NULL, err)) return -1;
    }
    frame->nrows = rows;
    return 0;
}
