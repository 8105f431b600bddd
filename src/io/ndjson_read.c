/* ndjson_read.c - the NDJSON format of the file reader (see reader.h).
 *
 * One flat JSON object per line, keyed like the CSV columns:
 *   {"sample": 1, "time_h": 0.05, "fault": 0, "xmeas_1": 0.25, "xmv_12": null}
 * Values are JSON numbers or null (missing); the run key may also be a string.
 * Blank (whitespace-only) lines are skipped, as the NDJSON spec allows. The first
 * record fixes the columns: later records may list keys in any order and may
 * leave value keys out (missing), but may not bring keys the first one lacked,
 * and must carry every key column it had. Anything else - nested values, strings
 * where a number belongs, bad JSON - is an error naming the line, the byte
 * column and the key. A small hand parser for exactly this flat shape; keys are
 * matched by position against the first record, so the usual case is one memcmp.
 */
#define TEP_READER_INTERNAL
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "io/numparse.h"
#include "io/reader.h"

#define KEY_NAME_MAX 256
#define KEY_SLOTS_MAX 4096 /* distinct spellings remembered; more are resolved each time */

enum nd_role { ND_SKIP, ND_VALUE, ND_KEY };

struct nd_slot {
    char name[KEY_NAME_MAX]; /* the key as written (unescaped) */
    size_t name_len;
    char shown[200]; /* the key quoted for messages (tep_reader_quote) */
    enum nd_role role;
    int frame_col;         /* ND_VALUE */
    int var;               /* ND_VALUE */
    enum tep_key_kind key; /* ND_KEY */
};

struct ndjson_state {
    struct nd_slot *slots; /* every spelling met so far; the first record's come first */
    int nslots, slots_cap;
    int nfirst;                               /* keys of the first record, in order */
    bool key_in_schema[TEP_KEY_RUN + 1];      /* key columns of the first record */
    int col_of_var[TEP_N_VARS];               /* frame column, -1 when absent */
    unsigned long long row_stamp;             /* increases per record */
    unsigned long long col_stamp[TEP_N_VARS]; /* frame column last set in record # */
    unsigned long long key_stamp[TEP_KEY_RUN + 1];
    char *scratch; /* unescaped strings */
    size_t scratch_cap;
    long first_line;
};

/* One line being parsed. */
struct nd_cursor {
    const char *begin, *p, *end;
    long line;
};

static inline void skip_ws(struct nd_cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r'))
        c->p++;
}

static long col_of(const struct nd_cursor *c, const char *at)
{
    return (long)(at - c->begin) + 1;
}

/* The token at `at` for messages: up to the next , } ] or space. */
static const char *token_text(const struct nd_cursor *c, const char *at, char *out, size_t size)
{
    const char *e = at;
    while (e < c->end && *e != ',' && *e != '}' && *e != ']' && *e != ' ' && e - at < 40)
        e++;
    if (e == at && at < c->end) e++;
    return tep_reader_quote(at, (size_t)(e - at), out, size);
}

static int fail_at(struct tep_reader *r, const struct nd_cursor *c, const char *at,
                   struct tep_error *err, const char *what)
{
    char shown[200];
    if (at >= c->end)
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, c->line, col_of(c, at),
                                "%s, found the end of the line", what);
    return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, c->line, col_of(c, at),
                            "%s, found '%s'", what, token_text(c, at, shown, sizeof shown));
}

