/* csv_read.c - the CSV format of the file reader (see reader.h).
 *
 * Header: column names mapped to the catalogue with tep_catalog_lookup() or to a
 * key column (sample, time_h, fault, run_id and their aliases); the delimiter
 * (comma, semicolon or tab) is the most frequent of the three outside quotes in
 * the header. RFC 4180: quoted fields with doubled quotes inside, line ends
 * inside quotes, CRLF or LF, a UTF-8 byte order mark; an empty cell is a missing
 * value (NaN). Blank lines are skipped. A header-only file is a valid run with no
 * rows (the columns are known, so later stages can still write an empty table).
 * Rows without quotes take a fast path: numbers are parsed in place, straight
 * into the frame's column arrays; rows with a '"' go through the RFC splitter.
 */
#define TEP_READER_INTERNAL
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "io/numparse.h"
#include "io/reader.h"

enum csv_role { CSV_SKIP, CSV_VALUE, CSV_KEY };

struct csv_column {
    enum csv_role role;
    int frame_col;         /* CSV_VALUE: column in the frame */
    enum tep_key_kind key; /* CSV_KEY */
    int var;               /* CSV_VALUE: catalogue index */
    char label[72];        /* the header name as written, for messages */
};

/* One field of a quoted row: its text (unquoted) and the line it starts on (a
 * quoted field may hold line ends, so a row can span several lines). */
struct csv_span {
    const char *text;
    size_t len;
    long line;
};

struct csv_state {
    char delim;
    int nfields;
    struct csv_column *columns;
    struct csv_span *spans; /* nfields + 1 entries */
    char *scratch;          /* unquoted text of a quoted row */
    size_t scratch_cap;
};

/* ------------------------------------------------------------ row framing */

/* Result of framing one row at the source's start. */
struct csv_row {
    const char *text; /* valid until the source reads again */
    size_t len;       /* without the line end and a final '\r' */
    size_t consumed;  /* bytes to consume, line end included */
    long newlines;    /* line ends consumed */
    long line;        /* line where the row starts */
    bool has_quote;
    bool terminated; /* ended by a '\n' (false: last line of the file) */
};

static int unclosed_quote(struct tep_reader *r, long line, long field, bool at_eof,
                          struct tep_error *err)
{
    if (at_eof)
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, field,
                                "the quote opened in column %ld is not closed: expected a "
                                "closing '\"' before the end of the file",
                                field);
    /* the row outgrew max_line_bytes inside the quotes: say why */
    tep_error_append(err, " (the quote opened on line %ld, column %ld, is still open)", line,
                     field);
    return -1;
}

/* While the header is framed the delimiter is not known yet (0): any of the
 * three candidates starts a field, so a quote after any of them opens a field. */
static inline bool is_delimiter(char c, char delim)
{
    return delim ? c == delim : (c == ',' || c == ';' || c == '\t');
}

/* Frame the next row: 1 = row, 0 = end of file, -1 = error. A row ends at the
 * first '\n' outside quotes. */
