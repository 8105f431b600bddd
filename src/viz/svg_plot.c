/* svg_plot.c - the plot area the charts share (see svg_internal.h).
 *
 * A plot is a rectangle in px with an x (time) and a y axis; this file draws what surrounds
 * and fills it: grid lines, tick labels thinned so they never touch, axis titles, a chart
 * heading, legends that wrap, the shaded faulty period, event marker lines with labels that
 * avoid each other, and series paths downsampled to the plot's pixel columns.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viz/svg_internal.h"

/* Widest label of the ticks, in px at `font_px`. */
double svg_tick_labels_width(const struct tep_svg_ticks *t, double font_px)
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
size_t svg_label_stride(double spacing_px, double label_px)
{
    size_t stride = 1;
    while (stride < 64 && spacing_px * (double)stride < label_px)
        stride++;
    return stride;
}

/* Horizontal grid lines and y tick labels left of the plot. */
void svg_draw_y_axis(struct tep_svg_buf *buf, const struct plot *p)
{
    char label[64];
    double spacing = p->y.n > 1 ? p->height / (double)(p->y.n - 1) : p->height;
    if (p->y.log && p->y.n > 1) { /* the tightest gap between neighbouring ticks */
        for (size_t i = 1; i < p->y.n; i++)
            spacing = fmin(spacing, plot_y(p, p->y.value[i - 1]) - plot_y(p, p->y.value[i]));
    }
    size_t stride = svg_label_stride(spacing, 15.0);
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
void svg_draw_x_grid(struct tep_svg_buf *buf, const struct plot *p)
{
    for (size_t i = 0; i < p->x.n; i++) {
        double x = plot_x(p, p->x.value[i]);
        tep_svg_line(buf, x, p->top, x, p->top + p->height, "stroke=\"" GRID "\"");
    }
    tep_svg_line(buf, p->left, p->top + p->height, p->left + p->width, p->top + p->height,
                 "stroke=\"" AXIS "\"");
}

/* Time tick labels under the plot and the axis title under them. */
void svg_draw_x_labels(struct tep_svg_buf *buf, const struct plot *p, const char *title)
{
    char label[64];
    double widest = svg_tick_labels_width(&p->x, 12.0) + 12.0;
    double spacing = p->x.n > 1 ? p->width / (double)(p->x.n - 1) : p->width;
    size_t stride = svg_label_stride(spacing, widest);
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
void svg_draw_y_title(struct tep_svg_buf *buf, const struct plot *p, const char *title)
{
    double cy = p->top + p->height / 2;
    tep_svg_buf_append(buf, "<text");
    svg_put_attr_coord(buf, "x", 18);
    svg_put_attr_coord(buf, "y", cy);
    tep_svg_buf_append(buf, " transform=\"rotate(-90 18 ");
    svg_put_coord(buf, cy);
    tep_svg_buf_append(buf, ")\" text-anchor=\"middle\" fill=\"" MUTED "\">");
    tep_svg_buf_escape(buf, title);
    tep_svg_buf_append(buf, "</text>\n");
}

/* A label of two parts: `name` in bold, then (when not empty) `gap` and `detail` muted. */
void svg_draw_name_detail(struct tep_svg_buf *buf, double x, double y, const char *attrs,
                          const char *name, const char *gap, const char *detail)
{
    svg_open_text(buf, x, y, attrs);
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
double svg_draw_heading(struct tep_svg_buf *buf, const char *title, const char *subtitle)
{
    tep_svg_text(buf, 16, 24, "font-size=\"16\" font-weight=\"600\"", title);
    if (subtitle && *subtitle) {
        tep_svg_text(buf, 16, 43, "fill=\"" MUTED "\"", subtitle);
        return 52;
    }
    return 34;
}

/* A row (wrapping to more rows) of legend entries from x = left, top at y. Returns the y
 * below the legend. */
double svg_draw_legend(struct tep_svg_buf *buf, const struct legend_item *items, size_t n,
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
void svg_draw_fault_region(struct tep_svg_buf *buf, const struct plot *p, double onset_h,
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
void svg_draw_marker_line(struct tep_svg_buf *buf, const struct plot *p, double t,
                          const char *attrs)
{
    if (!isfinite(t) || t < p->x.lo || t > p->x.hi) return;
    double x = plot_x(p, t);
    tep_svg_line(buf, x, p->top, x, p->top + p->height, attrs);
}

void svg_draw_marker_labels(struct tep_svg_buf *buf, struct marker_label *labels, size_t n,
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
bool svg_finite_range(const double *y, size_t n, double *lo, double *hi)
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
int svg_time_axis(const double *time_h, size_t n, double plot_width, struct tep_svg_ticks *t,
                  struct tep_error *err)
{
    double lo = 0.0, hi = 0.0;
    if (!svg_finite_range(time_h, n, &lo, &hi))
        return tep_error_set(err, TEP_ERR_ARG, "chart: no finite sample time");
    int target = (int)(plot_width / 80.0);
    return tep_svg_nice_ticks(lo, hi, target < 3 ? 3 : target, t, err);
}

/* Draw y(x) as a path in the plot, downsampled to the plot's pixel columns when long. */
int svg_draw_series(struct tep_svg_buf *buf, const struct plot *p, const double *x, const double *y,
                    size_t n, const char *attrs, struct tep_error *err)
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
