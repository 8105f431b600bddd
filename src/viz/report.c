/* report.c - the self-contained HTML report (see report.h).
 *
 * A report is a bag of copied items (facts, runs, quality metrics, figures, detection rows)
 * rendered in one pass into sections: summary, data quality, trends, monitoring charts,
 * contributions, detection performance. Invariants: data text reaches the HTML only through
 * tep_svg_buf_escape; a figure is stored only after check_figure found no way for it to load
 * anything (no scripts, handlers, href / src, external url(), embedded documents); the CSS is
 * a literal in this file. So the file never refers to anything outside itself.
 */
#include "viz/report.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/atomic_file.h"
#include "core/catalog.h"

struct report_fact {
    char *name, *value;
};

struct report_run {
    struct tep_report_run run; /* string members point at the copies below */
    char *run_id, *role, *source, *lineage, *shutdown_reason;
};

struct report_quality {
    char *run_id, *column, *metric, *value;
    enum tep_report_level level;
};

struct report_figure {
    enum tep_report_section section;
    char *svg, *caption;
};

struct report_detection {
    struct tep_svg_detection_row row; /* row.label points at label */
    char *label;
};

struct tep_report {
    char *title, *subtitle, *generated, *published_source;
    struct report_fact *facts;
    size_t nfacts, facts_cap;
    struct report_run *runs;
    size_t nruns, runs_cap;
    struct report_quality *quality;
    size_t nquality, quality_cap;
    struct report_figure *figures;
    size_t nfigures, figures_cap;
    struct report_detection *detections;
    size_t ndetections, detections_cap;
};

/* ------------------------------------------------------------------------------------------
 * Building
 */

/* Copy of s (NULL stays NULL); false when out of memory. */
static bool copy_text(const char *s, char **out)
{
    *out = NULL;
    if (!s) return true;
    *out = strdup(s);
    return *out != NULL;
}

/* Room for one more item of `size` bytes in *items (count n, capacity *cap). */
static int grow(void **items, size_t *cap, size_t n, size_t size, struct tep_error *err)
{
    if (n < *cap) return 0;
    size_t next = *cap ? *cap * 2 : 16;
    void *grown = realloc(*items, next * size);
    if (!grown) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory while building a report");
    *items = grown;
    *cap = next;
    return 0;
}

void tep_report_run_init(struct tep_report_run *run)
{
    memset(run, 0, sizeof *run);
    run->hours = NAN;
    run->interval_s = NAN;
    run->onset_h = NAN;
    run->shutdown_h = NAN;
}

struct tep_report *tep_report_new(const struct tep_report_info *info, struct tep_error *err)
{
    struct tep_report *report = calloc(1, sizeof *report);
    if (!report) goto fail;
    const char *title = info && info->title ? info->title : "TEP process monitoring report";
    if (!copy_text(title, &report->title)) goto fail;
    if (info && (!copy_text(info->subtitle, &report->subtitle) ||
                 !copy_text(info->generated, &report->generated) ||
                 !copy_text(info->published_source, &report->published_source)))
        goto fail;
    return report;
fail:
    tep_report_free(report);
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory while creating a report");
    return NULL;
}

void tep_report_free(struct tep_report *report)
{
    if (!report) return;
    free(report->title);
    free(report->subtitle);
    free(report->generated);
    free(report->published_source);
    for (size_t i = 0; i < report->nfacts; i++) {
        free(report->facts[i].name);
        free(report->facts[i].value);
    }
    free(report->facts);
    for (size_t i = 0; i < report->nruns; i++) {
        struct report_run *r = &report->runs[i];
        free(r->run_id);
        free(r->role);
        free(r->source);
        free(r->lineage);
        free(r->shutdown_reason);
    }
    free(report->runs);
    for (size_t i = 0; i < report->nquality; i++) {
        struct report_quality *q = &report->quality[i];
        free(q->run_id);
        free(q->column);
        free(q->metric);
        free(q->value);
    }
    free(report->quality);
    for (size_t i = 0; i < report->nfigures; i++) {
        free(report->figures[i].svg);
        free(report->figures[i].caption);
    }
    free(report->figures);
    for (size_t i = 0; i < report->ndetections; i++)
        free(report->detections[i].label);
    free(report->detections);
    free(report);
}

int tep_report_add_fact(struct tep_report *report, const char *name, const char *value,
                        struct tep_error *err)
{
    if (!report || !name) return tep_error_set(err, TEP_ERR_ARG, "report fact: no name");
    if (grow((void **)&report->facts, &report->facts_cap, report->nfacts, sizeof *report->facts,
             err) != 0)
        return -1;
    struct report_fact f;
    if (!copy_text(name, &f.name) || !copy_text(value ? value : "", &f.value)) {
        free(f.name);
        return tep_error_set(err, TEP_ERR_NOMEM, "out of memory while building a report");
    }
    report->facts[report->nfacts++] = f;
    return 0;
}

