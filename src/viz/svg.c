/* svg.c - SVG text buffer, axes, downsampling and the charts (see svg.h).
 *
 * Invariants: every text that can come from data (labels, names, titles) is written through
 * tep_svg_buf_escape; attribute markup is only ever literal text from this file. Charts are
 * laid out in pixels with estimated text widths, so tick labels are thinned and long labels
 * shortened rather than overlapped. Coordinates are written with one decimal, which keeps
 * files small at no visible cost.
 */
#include "viz/svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "core/text.h"

/* Colours besides the palette: text, muted text, grid, axis. */
#define INK "#1f2328"
#define MUTED "#59636e"
#define GRID "#e4e7eb"
#define AXIS "#8c959f"
#define FAULT_TINT_OPACITY "0.07"

/* ------------------------------------------------------------------------------------------
 * Text buffer
 */

void tep_svg_buf_init(struct tep_svg_buf *buf)
{
    memset(buf, 0, sizeof *buf);
}

void tep_svg_buf_free(struct tep_svg_buf *buf)
{
    if (!buf) return;
    free(buf->data);
    memset(buf, 0, sizeof *buf);
}

/* Make room for `extra` more bytes plus the NUL; false (and `failed`) when that fails. */
static bool buf_reserve(struct tep_svg_buf *buf, size_t extra)
{
    if (buf->failed) return false;
    if (extra > SIZE_MAX / 2 - buf->len) {
        buf->failed = true;
        return false;
    }
    size_t need = buf->len + extra + 1;
    if (need <= buf->cap) return true;
    size_t cap = buf->cap ? buf->cap : 1024;
    while (cap < need)
        cap *= 2;
    char *grown = realloc(buf->data, cap);
    if (!grown) {
        buf->failed = true;
        return false;
    }
    buf->data = grown;
    buf->cap = cap;
    return true;
}

void tep_svg_buf_append_n(struct tep_svg_buf *buf, const char *text, size_t n)
{
    if (!text || !buf_reserve(buf, n)) return;
    memcpy(buf->data + buf->len, text, n);
    buf->len += n;
    buf->data[buf->len] = '\0';
}

void tep_svg_buf_append(struct tep_svg_buf *buf, const char *text)
{
    if (text) tep_svg_buf_append_n(buf, text, strlen(text));
}

void tep_svg_buf_printf(struct tep_svg_buf *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0) {
        buf->failed = true;
        return;
    }
    if (!buf_reserve(buf, (size_t)need)) return;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)need + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)need;
}

/* Length of the character at p (n bytes left) that XML may hold, or 0: not UTF-8
 * (core/text.h), or U+FFFE / U+FFFF, which XML forbids. */
static size_t xml_char_length(const char *p, size_t n)
{
    unsigned cp;
    size_t len = tep_utf8_decode(p, n, &cp);
    return cp == 0xFFFE || cp == 0xFFFF ? 0 : len;
}

void tep_svg_buf_escape(struct tep_svg_buf *buf, const char *text)
{
    static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
    if (!text) return;
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *end = p + strlen(text);
    const unsigned char *run = p; /* start of bytes that need no change */
    while (*p) {
        const char *entity = NULL;
        size_t skip = 1;
        unsigned char c = *p;
        if (c == '&') {
            entity = "&amp;";
        } else if (c == '<') {
            entity = "&lt;";
        } else if (c == '>') {
            entity = "&gt;";
        } else if (c == '"') {
            entity = "&quot;";
        } else if (c == '\'') {
            entity = "&#39;";
        } else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
            entity = replacement;
        } else if (c >= 0x80) {
            skip = xml_char_length((const char *)p, (size_t)(end - p));
            if (skip == 0) {
                entity = replacement;
                skip = 1;
            }
        }
        if (entity) {
            tep_svg_buf_append_n(buf, (const char *)run, (size_t)(p - run));
            tep_svg_buf_append(buf, entity);
            p += skip;
            run = p;
        } else {
            p += skip;
        }
    }
    tep_svg_buf_append_n(buf, (const char *)run, (size_t)(p - run));
}

char *tep_svg_buf_finish(struct tep_svg_buf *buf, struct tep_error *err)
{
    if (buf->failed) {
        tep_svg_buf_free(buf);
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory while writing a chart");
        return NULL;
    }
    char *text = buf->data;
    if (!text) {
        text = calloc(1, 1);
        if (!text) tep_error_set(err, TEP_ERR_NOMEM, "out of memory while writing a chart");
    }
    memset(buf, 0, sizeof *buf);
    return text;
}

/* ------------------------------------------------------------------------------------------
 * Numbers
 */

/* Remove trailing zeros after a decimal point, and the point itself when nothing follows. */
static void trim_zeros(char *s)
{
    char *dot = strchr(s, '.');
    if (!dot) return;
    char *end = s + strlen(s);
    while (end > dot + 1 && end[-1] == '0')
        *--end = '\0';
    if (end == dot + 1) *dot = '\0';
}

/* "-0" -> "0" (a rounded tiny negative number). */
static void drop_negative_zero(char *s)
{
    if (s[0] != '-') return;
    for (const char *p = s + 1; *p; p++)
        if (*p != '0' && *p != '.') return;
    memmove(s, s + 1, strlen(s));
}

/* Exponent form with 3 significant digits and a short exponent: "1.23e6", "-5e-4". */
static void format_exponent(double v, char *out, size_t size)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.2e", v);
    char *e = strchr(tmp, 'e');
    if (!e) { /* inf / nan never get here; keep whatever printf wrote */
        snprintf(out, size, "%s", tmp);
        return;
    }
    *e = '\0';
    trim_zeros(tmp);
    snprintf(out, size, "%se%d", tmp, atoi(e + 1));
}

void tep_svg_format_number(double v, char *out, size_t size)
{
    if (size == 0) return;
    if (isnan(v)) {
        snprintf(out, size, "n/a");
        return;
    }
    if (isinf(v)) {
        snprintf(out, size, "%s", v > 0 ? "inf" : "-inf");
        return;
    }
    double a = fabs(v);
    if (a == 0.0) {
        snprintf(out, size, "0");
        return;
    }
    if (a >= 1e6 || a < 1e-3) {
        format_exponent(v, out, size);
        return;
    }
    int decimals = 2 - (int)floor(log10(a));
    if (decimals < 0) decimals = 0;
    snprintf(out, size, "%.*f", decimals, v);
    trim_zeros(out);
    drop_negative_zero(out);
}

/* 10^k, correctly rounded for |k| <= 22 (k >= 0 exact; k < 0 one division). */
static double pow10_int(int k)
{
    return k >= 0 ? pow(10.0, (double)k) : 1.0 / pow(10.0, (double)-k);
}

/* mantissa * 10^k with one rounding, so that 6 * 10^-1 is the double nearest 0.6. */
static double scaled(double mantissa, int k)
{
    return k >= 0 ? mantissa * pow(10.0, (double)k) : mantissa / pow(10.0, (double)-k);
}

/* Heckbert's nice number as {1,2,5} and a power of ten. */
static void nice_parts(double x, bool round, int *mantissa, int *exponent)
{
    int e = (int)floor(log10(x));
    double f = x / pow10_int(e);
    if (f >= 10.0) { /* log10 rounding near a power of ten */
        e++;
        f /= 10.0;
    } else if (f < 1.0) {
        e--;
        f *= 10.0;
    }
    int m;
    if (round)
        m = f < 1.5 ? 1 : f < 3.0 ? 2 : f < 7.0 ? 5 : 10;
    else
        m = f <= 1.0 ? 1 : f <= 2.0 ? 2 : f <= 5.0 ? 5 : 10;
    if (m == 10) {
        m = 1;
        e++;
    }
    *mantissa = m;
    *exponent = e;
}

double tep_svg_nice_number(double x, bool round)
{
    if (!(x > 0.0) || !isfinite(x)) return x;
    int m, e;
    nice_parts(x, round, &m, &e);
    return scaled(m, e);
}

int tep_svg_nice_ticks(double lo, double hi, int target, struct tep_svg_ticks *out,
                       struct tep_error *err)
{
    if (!out) return tep_error_set(err, TEP_ERR_ARG, "ticks: no output");
    memset(out, 0, sizeof *out);
    if (!isfinite(lo) || !isfinite(hi) || !isfinite(hi - lo))
        return tep_error_set(err, TEP_ERR_ARG, "ticks: the axis range %g..%g is not finite", lo,
                             hi);
    if (hi < lo) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    if (target < 2) target = 2;
    if (target > 20) target = 20;
    double scale = fmax(fabs(lo), fabs(hi));
    if (hi - lo <= scale * 1e-12) { /* one value: a small range around it */
        double half = scale > 0.0 ? scale * 0.05 : 1.0;
        lo -= half;
        hi += half;
    }
    int m, e;
    nice_parts(hi - lo, false, &m, &e);
    nice_parts(scaled(m, e) / (target - 1), true, &m, &e);
    double step = scaled(m, e);
    double kmin = floor(lo / step + 1e-9), kmax = ceil(hi / step - 1e-9);
    if (kmax - kmin + 1 > TEP_SVG_MAX_TICKS)
        return tep_error_set(err, TEP_ERR_INTERNAL, "ticks: too many ticks for %g..%g", lo, hi);
    for (double k = kmin; k <= kmax; k++)
        out->value[out->n++] = scaled(k * m, e);
    out->lo = out->value[0];
    out->hi = out->value[out->n - 1];
    out->step = step;
    out->decimals = e < 0 ? -e : 0;
    out->log = false;
    return 0;
}

