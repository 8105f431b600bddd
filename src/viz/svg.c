/* svg.c - SVG text buffer, numbers and axis ticks, downsampling and SVG elements (see svg.h);
 * svg_plot.c lays out plot areas on them and svg_charts.c draws the charts.
 *
 * Invariants: every text that can come from data (labels, names, titles) is written through
 * tep_svg_buf_escape; attribute markup is only ever literal text from svg.c, svg_plot.c and
 * svg_charts.c. Charts are laid out in pixels with estimated text widths, so tick labels are
 * thinned and long labels shortened rather than overlapped. Coordinates are written with one
 * decimal, which keeps files small at no visible cost.
 */
#include "viz/svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "viz/svg_internal.h"

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

void svg_put_coord(struct tep_svg_buf *buf, double v)
{
    char tmp[48];
    if (!isfinite(v)) v = 0.0;
    snprintf(tmp, sizeof tmp, "%.1f", v);
    trim_zeros(tmp);
    drop_negative_zero(tmp);
    tep_svg_buf_append(buf, tmp);
}

void svg_put_attr_coord(struct tep_svg_buf *buf, const char *name, double v)
{
    tep_svg_buf_printf(buf, " %s=\"", name);
    svg_put_coord(buf, v);
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
    svg_put_attr_coord(buf, "width", width);
    svg_put_attr_coord(buf, "height", height);
    tep_svg_buf_append(buf, " viewBox=\"0 0 ");
    svg_put_coord(buf, width);
    tep_svg_buf_append(buf, " ");
    svg_put_coord(buf, height);
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

void svg_open_text(struct tep_svg_buf *buf, double x, double y, const char *attrs)
{
    tep_svg_buf_append(buf, "<text");
    svg_put_attr_coord(buf, "x", x);
    svg_put_attr_coord(buf, "y", y);
    put_attrs(buf, attrs);
    tep_svg_buf_append(buf, ">");
}

void tep_svg_text(struct tep_svg_buf *buf, double x, double y, const char *attrs, const char *text)
{
    svg_open_text(buf, x, y, attrs);
    tep_svg_buf_escape(buf, text);
    tep_svg_buf_append(buf, "</text>\n");
}

void tep_svg_line(struct tep_svg_buf *buf, double x1, double y1, double x2, double y2,
                  const char *attrs)
{
    tep_svg_buf_append(buf, "<line");
    svg_put_attr_coord(buf, "x1", x1);
    svg_put_attr_coord(buf, "y1", y1);
    svg_put_attr_coord(buf, "x2", x2);
    svg_put_attr_coord(buf, "y2", y2);
    put_attrs(buf, attrs);
    tep_svg_buf_append(buf, "/>\n");
}

void tep_svg_rect(struct tep_svg_buf *buf, double x, double y, double w, double h,
                  const char *attrs)
{
    tep_svg_buf_append(buf, "<rect");
    svg_put_attr_coord(buf, "x", x);
    svg_put_attr_coord(buf, "y", y);
    svg_put_attr_coord(buf, "width", w > 0 ? w : 0);
    svg_put_attr_coord(buf, "height", h > 0 ? h : 0);
    put_attrs(buf, attrs);
    tep_svg_buf_append(buf, "/>\n");
}

void tep_svg_circle(struct tep_svg_buf *buf, double cx, double cy, double r, const char *attrs)
{
    tep_svg_buf_append(buf, "<circle");
    svg_put_attr_coord(buf, "cx", cx);
    svg_put_attr_coord(buf, "cy", cy);
    svg_put_attr_coord(buf, "r", r);
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
        svg_put_coord(buf, px[i]);
        tep_svg_buf_append(buf, " ");
        svg_put_coord(buf, py[i]);
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
