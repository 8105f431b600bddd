/* parquet.h - reading and writing Apache Parquet files with a flat schema.
 *
 * Written from the Apache Parquet format specification (apache/parquet-format:
 * README.md, src/main/thrift/parquet.thrift, Encodings.md); no Parquet library
 * is used. Scope: flat schemas of DOUBLE, INT32, INT64 and BYTE_ARRAY (UTF-8
 * strings) columns, required or optional (nulls via definition levels);
 * codecs UNCOMPRESSED, SNAPPY and ZSTD; min/max/null_count statistics;
 * several row groups per file; key-value metadata. The writer emits data
 * pages V1 with PLAIN or dictionary (RLE_DICTIONARY) values. The reader also
 * takes data pages V2 and the encodings DuckDB's and Arrow's V2 files use:
 * PLAIN_DICTIONARY, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 * DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT.
 *
 * A writer writes through the atomic output writer (core/atomic_file.h): a
 * temporary ".<name>.tmp-XXXXXX" beside <path>, renamed to <path> on close, so
 * no reader ever sees a half-written file; abort (or a failed close) removes
 * it. A device or FIFO at <path> is written into directly.
 * A reader maps the file, checks the footer and every offset against the file
 * size, and reports a corrupt or truncated file as a TEP_ERR_PARSE error
 * naming the file and what was expected; unsupported features (GZIP, nested
 * schemas, encryption, other encodings) give TEP_ERR_UNSUPPORTED.
 * A writer or reader is not thread-safe (it reuses scratch buffers): use one
 * per thread; several readers of one file may run side by side.
 */
#ifndef TEP_IO_PARQUET_H
#define TEP_IO_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/frame.h"

/* Column value types of the tep API (physical Parquet type in brackets). */
enum tep_pq_type {
    TEP_PQ_DOUBLE = 0,      /* DOUBLE */
    TEP_PQ_INT32 = 1,       /* INT32 */
    TEP_PQ_INT64 = 2,       /* INT64 */
    TEP_PQ_STRING = 3,      /* BYTE_ARRAY, logical type STRING (converted type UTF8) */
    TEP_PQ_UNSUPPORTED = 4, /* reader only: a type this module cannot decode */
};

enum tep_pq_codec {
    TEP_PQ_UNCOMPRESSED = 0,
    TEP_PQ_SNAPPY = 1,
    TEP_PQ_ZSTD = 2,
};

struct tep_pq_column_def {
    const char *name;
    enum tep_pq_type type;
    bool nullable; /* OPTIONAL (may hold nulls) or REQUIRED */
};

struct tep_pq_writer_options {
    enum tep_pq_codec codec;
    int zstd_level;             /* 0 = zstd's default (3) */
    bool dictionary;            /* dictionary-encode STRING, INT32 and INT64 columns
                                   when it makes the chunk smaller */
    bool dictionary_doubles;    /* also try it for DOUBLE columns */
    size_t page_size;           /* target uncompressed data page size; 0 = 1 MiB */
    size_t dictionary_limit;    /* give up on a dictionary past this many bytes;
                                   0 = 1 MiB */
    bool sync;                  /* fsync the file before the rename and its folder
                                   after it (default true) */
    const char *created_by;     /* footer's created_by; NULL = "tep parquet writer" */
};

/* Defaults: SNAPPY, dictionary for strings and ints, 1 MiB pages, fsync. */
void tep_pq_writer_options_default(struct tep_pq_writer_options *opt);

/* ---- writing ---------------------------------------------------------- */

struct tep_pq_writer;

/* Create a temporary file for <path> for `ncols` columns (names unique, non-empty).
 * `opt` may be NULL (defaults). The definitions are copied. */
struct tep_pq_writer *tep_pq_writer_open(const char *path, const struct tep_pq_column_def *cols,
                                         size_t ncols, const struct tep_pq_writer_options *opt,
                                         struct tep_error *err);

/* Values of one column for one row group. `values` points to `nrows` items:
 *   DOUBLE: const double *     INT32: const int32_t *     INT64: const int64_t *
 *   STRING: const char *const * (NUL-terminated UTF-8; a NULL pointer is a null)
 * A row is null when `valid` is non-NULL and valid[row] == 0, or (DOUBLE with
 * nan_is_null) when the value is NaN. A null in a required column is an error;
 * a NaN in a DOUBLE column without nan_is_null is stored as a NaN value. */
