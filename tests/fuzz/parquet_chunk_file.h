/* parquet_chunk_file.h - a Parquet file of one column and one row group around a given
 * column chunk (page headers and pages), with a footer (FileMetaData) written here.
 *
 * fuzz_parquet_pages.c wraps each fuzz input this way, so that the mutations hit
 * the pages rather than the footer; tests/test_fuzz_regressions.c builds its
 * crafted pages the same way. Layout: "PAR1", the chunk at offset 4, the footer,
 * its length (4 bytes, little-endian), "PAR1". Facts from parquet.thrift.
 */
#ifndef TEP_TESTS_PARQUET_CHUNK_FILE_H
#define TEP_TESTS_PARQUET_CHUNK_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/parquet.h"
#include "io/thrift_compact.h"

struct pq_chunk_column {
    int physical;     /* enum tep_pq_physical */
    bool optional;    /* OPTIONAL, else REQUIRED */
    bool utf8;        /* converted type UTF8 */
    const char *name; /* column name */
    int codec;        /* enum tep_pq_wire_codec */
    int64_t rows;     /* rows of the row group (and values of the chunk) */
};

/* The file as a malloc'd buffer of *file_size bytes; NULL when out of memory. */
static inline uint8_t *pq_chunk_file(const struct pq_chunk_column *col, const uint8_t *chunk,
                                     size_t chunk_len, size_t *file_size)
{
    struct tep_tc_encoder e;
    tep_tc_encoder_init(&e);
    tep_tc_struct_begin(&e);
    tep_tc_field_i32(&e, 1, 1); /* version */
    tep_tc_field_list_begin(&e, 2, TEP_TC_STRUCT, 2);
    tep_tc_struct_begin(&e); /* the root */
    tep_tc_field_string(&e, 4, "schema");
    tep_tc_field_i32(&e, 5, 1);
    tep_tc_struct_end(&e);
    tep_tc_struct_begin(&e); /* the column */
    tep_tc_field_i32(&e, 1, col->physical);
    tep_tc_field_i32(&e, 3, col->optional ? TEP_PQ_OPTIONAL : TEP_PQ_REQUIRED);
    tep_tc_field_string(&e, 4, col->name);
    if (col->utf8) tep_tc_field_i32(&e, 6, TEP_PQ_CONVERTED_UTF8);
    tep_tc_struct_end(&e);
    tep_tc_field_i64(&e, 3, col->rows);
    tep_tc_field_list_begin(&e, 4, TEP_TC_STRUCT, 1);
    tep_tc_struct_begin(&e); /* RowGroup */
    tep_tc_field_list_begin(&e, 1, TEP_TC_STRUCT, 1);
    tep_tc_struct_begin(&e); /* ColumnChunk */
    tep_tc_field_i64(&e, 2, 4);
    tep_tc_field_struct_begin(&e, 3); /* ColumnMetaData */
    tep_tc_field_i32(&e, 1, col->physical);
    tep_tc_field_list_begin(&e, 2, TEP_TC_I32, 1);
    tep_tc_elem_i32(&e, TEP_PQ_ENC_PLAIN);
    tep_tc_field_list_begin(&e, 3, TEP_TC_BINARY, 1);
    tep_tc_elem_string(&e, col->name);
    tep_tc_field_i32(&e, 4, col->codec);
    tep_tc_field_i64(&e, 5, col->rows);
    tep_tc_field_i64(&e, 6, (int64_t)chunk_len);
    tep_tc_field_i64(&e, 7, (int64_t)chunk_len);
    tep_tc_field_i64(&e, 9, 4); /* data_page_offset: right after the magic */
    tep_tc_struct_end(&e);
    tep_tc_struct_end(&e);
    tep_tc_field_i64(&e, 2, (int64_t)chunk_len);
    tep_tc_field_i64(&e, 3, col->rows);
    tep_tc_struct_end(&e);
    tep_tc_struct_end(&e);
    uint8_t *file = NULL;
    if (e.failed) goto done;
    *file_size = 4 + chunk_len + e.len + 8;
    file = malloc(*file_size);
    if (!file) goto done;
    memcpy(file, "PAR1", 4);
    memcpy(file + 4, chunk, chunk_len);
    memcpy(file + 4 + chunk_len, e.data, e.len);
    uint8_t *tail = file + 4 + chunk_len + e.len;
    for (int i = 0; i < 4; i++)
        tail[i] = (uint8_t)(e.len >> (8 * i));
    memcpy(tail + 4, "PAR1", 4);
done:
    tep_tc_encoder_free(&e);
    return file;
}

#endif