static int frame_next_row(struct tep_reader *r, const struct csv_state *st, struct csv_row *row,
                          struct tep_error *err)
{
    bool at_eof;
    long long nl = tep_src_find_newline(&r->src, 0, &at_eof, err);
    if (nl < 0) return -1;
    if (at_eof && nl == 0) return 0;
    const char *text = tep_src_data(&r->src);
    row->line = r->src.line;
    row->newlines = 0;
    row->has_quote = memchr(text, '"', (size_t)nl) != NULL;
    if (row->has_quote) {
        bool in_quote = false, field_start = true;
        long field = 1, quote_line = 0, quote_field = 0;
        size_t i = 0;
        for (;;) {
            for (; i < (size_t)nl; i++) {
                char c = text[i];
                if (in_quote) {
                    if (c == '"') {
                        if (i + 1 < (size_t)nl && text[i + 1] == '"')
                            i++;
                        else
                            in_quote = false;
                    }
                } else if (c == '"' && field_start) {
                    in_quote = true;
                    quote_line = row->line + row->newlines;
                    quote_field = field;
                    field_start = false;
                } else {
                    field_start = is_delimiter(c, st->delim);
                    if (field_start) field++;
                }
            }
            if (!in_quote) break;
            if (at_eof) return unclosed_quote(r, quote_line, quote_field, true, err);
            row->newlines++; /* the '\n' at nl is inside the quotes */
            i = (size_t)nl + 1;
            nl = tep_src_find_newline(&r->src, (size_t)nl + 1, &at_eof, err);
            if (nl < 0) return unclosed_quote(r, quote_line, quote_field, false, err);
            text = tep_src_data(&r->src);
        }
    }
    row->text = text;
    row->terminated = !at_eof;
    row->consumed = (size_t)nl + (at_eof ? 0 : 1);
    row->newlines += at_eof ? 0 : 1;
    row->len = (size_t)nl;
    if (row->len > 0 && text[row->len - 1] == '\r') row->len--;
    return 1;
}

/* Count the line ends in t[from, to). */
static long count_newlines(const char *t, size_t from, size_t to)
{
    long n = 0;
    for (const char *p = t + from, *end = t + to; (p = memchr(p, '\n', (size_t)(end - p))); p++)
        n++;
    return n;
}

/* Split a row that has quotes into st->spans (unquoted text in st->scratch) and
 * set *nfound to its field count (when that exceeds nfields, only nfields + 1
 * spans are kept). Returns 0, or -1 for a misplaced quote. One pass over the
 * row: each span's line is counted on the way (line ends occur only inside
 * quotes), so a row of many fields costs time linear in its length. */
static int split_quoted(struct tep_reader *r, struct csv_state *st, const struct csv_row *row,
                        int *nfound, struct tep_error *err)
{
    if (st->scratch_cap < row->len + 1) {
        char *grown = realloc(st->scratch, row->len + 1);
        if (!grown)
            return tep_error_set_at(err, TEP_ERR_NOMEM, r->display_path, row->line, 0,
                                    "out of memory splitting a row of %zu bytes", row->len);
        st->scratch = grown;
        st->scratch_cap = row->len + 1;
    }
    const char *t = row->text;
    size_t len = row->len, p = 0, out = 0;
    long line = row->line; /* line of t[p] */
    int n = 0;
    for (;;) {
        struct csv_span span = {.line = line};
        if (p < len && t[p] == '"') {
            size_t opened = p;
            span.text = st->scratch + out;
            p++;
            for (;;) { /* framing guarantees the closing quote exists */
                const char *q = memchr(t + p, '"', len - p);
                size_t upto = q ? (size_t)(q - t) : len;
                memcpy(st->scratch + out, t + p, upto - p);
                out += upto - p;
                p = upto + 1;
                if (p < len && t[p] == '"') { /* doubled quote */
                    st->scratch[out++] = '"';
                    p++;
                    continue;
                }
                break;
            }
            span.len = (size_t)(st->scratch + out - span.text);
            line += count_newlines(t, opened, p < len ? p : len);
            if (p < len && t[p] != st->delim) {
                char shown[64];
                return tep_error_set_at(
                    err, TEP_ERR_PARSE, r->display_path, line, n + 1,
                    "expected a delimiter or the end of the row after the "
                    "closing quote, found '%s'",
                    tep_reader_quote(t + p, len - p > 8 ? 8 : len - p, shown, sizeof shown));
            }
        } else {
            const char *d = memchr(t + p, st->delim, len - p);
            size_t fe = d ? (size_t)(d - t) : len;
            if (memchr(t + p, '"', fe - p)) {
                char shown[200];
                return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, n + 1,
                                        "unexpected '\"' inside the unquoted field '%s': "
                                        "expected the whole field in quotes, with inner quotes "
                                        "doubled",
                                        tep_reader_quote(t + p, fe - p, shown, sizeof shown));
            }
            span.text = t + p;
            span.len = fe - p;
            p = fe;
        }
        if (n <= st->nfields) st->spans[n] = span;
        n++;
        if (p >= len) break;
        p++; /* the delimiter; a delimiter at the very end leaves one empty field */
    }
    *nfound = n;
    return 0;
}

