/* braatz_read.c - the classic Braatz TEP files dNN.dat / dNN_te.dat (see reader.h).
 *
 * Facts from ../shared/data/braatz/FORMAT.md: whitespace-separated numbers, 52
 * columns XMEAS(1..41), XMV(1..11) (XMV(12) is absent); dNN.dat (NN >= 1) has
 * 480 rows, all faulty; dNN_te.dat has 960 rows, normal for samples 1..160 and
 * faulty from sample 161 (the fault starts at 8 h); d00.dat is stored transposed,
 * 52 lines of 500 values, and is transposed here. Sampling every 3 min (0.05 h).
 * The fault comes from the file name. The training files begin at the fault, 1 h
 * into a 25 h run whose first 20 samples were dropped, so their rows are numbered
 * as samples 21..500 of that run (time_h 1.05..25.0) and lineage.fault_onset_h is
 * 1.0; test files are samples 1..960 (time_h = sample * 0.05), onset 8.0; d00.dat
 * is samples 1..500. A file is at most 960 x 52 values, so it is read whole at
 * open and its shape checked before any row is handed out.
 */
#define TEP_READER_INTERNAL
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/numparse.h"
#include "io/reader.h"

#define BRAATZ_COLS 52         /* XMEAS 1..41, XMV 1..11 */
#define BRAATZ_D00_SAMPLES 500 /* d00.dat, stored as 52 lines of 500 */
#define BRAATZ_TRAIN_ROWS 480
#define BRAATZ_TEST_ROWS 960
#define BRAATZ_FAULT_MAX 21
#define BRAATZ_INTERVAL_H 0.05       /* 3 min */
#define BRAATZ_TEST_ONSET_SAMPLE 160 /* last normal sample of a test run (8 h) */
#define BRAATZ_TRAIN_FIRST_SAMPLE 21 /* training files start 1 h (20 samples) in */

struct braatz_state {
    double *values; /* rows x 52, row-major after any transposition */
    int rows;
    int next_row;
    int fault;
    bool test_file;
    int first_sample;
};

/* dNN.dat or dNN_te.dat -> fault NN and the kind of file; -1 if the name is other. */
static int parse_file_name(const char *path, int *fault, bool *test_file)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n != 7 && n != 10) return -1;
    if (base[0] != 'd' && base[0] != 'D') return -1;
    if (base[1] < '0' || base[1] > '9' || base[2] < '0' || base[2] > '9') return -1;
    *fault = (base[1] - '0') * 10 + (base[2] - '0');
    *test_file = n == 10;
    if (*test_file && strncasecmp(base + 3, "_te", 3) != 0) return -1;
    if (strcasecmp(base + n - 4, ".dat") != 0) return -1;
    return *fault <= BRAATZ_FAULT_MAX ? 0 : -1;
}

static inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Parse one line into `out` (the first `max` values); returns how many values the
 * line has (all are counted, only `max` stored), or -1. */
static int parse_line(struct tep_reader *r, const char *text, size_t len, long line,
                      bool transposed, int line_index, double *out, int max, struct tep_error *err)
{
    const char *p = text, *end = text + len;
    int count = 0;
    for (;;) {
        while (p < end && is_space(*p))
            p++;
        if (p == end) return count;
        const char *tok = p;
        while (p < end && !is_space(*p))
            p++;
        if (count >= max) { /* too many: counted for the message, not parsed */
            count++;
            continue;
        }
        double v;
        if (tep_num_parse(tok, p, &v) != p || !isfinite(v)) {
            int var = transposed ? line_index : count;
            char what[64];
            snprintf(what, sizeof what, "%s", var < BRAATZ_COLS ? tep_catalog[var].name : "?");
            if (tep_reader_parse_value(r, what, tok, (size_t)(p - tok), &v, line, count + 1, err) !=
                0)
                return -1;
        }
        out[count++] = v;
    }
}

/* Check the shape against the file name and set up schema, labels and lineage. */
static int check_shape(struct tep_reader *r, struct braatz_state *st, int lines, int per_line,
                       struct tep_error *err)
{
    bool transposed = per_line == BRAATZ_D00_SAMPLES;
    int want_rows = st->test_file    ? BRAATZ_TEST_ROWS
                    : st->fault == 0 ? BRAATZ_D00_SAMPLES
                                     : BRAATZ_TRAIN_ROWS;
    bool want_transposed = !st->test_file && st->fault == 0;
    int rows = transposed ? per_line : lines;
    int cols = transposed ? lines : per_line;
    if (rows != want_rows || cols != BRAATZ_COLS || transposed != want_transposed) {
        const char *kind = st->test_file ? "a test file"
                           : st->fault   ? "a fault training file"
                                         : "d00.dat stored transposed";
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, 0, 0,
                                "expected %s of %d x %d values (lines x values per line), found "
                                "%d x %d",
                                kind, want_transposed ? BRAATZ_COLS : want_rows,
                                want_transposed ? BRAATZ_D00_SAMPLES : BRAATZ_COLS, lines,
                                per_line);
    }
    st->rows = rows;
    st->first_sample = !st->test_file && st->fault > 0 ? BRAATZ_TRAIN_FIRST_SAMPLE : 1;
    r->schema.ncols = BRAATZ_COLS;
    for (int v = 0; v < BRAATZ_COLS; v++)
        r->schema.var[v] = v;
    r->fault_from_format = true;
    r->lineage.fault = st->fault;
    if (st->fault == 0)
        r->lineage.fault_onset_h = NAN;
    else if (st->test_file)
        r->lineage.fault_onset_h = BRAATZ_TEST_ONSET_SAMPLE * BRAATZ_INTERVAL_H;
    else
        r->lineage.fault_onset_h = (BRAATZ_TRAIN_FIRST_SAMPLE - 1) * BRAATZ_INTERVAL_H;
    return 0;
}

