/* reader.c - the format-independent half of the file readers (see reader.h).
 *
 * Owns the open file, the buffered SHA-256-hashing byte source every format
 * reads through, the chunk loop (a format only parses one row at a time), the
 * run tracking that ends a chunk where the run changes, and the lineage.
 * Helpers shared by the formats live here too: key-column names, key and value
 * cell parsing with the standard messages, UTF-8 checking, quoting found text.
 * Invariant: after a failure the reader is poisoned and repeats the same error.
 */
#define TEP_READER_INTERNAL
#include "io/reader.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/text.h"
#include "io/numparse.h"

#define READ_BLOCK_BYTES ((size_t)1 << 20)

/* The Parquet format (parquet_source.c); its siblings are declared in reader.h. */
extern const struct tep_format_ops tep_parquet_format;
#define FAULT_LABEL_MAX 1000000

/* ------------------------------------------------------------------ names */

enum tep_file_format tep_format_from_name(const char *name_or_ext)
{
    if (!name_or_ext) return TEP_FORMAT_AUTO;
    const char *base = strrchr(name_or_ext, '/');
    base = base ? base + 1 : name_or_ext;
    const char *dot = strrchr(base, '.');
    const char *ext = dot ? dot + 1 : base;
    if (!strcasecmp(ext, "csv") || !strcasecmp(ext, "tsv")) return TEP_FORMAT_CSV;
    if (!strcasecmp(ext, "json") || !strcasecmp(ext, "ndjson") || !strcasecmp(ext, "jsonl"))
        return TEP_FORMAT_JSON;
    if (!strcasecmp(ext, "dat")) return TEP_FORMAT_DAT;
    if (!strcasecmp(ext, "parquet")) return TEP_FORMAT_PARQUET;
    return TEP_FORMAT_AUTO;
}

const char *tep_format_name(enum tep_file_format format)
{
    switch (format) {
    case TEP_FORMAT_CSV:
        return "csv";
    case TEP_FORMAT_JSON:
        return "ndjson";
    case TEP_FORMAT_DAT:
        return "dat";
    case TEP_FORMAT_PARQUET:
        return "parquet";
    default:
        return "auto";
    }
}

/* lower-case letters and digits only: "Time (h)" -> "timeh" */
static void normalise_name(const char *in, char *out, size_t outsize)
{
    size_t n = 0;
    for (; *in && n + 1 < outsize; in++)
        if (isalnum((unsigned char)*in)) out[n++] = (char)tolower((unsigned char)*in);
    out[n] = '\0';
}

enum tep_key_kind tep_reader_key_kind(const char *name)
{
    static const struct {
        const char *normalised;
        enum tep_key_kind kind;
    } names[] = {
        {"sample", TEP_KEY_SAMPLE}, {"timeh", TEP_KEY_TIME},        {"time", TEP_KEY_TIME},
        {"fault", TEP_KEY_FAULT},   {"faultnumber", TEP_KEY_FAULT}, {"faultlabel", TEP_KEY_FAULT},
        {"label", TEP_KEY_FAULT},   {"runid", TEP_KEY_RUN},         {"simulationrun", TEP_KEY_RUN},
        {"run", TEP_KEY_RUN},
    };
    char want[64];
    normalise_name(name, want, sizeof want);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(want, names[i].normalised) == 0) return names[i].kind;
    return TEP_KEY_NONE;
}

const char *tep_reader_key_name(enum tep_key_kind kind)
{
    switch (kind) {
    case TEP_KEY_SAMPLE:
        return "sample";
    case TEP_KEY_TIME:
        return "time_h";
    case TEP_KEY_FAULT:
        return "fault";
    case TEP_KEY_RUN:
        return "run_id";
    default:
        return "none";
    }
}

/* ------------------------------------------------------------ text helpers */

const char *tep_reader_quote(const char *text, size_t n, char *out, size_t outsize)
{
    return tep_text_quote(text, n, 40, out, outsize);
}