/* ------------------------------------------------------------ cells */

static bool is_blank(char c, char delim)
{
    return c == ' ' || (c == '\t' && delim != '\t');
}

static int handle_cell(struct tep_reader *r, const struct csv_state *st, int field, const char *s,
                       size_t n, struct tep_frame *frame, size_t row, struct tep_row_keys *keys,
                       long line, struct tep_error *err)
{
    const struct csv_column *col = &st->columns[field];
    if (col->role == CSV_SKIP) return 0;
    while (n > 0 && is_blank(*s, st->delim))
        s++, n--;
    while (n > 0 && is_blank(s[n - 1], st->delim))
        n--;
    if (col->role == CSV_KEY)
        return tep_reader_parse_key(r, col->key, col->label, s, n, keys, line, field + 1, err);
    double v = NAN; /* an empty cell is a missing value */
    if (n > 0 && tep_reader_parse_value(r, col->label, s, n, &v, line, field + 1, err) != 0)
        return -1;
    frame->cols[col->frame_col].data[row] = v;
    return 0;
}

static int field_count_error(struct tep_reader *r, const struct csv_state *st,
                             const struct csv_row *row, int found, struct tep_error *err)
{
    long column = found < st->nfields ? found + 1 : st->nfields + 1;
    if (!row->terminated && found < st->nfields)
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, row->line, column,
                                "the file ends in the middle of a row: expected %d fields, found "
                                "%d on the last line, which has no line end (truncated file?)",
                                st->nfields, found);
    return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, row->line, column,
                            "expected %d fields (as in the header), found %d", st->nfields, found);
}

static int count_fields(const char *s, size_t n, char delim)
{
    int count = 1;
    for (size_t i = 0; i < n; i++)
        count += s[i] == delim;
    return count;
}

/* A row without quotes: numbers are parsed in place, straight into the frame;
 * the parser's stop must be the field's delimiter (or the row's end for the last
 * field), else the field takes the general path (empty, spaces, NaN, errors). */
static int parse_plain_row(struct tep_reader *r, const struct csv_state *st,
                           const struct csv_row *row, struct tep_frame *frame, size_t frame_row,
                           struct tep_row_keys *keys, struct tep_error *err)
{
    const char *p = row->text, *end = row->text + row->len;
    const int last = st->nfields - 1;
    const char delim = st->delim;
    for (int f = 0; f <= last; f++) {
        const struct csv_column *col = &st->columns[f];
        if (col->role == CSV_VALUE) {
            double v;
            const char *q = tep_num_parse(p, end, &v);
            if (q && isfinite(v) && (q < end ? (*q == delim && f < last) : f == last)) {
                frame->cols[col->frame_col].data[frame_row] = v;
                p = q < end ? q + 1 : q;
                continue;
            }
        }
        const char *d = memchr(p, delim, (size_t)(end - p));
        const char *fe = d ? d : end;
        if (!d && f < last) return field_count_error(r, st, row, f + 1, err);
        if (d && f == last)
            return field_count_error(r, st, row, count_fields(row->text, row->len, delim), err);
        if (handle_cell(r, st, f, p, (size_t)(fe - p), frame, frame_row, keys, row->line, err))
            return -1;
        p = d ? d + 1 : end;
    }
    return 0;
}

static int parse_quoted_row(struct tep_reader *r, struct csv_state *st, const struct csv_row *row,
                            struct tep_frame *frame, size_t frame_row, struct tep_row_keys *keys,
                            struct tep_error *err)
{
    int found = 0;
    if (split_quoted(r, st, row, &found, err) != 0) return -1;
    if (found != st->nfields) return field_count_error(r, st, row, found, err);
    for (int f = 0; f < st->nfields; f++) {
        const struct csv_span *sp = &st->spans[f];
        if (handle_cell(r, st, f, sp->text, sp->len, frame, frame_row, keys, sp->line, err) != 0)
            return -1;
    }
    return 0;
}