int tep_svg_log_ticks(double lo, double hi, struct tep_svg_ticks *out, struct tep_error *err)
{
    if (!out) return tep_error_set(err, TEP_ERR_ARG, "ticks: no output");
    memset(out, 0, sizeof *out);
    if (!(lo > 0.0) || !(hi > 0.0) || !isfinite(lo) || !isfinite(hi))
        return tep_error_set(err, TEP_ERR_ARG,
                             "ticks: a log axis needs a positive finite range, not %g..%g", lo, hi);
    if (hi < lo) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    if (hi <= lo * (1 + 1e-12)) {
        lo /= 2.0;
        hi *= 2.0;
    }
    int d0 = (int)floor(log10(lo)), d1 = (int)ceil(log10(hi));
    while (pow10_int(d0) > lo)
        d0--;
    while (pow10_int(d1) < hi)
        d1++;
    if (d1 - d0 > 600) return tep_error_set(err, TEP_ERR_ARG, "ticks: log range too wide");
    out->log = true;
    if (d1 - d0 <= 2) {
        static const int steps[3] = {1, 2, 5};
        double first = pow10_int(d0), last = pow10_int(d1);
        /* the 1-2-5 values nearest outside the data */
        for (int k = d0; k <= d1; k++)
            for (int s = 0; s < 3; s++) {
                double v = scaled(steps[s], k);
                if (v <= lo) first = v;
                if (v >= hi && v < last) last = v;
            }
        for (int k = d0; k <= d1; k++)
            for (int s = 0; s < 3; s++) {
                double v = scaled(steps[s], k);
                if (v >= first && v <= last && out->n < TEP_SVG_MAX_TICKS) out->value[out->n++] = v;
            }
        out->lo = first;
        out->hi = last;
    } else {
        int every = (d1 - d0 + 7) / 8;
        int k0 = (int)floor((double)d0 / every) * every;
        int k1 = (int)ceil((double)d1 / every) * every;
        for (int k = k0; k <= k1 && out->n < TEP_SVG_MAX_TICKS; k += every)
            out->value[out->n++] = pow10_int(k);
        out->lo = out->value[0];
        out->hi = out->value[out->n - 1];
    }
    return 0;
}

void tep_svg_format_tick(const struct tep_svg_ticks *t, double v, char *out, size_t size)
{
    if (size == 0) return;
    double a = fabs(v);
    if (t->log) {
        if (a >= 1e5 || a < 1e-3) {
            format_exponent(v, out, size);
        } else {
            int decimals = a >= 1.0 ? 0 : -(int)floor(log10(a) + 1e-9);
            snprintf(out, size, "%.*f", decimals, v);
        }
        return;
    }
    if (a != 0.0 && (a >= 1e7 || t->decimals > 6)) {
        format_exponent(v, out, size);
        return;
    }
    snprintf(out, size, "%.*f", t->decimals, v);
    drop_negative_zero(out);
}

/* ------------------------------------------------------------------------------------------
 * Downsampling
 */

size_t tep_svg_column_of(double x, double x0, double x1, size_t columns)
{
    if (columns == 0 || !(x1 > x0)) return 0;
    double c = (x - x0) / (x1 - x0) * (double)columns;
    if (!(c > 0.0)) return 0;
    if (c >= (double)columns) return columns - 1;
    return (size_t)c;
}

/* What one pixel column holds so far. */
struct column_summary {
    bool has_value;
    size_t first, last, imin, imax; /* indices of finite points */
    bool nan_before, nan_after;     /* a NaN before the first / after the last finite point */
    size_t nan_before_at, nan_after_at;
};

struct downsample_out {
    const double *x, *y;
    double *out_x, *out_y;
    size_t n;
};

static void emit_point(struct downsample_out *o, size_t i)
{
    o->out_x[o->n] = o->x[i];
    o->out_y[o->n] = o->y[i];
    o->n++;
}

static void emit_gap(struct downsample_out *o, size_t i)
{
    if (o->n == 0 || isnan(o->out_y[o->n - 1])) return; /* leading or repeated gap */
    emit_point(o, i);
}

static void flush_column(struct downsample_out *o, const struct column_summary *c)
{
    if (c->nan_before) emit_gap(o, c->nan_before_at);
    if (c->has_value) {
        size_t idx[4] = {c->first, c->imin, c->imax, c->last};
        for (int a = 1; a < 4; a++) /* sort four indices */
            for (int b = a; b > 0 && idx[b - 1] > idx[b]; b--) {
                size_t t = idx[b];
                idx[b] = idx[b - 1];
                idx[b - 1] = t;
            }
        for (int a = 0; a < 4; a++)
            if (a == 0 || idx[a] != idx[a - 1]) emit_point(o, idx[a]);
    }
    if (c->nan_after) emit_gap(o, c->nan_after_at);
}

int tep_svg_downsample(const double *x, const double *y, size_t n, size_t columns, double *out_x,
                       double *out_y, size_t *out_n, struct tep_error *err)
{
    if (!out_n || (n > 0 && (!x || !y || !out_x || !out_y)) || columns == 0)
        return tep_error_set(err, TEP_ERR_ARG, "downsample: missing input or output");
    *out_n = 0;
    size_t lo = 0, hi = n;
    while (lo < n && isnan(x[lo]))
        lo++;
    while (hi > lo && isnan(x[hi - 1]))
        hi--;
    if (lo == hi) return 0;
    double x0 = x[lo], x1 = x[hi - 1];
    struct downsample_out o = {x, y, out_x, out_y, 0};
    struct column_summary c;
    memset(&c, 0, sizeof c);
    size_t column = tep_svg_column_of(x0, x0, x1, columns);
    double previous_x = x0;
    for (size_t i = lo; i < hi; i++) {
        if (isnan(x[i])) continue;
        if (x[i] < previous_x)
            return tep_error_set_at(err, TEP_ERR_ARG, NULL, (long)i + 1, 0,
                                    "downsample: x decreases (%g after %g); expected time "
                                    "order",
                                    x[i], previous_x);
        previous_x = x[i];
        size_t col = tep_svg_column_of(x[i], x0, x1, columns);
        if (col != column) {
            flush_column(&o, &c);
            memset(&c, 0, sizeof c);
            column = col;
        }
        if (isnan(y[i])) {
            if (!c.has_value && !c.nan_before) {
                c.nan_before = true;
                c.nan_before_at = i;
            } else if (c.has_value && !c.nan_after) {
                c.nan_after = true;
                c.nan_after_at = i;
            }
            continue;
        }
        if (!c.has_value) {
            c.has_value = true;
            c.first = c.last = c.imin = c.imax = i;
            continue;
        }
        c.nan_after = false; /* a gap inside one pixel column is not drawn */
        c.last = i;
        if (y[i] < y[c.imin]) c.imin = i;
        if (y[i] > y[c.imax]) c.imax = i;
    }
    flush_column(&o, &c);
    *out_n = o.n;
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Elements
 */

/* A coordinate with at most one decimal ("12", "12.5"). */
static void put_coord(struct tep_svg_buf *buf, double v)
{
    char tmp[48];
    if (!isfinite(v)) v = 0.0;
    snprintf(tmp, sizeof tmp, "%.1f", v);
    trim_zeros(tmp);
    drop_negative_zero(tmp);
    tep_svg_buf_append(buf, tmp);
}

static void put_attr_coord(struct tep_svg_buf *buf, const char *name, double v)
{
    tep_svg_buf_printf(buf, " %s=\"", name);
    put_coord(buf, v);
    tep_svg_buf_append(buf, "\"");
}

static void put_attrs(struct tep_svg_buf *buf, const char *attrs)
{
    if (attrs && *attrs) {
        tep_svg_buf_append(buf, " ");
        tep_svg_buf_append(buf, attrs);
    }
}

void tep_svg_begin(struct tep_svg_buf *buf, double width, double height, const char *title,
                   const char *desc)
{
    tep_svg_buf_append(buf, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
    put_attr_coord(buf, "width", width);
    put_attr_coord(buf, "height", height);
    tep_svg_buf_append(buf, " viewBox=\"0 0 ");
    put_coord(buf, width);
    tep_svg_buf_append(buf, " ");
    put_coord(buf, height);
    tep_svg_buf_append(buf, "\" role=\"img\" font-family=\"system-ui, -apple-system, "
                            "'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif\" "
                            "font-size=\"12\" fill=\"" INK "\">\n<title>");
    tep_svg_buf_escape(buf, title ? title : "chart");
    tep_svg_buf_append(buf, "</title>\n");
    if (desc && *desc) {
        tep_svg_buf_append(buf, "<desc>");
        tep_svg_buf_escape(buf, desc);
        tep_svg_buf_append(buf, "</desc>\n");
    }
    tep_svg_buf_append(buf, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
}

void tep_svg_end(struct tep_svg_buf *buf)
{
    tep_svg_buf_append(buf, "</svg>\n");
}

/* The start tag of a <text> at (x, y); its content and "</text>" are the caller's. */
static void open_text(struct tep_svg_buf *buf, double x, double y, const char *attrs)
{
    tep_svg_buf_append(buf, "<text");
    put_attr_coord(buf, "x", x);
    put_attr_coord(buf, "y", y);
    put_attrs(buf, attrs);
    tep_svg_buf_append(buf, ">");
}

void tep_svg_text(struct tep_svg_buf *buf, double x, double y, const char *attrs, const char *text)
{
    open_text(buf, x, y, attrs);
    tep_svg_buf_escape(buf, text);
    tep_svg_buf_append(buf, "</text>\n");
}

void tep_svg_line(struct tep_svg_buf *buf, double x1, double y1, double x2, double y2,
                  const char *attrs)
{
    tep_svg_buf_append(buf, "<line");
    put_attr_coord(buf, "x1", x1);
    put_attr_coord(buf, "y1", y1);
    put_attr_coord(buf, "x2", x2);
    put_attr_coord(buf, "y2", y2);
    put_attrs(buf, attrs);
    tep_svg_buf_append(buf, "/>\n");
}

void tep_svg_rect(struct tep_svg_buf *buf, double x, double y, double w, double h,
                  const char *attrs)
{
    tep_svg_buf_append(buf, "<rect");
    put_attr_coord(buf, "x", x);
    put_attr_coord(buf, "y", y);
    put_attr_coord(buf, "width", w > 0 ? w : 0);
    put_attr_coord(buf, "height", h > 0 ? h : 0);
    put_attrs(buf, attrs);
    tep_svg_buf_append(buf, "/>\n");
}

void tep_svg_circle(struct tep_svg_buf *buf, double cx, double cy, double r, const char *attrs)
{
    tep_svg_buf_append(buf, "<circle");
    put_attr_coord(buf, "cx", cx);
    put_attr_coord(buf, "cy", cy);
    put_attr_coord(buf, "r", r);
    put_attrs(buf, attrs);
    tep_svg_buf_append(buf, "/>\n");
}

void tep_svg_path(struct tep_svg_buf *buf, const double *px, const double *py, size_t n,
                  const char *attrs)
{
    bool open = false, pen_down = false;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(px[i]) || !isfinite(py[i])) {
            pen_down = false;
            continue;
        }
        if (!open) {
            tep_svg_buf_append(buf, "<path d=\"");
            open = true;
        }
        tep_svg_buf_append(buf, pen_down ? "L" : "M");
        put_coord(buf, px[i]);
        tep_svg_buf_append(buf, " ");
        put_coord(buf, py[i]);
        pen_down = true;
    }
    if (!open) return;
    tep_svg_buf_append(buf, "\"");
    put_attrs(buf, attrs);
    tep_svg_buf_append(buf, "/>\n");
}

double tep_svg_text_width(const char *text, double font_px)
{
    double w = 0.0;
    if (!text) return 0.0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        unsigned char c = *p;
        if ((c & 0xC0) == 0x80) continue; /* UTF-8 continuation byte */
        if (c == ' ' || c == '.' || c == ',' || c == ':' || c == ';' || c == '(' || c == ')' ||
            c == 'i' || c == 'l' || c == 'j' || c == 't' || c == 'f' || c == 'I' || c == '\'' ||
            c == '|' || c == '/')
            w += 0.32;
        else if (c == 'm' || c == 'w' || c == 'M' || c == 'W' || c == '%')
            w += 0.86;
        else if (c >= 'A' && c <= 'Z')
            w += 0.68;
        else
            w += 0.56;
    }
    return w * font_px;
}