const char *tep_run_id_problem(const char *id, size_t n, char *why, size_t whysize)
{
    long bad;
    const char *nul = n ? memchr(id, '\0', n) : NULL;
    if (n == 0)
        snprintf(why, whysize, "empty");
    else if (n >= TEP_RUN_ID_MAX)
        snprintf(why, whysize, "%zu bytes, longer than %d", n, TEP_RUN_ID_MAX - 1);
    else if (nul)
        snprintf(why, whysize, "a NUL byte at byte %ld", (long)(nul - id) + 1);
    else if ((bad = tep_utf8_invalid_at(id, n)) >= 0)
        snprintf(why, whysize, "not valid UTF-8 at byte %ld (0x%02X)", bad + 1,
                 (unsigned)(unsigned char)id[bad]);
    else
        return NULL;
    return why;
}

static bool text_equals_nocase(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* NaN text: nan (with an optional sign), na, null, n/a. */
static bool is_nan_text(const char *s, size_t n)
{
    const char *t = s;
    size_t m = n;
    if (m > 0 && (*t == '-' || *t == '+')) t++, m--;
    return text_equals_nocase(t, m, "nan") || text_equals_nocase(s, n, "na") ||
           text_equals_nocase(s, n, "null") || text_equals_nocase(s, n, "n/a");
}

static bool is_inf_text(const char *s, size_t n)
{
    if (n > 0 && (*s == '-' || *s == '+')) s++, n--;
    return text_equals_nocase(s, n, "inf") || text_equals_nocase(s, n, "infinity");
}

int tep_reader_parse_value(struct tep_reader *r, const char *what, const char *s, size_t n,
                           double *out, long line, long column, struct tep_error *err)
{
    char shown[200];
    double v;
    const char *end = tep_num_parse(s, s + n, &v);
    if (end == s + n) {
        if (isfinite(v)) {
            *out = v;
            return 0;
        }
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, column,
                                "expected a finite number in column '%s', found '%s' "
                                "(too large for a double)",
                                what, tep_reader_quote(s, n, shown, sizeof shown));
    }
    if (is_nan_text(s, n)) {
        if (r->opt.nan_text_is_missing) {
            *out = NAN;
            return 0;
        }
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, column,
                                "expected a number in column '%s', found '%s' (NaN text is not "
                                "accepted: leave the cell empty for a missing value, or set "
                                "nan_text_is_missing)",
                                what, tep_reader_quote(s, n, shown, sizeof shown));
    }
    if (is_inf_text(s, n))
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, column,
                                "expected a finite number in column '%s', found '%s' (a TEP "
                                "value cannot be infinite)",
                                what, tep_reader_quote(s, n, shown, sizeof shown));
    return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, column,
                            "expected a number in column '%s', found '%s'", what,
                            tep_reader_quote(s, n, shown, sizeof shown));
}

/* A whole number in [lo, hi] written as digits (or a float with no fraction: 3.0). */
static bool parse_whole_number(const char *s, size_t n, long long lo, long long hi, long long *out)
{
    double v;
    if (n == 0 || tep_num_parse(s, s + n, &v) != s + n) return false;
    if (!(v >= (double)lo && v <= (double)hi) || v != floor(v)) return false;
    *out = (long long)v;
    return true;
}