static int csv_read_row(struct tep_reader *r, struct tep_frame *frame, size_t frame_row,
                        struct tep_row_keys *keys, struct tep_error *err)
{
    struct csv_state *st = r->impl;
    struct csv_row row;
    for (;;) {
        int rc = frame_next_row(r, st, &row, err);
        if (rc <= 0) return rc;
        if (row.len > 0) break;
        tep_src_consume(&r->src, row.consumed, row.newlines); /* blank line */
    }
    keys->line = row.line;
    int rc = row.has_quote ? parse_quoted_row(r, st, &row, frame, frame_row, keys, err)
                           : parse_plain_row(r, st, &row, frame, frame_row, keys, err);
    if (rc != 0) {
        if (!row.terminated && !strstr(err->message, "truncated")) {
            tep_error_append(err, " (on the last line, which has no line end: truncated file?)");
        }
        return -1;
    }
    tep_src_consume(&r->src, row.consumed, row.newlines);
    return 1;
}

/* ------------------------------------------------------------ header */

static char detect_delimiter(const char *s, size_t n)
{
    const char candidates[3] = {',', ';', '\t'};
    size_t counts[3] = {0, 0, 0};
    bool in_quote = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') in_quote = !in_quote; /* a doubled quote toggles twice */
        if (in_quote) continue;
        for (int k = 0; k < 3; k++)
            counts[k] += s[i] == candidates[k];
    }
    int best = 0;
    for (int k = 1; k < 3; k++)
        if (counts[k] > counts[best]) best = k;
    return candidates[best];
}

static int map_header(struct tep_reader *r, struct csv_state *st, const struct csv_row *row,
                      struct tep_error *err)
{
    int var_field[TEP_N_VARS];
    int key_field[TEP_KEY_RUN + 1];
    for (int v = 0; v < TEP_N_VARS; v++)
        var_field[v] = -1;
    for (int k = 0; k <= TEP_KEY_RUN; k++)
        key_field[k] = -1;
    char name[256], shown[200];
    for (int f = 0; f < st->nfields; f++) {
        const struct csv_span *sp = &st->spans[f];
        struct csv_column *col = &st->columns[f];
        long line = sp->line;
        long bad = tep_utf8_invalid_at(sp->text, sp->len);
        if (bad >= 0)
            return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, f + 1,
                                    "invalid UTF-8 in the header (byte 0x%02X at byte %ld of "
                                    "the name '%s'): expected UTF-8 text",
                                    (unsigned char)sp->text[bad], bad + 1,
                                    tep_reader_quote(sp->text, sp->len, shown, sizeof shown));
        const char *s = sp->text;
        size_t n = sp->len;
        while (n > 0 && (*s == ' ' || *s == '\t'))
            s++, n--;
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), s);
        snprintf(col->label, sizeof col->label, "%s", name);
        enum tep_key_kind kind = n < sizeof name ? tep_reader_key_kind(name) : TEP_KEY_NONE;
        int var = kind == TEP_KEY_NONE && n < sizeof name ? tep_catalog_lookup(name) : -1;
        if (kind != TEP_KEY_NONE) {
            if (key_field[kind] >= 0)
                return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, f + 1,
                                        "duplicate key column: '%s' and '%s' (column %d) are both "
                                        "the %s column; expected each key once",
                                        col->label, st->columns[key_field[kind]].label,
                                        key_field[kind] + 1, tep_reader_key_name(kind));
            key_field[kind] = f;
            col->role = CSV_KEY;
            col->key = kind;
        } else if (var >= 0) {
            if (var_field[var] >= 0)
                return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, f + 1,
                                        "duplicate column: '%s' is the same variable (%s) as '%s' "
                                        "(column %d); expected each variable once",
                                        col->label, tep_catalog[var].name,
                                        st->columns[var_field[var]].label, var_field[var] + 1);
            var_field[var] = f;
            col->role = CSV_VALUE;
            col->var = var;
        } else if (r->opt.ignore_unknown_columns) {
            col->role = CSV_SKIP;
        } else {
            return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, line, f + 1,
                                    "unknown column '%s': expected a TEP variable (xmeas_1.."
                                    "xmeas_41, xmv_1..xmv_12, XMEAS(n) or a name such as "
                                    "reactor_pressure) or a key column (sample, time_h, fault, "
                                    "run_id); set ignore_unknown_columns to skip it",
                                    tep_reader_quote(s, n, shown, sizeof shown));
        }
    }
    int ncols = 0;
    for (int v = 0; v < TEP_N_VARS; v++) {
        if (var_field[v] < 0) continue;
        st->columns[var_field[v]].frame_col = ncols;
        r->schema.var[ncols++] = v;
    }
    r->schema.ncols = ncols;
    if (ncols == 0)
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, row->line, 1,
                                "no TEP variable columns in the header: expected columns such as "
                                "xmeas_1..xmeas_41 or xmv_1..xmv_12");
    return 0;
}

