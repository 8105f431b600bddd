/* parquet_footer.c - the Parquet reader's footer: FileMetaData decoding and validation.
 *
 * The footer (Thrift compact) is decoded into the plain structs of parquet_internal.h -
 * schema elements, row groups with their column chunks and statistics, key-value
 * metadata - and validated once when the file is opened: flat schema, every column
 * chunk inside the data area, row counts consistent. A footer that breaks a rule gives
 * TEP_ERR_PARSE naming the file and the column; unsupported features TEP_ERR_UNSUPPORTED.
 * Facts: parquet-format parquet.thrift (FileMetaData, RowGroup, ColumnChunk, Statistics).
 */
#include <stdlib.h>
#include <string.h>

#include "parquet_internal.h"

/* ---- footer parsing ---------------------------------------------------- */

/* Read a binary field as a fresh NUL-terminated string into *dst. */
static int read_string_field(struct tep_tc_decoder *d, int type, const char *name, char **dst)
{
    const uint8_t *p;
    size_t n;
    if (tep_tc_read_binary(d, type, name, &p, &n)) return -1;
    char *s = pqr_dup_bytes(p, n);
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
                if (!(c->max = pqr_dup_bytes(p, n))) goto nomem;
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
                if (!(c->min = pqr_dup_bytes(p, n))) goto nomem;
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
    if (!*value && !(*value = pqr_dup_bytes(NULL, 0)))
        return tep_error_set(d->err, TEP_ERR_NOMEM, "out of memory");
    return 0;
}

int pqr_parse_file_metadata(struct tep_tc_decoder *d, struct tep_pq_reader *r)
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

int64_t pqr_chunk_start(const struct pqr_chunk *c)
{
    if (c->dictionary_page_offset > 0 && c->dictionary_page_offset < c->data_page_offset)
        return c->dictionary_page_offset;
    return c->data_page_offset;
}

int pqr_validate_footer(struct tep_pq_reader *r, struct tep_error *err)
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
                                        name, pqr_physical_name(r->cols[c].physical_type),
                                        pqr_physical_name(ch->physical_type), g);
            int64_t start = pqr_chunk_start(ch);
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
