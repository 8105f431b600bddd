/* test_viz.c - the visualization stage: SVG building blocks, charts and the HTML report.
 *
 * Checks text escaping, Heckbert's nice ticks for known ranges, the log axis, compact number
 * labels, that downsampling keeps every pixel column's exact minimum and maximum while
 * bounding the point count (1,000,000 points), that charts are well-formed (a small tag
 * balancer) with data text escaped, that a control chart draws one alarm marker per point
 * above the limit, and that the report refers to nothing outside itself.
 * `test_viz write-report PATH` instead writes a report from a real simulation (a normal
 * training run, a normal validation run and IDV(1) from 4 h, PCA on 52 variables); the
 * Chromium test renders that file.
 */
#include <ctype.h>
#include <stdint.h>
#include <unistd.h>

#include "analysis/metrics.h"
#include "analysis/pca.h"
#include "check.h"
#include "core/catalog.h"
#include "sim/sim.h"
#include "viz/report.h"
#include "viz/svg.h"

/* ------------------------------------------------------------------------------------------
 * Helpers
 */

/* Occurrences of `needle` in `hay`. */
static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = hay; (p = strstr(p, needle)); p += len)
        n++;
    return n;
}

/* A small well-formedness check of XML (or HTML with `html` void elements): tags balance,
 * attribute values are quoted, '&' starts an entity and text holds no raw '<'. Returns 1 when
 * fine, else 0 and prints what is wrong. */
static int well_formed(const char *text, int html)
{
    static const char *const void_elements[] = {"br", "meta", "hr", "img", "input", "col", "wbr"};
    char stack[256][32];
    int depth = 0;
    for (const char *p = text; *p;) {
        if (*p == '&') {
            const char *q = p + 1;
            if (*q == '#') q++;
            while (isalnum((unsigned char)*q))
                q++;
            if (*q != ';' || q == p + 1) {
                fprintf(stderr, "bare '&' at offset %ld: %.30s\n", (long)(p - text), p);
                return 0;
            }
            p = q + 1;
            continue;
        }
        if (*p == '>') {
            fprintf(stderr, "raw '>' in text at offset %ld: %.30s\n", (long)(p - text), p);
            return 0;
        }
        if (*p != '<') {
            p++;
            continue;
        }
        if (strncmp(p, "<!--", 4) == 0) {
            const char *q = strstr(p, "-->");
            if (!q) return 0;
            p = q + 3;
            continue;
        }
        if (p[1] == '!' || p[1] == '?') {
            const char *q = strchr(p, '>');
            if (!q) return 0;
            p = q + 1;
            continue;
        }
        int closing = p[1] == '/';
        const char *name = p + 1 + closing, *q = name;
        while (isalnum((unsigned char)*q) || *q == '-' || *q == ':')
            q++;
        size_t len = (size_t)(q - name);
        if (len == 0 || len >= 32) {
            fprintf(stderr, "bad tag at offset %ld: %.30s\n", (long)(p - text), p);
            return 0;
        }
        /* attributes: name="value" pairs up to '>' */
        int self_closing = 0;
        for (;;) {
            while (isspace((unsigned char)*q))
                q++;
            if (*q == '>') break;
            if (q[0] == '/' && q[1] == '>') {
                self_closing = 1;
                q++;
                break;
            }
            const char *attr = q;
            while (*q && !isspace((unsigned char)*q) && *q != '=' && *q != '>')
                q++;
            if (q == attr || *q != '=' || (q[1] != '"' && q[1] != '\'')) {
                fprintf(stderr, "unquoted attribute at offset %ld: %.40s\n", (long)(attr - text),
                        attr);
                return 0;
            }
            char quote = q[1];
            const char *end = strchr(q + 2, quote);
            if (!end) return 0;
            for (const char *v = q + 2; v < end; v++)
                if (*v == '<') {
                    fprintf(stderr, "'<' in an attribute value: %.40s\n", attr);
                    return 0;
                }
            q = end + 1;
        }
        p = q + 1;
        int is_void = 0;
        for (size_t i = 0; html && i < sizeof void_elements / sizeof void_elements[0]; i++)
            if (strlen(void_elements[i]) == len && strncmp(name, void_elements[i], len) == 0)
                is_void = 1;
        if (self_closing || (is_void && !closing)) continue;
        if (closing) {
            if (depth == 0 || strlen(stack[depth - 1]) != len ||
                strncmp(stack[depth - 1], name, len) != 0) {
                fprintf(stderr, "</%.*s> does not close <%s>\n", (int)len, name,
                        depth ? stack[depth - 1] : "(nothing)");
                return 0;
            }
            depth--;
        } else {
            if (depth == 256) return 0;
            memcpy(stack[depth], name, len);
            stack[depth][len] = '\0';
            depth++;
        }
    }
    if (depth != 0) fprintf(stderr, "<%s> is never closed\n", stack[depth - 1]);
    return depth == 0;
}

/* ------------------------------------------------------------------------------------------
 * Building blocks
 */

static void test_escape(void)
{
    struct tep_svg_buf b;
    tep_svg_buf_init(&b);
    tep_svg_buf_escape(&b, "a<b>&\"c'");
    tep_svg_buf_append(&b, "|");
    tep_svg_buf_escape(&b, "\xC2\xB0"
                           "C ok"); /* valid UTF-8 is kept */
    tep_svg_buf_append(&b, "|");
    tep_svg_buf_escape(&b, "bad\x01\xFF\xC0\xAF!"); /* control, invalid bytes */
    tep_svg_buf_append(&b, "|");
    tep_svg_buf_escape(&b, "\xED\xA0\x80"); /* a UTF-16 surrogate */
    tep_svg_buf_printf(&b, "|%d", 42);
    struct tep_error err;
    char *s = tep_svg_buf_finish(&b, &err);
    CHECK(s != NULL);
    if (s)
        CHECK_STR(s, "a&lt;b&gt;&amp;&quot;c&#39;|\xC2\xB0"
                     "C ok|bad\xEF\xBF\xBD\xEF\xBF\xBD"
                     "\xEF\xBF\xBD\xEF\xBF\xBD!|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|42");
    free(s);
    tep_svg_buf_init(&b);
    s = tep_svg_buf_finish(&b, &err); /* empty buffer: "" */
    CHECK(s && s[0] == '\0');
    free(s);
}

