/* parquet_read.c - the Parquet reader's public API (see parquet.h for the API and scope).
 *
 * The file is mapped read-only; the footer (FileMetaData, Thrift compact) is
 * decoded into plain structs and validated once (parquet_footer.c). Column reads
 * then walk the chunk's pages (parquet_pages.c: dictionary page, data pages V1
 * and V2, SNAPPY and ZSTD, definition levels), decode the values
 * (parquet_encodings.c: PLAIN, dictionary indices, DELTA_*, BYTE_STREAM_SPLIT)
 * and scatter them into the caller's array. Every length and offset read from
 * the file is checked before use, so a corrupt or truncated file yields a
 * TEP_ERR_PARSE error naming the file, the row group, the column and the byte
 * offset - never a crash. Facts: parquet-format README.md, parquet.thrift and
 * Encodings.md.
 */
#include "parquet.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "core/catalog.h"
#include "parquet_internal.h"
#include "thrift_compact.h"

/* ---- small helpers ---------------------------------------------------- */

char *pqr_dup_bytes(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) return NULL;
    if (n) memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

const char *pqr_encoding_name(int enc)
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

const char *pqr_physical_name(int type)
{
    static const char *const names[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                        "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    return type >= 0 && type < 8 ? names[type] : "unknown";
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
    uint32_t footer_len = pq_get_le32(tail);
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
    if (pqr_parse_file_metadata(&dec, r) || pqr_validate_footer(r, err)) goto fail;
    if (!r->created_by && !(r->created_by = pqr_dup_bytes(NULL, 0))) {
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
            out->min_int = (int32_t)pq_get_le32((const uint8_t *)c->min);
            out->max_int = (int32_t)pq_get_le32((const uint8_t *)c->max);
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
                                "column '%s' holds %s values and cannot be read as %s", info->name,
                                pqr_physical_name(info->physical_type), kinds[sink->kind]);
    }
    return pqr_read_chunk(r, rg, col, sink, err);
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
