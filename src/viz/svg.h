/* svg.h - charts written as SVG text by the program itself, and the FDR/FAR table (HTML).
 *
 * Three layers: a growable text buffer that escapes data text for XML/HTML; SVG elements and
 * axis helpers (Heckbert's "nice numbers" ticks, a log axis for T^2 / Q, compact number labels,
 * min/max/first/last downsampling per pixel column); and the charts a process engineer reads:
 * time trends, control charts, contribution bars, and the detection-rate table. Each chart is
 * one function taking a spec of plain arrays and returning a string the caller frees.
 * Colours are the Okabe-Ito palette (safe for colour-blind readers); fonts are the reader's
 * system sans-serif; no chart refers to anything outside itself (no fonts, images, links).
 */
#ifndef TEP_VIZ_SVG_H
#define TEP_VIZ_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* ---- text buffer ---- */

/* A growing NUL-terminated string. An allocation failure sets `failed`; later appends then
 * do nothing, and tep_svg_buf_finish reports the failure once. */
struct tep_svg_buf {
    char *data;  /* the text so far (NULL while empty) */
    size_t len;  /* bytes in use, without the NUL */
    size_t cap;  /* bytes allocated */
    bool failed; /* an allocation failed */
};

void tep_svg_buf_init(struct tep_svg_buf *buf);
void tep_svg_buf_free(struct tep_svg_buf *buf);
void tep_svg_buf_append(struct tep_svg_buf *buf, const char *text);
void tep_svg_buf_append_n(struct tep_svg_buf *buf, const char *text, size_t n);
void tep_svg_buf_printf(struct tep_svg_buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append `text` escaped for XML and HTML text and attribute values: & < > " ' become
 * entities, control characters other than tab / newline and invalid UTF-8 bytes become
 * U+FFFD. NULL appends nothing. */
void tep_svg_buf_escape(struct tep_svg_buf *buf, const char *text);

/* Hand the text to the caller (free() it) and reset the buffer; NULL with TEP_ERR_NOMEM when
 * an append failed (the buffer is freed either way). An empty buffer gives "". */
char *tep_svg_buf_finish(struct tep_svg_buf *buf, struct tep_error *err);

/* ---- numbers and axes ---- */

/* Compact label for a value: about 3-4 significant digits, no trailing zeros, no "-0",
 * exponent form ("1.2e6", "3e-5") only for very large or small magnitudes, "n/a" for NaN. */
void tep_svg_format_number(double value, char *out, size_t size);

/* Heckbert (1990) "nice number": a number of the form {1, 2, 5, 10} x 10^k close to x > 0;
 * `round` picks the nearest, otherwise the smallest one >= x. */
double tep_svg_nice_number(double x, bool round);

#define TEP_SVG_MAX_TICKS 64

struct tep_svg_ticks {
    size_t n;                        /* ticks in use */
    double value[TEP_SVG_MAX_TICKS]; /* ascending tick values */
    double lo, hi;                   /* axis range: covers the data, ends on ticks */
    double step;                     /* linear spacing (0 for a log axis) */
    int decimals;                    /* digits after the point that show the step exactly */
    bool log;                        /* log10 axis */
};

/* Linear ticks for data in [lo, hi] (Heckbert's loose labelling): step = nice(nice(range) /
 * (target - 1)), axis from floor(lo / step) * step to ceil(hi / step) * step. Values are
 * k * step computed so that they equal their decimal literals (0.6, not 0.6000000000000001).
 * lo == hi gets a range around the value. target is clamped to 2..20. */
int tep_svg_nice_ticks(double lo, double hi, int target, struct tep_svg_ticks *out,
                       struct tep_error *err);

/* Log10 ticks for positive data in [lo, hi]: 1-2-5 steps when the data span at most two
 * decades, otherwise powers of ten (every 2nd, 3rd... when there are many decades). */
int tep_svg_log_ticks(double lo, double hi, struct tep_svg_ticks *out, struct tep_error *err);

/* Label of tick value v on axis t ("0.2", "2640", "1e4"). */
void tep_svg_format_tick(const struct tep_svg_ticks *t, double v, char *out, size_t size);

/* ---- downsampling ---- */

/* Pixel column of x on an axis from x0 to x1 with `columns` columns:
 * floor((x - x0) / (x1 - x0) * columns), clamped to 0..columns-1 (0 when x1 <= x0). */
size_t tep_svg_column_of(double x, double x0, double x1, size_t columns);

/* Most points tep_svg_downsample can return for `columns` columns. */
static inline size_t tep_svg_downsample_capacity(size_t columns)
{
    return 6 * columns + 2;
}

/* Reduce a series (x non-decreasing, y with NaN gaps) for drawing `columns` pixel columns
 * wide: per column (tep_svg_column_of between the first and last x) keep the first, minimum,
 * maximum and last finite point, in their original order, without duplicates; a column's
 * NaNs become one NaN gap marker before / after its points (a NaN between them is narrower
 * than a pixel and is dropped). The output is a subsequence of the input (exact values), at
 * most 4 points per column plus gap markers; out_x / out_y need
 * tep_svg_downsample_capacity(columns) entries. Points with a NaN x are skipped. */
int tep_svg_downsample(const double *x, const double *y, size_t n, size_t columns, double *out_x,
                       double *out_y, size_t *out_n, struct tep_error *err);

/* ---- SVG elements ----
 * `attrs` is extra attribute markup written by the program (`fill="#0072B2" class="alarm"`),
 * copied verbatim; every text that may come from data goes through tep_svg_buf_escape. */

/* Open an SVG of width x height px: xmlns, viewBox, role="img", the system font, a <title>
 * and an optional <desc> (both escaped), and a white background. */
void tep_svg_begin(struct tep_svg_buf *buf, double width, double height, const char *title,
                   const char *desc);
void tep_svg_end(struct tep_svg_buf *buf);
void tep_svg_text(struct tep_svg_buf *buf, double x, double y, const char *attrs, const char *text);
void tep_svg_line(struct tep_svg_buf *buf, double x1, double y1, double x2, double y2,
                  const char *attrs);
void tep_svg_rect(struct tep_svg_buf *buf, double x, double y, double w, double h,
                  const char *attrs);
void tep_svg_circle(struct tep_svg_buf *buf, double cx, double cy, double r, const char *attrs);
/* One <path> through the points (pixel coordinates); a NaN starts a new segment. Nothing is
 * written when no segment has a point. */
void tep_svg_path(struct tep_svg_buf *buf, const double *px, const double *py, size_t n,
                  const char *attrs);

/* Approximate rendered width in px of `text` at `font_px` in a sans-serif font (used to keep
 * labels from overlapping). */
double tep_svg_text_width(const char *text, double font_px);

/* ---- palette (Okabe & Ito 2008) ---- */
#define TEP_SVG_BLACK "#000000"
#define TEP_SVG_ORANGE "#E69F00"
#define TEP_SVG_SKY_BLUE "#56B4E9"
#define TEP_SVG_GREEN "#009E73" /* bluish green */
#define TEP_SVG_YELLOW "#F0E442"
#define TEP_SVG_BLUE "#0072B2"
#define TEP_SVG_VERMILLION "#D55E00"
#define TEP_SVG_PURPLE "#CC79A7" /* reddish purple */

/* Colour of the i-th data series (cycles through 7 palette colours, yellow excluded: too
 * light on white). */
const char *tep_svg_series_colour(size_t i);

/* ---- charts ---- */

/* One variable of a trend chart. */
struct tep_svg_series {
    const char *label; /* legend / panel label; NULL: "<description> (XMEAS(n))" from var */
    int var;           /* catalogue index 0..52 (units, descriptions), or -1 */
    const double *y;   /* n values, NaN = missing */
};

struct tep_svg_trend_spec {
    const char *title;    /* chart title (required) */
    const char *subtitle; /* smaller line under the title, or NULL */
    const double *time_h; /* n sample times in hours, non-decreasing */
    size_t n;
    const struct tep_svg_series *series;
    size_t nseries;          /* 1..8 */
    bool overlay;            /* true: all series on one axis with a legend; false: one panel
                                per series, sharing the time axis */
    const char *y_label;     /* overlay: y-axis label (NULL: the series' common unit) */
    double onset_h;          /* fault onset: line + shaded faulty region; NaN = none */
    double fault_end_h;      /* end of the shaded region; NaN = end of data */
    const char *onset_label; /* label at the onset line (NULL: "fault onset") */
    double shutdown_h;       /* plant shutdown: line + label; NaN = none */
    int width;               /* px; 0 = 960 */
    int panel_height;        /* px of one panel's plot area; 0 = 120 (overlay: 260) */
};

/* Defaults: everything 0 / NULL, onset_h = fault_end_h = shutdown_h = NaN. */
void tep_svg_trend_defaults(struct tep_svg_trend_spec *spec);

/* Time trend of one or several variables against time in hours. Long series are
 * downsampled per pixel column (tep_svg_downsample), so a million points stay a small SVG. */
char *tep_svg_trend(const struct tep_svg_trend_spec *spec, struct tep_error *err);

struct tep_svg_control_spec {
    const char *title;       /* chart title (required) */
    const char *subtitle;    /* or NULL */
    const char *stat_label;  /* statistic name for axis and legend: "T²", "Q (SPE)" */
    const char *limit_label; /* legend text of the limit: NULL = "control limit" */
    const double *time_h;    /* n sample times in hours, non-decreasing */
    const double *stat;      /* n values; NaN = not scored */
    size_t n;
    double limit;             /* control limit (> 0 for a log axis); alarm = stat > limit */
    bool log_scale;           /* log10 y axis (T^2 and Q span decades) */
    const int32_t *fault;     /* n fault labels (0 = normal) or NULL; onset = first label > 0 */
    double onset_h;           /* without labels: onset time; the first sample after it is the
                                 first faulty one. NaN = none */
    size_t consecutive;       /* alarms in a row that make a detection (0 = 1), as metrics.h */
    double shutdown_h;        /* NaN = none */
    size_t max_alarm_markers; /* draw at most this many alarm circles (0 = 5000); beyond it
                                 one circle per pixel column with alarms */
    int width;                /* px; 0 = 960 */
    int height;               /* px of the plot area; 0 = 240 */
};

/* Defaults: everything 0 / NULL, onset_h = shutdown_h = NaN. */
void tep_svg_control_defaults(struct tep_svg_control_spec *spec);

/* Control chart: the statistic, its limit as a dashed line, every alarm (stat > limit) as a
 * <circle class="alarm">, the faulty region shaded, the onset and the first detection (first
 * run of `consecutive` alarms at or after the onset) marked with their times and the delay. */
char *tep_svg_control_chart(const struct tep_svg_control_spec *spec, struct tep_error *err);

struct tep_svg_contrib_spec {
    const char *title;        /* chart title (required) */
    const char *subtitle;     /* or NULL */
    const char *value_label;  /* x-axis label: "contribution to Q" */
    const double *value;      /* nvars contributions, indexed by variable */
    const char *const *names; /* nvars column names ("xmeas_9"); the catalogue supplies the
                                 descriptions. NULL: the 53 catalogue variables in order */
    size_t nvars;
    size_t top_n; /* bars to draw, largest first (0 = 10) */
    int width;    /* px; 0 = 960 */
};

/* Horizontal bars of the top_n largest contributions, each labelled with the variable's
 * reference name and description, its value and its share of the total. */
char *tep_svg_contributions(const struct tep_svg_contrib_spec *spec, struct tep_error *err);

/* Detection performance of one statistic on one run. Rates are fractions (0..1). */
struct tep_svg_rates {
    double fdr;       /* fault detection rate; NaN = not available */
    double far;       /* false alarm rate; NaN = not available */
    double delay_min; /* detection delay in minutes; NaN = not available, < 0 = never */
};

/* One row of the table: a run (or a pooled group of runs) and one fault. */
struct tep_svg_detection_row {
    const char *label; /* run id or group name */
    int fault;         /* IDV number, 0 = normal operation */
    struct tep_svg_rates t2, q;
    bool has_published; /* published values below are set */
    struct tep_svg_rates published_t2, published_q;
};

struct tep_svg_table_spec {
    const struct tep_svg_detection_row *rows;
    size_t nrows;
    const char *caption;          /* or NULL */
    const char *published_source; /* "Xiao, Kordon & Sen (2023)", shown in the header */
    double fdr_tolerance;         /* agreement band for FDR, fraction (0 = 0.05) */
    double far_tolerance;         /* for FAR (0 = 0.025) */
    double delay_tolerance_min;   /* for delays in minutes (0 = 30) */
};

/* The FDR / FAR / delay table as an HTML <table> fragment: one row per run and fault,
 * columns for T^2 and Q. With published values, each cell also shows the published number
 * and is coloured (and marked with a symbol) by agreement: within the tolerance, within
 * twice it, or further. */
char *tep_svg_detection_table(const struct tep_svg_table_spec *spec, struct tep_error *err);

#endif