static void test_nice_ticks(void)
{
    struct tep_svg_ticks t;
    struct tep_error err;
    CHECK(tep_svg_nice_number(80, false) == 100);
    CHECK(tep_svg_nice_number(20, true) == 20);
    CHECK(tep_svg_nice_number(0.29, true) == 0.2);
    CHECK(tep_svg_nice_number(0.31, true) == 0.5);
    CHECK(tep_svg_nice_number(7.2, true) == 10);

    CHECK(tep_svg_nice_ticks(0, 1, 6, &t, &err) == 0);
    const double unit[6] = {0, 0.2, 0.4, 0.6, 0.8, 1};
    CHECK_EQ_INT(t.n, 6);
    for (size_t i = 0; i < 6 && i < t.n; i++)
        CHECK_MSG(t.value[i] == unit[i], "tick %zu = %.17g", i, t.value[i]);
    CHECK(t.lo == 0 && t.hi == 1 && t.decimals == 1);
    char label[32];
    tep_svg_format_tick(&t, t.value[3], label, sizeof label);
    CHECK_STR(label, "0.6");

    /* reactor-pressure-like range: step 20, from 2620 to 2720 */
    CHECK(tep_svg_nice_ticks(2633, 2713, 5, &t, &err) == 0);
    CHECK_EQ_INT(t.n, 6);
    for (size_t i = 0; i < t.n; i++)
        CHECK(t.value[i] == 2620 + 20.0 * (double)i);
    CHECK(t.step == 20 && t.decimals == 0);
    tep_svg_format_tick(&t, t.value[1], label, sizeof label);
    CHECK_STR(label, "2640");

    /* negative to positive, target 5: step 5 */
    CHECK(tep_svg_nice_ticks(-3.7, 12.1, 5, &t, &err) == 0);
    CHECK(t.lo == -5 && t.hi == 15 && t.step == 5);
    /* small decimals come out as their literals */
    CHECK(tep_svg_nice_ticks(0.0031, 0.0079, 5, &t, &err) == 0);
    CHECK(t.step == 0.001 && t.value[0] == 0.003 && t.value[t.n - 1] == 0.008);
    CHECK_EQ_INT(t.decimals, 3);
    /* one value: a range around it; reversed input is accepted */
    CHECK(tep_svg_nice_ticks(50, 50, 5, &t, &err) == 0);
    CHECK(t.lo < 50 && t.hi > 50);
    CHECK(tep_svg_nice_ticks(10, 0, 6, &t, &err) == 0);
    CHECK(t.lo == 0 && t.hi == 10 && t.step == 2);
    CHECK(tep_svg_nice_ticks(0, NAN, 5, &t, &err) == -1 && err.code == TEP_ERR_ARG);
    CHECK(tep_svg_nice_ticks(-1e308, 1e308, 5, &t, &err) == -1 && err.code == TEP_ERR_ARG);

    /* log axis: wide range -> decades, narrow -> 1-2-5 */
    CHECK(tep_svg_log_ticks(0.5, 3000, &t, &err) == 0);
    const double decades[5] = {0.1, 1, 10, 100, 1000};
    CHECK_EQ_INT(t.n, 6);
    for (size_t i = 0; i < 5 && i < t.n; i++)
        CHECK(t.value[i] == decades[i]);
    CHECK(t.value[5] == 10000 && t.log);
    tep_svg_format_tick(&t, 0.1, label, sizeof label);
    CHECK_STR(label, "0.1");
    tep_svg_format_tick(&t, 10000, label, sizeof label);
    CHECK_STR(label, "10000");
    CHECK(tep_svg_log_ticks(3, 40, &t, &err) == 0);
    const double fine[5] = {2, 5, 10, 20, 50};
    CHECK_EQ_INT(t.n, 5);
    for (size_t i = 0; i < 5 && i < t.n; i++)
        CHECK(t.value[i] == fine[i]);
    CHECK(tep_svg_log_ticks(1e-3, 1e12, &t, &err) == 0);
    CHECK(t.n <= 10 && t.lo <= 1e-3 && t.hi >= 1e12);
    CHECK(tep_svg_log_ticks(0, 10, &t, &err) == -1);
}

static void test_format_number(void)
{
    struct {
        double v;
        const char *want;
    } cases[] = {{2705.3, "2705"}, {0.25, "0.25"},        {99.5, "99.5"},
                 {1e-5, "1e-5"},   {1234567, "1.23e6"},   {-0.0001, "-1e-4"},
                 {0, "0"},         {-0.0004999, "-5e-4"}, {9.996, "10"},
                 {120.4, "120"},   {0.00123, "0.00123"},  {NAN, "n/a"},
                 {-0.0, "0"}};
    char out[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tep_svg_format_number(cases[i].v, out, sizeof out);
        CHECK_MSG(strcmp(out, cases[i].want) == 0, "%.17g -> '%s', expected '%s'", cases[i].v, out,
                  cases[i].want);
    }
}

/* xorshift, so the test needs no library random generator */
static double noise(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (double)(*state >> 11) / 9007199254740992.0 - 0.5;
}

