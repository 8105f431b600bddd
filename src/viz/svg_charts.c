/* svg_charts.c - the charts a process engineer reads (see svg.h): time trends of process
 * variables, control charts of T² / Q with their limit, alarms, fault onset and first
 * detection, contribution bars, and the FDR / FAR / delay table (HTML) compared with
 * published values. Each takes a spec of plain arrays, lays out plot areas with
 * svg_plot.c and returns the markup as a string the caller frees.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "viz/svg_internal.h"

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
    svg_draw_marker_line(buf, p, spec->onset_h,
                         "class=\"onset\" stroke=\"" TEP_SVG_VERMILLION "\" stroke-width=\"1.5\"");
    svg_draw_marker_line(buf, p, spec->shutdown_h,
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
    svg_draw_marker_labels(buf, labels, n, p->left, right, baseline);
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
            if (!svg_finite_range(spec->series[s].y, spec->n, &slo, &shi)) continue;
            lo = any ? fmin(lo, slo) : slo;
            hi = any ? fmax(hi, shi) : shi;
            any = true;
        }
        if (tep_svg_nice_ticks(lo, hi, ytarget < 3 ? 3 : ytarget, &yticks[k], err) != 0) goto fail;
        label_w = fmax(label_w, svg_tick_labels_width(&yticks[k], 12.0));
    }
    double left = fmax(52.0, label_w + 16.0) + (spec->overlay ? 22.0 : 0.0);
    double right_margin = 24.0;
    struct plot p = {left, 0, width - left - right_margin, panel_h, {0}, {0}};
    if (p.width < 100) {
        tep_error_set(err, TEP_ERR_ARG, "trend chart '%s': width %g px is too small", spec->title,
                      width);
        goto fail;
    }
    if (svg_time_axis(spec->time_h, spec->n, p.width, &p.x, err) != 0) goto fail;

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
    double legend_bottom = svg_draw_legend(&scratch, legend, nlegend, 16, width - right_margin, 0);
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
    svg_draw_heading(&buf, spec->title, spec->subtitle);
    svg_draw_legend(&buf, legend, nlegend, 16, width - right_margin, heading_h);

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
            svg_draw_name_detail(&buf, left + 15, ly, NULL, series_name(s), "  ", detail);
        }
        svg_draw_fault_region(&buf, &p, spec->onset_h, spec->fault_end_h);
        svg_draw_x_grid(&buf, &p);
        svg_draw_y_axis(&buf, &p);
        draw_trend_events(&buf, &p, spec);
        for (size_t s = 0; s < spec->nseries; s++) {
            if (!spec->overlay && s != k) continue;
            snprintf(attrs, sizeof attrs,
                     "class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.4\" "
                     "stroke-linejoin=\"round\"",
                     tep_svg_series_colour(s));
            if (svg_draw_series(&buf, &p, spec->time_h, spec->series[s].y, spec->n, attrs,
                                err) != 0)
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
        if (ylabel) svg_draw_y_title(&buf, &p, ylabel);
    }
    svg_draw_x_labels(&buf, &p, "time since start of run (h)");
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
        if (svg_finite_range(spec->stat, spec->n, &slo, &shi)) {
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
    p.left = fmax(52.0, svg_tick_labels_width(&p.y, 12.0) + 16.0) + 22.0;
    double right_margin = 24.0;
    p.width = width - p.left - right_margin;
    if (p.width < 100) {
        tep_error_set(err, TEP_ERR_ARG, "control chart '%s': width %g px is too small", spec->title,
                      width);
        goto fail;
    }
    if (svg_time_axis(spec->time_h, spec->n, p.width, &p.x, err) != 0) goto fail;

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
        svg_draw_legend(&scratch, legend, nlegend, 16, width - right_margin, heading_h + 18);
    tep_svg_buf_free(&scratch);
    double marker_band = marks.onset >= 0 || isfinite(spec->shutdown_h) ? 30.0 : 8.0;
    p.top = legend_bottom + marker_band;
    double height = p.top + plot_h + 46.0;

    char desc[768];
    snprintf(desc, sizeof desc, "Control chart of %s over %zu samples: %s", stat_label, spec->n,
             summary);
    tep_svg_begin(&buf, width, height, spec->title, desc);
    svg_draw_heading(&buf, spec->title, spec->subtitle);
    tep_svg_text(&buf, 16, heading_h + 6, "class=\"summary\" fill=\"" INK "\"", summary);
    svg_draw_legend(&buf, legend, nlegend, 16, width - right_margin, heading_h + 18);

    double onset_h = NAN;
    if (marks.onset >= 0)
        onset_h = isfinite(spec->onset_h) ? spec->onset_h : spec->time_h[marks.onset];
    svg_draw_fault_region(&buf, &p, onset_h, NAN);
    svg_draw_x_grid(&buf, &p);
    svg_draw_y_axis(&buf, &p);
    svg_draw_marker_line(&buf, &p, onset_h,
                         "class=\"onset\" stroke=\"" TEP_SVG_VERMILLION "\" stroke-width=\"1.5\"");
    svg_draw_marker_line(&buf, &p, spec->shutdown_h,
                         "class=\"shutdown\" stroke=\"" TEP_SVG_BLACK
                         "\" stroke-width=\"1.5\" stroke-dasharray=\"2 2\"");
    if (marks.detection >= 0)
        svg_draw_marker_line(&buf, &p, spec->time_h[marks.detection],
                             "class=\"detection\" stroke=\"" TEP_SVG_GREEN "\" stroke-width=\"2\"");
    if (svg_draw_series(&buf, &p, spec->time_h, spec->stat, spec->n,
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
    svg_draw_marker_labels(&buf, labels, nlabels, p.left, width - right_margin, p.top - 5);

    char ylabel[160];
    snprintf(ylabel, sizeof ylabel, "%s%s", stat_label, spec->log_scale ? " (log scale)" : "");
    svg_draw_y_title(&buf, &p, ylabel);
    svg_draw_x_labels(&buf, &p, "time since start of run (h)");
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
    svg_draw_heading(&buf, spec->title, spec->subtitle);
    const struct legend_item legend[2] = {
        {LEGEND_BAR, TEP_SVG_BLUE, "measured variable (XMEAS)"},
        {LEGEND_BAR, TEP_SVG_ORANGE, "manipulated variable (XMV)"},
    };
    svg_draw_legend(&buf, legend, 2, 16, width - right_margin, legend_y);

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
        svg_draw_name_detail(&buf, p.left - 10, cy + 4, "text-anchor=\"end\"", name_part, " ",
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
    size_t stride = svg_label_stride(spacing, svg_tick_labels_width(&p.x, 12.0) + 12.0);
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
