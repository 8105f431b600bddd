/* svg_internal.h - what the three files of the SVG module share (not public API; svg.h is
 * the module's interface).
 *
 * svg.c writes the text buffer, numbers, ticks, downsampling and SVG elements; svg_plot.c
 * lays out a plot area on them (axes, grid, tick labels, headings, legends, event markers,
 * series paths); svg_charts.c draws the chart types and the detection table from both.
 * Attribute markup is only ever literal text from these files; data text always goes through
 * tep_svg_buf_escape.
 */
#ifndef TEP_VIZ_SVG_INTERNAL_H
#define TEP_VIZ_SVG_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "viz/svg.h"

/* Colours besides the palette: text, muted text, grid, axis. */
#define INK "#1f2328"
#define MUTED "#59636e"
#define GRID "#e4e7eb"
#define AXIS "#8c959f"
#define FAULT_TINT_OPACITY "0.07"

/* ---- svg.c: element pieces ---- */

/* A coordinate with at most one decimal ("12", "12.5"). */
void svg_put_coord(struct tep_svg_buf *buf, double v);
/* ` name="<coordinate>"`. */
void svg_put_attr_coord(struct tep_svg_buf *buf, const char *name, double v);
/* The start tag of a <text> at (x, y); its content and "</text>" are the caller's. */
void svg_open_text(struct tep_svg_buf *buf, double x, double y, const char *attrs);

/* ---- svg_plot.c: a plot area and what is drawn around it ---- */

/* One plot area and its axes. */
struct plot {
    double left, top, width, height; /* px */
    struct tep_svg_ticks x, y;
};

static inline double plot_x(const struct plot *p, double v)
{
    return p->left + (v - p->x.lo) / (p->x.hi - p->x.lo) * p->width;
}

static inline double plot_y(const struct plot *p, double v)
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

/* Legend entry kinds. */
enum legend_kind { LEGEND_LINE, LEGEND_DASH, LEGEND_DOT, LEGEND_AREA, LEGEND_BAR };

struct legend_item {
    enum legend_kind kind;
    const char *colour;
    const char *text;
};

/* Labels in a band above a plot for vertical markers, placed left or right of their line
 * so that they neither overlap each other nor leave the chart. */
struct marker_label {
    double x; /* px of the marker line */
    const char *text;
    const char *colour;
};

/* Widest label of the ticks, in px at `font_px`. */
double svg_tick_labels_width(const struct tep_svg_ticks *t, double font_px);
/* Every how many ticks a label fits without touching its neighbours. */
size_t svg_label_stride(double spacing_px, double label_px);
/* Horizontal grid lines and y tick labels left of the plot. */
void svg_draw_y_axis(struct tep_svg_buf *buf, const struct plot *p);
/* Vertical grid lines at the time ticks, and the bottom axis line. */
void svg_draw_x_grid(struct tep_svg_buf *buf, const struct plot *p);
/* Time tick labels under the plot and the axis title under them. */
void svg_draw_x_labels(struct tep_svg_buf *buf, const struct plot *p, const char *title);
/* The y-axis title, rotated to read upwards, centred on the plot's height left of it. */
void svg_draw_y_title(struct tep_svg_buf *buf, const struct plot *p, const char *title);
/* A label of two parts: `name` in bold, then (when not empty) `gap` and `detail` muted. */
void svg_draw_name_detail(struct tep_svg_buf *buf, double x, double y, const char *attrs,
                          const char *name, const char *gap, const char *detail);
/* Title and optional subtitle; returns the y below them. */
double svg_draw_heading(struct tep_svg_buf *buf, const char *title, const char *subtitle);
/* A row (wrapping to more rows) of legend entries from x = left, top at y. Returns the y
 * below the legend. */
double svg_draw_legend(struct tep_svg_buf *buf, const struct legend_item *items, size_t n,
                       double left, double right, double y);
/* Shaded faulty period [onset, end] clipped to the plot. */
void svg_draw_fault_region(struct tep_svg_buf *buf, const struct plot *p, double onset_h,
                           double end_h);
/* A vertical marker line across the plot, when t lies on the axis. */
void svg_draw_marker_line(struct tep_svg_buf *buf, const struct plot *p, double t,
                          const char *attrs);
/* The marker labels (sorted by x in place) in up to three rows above `baseline`. */
void svg_draw_marker_labels(struct tep_svg_buf *buf, struct marker_label *labels, size_t n,
                            double left, double right, double baseline);
/* Range of the finite values of y[0..n). false when there is none. */
bool svg_finite_range(const double *y, size_t n, double *lo, double *hi);
/* The time axis of a chart: ticks over the finite sample times. */
int svg_time_axis(const double *time_h, size_t n, double plot_width, struct tep_svg_ticks *t,
                  struct tep_error *err);
/* Draw y(x) as a path in the plot, downsampled to the plot's pixel columns when long. */
int svg_draw_series(struct tep_svg_buf *buf, const struct plot *p, const double *x, const double *y,
                    size_t n, const char *attrs, struct tep_error *err);

#endif