static void test_downsample(void)
{
    const size_t n = 1000000, columns = 600;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    size_t cap = tep_svg_downsample_capacity(columns);
    double *ox = malloc(cap * sizeof *ox), *oy = malloc(cap * sizeof *oy);
    double *cmin = malloc(columns * sizeof *cmin), *cmax = malloc(columns * sizeof *cmax);
    if (!x || !y || !ox || !oy || !cmin || !cmax) {
        CHECK(!"out of memory");
        goto done;
    }
    uint64_t state = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)i * 0.001; /* hours */
        y[i] = sin((double)i * 1e-4) + noise(&state);
        if (i % 99991 == 7) y[i] = 40.0 + (double)i * 1e-6; /* spikes must survive */
        if (i >= 500000 && i < 510000) y[i] = NAN;          /* a gap of ~6 columns */
    }
    for (size_t c = 0; c < columns; c++) {
        cmin[c] = INFINITY;
        cmax[c] = -INFINITY;
    }
    for (size_t i = 0; i < n; i++) {
        if (isnan(y[i])) continue;
        size_t c = tep_svg_column_of(x[i], x[0], x[n - 1], columns);
        if (y[i] < cmin[c]) cmin[c] = y[i];
        if (y[i] > cmax[c]) cmax[c] = y[i];
    }
    size_t m = 0;
    struct tep_error err;
    CHECK(tep_svg_downsample(x, y, n, columns, ox, oy, &m, &err) == 0);
    CHECK_MSG(m <= 4 * columns + 2, "%zu points for %zu columns", m, columns);
    CHECK(m > 2 * columns - 20);
    /* a subsequence of the input: x increasing, each (x, y) pair present */
    int subsequence = 1, gaps = 0;
    for (size_t k = 0; k < m; k++) {
        size_t i = (size_t)llround(ox[k] * 1000.0);
        if (i >= n || x[i] != ox[k] || !(isnan(oy[k]) ? isnan(y[i]) : y[i] == oy[k]))
            subsequence = 0;
        if (k > 0 && ox[k] <= ox[k - 1]) subsequence = 0;
        gaps += isnan(oy[k]) != 0;
    }
    CHECK(subsequence);
    CHECK_EQ_INT(gaps, 1);
    /* every column's exact minimum and maximum are kept */
    size_t missing = 0;
    for (size_t c = 0; c < columns; c++) {
        if (isinf(cmin[c])) continue; /* all-NaN column */
        int has_min = 0, has_max = 0;
        for (size_t k = 0; k < m; k++) {
            if (isnan(oy[k]) || tep_svg_column_of(ox[k], x[0], x[n - 1], columns) != c) continue;
            has_min |= oy[k] == cmin[c];
            has_max |= oy[k] == cmax[c];
        }
        missing += !has_min + !has_max;
    }
    CHECK_EQ_INT(missing, 0);
    /* short input comes back whole; decreasing x is refused */
    const double sx[4] = {0, 1, 2, 3}, sy[4] = {5, NAN, 7, 8};
    CHECK(tep_svg_downsample(sx, sy, 4, 100, ox, oy, &m, &err) == 0);
    CHECK_EQ_INT(m, 4);
    CHECK(ox[0] == 0 && isnan(oy[1]) && oy[3] == 8);
    const double bad[3] = {0, 2, 1};
    CHECK(tep_svg_downsample(bad, sy, 3, 10, ox, oy, &m, &err) == -1 && err.code == TEP_ERR_ARG);
done:
    free(x);
    free(y);
    free(ox);
    free(oy);
    free(cmin);
    free(cmax);
}

/* ------------------------------------------------------------------------------------------
 * Charts
 */

static void test_trend(void)
{
    enum { N = 200 };
    double t[N], a[N], b[N];
    for (int i = 0; i < N; i++) {
        t[i] = 0.05 * (i + 1);
        a[i] = 2705 + 10 * sin(i * 0.1);
        b[i] = i == 50 ? NAN : 2633 + 5 * cos(i * 0.1);
    }
    struct tep_svg_series series[2] = {{"pressure <&> \"A\"", -1, a},
                                       {NULL, tep_xmeas_index(13), b}};
    struct tep_svg_trend_spec spec;
    tep_svg_trend_defaults(&spec);
    spec.title = "Trend <&>";
    spec.subtitle = "run 'x' & y";
    spec.time_h = t;
    spec.n = N;
    spec.series = series;
    spec.nseries = 2;
    spec.onset_h = 4.0;
    struct tep_error err;
    for (int overlay = 0; overlay <= 1; overlay++) {
        spec.overlay = overlay;
        char *svg = tep_svg_trend(&spec, &err);
        CHECK(svg != NULL);
        if (!svg) continue;
        CHECK(well_formed(svg, 0));
        CHECK(strstr(svg, "pressure &lt;&amp;&gt; &quot;A&quot;") != NULL);
        CHECK(strstr(svg, "<&>") == NULL);
        CHECK(strstr(svg, "Trend &lt;&amp;&gt;") != NULL);
        CHECK(strstr(svg, "Product separator pressure") != NULL); /* from the catalogue */
        CHECK(strstr(svg, "kPa gauge") != NULL);
        CHECK_EQ_INT(count_of(svg, "class=\"onset\""), overlay ? 1 : 2); /* one per panel */
        CHECK(count_of(svg, "class=\"series\"") == 2);
        CHECK(strstr(svg, "fault onset 4 h") != NULL);
        free(svg);
    }
    /* a million points stay a small SVG */
    const size_t big = 1000000;
    double *bt = malloc(big * sizeof *bt), *by = malloc(big * sizeof *by);
    if (bt && by) {
        uint64_t state = 1234567;
        for (size_t i = 0; i < big; i++) {
            bt[i] = (double)i / 1200.0;
            by[i] = 120.4 + 0.05 * sin((double)i * 1e-4) + 0.01 * noise(&state);
        }
        struct tep_svg_series one = {NULL, tep_xmeas_index(9), by};
        spec.overlay = false;
        spec.series = &one;
        spec.nseries = 1;
        spec.time_h = bt;
        spec.n = big;
        spec.onset_h = 400;
        char *svg = tep_svg_trend(&spec, &err);
        CHECK(svg != NULL);
        if (svg) {
            CHECK_MSG(strlen(svg) < 150000, "1e6-point trend is %zu bytes", strlen(svg));
            CHECK(well_formed(svg, 0));
            CHECK(strstr(svg, "Reactor temperature") && strstr(svg, "\xC2\xB0"
                                                                    "C"));
        }
        free(svg);
    }
    free(bt);
    free(by);
    /* bad specs are refused with a message */
    spec.nseries = 0;
    CHECK(tep_svg_trend(&spec, &err) == NULL && err.code == TEP_ERR_ARG);
}