static int hex4(const char *p, const char *end, unsigned *out)
{
    if (end - p < 4) return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char h = p[i];
        v <<= 4;
        if (h >= '0' && h <= '9')
            v |= (unsigned)(h - '0');
        else if (h >= 'a' && h <= 'f')
            v |= (unsigned)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F')
            v |= (unsigned)(h - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Parse the JSON string at c->p (which is '"'); its text in *s, *n (in the line or
 * in st->scratch when it had escapes). */
static int parse_string(struct tep_reader *r, struct ndjson_state *st, struct nd_cursor *c,
                        const char **s, size_t *n, struct tep_error *err)
{
    const char *open = c->p++;
    const char *q = c->p;
    while (q < c->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
        q++;
    if (q < c->end && *q == '"') { /* no escapes: point into the line */
        *s = c->p;
        *n = (size_t)(q - c->p);
        c->p = q + 1;
    } else {
        size_t need = (size_t)(c->end - c->p) + 1;
        if (st->scratch_cap < need) {
            char *grown = realloc(st->scratch, need);
            if (!grown)
                return tep_error_set_at(err, TEP_ERR_NOMEM, r->display_path, c->line, 0,
                                        "out of memory unescaping a string");
            st->scratch = grown;
            st->scratch_cap = need;
        }
        size_t o = 0;
        q = c->p;
        for (;;) {
            if (q >= c->end)
                return fail_at(r, c, open, err, "expected a closing '\"' for the string");
            unsigned char ch = (unsigned char)*q;
            if (ch == '"') break;
            if (ch < 0x20)
                return fail_at(r, c, q, err,
                               "expected a character or an escape in the string "
                               "(control characters must be escaped)");
            if (ch != '\\') {
                st->scratch[o++] = (char)ch;
                q++;
                continue;
            }
            if (q + 1 >= c->end) return fail_at(r, c, q, err, "expected an escape after '\\'");
            char e = q[1];
            const char *simple = strchr("\"\\/bfnrt", e);
            if (e && simple) {
                static const char replaced[] = "\"\\/\b\f\n\r\t";
                st->scratch[o++] = replaced[simple - "\"\\/bfnrt"];
                q += 2;
                continue;
            }
            unsigned cp, low;
            if (e != 'u' || hex4(q + 2, c->end, &cp) != 0)
                return fail_at(r, c, q, err,
                               "expected a JSON escape (\\\" \\\\ \\/ \\b \\f \\n "
                               "\\r \\t \\uXXXX)");
            q += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* needs a low surrogate */
                if (c->end - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, c->end, &low) ||
                    low < 0xDC00 || low > 0xDFFF)
                    return fail_at(r, c, q - 6, err,
                                   "expected a low surrogate \\uDC00..\\uDFFF after a high one");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                q += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail_at(r, c, q - 6, err, "expected a high surrogate before a low one");
            }
            o += put_utf8(st->scratch + o, cp);
        }
        *s = st->scratch;
        *n = o;
        c->p = q + 1;
    }
    long bad = tep_utf8_invalid_at(*s, *n);
    if (bad >= 0) return fail_at(r, c, open, err, "expected UTF-8 text in the string");
    return 0;
}

/* End of a JSON number at p (RFC 8259 grammar), or NULL. */
static const char *json_number_end(const char *p, const char *end)
{
    if (p < end && *p == '-') p++;
    if (p < end && *p == '0') {
        p++;
    } else if (p < end && *p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    } else {
        return NULL;
    }
    if (p < end && *p == '.') {
        p++;
        if (!(p < end && *p >= '0' && *p <= '9')) return NULL;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (!(p < end && *p >= '0' && *p <= '9')) return NULL;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    return p;
}

static bool ends_value(const struct nd_cursor *c, const char *q)
{
    return q >= c->end || *q == ',' || *q == '}' || *q == ' ' || *q == '\t' || *q == '\r';
}

static bool word_at(const struct nd_cursor *c, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0 && ends_value(c, c->p + n);
}

/* Skip any JSON value (for ignored keys). */
static int skip_value(struct tep_reader *r, struct ndjson_state *st, struct nd_cursor *c,
                      struct tep_error *err)
{
    const char *start = c->p;
    if (c->p < c->end && *c->p == '"') {
        const char *s;
        size_t n;
        return parse_string(r, st, c, &s, &n, err);
    }
    if (c->p < c->end && (*c->p == '{' || *c->p == '[')) {
        int depth = 0;
        while (c->p < c->end) {
            char ch = *c->p;
            if (ch == '"') {
                const char *s;
                size_t n;
                if (parse_string(r, st, c, &s, &n, err) != 0) return -1;
                continue;
            }
            if (ch == '{' || ch == '[') depth++;
            if (ch == '}' || ch == ']') depth--;
            c->p++;
            if (depth == 0) return 0;
        }
        return fail_at(r, c, start, err, "expected the nested value to be closed on its line");
    }
    const char *q = json_number_end(c->p, c->end);
    if (q && ends_value(c, q)) {
        c->p = q;
        return 0;
    }
    /* NaN and Infinity are not JSON, but Python writes them; the data pass judges them */
    for (const char *w = "true\0false\0null\0NaN\0Infinity\0-Infinity\0"; *w; w += strlen(w) + 1)
        if (word_at(c, w)) {
            c->p += strlen(w);
            return 0;
        }
    return fail_at(r, c, start, err, "expected a JSON value");
}

/* ------------------------------------------------------------ keys */

/* The slot of a key seen for the first time (schema: while reading the first
 * record). Returns the slot index, -1 on error. */
static int resolve_key(struct tep_reader *r, struct ndjson_state *st, const struct nd_cursor *c,
                       const char *key_at, const char *name, size_t n, bool schema,
                       struct nd_slot *out, struct tep_error *err)
{
    char buf[KEY_NAME_MAX], shown[200];
    memset(out, 0, sizeof *out);
    if (n < KEY_NAME_MAX) {
        memcpy(buf, name, n);
        buf[n] = '\0';
        memcpy(out->name, name, n);
        out->name[n] = '\0';
        out->name_len = n;
    }
    bool fits = n < KEY_NAME_MAX && !memchr(name, '\0', n);
    enum tep_key_kind kind = fits ? tep_reader_key_kind(buf) : TEP_KEY_NONE;
    int var = fits && kind == TEP_KEY_NONE ? tep_catalog_lookup(buf) : -1;
    tep_reader_quote(name, n, shown, sizeof shown);
    memcpy(out->shown, shown, sizeof out->shown);
    if (kind != TEP_KEY_NONE) {
        if (schema) {
            if (st->key_in_schema[kind])
                return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, c->line,
                                        col_of(c, key_at),
                                        "duplicate key '%s': the record already has a %s key; "
                                        "expected each key once",
                                        shown, tep_reader_key_name(kind));
            st->key_in_schema[kind] = true;
        } else if (!st->key_in_schema[kind]) {
            return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, c->line, col_of(c, key_at),
                                    "key '%s' is not in the first record (line %ld): expected "
                                    "the keys of the first record on every line",
                                    shown, st->first_line);
        }
        out->role = ND_KEY;
        out->key = kind;
        return 0;
    }
    if (var >= 0) {
        if (schema) {
            if (st->col_of_var[var] >= 0)
                return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, c->line,
                                        col_of(c, key_at),
                                        "duplicate key '%s': the record already has %s under "
                                        "another name; expected each variable once",
                                        shown, tep_catalog[var].name);
            st->col_of_var[var] = 0; /* numbered once the first record is complete */
        } else if (st->col_of_var[var] < 0) {
            return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, c->line, col_of(c, key_at),
                                    "key '%s' is not in the first record (line %ld): expected "
                                    "the keys of the first record on every line",
                                    shown, st->first_line);
        }
        out->role = ND_VALUE;
        out->var = var;
        out->frame_col = st->col_of_var[var];
        return 0;
    }
    if (r->opt.ignore_unknown_columns) {
        out->role = ND_SKIP;
        return 0;
    }
    return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, c->line, col_of(c, key_at),
                            "unknown key '%s': expected a TEP variable (xmeas_1..xmeas_41, "
                            "xmv_1..xmv_12, XMEAS(n) or a name such as reactor_pressure) or a "
                            "key (sample, time_h, fault, run_id); set ignore_unknown_columns to "
                            "skip it",
                            shown);
}