int tep_report_add_run(struct tep_report *report, const struct tep_report_run *run,
                       struct tep_error *err)
{
    if (!report || !run) return tep_error_set(err, TEP_ERR_ARG, "report run: nothing to add");
    if (grow((void **)&report->runs, &report->runs_cap, report->nruns, sizeof *report->runs, err) !=
        0)
        return -1;
    struct report_run r;
    memset(&r, 0, sizeof r);
    r.run = *run;
    if (!copy_text(run->run_id, &r.run_id) || !copy_text(run->role, &r.role) ||
        !copy_text(run->source, &r.source) || !copy_text(run->lineage, &r.lineage) ||
        !copy_text(run->shutdown_reason, &r.shutdown_reason))
        goto fail;
    r.run.run_id = r.run_id;
    r.run.role = r.role;
    r.run.source = r.source;
    r.run.lineage = r.lineage;
    r.run.shutdown_reason = r.shutdown_reason;
    report->runs[report->nruns++] = r;
    return 0;
fail:
    free(r.run_id);
    free(r.role);
    free(r.source);
    free(r.lineage);
    free(r.shutdown_reason);
    return tep_error_set(err, TEP_ERR_NOMEM, "out of memory while building a report");
}

int tep_report_add_quality(struct tep_report *report, const struct tep_report_quality *q,
                           struct tep_error *err)
{
    if (!report || !q || !q->metric)
        return tep_error_set(err, TEP_ERR_ARG, "report quality metric: no metric name");
    if (q->level < TEP_REPORT_OK || q->level > TEP_REPORT_BAD)
        return tep_error_set(err, TEP_ERR_ARG, "report quality metric '%s': level %d is not 0..3",
                             q->metric, (int)q->level);
    if (grow((void **)&report->quality, &report->quality_cap, report->nquality,
             sizeof *report->quality, err) != 0)
        return -1;
    struct report_quality c;
    memset(&c, 0, sizeof c);
    c.level = q->level;
    if (!copy_text(q->run_id ? q->run_id : "", &c.run_id) ||
        !copy_text(q->column ? q->column : "", &c.column) || !copy_text(q->metric, &c.metric) ||
        !copy_text(q->value ? q->value : "", &c.value))
        goto fail;
    report->quality[report->nquality++] = c;
    return 0;
fail:
    free(c.run_id);
    free(c.column);
    free(c.metric);
    free(c.value);
    return tep_error_set(err, TEP_ERR_NOMEM, "out of memory while building a report");
}

/* ---- figure checks ---- */

/* The '>' closing the tag that starts at lt, skipping quoted attribute values; NULL if none. */
static const char *tag_end(const char *lt)
{
    char quote = 0;
    for (const char *p = lt + 1; *p; p++) {
        if (quote) {
            if (*p == quote) quote = 0;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
        } else if (*p == '>') {
            return p;
        }
    }
    return NULL;
}

static bool is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == ':' || c == '-' || c == '_' || c == '.';
}

static bool equals_nocase(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* Case-insensitive search of `needle` in s[0..n). */
static const char *find_nocase(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp(s + i, needle, m) == 0) return s + i;
    return NULL;
}

/* One attribute of a tag. */
struct attribute {
    const char *start; /* first character of the name */
    const char *name;
    size_t name_len;
    const char *value; /* without quotes; NULL when the attribute has no value */
    size_t value_len;
    const char *end; /* just after the attribute */
};

/* The next attribute in [p, end), or NULL when there is none. */
static const char *next_attribute(const char *p, const char *end, struct attribute *a)
{
    while (p < end && (isspace((unsigned char)*p) || *p == '/'))
        p++;
    if (p >= end) return NULL;
    memset(a, 0, sizeof *a);
    a->start = a->name = p;
    while (p < end && !isspace((unsigned char)*p) && *p != '=' && *p != '/')
        p++;
    if (p == a->name) p++; /* a stray character: step over it */
    a->name_len = (size_t)(p - a->name);
    const char *q = p;
    while (q < end && isspace((unsigned char)*q))
        q++;
    if (q < end && *q == '=') {
        q++;
        while (q < end && isspace((unsigned char)*q))
            q++;
        if (q < end && (*q == '"' || *q == '\'')) {
            char quote = *q++;
            a->value = q;
            while (q < end && *q != quote)
                q++;
            a->value_len = (size_t)(q - a->value);
            if (q < end) q++;
        } else {
            a->value = q;
            while (q < end && !isspace((unsigned char)*q))
                q++;
            a->value_len = (size_t)(q - a->value);
        }
        p = q;
    }
    a->end = p;
    return p;
}

/* True when a value holds url(...) pointing anywhere but at a local #id. */
static bool has_external_url(const char *v, size_t n)
{
    const char *p = v;
    while (n > 0 && (p = find_nocase(v, n, "url("))) {
        const char *q = p + 4;
        while (q < v + n && (isspace((unsigned char)*q) || *q == '"' || *q == '\''))
            q++;
        if (q >= v + n || *q != '#') return true;
        n -= (size_t)(q - v);
        v = q;
    }
    return false;
}

