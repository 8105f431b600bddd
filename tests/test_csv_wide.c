/* test_csv_wide.c - CSV rows with very many fields (issue 9, bug 5).
 *
 * The CSV reader used to rescan a row from its start for every field (to find the
 * field's line), so a header of 100k columns took 20 s and quoted rows likewise.
 * These checks read a 200k-column header (ignore_unknown_columns) with plain and
 * quoted rows, quoted fields holding line ends and doubled quotes, and check every
 * kept value exactly and the line and column of errors at the far end of such rows.
 * The time per column is measured by bench/bench_csv_wide.c (linear: the ratio
 * of 200k to 100k columns is about 2).
 */
#include <stdarg.h>
#include <stdbool.h>

#include "check.h"
#include "core/frame.h"
#include "io/reader.h"

#define WIDE_COLUMNS 200000L

static const char *tmp_dir;

/* A growable text buffer. */
struct text {
    char *s;
    size_t len, cap;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(struct text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (t->s && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? 2 * t->cap : 1 << 20;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        t->s = realloc(t->s, cap);
        if (!t->s) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        t->cap = cap;
    }
}

static const char *write_text(const char *name, const struct text *t)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(t->s, 1, t->len, f) != t->len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    return path;
}

/* Header: xmeas_1 first, xmv_3 at column 100001, xmeas_41 last; the rest unknown. */
static void wide_header(struct text *t)
{
    for (long c = 1; c <= WIDE_COLUMNS; c++) {
        const char *sep = c > 1 ? "," : "";
        if (c == 1)
            text_add(t, "xmeas_1");
        else if (c == 100001)
            text_add(t, ",xmv_3");
        else if (c == WIDE_COLUMNS)
            text_add(t, ",xmeas_41");
        else
            text_add(t, "%sother_%ld", sep, c);
    }
    text_add(t, "\n");
}

/* Read `path` whole; returns the rows (or -1) and the frame in *out. */
static long read_all(const char *path, struct tep_frame **out, struct tep_error *err)
{
    struct tep_reader_options opt = {.ignore_unknown_columns = true};
    *out = tep_frame_new(0);
    struct tep_frame *after = tep_frame_new(0);
    struct tep_reader *r = tep_reader_open(path, &opt, err);
    long rows = r ? tep_reader_next(r, *out, err) : -1;
    if (rows >= 0 && tep_reader_next(r, after, err) != 0) rows = -2; /* one chunk holds all */
    tep_reader_close(r);
    tep_frame_free(after);
    return rows;
}

static void test_wide_plain_rows(void)
{
    struct text t = {0};
    wide_header(&t);
    for (int row = 0; row < 3; row++) {
        for (long c = 1; c <= WIDE_COLUMNS; c++)
            text_add(&t, "%s%ld.25", c > 1 ? "," : "", c * 10 + row);
        text_add(&t, "\n");
    }
    const char *path = write_text("plain.csv", &t);
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_frame *f = NULL;
    struct tep_reader_options opt = {.ignore_unknown_columns = true};
    struct tep_reader *r = tep_reader_open(path, &opt, &err);
    CHECK_MSG(r != NULL, "%s", err.message);
    long rows = r ? tep_reader_next(r, f = tep_frame_new(0), &err) : -1;
    CHECK_EQ_INT(rows, 3);
    if (rows == 3) {
        CHECK_EQ_INT(f->ncols, 3);
        CHECK_STR(f->cols[0].name, "xmeas_1");
        CHECK_STR(f->cols[1].name, "xmeas_41");
        CHECK_STR(f->cols[2].name, "xmv_3");
        for (int row = 0; row < 3; row++) {
            CHECK_EQ_INT(f->sample[row], row + 1);
            CHECK(f->cols[0].data[row] == 10 + row + 0.25);
            CHECK(f->cols[1].data[row] == WIDE_COLUMNS * 10 + row + 0.25);
            CHECK(f->cols[2].data[row] == 1000010 + row + 0.25);
        }
    }
    tep_frame_free(f);
    tep_reader_close(r);
    free(t.s);
}

/* Every field quoted; every 1000th unknown field holds a line end and a doubled
 * quote, so the second data row spans many lines. */
