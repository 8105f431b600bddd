/* report.h - `tep report`'s engine: one self-contained HTML file about runs and their analysis.
 *
 * The caller collects what it knows into a report (from the SQLite store, from `tep analyze`
 * results, or straight from a simulation): run summaries, data-quality metrics as
 * name / value pairs, charts (SVG from svg.h) and detection rates, then renders or writes it.
 * The report copies every string it is given, so the caller may pass transient text (SQLite
 * column values) and free its own copies at once.
 * The HTML has inline CSS and inline SVG only: no JavaScript, fonts, images or links to
 * anything outside the file, so it opens offline and can be mailed as one attachment. Every
 * text that comes from data is HTML-escaped; figures are checked for external references.
 */
#ifndef TEP_VIZ_REPORT_H
#define TEP_VIZ_REPORT_H

#include <stddef.h>

#include "core/error.h"
#include "viz/svg.h"

/* Text of the report as a whole. */
struct tep_report_info {
    const char *title;            /* NULL = "TEP process monitoring report" */
    const char *subtitle;         /* one line under the title, or NULL */
    const char *generated;        /* "2024-05-02 14:03 UTC, tep 0.4", or NULL (not shown:
                                     leaving it out keeps the file reproducible) */
    const char *published_source; /* citation of the published detection rates, or NULL */
};

/* One run, as the caller knows it. Strings may be NULL (shown as a dash). */
struct tep_report_run {
    const char *run_id;
    const char *role;            /* "training (normal)", "test", ... */
    const char *source;          /* "simulator, seed 4651207995", "file d01_te.dat" */
    const char *lineage;         /* "simulate -> prep (ffill) -> store" */
    size_t rows;                 /* samples */
    double hours;                /* time covered; NaN = unknown */
    double interval_s;           /* sampling interval; NaN = unknown */
    int fault;                   /* IDV number, 0 = normal operation */
    double onset_h;              /* fault onset; NaN = none */
    double shutdown_h;           /* plant shutdown; NaN = none */
    const char *shutdown_reason; /* "high reactor pressure", or NULL */
};

/* Everything NULL / 0, and hours, interval_s, onset_h, shutdown_h = NaN. */
void tep_report_run_init(struct tep_report_run *run);

/* How a data-quality value should be read. */
enum tep_report_level {
    TEP_REPORT_OK = 0,   /* informational */
    TEP_REPORT_NOTE = 1, /* worth a look */
    TEP_REPORT_WARN = 2, /* suspicious */
    TEP_REPORT_BAD = 3,  /* a problem */
};

/* One data-quality metric: the table has a row per (run, column) and a column per metric
 * name, both in the order first given. */
struct tep_report_quality {
    const char *run_id;
    const char *column; /* "xmeas_9" (described from the catalogue), or NULL / "" for the run */
    const char *metric; /* "missing", "out of range", "mean", ... */
    const char *value;  /* formatted by the caller: "0", "2.3 %", "2705" */
    enum tep_report_level level;
};

/* Where a figure goes. */
enum tep_report_section {
    TEP_REPORT_TRENDS = 0,        /* "Process trends" */
    TEP_REPORT_MONITORING = 1,    /* "Monitoring charts" */
    TEP_REPORT_CONTRIBUTIONS = 2, /* "Variable contributions" */
};

struct tep_report;

struct tep_report *tep_report_new(const struct tep_report_info *info, struct tep_error *err);
void tep_report_free(struct tep_report *report);

/* A name / value line in the summary ("model": "PCA, 9 components, 99 % limits"). */
int tep_report_add_fact(struct tep_report *report, const char *name, const char *value,
                        struct tep_error *err);
int tep_report_add_run(struct tep_report *report, const struct tep_report_run *run,
                       struct tep_error *err);
int tep_report_add_quality(struct tep_report *report, const struct tep_report_quality *q,
                           struct tep_error *err);

/* An SVG chart (from svg.h, or any SVG without external references) and an optional
 * caption; the SVG is copied. An XML declaration and the xmlns attributes of the root element
 * are dropped (HTML does not need them). Refused with TEP_ERR_ARG: text that is not an <svg>
 * element; event handlers (on...), href / xlink:href / src attributes, "javascript:",
 * "@import" and url(...) other than url(#id) in attribute values; the elements script, style,
 * image, feImage, use, a, foreignObject, iframe, object, embed, link, audio, video; DOCTYPE
 * and CDATA. */
int tep_report_add_figure(struct tep_report *report, enum tep_report_section section,
                          const char *svg, const char *caption, struct tep_error *err);

/* One row of the detection-rate table (see svg.h); also shown as a card in the summary. */
int tep_report_add_detection(struct tep_report *report, const struct tep_svg_detection_row *row,
                             struct tep_error *err);

/* The whole HTML document; the caller frees it. */
char *tep_report_html(const struct tep_report *report, struct tep_error *err);

/* Render and write to `path` through a temporary file and a rename. */
int tep_report_write(const struct tep_report *report, const char *path, struct tep_error *err);

#endif