/* Refuse anything in a figure that could load, link or run something. */
static int check_figure(const char *svg, struct tep_error *err)
{
    static const char *const banned_elements[] = {
        "script", "image", "foreignobject", "style", "iframe",  "object",  "embed", "link",
        "use",    "a",     "audio",         "video", "feimage", "!doctype"};
    const char *p = svg;
    while ((p = strchr(p, '<'))) {
        if (strncmp(p, "<!--", 4) == 0) {
            const char *close = strstr(p + 4, "-->");
            if (!close) return tep_error_set(err, TEP_ERR_ARG, "figure: unterminated comment");
            p = close + 3;
            continue;
        }
        const char *gt = tag_end(p);
        if (!gt) return tep_error_set(err, TEP_ERR_ARG, "figure: unterminated tag");
        const char *name = p + 1;
        if (*name == '/') name++;
        const char *name_end = name;
        if (*name_end == '!' || *name_end == '?') name_end++;
        while (is_name_char(*name_end))
            name_end++;
        size_t name_len = (size_t)(name_end - name);
        for (size_t i = 0; i < sizeof banned_elements / sizeof banned_elements[0]; i++)
            if (equals_nocase(name, name_len, banned_elements[i]))
                return tep_error_set(err, TEP_ERR_ARG,
                                     "figure: <%.*s> elements are not allowed in a "
                                     "self-contained report",
                                     (int)name_len, name);
        if (find_nocase(name, name_len, "![cdata["))
            return tep_error_set(err, TEP_ERR_ARG, "figure: CDATA sections are not allowed");
        struct attribute a;
        const char *q = name_end;
        while ((q = next_attribute(q, gt, &a))) {
            bool handler = a.name_len > 2 && strncasecmp(a.name, "on", 2) == 0;
            bool link = equals_nocase(a.name, a.name_len, "href") ||
                        equals_nocase(a.name, a.name_len, "src") ||
                        (a.name_len >= 5 && strncasecmp(a.name + a.name_len - 5, ":href", 5) == 0);
            bool external = a.value && (has_external_url(a.value, a.value_len) ||
                                        find_nocase(a.value, a.value_len, "javascript:") ||
                                        find_nocase(a.value, a.value_len, "@import"));
            if (handler || link || external)
                return tep_error_set(err, TEP_ERR_ARG,
                                     "figure: attribute '%.*s' could refer to or run something "
                                     "outside the report",
                                     (int)a.name_len, a.name);
        }
        p = gt + 1;
    }
    return 0;
}

/* Copy of a checked figure for inline use: no XML declaration, no xmlns attributes on the
 * root <svg>. NULL (with err) when the text does not start with an <svg> element. */
static char *inline_copy(const char *svg, struct tep_error *err)
{
    struct tep_svg_buf buf;
    tep_svg_buf_init(&buf);
    const char *p = svg;
    while (isspace((unsigned char)*p))
        p++;
    if (strncmp(p, "<?xml", 5) == 0) {
        const char *close = strstr(p, "?>");
        if (close) p = close + 2;
        while (isspace((unsigned char)*p))
            p++;
    }
    if (strncmp(p, "<svg", 4) != 0 ||
        !(isspace((unsigned char)p[4]) || p[4] == '>' || p[4] == '/')) {
        tep_error_set(err, TEP_ERR_ARG, "figure: expected an <svg> element");
        return NULL;
    }
    const char *gt = tag_end(p);
    if (!gt) {
        tep_error_set(err, TEP_ERR_ARG, "figure: unterminated <svg> tag");
        return NULL;
    }
    tep_svg_buf_append(&buf, "<svg");
    struct attribute a;
    const char *q = p + 4;
    while ((q = next_attribute(q, gt, &a))) {
        if (a.name_len >= 5 && strncasecmp(a.name, "xmlns", 5) == 0) continue;
        tep_svg_buf_append(&buf, " ");
        tep_svg_buf_append_n(&buf, a.start, (size_t)(a.end - a.start));
    }
    tep_svg_buf_append(&buf, gt[-1] == '/' ? "/>" : ">");
    tep_svg_buf_append(&buf, gt + 1);
    return tep_svg_buf_finish(&buf, err);
}

int tep_report_add_figure(struct tep_report *report, enum tep_report_section section,
                          const char *svg, const char *caption, struct tep_error *err)
{
    struct report_figure f = {section, NULL, NULL};
    if (!report || !svg) return tep_error_set(err, TEP_ERR_ARG, "report figure: no SVG");
    if (section < TEP_REPORT_TRENDS || section > TEP_REPORT_CONTRIBUTIONS)
        return tep_error_set(err, TEP_ERR_ARG, "report figure: unknown section %d", (int)section);
    if (grow((void **)&report->figures, &report->figures_cap, report->nfigures,
             sizeof *report->figures, err) != 0)
        return -1;
    f.svg = inline_copy(svg, err);
    if (!f.svg) goto fail;
    if (check_figure(f.svg, err) != 0) goto fail;
    if (!copy_text(caption, &f.caption)) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory while building a report");
        goto fail;
    }
    report->figures[report->nfigures++] = f;
    return 0;
fail:
    free(f.svg);
    free(f.caption);
    return -1;
}