const char *tep_svg_series_colour(size_t i)
{
    static const char *const colours[7] = {TEP_SVG_BLUE,   TEP_SVG_ORANGE,     TEP_SVG_GREEN,
                                           TEP_SVG_PURPLE, TEP_SVG_VERMILLION, TEP_SVG_SKY_BLUE,
                                           TEP_SVG_BLACK};
    return colours[i % 7];
}

/* ------------------------------------------------------------------------------------------
 * Shared chart pieces
 */

/* One plot area and its axes. */
struct plot {
    double left, top, width, height; /* px */
    struct tep_svg_ticks x, y;
};

static double plot_x(const struct plot *p, double v)
{
    return p->left + (v - p->x.lo) / (p->x.hi - p->x.lo) * p->width;
}

static double plot_y(const struct plot *p, double v)
{
    double f;
    if (p->y.log) {
        double l0 = log10(p->y.lo), l1 = log10(p->y.hi);
        double lv = v > p->y.lo ? log10(v) : l0;
        f = (lv - l0) / (l1 - l0);
    } else {
        f = (v - p->y.lo) / (p->y.hi - p->y.lo);
    }
    return p->top + p->height - f * p->height;
}

/* Display form of a catalogue unit: "degC" -> "°C", "m3/h" -> "m³/h". */
static const char *pretty_unit(const char *unit)
{
    if (!unit) return "";
    if (strcmp(unit, "degC") == 0)
        return "\xC2\xB0"
               "C";
    if (strcmp(unit, "m3/h") == 0) return "m\xC2\xB3/h";
    return unit;
}

static const struct tep_var_info *catalog_var(int var)
{
    return var >= 0 && var < TEP_N_VARS ? &tep_catalog[var] : NULL;
}

/* Widest label of the ticks, in px at `font_px`. */
static double tick_labels_width(const struct tep_svg_ticks *t, double font_px)
{
    double w = 0.0;
    char label[64];
    for (size_t i = 0; i < t->n; i++) {
        tep_svg_format_tick(t, t->value[i], label, sizeof label);
        w = fmax(w, tep_svg_text_width(label, font_px));
    }
    return w;
}

/* Every how many ticks a label fits without touching its neighbours. */
static size_t label_stride(double spacing_px, double label_px)
{
    size_t stride = 1;
    while (stride < 64 && spacing_px * (double)stride < label_px)
        stride++;
    return stride;
}

/* Horizontal grid lines and y tick labels left of the plot. */
static void draw_y_axis(struct tep_svg_buf *buf, const struct plot *p)
{
    char label[64];
    double spacing = p->y.n > 1 ? p->height / (double)(p->y.n - 1) : p->height;
    if (p->y.log && p->y.n > 1) { /* the tightest gap between neighbouring ticks */
        for (size_t i = 1; i < p->y.n; i++)
            spacing = fmin(spacing, plot_y(p, p->y.value[i - 1]) - plot_y(p, p->y.value[i]));
    }
    size_t stride = label_stride(spacing, 15.0);
    for (size_t i = 0; i < p->y.n; i++) {
        double y = plot_y(p, p->y.value[i]);
        tep_svg_line(buf, p->left, y, p->left + p->width, y, "stroke=\"" GRID "\"");
        if (i % stride != 0) continue;
        tep_svg_format_tick(&p->y, p->y.value[i], label, sizeof label);
        tep_svg_text(buf, p->left - 6, y + 4, "text-anchor=\"end\" fill=\"" MUTED "\"", label);
    }
    tep_svg_line(buf, p->left, p->top, p->left, p->top + p->height, "stroke=\"" AXIS "\"");
}

/* Vertical grid lines at the time ticks, and the bottom axis line. */
static void draw_x_grid(struct tep_svg_buf *buf, const struct plot *p)
{
    for (size_t i = 0; i < p->x.n; i++) {
        double x = plot_x(p, p->x.value[i]);
        tep_svg_line(buf, x, p->top, x, p->top + p->height, "stroke=\"" GRID "\"");
    }
    tep_svg_line(buf, p->left, p->top + p->height, p->left + p->width, p->top + p->height,
                 "stroke=\"" AXIS "\"");
}

/* Time tick labels under the plot and the axis title under them. */
static void draw_x_labels(struct tep_svg_buf *buf, const struct plot *p, const char *title)
{
    char label[64];
    double widest = tick_labels_width(&p->x, 12.0) + 12.0;
    double spacing = p->x.n > 1 ? p->width / (double)(p->x.n - 1) : p->width;
    size_t stride = label_stride(spacing, widest);
    double base = p->top + p->height;
    for (size_t i = 0; i < p->x.n; i += stride) {
        double x = plot_x(p, p->x.value[i]);
        tep_svg_line(buf, x, base, x, base + 4, "stroke=\"" AXIS "\"");
        tep_svg_format_tick(&p->x, p->x.value[i], label, sizeof label);
        tep_svg_text(buf, x, base + 17, "text-anchor=\"middle\" fill=\"" MUTED "\"", label);
    }
    tep_svg_text(buf, p->left + p->width / 2, base + 35,
                 "text-anchor=\"middle\" fill=\"" MUTED "\"", title);
}

/* The y-axis title, rotated to read upwards, centred on the plot's height left of it. */
static void draw_y_title(struct tep_svg_buf *buf, const struct plot *p, const char *title)
{
    double cy = p->top + p->height / 2;
    tep_svg_buf_append(buf, "<text");
    put_attr_coord(buf, "x", 18);
    put_attr_coord(buf, "y", cy);
    tep_svg_buf_append(buf, " transform=\"rotate(-90 18 ");
    put_coord(buf, cy);
    tep_svg_buf_append(buf, ")\" text-anchor=\"middle\" fill=\"" MUTED "\">");
    tep_svg_buf_escape(buf, title);
    tep_svg_buf_append(buf, "</text>\n");
}

/* A label of two parts: `name` in bold, then (when not empty) `gap` and `detail` muted. */
static void draw_name_detail(struct tep_svg_buf *buf, double x, double y, const char *attrs,
                             const char *name, const char *gap, const char *detail)
{
    open_text(buf, x, y, attrs);
    tep_svg_buf_append(buf, "<tspan font-weight=\"600\">");
    tep_svg_buf_escape(buf, name);
    tep_svg_buf_append(buf, "</tspan>");
    if (*detail) {
        tep_svg_buf_append(buf, "<tspan fill=\"" MUTED "\">");
        tep_svg_buf_append(buf, gap);
        tep_svg_buf_escape(buf, detail);
        tep_svg_buf_append(buf, "</tspan>");
    }
    tep_svg_buf_append(buf, "</text>\n");
}