static int add_slot(struct tep_reader *r, struct ndjson_state *st, const struct nd_slot *slot,
                    struct tep_error *err)
{
    if (st->nslots == st->slots_cap) {
        int cap = st->slots_cap ? 2 * st->slots_cap : 64;
        struct nd_slot *grown = realloc(st->slots, (size_t)cap * sizeof *grown);
        if (!grown)
            return tep_error_set_at(err, TEP_ERR_NOMEM, r->display_path, 0, 0,
                                    "out of memory remembering JSON keys");
        st->slots = grown;
        st->slots_cap = cap;
    }
    st->slots[st->nslots++] = *slot;
    return 0;
}

/* Find the slot for key #index of a record: same spelling at the same position as
 * in the first record (the usual case), else any known spelling, else resolve. */
static int find_slot(struct tep_reader *r, struct ndjson_state *st, const struct nd_cursor *c,
                     const char *key_at, int index, const char *name, size_t n, struct nd_slot *tmp,
                     const struct nd_slot **slot, struct tep_error *err)
{
    if (index < st->nfirst) {
        const struct nd_slot *s = &st->slots[index];
        if (s->name_len == n && memcmp(s->name, name, n) == 0) {
            *slot = s;
            return 0;
        }
    }
    for (int i = 0; i < st->nslots; i++) {
        const struct nd_slot *s = &st->slots[i];
        if (s->name_len == n && memcmp(s->name, name, n) == 0) {
            *slot = s;
            return 0;
        }
    }
    if (resolve_key(r, st, c, key_at, name, n, false, tmp, err) != 0) return -1;
    *slot = tmp;
    if (n < KEY_NAME_MAX && st->nslots < KEY_SLOTS_MAX) {
        if (add_slot(r, st, tmp, err) != 0) return -1;
        *slot = &st->slots[st->nslots - 1];
    }
    return 0;
}