int tep_report_add_detection(struct tep_report *report, const struct tep_svg_detection_row *row,
                             struct tep_error *err)
{
    if (!report || !row) return tep_error_set(err, TEP_ERR_ARG, "report detection: no row");
    if (grow((void **)&report->detections, &report->detections_cap, report->ndetections,
             sizeof *report->detections, err) != 0)
        return -1;
    struct report_detection d;
    d.row = *row;
    if (!copy_text(row->label ? row->label : "", &d.label))
        return tep_error_set(err, TEP_ERR_NOMEM, "out of memory while building a report");
    d.row.label = d.label;
    report->detections[report->ndetections++] = d;
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Rendering
 */

static const char report_css[] =
    ":root{--ink:#1f2328;--muted:#59636e;--line:#d8dee4;--soft:#f4f6f8;--accent:#0072B2;"
    "--fault:#D55E00}\n"
    "*{box-sizing:border-box}\n"
    "html{background:#e9edf1}\n"
    "body{margin:0;font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "\"Helvetica Neue\",Arial,sans-serif;color:var(--ink)}\n"
    ".page{max-width:1080px;margin:0 auto;background:#fff;padding:28px 40px 36px}\n"
    "header.top{border-bottom:3px solid var(--accent);padding-bottom:10px}\n"
    "header.top h1{margin:0;font-size:26px;font-weight:650;letter-spacing:-0.01em}\n"
    "header.top .sub{color:var(--muted);margin-top:2px}\n"
    "nav{display:flex;flex-wrap:wrap;gap:2px 20px;font-size:14px;margin:10px 0 0}\n"
    "nav a{color:var(--accent);text-decoration:none}\n"
    "h2{font-size:19px;font-weight:650;margin:34px 0 10px;padding-bottom:4px;"
    "border-bottom:1px solid var(--line)}\n"
    "h3{font-size:15px;margin:18px 0 6px}\n"
    "p.lead{margin:4px 0 12px;color:var(--muted)}\n"
    "table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:14px;"
    "width:100%;margin:6px 0}\n"
    "caption{text-align:left;color:var(--muted);font-size:13px;padding:0 0 6px}\n"
    "th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:top}\n"
    "th{background:var(--soft);font-weight:600;font-size:13px}\n"
    "th.group{text-align:center;border-left:2px solid #fff}\n"
    "td.num,th.num{text-align:right;white-space:nowrap}\n"
    "td.run{white-space:nowrap}\n"
    "td small,p small{color:var(--muted);font-size:12px}\n"
    "td.lvl-1{background:#e3f0fa}td.lvl-2{background:#fbe9c6}td.lvl-3{background:#f7d5c2}\n"
    "td.bad{color:#a33f00;font-weight:600}\n"
    ".mono{font-family:ui-monospace,\"SF Mono\",Menlo,Consolas,monospace;font-size:13px;"
    "white-space:nowrap}\n"
    "figure{margin:14px 0 24px}\n"
    "figure svg{display:block;width:100%;height:auto;border:1px solid var(--line);"
    "border-radius:6px}\n"
    "figcaption{color:var(--muted);font-size:13px;margin-top:6px}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px;"
    "margin:12px 0 18px}\n"
    ".card{border:1px solid var(--line);border-left:5px solid var(--accent);border-radius:6px;"
    "padding:10px 14px}\n"
    ".card.missed{border-left-color:var(--fault)}\n"
    ".card .k{font-size:13px;color:var(--muted);font-weight:600}\n"
    ".card .v{font-size:22px;font-weight:650;margin:2px 0}\n"
    ".card .d{font-size:13px;color:var(--muted)}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 18px;margin:10px 0;"
    "font-size:14px}\n"
    "dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}\n"
    "details{margin:8px 0}summary{cursor:pointer;color:var(--accent)}\n"
    "p.table-note{font-size:13px;color:var(--muted)}\n"
    ".key{padding:0 5px;border-radius:3px;color:var(--ink)}\n"
    "footer{margin-top:36px;color:var(--muted);font-size:12px;border-top:1px solid "
    "var(--line);padding-top:8px}\n"
    "@media print{html{background:#fff}.page{max-width:none;padding:0}nav{display:none}"
    "figure,tr,.card{break-inside:avoid}}\n";

/* Figures in reading order: when and how strongly the fault shows, which variables carry it,
 * then how those variables moved. */
static const enum tep_report_section section_order[3] = {
    TEP_REPORT_MONITORING, TEP_REPORT_CONTRIBUTIONS, TEP_REPORT_TRENDS};
static const char *const section_ids[3] = {"trends", "monitoring", "contributions"};
static const char *const section_titles[3] = {"Process trends", "Monitoring charts",
                                              "Variable contributions"};
static const char *const section_leads[3] = {
    "Measured and manipulated variables over the run; the shaded band is the faulty period.",
    "Multivariate statistics against their control limits; red dots are alarms.",
    "Which variables drive the statistic at the first detection (largest first)."};

/* "a - b", escaped, or a dash for NULL / "". */
static void put_text_or_dash(struct tep_svg_buf *buf, const char *text)
{
    if (text && *text)
        tep_svg_buf_escape(buf, text);
    else
        tep_svg_buf_append(buf, "\xE2\x80\x94");
}

static void put_number(struct tep_svg_buf *buf, double v, const char *unit)
{
    char number[32];
    if (isnan(v)) {
        tep_svg_buf_append(buf, "\xE2\x80\x94");
        return;
    }
    tep_svg_format_number(v, number, sizeof number);
    tep_svg_buf_append(buf, number);
    if (unit) tep_svg_buf_printf(buf, " %s", unit);
}

/* "IDV(1)" and the catalogue description under it, or "normal". */
static void put_fault(struct tep_svg_buf *buf, int fault)
{
    if (fault <= 0) {
        tep_svg_buf_append(buf, "normal");
        return;
    }
    tep_svg_buf_printf(buf, "IDV(%d)", fault);
    if (fault <= TEP_N_IDV) {
        tep_svg_buf_append(buf, "<br><small>");
        tep_svg_buf_escape(buf, tep_faults[fault - 1].description);
        tep_svg_buf_append(buf, " (");
        tep_svg_buf_escape(buf, tep_faults[fault - 1].type);
        tep_svg_buf_append(buf, ")</small>");
    }
}

/* A percentage of a fraction, "99.4 %", or a dash. */
static void put_percent(struct tep_svg_buf *buf, double fraction)
{
    if (isnan(fraction))
        tep_svg_buf_append(buf, "\xE2\x80\x94");
    else
        tep_svg_buf_printf(buf, "%.1f %%", 100.0 * fraction);
}

/* One summary card per detection row: how fast and how reliably the fault was seen. */
static void put_detection_card(struct tep_svg_buf *buf, const struct tep_svg_detection_row *row)
{
    const struct tep_svg_rates *t2 = &row->t2, *q = &row->q;
    bool t2_seen = isfinite(t2->delay_min) && t2->delay_min >= 0;
    bool q_seen = isfinite(q->delay_min) && q->delay_min >= 0;
    bool faulty = row->fault > 0;
    tep_svg_buf_append(buf, faulty && !t2_seen && !q_seen ? "<div class=\"card missed\">"
                                                          : "<div class=\"card\">");
    tep_svg_buf_append(buf, "<div class=\"k\">");
    if (faulty)
        tep_svg_buf_printf(buf, "IDV(%d) \xC2\xB7 ", row->fault);
    else
        tep_svg_buf_append(buf, "normal operation \xC2\xB7 ");
    tep_svg_buf_escape(buf, row->label);
    tep_svg_buf_append(buf, "</div><div class=\"v\">");
    char number[32];
    if (faulty) {
        if (t2_seen || q_seen) {
            bool q_first = q_seen && (!t2_seen || q->delay_min < t2->delay_min);
            double best = q_first ? q->delay_min : t2->delay_min;
            tep_svg_format_number(best, number, sizeof number);
            tep_svg_buf_printf(buf, "detected after %s min</div><div class=\"d\">first by %s",
                               number, q_first ? "Q" : "T\xC2\xB2");
            const struct tep_svg_rates *other = q_first ? t2 : q;
            if (isfinite(other->delay_min) && other->delay_min >= 0) {
                tep_svg_format_number(other->delay_min, number, sizeof number);
                tep_svg_buf_printf(buf, "; %s after %s min", q_first ? "T\xC2\xB2" : "Q", number);
            }
            tep_svg_buf_append(buf, "</div>");
        } else {
            tep_svg_buf_append(buf, "not detected</div>");
        }
        tep_svg_buf_append(buf, "<div class=\"d\">detection rate T\xC2\xB2 ");
        put_percent(buf, t2->fdr);
        tep_svg_buf_append(buf, " \xC2\xB7 Q ");
        put_percent(buf, q->fdr);
        tep_svg_buf_append(buf, "</div>");
        tep_svg_buf_append(buf, "<div class=\"d\">false alarms before onset T\xC2\xB2 ");
        put_percent(buf, t2->far);
        tep_svg_buf_append(buf, " \xC2\xB7 Q ");
        put_percent(buf, q->far);
        tep_svg_buf_append(buf, "</div></div>\n");
        return;
    }
    tep_svg_buf_append(buf, "T\xC2\xB2 ");
    put_percent(buf, t2->far);
    tep_svg_buf_append(buf, " \xC2\xB7 Q ");
    put_percent(buf, q->far);
    tep_svg_buf_append(buf, "</div><div class=\"d\">false alarm rate of a run without fault"
                            "</div></div>\n");
}

static void render_summary(struct tep_svg_buf *buf, const struct tep_report *r)
{
    tep_svg_buf_append(buf, "<section id=\"summary\">\n<h2>Run summary</h2>\n");
    if (r->ndetections > 0) {
        tep_svg_buf_append(buf, "<div class=\"cards\">\n");
        for (size_t i = 0; i < r->ndetections && i < 6; i++)
            put_detection_card(buf, &r->detections[i].row);
        tep_svg_buf_append(buf, "</div>\n");
    }
    if (r->nruns > 0) {
        tep_svg_buf_append(buf, "<table class=\"runs\">\n<thead><tr><th>Run and role</th>"
                                "<th>Source and lineage</th><th class=\"num\">Rows</th>"
                                "<th class=\"num\">Duration</th><th>Fault</th>"
                                "<th class=\"num\">Onset</th><th>Shutdown</th></tr></thead>\n"
                                "<tbody>\n");
        for (size_t i = 0; i < r->nruns; i++) {
            const struct tep_report_run *run = &r->runs[i].run;
            tep_svg_buf_append(buf, "<tr><td><span class=\"mono\">");
            put_text_or_dash(buf, run->run_id);
            tep_svg_buf_append(buf, "</span>");
            if (run->role && *run->role) {
                tep_svg_buf_append(buf, "<br><small>");
                tep_svg_buf_escape(buf, run->role);
                tep_svg_buf_append(buf, "</small>");
            }
            tep_svg_buf_append(buf, "</td><td>");
            put_text_or_dash(buf, run->source);
            if (run->lineage && *run->lineage) {
                tep_svg_buf_append(buf, "<br><small>");
                tep_svg_buf_escape(buf, run->lineage);
                tep_svg_buf_append(buf, "</small>");
            }
            tep_svg_buf_printf(buf, "</td><td class=\"num\">%zu", run->rows);
            if (isfinite(run->interval_s) && run->interval_s > 0) {
                tep_svg_buf_append(buf, "<br><small>every ");
                put_number(buf, run->interval_s, "s");
                tep_svg_buf_append(buf, "</small>");
            }
            tep_svg_buf_append(buf, "</td><td class=\"num\">");
            put_number(buf, run->hours, "h");
            tep_svg_buf_append(buf, "</td><td>");
            put_fault(buf, run->fault);
            tep_svg_buf_append(buf, "</td><td class=\"num\">");
            put_number(buf, run->fault > 0 ? run->onset_h : NAN, "h");
            if (isfinite(run->shutdown_h)) {
                tep_svg_buf_append(buf, "</td><td class=\"bad\">at ");
                put_number(buf, run->shutdown_h, "h");
                if (run->shutdown_reason && *run->shutdown_reason) {
                    tep_svg_buf_append(buf, "<br><small>");
                    tep_svg_buf_escape(buf, run->shutdown_reason);
                    tep_svg_buf_append(buf, "</small>");
                }
            } else {
                tep_svg_buf_append(buf, "</td><td>none");
            }
            tep_svg_buf_append(buf, "</td></tr>\n");
        }
        tep_svg_buf_append(buf, "</tbody>\n</table>\n");
    }
    if (r->nfacts > 0) {
        tep_svg_buf_append(buf, "<dl class=\"facts\">\n");
        for (size_t i = 0; i < r->nfacts; i++) {
            tep_svg_buf_append(buf, "<dt>");
            tep_svg_buf_escape(buf, r->facts[i].name);
            tep_svg_buf_append(buf, "</dt><dd>");
            tep_svg_buf_escape(buf, r->facts[i].value);
            tep_svg_buf_append(buf, "</dd>\n");
        }
        tep_svg_buf_append(buf, "</dl>\n");
    }
    if (r->nruns == 0 && r->nfacts == 0 && r->ndetections == 0)
        tep_svg_buf_append(buf, "<p class=\"lead\">No runs were given.</p>\n");
    tep_svg_buf_append(buf, "</section>\n");
}

/* The data-quality table pivoted: a row per (run, column), a column per metric. */
struct quality_grid {
    size_t nrows, nmetrics;
    size_t *row_first;                /* nrows: index of the first item of each row */
    size_t *metric_first;             /* nmetrics: index of the first item naming each metric */
    long *cell;                       /* nrows x nmetrics item indices, -1 = empty */
    enum tep_report_level *row_level; /* nrows: the worst level in the row */
};

static void quality_grid_free(struct quality_grid *g)
{
    free(g->row_first);
    free(g->metric_first);
    free(g->cell);
    free(g->row_level);
    memset(g, 0, sizeof *g);
}

static int quality_grid_build(const struct tep_report *r, struct quality_grid *g,
                              struct tep_error *err)
{
    size_t n = r->nquality;
    memset(g, 0, sizeof *g);
    size_t *row_of = malloc(n * sizeof *row_of), *metric_of = malloc(n * sizeof *metric_of);
    g->row_first = malloc(n * sizeof *g->row_first);
    g->metric_first = malloc(n * sizeof *g->metric_first);
    if (!row_of || !metric_of || !g->row_first || !g->metric_first) goto fail;
    for (size_t i = 0; i < n; i++) {
        const struct report_quality *q = &r->quality[i];
        size_t k = 0;
        while (k < g->nrows && !(strcmp(r->quality[g->row_first[k]].run_id, q->run_id) == 0 &&
                                 strcmp(r->quality[g->row_first[k]].column, q->column) == 0))
            k++;
        if (k == g->nrows) g->row_first[g->nrows++] = i;
        row_of[i] = k;
        k = 0;
        while (k < g->nmetrics && strcmp(r->quality[g->metric_first[k]].metric, q->metric) != 0)
            k++;
        if (k == g->nmetrics) g->metric_first[g->nmetrics++] = i;
        metric_of[i] = k;
    }
    g->cell = malloc((g->nrows * g->nmetrics + 1) * sizeof *g->cell);
    g->row_level = calloc(g->nrows + 1, sizeof *g->row_level);
    if (!g->cell || !g->row_level) goto fail;
    for (size_t i = 0; i < g->nrows * g->nmetrics; i++)
        g->cell[i] = -1;
    for (size_t i = 0; i < n; i++) {
        g->cell[row_of[i] * g->nmetrics + metric_of[i]] = (long)i; /* the last value wins */
        if (r->quality[i].level > g->row_level[row_of[i]])
            g->row_level[row_of[i]] = r->quality[i].level;
    }
    free(row_of);
    free(metric_of);
    return 0;
fail:
    free(row_of);
    free(metric_of);
    quality_grid_free(g);
    return tep_error_set(err, TEP_ERR_NOMEM, "out of memory while rendering a report");
}

/* The grid as a table; flagged_only keeps whole-run rows and rows with a warning or problem. */
static void put_quality_table(struct tep_svg_buf *buf, const struct tep_report *r,
                              const struct quality_grid *g, bool flagged_only)
{
    tep_svg_buf_append(buf, "<table class=\"quality\">\n<thead><tr><th>Run</th><th>Column</th>");
    for (size_t m = 0; m < g->nmetrics; m++) {
        tep_svg_buf_append(buf, "<th class=\"num\">");
        tep_svg_buf_escape(buf, r->quality[g->metric_first[m]].metric);
        tep_svg_buf_append(buf, "</th>");
    }
    tep_svg_buf_append(buf, "</tr></thead>\n<tbody>\n");
    for (size_t row = 0; row < g->nrows; row++) {
        const struct report_quality *first = &r->quality[g->row_first[row]];
        if (flagged_only && g->row_level[row] < TEP_REPORT_WARN && first->column[0]) continue;
        tep_svg_buf_append(buf, "<tr><td class=\"mono\">");
        put_text_or_dash(buf, first->run_id);
        tep_svg_buf_append(buf, "</td><td>");
        if (!first->column[0]) {
            tep_svg_buf_append(buf, "<em>whole run</em>");
        } else {
            int var = tep_catalog_lookup(first->column);
            if (var >= 0) {
                tep_svg_buf_append(buf, "<b>");
                tep_svg_buf_escape(buf, tep_catalog[var].ref_name);
                tep_svg_buf_append(buf, "</b> ");
                tep_svg_buf_escape(buf, tep_catalog[var].description);
                tep_svg_buf_append(buf, " <small>");
                tep_svg_buf_escape(buf, tep_catalog[var].unit);
                tep_svg_buf_append(buf, "</small>");
            } else {
                tep_svg_buf_append(buf, "<span class=\"mono\">");
                tep_svg_buf_escape(buf, first->column);
                tep_svg_buf_append(buf, "</span>");
            }
        }
        tep_svg_buf_append(buf, "</td>");
        for (size_t m = 0; m < g->nmetrics; m++) {
            long i = g->cell[row * g->nmetrics + m];
            if (i < 0) {
                tep_svg_buf_append(buf, "<td class=\"num\"></td>");
                continue;
            }
            const struct report_quality *q = &r->quality[i];
            tep_svg_buf_printf(buf, "<td class=\"num lvl-%d\">", (int)q->level);
            if (q->level >= TEP_REPORT_WARN)
                tep_svg_buf_append(buf,
                                   q->level == TEP_REPORT_BAD ? "\xE2\x9C\x97 " : "\xE2\x9A\xA0 ");
            tep_svg_buf_escape(buf, q->value);
            tep_svg_buf_append(buf, "</td>");
        }
        tep_svg_buf_append(buf, "</tr>\n");
    }
    tep_svg_buf_append(buf, "</tbody>\n</table>\n");
}

static int render_quality(struct tep_svg_buf *buf, const struct tep_report *r,
                          struct tep_error *err)
{
    struct quality_grid g;
    if (r->nquality == 0) return 0;
    if (quality_grid_build(r, &g, err) != 0) return -1;
    size_t counts[4] = {0, 0, 0, 0}, flagged_rows = 0;
    for (size_t i = 0; i < r->nquality; i++)
        counts[r->quality[i].level]++;
    for (size_t row = 0; row < g.nrows; row++)
        flagged_rows += g.row_level[row] >= TEP_REPORT_WARN;
    tep_svg_buf_append(buf, "<section id=\"quality\">\n<h2>Data quality</h2>\n");
    tep_svg_buf_printf(buf,
                       "<p class=\"lead\">%zu values in %zu rows: %zu problem%s, %zu "
                       "warning%s, %zu note%s.</p>\n",
                       r->nquality, g.nrows, counts[TEP_REPORT_BAD],
                       counts[TEP_REPORT_BAD] == 1 ? "" : "s", counts[TEP_REPORT_WARN],
                       counts[TEP_REPORT_WARN] == 1 ? "" : "s", counts[TEP_REPORT_NOTE],
                       counts[TEP_REPORT_NOTE] == 1 ? "" : "s");
    if (g.nrows <= 20) {
        put_quality_table(buf, r, &g, false);
    } else {
        tep_svg_buf_printf(buf, "<h3>Whole runs and flagged columns (%zu flagged)</h3>\n",
                           flagged_rows);
        put_quality_table(buf, r, &g, true);
        tep_svg_buf_printf(buf, "<details><summary>All %zu rows</summary>\n", g.nrows);
        put_quality_table(buf, r, &g, false);
        tep_svg_buf_append(buf, "</details>\n");
    }
    tep_svg_buf_append(buf, "</section>\n");
    quality_grid_free(&g);
    return 0;
}

static void render_figures(struct tep_svg_buf *buf, const struct tep_report *r,
                           enum tep_report_section section)
{
    size_t count = 0;
    for (size_t i = 0; i < r->nfigures; i++)
        count += r->figures[i].section == section;
    if (count == 0) return;
    tep_svg_buf_printf(buf, "<section id=\"%s\">\n<h2>%s</h2>\n<p class=\"lead\">%s</p>\n",
                       section_ids[section], section_titles[section], section_leads[section]);
    for (size_t i = 0; i < r->nfigures; i++) {
        const struct report_figure *f = &r->figures[i];
        if (f->section != section) continue;
        tep_svg_buf_append(buf, "<figure>\n");
        tep_svg_buf_append(buf, f->svg);
        if (f->caption && *f->caption) {
            tep_svg_buf_append(buf, "<figcaption>");
            tep_svg_buf_escape(buf, f->caption);
            tep_svg_buf_append(buf, "</figcaption>\n");
        }
        tep_svg_buf_append(buf, "</figure>\n");
    }
    tep_svg_buf_append(buf, "</section>\n");
}

static int render_detection(struct tep_svg_buf *buf, const struct tep_report *r,
                            struct tep_error *err)
{
    if (r->ndetections == 0) return 0;
    struct tep_svg_detection_row *rows = malloc(r->ndetections * sizeof *rows);
    if (!rows) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory while rendering");
    for (size_t i = 0; i < r->ndetections; i++)
        rows[i] = r->detections[i].row;
    struct tep_svg_table_spec spec = {0};
    spec.rows = rows;
    spec.nrows = r->ndetections;
    spec.published_source = r->published_source;
    spec.caption = "Fault detection rate (FDR: share of faulty samples in alarm), false alarm "
                   "rate (FAR: share of normal samples in alarm) and detection delay from the "
                   "first faulty sample.";
    char *table = tep_svg_detection_table(&spec, err);
    free(rows);
    if (!table) return -1;
    tep_svg_buf_append(buf, "<section id=\"detection\">\n<h2>Detection performance</h2>\n");
    tep_svg_buf_append(buf, table);
    tep_svg_buf_append(buf, "</section>\n");
    free(table);
    return 0;
}

char *tep_report_html(const struct tep_report *r, struct tep_error *err)
{
    struct tep_svg_buf buf;
    tep_svg_buf_init(&buf);
    if (!r) {
        tep_error_set(err, TEP_ERR_ARG, "report: nothing to render");
        return NULL;
    }
    tep_svg_buf_append(&buf,
                       "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, "
                       "initial-scale=1\">\n<title>");
    tep_svg_buf_escape(&buf, r->title);
    tep_svg_buf_append(&buf, "</title>\n<style>\n");
    tep_svg_buf_append(&buf, report_css);
    tep_svg_buf_append(&buf, "</style>\n</head>\n<body>\n<div class=\"page\">\n"
                             "<header class=\"top\">\n<h1>");
    tep_svg_buf_escape(&buf, r->title);
    tep_svg_buf_append(&buf, "</h1>\n");
    if (r->subtitle) {
        tep_svg_buf_append(&buf, "<div class=\"sub\">");
        tep_svg_buf_escape(&buf, r->subtitle);
        tep_svg_buf_append(&buf, "</div>\n");
    }
    /* in-page navigation to the sections that exist */
    tep_svg_buf_append(&buf, "<nav><a href=\"#summary\">Run summary</a>");
    if (r->nquality) tep_svg_buf_append(&buf, "<a href=\"#quality\">Data quality</a>");
    for (int k = 0; k < 3; k++) {
        enum tep_report_section s = section_order[k];
        bool any = false;
        for (size_t i = 0; i < r->nfigures; i++)
            any |= r->figures[i].section == s;
        if (any)
            tep_svg_buf_printf(&buf, "<a href=\"#%s\">%s</a>", section_ids[s], section_titles[s]);
    }
    if (r->ndetections)
        tep_svg_buf_append(&buf, "<a href=\"#detection\">Detection performance</a>");
    tep_svg_buf_append(&buf, "</nav>\n</header>\n<main>\n");

    render_summary(&buf, r);
    if (render_quality(&buf, r, err) != 0) goto fail;
    for (int k = 0; k < 3; k++)
        render_figures(&buf, r, section_order[k]);
    if (render_detection(&buf, r, err) != 0) goto fail;

    tep_svg_buf_append(&buf, "</main>\n<footer>Written by tep");
    if (r->generated) {
        tep_svg_buf_append(&buf, ", ");
        tep_svg_buf_escape(&buf, r->generated);
    }
    tep_svg_buf_append(&buf, ". This file is self-contained: no scripts, fonts, images or "
                             "links to anything outside it.</footer>\n</div>\n</body>\n"
                             "</html>\n");
    return tep_svg_buf_finish(&buf, err);
fail:
    tep_svg_buf_free(&buf);
    return NULL;
}

int tep_report_write(const struct tep_report *report, const char *path, struct tep_error *err)
{
    struct tep_atomic_file af;
    char *html = NULL;
    if (!path) return tep_error_set(err, TEP_ERR_ARG, "report: no output path");
    html = tep_report_html(report, err);
    if (!html) return -1;
    if (tep_atomic_open(&af, path, 0, err) != 0) goto fail;
    if (fputs(html, af.file) == EOF) {
        tep_error_set_errno(err, TEP_ERR_IO, "cannot write report", path);
        tep_atomic_discard(&af);
        goto fail;
    }
    if (tep_atomic_commit(&af, err) != 0) goto fail;
    free(html);
    return 0;
fail:
    free(html);
    return -1;
}
