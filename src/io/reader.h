/* reader.h - read TEP data files (CSV, NDJSON, Braatz .dat) as bounded chunks.
 *
 * A reader streams one file into struct tep_frame chunks of at most chunk_rows
 * rows, so memory stays bounded whatever the file size (a CSV/NDJSON reader holds
 * one chunk plus at most max_line_bytes of text; a Braatz file is at most
 * 960 x 52 values). The file is read once; its SHA-256 is computed on the way
 * and reported, with the row count and the fault, as lineage.
 * Every failure names the file, line, column and what was expected, e.g.
 *   data.csv:12:9: expected a number in column 'xmeas_7', found 'abc'
 * A chunk never mixes two runs: it ends where the run changes (see
 * tep_reader_next) and frame->run_id names the run of its rows.
 * Decisions: an empty cell (CSV) or null (NDJSON) is a missing value (NaN); NaN
 * text is an error unless nan_text_is_missing, Inf text always is; blank lines
 * are skipped; a header-only CSV is a valid run with no rows (the columns are
 * known), an empty file is an error. The Rieth 2017 layout (faultNumber,
 * simulationRun, sample, xmeas_*, xmv_*) loads as is: a chunk per run,
 * frame->run_id = the simulationRun text, frame->fault = faultNumber on every row
 * (the run's fault, also before its onset: relabelling is a preprocessing choice),
 * so (fault, run_id) names a run of a file that holds several faults.
 * Braatz files (see braatz_read.c): run_id = the file name without .dat; test
 * files are samples 1..960, labelled 0 up to sample 160 and NN from 161; the
 * training files dNN.dat start 1 h into their run, so their rows are samples
 * 21..500 (time_h 1.05..25.0), all labelled NN; d00.dat is transposed on reading.
 * Parquet files (see parquet_source.c) map columns by name as CSV does; they are
 * read one row group at a time (memory: one decoded row group), a null is a
 * missing value, and errors name the row group, row and column.
 */
#ifndef TEP_IO_READER_H
#define TEP_IO_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/catalog.h"
#include "core/error.h"
#include "core/frame.h"

enum tep_file_format {
    TEP_FORMAT_AUTO = 0, /* from the file name's extension */
    TEP_FORMAT_CSV,
    TEP_FORMAT_JSON, /* NDJSON: one flat JSON object per line */
    TEP_FORMAT_DAT,  /* Braatz dNN.dat / dNN_te.dat */
    TEP_FORMAT_PARQUET,
};

#define TEP_READER_DEFAULT_CHUNK_ROWS 65536
#define TEP_READER_DEFAULT_MAX_LINE_BYTES ((size_t)16 << 20)
#define TEP_READER_DEFAULT_INTERVAL_H 0.05

/* All-zero options mean the defaults (a NULL options pointer too). */
struct tep_reader_options {
    enum tep_file_format format; /* TEP_FORMAT_AUTO: from the extension */
    char delimiter;              /* CSV: ',', ';' or '\t'; 0 = detect from the header */
    size_t chunk_rows;           /* rows per chunk; 0 = 65536 */
    size_t max_line_bytes;       /* longest line (CSV row, NDJSON record); 0 = 16 MiB */
    double interval_h;           /* sampling interval when there is no time column; 0 = 0.05 h */
    bool ignore_unknown_columns; /* skip columns/keys that are no TEP variable or key */
    bool nan_text_is_missing;    /* accept NaN / NA / null text as a missing value */
};

/* Where the rows came from. Final once tep_reader_next() has returned 0. */
struct tep_lineage {
    char path[4096];      /* absolute path of the file */
    long long size_bytes; /* file size at open (a pipe: bytes read, once at the end) */
    char sha256[65];      /* hex SHA-256 of the whole file; "" until the end is reached */
    long long rows_read;  /* rows delivered so far */
    long long runs_read;  /* runs started so far (a multi-run CSV has several) */
    enum tep_file_format format;
    int fault;            /* fault of the file: 0 none, k = IDV(k), -1 several faults */
    double fault_onset_h; /* when the fault starts (see below); NaN if no fault */
};

struct tep_reader;

/* Open `path` (options may be NULL). Reads and checks the header (CSV), the first
 * record (NDJSON) or the whole file (Braatz .dat), so a bad header fails here.
 * Returns NULL and fills `err` on failure: missing file, a directory, unknown
 * format, not a Parquet file, empty file, bad or duplicate columns... */