/* Title and optional subtitle; returns the y below them. */
static double draw_heading(struct tep_svg_buf *buf, const char *title, const char *subtitle)
{
    tep_svg_text(buf, 16, 24, "font-size=\"16\" font-weight=\"600\"", title);
    if (subtitle && *subtitle) {
        tep_svg_text(buf, 16, 43, "fill=\"" MUTED "\"", subtitle);
        return 52;
    }
    return 34;
}

/* Legend entry kinds. */
enum legend_kind { LEGEND_LINE, LEGEND_DASH, LEGEND_DOT, LEGEND_AREA, LEGEND_BAR };

struct legend_item {
    enum legend_kind kind;
    const char *colour;
    const char *text;
};

/* A row (wrapping to more rows) of legend entries from x = left, top at y. Returns the y
 * below the legend. */
static double draw_legend(struct tep_svg_buf *buf, const struct legend_item *items, size_t n,
                          double left, double right, double y)
{
    double x = left;
    double row_height = 18.0;
    if (n == 0) return y;
    char attrs[160];
    for (size_t i = 0; i < n; i++) {
        double w = 26.0 + tep_svg_text_width(items[i].text, 12.0) + 16.0;
        if (x > left && x + w > right) {
            x = left;
            y += row_height;
        }
        double cy = y + 9.0;
        switch (items[i].kind) {
        case LEGEND_LINE:
            snprintf(attrs, sizeof attrs, "stroke=\"%s\" stroke-width=\"2\"", items[i].colour);
            tep_svg_line(buf, x, cy, x + 20, cy, attrs);
            break;
        case LEGEND_DASH:
            snprintf(attrs, sizeof attrs,
                     "stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"",
                     items[i].colour);
            tep_svg_line(buf, x, cy, x + 20, cy, attrs);
            break;
        case LEGEND_DOT:
            snprintf(attrs, sizeof attrs, "fill=\"%s\"", items[i].colour);
            tep_svg_circle(buf, x + 10, cy, 3.5, attrs);
            break;
        case LEGEND_AREA:
            snprintf(attrs, sizeof attrs,
                     "fill=\"%s\" fill-opacity=\"0.16\" stroke=\"%s\" stroke-opacity=\"0.5\"",
                     items[i].colour, items[i].colour);
            tep_svg_rect(buf, x + 2, cy - 6, 16, 12, attrs);
            break;
        case LEGEND_BAR:
            snprintf(attrs, sizeof attrs, "fill=\"%s\"", items[i].colour);
            tep_svg_rect(buf, x + 2, cy - 6, 16, 12, attrs);
            break;
        }
        tep_svg_text(buf, x + 26, cy + 4, NULL, items[i].text);
        x += w;
    }
    return y + row_height + 4.0;
}

/* Shaded faulty period [onset, end] clipped to the plot. */
static void draw_fault_region(struct tep_svg_buf *buf, const struct plot *p, double onset_h,
                              double end_h)
{
    if (!isfinite(onset_h)) return;
    double a = fmax(onset_h, p->x.lo), b = isfinite(end_h) ? fmin(end_h, p->x.hi) : p->x.hi;
    if (b <= a) return;
    tep_svg_rect(buf, plot_x(p, a), p->top, plot_x(p, b) - plot_x(p, a), p->height,
                 "class=\"fault-region\" fill=\"" TEP_SVG_VERMILLION
                 "\" fill-opacity=\"" FAULT_TINT_OPACITY "\"");
}

/* A vertical marker line across the plot, when t lies on the axis. */
static void draw_marker_line(struct tep_svg_buf *buf, const struct plot *p, double t,
                             const char *attrs)
{
    if (!isfinite(t) || t < p->x.lo || t > p->x.hi) return;
    double x = plot_x(p, t);
    tep_svg_line(buf, x, p->top, x, p->top + p->height, attrs);
}

/* Labels in a band above a plot for vertical markers, placed left or right of their line
 * so that they neither overlap each other nor leave the chart. */
struct marker_label {
    double x; /* px of the marker line */
    const char *text;
    const char *colour;
};

static void draw_marker_labels(struct tep_svg_buf *buf, struct marker_label *labels, size_t n,
                               double left, double right, double baseline)
{
    double taken_until[3] = {-1e9, -1e9, -1e9}; /* rightmost px used on each row */
    char attrs[160];
    for (size_t i = 0; i < n; i++) { /* in order of x */
        for (size_t j = i + 1; j < n; j++)
            if (labels[j].x < labels[i].x) {
                struct marker_label t = labels[i];
                labels[i] = labels[j];
                labels[j] = t;
            }
    }
    for (size_t i = 0; i < n; i++) {
        double w = tep_svg_text_width(labels[i].text, 11.0);
        /* right of the line, unless the chart edge or the next marker is close and there is
         * room on the left */
        double start = labels[i].x + 4;
        bool crowded = i + 1 < n && labels[i + 1].x - labels[i].x < w + 12;
        if ((start + w > right || crowded) && labels[i].x - 4 - w >= left)
            start = labels[i].x - 4 - w;
        if (start + w > right) start = right - w;
        if (start < left) start = left;
        int row = 0;
        while (row < 2 && start < taken_until[row] + 8)
            row++;
        taken_until[row] = start + w;
        snprintf(attrs, sizeof attrs, "font-size=\"11\" fill=\"%s\"", labels[i].colour);
        tep_svg_text(buf, start, baseline - 13.0 * row, attrs, labels[i].text);
    }
}

/* Range of the finite values of y[0..n). false when there is none. */
static bool finite_range(const double *y, size_t n, double *lo, double *hi)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) continue;
        if (!any) {
            *lo = *hi = y[i];
            any = true;
        } else {
            if (y[i] < *lo) *lo = y[i];
            if (y[i] > *hi) *hi = y[i];
        }
    }
    return any;
}

/* The time axis of a chart: ticks over the finite sample times. */
static int time_axis(const double *time_h, size_t n, double plot_width, struct tep_svg_ticks *t,
                     struct tep_error *err)
{
    double lo = 0.0, hi = 0.0;
    if (!finite_range(time_h, n, &lo, &hi))
        return tep_error_set(err, TEP_ERR_ARG, "chart: no finite sample time");
    int target = (int)(plot_width / 80.0);
    return tep_svg_nice_ticks(lo, hi, target < 3 ? 3 : target, t, err);
}

/* Draw y(x) as a path in the plot, downsampled to the plot's pixel columns when long. */
static int draw_series(struct tep_svg_buf *buf, const struct plot *p, const double *x,
                       const double *y, size_t n, const char *attrs, struct tep_error *err)
{
    size_t columns = (size_t)p->width;
    if (columns < 1) columns = 1;
    size_t cap = n > 4 * columns ? tep_svg_downsample_capacity(columns) : n;
    double *sx = malloc((cap + 1) * 4 * sizeof *sx);
    if (!sx) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory while drawing a series");
    double *sy = sx + (cap + 1), *px = sy + (cap + 1), *py = px + (cap + 1);
    size_t m = 0;
    if (n > 4 * columns) {
        if (tep_svg_downsample(x, y, n, columns, sx, sy, &m, err) != 0) goto fail;
    } else {
        memcpy(sx, x, n * sizeof *sx);
        memcpy(sy, y, n * sizeof *sy);
        m = n;
    }
    for (size_t i = 0; i < m; i++) {
        bool ok = isfinite(sx[i]) && isfinite(sy[i]);
        px[i] = ok ? plot_x(p, sx[i]) : NAN;
        py[i] = ok ? plot_y(p, sy[i]) : NAN;
    }
    tep_svg_path(buf, px, py, m, attrs);
    free(sx);
    return 0;
fail:
    free(sx);
    return -1;
}

/* ------------------------------------------------------------------------------------------
 * Trend chart
 */

void tep_svg_trend_defaults(struct tep_svg_trend_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->onset_h = NAN;
    spec->fault_end_h = NAN;
    spec->shutdown_h = NAN;
}

/* Legend / panel text of a series: its label, or "<description>" from the catalogue. */
static const char *series_name(const struct tep_svg_series *s)
{
    const struct tep_var_info *info = catalog_var(s->var);
    if (s->label && *s->label) return s->label;
    if (info) return info->description;
    return "series";
}

/* "XMEAS(7) · kPa gauge" for a catalogue series, "" otherwise. */
static void series_detail(const struct tep_svg_series *s, char *out, size_t size)
{
    const struct tep_var_info *info = catalog_var(s->var);
    if (!info) {
        out[0] = '\0';
        return;
    }
    const char *unit = pretty_unit(info->unit);
    snprintf(out, size, "%s%s%s", info->ref_name, *unit ? " \xC2\xB7 " : "", unit);
}

static int check_trend(const struct tep_svg_trend_spec *spec, struct tep_error *err)
{
    if (!spec || !spec->title)
        return tep_error_set(err, TEP_ERR_ARG, "trend chart: no spec or no title");
    if (spec->n == 0 || !spec->time_h)
        return tep_error_set(err, TEP_ERR_ARG, "trend chart '%s': no samples", spec->title);
    if (spec->nseries == 0 || spec->nseries > 8 || !spec->series)
        return tep_error_set(err, TEP_ERR_ARG, "trend chart '%s': %zu series; expected 1 to 8",
                             spec->title, spec->nseries);
    for (size_t s = 0; s < spec->nseries; s++)
        if (!spec->series[s].y)
            return tep_error_set(err, TEP_ERR_ARG, "trend chart '%s': series %zu has no data",
                                 spec->title, s + 1);
    return 0;
}

