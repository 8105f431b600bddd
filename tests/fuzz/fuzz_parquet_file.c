/* fuzz_parquet_file.c - libFuzzer target: whole Parquet files (src/io/parquet_read.c and the footer,
 * page and encoding files beside it, parquet_source.c, thrift_compact.c).
 *
 * Input: a Parquet file. Covers the magic and footer framing, the FileMetaData
 * decoding (schema, row groups, column chunks, statistics, key-value metadata)
 * and its validation, then - for every row group of at most 2^16 rows - the
 * statistics and every column read with each typed reader that applies (pages,
 * codecs, encodings), tep_pq_read_frame, and last the file as a pipeline input
 * through tep_reader (column mapping by name, key columns, run changes). Seeds
 * are whole files; tests/fuzz/fuzz_parquet_pages.c aims at the pages instead.
 */
#include "fuzz_common.h"
#include "io/parquet.h"

#define MAX_ROWS_READ ((size_t)1 << 16)

static void read_column(struct tep_pq_reader *r, size_t g, size_t c, size_t rows)
{
    struct tep_error err;
    const struct tep_pq_column_info *info = tep_pq_reader_column(r, c);
    struct tep_pq_stats stats;
    tep_pq_reader_stats(r, g, c, &stats, &err);
    double *d = malloc(rows * sizeof *d);
    int64_t *i64 = malloc(rows * sizeof *i64);
    int32_t *i32 = malloc(rows * sizeof *i32);
    char **s = malloc(rows * sizeof *s);
    uint8_t *valid = malloc(rows);
    if (!d || !i64 || !i32 || !s || !valid) fuzz_die("out of memory");
    switch (info->type) {
    case TEP_PQ_DOUBLE:
        tep_pq_read_double(r, g, c, d, valid, &err);
        break;
    case TEP_PQ_INT32:
    case TEP_PQ_INT64:
        tep_pq_read_double(r, g, c, d, valid, &err);
        tep_pq_read_int32(r, g, c, i32, valid, &err);
        tep_pq_read_int64(r, g, c, i64, NULL, &err);
        break;
    case TEP_PQ_STRING:
        if (tep_pq_read_string(r, g, c, s, &err) == 0) tep_pq_free_strings(s, rows);
        break;
    default:
        if (tep_pq_read_double(r, g, c, d, valid, &err) == 0) fuzz_die("read an unsupported type");
        break;
    }
    free(d);
    free(i64);
    free(i32);
    free(s);
    free(valid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_path(data, size, "input.parquet");
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_pq_reader *r = tep_pq_reader_open(path, &err);
    if (!r && (err.code == TEP_OK || !err.message[0])) fuzz_die("an open error without a message");
    if (r) {
        const char *key, *value;
        for (size_t i = 0; i < tep_pq_reader_num_metadata(r); i++)
            if (tep_pq_reader_metadata(r, i, &key, &value) != 0 || !key || !value)
                fuzz_die("metadata entry missing");
        (void)tep_pq_reader_created_by(r);
        size_t ncols = tep_pq_reader_num_columns(r);
        for (size_t c = 0; c < ncols; c++) {
            const struct tep_pq_column_info *info = tep_pq_reader_column(r, c);
            if (!info || !info->name || tep_pq_reader_find_column(r, info->name) < 0)
                fuzz_die("column lookup broken");
        }
        for (size_t g = 0; g < tep_pq_reader_num_row_groups(r); g++) {
            size_t rows = tep_pq_reader_row_group_rows(r, g);
            if (rows == 0 || rows > MAX_ROWS_READ) continue; /* the harness' own memory */
            for (size_t c = 0; c < ncols; c++)
                read_column(r, g, c, rows);
            struct tep_frame *frame = tep_frame_new(0);
            if (!frame) fuzz_die("out of memory");
            tep_pq_read_frame(r, g, frame, &err);
            tep_frame_free(frame);
        }
        tep_pq_reader_close(r);
    }
    struct tep_reader_options opt = {.format = TEP_FORMAT_PARQUET,
                                     .chunk_rows = fuzz_chunk_rows(size & 3),
                                     .ignore_unknown_columns = size & 4,
                                     .nan_text_is_missing = size & 8};
    fuzz_read_file(path, &opt);
    return 0;
}