static void test_control_chart(void)
{
    enum { N = 300 };
    double t[N], stat[N];
    int32_t fault[N];
    const double limit = 10.0;
    size_t expected_alarms = 0;
    uint64_t state = 99;
    for (int i = 0; i < N; i++) {
        t[i] = 0.05 * (i + 1);
        fault[i] = i >= 100 ? 1 : 0;
        double base = i < 100 ? 4.0 : 4.0 + 0.2 * (i - 100);
        stat[i] = base * (1.0 + noise(&state));
        if (i == 10 || i == 40) stat[i] = 25; /* false alarms */
        if (i == 20) stat[i] = limit;         /* on the limit: not an alarm */
        if (i == 130) stat[i] = NAN;          /* unscored */
        if (isfinite(stat[i]) && stat[i] > limit) expected_alarms++;
    }
    struct tep_svg_control_spec spec;
    tep_svg_control_defaults(&spec);
    spec.title = "T\xC2\xB2 of run <idv1>";
    spec.stat_label = "T\xC2\xB2";
    spec.limit_label = "99 % limit";
    spec.time_h = t;
    spec.stat = stat;
    spec.n = N;
    spec.limit = limit;
    spec.fault = fault;
    struct tep_error err;
    for (int log_scale = 0; log_scale <= 1; log_scale++) {
        spec.log_scale = log_scale;
        char *svg = tep_svg_control_chart(&spec, &err);
        CHECK(svg != NULL);
        if (!svg) continue;
        CHECK(well_formed(svg, 0));
        CHECK_EQ_INT(count_of(svg, "class=\"alarm\""), expected_alarms);
        CHECK_EQ_INT(count_of(svg, "class=\"limit\""), 1);
        CHECK_EQ_INT(count_of(svg, "class=\"onset\""), 1);
        CHECK_EQ_INT(count_of(svg, "class=\"detection\""), 1);
        CHECK(strstr(svg, "run &lt;idv1&gt;") != NULL);
        CHECK(strstr(svg, "alarms before onset: 2 of 100 (2 %)") != NULL);
        free(svg);
    }
    /* detection by the metrics' definition: k = 3 consecutive alarms */
    struct tep_detection d;
    CHECK(tep_metrics_from_stat(stat, limit, fault, N, 3, &d, &err) == 0);
    spec.consecutive = 3;
    char *svg = tep_svg_control_chart(&spec, &err);
    char want[64], number[32];
    tep_svg_format_number(t[d.onset + d.delay], number, sizeof number);
    snprintf(want, sizeof want, "detected %s h", number);
    CHECK(svg && strstr(svg, want) != NULL);
    free(svg);
    /* too many alarms for markers: at most one per pixel column */
    spec.max_alarm_markers = 5;
    spec.width = 400;
    svg = tep_svg_control_chart(&spec, &err);
    CHECK(svg != NULL);
    if (svg) {
        size_t markers = count_of(svg, "class=\"alarm\"");
        CHECK(markers > 5 && markers <= 400 && markers <= expected_alarms);
    }
    free(svg);
    /* onset from a time instead of labels, no faults, a normal run */
    spec.fault = NULL;
    spec.onset_h = NAN;
    spec.max_alarm_markers = 0;
    svg = tep_svg_control_chart(&spec, &err);
    CHECK(svg && count_of(svg, "class=\"detection\"") == 0 &&
          count_of(svg, "class=\"onset\"") == 0);
    free(svg);
    spec.limit = -1;
    CHECK(tep_svg_control_chart(&spec, &err) == NULL && err.code == TEP_ERR_ARG);
}

static void test_contributions(void)
{
    double value[TEP_N_VARS];
    for (int v = 0; v < TEP_N_VARS; v++)
        value[v] = 0.01 * v;
    value[tep_xmv_index(3)] = 30;
    value[tep_xmeas_index(1)] = 20;
    value[tep_xmeas_index(4)] = NAN;
    struct tep_svg_contrib_spec spec = {0};
    spec.title = "Q contributions";
    spec.value_label = "contribution to Q";
    spec.value = value;
    spec.nvars = TEP_N_VARS;
    spec.top_n = 5;
    struct tep_error err;
    char *svg = tep_svg_contributions(&spec, &err);
    CHECK(svg != NULL);
    if (svg) {
        CHECK(well_formed(svg, 0));
        CHECK_EQ_INT(count_of(svg, "class=\"bar\""), 5);
        const char *first = strstr(svg, "XMV(3)"), *second = strstr(svg, "XMEAS(1)");
        CHECK(first && second && first < second); /* ranked */
        CHECK(strstr(svg, "A feed (stream 1)") != NULL);
    }
    free(svg);
    /* names outside the catalogue are escaped */
    const char *names[3] = {"x<&>", "xmeas_9", "y"};
    double three[3] = {1, 3, 2};
    spec.names = names;
    spec.value = three;
    spec.nvars = 3;
    spec.top_n = 0;
    svg = tep_svg_contributions(&spec, &err);
    CHECK(svg && well_formed(svg, 0) && strstr(svg, "x&lt;&amp;&gt;") && !strstr(svg, "x<&>"));
    CHECK(svg && count_of(svg, "class=\"bar\"") == 3);
    free(svg);
    spec.names = NULL;
    CHECK(tep_svg_contributions(&spec, &err) == NULL && err.code == TEP_ERR_ARG);
}

static void test_detection_table(void)
{
    struct tep_svg_detection_row rows[2] = {
        {"run <1>", 1, {0.99, 0.01, 21}, {1.0, 0.05, 6}, true, {0.99, 0.031, 21}, {1.0, 0.069, 6}},
        {"normal", 0, {NAN, 0.02, NAN}, {NAN, 0.2, NAN}, false, {0, 0, 0}, {0, 0, 0}},
    };
    rows[0].t2.fdr = 0.80;    /* 19 points below the published 99 %: differs */
    rows[0].q.delay_min = -1; /* never detected while published says 6 min */
    struct tep_svg_table_spec spec = {0};
    spec.rows = rows;
    spec.nrows = 2;
    spec.caption = "Rates & delays";
    spec.published_source = "Xiao <2023>";
    struct tep_error err;
    char *html = tep_svg_detection_table(&spec, &err);
    CHECK(html != NULL);
    if (html) {
        CHECK(well_formed(html, 1));
        CHECK(strstr(html, "run &lt;1&gt;") && strstr(html, "Xiao &lt;2023&gt;"));
        CHECK_EQ_INT(count_of(html, "<tr>"), 4); /* 2 header rows, 2 rows */
        CHECK(strstr(html, "80.0 %") && strstr(html, "never"));
        CHECK(count_of(html, "agree-3") == 2); /* T2 FDR, Q delay */
        CHECK(count_of(html, "agree-1") == 4); /* T2 FAR, T2 delay, Q FDR, Q FAR (5 vs 6.9) */
        CHECK(strstr(html, "A/C feed ratio") != NULL);
    }
    free(html);
}

/* ------------------------------------------------------------------------------------------
 * Report
 */

/* Things a self-contained report must never contain. */
static void check_self_contained(const char *html)
{
    CHECK(strstr(html, "http://") == NULL);
    CHECK(strstr(html, "https://") == NULL);
    CHECK(strstr(html, "src=") == NULL);
    CHECK(strstr(html, "<script") == NULL);
    CHECK(count_of(html, "url(") == count_of(html, "url(#")); /* local references only */
    CHECK(strstr(html, "@import") == NULL);
    CHECK(strstr(html, "<link") == NULL);
    CHECK(strstr(html, "<img") == NULL);
}