struct tep_pq_column_data {
    const void *values;
    const uint8_t *valid;
    bool nan_is_null;
};

/* Write one row group of `nrows` rows (0 is allowed): cols[i] holds column i.
 * After a failure the writer is poisoned: close fails and removes the file. */
int tep_pq_write_row_group(struct tep_pq_writer *w, const struct tep_pq_column_data *cols,
                           size_t nrows, struct tep_error *err);

/* Add a key-value pair to the footer (copied). */
int tep_pq_writer_add_metadata(struct tep_pq_writer *w, const char *key, const char *value,
                               struct tep_error *err);

/* Write the footer, close and rename to the final path; frees `w` whatever
 * happens. On failure the temporary file is removed and -1 returned. */
int tep_pq_writer_close(struct tep_pq_writer *w, struct tep_error *err);

/* Discard everything written: close and remove the temporary file, free `w`. */
void tep_pq_writer_abort(struct tep_pq_writer *w);

/* Path of the temporary file being written (for tests and messages; "" when
 * writing directly into a device or FIFO). */
const char *tep_pq_writer_temp_path(const struct tep_pq_writer *w);

/* ---- reading ---------------------------------------------------------- */

struct tep_pq_reader;

struct tep_pq_column_info {
    const char *name;
    enum tep_pq_type type; /* TEP_PQ_UNSUPPORTED for e.g. BOOLEAN, FLOAT, INT96 */
    bool nullable;
    int physical_type; /* Parquet Type enum value (TEP_PQ_PHYS_*) */
};

/* Column chunk statistics as stored in the footer. */
struct tep_pq_stats {
    bool has_null_count;
    int64_t null_count;
    bool has_nan_count;
    int64_t nan_count;
    bool has_min_max; /* min/max below are valid */
    double min_double, max_double; /* DOUBLE columns */
    int64_t min_int, max_int;      /* INT32 and INT64 columns */
    const char *min_string;        /* STRING columns: NUL-terminated, owned by the reader */
    const char *max_string;
    size_t min_string_len, max_string_len;
};

struct tep_pq_reader *tep_pq_reader_open(const char *path, struct tep_error *err);
void tep_pq_reader_close(struct tep_pq_reader *r);

size_t tep_pq_reader_num_columns(const struct tep_pq_reader *r);
size_t tep_pq_reader_num_row_groups(const struct tep_pq_reader *r);
int64_t tep_pq_reader_num_rows(const struct tep_pq_reader *r);
size_t tep_pq_reader_row_group_rows(const struct tep_pq_reader *r, size_t row_group);
/* Column `col`'s description; NULL when col is out of range. */
const struct tep_pq_column_info *tep_pq_reader_column(const struct tep_pq_reader *r, size_t col);
/* Index of the column called `name`, or -1. */
int tep_pq_reader_find_column(const struct tep_pq_reader *r, const char *name);
const char *tep_pq_reader_created_by(const struct tep_pq_reader *r); /* "" if absent */
size_t tep_pq_reader_num_metadata(const struct tep_pq_reader *r);
/* i-th key-value pair (value is "" when absent); -1 when out of range. */
int tep_pq_reader_metadata(const struct tep_pq_reader *r, size_t i, const char **key,
                           const char **value);
/* Value for `key`, or NULL. */
const char *tep_pq_reader_metadata_get(const struct tep_pq_reader *r, const char *key);
int tep_pq_reader_stats(const struct tep_pq_reader *r, size_t row_group, size_t col,
                        struct tep_pq_stats *out, struct tep_error *err);

/* Read one column of one row group; `out` has room for the row group's rows,
 * `valid` (may be NULL) receives 1 (value) or 0 (null) per row.
 * read_double: DOUBLE, INT32 or INT64 columns (ints converted); null -> NaN.
 * read_int32:  INT32 columns (or INT64 ones whose values fit); null -> 0.
 * read_int64:  INT32 or INT64 columns; null -> 0.
 * read_string: STRING columns; out[i] is a malloc'd NUL-terminated copy, or
 *   NULL for a null (free with tep_pq_free_strings); a value holding a NUL
 *   byte reads as the text before it. */
int tep_pq_read_double(struct tep_pq_reader *r, size_t row_group, size_t col, double *out,
                       uint8_t *valid, struct tep_error *err);