struct tep_reader *tep_reader_open(const char *path, const struct tep_reader_options *opt,
                                   struct tep_error *err);

/* Fill `frame` (cleared first) with up to chunk_rows rows; returns the number of
 * rows, 0 at the end of the file, -1 on error (and -1 again on every later call).
 * On the first call the reader adds the frame's columns: the catalogue variables
 * the file has, in catalogue order, named xmeas_N / xmv_N, with var = catalogue
 * index (a frame that already has exactly these columns is accepted, anything
 * else is an error). Column order and names then stay the same for every chunk.
 * Keys: frame->sample, time_h and fault come from the file's key columns when it
 * has them; otherwise sample counts rows from 1 within each run, time_h =
 * sample * interval_h and fault = 0.
 * Runs: a chunk ends early where the run changes - the run column's text changes,
 * or the sample number goes down (a new run with the same run text). frame->run_id
 * is the run column's text (checked as a run id: tep_run_id_problem), or the file
 * name without its extension when the file has no run column (not checked: any
 * file can be read; a caller storing runs makes and checks their ids). */
long tep_reader_next(struct tep_reader *r, struct tep_frame *frame, struct tep_error *err);

/* The reader's lineage (owned by the reader; valid until tep_reader_close).
 * fault_onset_h: for Braatz files the documented fault time (1 h into training
 * runs, 8 h into test runs); for CSV/NDJSON the time_h of the first row labelled
 * with a fault. */
const struct tep_lineage *tep_reader_lineage(const struct tep_reader *r);

/* Close the file and free the reader (NULL is fine). */
void tep_reader_close(struct tep_reader *r);

/* The run id the reader gives the rows of a file without a run column: the file
 * name without its extension ("d01_te" for .../d01_te.dat), as it is (it may not be
 * UTF-8: see tep_reader_next). */
const char *tep_reader_file_run_id(const struct tep_reader *r);

/* Format of a file name or bare extension, case-insensitive: "csv"/"tsv" ->
 * CSV, "json"/"ndjson"/"jsonl" -> JSON, "dat" -> DAT, "parquet" -> PARQUET;
 * TEP_FORMAT_AUTO when unknown. Accepts "csv", ".csv" and "dir/run.csv". */
enum tep_file_format tep_format_from_name(const char *name_or_ext);

/* "csv", "ndjson", "dat", "parquet" or "auto". */
const char *tep_format_name(enum tep_file_format format);

/* The one check of a run id, whatever it comes from (a run-id column, a file name,
 * the path of a file below data.input_dir, "file#run"): NULL when the n bytes at
 * `id` can be a run id - 1 to TEP_RUN_ID_MAX - 1 bytes of valid UTF-8 without a NUL
 * byte - else what is wrong with it ("empty", "longer than 1023 bytes", "not valid
 * UTF-8 at byte 7", "a NUL byte at byte 3"), written to why (at least 64 bytes).
 * Stores take the text as is: SQLite and PostgreSQL as text, InfluxDB as a tag, the
 * lake escaped in its folder names. */
const char *tep_run_id_problem(const char *id, size_t n, char *why, size_t whysize);

#ifdef TEP_READER_INTERNAL
/* ------------------------------------------------------------------------
 * Interface between reader.c and the per-format files (csv_read.c,
 * ndjson_read.c, braatz_read.c). Not for users of the reader.
 * ------------------------------------------------------------------------ */

/* Buffered, hashing byte source: the file is read in blocks, each block goes
 * through SHA-256 once, and a line is exposed in place (no copy). The buffer
 * never holds more than max_line + one read block. */
struct tep_byte_source {
    int fd;
    const char *display_path; /* the path as the user gave it, for messages */
    char *buf;
    size_t cap;      /* allocated bytes */
    size_t start;    /* first unconsumed byte */
    size_t len;      /* bytes in buf */
    size_t max_line; /* longest line (without its '\n') we agree to hold */
    bool eof;
    void *sha;           /* EVP_MD_CTX *, NULL once finished */
    char sha256_hex[65]; /* filled at the end of the file */
    long long bytes_read;
    long line; /* 1-based line number of the byte at `start` */
};

/* Make sure the bytes from `start` up to a '\n' at or after offset `from`
 * (relative to start) are in the buffer. Returns the offset of that '\n', or, at
 * the end of the file, the number of bytes left (with *at_eof = true; 0 bytes
 * left means nothing more). -1 on error: a read failure, or no '\n' within
 * max_line bytes (the error names `line`). Invalidates earlier pointers. */