static void test_report(void)
{
    struct tep_error err;
    struct tep_report_info info = {"Report <&>", "sub \"title\"", NULL, "Paper & co"};
    struct tep_report *r = tep_report_new(&info, &err);
    CHECK(r != NULL);
    if (!r) return;
    struct tep_report_run run;
    tep_report_run_init(&run);
    run.run_id = "run<1>";
    run.role = "test";
    run.source = "file 'd01_te.dat' & more";
    run.lineage = "simulate -> prep";
    run.rows = 960;
    run.hours = 48;
    run.interval_s = 180;
    run.fault = 1;
    run.onset_h = 8;
    run.shutdown_h = 13.93;
    run.shutdown_reason = "high reactor pressure";
    CHECK(tep_report_add_run(r, &run, &err) == 0);
    char value[32];
    for (int c = 0; c < 30; c++) { /* > 20 rows: flagged table + details */
        snprintf(value, sizeof value, "%d", c);
        struct tep_report_quality q = {"run<1>", tep_catalog[c].name, "missing", value,
                                       c == 5 ? TEP_REPORT_BAD : TEP_REPORT_OK};
        CHECK(tep_report_add_quality(r, &q, &err) == 0);
        q.metric = "out of range <n>";
        q.level = c == 7 ? TEP_REPORT_WARN : TEP_REPORT_OK;
        CHECK(tep_report_add_quality(r, &q, &err) == 0);
    }
    struct tep_report_quality whole = {"run<1>", NULL, "missing", "0 & none", TEP_REPORT_NOTE};
    CHECK(tep_report_add_quality(r, &whole, &err) == 0);
    CHECK(tep_report_add_fact(r, "model", "PCA <9 PCs>", &err) == 0);

    double t[50], s[50];
    for (int i = 0; i < 50; i++) {
        t[i] = 0.05 * i;
        s[i] = i > 30 ? 20.0 + i : 1.0 + (i % 3);
    }
    struct tep_svg_control_spec cs;
    tep_svg_control_defaults(&cs);
    cs.title = "Q";
    cs.time_h = t;
    cs.stat = s;
    cs.n = 50;
    cs.limit = 10;
    cs.onset_h = 1.5;
    cs.log_scale = true;
    char *svg = tep_svg_control_chart(&cs, &err);
    CHECK(svg != NULL);
    CHECK(tep_report_add_figure(r, TEP_REPORT_MONITORING, svg, "caption <b>", &err) == 0);
    free(svg);
    struct tep_svg_detection_row row = {"run<1>", 1,         {0.9, 0.01, 6}, {1, 0.02, 3},
                                        false,    {0, 0, 0}, {0, 0, 0}};
    CHECK(tep_report_add_detection(r, &row, &err) == 0);

    /* figures that could load or run something are refused */
    const char *bad[] = {
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><image href=\"http://x/a.png\"/></svg>",
        "<svg onload=\"alert(1)\"></svg>",
        "<svg><rect style=\"fill:url(http://x/p.svg#a)\"/></svg>",
        "<svg><script>alert(1)</script></svg>",
        "<svg><a xlink:href=\"#x\">x</a></svg>",
        "<svg><style>@import 'x.css';</style></svg>",
        "<div>not svg</div>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(tep_report_add_figure(r, TEP_REPORT_TRENDS, bad[i], NULL, &err) == -1 &&
                      err.code == TEP_ERR_ARG,
                  "figure %zu accepted", i);
    CHECK(
        tep_report_add_figure(r, TEP_REPORT_TRENDS,
                              "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
                              "width=\"10\"><rect fill=\"url(#g)\"/></svg>",
                              NULL, &err) == 0);

    char *html = tep_report_html(r, &err);
    CHECK(html != NULL);
    if (html) {
        check_self_contained(html);
        CHECK(well_formed(html, 1));
        CHECK(strstr(html, "Report &lt;&amp;&gt;") && strstr(html, "run&lt;1&gt;"));
        CHECK(strstr(html, "file &#39;d01_te.dat&#39; &amp; more"));
        CHECK(strstr(html, "caption &lt;b&gt;") && strstr(html, "PCA &lt;9 PCs&gt;"));
        CHECK(strstr(html, "out of range &lt;n&gt;") && !strstr(html, "<n>"));
        CHECK(strstr(html, "high reactor pressure") != NULL);
        CHECK(strstr(html, "<details>") != NULL);
        const char *sections[] = {">Run summary</h2>", ">Data quality</h2>", ">Process trends</h2>",
                                  ">Monitoring charts</h2>", ">Detection performance</h2>"};
        for (size_t i = 0; i < 5; i++)
            CHECK_MSG(strstr(html, sections[i]), "%s", sections[i]);
        CHECK(strstr(html, ">Variable contributions</h2>") == NULL); /* no such figure */
        CHECK_EQ_INT(count_of(html, "<svg"), 2);
        CHECK(strstr(html, "xmlns") == NULL);
        CHECK(strstr(html, "<?xml") == NULL);
    }
    free(html);

    /* written through a temporary file; nothing left behind; a bad path is an I/O error */
    const char *dir = tep_test_tmpdir("viz_report");
    char path[1200], listing[1300];
    snprintf(path, sizeof path, "%s/report.html", dir);
    CHECK(tep_report_write(r, path, &err) == 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size > 1000);
    snprintf(listing, sizeof listing, "ls -A '%s' | grep -q tmp-", dir);
    CHECK(system(listing) != 0);
    snprintf(path, sizeof path, "%s/missing-dir/report.html", dir);
    CHECK(tep_report_write(r, path, &err) == -1 && err.code == TEP_ERR_IO);
    tep_report_free(r);

    /* an empty report is still a valid page */
    r = tep_report_new(NULL, &err);
    html = r ? tep_report_html(r, &err) : NULL;
    CHECK(html && well_formed(html, 1) && strstr(html, "No runs were given."));
    CHECK(html && strstr(html, "<title>TEP process monitoring report</title>"));
    if (html) check_self_contained(html);
    free(html);
    tep_report_free(r);
}

/* ------------------------------------------------------------------------------------------
 * A report from a real simulation (also the driver of cli_report_chromium.sh)
 */

#define NV 52 /* XMEAS 1..41, XMV 1..11 (XMV 12, the agitator, is constant) */

struct sim_run {
    size_t n;
    double *time_h;
    int32_t *fault;
    double *x; /* n x TEP_N_VARS, catalogue order */
    double shutdown_h;
    const char *shutdown_reason;
};

static void sim_run_free(struct sim_run *run)
{
    free(run->time_h);
    free(run->fault);
    free(run->x);
    memset(run, 0, sizeof *run);
}