int tep_reader_parse_key(struct tep_reader *r, enum tep_key_kind kind, const char *what,
                         const char *s, size_t n, struct tep_row_keys *keys, long line, long column,
                         struct tep_error *err)
{
    char shown[200];
    long long whole;
    switch (kind) {
    case TEP_KEY_SAMPLE:
        if (!parse_whole_number(s, n, 0, 9007199254740992LL, &whole))
            return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, column,
                                    "expected a sample number (a whole number >= 0) in column "
                                    "'%s', found '%s'",
                                    what, tep_reader_quote(s, n, shown, sizeof shown));
        keys->has_sample = true;
        keys->sample = whole;
        keys->sample_column = column;
        return 0;
    case TEP_KEY_TIME: {
        double v;
        if (n == 0 || tep_num_parse(s, s + n, &v) != s + n || !isfinite(v))
            return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, column,
                                    "expected a time in hours (a finite number) in column '%s', "
                                    "found '%s'",
                                    what, tep_reader_quote(s, n, shown, sizeof shown));
        keys->has_time = true;
        keys->time_h = v;
        return 0;
    }
    case TEP_KEY_FAULT:
        if (!parse_whole_number(s, n, 0, FAULT_LABEL_MAX, &whole))
            return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, column,
                                    "expected a fault number (0 = normal, k = IDV(k)) in column "
                                    "'%s', found '%s'",
                                    what, tep_reader_quote(s, n, shown, sizeof shown));
        keys->has_fault = true;
        keys->fault = (int)whole;
        return 0;
    case TEP_KEY_RUN: {
        char why[96];
        if (tep_run_id_problem(s, n, why, sizeof why))
            return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, column,
                                    "expected a run id (1 to %d bytes of UTF-8 text) in column "
                                    "'%s', found '%s' (%s)",
                                    TEP_RUN_ID_MAX - 1, what,
                                    tep_reader_quote(s, n, shown, sizeof shown), why);
        keys->has_run = true;
        memcpy(keys->run, s, n);
        keys->run[n] = '\0';
        return 0;
    }
    default:
        return tep_error_set(err, TEP_ERR_INTERNAL, "parse_key: no key kind");
    }
}

/* ------------------------------------------------------------ byte source */

static int src_read_more(struct tep_byte_source *s, struct tep_error *err)
{
    if (s->start > 0) { /* keep only the unconsumed tail */
        memmove(s->buf, s->buf + s->start, s->len - s->start);
        s->len -= s->start;
        s->start = 0;
    }
    if (s->cap - s->len < READ_BLOCK_BYTES / 2) { /* grow geometrically, up to the limit */
        size_t limit = s->max_line < SIZE_MAX / 2 ? s->max_line + READ_BLOCK_BYTES : SIZE_MAX / 2;
        size_t want = s->cap < limit / 2 ? 2 * s->cap : limit;
        if (want < s->len + READ_BLOCK_BYTES / 2) want = s->len + READ_BLOCK_BYTES / 2;
        char *grown = realloc(s->buf, want);
        if (!grown)
            return tep_error_set_at(err, TEP_ERR_NOMEM, s->display_path, s->line, 0,
                                    "out of memory growing the read buffer to %zu bytes", want);
        s->buf = grown;
        s->cap = want;
    }
    ssize_t got;
    do {
        got = read(s->fd, s->buf + s->len, s->cap - s->len);
    } while (got < 0 && errno == EINTR);
    if (got < 0) return tep_error_set_errno(err, TEP_ERR_IO, "cannot read", s->display_path);
    if (got == 0) {
        s->eof = true;
        if (s->sha) {
            unsigned char digest[EVP_MAX_MD_SIZE];
            unsigned int dlen = 0;
            int ok = EVP_DigestFinal_ex(s->sha, digest, &dlen);
            EVP_MD_CTX_free(s->sha);
            s->sha = NULL;
            if (!ok || dlen != 32)
                return tep_error_set(err, TEP_ERR_INTERNAL, "SHA-256 finalisation failed");
            for (unsigned i = 0; i < dlen; i++)
                snprintf(s->sha256_hex + 2 * i, 3, "%02x", digest[i]);
        }
        return 0;
    }
    if (s->sha && !EVP_DigestUpdate(s->sha, s->buf + s->len, (size_t)got))
        return tep_error_set(err, TEP_ERR_INTERNAL, "SHA-256 update failed");
    s->len += (size_t)got;
    s->bytes_read += got;
    return 0;
}

static int line_too_long(const struct tep_byte_source *s, struct tep_error *err)
{
    return tep_error_set_at(err, TEP_ERR_PARSE, s->display_path, s->line, (long)s->max_line + 1,
                            "line is longer than max_line_bytes (%zu bytes): expected a line "
                            "end within %zu bytes",
                            s->max_line, s->max_line);
}