long long tep_src_find_newline(struct tep_byte_source *s, size_t from, bool *at_eof,
                               struct tep_error *err);

/* Pointer to the unconsumed bytes (valid until the next find_newline). */
static inline const char *tep_src_data(const struct tep_byte_source *s)
{
    return s->buf + s->start;
}

/* Mark `n` bytes consumed, of which `newlines` were line ends. */
static inline void tep_src_consume(struct tep_byte_source *s, size_t n, long newlines)
{
    s->start += n;
    s->line += newlines;
}

/* The key columns a file may have besides the catalogue variables. */
enum tep_key_kind {
    TEP_KEY_NONE = 0,
    TEP_KEY_SAMPLE, /* sample */
    TEP_KEY_TIME,   /* time_h, time, "time (h)" */
    TEP_KEY_FAULT,  /* fault, faultNumber, fault_label, label */
    TEP_KEY_RUN,    /* run_id, simulationRun, run */
};

/* Which key a column name is (case-insensitive), or TEP_KEY_NONE. */
enum tep_key_kind tep_reader_key_kind(const char *name);
const char *tep_reader_key_name(enum tep_key_kind kind);

/* Keys of one row as a format read them. */
struct tep_row_keys {
    long line;          /* line of the row, for messages */
    long sample_column; /* column of the sample key, for messages */
    bool has_sample, has_time, has_fault, has_run;
    long long sample;
    double time_h;
    int fault;
    char run[TEP_RUN_ID_MAX];
};

struct tep_reader;

/* One file format: open reads the header and fills the schema, read_row writes
 * one row's values into frame row `row` (every schema column, NaN if missing) and
 * its keys; returns 1, 0 at the end, -1 on error. */
struct tep_format_ops {
    const char *name;
    int (*open)(struct tep_reader *r, struct tep_error *err);
    int (*read_row)(struct tep_reader *r, struct tep_frame *frame, size_t row,
                    struct tep_row_keys *keys, struct tep_error *err);
    void (*close)(struct tep_reader *r);
};

extern const struct tep_format_ops tep_csv_format;
extern const struct tep_format_ops tep_ndjson_format;
extern const struct tep_format_ops tep_braatz_format;

/* What the format's open() fills in. */
struct tep_reader_schema {
    int ncols;           /* value columns */
    int var[TEP_N_VARS]; /* catalogue index of frame column c, ascending */
};

/* The reader object (shared by all formats). */
struct tep_reader {
    struct tep_reader_options opt; /* with the defaults filled in */
    struct tep_lineage lineage;
    struct tep_byte_source src;
    char display_path[4096];   /* the path as given, for messages */
    char stem[TEP_RUN_ID_MAX]; /* file name without directory and extension */
    const struct tep_format_ops *ops;
    void *impl; /* format state */
    struct tep_reader_schema schema;
    bool fault_from_format; /* the format set lineage.fault/fault_onset_h itself */
    /* run tracking */
    bool in_run;
    char run_name[TEP_RUN_ID_MAX]; /* run column text (or stem) of the current run */
    int run_repeat;                /* 1, or k when it is the k-th consecutive run so named */
    char run_id[TEP_RUN_ID_MAX];   /* what frame->run_id gets */
    long long last_sample;
    long long rows_in_run;
    bool have_pending; /* a row that began a new run, held for the next chunk */
    double *pending_values;
    struct tep_row_keys pending_keys;
    bool at_end;
    bool failed;
    struct tep_error failure; /* repeated on every call after a failure */
};

/* Write `text` (n bytes) for a message: at most 40 characters, escaped as
 * tep_text_quote does (core/text.h), "..." when cut. Returns out. */
const char *tep_reader_quote(const char *text, size_t n, char *out, size_t outsize);

/* Parse a whole field [s, s+n) as a key value for column `what` (named in
 * messages) into keys; `line`/`column` locate it. */
int tep_reader_parse_key(struct tep_reader *r, enum tep_key_kind kind, const char *what,
                         const char *s, size_t n, struct tep_row_keys *keys, long line, long column,
                         struct tep_error *err);

/* Parse a whole value field [s, s+n) (already trimmed; n > 0) for column `what`:
 * a finite number, or NaN text when nan_text_is_missing. */
int tep_reader_parse_value(struct tep_reader *r, const char *what, const char *s, size_t n,
                           double *out, long line, long column, struct tep_error *err);
#endif /* TEP_READER_INTERNAL */

#endif