static int simulate(double hours, double seed, int idv, double onset_h, struct sim_run *run,
                    struct tep_error *err)
{
    struct tep_sim_options opt;
    struct tep_sim *sim = NULL;
    memset(run, 0, sizeof *run);
    run->shutdown_h = NAN;
    tep_sim_options_default(&opt);
    opt.hours = hours;
    opt.seed = seed;
    if (idv > 0) opt.fault_onset_h[idv - 1] = onset_h;
    size_t cap = (size_t)(hours * 3600 / opt.interval_s) + 1;
    run->time_h = malloc(cap * sizeof *run->time_h);
    run->fault = malloc(cap * sizeof *run->fault);
    run->x = malloc(cap * TEP_N_VARS * sizeof *run->x);
    if (!run->time_h || !run->fault || !run->x) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    sim = tep_sim_new(&opt, err);
    if (!sim) goto fail;
    struct tep_sample s;
    while (run->n < cap && tep_sim_next_sample(sim, &s) == 1) {
        run->time_h[run->n] = s.time_h;
        run->fault[run->n] = s.fault;
        memcpy(run->x + run->n * TEP_N_VARS, s.xmeas, sizeof s.xmeas);
        memcpy(run->x + run->n * TEP_N_VARS + TEP_N_XMEAS, s.xmv, sizeof s.xmv);
        run->n++;
    }
    if (sim->shutdown_step > 0) {
        run->shutdown_h = sim->shutdown_time_h;
        run->shutdown_reason = tep_shutdown_reason_text(sim->shutdown_reason);
    }
    tep_sim_free(sim);
    return 0;
fail:
    tep_sim_free(sim);
    sim_run_free(run);
    return -1;
}

/* The 52 monitored variables of a run, n x NV row-major (caller frees). */
static double *monitored(const struct sim_run *run)
{
    double *x = malloc(run->n * NV * sizeof *x);
    if (!x) return NULL;
    for (size_t i = 0; i < run->n; i++)
        memcpy(x + i * NV, run->x + i * TEP_N_VARS, NV * sizeof *x);
    return x;
}

/* Data-quality metrics of one run: whole-run rows, then per column. */
static int add_quality(struct tep_report *r, const char *run_id, const struct sim_run *run,
                       struct tep_error *err)
{
    char value[64];
    struct tep_report_quality q = {run_id, NULL, "rows", value, TEP_REPORT_OK};
    snprintf(value, sizeof value, "%zu", run->n);
    if (tep_report_add_quality(r, &q, err) != 0) return -1;
    for (int v = 0; v < TEP_N_VARS; v++) {
        const struct tep_var_info *info = &tep_catalog[v];
        double lo = INFINITY, hi = -INFINITY, sum = 0, sum2 = 0;
        size_t missing = 0, outside = 0;
        for (size_t i = 0; i < run->n; i++) {
            double x = run->x[i * TEP_N_VARS + v];
            if (isnan(x)) {
                missing++;
                continue;
            }
            lo = fmin(lo, x);
            hi = fmax(hi, x);
            sum += x;
            sum2 += x * x;
            outside += x < info->range_lo || x > info->range_hi;
        }
        size_t k = run->n - missing;
        double mean = k ? sum / (double)k : NAN;
        double sd = k > 1 ? sqrt(fmax(0.0, (sum2 - sum * mean) / (double)(k - 1))) : NAN;
        q.column = info->name;
        q.metric = "missing";
        snprintf(value, sizeof value, "%zu", missing);
        q.level = missing ? TEP_REPORT_WARN : TEP_REPORT_OK;
        if (tep_report_add_quality(r, &q, err) != 0) return -1;
        q.metric = "out of range";
        snprintf(value, sizeof value, "%zu", outside);
        q.level = outside ? TEP_REPORT_WARN : TEP_REPORT_OK;
        if (tep_report_add_quality(r, &q, err) != 0) return -1;
        const char *names[4] = {"min", "max", "mean", "std"};
        double values[4] = {lo, hi, mean, sd};
        for (int m = 0; m < 4; m++) {
            q.metric = names[m];
            snprintf(value, sizeof value, "%.6g", values[m]);
            q.level = m == 3 && sd == 0.0 ? TEP_REPORT_NOTE : TEP_REPORT_OK;
            if (tep_report_add_quality(r, &q, err) != 0) return -1;
        }
    }
    return 0;
}