long long tep_src_find_newline(struct tep_byte_source *s, size_t from, bool *at_eof,
                               struct tep_error *err)
{
    *at_eof = false;
    size_t scan = s->start + from;
    for (;;) {
        if (scan < s->len) {
            const char *nl = memchr(s->buf + scan, '\n', s->len - scan);
            if (nl) {
                size_t off = (size_t)(nl - (s->buf + s->start));
                if (off > s->max_line) return line_too_long(s, err);
                return (long long)off;
            }
            scan = s->len;
        }
        if (s->len - s->start > s->max_line) return line_too_long(s, err);
        if (s->eof) {
            *at_eof = true;
            return (long long)(s->len - s->start);
        }
        size_t scanned = scan - s->start;
        if (src_read_more(s, err) != 0) return -1;
        scan = s->start + scanned;
    }
}

/* ------------------------------------------------------------ open/close */

/* The name of the run of a file without a run column: the file name without its
 * extension. It is not checked as a run id here: a file read for `tep analyze` may
 * have any name, and where a run is stored the caller makes the id (source_files.c:
 * the file's path below data.input_dir, checked before the first run). A name too
 * long for the field is cut between characters. */
static void set_stem(struct tep_reader *r, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (snprintf(r->stem, sizeof r->stem, "%s", base) >= (int)sizeof r->stem)
        r->stem[tep_utf8_cut(r->stem, sizeof r->stem - 1)] = '\0';
    char *dot = strrchr(r->stem, '.');
    if (dot && dot != r->stem) *dot = '\0';
}

static void fill_defaults(struct tep_reader_options *o)
{
    if (o->chunk_rows == 0) o->chunk_rows = TEP_READER_DEFAULT_CHUNK_ROWS;
    if (o->max_line_bytes == 0) o->max_line_bytes = TEP_READER_DEFAULT_MAX_LINE_BYTES;
    if (!(o->interval_h > 0)) o->interval_h = TEP_READER_DEFAULT_INTERVAL_H;
}

struct tep_reader *tep_reader_open(const char *path, const struct tep_reader_options *opt,
                                   struct tep_error *err)
{
    struct tep_reader *r = NULL;
    if (!path || !*path) {
        tep_error_set(err, TEP_ERR_ARG, "tep_reader_open: expected a file path, got none");
        return NULL;
    }
    if (opt && opt->delimiter && opt->delimiter != ',' && opt->delimiter != ';' &&
        opt->delimiter != '\t') {
        tep_error_set_at(err, TEP_ERR_ARG, path, 0, 0,
                         "delimiter must be ',', ';' or tab (or 0 to detect it)");
        return NULL;
    }
    r = calloc(1, sizeof *r);
    if (!r) goto nomem;
    r->src.fd = -1;
    if (opt) r->opt = *opt;
    fill_defaults(&r->opt);
    snprintf(r->display_path, sizeof r->display_path, "%s", path);
    r->src.display_path = r->display_path;
    r->src.max_line = r->opt.max_line_bytes;
    r->src.line = 1;
    set_stem(r, path);

    enum tep_file_format format = r->opt.format;
    if (format == TEP_FORMAT_AUTO) format = tep_format_from_name(path);
    switch (format) {
    case TEP_FORMAT_CSV:
        r->ops = &tep_csv_format;
        break;
    case TEP_FORMAT_JSON:
        r->ops = &tep_ndjson_format;
        break;
    case TEP_FORMAT_DAT:
        r->ops = &tep_braatz_format;
        break;
    case TEP_FORMAT_PARQUET:
        r->ops = &tep_parquet_format;
        break;
    default:
        tep_error_set_at(err, TEP_ERR_ARG, path, 0, 0,
                         "cannot tell the file format from the name: expected an extension "
                         ".csv, .tsv, .json, .ndjson, .jsonl, .dat or .parquet (or set the "
                         "format option)");
        goto fail;
    }
    r->lineage.format = format;
    r->lineage.fault_onset_h = NAN;

