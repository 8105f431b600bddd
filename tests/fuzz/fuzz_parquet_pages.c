/* fuzz_parquet_pages.c - libFuzzer target: Parquet pages and encodings
 * (src/io/parquet_pages.c and parquet_encodings.c: page headers, codecs, levels,
 * PLAIN, dictionary, DELTA_*, BYTE_STREAM_SPLIT, data pages V1 and V2).
 *
 * Mutating a whole file mostly breaks its footer, so here the input is one column
 * chunk and the harness writes a valid footer around it (parquet_chunk_file.h):
 *   byte 0: physical type (bits 0-1: DOUBLE, INT32, INT64, BYTE_ARRAY; bit 2: the
 *           unsupported BOOLEAN instead)
 *   byte 1: bit 0 OPTIONAL (else REQUIRED), bit 1 converted type UTF8, bit 2 name
 *           the column as a key (time_h, fault, sample, run_id) instead of xmeas_1
 *   byte 2: codec (bits 0-1: UNCOMPRESSED, SNAPPY, ZSTD, GZIP)
 *   bytes 3-4: rows of the row group (little-endian)
 *   the rest: the chunk (page headers and pages), placed at offset 4.
 * The column is read with each typed reader that applies (int32, int64 and double
 * reads of an integer column must agree row by row), as a frame (equal to the
 * double read), and last through tep_reader as a pipeline input, in two chunk
 * sizes (chunk_rows from byte 2, bits 2-3).
 * tests/fuzz/make_seeds.c cuts such chunks out of real files.
 */
#include "fuzz_common.h"
#include "io/parquet.h"
#include "parquet_chunk_file.h"

#define HEADER_BYTES 5

/* The file for an input: its header bytes describe the column, the rest is the chunk. */
static uint8_t *build_file(const uint8_t *data, size_t size, size_t *file_size)
{
    static const int physical[4] = {TEP_PQ_PHYS_DOUBLE, TEP_PQ_PHYS_INT32, TEP_PQ_PHYS_INT64,
                                    TEP_PQ_PHYS_BYTE_ARRAY};
    static const char *const key_names[4] = {"time_h", "fault", "sample", "run_id"};
    static const int codecs[4] = {TEP_PQ_WIRE_UNCOMPRESSED, TEP_PQ_WIRE_SNAPPY, TEP_PQ_WIRE_ZSTD,
                                  TEP_PQ_WIRE_GZIP};
    struct pq_chunk_column col = {
        .physical = (data[0] & 4) ? TEP_PQ_PHYS_BOOLEAN : physical[data[0] & 3],
        .optional = data[1] & 1,
        .utf8 = data[1] & 2,
        .name = (data[1] & 4) ? key_names[data[0] & 3] : "xmeas_1",
        .codec = codecs[data[2] & 3],
        .rows = (int64_t)data[3] | (int64_t)data[4] << 8,
    };
    uint8_t *file = pq_chunk_file(&col, data + HEADER_BYTES, size - HEADER_BYTES, file_size);
    if (!file) fuzz_die("out of memory");
    return file;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HEADER_BYTES) return 0;
    size_t file_size;
    uint8_t *file = build_file(data, size, &file_size);
    const char *path = fuzz_input_path(file, file_size, "chunk.parquet");
    free(file);
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_pq_reader *r = tep_pq_reader_open(path, &err);
    if (!r) fuzz_die(err.message); /* the footer is valid by construction */
    size_t rows = tep_pq_reader_row_group_rows(r, 0);
    const struct tep_pq_column_info *info = tep_pq_reader_column(r, 0);
    size_t cap = rows ? rows : 1;
    double *d = malloc(cap * sizeof *d);
    int64_t *i64 = malloc(cap * sizeof *i64);
    int32_t *i32 = malloc(cap * sizeof *i32);
    char **s = malloc(cap * sizeof *s);
    uint8_t *valid = malloc(cap), *valid2 = malloc(cap);
    if (!d || !i64 || !i32 || !s || !valid || !valid2) fuzz_die("out of memory");
    int rc = 0, rc_double = -1;
    switch (info->type) {
    case TEP_PQ_DOUBLE:
        rc = rc_double = tep_pq_read_double(r, 0, 0, d, valid, &err);
        break;
    case TEP_PQ_INT32:
    case TEP_PQ_INT64: {
        /* the typed readers must agree on every row they both read */
        rc = tep_pq_read_int64(r, 0, 0, i64, valid, &err);
        int rc32 = tep_pq_read_int32(r, 0, 0, i32, valid2, &err);
        if (rc32 == 0 && rc != 0) fuzz_die("int32 read where int64 failed");
        for (size_t i = 0; rc32 == 0 && i < rows; i++)
            if (valid2[i] != valid[i] || (valid[i] && i32[i] != i64[i]))
                fuzz_die("int32 and int64 reads differ");
        rc_double = tep_pq_read_double(r, 0, 0, d, valid2, &err);
        if ((rc_double == 0) != (rc == 0)) fuzz_die("double and int64 reads disagree");
        for (size_t i = 0; rc == 0 && i < rows; i++)
            if (valid2[i] != valid[i] || (valid[i] ? d[i] != (double)i64[i] : !isnan(d[i])))
                fuzz_die("double and int64 reads differ");
        break;
    }
    case TEP_PQ_STRING:
        rc = tep_pq_read_string(r, 0, 0, s, &err);
        if (rc == 0) tep_pq_free_strings(s, rows);
        break;
    default:
        if (tep_pq_read_double(r, 0, 0, d, valid, &err) == 0) fuzz_die("read an unsupported type");
        break;
    }
    if (rc != 0 && (err.code == TEP_OK || !err.message[0])) fuzz_die("an error without a message");
    struct tep_frame *frame = tep_frame_new(0);
    if (!frame) fuzz_die("out of memory");
    /* a value column read as a frame holds what read_double gave */
    if (tep_pq_read_frame(r, 0, frame, &err) == 0 && rc_double == 0 && frame->ncols == 1) {
        if (frame->nrows != rows) fuzz_die("frame rows differ");
        for (size_t i = 0; i < rows; i++)
            if (memcmp(&frame->cols[0].data[i], &d[i], sizeof d[i]) != 0 &&
                !(isnan(d[i]) && isnan(frame->cols[0].data[i])))
                fuzz_die("frame and double reads differ");
    }
    tep_frame_free(frame);
    free(d);
    free(i64);
    free(i32);
    free(s);
    free(valid);
    free(valid2);
    tep_pq_reader_close(r);
    struct tep_reader_options opt = {.format = TEP_FORMAT_PARQUET,
                                     .chunk_rows = fuzz_chunk_rows(data[2] >> 2)};
    fuzz_read_file(path, &opt);
    return 0;
}