/* Draw the marker lines (onset, shutdown) of a trend panel. */
static void draw_trend_events(struct tep_svg_buf *buf, const struct plot *p,
                              const struct tep_svg_trend_spec *spec)
{
    draw_marker_line(buf, p, spec->onset_h,
                     "class=\"onset\" stroke=\"" TEP_SVG_VERMILLION "\" stroke-width=\"1.5\"");
    draw_marker_line(buf, p, spec->shutdown_h,
                     "class=\"shutdown\" stroke=\"" TEP_SVG_BLACK
                     "\" stroke-width=\"1.5\" stroke-dasharray=\"2 2\"");
}

/* Labels of the onset / shutdown markers above the first panel. */
static void draw_trend_event_labels(struct tep_svg_buf *buf, const struct plot *p,
                                    const struct tep_svg_trend_spec *spec, double right,
                                    double baseline)
{
    struct marker_label labels[2];
    size_t n = 0;
    char onset_text[160], shutdown_text[96], number[32];
    if (isfinite(spec->onset_h) && spec->onset_h >= p->x.lo && spec->onset_h <= p->x.hi) {
        tep_svg_format_number(spec->onset_h, number, sizeof number);
        snprintf(onset_text, sizeof onset_text, "%s %s h",
                 spec->onset_label ? spec->onset_label : "fault onset", number);
        labels[n++] =
            (struct marker_label){plot_x(p, spec->onset_h), onset_text, TEP_SVG_VERMILLION};
    }
    if (isfinite(spec->shutdown_h) && spec->shutdown_h >= p->x.lo && spec->shutdown_h <= p->x.hi) {
        tep_svg_format_number(spec->shutdown_h, number, sizeof number);
        snprintf(shutdown_text, sizeof shutdown_text, "shutdown %s h", number);
        labels[n++] =
            (struct marker_label){plot_x(p, spec->shutdown_h), shutdown_text, TEP_SVG_BLACK};
    }
    draw_marker_labels(buf, labels, n, p->left, right, baseline);
}

char *tep_svg_trend(const struct tep_svg_trend_spec *spec, struct tep_error *err)
{
    struct tep_svg_buf buf;
    struct tep_svg_ticks *yticks = NULL;
    tep_svg_buf_init(&buf);
    if (check_trend(spec, err) != 0) return NULL;
    double width = spec->width > 0 ? spec->width : 960;
    size_t npanels = spec->overlay ? 1 : spec->nseries;
    double panel_h = spec->panel_height > 0 ? spec->panel_height : spec->overlay ? 260 : 120;
    yticks = calloc(npanels, sizeof *yticks);
    if (!yticks) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    /* y axes first: their label widths decide the left margin */
    int ytarget = (int)(panel_h / 38.0) + 1;
    double label_w = 0.0;
    for (size_t k = 0; k < npanels; k++) {
        double lo = 0.0, hi = 1.0, slo = 0.0, shi = 0.0;
        bool any = false;
        for (size_t s = 0; s < spec->nseries; s++) {
            if (!spec->overlay && s != k) continue;
            if (!finite_range(spec->series[s].y, spec->n, &slo, &shi)) continue;
            lo = any ? fmin(lo, slo) : slo;
            hi = any ? fmax(hi, shi) : shi;
            any = true;
        }
        if (tep_svg_nice_ticks(lo, hi, ytarget < 3 ? 3 : ytarget, &yticks[k], err) != 0) goto fail;
        label_w = fmax(label_w, tick_labels_width(&yticks[k], 12.0));
    }
    double left = fmax(52.0, label_w + 16.0) + (spec->overlay ? 22.0 : 0.0);
    double right_margin = 24.0;
    struct plot p = {left, 0, width - left - right_margin, panel_h, {0}, {0}};
    if (p.width < 100) {
        tep_error_set(err, TEP_ERR_ARG, "trend chart '%s': width %g px is too small", spec->title,
                      width);
        goto fail;
    }
    if (time_axis(spec->time_h, spec->n, p.width, &p.x, err) != 0) goto fail;

    /* layout: heading, legend, panels (label row + plot), time axis */
    double panel_label_h = spec->overlay ? 0.0 : 20.0, panel_gap = 14.0;
    struct legend_item legend[12];
    char legend_text[8][256], detail[160];
    size_t nlegend = 0;
    if (spec->overlay)
        for (size_t s = 0; s < spec->nseries; s++) {
            series_detail(&spec->series[s], detail, sizeof detail);
            snprintf(legend_text[s], sizeof legend_text[s], *detail ? "%s (%s)" : "%s%s",
                     series_name(&spec->series[s]), detail);
            legend[nlegend++] =
                (struct legend_item){LEGEND_LINE, tep_svg_series_colour(s), legend_text[s]};
        }
    if (isfinite(spec->onset_h))
        legend[nlegend++] = (struct legend_item){LEGEND_AREA, TEP_SVG_VERMILLION, "faulty period"};
    /* measure the legend's height with a dry run into a scratch buffer */
    struct tep_svg_buf scratch;
    tep_svg_buf_init(&scratch);
    double legend_bottom = draw_legend(&scratch, legend, nlegend, 16, width - right_margin, 0);
    tep_svg_buf_free(&scratch);
    double heading_h = spec->subtitle && *spec->subtitle ? 52 : 34;
    double legend_h = nlegend ? legend_bottom : 0.0;
    double marker_band = isfinite(spec->onset_h) || isfinite(spec->shutdown_h) ? 30.0 : 8.0;
    double first_top = heading_h + legend_h + marker_band + panel_label_h;
    double height = first_top + (double)npanels * (panel_h + panel_label_h + panel_gap) -
                    panel_label_h - panel_gap + 46.0;

    char desc[512];
    snprintf(desc, sizeof desc, "Time trend of %zu variable%s over %zu samples", spec->nseries,
             spec->nseries == 1 ? "" : "s", spec->n);
    tep_svg_begin(&buf, width, height, spec->title, desc);
    draw_heading(&buf, spec->title, spec->subtitle);
    draw_legend(&buf, legend, nlegend, 16, width - right_margin, heading_h);

    char attrs[200];
    for (size_t k = 0; k < npanels; k++) {
        p.top = first_top + (double)k * (panel_h + panel_label_h + panel_gap);
        p.y = yticks[k];
        if (!spec->overlay) {
            const struct tep_svg_series *s = &spec->series[k];
            double ly = p.top - 7.0;
            snprintf(attrs, sizeof attrs, "fill=\"%s\"", tep_svg_series_colour(k));
            tep_svg_rect(&buf, left, ly - 9, 10, 10, attrs);
            series_detail(s, detail, sizeof detail);
            draw_name_detail(&buf, left + 15, ly, NULL, series_name(s), "  ", detail);
        }
        draw_fault_region(&buf, &p, spec->onset_h, spec->fault_end_h);
        draw_x_grid(&buf, &p);
        draw_y_axis(&buf, &p);
        draw_trend_events(&buf, &p, spec);
        for (size_t s = 0; s < spec->nseries; s++) {
            if (!spec->overlay && s != k) continue;
            snprintf(attrs, sizeof attrs,
                     "class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.4\" "
                     "stroke-linejoin=\"round\"",
                     tep_svg_series_colour(s));
            if (draw_series(&buf, &p, spec->time_h, spec->series[s].y, spec->n, attrs, err) != 0)
                goto fail;
        }
        if (k == 0)
            draw_trend_event_labels(&buf, &p, spec, width - right_margin,
                                    p.top - panel_label_h - 5);
    }
    if (spec->overlay) { /* rotated y-axis label */
        const char *ylabel = spec->y_label;
        const struct tep_var_info *info = catalog_var(spec->series[0].var);
        if (!ylabel && info) {
            ylabel = pretty_unit(info->unit);
            for (size_t s = 1; s < spec->nseries; s++) {
                const struct tep_var_info *other = catalog_var(spec->series[s].var);
                if (!other || strcmp(other->unit, info->unit) != 0) ylabel = NULL;
            }
        }
        if (ylabel) draw_y_title(&buf, &p, ylabel);
    }
    draw_x_labels(&buf, &p, "time since start of run (h)");
    tep_svg_end(&buf);
    free(yticks);
    return tep_svg_buf_finish(&buf, err);
fail:
    free(yticks);
    tep_svg_buf_free(&buf);
    return NULL;
}

/* ------------------------------------------------------------------------------------------
 * Control chart
 */

void tep_svg_control_defaults(struct tep_svg_control_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->onset_h = NAN;
    spec->shutdown_h = NAN;
}

/* Onset sample and first detection of a control chart, as metrics.h defines them. */
struct detection_marks {
    long onset;     /* index of the first faulty sample, -1 = none */
    long detection; /* first sample of the detecting run of alarms, -1 = none */
    size_t alarms_before, scored_before; /* alarms / scored samples before the onset */
    size_t alarms_after, scored_after;   /* at and after it */
};