    r->src.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->src.fd < 0) {
        tep_error_set_at(err, TEP_ERR_IO, path, 0, 0,
                         "cannot open the file: %s (expected a readable data file)",
                         strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(r->src.fd, &st) != 0) {
        tep_error_set_errno(err, TEP_ERR_IO, "cannot stat the file", path);
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        tep_error_set_at(err, TEP_ERR_IO, path, 0, 0, "is a directory: expected a data file");
        goto fail;
    }
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
        tep_error_set_at(err, TEP_ERR_IO, path, 0, 0,
                         "is not a regular file or a pipe: expected a data file");
        goto fail;
    }
    r->lineage.size_bytes = S_ISREG(st.st_mode) ? (long long)st.st_size : -1;
    char resolved[PATH_MAX];
    snprintf(r->lineage.path, sizeof r->lineage.path, "%s",
             realpath(path, resolved) ? resolved : path);

    r->src.sha = EVP_MD_CTX_new();
    if (!r->src.sha || !EVP_DigestInit_ex(r->src.sha, EVP_sha256(), NULL)) {
        tep_error_set(err, TEP_ERR_INTERNAL, "cannot start a SHA-256 digest (OpenSSL)");
        goto fail;
    }
    r->src.cap = READ_BLOCK_BYTES;
    r->src.buf = malloc(r->src.cap);
    if (!r->src.buf) goto nomem;
    if (r->ops->open(r, err) != 0) goto fail;
    r->pending_values = malloc(sizeof(double) * (size_t)(r->schema.ncols ? r->schema.ncols : 1));
    if (!r->pending_values) goto nomem;
    return r;
nomem:
    tep_error_set_at(err, TEP_ERR_NOMEM, path, 0, 0, "out of memory opening the file");
fail:
    tep_reader_close(r);
    return NULL;
}

void tep_reader_close(struct tep_reader *r)
{
    if (!r) return;
    if (r->ops && r->ops->close) r->ops->close(r);
    if (r->src.fd >= 0) close(r->src.fd);
    if (r->src.sha) EVP_MD_CTX_free(r->src.sha);
    free(r->src.buf);
    free(r->pending_values);
    free(r);
}

const char *tep_reader_file_run_id(const struct tep_reader *r)
{
    return r ? r->stem : "";
}

const struct tep_lineage *tep_reader_lineage(const struct tep_reader *r)
{
    return r ? &r->lineage : NULL;
}

/* ------------------------------------------------------------ chunks */

/* Give the frame the schema's columns, or check that it already has them. */
static int setup_frame(const struct tep_reader *r, struct tep_frame *frame, struct tep_error *err)
{
    const struct tep_reader_schema *sc = &r->schema;
    if (frame->ncols == 0) {
        for (int c = 0; c < sc->ncols; c++)
            if (tep_frame_add_column(frame, tep_catalog[sc->var[c]].name, sc->var[c], err) < 0)
                return -1;
    } else {
        bool same = frame->ncols == (size_t)sc->ncols;
        for (int c = 0; same && c < sc->ncols; c++)
            same = frame->cols[c].var == sc->var[c] &&
                   strcmp(frame->cols[c].name, tep_catalog[sc->var[c]].name) == 0;
        if (!same)
            return tep_error_set_at(err, TEP_ERR_ARG, r->display_path, 0, 0,
                                    "the frame passed to tep_reader_next has %zu other columns; "
                                    "expected an empty frame or the %d columns of this file",
                                    frame->ncols, sc->ncols);
    }
    if (frame->capacity < r->opt.chunk_rows)
        return tep_frame_reserve(frame, r->opt.chunk_rows, err);
    return 0;
}

static bool starts_new_run(const struct tep_reader *r, const struct tep_row_keys *k)
{
    if (!r->in_run) return true;
    const char *name = k->has_run ? k->run : r->stem;
    if (strcmp(name, r->run_name) != 0) return true;
    return k->has_sample && k->sample < r->last_sample;
}

/* A run starts at this row: its id is the run name, or "name#k" for the k-th run in a
 * row with the same name (the sample number went down); never cut short. */
static int begin_run(struct tep_reader *r, const struct tep_row_keys *k, struct tep_error *err)
{
    const char *name = k->has_run ? k->run : r->stem;
    int repeat = r->in_run && strcmp(name, r->run_name) == 0 ? r->run_repeat + 1 : 1;
    int n = repeat == 1 ? snprintf(r->run_id, sizeof r->run_id, "%s", name)
                        : snprintf(r->run_id, sizeof r->run_id, "%s#%d", name, repeat);
    if (n < 0 || (size_t)n >= sizeof r->run_id) {
        char shown[200];
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, k->line, 0,
                                "run '%s' starts again (sample number went down): its id "
                                "'name#%d' would be longer than %d bytes",
                                tep_reader_quote(name, strlen(name), shown, sizeof shown), repeat,
                                TEP_RUN_ID_MAX - 1);
    }
    if (repeat == 1) snprintf(r->run_name, sizeof r->run_name, "%s", name);
    r->run_repeat = repeat;
    r->in_run = true;
    r->rows_in_run = 0;
    r->last_sample = -1;
    r->lineage.runs_read++;
    return 0;
}