static void csv_close(struct tep_reader *r)
{
    struct csv_state *st = r->impl;
    if (!st) return;
    free(st->columns);
    free(st->spans);
    free(st->scratch);
    free(st);
    r->impl = NULL;
}

static int csv_open(struct tep_reader *r, struct tep_error *err)
{
    struct csv_state *st = calloc(1, sizeof *st);
    if (!st) goto nomem;
    r->impl = st;
    st->delim = r->opt.delimiter;

    bool at_eof;
    long long nl = tep_src_find_newline(&r->src, 0, &at_eof, err);
    if (nl < 0) return -1;
    const char *text = tep_src_data(&r->src);
    if (nl >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) tep_src_consume(&r->src, 3, 0);

    struct csv_row row; /* framed with st->delim = 0 unless the caller chose one */
    int rc = frame_next_row(r, st, &row, err);
    if (rc < 0) return -1;
    if (rc == 0)
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, 1, 1,
                                "empty file: expected a header line with column names");
    if (row.len == 0) {
        bool only_blank = true; /* is the whole file blank? */
        while (rc == 1 && row.len == 0 && only_blank) {
            tep_src_consume(&r->src, row.consumed, row.newlines);
            rc = frame_next_row(r, st, &row, err);
            if (rc < 0) return -1;
            if (rc == 1 && row.len > 0) only_blank = false;
        }
        if (only_blank)
            return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, 1, 1,
                                    "empty file (only blank lines): expected a header line with "
                                    "column names");
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, 1, 1,
                                "line 1 is empty: expected a header line with column names");
    }
    if (!r->opt.delimiter) st->delim = detect_delimiter(row.text, row.len);
    st->nfields = count_fields(row.text, row.len, st->delim); /* upper bound with quotes */
    st->columns = calloc((size_t)st->nfields, sizeof *st->columns);
    st->spans = calloc((size_t)st->nfields + 1, sizeof *st->spans);
    if (!st->columns || !st->spans) goto nomem;
    int found = 0;
    if (split_quoted(r, st, &row, &found, err) != 0) return -1;
    st->nfields = found; /* delimiters inside quotes made the bound too high */
    if (map_header(r, st, &row, err) != 0) return -1;
    tep_src_consume(&r->src, row.consumed, row.newlines);
    return 0;
nomem:
    return tep_error_set_at(err, TEP_ERR_NOMEM, r->display_path, 0, 0,
                            "out of memory reading the CSV header");
}

const struct tep_format_ops tep_csv_format = {
    .name = "csv",
    .open = csv_open,
    .read_row = csv_read_row,
    .close = csv_close,
};