static void find_detection(const struct tep_svg_control_spec *spec, struct detection_marks *m)
{
    size_t k = spec->consecutive ? spec->consecutive : 1, run = 0;
    memset(m, 0, sizeof *m);
    m->onset = -1;
    m->detection = -1;
    for (size_t i = 0; i < spec->n && m->onset < 0; i++) {
        bool faulty = spec->fault ? spec->fault[i] > 0
                                  : isfinite(spec->onset_h) && spec->time_h[i] > spec->onset_h;
        if (faulty) m->onset = (long)i;
    }
    for (size_t i = 0; i < spec->n; i++) {
        double s = spec->stat[i];
        bool after = m->onset >= 0 && (long)i >= m->onset;
        bool alarm = isfinite(s) && s > spec->limit;
        if (isfinite(s)) {
            if (after) {
                m->scored_after++;
                m->alarms_after += alarm;
            } else {
                m->scored_before++;
                m->alarms_before += alarm;
            }
        }
        if (after && m->detection < 0) {
            run = alarm ? run + 1 : 0;
            if (run == k) m->detection = (long)(i + 1 - k);
        }
    }
}

static int check_control(const struct tep_svg_control_spec *spec, struct tep_error *err)
{
    if (!spec || !spec->title)
        return tep_error_set(err, TEP_ERR_ARG, "control chart: no spec or no title");
    if (spec->n == 0 || !spec->time_h || !spec->stat)
        return tep_error_set(err, TEP_ERR_ARG, "control chart '%s': no samples", spec->title);
    if (!isfinite(spec->limit) || (spec->log_scale && !(spec->limit > 0.0)))
        return tep_error_set(err, TEP_ERR_ARG,
                             "control chart '%s': limit %g must be finite (and > 0 on a log "
                             "axis)",
                             spec->title, spec->limit);
    return 0;
}

/* y axis of a control chart: covers the data and the limit. */
static int control_axis(const struct tep_svg_control_spec *spec, double plot_h,
                        struct tep_svg_ticks *t, struct tep_error *err)
{
    double lo = spec->limit, hi = spec->limit;
    if (!spec->log_scale) {
        double slo = 0.0, shi = 0.0;
        if (finite_range(spec->stat, spec->n, &slo, &shi)) {
            lo = fmin(lo, slo);
            hi = fmax(hi, shi);
        }
        if (lo > 0.0 && lo < 0.25 * hi) lo = 0.0; /* a statistic >= 0: start at zero */
        int target = (int)(plot_h / 40.0) + 1;
        return tep_svg_nice_ticks(lo, hi, target < 3 ? 3 : target, t, err);
    }
    for (size_t i = 0; i < spec->n; i++) {
        double s = spec->stat[i];
        if (!isfinite(s) || s <= 0.0) continue;
        lo = fmin(lo, s);
        hi = fmax(hi, s);
    }
    lo = fmax(lo, hi * 1e-8); /* keep near-zero values from stretching the axis */
    return tep_svg_log_ticks(lo, hi, t, err);
}

/* One alarm circle per alarm, or per pixel column with alarms when there are too many. */
static void draw_alarms(struct tep_svg_buf *buf, const struct plot *p,
                        const struct tep_svg_control_spec *spec, size_t nalarms)
{
    const char *attrs = "class=\"alarm\" fill=\"" TEP_SVG_VERMILLION "\"";
    size_t max_markers = spec->max_alarm_markers ? spec->max_alarm_markers : 5000;
    if (nalarms <= max_markers) {
        for (size_t i = 0; i < spec->n; i++) {
            double s = spec->stat[i];
            if (isfinite(s) && s > spec->limit && isfinite(spec->time_h[i]))
                tep_svg_circle(buf, plot_x(p, spec->time_h[i]), plot_y(p, s), 2.3, attrs);
        }
        return;
    }
    size_t columns = (size_t)p->width, column = SIZE_MAX;
    long best = -1;
    for (size_t i = 0; i <= spec->n; i++) {
        size_t col = SIZE_MAX;
        if (i < spec->n && isfinite(spec->time_h[i]))
            col = tep_svg_column_of(spec->time_h[i], p->x.lo, p->x.hi, columns);
        if (col != column || i == spec->n) {
            if (best >= 0)
                tep_svg_circle(buf, plot_x(p, spec->time_h[best]), plot_y(p, spec->stat[best]), 2.3,
                               attrs);
            best = -1;
            column = col;
        }
        if (i == spec->n) break;
        double s = spec->stat[i];
        if (isfinite(s) && s > spec->limit && (best < 0 || s > spec->stat[best])) best = (long)i;
    }
}

/* "12 of 160 (7.5 %)". */
static void format_count_share(size_t count, size_t total, char *out, size_t size)
{
    char pct[32];
    if (total == 0) {
        snprintf(out, size, "none scored");
        return;
    }
    tep_svg_format_number(100.0 * (double)count / (double)total, pct, sizeof pct);
    snprintf(out, size, "%zu of %zu (%s %%)", count, total, pct);
}

char *tep_svg_control_chart(const struct tep_svg_control_spec *spec, struct tep_error *err)
{
    struct tep_svg_buf buf;
    tep_svg_buf_init(&buf);
    if (check_control(spec, err) != 0) return NULL;
    double width = spec->width > 0 ? spec->width : 960;
    double plot_h = spec->height > 0 ? spec->height : 240;
    const char *stat_label = spec->stat_label ? spec->stat_label : "statistic";
    struct detection_marks marks;
    find_detection(spec, &marks);

    struct plot p = {0, 0, 0, plot_h, {0}, {0}};
    if (control_axis(spec, plot_h, &p.y, err) != 0) goto fail;
    p.left = fmax(52.0, tick_labels_width(&p.y, 12.0) + 16.0) + 22.0;
    double right_margin = 24.0;
    p.width = width - p.left - right_margin;
    if (p.width < 100) {
        tep_error_set(err, TEP_ERR_ARG, "control chart '%s': width %g px is too small", spec->title,
                      width);
        goto fail;
    }
    if (time_axis(spec->time_h, spec->n, p.width, &p.x, err) != 0) goto fail;

    /* summary line: limit, alarms before / after the onset, first detection */
    char summary[512], limit_text[32], before[64], after[64], number[32], delay[32];
    tep_svg_format_number(spec->limit, limit_text, sizeof limit_text);
    format_count_share(marks.alarms_before, marks.scored_before, before, sizeof before);
    if (marks.onset < 0) {
        snprintf(summary, sizeof summary, "limit %s \xC2\xB7 alarms: %s", limit_text, before);
    } else {
        format_count_share(marks.alarms_after, marks.scored_after, after, sizeof after);
        int len = snprintf(summary, sizeof summary,
                           "limit %s \xC2\xB7 alarms before onset: %s \xC2\xB7 after: %s",
                           limit_text, before, after);
        if (marks.detection >= 0 && len > 0 && (size_t)len < sizeof summary) {
            tep_svg_format_number(spec->time_h[marks.detection], number, sizeof number);
            tep_svg_format_number((spec->time_h[marks.detection] - spec->time_h[marks.onset]) *
                                      60.0,
                                  delay, sizeof delay);
            snprintf(summary + len, sizeof summary - (size_t)len,
                     " \xC2\xB7 first detection %s h, %s min after onset", number, delay);
        } else if (len > 0 && (size_t)len < sizeof summary) {
            snprintf(summary + len, sizeof summary - (size_t)len, " \xC2\xB7 not detected");
        }
    }

    char limit_legend[128];
    snprintf(limit_legend, sizeof limit_legend, "%s",
             spec->limit_label ? spec->limit_label : "control limit");
    struct legend_item legend[5];
    size_t nlegend = 0;
    legend[nlegend++] = (struct legend_item){LEGEND_LINE, TEP_SVG_BLUE, stat_label};
    legend[nlegend++] = (struct legend_item){LEGEND_DASH, TEP_SVG_BLACK, limit_legend};
    legend[nlegend++] =
        (struct legend_item){LEGEND_DOT, TEP_SVG_VERMILLION, "alarm (above the limit)"};
    if (marks.onset >= 0)
        legend[nlegend++] = (struct legend_item){LEGEND_AREA, TEP_SVG_VERMILLION, "faulty period"};
    if (marks.detection >= 0)
        legend[nlegend++] = (struct legend_item){LEGEND_LINE, TEP_SVG_GREEN, "first detection"};

    struct tep_svg_buf scratch;
    tep_svg_buf_init(&scratch);
    double heading_h = spec->subtitle && *spec->subtitle ? 52 : 34;
    double legend_bottom =
        draw_legend(&scratch, legend, nlegend, 16, width - right_margin, heading_h + 18);
    tep_svg_buf_free(&scratch);
    double marker_band = marks.onset >= 0 || isfinite(spec->shutdown_h) ? 30.0 : 8.0;
    p.top = legend_bottom + marker_band;
    double height = p.top + plot_h + 46.0;

    char desc[768];
    snprintf(desc, sizeof desc, "Control chart of %s over %zu samples: %s", stat_label, spec->n,
             summary);
    tep_svg_begin(&buf, width, height, spec->title, desc);
    draw_heading(&buf, spec->title, spec->subtitle);
    tep_svg_text(&buf, 16, heading_h + 6, "class=\"summary\" fill=\"" INK "\"", summary);
    draw_legend(&buf, legend, nlegend, 16, width - right_margin, heading_h + 18);

    double onset_h = NAN;
    if (marks.onset >= 0)
        onset_h = isfinite(spec->onset_h) ? spec->onset_h : spec->time_h[marks.onset];
    draw_fault_region(&buf, &p, onset_h, NAN);
    draw_x_grid(&buf, &p);
    draw_y_axis(&buf, &p);
    draw_marker_line(&buf, &p, onset_h,
                     "class=\"onset\" stroke=\"" TEP_SVG_VERMILLION "\" stroke-width=\"1.5\"");
    draw_marker_line(&buf, &p, spec->shutdown_h,
                     "class=\"shutdown\" stroke=\"" TEP_SVG_BLACK
                     "\" stroke-width=\"1.5\" stroke-dasharray=\"2 2\"");
    if (marks.detection >= 0)
        draw_marker_line(&buf, &p, spec->time_h[marks.detection],
                         "class=\"detection\" stroke=\"" TEP_SVG_GREEN "\" stroke-width=\"2\"");
    if (draw_series(&buf, &p, spec->time_h, spec->stat, spec->n,
                    "class=\"series\" fill=\"none\" stroke=\"" TEP_SVG_BLUE
                    "\" stroke-width=\"1.2\" stroke-linejoin=\"round\"",
                    err) != 0)
        goto fail;
    double ly = plot_y(&p, spec->limit);
    tep_svg_line(&buf, p.left, ly, p.left + p.width, ly,
                 "class=\"limit\" stroke=\"" TEP_SVG_BLACK
                 "\" stroke-width=\"1.5\" stroke-dasharray=\"7 4\"");
    draw_alarms(&buf, &p, spec, marks.alarms_before + marks.alarms_after);

    /* marker labels above the plot */
    struct marker_label labels[3];
    size_t nlabels = 0;
    char onset_text[64], detect_text[96], shutdown_text[64];
    if (isfinite(onset_h)) {
        tep_svg_format_number(onset_h, number, sizeof number);
        snprintf(onset_text, sizeof onset_text, "fault onset %s h", number);
        labels[nlabels++] =
            (struct marker_label){plot_x(&p, onset_h), onset_text, TEP_SVG_VERMILLION};
    }
    if (marks.detection >= 0) {
        double t = spec->time_h[marks.detection];
        tep_svg_format_number(t, number, sizeof number);
        tep_svg_format_number((t - spec->time_h[marks.onset]) * 60.0, delay, sizeof delay);
        snprintf(detect_text, sizeof detect_text, "detected %s h (+%s min)", number, delay);
        labels[nlabels++] = (struct marker_label){plot_x(&p, t), detect_text, "#00704f"};
    }
    if (isfinite(spec->shutdown_h) && spec->shutdown_h >= p.x.lo && spec->shutdown_h <= p.x.hi) {
        tep_svg_format_number(spec->shutdown_h, number, sizeof number);
        snprintf(shutdown_text, sizeof shutdown_text, "shutdown %s h", number);
        labels[nlabels++] =
            (struct marker_label){plot_x(&p, spec->shutdown_h), shutdown_text, TEP_SVG_BLACK};
    }
    draw_marker_labels(&buf, labels, nlabels, p.left, width - right_margin, p.top - 5);

    char ylabel[160];
    snprintf(ylabel, sizeof ylabel, "%s%s", stat_label, spec->log_scale ? " (log scale)" : "");
    draw_y_title(&buf, &p, ylabel);
    draw_x_labels(&buf, &p, "time since start of run (h)");
    tep_svg_end(&buf);
    return tep_svg_buf_finish(&buf, err);
fail:
    tep_svg_buf_free(&buf);
    return NULL;
}