/* ------------------------------------------------------------ values */

static int parse_value(struct tep_reader *r, struct ndjson_state *st, struct nd_cursor *c,
                       const struct nd_slot *slot, struct tep_frame *frame, size_t row,
                       struct tep_row_keys *keys, struct tep_error *err)
{
    const char *at = c->p;
    char what[KEY_NAME_MAX + 64], shown[200];
    if (slot->role == ND_VALUE) {
        const char *q = json_number_end(c->p, c->end);
        double v;
        if (q && ends_value(c, q)) {
            if (tep_num_parse(c->p, q, &v) != q)
                return tep_error_set(err, TEP_ERR_INTERNAL, "JSON number grammar mismatch");
            if (!isfinite(v))
                return fail_at(r, c, at, err,
                               "expected a finite number (the value is too "
                               "large for a double)");
            c->p = q;
        } else if (word_at(c, "null")) {
            v = NAN;
            c->p += 4;
        } else if (word_at(c, "NaN") && r->opt.nan_text_is_missing) {
            v = NAN;
            c->p += 3;
        } else if (word_at(c, "NaN")) {
            return fail_at(r, c, at, err,
                           "expected a number or null (NaN is not JSON; set "
                           "nan_text_is_missing to read it as missing)");
        } else if (word_at(c, "Infinity") || word_at(c, "-Infinity")) {
            return fail_at(r, c, at, err,
                           "expected a finite number (a TEP value cannot be "
                           "infinite)");
        } else {
            snprintf(what, sizeof what, "expected a number or null for key '%s'",
                     tep_reader_quote(slot->name, slot->name_len, shown, sizeof shown));
            return fail_at(r, c, at, err, what);
        }
        frame->cols[slot->frame_col].data[row] = v;
        st->col_stamp[slot->frame_col] = st->row_stamp;
        return 0;
    }
    if (slot->role == ND_SKIP) return skip_value(r, st, c, err);
    /* a key column: numbers, or a string for the run id */
    const char *text;
    size_t n;
    if (c->p < c->end && *c->p == '"' && slot->key == TEP_KEY_RUN) {
        if (parse_string(r, st, c, &text, &n, err) != 0) return -1;
    } else {
        const char *q = json_number_end(c->p, c->end);
        if (!q || !ends_value(c, q)) {
            snprintf(what, sizeof what, "expected a %s for key '%s'",
                     slot->key == TEP_KEY_RUN ? "string or a number" : "number",
                     tep_reader_quote(slot->name, slot->name_len, shown, sizeof shown));
            return fail_at(r, c, at, err, what);
        }
        text = c->p;
        n = (size_t)(q - c->p);
        c->p = q;
    }
    if (tep_reader_parse_key(r, slot->key, slot->shown, text, n, keys, c->line, col_of(c, at), err))
        return -1;
    st->key_stamp[slot->key] = st->row_stamp;
    return 0;
}