static void test_wide_quoted_rows(void)
{
    struct text t = {0};
    wide_header(&t);
    long embedded = 0;
    for (int row = 0; row < 2; row++) {
        for (long c = 1; c <= WIDE_COLUMNS; c++) {
            const char *sep = c > 1 ? "," : "";
            bool known = c == 1 || c == 100001 || c == WIDE_COLUMNS;
            if (!known && c % 1000 == 0) {
                text_add(&t, "%s\"a \"\"b\"\"\nc\"", sep);
                embedded += row == 0;
            } else {
                text_add(&t, "%s\"%ld.5\"", sep, c + row);
            }
        }
        text_add(&t, "\n");
    }
    const char *path = write_text("quoted.csv", &t);
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_frame *f = NULL;
    long rows = read_all(path, &f, &err);
    CHECK_MSG(rows == 2, "rows %ld: %s", rows, err.message);
    if (rows == 2) {
        CHECK_EQ_INT(f->ncols, 3);
        for (int row = 0; row < 2; row++) {
            CHECK(f->cols[0].data[row] == 1 + row + 0.5);
            CHECK(f->cols[1].data[row] == WIDE_COLUMNS + row + 0.5);
            CHECK(f->cols[2].data[row] == 100001 + row + 0.5);
        }
    }
    tep_frame_free(f);
    CHECK_EQ_INT(embedded, 199);

    /* A bad value in the last field of a third such row: its line is the row's
     * first line plus the line ends inside its quoted fields. */
    long third_row_line = 2 + 2 * (1 + embedded);
    for (long c = 1; c < WIDE_COLUMNS; c++) {
        bool known = c == 1 || c == 100001;
        if (!known && c % 1000 == 0)
            text_add(&t, "%s\"x\ny\"", c > 1 ? "," : "");
        else
            text_add(&t, "%s\"%ld\"", c > 1 ? "," : "", c);
    }
    text_add(&t, ",\"abc\"\n");
    path = write_text("quoted_bad.csv", &t);
    tep_error_clear(&err);
    rows = read_all(path, &f, &err);
    CHECK_EQ_INT(rows, -1);
    CHECK_EQ_INT(err.line, third_row_line + embedded);
    CHECK_EQ_INT(err.column, WIDE_COLUMNS);
    CHECK_MSG(strstr(err.message, "expected a number in column 'xmeas_41', found 'abc'"), "%s",
              err.message);
    tep_frame_free(f);
    free(t.s);
}

/* Errors at the far end of a wide header name the right line and column. */
static void test_wide_header_errors(void)
{
    struct text t = {0};
    text_add(&t, "\"xmeas_1\"");
    for (long c = 2; c < WIDE_COLUMNS; c++)
        text_add(&t, c % 50000 == 0 ? ",\"multi\nline\"" : ",\"other_%ld\"", c);
    text_add(&t, ",\"XMEAS(1)\"\n1");
    for (long c = 2; c <= WIDE_COLUMNS; c++)
        text_add(&t, ",1");
    text_add(&t, "\n");
    const char *path = write_text("dup_header.csv", &t);
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_frame *f = NULL;
    CHECK_EQ_INT(read_all(path, &f, &err), -1);
    CHECK_EQ_INT(err.line, 4); /* three quoted line ends before the last name */
    CHECK_EQ_INT(err.column, WIDE_COLUMNS);
    CHECK_MSG(strstr(err.message, "duplicate column: 'XMEAS(1)' is the same variable (xmeas_1) "
                                  "as 'xmeas_1' (column 1)"),
              "%s", err.message);
    tep_frame_free(f);

    /* a stray quote in the last, unquoted field of the header */
    t.len = 0;
    for (long c = 1; c < WIDE_COLUMNS; c++)
        text_add(&t, c == 1 ? "\"xmeas_1\"" : c % 40000 == 0 ? ",\"a\n\"" : ",other_%ld", c);
    text_add(&t, ",ab\"c\n");
    path = write_text("stray_quote.csv", &t);
    tep_error_clear(&err);
    CHECK_EQ_INT(read_all(path, &f, &err), -1);
    CHECK_EQ_INT(err.line, 5);
    CHECK_EQ_INT(err.column, WIDE_COLUMNS);
    CHECK_MSG(strstr(err.message, "unexpected '\"' inside the unquoted field 'ab\"c'"), "%s",
              err.message);
    tep_frame_free(f);
    free(t.s);
}

int main(void)
{
    tmp_dir = tep_test_tmpdir("test_csv_wide");
    RUN(test_wide_plain_rows);
    RUN(test_wide_quoted_rows);
    RUN(test_wide_header_errors);
    CHECK_DONE();
}