/* ------------------------------------------------------------------------------------------
 * Contribution bars
 */

struct ranked {
    size_t var;
    double value;
};

static int compare_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->value != y->value) return x->value < y->value ? 1 : -1;
    return (x->var > y->var) - (x->var < y->var);
}

/* Copy `text` into out, shortened with "…" so that it fits `max_px` at `font_px`. */
static void fit_text(const char *text, double max_px, double font_px, char *out, size_t size)
{
    snprintf(out, size, "%s", text ? text : "");
    if (tep_svg_text_width(out, font_px) <= max_px) return;
    size_t len = strlen(out);
    while (len > 0) {
        do { /* back up over a whole UTF-8 character */
            len--;
        } while (len > 0 && ((unsigned char)out[len] & 0xC0) == 0x80);
        while (len > 0 && out[len - 1] == ' ')
            len--;
        if (len + 4 > size) continue;
        memcpy(out + len, "\xE2\x80\xA6", 4); /* U+2026 and the NUL */
        if (tep_svg_text_width(out, font_px) <= max_px) return;
    }
    snprintf(out, size, "\xE2\x80\xA6");
}

char *tep_svg_contributions(const struct tep_svg_contrib_spec *spec, struct tep_error *err)
{
    struct tep_svg_buf buf;
    struct ranked *rank = NULL;
    tep_svg_buf_init(&buf);
    if (!spec || !spec->title || !spec->value || spec->nvars == 0) {
        tep_error_set(err, TEP_ERR_ARG, "contribution chart: no spec, title or values");
        return NULL;
    }
    if (!spec->names && spec->nvars != TEP_N_VARS) {
        tep_error_set(err, TEP_ERR_ARG,
                      "contribution chart '%s': %zu values without names; names may only be "
                      "left out for the %d catalogue variables",
                      spec->title, spec->nvars, TEP_N_VARS);
        return NULL;
    }
    rank = malloc(spec->nvars * sizeof *rank);
    if (!rank) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    size_t nfinite = 0;
    double total = 0.0;
    for (size_t v = 0; v < spec->nvars; v++) {
        if (!isfinite(spec->value[v])) continue;
        rank[nfinite++] = (struct ranked){v, spec->value[v]};
        if (spec->value[v] > 0) total += spec->value[v];
    }
    if (nfinite == 0) {
        tep_error_set(err, TEP_ERR_ARG, "contribution chart '%s': no finite value", spec->title);
        goto fail;
    }
    qsort(rank, nfinite, sizeof *rank, compare_ranked);
    size_t nbars = spec->top_n ? spec->top_n : 10;
    if (nbars > nfinite) nbars = nfinite;

    double width = spec->width > 0 ? spec->width : 960;
    double row_h = 26.0, bar_h = 16.0, right_margin = 24.0;
    double label_col = fmin(0.42 * width, 380.0);
    double value_col = 110.0;
    double heading_h = spec->subtitle && *spec->subtitle ? 52 : 34;
    double legend_y = heading_h;
    double top = legend_y + 30.0;
    struct plot p = {16.0 + label_col + 10.0, top, 0, row_h * (double)nbars, {0}, {0}};
    p.width = width - p.left - value_col - right_margin;
    if (p.width < 80) {
        tep_error_set(err, TEP_ERR_ARG, "contribution chart '%s': width %g px is too small",
                      spec->title, width);
        goto fail;
    }
    double max_value = fmax(rank[0].value, 0.0);
    if (tep_svg_nice_ticks(0.0, max_value > 0 ? max_value : 1.0,
                           (int)(p.width / 90.0) < 3 ? 3 : (int)(p.width / 90.0), &p.x, err) != 0)
        goto fail;
    double height = top + p.height + 46.0;

    char desc[256];
    snprintf(desc, sizeof desc, "The %zu largest of %zu variable contributions", nbars,
             spec->nvars);
    tep_svg_begin(&buf, width, height, spec->title, desc);
    draw_heading(&buf, spec->title, spec->subtitle);
    const struct legend_item legend[2] = {
        {LEGEND_BAR, TEP_SVG_BLUE, "measured variable (XMEAS)"},
        {LEGEND_BAR, TEP_SVG_ORANGE, "manipulated variable (XMV)"},
    };
    draw_legend(&buf, legend, 2, 16, width - right_margin, legend_y);

    for (size_t i = 0; i < p.x.n; i++) { /* vertical grid */
        double x = p.left + (p.x.value[i] - p.x.lo) / (p.x.hi - p.x.lo) * p.width;
        tep_svg_line(&buf, x, top, x, top + p.height, "stroke=\"" GRID "\"");
    }
    char name_part[64], desc_part[256], value_text[96], number[32], pct[32];
    char attrs[160];
    for (size_t b = 0; b < nbars; b++) {
        size_t v = rank[b].var;
        const char *name = spec->names ? spec->names[v] : tep_catalog[v].name;
        int var = name ? tep_catalog_lookup(name) : -1;
        const struct tep_var_info *info = catalog_var(var);
        snprintf(name_part, sizeof name_part, "%s", info ? info->ref_name : name ? name : "?");
        double name_w = tep_svg_text_width(name_part, 12.0) * 1.08 + 6.0; /* bold */
        fit_text(info ? info->description : "", label_col - name_w, 12.0, desc_part,
                 sizeof desc_part);
        double cy = top + row_h * (double)b + row_h / 2;
        /* label: bold reference name, then the description, right-aligned */
        draw_name_detail(&buf, p.left - 10, cy + 4, "text-anchor=\"end\"", name_part, " ",
                         desc_part);
        double value = rank[b].value;
        double w = value > 0 ? (value - p.x.lo) / (p.x.hi - p.x.lo) * p.width : 0.0;
        bool manipulated = info && info->kind == TEP_VAR_MANIPULATED;
        snprintf(attrs, sizeof attrs, "class=\"bar\" fill=\"%s\"",
                 manipulated ? TEP_SVG_ORANGE : TEP_SVG_BLUE);
        tep_svg_rect(&buf, p.left, cy - bar_h / 2, w, bar_h, attrs);
        tep_svg_format_number(value, number, sizeof number);
        if (total > 0 && value > 0) {
            tep_svg_format_number(100.0 * value / total, pct, sizeof pct);
            snprintf(value_text, sizeof value_text, "%s (%s %%)", number, pct);
        } else {
            snprintf(value_text, sizeof value_text, "%s", number);
        }
        tep_svg_text(&buf, p.left + w + 6, cy + 4, "fill=\"" INK "\"", value_text);
    }
    /* value axis under the bars */
    double base = top + p.height;
    tep_svg_line(&buf, p.left, top, p.left, base, "stroke=\"" AXIS "\"");
    tep_svg_line(&buf, p.left, base, p.left + p.width, base, "stroke=\"" AXIS "\"");
    double spacing = p.x.n > 1 ? p.width / (double)(p.x.n - 1) : p.width;
    size_t stride = label_stride(spacing, tick_labels_width(&p.x, 12.0) + 12.0);
    for (size_t i = 0; i < p.x.n; i += stride) {
        double x = p.left + (p.x.value[i] - p.x.lo) / (p.x.hi - p.x.lo) * p.width;
        tep_svg_format_tick(&p.x, p.x.value[i], number, sizeof number);
        tep_svg_line(&buf, x, base, x, base + 4, "stroke=\"" AXIS "\"");
        tep_svg_text(&buf, x, base + 17, "text-anchor=\"middle\" fill=\"" MUTED "\"", number);
    }
    tep_svg_text(&buf, p.left + p.width / 2, base + 35, "text-anchor=\"middle\" fill=\"" MUTED "\"",
                 spec->value_label ? spec->value_label : "contribution");
    tep_svg_end(&buf);
    free(rank);
    return tep_svg_buf_finish(&buf, err);
fail:
    free(rank);
    tep_svg_buf_free(&buf);
    return NULL;
}