/* Fill in the derived keys of row `row` and account for it. */
static int commit_row(struct tep_reader *r, struct tep_frame *frame, size_t row,
                      const struct tep_row_keys *k, struct tep_error *err)
{
    if (starts_new_run(r, k) && begin_run(r, k, err) != 0) return -1;
    long long sample = k->has_sample ? k->sample : r->rows_in_run + 1;
    if (k->has_sample && r->rows_in_run > 0 && sample == r->last_sample)
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, k->line, k->sample_column,
                                "sample %lld of run '%s' appears twice: expected increasing "
                                "sample numbers within a run",
                                sample, r->run_id);
    double time_h = k->has_time ? k->time_h : (double)sample * r->opt.interval_h;
    int fault = k->has_fault ? k->fault : 0;
    frame->sample[row] = sample;
    frame->time_h[row] = time_h;
    frame->fault[row] = fault;
    r->last_sample = sample;
    r->rows_in_run++;
    if (fault != 0 && !r->fault_from_format) {
        if (r->lineage.fault == 0) {
            r->lineage.fault = fault;
            r->lineage.fault_onset_h = time_h;
        } else if (r->lineage.fault != fault) {
            r->lineage.fault = -1;
        }
    }
    return 0;
}

static void finish_lineage(struct tep_reader *r)
{
    if (r->src.eof && r->src.sha256_hex[0])
        memcpy(r->lineage.sha256, r->src.sha256_hex, sizeof r->lineage.sha256);
    if (r->src.eof && r->lineage.size_bytes < 0) r->lineage.size_bytes = r->src.bytes_read;
}

long tep_reader_next(struct tep_reader *r, struct tep_frame *frame, struct tep_error *err)
{
    struct tep_error local; /* used when the caller passes no error record */
    tep_error_clear(&local);
    struct tep_error *e = err ? err : &local;
    tep_error_clear(e);
    if (!r || !frame) return tep_error_set(e, TEP_ERR_ARG, "tep_reader_next: NULL argument");
    if (r->failed) {
        *e = r->failure;
        return -1;
    }
    if (setup_frame(r, frame, e) != 0) return -1; /* the caller's mistake: not sticky */
    tep_frame_clear(frame);
    size_t n = 0;
    if (r->have_pending) { /* the first row of a new run, read by the previous call */
        for (int c = 0; c < r->schema.ncols; c++)
            frame->cols[c].data[0] = r->pending_values[c];
        r->have_pending = false;
        if (commit_row(r, frame, 0, &r->pending_keys, e) != 0) goto fail;
        n = 1;
    }
    while (n < r->opt.chunk_rows && !r->at_end) {
        struct tep_row_keys keys;
        memset(&keys, 0, sizeof keys);
        int rc = r->ops->read_row(r, frame, n, &keys, e);
        if (rc < 0) goto fail;
        if (rc == 0) {
            r->at_end = true;
            break;
        }
        if (n > 0 && starts_new_run(r, &keys)) {
            for (int c = 0; c < r->schema.ncols; c++)
                r->pending_values[c] = frame->cols[c].data[n];
            r->pending_keys = keys;
            r->have_pending = true;
            break;
        }
        if (commit_row(r, frame, n, &keys, e) != 0) goto fail;
        n++;
    }
    frame->nrows = n;
    snprintf(frame->run_id, sizeof frame->run_id, "%s", r->in_run ? r->run_id : r->stem);
    r->lineage.rows_read += (long long)n;
    if (r->at_end) finish_lineage(r);
    return (long)n;
fail:
    tep_frame_clear(frame);
    r->failed = true;
    r->failure = *e;
    return -1;
}