/* ------------------------------------------------------------ records */

/* Parse one object. Schema mode (frame == NULL) only learns the keys. */
static int parse_record(struct tep_reader *r, struct ndjson_state *st, struct nd_cursor *c,
                        struct tep_frame *frame, size_t row, struct tep_row_keys *keys,
                        struct tep_error *err)
{
    bool schema = frame == NULL;
    st->row_stamp++;
    skip_ws(c);
    if (c->p >= c->end || *c->p != '{')
        return fail_at(r, c, c->p, err, "expected a JSON object starting with '{'");
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == '}')
        return fail_at(r, c, c->p, err, "expected a key in the object (it is empty)");
    for (int index = 0;; index++) {
        const char *key_at = c->p;
        if (c->p >= c->end || *c->p != '"')
            return fail_at(r, c, c->p, err, "expected a key in double quotes");
        const char *name;
        size_t n;
        if (parse_string(r, st, c, &name, &n, err) != 0) return -1;
        char name_copy[KEY_NAME_MAX];
        if (name == st->scratch) {                   /* the scratch is reused by string values */
            n = n < KEY_NAME_MAX ? n : KEY_NAME_MAX; /* KEY_NAME_MAX: "too long to be a name" */
            memcpy(name_copy, name, n);
            name = name_copy;
        }
        skip_ws(c);
        if (c->p >= c->end || *c->p != ':')
            return fail_at(r, c, c->p, err, "expected ':' after the key");
        c->p++;
        skip_ws(c);
        if (schema) {
            struct nd_slot slot;
            if (resolve_key(r, st, c, key_at, name, n, true, &slot, err) != 0) return -1;
            if (add_slot(r, st, &slot, err) != 0) return -1;
            if (skip_value(r, st, c, err) != 0) return -1;
        } else {
            struct nd_slot tmp;
            const struct nd_slot *slot;
            if (find_slot(r, st, c, key_at, index, name, n, &tmp, &slot, err) != 0) return -1;
            bool twice =
                (slot->role == ND_VALUE && st->col_stamp[slot->frame_col] == st->row_stamp) ||
                (slot->role == ND_KEY && st->key_stamp[slot->key] == st->row_stamp);
            if (twice) {
                char shown[200];
                return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, c->line,
                                        col_of(c, key_at),
                                        "key '%s' appears twice in the record (perhaps under "
                                        "another spelling): expected each key once",
                                        tep_reader_quote(name, n, shown, sizeof shown));
            }
            if (parse_value(r, st, c, slot, frame, row, keys, err) != 0) return -1;
        }
        skip_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            skip_ws(c);
            continue;
        }
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            break;
        }
        return fail_at(r, c, c->p, err, "expected ',' or '}' after the value");
    }
    skip_ws(c);
    if (c->p < c->end) return fail_at(r, c, c->p, err, "expected the end of the line after '}'");
    return 0;
}