static int braatz_open(struct tep_reader *r, struct tep_error *err)
{
    double *line_values = NULL;
    struct braatz_state *st = calloc(1, sizeof *st);
    if (!st) goto nomem;
    r->impl = st;
    if (parse_file_name(r->display_path, &st->fault, &st->test_file) != 0) {
        const char *base = strrchr(r->display_path, '/');
        tep_error_set_at(err, TEP_ERR_ARG, r->display_path, 0, 0,
                         "expected a Braatz file name dNN.dat or dNN_te.dat (NN = 00..21, "
                         "which gives the fault), found '%s'",
                         base ? base + 1 : r->display_path);
        goto fail;
    }
    st->values = malloc(sizeof(double) * BRAATZ_TEST_ROWS * BRAATZ_COLS);
    line_values = malloc(sizeof(double) * BRAATZ_D00_SAMPLES);
    if (!st->values || !line_values) goto nomem;
    int per_line = 0, lines = 0;
    long first_line = 0;
    for (;;) {
        bool at_eof;
        long long nl = tep_src_find_newline(&r->src, 0, &at_eof, err);
        if (nl < 0) goto fail;
        if (at_eof && nl == 0) break;
        long line = r->src.line;
        bool transposed = per_line == BRAATZ_D00_SAMPLES;
        int count = parse_line(r, tep_src_data(&r->src), (size_t)nl, line, transposed, lines,
                               line_values, per_line ? per_line : BRAATZ_D00_SAMPLES, err);
        if (count < 0) goto fail;
        tep_src_consume(&r->src, (size_t)nl + (at_eof ? 0 : 1), at_eof ? 0 : 1);
        if (count == 0) continue; /* blank line */
        if (per_line == 0) {
            if (count != BRAATZ_COLS && count != BRAATZ_D00_SAMPLES) {
                tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, 0,
                                 "line has %d values: expected %d (XMEAS 1..41 and XMV 1..11) or "
                                 "%d (the transposed layout of d00.dat)",
                                 count, BRAATZ_COLS, BRAATZ_D00_SAMPLES);
                goto fail;
            }
            per_line = count;
            first_line = line;
            transposed = per_line == BRAATZ_D00_SAMPLES;
        } else if (count != per_line) {
            tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line,
                             count < per_line ? count + 1 : per_line + 1,
                             "line has %d values: expected %d like line %ld%s", count, per_line,
                             first_line,
                             at_eof ? " (the last line has no line end: truncated file?)" : "");
            goto fail;
        }
        int max_lines = transposed ? BRAATZ_COLS : BRAATZ_TEST_ROWS;
        if (lines == max_lines) {
            tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, 0,
                             "more than %d lines of %d values: expected a Braatz file of 480 x "
                             "52, 960 x 52 or 52 x 500 (d00.dat)",
                             max_lines, per_line);
            goto fail;
        }
        for (int k = 0; k < count; k++) {
            size_t at = transposed ? (size_t)k * BRAATZ_COLS + (size_t)lines
                                   : (size_t)lines * BRAATZ_COLS + (size_t)k;
            st->values[at] = line_values[k];
        }
        lines++;
    }
    free(line_values);
    return check_shape(r, st, lines, per_line, err);
nomem:
    tep_error_set_at(err, TEP_ERR_NOMEM, r->display_path, 0, 0, "out of memory reading the file");
fail:
    free(line_values);
    return -1; /* st is freed by braatz_close */
}

static int braatz_read_row(struct tep_reader *r, struct tep_frame *frame, size_t row,
                           struct tep_row_keys *keys, struct tep_error *err)
{
    (void)err;
    struct braatz_state *st = r->impl;
    if (st->next_row >= st->rows) return 0;
    const double *src = st->values + (size_t)st->next_row * BRAATZ_COLS;
    for (int c = 0; c < BRAATZ_COLS; c++)
        frame->cols[c].data[row] = src[c];
    long long sample = st->first_sample + st->next_row;
    keys->line = st->next_row + 1;
    keys->has_sample = keys->has_time = keys->has_fault = true;
    keys->sample = sample;
    keys->time_h = (double)sample * BRAATZ_INTERVAL_H;
    keys->fault = st->test_file && sample <= BRAATZ_TEST_ONSET_SAMPLE ? 0 : st->fault;
    st->next_row++;
    return 1;
}

static void braatz_close(struct tep_reader *r)
{
    struct braatz_state *st = r->impl;
    if (!st) return;
    free(st->values);
    free(st);
    r->impl = NULL;
}

const struct tep_format_ops tep_braatz_format = {
    .name = "dat",
    .open = braatz_open,
    .read_row = braatz_read_row,
    .close = braatz_close,
};