/* Published PCA rates of one fault (Xiao, Kordon & Sen 2023, tests/data/published). */
static bool published_rates(int fault, struct tep_svg_rates *t2, struct tep_svg_rates *q)
{
    const char *path = tep_data_path("published/pca_xiao_kordon_sen_2023.csv");
    FILE *f = fopen(path, "r");
    char line[512];
    bool found = false;
    if (!f) return false;
    while (!found && fgets(line, sizeof line, f)) {
        int k;
        double v[9];
        if (sscanf(line, "%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &k, &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7], &v[8]) == 10 &&
            k == fault) {
            *t2 = (struct tep_svg_rates){v[0] / 100, v[3] / 100, v[6]};
            *q = (struct tep_svg_rates){v[1] / 100, v[4] / 100, v[7]};
            found = true;
        }
    }
    fclose(f);
    return found;
}

/* Detection rates of one statistic as the table wants them. */
static struct tep_svg_rates rates_of(const struct tep_detection *d, double interval_min)
{
    struct tep_svg_rates r = {d->fdr, d->far, NAN};
    if (d->onset >= 0) r.delay_min = d->delay >= 0 ? (double)d->delay * interval_min : -1.0;
    return r;
}

/* Index of the largest value. */
static size_t argmax(const double *v, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

static int build_sim_report(const char *path, struct tep_error *err)
{
    struct sim_run train = {0}, normal = {0}, faulty = {0};
    struct tep_pca_model *model = NULL;
    struct tep_report *r = NULL;
    double *xtrain = NULL, *xtest = NULL, *xnormal = NULL, *stats = NULL;
    char *svg = NULL;
    int rc = -1;
    const double onset_h = 4.0, interval_min = 3.0;
    if (simulate(25.0, 4651207995.0, 0, 0, &train, err) != 0 ||
        simulate(12.0, 1431655765.0, 0, 0, &normal, err) != 0 ||
        simulate(12.0, 2863311530.0, 1, onset_h, &faulty, err) != 0)
        goto done;
    xtrain = monitored(&train);
    xtest = monitored(&faulty);
    xnormal = monitored(&normal);
    stats = malloc((2 * faulty.n + 2 * normal.n) * sizeof *stats);
    if (!xtrain || !xtest || !xnormal || !stats) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto done;
    }
    double *t2 = stats, *q = t2 + faulty.n, *t2n = q + faulty.n, *qn = t2n + normal.n;
    const char *names[NV];
    for (int v = 0; v < NV; v++)
        names[v] = tep_catalog[v].name;
    struct tep_pca_options opt;
    tep_pca_options_default(&opt);
    opt.var_names = names;
    if (tep_pca_fit(xtrain, train.n, NV, &opt, &model, err) != 0) goto done;
    if (tep_pca_score(model, xtest, faulty.n, t2, q, err) != 0 ||
        tep_pca_score(model, xnormal, normal.n, t2n, qn, err) != 0)
        goto done;
    struct tep_detection dt2, dq, nt2, nq;
    if (tep_metrics_from_stat(t2, model->t2_limit, faulty.fault, faulty.n, 1, &dt2, err) != 0 ||
        tep_metrics_from_stat(q, model->q_limit, faulty.fault, faulty.n, 1, &dq, err) != 0 ||
        tep_metrics_from_stat(t2n, model->t2_limit, normal.fault, normal.n, 1, &nt2, err) != 0 ||
        tep_metrics_from_stat(qn, model->q_limit, normal.fault, normal.n, 1, &nq, err) != 0)
        goto done;

    struct tep_report_info info = {
        "TEP process monitoring report",
        "IDV(1) A/C feed ratio step at 4 h, monitored with PCA trained on normal operation", NULL,
        "Xiao, Kordon & Sen (2023), PCA on the Braatz data: 48 h runs, fault from 8 h"};
    r = tep_report_new(&info, err);
    if (!r) goto done;
    char model_text[256], number[2][32];
    tep_svg_format_number(model->t2_limit, number[0], sizeof number[0]);
    tep_svg_format_number(model->q_limit, number[1], sizeof number[1]);
    snprintf(model_text, sizeof model_text,
             "PCA on %d variables (XMEAS 1-41, XMV 1-11), %zu components, %g %% limits: "
             "T\xC2\xB2 %s, Q %s",
             NV, model->ncomp, 100 * model->confidence, number[0], number[1]);
    if (tep_report_add_fact(r, "Monitoring model", model_text, err) != 0 ||
        tep_report_add_fact(r, "Training data", "normal-25h: 500 samples of normal operation",
                            err) != 0 ||
        tep_report_add_fact(r, "Alarm rule",
                            "a sample is in alarm when its statistic exceeds the limit; the "
                            "delay counts from the first faulty sample to the first alarm",
                            err) != 0)
        goto done;

    const struct {
        const char *id, *role, *source;
        const struct sim_run *run;
        double hours;
        int fault;
    } runs[3] = {
        {"normal-25h", "training (normal)", "tep simulator, seed 4651207995", &train, 25, 0},
        {"normal-12h", "validation (normal)", "tep simulator, seed 1431655765", &normal, 12, 0},
        {"idv1-12h", "test (fault)", "tep simulator, seed 2863311530, IDV(1) from 4 h", &faulty, 12,
         1},
    };
    for (int k = 0; k < 3; k++) {
        struct tep_report_run run;
        tep_report_run_init(&run);
        run.run_id = runs[k].id;
        run.role = runs[k].role;
        run.source = runs[k].source;
        run.lineage = "simulated in memory, not preprocessed";
        run.rows = runs[k].run->n;
        run.hours = runs[k].hours;
        run.interval_s = 180;
        run.fault = runs[k].fault;
        run.onset_h = runs[k].fault ? onset_h : NAN;
        run.shutdown_h = runs[k].run->shutdown_h;
        run.shutdown_reason = runs[k].run->shutdown_reason;
        if (tep_report_add_run(r, &run, err) != 0) goto done;
    }
    if (add_quality(r, "normal-25h", &train, err) != 0 ||
        add_quality(r, "idv1-12h", &faulty, err) != 0)
        goto done;

    /* detection rows and cards */
    struct tep_svg_detection_row rows[2];
    memset(rows, 0, sizeof rows);
    rows[0].label = "idv1-12h";
    rows[0].fault = 1;
    rows[0].t2 = rates_of(&dt2, interval_min);
    rows[0].q = rates_of(&dq, interval_min);
    rows[0].has_published = published_rates(1, &rows[0].published_t2, &rows[0].published_q);
    rows[1].label = "normal-12h";
    rows[1].fault = 0;
    rows[1].t2 = rates_of(&nt2, interval_min);
    rows[1].q = rates_of(&nq, interval_min);
    for (int k = 0; k < 2; k++)
        if (tep_report_add_detection(r, &rows[k], err) != 0) goto done;

    /* control charts of the faulty run, then the normal one */
    struct tep_svg_control_spec cs;
    tep_svg_control_defaults(&cs);
    cs.time_h = faulty.time_h;
    cs.n = faulty.n;
    cs.fault = faulty.fault;
    cs.onset_h = onset_h;
    cs.log_scale = true;
    cs.limit_label = "99 % control limit";
    const struct {
        const char *title, *label;
        const double *stat;
        double limit;
    } charts[2] = {
        {"Hotelling T\xC2\xB2 \xE2\x80\x94 run idv1-12h", "T\xC2\xB2", t2, model->t2_limit},
        {"Q (squared prediction error) \xE2\x80\x94 run idv1-12h", "Q (SPE)", q, model->q_limit}};
    for (int k = 0; k < 2; k++) {
        cs.title = charts[k].title;
        cs.stat_label = charts[k].label;
        cs.stat = charts[k].stat;
        cs.limit = charts[k].limit;
        svg = tep_svg_control_chart(&cs, err);
        if (!svg || tep_report_add_figure(r, TEP_REPORT_MONITORING, svg, NULL, err) != 0) goto done;
        free(svg);
        svg = NULL;
    }
    tep_svg_control_defaults(&cs);
    cs.title = "Q (squared prediction error) \xE2\x80\x94 run normal-12h (no fault)";
    cs.stat_label = "Q (SPE)";
    cs.limit_label = "99 % control limit";
    cs.time_h = normal.time_h;
    cs.stat = qn;
    cs.n = normal.n;
    cs.limit = model->q_limit;
    cs.log_scale = true;
    cs.height = 160;
    svg = tep_svg_control_chart(&cs, err);
    if (!svg ||
        tep_report_add_figure(r, TEP_REPORT_MONITORING, svg,
                              "A normal run scored with the same model: the alarms here are "
                              "false alarms, expected at about 1 % of samples.",
                              err) != 0)
        goto done;
    free(svg);
    svg = NULL;

    /* contributions at the first detection (the earlier of T2 and Q) */
    long det = dq.delay >= 0 && (dt2.delay < 0 || dq.delay <= dt2.delay) ? dq.delay : dt2.delay;
    size_t row = (size_t)(dt2.onset + (det >= 0 ? det : 0));
    struct tep_pca_contrib t2c[NV], qc[NV];
    if (tep_pca_contributions(model, xtest, faulty.n, row, t2c, qc, NULL, NULL, err) != 0)
        goto done;
    double t2v[NV], qv[NV], both[NV];
    for (int v = 0; v < NV; v++) {
        t2v[t2c[v].var] = t2c[v].value;
        qv[qc[v].var] = qc[v].value;
    }
    char subtitle[160];
    tep_svg_format_number(faulty.time_h[row], number[0], sizeof number[0]);
    snprintf(subtitle, sizeof subtitle, "run idv1-12h, sample %zu at %s h (first detection)",
             row + 1, number[0]);
    struct tep_svg_contrib_spec ct = {0};
    ct.names = names;
    ct.nvars = NV;
    ct.top_n = 10;
    ct.subtitle = subtitle;
    ct.title = "Contributions to Q";
    ct.value_label = "contribution to Q (squared residual, standardised units)";
    ct.value = qv;
    svg = tep_svg_contributions(&ct, err);
    if (!svg || tep_report_add_figure(r, TEP_REPORT_CONTRIBUTIONS, svg, NULL, err) != 0) goto done;
    free(svg);
    ct.title = "Contributions to T\xC2\xB2";
    ct.value_label = "contribution to T\xC2\xB2 (Alcala & Qin decomposition)";
    ct.value = t2v;
    svg = tep_svg_contributions(&ct, err);
    if (!svg || tep_report_add_figure(r, TEP_REPORT_CONTRIBUTIONS, svg, NULL, err) != 0) goto done;
    free(svg);
    svg = NULL;

    /* trends: the four largest contributors overall, then the two pressures overlaid */
    for (int v = 0; v < NV; v++)
        both[v] = t2v[v] / fmax(model->t2_limit, 1e-12) + qv[v] / fmax(model->q_limit, 1e-12);
    struct tep_svg_series series[4];
    double *columns = malloc(4 * faulty.n * sizeof *columns);
    if (!columns) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int k = 0; k < 4; k++) {
        size_t v = argmax(both, NV);
        both[v] = -INFINITY;
        for (size_t i = 0; i < faulty.n; i++)
            columns[k * faulty.n + i] = faulty.x[i * TEP_N_VARS + v];
        series[k] = (struct tep_svg_series){NULL, (int)v, columns + k * faulty.n};
    }
    struct tep_svg_trend_spec ts;
    tep_svg_trend_defaults(&ts);
    ts.title = "Largest contributors at the first detection \xE2\x80\x94 run idv1-12h";
    ts.subtitle = "one panel per variable, shared time axis";
    ts.time_h = faulty.time_h;
    ts.n = faulty.n;
    ts.series = series;
    ts.nseries = 4;
    ts.onset_h = onset_h;
    ts.onset_label = "IDV(1) onset";
    ts.shutdown_h = faulty.shutdown_h;
    svg = tep_svg_trend(&ts, err);
    if (!svg || tep_report_add_figure(r, TEP_REPORT_TRENDS, svg, NULL, err) != 0) {
        free(columns);
        goto done;
    }
    free(svg);
    for (int k = 0; k < 2; k++) {
        int v = k == 0 ? tep_xmeas_index(7) : tep_xmeas_index(13);
        for (size_t i = 0; i < faulty.n; i++)
            columns[k * faulty.n + i] = faulty.x[i * TEP_N_VARS + v];
        series[k] = (struct tep_svg_series){NULL, v, columns + k * faulty.n};
    }
    ts.title = "Reactor and separator pressure \xE2\x80\x94 run idv1-12h";
    ts.subtitle = NULL;
    ts.nseries = 2;
    ts.overlay = true;
    ts.panel_height = 200;
    svg = tep_svg_trend(&ts, err);
    free(columns);
    if (!svg || tep_report_add_figure(r, TEP_REPORT_TRENDS, svg, NULL, err) != 0) goto done;
    free(svg);
    svg = NULL;
    rc = tep_report_write(r, path, err);
done:
    free(svg);
    tep_report_free(r);
    tep_pca_model_free(model);
    free(xtrain);
    free(xtest);
    free(xnormal);
    free(stats);
    sim_run_free(&train);
    sim_run_free(&normal);
    sim_run_free(&faulty);
    return rc;
}