static int ndjson_read_row(struct tep_reader *r, struct tep_frame *frame, size_t row,
                           struct tep_row_keys *keys, struct tep_error *err)
{
    struct ndjson_state *st = r->impl;
    for (;;) {
        bool at_eof;
        long long nl = tep_src_find_newline(&r->src, 0, &at_eof, err);
        if (nl < 0) return -1;
        if (at_eof && nl == 0) return 0;
        const char *text = tep_src_data(&r->src);
        struct nd_cursor c = {.begin = text, .p = text, .end = text + nl, .line = r->src.line};
        skip_ws(&c);
        if (c.p == c.end) { /* blank line */
            tep_src_consume(&r->src, (size_t)nl + (at_eof ? 0 : 1), at_eof ? 0 : 1);
            continue;
        }
        keys->line = c.line;
        if (parse_record(r, st, &c, frame, row, keys, err) != 0) {
            if (at_eof) {
                tep_error_append(err, " (on the last line, which has no line end: truncated "
                                      "file?)");
            }
            return -1;
        }
        for (int k = TEP_KEY_SAMPLE; k <= TEP_KEY_RUN; k++)
            if (st->key_in_schema[k] && st->key_stamp[k] != st->row_stamp)
                return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, c.line, 1,
                                        "the record has no %s key: expected the key columns of "
                                        "the first record (line %ld) on every line",
                                        tep_reader_key_name((enum tep_key_kind)k), st->first_line);
        for (int col = 0; col < r->schema.ncols; col++)
            if (st->col_stamp[col] != st->row_stamp) frame->cols[col].data[row] = NAN;
        tep_src_consume(&r->src, (size_t)nl + (at_eof ? 0 : 1), at_eof ? 0 : 1);
        return 1;
    }
}

static void ndjson_close(struct tep_reader *r)
{
    struct ndjson_state *st = r->impl;
    if (!st) return;
    free(st->slots);
    free(st->scratch);
    free(st);
    r->impl = NULL;
}

/* Learn the columns from the first non-blank record (it is read again as data). */
static int ndjson_open(struct tep_reader *r, struct tep_error *err)
{
    struct ndjson_state *st = calloc(1, sizeof *st);
    if (!st)
        return tep_error_set_at(err, TEP_ERR_NOMEM, r->display_path, 0, 0,
                                "out of memory opening the file");
    r->impl = st;
    for (int v = 0; v < TEP_N_VARS; v++)
        st->col_of_var[v] = -1;
    bool at_eof;
    long long nl;
    const char *text;
    struct nd_cursor c;
    for (;;) {
        nl = tep_src_find_newline(&r->src, 0, &at_eof, err);
        if (nl < 0) return -1;
        if (at_eof && nl == 0)
            return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, r->src.line, 1,
                                    "empty file: expected JSON objects, one per line");
        text = tep_src_data(&r->src);
        if (r->src.line == 1 && nl >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
            tep_src_consume(&r->src, 3, 0); /* a byte order mark */
            continue;
        }
        c = (struct nd_cursor){.begin = text, .p = text, .end = text + nl, .line = r->src.line};
        skip_ws(&c);
        if (c.p < c.end) break;
        tep_src_consume(&r->src, (size_t)nl + (at_eof ? 0 : 1), at_eof ? 0 : 1);
    }
    st->first_line = r->src.line;
    c.p = c.begin;
    struct tep_row_keys unused;
    if (parse_record(r, st, &c, NULL, 0, &unused, err) != 0) return -1;
    st->nfirst = st->nslots;
    int ncols = 0;
    for (int v = 0; v < TEP_N_VARS; v++) {
        if (st->col_of_var[v] < 0) continue;
        st->col_of_var[v] = ncols;
        r->schema.var[ncols++] = v;
    }
    r->schema.ncols = ncols;
    for (int i = 0; i < st->nslots; i++)
        if (st->slots[i].role == ND_VALUE)
            st->slots[i].frame_col = st->col_of_var[st->slots[i].var];
    if (ncols == 0)
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, st->first_line, 1,
                                "no TEP variable keys in the first record: expected keys such as "
                                "xmeas_1..xmeas_41 or xmv_1..xmv_12");
    return 0;
}

const struct tep_format_ops tep_ndjson_format = {
    .name = "ndjson",
    .open = ndjson_open,
    .read_row = ndjson_read_row,
    .close = ndjson_close,
};