int tep_pq_read_int32(struct tep_pq_reader *r, size_t row_group, size_t col, int32_t *out,
                      uint8_t *valid, struct tep_error *err);
int tep_pq_read_int64(struct tep_pq_reader *r, size_t row_group, size_t col, int64_t *out,
                      uint8_t *valid, struct tep_error *err);
int tep_pq_read_string(struct tep_pq_reader *r, size_t row_group, size_t col, char **out,
                       struct tep_error *err);
void tep_pq_free_strings(char **values, size_t n);

/* ---- frames ----------------------------------------------------------- */

/* Key columns of a frame file: run_id STRING, sample INT64, time_h DOUBLE,
 * fault INT32 (all required), then every value column as nullable DOUBLE
 * (NaN <-> null). */
#define TEP_PQ_COL_RUN_ID "run_id"
#define TEP_PQ_COL_SAMPLE "sample"
#define TEP_PQ_COL_TIME_H "time_h"
#define TEP_PQ_COL_FAULT "fault"

/* Open a writer whose columns are the key columns then `schema`'s value columns. */
struct tep_pq_writer *tep_pq_writer_open_frame(const char *path, const struct tep_frame *schema,
                                               const struct tep_pq_writer_options *opt,
                                               struct tep_error *err);
/* Write `frame`'s rows as one row group; its value columns must be the
 * writer's (same names, same order). */
int tep_pq_write_frame(struct tep_pq_writer *w, const struct tep_frame *frame,
                       struct tep_error *err);

/* Fill `frame` with row group `row_group` (replacing its rows). When the frame
 * has no value columns yet, every numeric non-key column of the file is added
 * (in file order; other STRING columns are ignored); otherwise each frame
 * column is looked up by name and must exist and be numeric. Key columns that
 * the file lacks read as run_id "", sample 0, time_h NaN, fault 0. A row
 * group whose run_id values differ is an error (a frame holds one run). */
int tep_pq_read_frame(struct tep_pq_reader *r, size_t row_group, struct tep_frame *frame,
                      struct tep_error *err);

/* ---- wire values from parquet.thrift (used by parquet_read/write.c) ---- */

enum tep_pq_physical {
    TEP_PQ_PHYS_BOOLEAN = 0,
    TEP_PQ_PHYS_INT32 = 1,
    TEP_PQ_PHYS_INT64 = 2,
    TEP_PQ_PHYS_INT96 = 3,
    TEP_PQ_PHYS_FLOAT = 4,
    TEP_PQ_PHYS_DOUBLE = 5,
    TEP_PQ_PHYS_BYTE_ARRAY = 6,
    TEP_PQ_PHYS_FIXED_LEN_BYTE_ARRAY = 7,
};

enum tep_pq_encoding {
    TEP_PQ_ENC_PLAIN = 0,
    TEP_PQ_ENC_PLAIN_DICTIONARY = 2,
    TEP_PQ_ENC_RLE = 3,
    TEP_PQ_ENC_BIT_PACKED = 4,
    TEP_PQ_ENC_DELTA_BINARY_PACKED = 5,
    TEP_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
    TEP_PQ_ENC_DELTA_BYTE_ARRAY = 7,
    TEP_PQ_ENC_RLE_DICTIONARY = 8,
    TEP_PQ_ENC_BYTE_STREAM_SPLIT = 9,
};

enum tep_pq_wire_codec {
    TEP_PQ_WIRE_UNCOMPRESSED = 0,
    TEP_PQ_WIRE_SNAPPY = 1,
    TEP_PQ_WIRE_GZIP = 2,
    TEP_PQ_WIRE_LZO = 3,
    TEP_PQ_WIRE_BROTLI = 4,
    TEP_PQ_WIRE_LZ4 = 5,
    TEP_PQ_WIRE_ZSTD = 6,
    TEP_PQ_WIRE_LZ4_RAW = 7,
};

enum tep_pq_page_type {
    TEP_PQ_PAGE_DATA = 0,
    TEP_PQ_PAGE_INDEX = 1,
    TEP_PQ_PAGE_DICTIONARY = 2,
    TEP_PQ_PAGE_DATA_V2 = 3,
};

enum tep_pq_repetition {
    TEP_PQ_REQUIRED = 0,
    TEP_PQ_OPTIONAL = 1,
    TEP_PQ_REPEATED = 2,
};

#define TEP_PQ_CONVERTED_UTF8 0

#endif