/* ------------------------------------------------------------------------------------------
 * Detection table (HTML)
 */

/* Agreement classes of a value with its published counterpart. */
enum agreement { AGREE_NONE, AGREE_YES, AGREE_CLOSE, AGREE_NO };

static enum agreement agreement_of(double ours, double published, double tolerance)
{
    if (!isfinite(ours) || !isfinite(published)) return AGREE_NONE;
    double d = fabs(ours - published);
    return d <= tolerance ? AGREE_YES : d <= 2 * tolerance ? AGREE_CLOSE : AGREE_NO;
}

/* Value columns of the table. */
enum rate_kind { RATE_FDR, RATE_FAR, RATE_DELAY };

static void format_rate(enum rate_kind kind, double v, char *out, size_t size)
{
    char number[32];
    if (isnan(v)) {
        snprintf(out, size, "\xE2\x80\x94"); /* em dash: not available */
    } else if (kind == RATE_DELAY) {
        if (v < 0) {
            snprintf(out, size, "never");
        } else {
            tep_svg_format_number(v, number, sizeof number);
            snprintf(out, size, "%s min", number);
        }
    } else {
        snprintf(out, size, "%.1f %%", 100.0 * v);
    }
}

static void put_rate_cell(struct tep_svg_buf *buf, enum rate_kind kind, double ours,
                          bool has_published, double published, double tolerance)
{
    static const char *const background[4] = {"", "#d5efe4", "#fbe9c6", "#f7d5c2"};
    static const char *const symbol[4] = {"", "\xE2\x9C\x93", "\xE2\x89\x88", "\xE2\x9C\x97"};
    static const char *const meaning[4] = {"", "agrees with", "close to", "differs from"};
    char text[64], pub[64];
    /* a never-detected delay compares as "not comparable" unless both never detected */
    double a = ours, b = published;
    enum agreement agree = AGREE_NONE;
    if (has_published) {
        if (kind == RATE_DELAY && (a < 0 || b < 0))
            agree = isnan(a) || isnan(b) ? AGREE_NONE : (a < 0 && b < 0) ? AGREE_YES : AGREE_NO;
        else
            agree = agreement_of(a, b, tolerance);
    }
    format_rate(kind, ours, text, sizeof text);
    tep_svg_buf_append(buf, "<td class=\"num");
    if (agree != AGREE_NONE)
        tep_svg_buf_printf(buf, " agree-%d\" style=\"background:%s", agree, background[agree]);
    tep_svg_buf_append(buf, "\"");
    if (agree != AGREE_NONE) {
        format_rate(kind, published, pub, sizeof pub);
        tep_svg_buf_printf(buf, " title=\"%s published %s\"", meaning[agree], pub);
    }
    tep_svg_buf_append(buf, ">");
    tep_svg_buf_escape(buf, text);
    if (has_published && !isnan(published)) {
        format_rate(kind, published, pub, sizeof pub);
        tep_svg_buf_append(buf, "<br><small>");
        if (agree != AGREE_NONE) tep_svg_buf_printf(buf, "%s ", symbol[agree]);
        tep_svg_buf_append(buf, "pub. ");
        tep_svg_buf_escape(buf, pub);
        tep_svg_buf_append(buf, "</small>");
    }
    tep_svg_buf_append(buf, "</td>");
}

char *tep_svg_detection_table(const struct tep_svg_table_spec *spec, struct tep_error *err)
{
    struct tep_svg_buf buf;
    tep_svg_buf_init(&buf);
    if (!spec || (spec->nrows > 0 && !spec->rows)) {
        tep_error_set(err, TEP_ERR_ARG, "detection table: no rows");
        return NULL;
    }
    double fdr_tol = spec->fdr_tolerance > 0 ? spec->fdr_tolerance : 0.05;
    double far_tol = spec->far_tolerance > 0 ? spec->far_tolerance : 0.025;
    double delay_tol = spec->delay_tolerance_min > 0 ? spec->delay_tolerance_min : 30.0;
    bool any_published = false;
    for (size_t r = 0; r < spec->nrows; r++)
        any_published |= spec->rows[r].has_published;

    tep_svg_buf_append(&buf, "<table class=\"tep-detection\">\n");
    if (spec->caption) {
        tep_svg_buf_append(&buf, "<caption>");
        tep_svg_buf_escape(&buf, spec->caption);
        tep_svg_buf_append(&buf, "</caption>\n");
    }
    tep_svg_buf_append(&buf, "<thead><tr><th rowspan=\"2\">Fault</th><th rowspan=\"2\">Run</th>"
                             "<th colspan=\"3\" class=\"group\">T\xC2\xB2</th>"
                             "<th colspan=\"3\" class=\"group\">Q (SPE)</th></tr>\n<tr>");
    for (int s = 0; s < 2; s++)
        tep_svg_buf_append(&buf, "<th class=\"num\">FDR</th><th class=\"num\">FAR</th>"
                                 "<th class=\"num\">delay</th>");
    tep_svg_buf_append(&buf, "</tr></thead>\n<tbody>\n");
    char idv[32];
    for (size_t r = 0; r < spec->nrows; r++) {
        const struct tep_svg_detection_row *row = &spec->rows[r];
        tep_svg_buf_append(&buf, "<tr><td class=\"fault\">");
        if (row->fault == 0) {
            tep_svg_buf_append(&buf, "normal");
        } else {
            snprintf(idv, sizeof idv, "IDV(%d)", row->fault);
            tep_svg_buf_escape(&buf, idv);
            if (row->fault >= 1 && row->fault <= TEP_N_IDV) {
                tep_svg_buf_append(&buf, "<br><small>");
                tep_svg_buf_escape(&buf, tep_faults[row->fault - 1].description);
                tep_svg_buf_append(&buf, "</small>");
            }
        }
        tep_svg_buf_append(&buf, "</td><td class=\"run\">");
        tep_svg_buf_escape(&buf, row->label ? row->label : "");
        tep_svg_buf_append(&buf, "</td>");
        const struct tep_svg_rates *ours[2] = {&row->t2, &row->q};
        const struct tep_svg_rates *pub[2] = {&row->published_t2, &row->published_q};
        for (int s = 0; s < 2; s++) {
            bool has = row->has_published;
            put_rate_cell(&buf, RATE_FDR, ours[s]->fdr, has, pub[s]->fdr, fdr_tol);
            put_rate_cell(&buf, RATE_FAR, ours[s]->far, has, pub[s]->far, far_tol);
            put_rate_cell(&buf, RATE_DELAY, ours[s]->delay_min, has, pub[s]->delay_min, delay_tol);
        }
        tep_svg_buf_append(&buf, "</tr>\n");
    }
    tep_svg_buf_append(&buf, "</tbody>\n</table>\n");
    if (any_published) {
        char tol[3][32];
        tep_svg_format_number(100 * fdr_tol, tol[0], sizeof tol[0]);
        tep_svg_format_number(100 * far_tol, tol[1], sizeof tol[1]);
        tep_svg_format_number(delay_tol, tol[2], sizeof tol[2]);
        tep_svg_buf_append(&buf, "<p class=\"table-note\">Published values");
        if (spec->published_source) {
            tep_svg_buf_append(&buf, " (");
            tep_svg_buf_escape(&buf, spec->published_source);
            tep_svg_buf_append(&buf, ")");
        }
        tep_svg_buf_printf(&buf,
                           " under each cell. "
                           "<span class=\"key\" style=\"background:#d5efe4\">\xE2\x9C\x93 "
                           "agrees</span> within %s points (FDR), %s points (FAR), %s min "
                           "(delay); <span class=\"key\" style=\"background:#fbe9c6\">"
                           "\xE2\x89\x88 close</span> within twice that; <span class=\"key\" "
                           "style=\"background:#f7d5c2\">\xE2\x9C\x97 differs</span> "
                           "otherwise.</p>\n",
                           tol[0], tol[1], tol[2]);
    }
    return tep_svg_buf_finish(&buf, err);
}