static void test_sim_report(void)
{
    const char *dir = tep_test_tmpdir("viz_sim_report");
    char path[1200];
    snprintf(path, sizeof path, "%s/report.html", dir);
    struct tep_error err;
    tep_error_clear(&err);
    int rc = build_sim_report(path, &err);
    CHECK_MSG(rc == 0, "%s", err.message);
    if (rc != 0) return;
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f) return;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    CHECK_MSG(size > 0, "report is %ld bytes", size);
    char *html = size > 0 ? malloc((size_t)size + 1) : NULL;
    size_t got = html ? fread(html, 1, (size_t)size, f) : 0;
    fclose(f);
    CHECK_MSG(html != NULL && got == (size_t)size, "read %zu of %ld bytes of %s", got, size, path);
    if (!html || got != (size_t)size) goto done;
    html[size] = '\0';
    check_self_contained(html);
    CHECK(well_formed(html, 1));
    CHECK_EQ_INT(count_of(html, "<svg"), 7);
    CHECK(count_of(html, "class=\"alarm\"") > 100);
    CHECK(strstr(html, ">Variable contributions</h2>") != NULL);
    /* IDV(1)'s row carries Xiao et al.'s six published rates (tests/data/published) */
    CHECK_EQ_INT(count_of(html, "pub. "), 6);
    CHECK(strstr(html, "pub. 99.0 %") && strstr(html, "pub. 3.1 %") && strstr(html, "pub. 21 min"));
    CHECK_MSG(size < 600000, "report is %ld bytes", size);
done:
    free(html);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "write-report") == 0) {
        struct tep_error err;
        tep_error_clear(&err);
        if (build_sim_report(argv[2], &err) != 0) {
            char msg[2048];
            fprintf(stderr, "test_viz: %s\n", tep_error_format(&err, msg, sizeof msg));
            return 1;
        }
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "usage: test_viz [write-report PATH]\n");
        return 2;
    }
    RUN(test_escape);
    RUN(test_nice_ticks);
    RUN(test_format_number);
    RUN(test_downsample);
    RUN(test_trend);
    RUN(test_control_chart);
    RUN(test_contributions);
    RUN(test_detection_table);
    RUN(test_report);
    RUN(test_sim_report);
    CHECK_DONE();
}
