/* cmd_analyze.c - `tep analyze` and `tep report`: the command line of the analysis job
 * (pipeline/analysis_job.h), which does the work: fault detection with PCA / dynamic PCA on
 * files or runs of a store, JSON results and the HTML report. Here: the options, and the
 * table printed between scoring and writing (also for `tep run`'s analysis: section). */
#include "cli/cmd_analyze.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"

/* "12.3%", or "-" when the rate is undefined (no faulty / no normal samples). */
static const char *rate_text(double fraction, char *buf, size_t n)
{
    if (isnan(fraction))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.1f%%", 100.0 * fraction);
    return buf;
}

static void print_table(FILE *out, const struct tep_analysis_dataset *tests,
                        const struct tep_monitor_scores *sc, size_t ntests, double interval_min,
                        const struct tep_analysis_published *pub)
{
    int width = 14;
    for (size_t i = 0; i < ntests; i++)
        if ((int)strlen(tests[i].label) > width) width = (int)strlen(tests[i].label);
    fprintf(out, "%-*s %5s | %7s %7s | %7s %7s | %9s %9s", width, "test", "fault", "FDR T2", "FDR Q",
           "FAR T2", "FAR Q", "delay T2", "delay Q");
    if (pub) fprintf(out, " | published: FDR T2  FDR Q  FAR T2  FAR Q");
    fprintf(out, "\n");
    for (size_t i = 0; i < ntests; i++) {
        const struct tep_monitor_scores *s = &sc[i];
        char dt2[32] = "-", dq[32] = "-";
        if (s->d_t2.delay >= 0) snprintf(dt2, sizeof dt2, "%.0f min", s->d_t2.delay * interval_min);
        if (s->d_q.delay >= 0) snprintf(dq, sizeof dq, "%.0f min", s->d_q.delay * interval_min);
        char r[4][16];
        fprintf(out, "%-*s %5d | %7s %7s | %7s %7s | %9s %9s", width, tests[i].label, tests[i].fault,
               rate_text(s->d_t2.fdr, r[0], 16), rate_text(s->d_q.fdr, r[1], 16),
               rate_text(s->d_t2.far, r[2], 16), rate_text(s->d_q.far, r[3], 16), dt2, dq);
        if (pub && tests[i].fault > 0 && tests[i].fault < TEP_ANALYSIS_PUBLISHED_MAX &&
            pub[tests[i].fault].present) {
            const struct tep_analysis_published *p = &pub[tests[i].fault];
            fprintf(out, " |             %5.1f  %5.1f  %5.1f  %5.1f", p->fdr_t2, p->fdr_q, p->far_t2,
                   p->far_q);
        }
        fprintf(out, "\n");
    }
}

static void print_results(FILE *out, const struct tep_analysis_result *res)
{
    const struct tep_pca_model *model = res->model;
    fprintf(out,
            "model: %s, %zu variables, %zu lags, %zu components, %.0f %% limits: T2 %.6g, Q %.6g "
            "(trained on %zu normal samples)\n",
            res->method, model->nvars, model->lags, model->ncomp, 100 * model->confidence,
            model->t2_limit, model->q_limit, model->ntrain);
    print_table(out, res->tests, res->scores, res->ntests, res->interval_min,
                res->has_published ? res->published : NULL);
}

int tep_cli_analysis(const char *cmd, const struct tep_analysis_job *job)
{
    /* "-" is standard output (tep_atomic_open); then the table goes to stderr */
    int to_stdout = (job->json_out && strcmp(job->json_out, "-") == 0) +
                    (job->report_out && strcmp(job->report_out, "-") == 0) +
                    (job->model_out && strcmp(job->model_out, "-") == 0);
    if (to_stdout > 1) {
        fprintf(stderr,
                "tep %s: only one of --json, --report/--out and --model-out may be '-' "
                "(standard output)\n",
                cmd);
        return 2;
    }
    if (!job->store_defaults && !job->train && !job->model_in) {
        fprintf(stderr, "tep %s: --train FILE|RUN (or --model FILE) is required\n", cmd);
        return 2;
    }
    if (!job->store_defaults && job->ntests == 0) {
        fprintf(stderr, "tep %s: at least one --test FILE|RUN is required\n", cmd);
        return 2;
    }
    FILE *table_out = to_stdout ? stderr : stdout;
    struct tep_analysis_result res;
    struct tep_error err;
    tep_error_clear(&err);
    int rc = 0;
    if (tep_analysis_job_score(job, &res, &err) != 0) goto fail;
    print_results(table_out, &res);
    if (tep_analysis_job_write(job, &res, &err) != 0) goto fail;
    if (job->report_out && strcmp(job->report_out, "-") != 0)
        fprintf(stderr, "tep %s: report written to %s\n", cmd, job->report_out);
    if (job->json_out && strcmp(job->json_out, "-") != 0)
        fprintf(stderr, "tep %s: results written to %s\n", cmd, job->json_out);
    goto done;
fail:
    tep_cli_report(cmd, &err);
    rc = err.code == TEP_ERR_ARG ? 2 : 1;
done:
    tep_analysis_result_free(&res);
    return rc;
}

static void analyze_usage(FILE *out, const char *cmd)
{
    if (strcmp(cmd, "report") == 0)
        fputs("usage: tep report [--store data/tep.db|postgresql://...|pg:CONNINFO] [--train RUN]\n"
              "                  [--out report.html] [options]\n"
              "An HTML report of the runs in the store (SQLite or PostgreSQL): run summary,\n"
              "data-quality metrics, PCA control charts, contributions and the detection table.\n"
              "Trains on --train or the first normal run (fault 0), tests every run. Takes the\n"
              "options of analyze.\n",
              out);
    else
        fputs("usage: tep analyze --train FILE|RUN --test FILE|RUN... [options]\n"
              "Fault detection with PCA / dynamic PCA: fit on normal operation, score the tests\n"
              "with T^2 and Q, print FDR, FAR and detection delay per test.\n\n",
              out);
    fputs("  --train SRC          training data: a file (Braatz .dat, CSV, NDJSON, Parquet) or a run of the\n"
          "                       store (its id, or run:ID)\n"
          "  --test SRC...        test data (repeatable; every argument after it until the next\n"
          "                       option is a test)\n"
          "  --store STORE        store for run ids: a SQLite file (default data/tep.db), a\n"
          "                       PostgreSQL URI (postgresql://user@host/db) or pg:CONNINFO\n"
          "                       (key=value; pg: alone = the PG* environment variables)\n"
          "  --schema S           PostgreSQL: schema of the tables (default: the search_path)\n"
          "  --table-prefix P     PostgreSQL: prefix of the table names (storage.table_prefix)\n"
          "  --method pca|dpca    (default pca)\n"
          "  --components N       components kept (default 9)\n"
          "  --variance F         keep the fewest components explaining fraction F instead\n"
          "  --parallel           choose components by parallel analysis instead\n"
          "  --lags L             dynamic PCA lags (default 2 for dpca)\n"
          "  --alpha A            1 - confidence of both limits (default 0.01)\n"
          "  --columns LIST       variables (default: XMEAS 1-41 and XMV 1-11 that vary in training)\n"
          "  --consecutive K      alarms in a row that make a detection (default 1)\n"
          "  --model FILE         use a saved model instead of training\n"
          "  --model-out FILE     save the fitted model (JSON)\n"
          "  --published CSV      show a published table (fault,FDR_T2_pct,...) next to ours\n"
          "  --json OUT.json      results as JSON (rates as fractions, delays in samples)\n"
          "  --report OUT.html    a self-contained HTML report\n"
          "  --charts N           control charts for the first N tests in the report (default 8)\n"
          "Outputs go to a temporary file renamed into place; '-' is standard output (then the\n"
          "table goes to stderr), and a device, FIFO or socket is written into directly.\n",
          out);
}

static int run_analysis(int argc, char **argv, bool report_mode)
{
    const char *cmd = report_mode ? "report" : "analyze";
    static const struct option options[] = {
        {"train", required_argument, 0, 't'},      {"test", required_argument, 0, 'T'},
        {"store", required_argument, 0, 's'},      {"method", required_argument, 0, 'm'},
        {"components", required_argument, 0, 'c'}, {"variance", required_argument, 0, 'v'},
        {"parallel", no_argument, 0, 'P'},         {"lags", required_argument, 0, 'l'},
        {"alpha", required_argument, 0, 'a'},      {"columns", required_argument, 0, 'C'},
        {"consecutive", required_argument, 0, 'k'}, {"model", required_argument, 0, 'M'},
        {"model-out", required_argument, 0, 'O'},  {"published", required_argument, 0, 'p'},
        {"json", required_argument, 0, 'j'},       {"report", required_argument, 0, 'r'},
        {"out", required_argument, 0, 'r'},        {"charts", required_argument, 0, 'n'},
        {"schema", required_argument, 0, 'S'},     {"table-prefix", required_argument, 0, 'X'},
        {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
    struct tep_analysis_job job;
    tep_analysis_job_defaults(&job);
    job.store_defaults = report_mode;
    if (report_mode) job.report_out = "report.html";
    /* every --test is an argument, so argc bounds their number: none is dropped */
    const char **tests = calloc((size_t)argc + 1, sizeof *tests);
    bool lags_given = false;
    long k = 1, max_charts = 8;
    double alpha = 0.01;
    int rc = 2; /* while parsing: a usage error */
    if (!tests) {
        struct tep_error err;
        tep_error_set(&err, TEP_ERR_NOMEM, "out of memory");
        tep_cli_report(cmd, &err);
        return 1;
    }
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        long n;
        double d;
        switch (c) {
        case 't':
            job.train = optarg;
            break;
        case 'T':
            tests[job.ntests++] = optarg;
            while (optind < argc && argv[optind][0] != '-')
                tests[job.ntests++] = argv[optind++];
            break;
        case 's':
            job.store = optarg;
            break;
        case 'S':
            job.schema = optarg;
            break;
        case 'X':
            job.table_prefix = optarg;
            break;
        case 'm':
            if (strcmp(optarg, "pca") == 0)
                job.dpca = false;
            else if (strcmp(optarg, "dpca") == 0)
                job.dpca = true;
            else {
                fprintf(stderr, "tep %s: --method: expected pca or dpca, got '%s'\n", cmd, optarg);
                goto done;
            }
            break;
        case 'c':
            if (tep_cli_long(cmd, "--components", optarg, &n)) goto done;
            if (n < 1 || n > 10000) {
                fprintf(stderr, "tep %s: --components: expected 1..10000\n", cmd);
                goto done;
            }
            job.pca.rule = TEP_PCA_RULE_FIXED;
            job.pca.ncomp = (size_t)n;
            break;
        case 'v':
            if (tep_cli_double(cmd, "--variance", optarg, &d)) goto done;
            if (!(d > 0 && d <= 1)) {
                fprintf(stderr, "tep %s: --variance: expected a fraction in (0, 1]\n", cmd);
                goto done;
            }
            job.pca.rule = TEP_PCA_RULE_VARIANCE;
            job.pca.variance = d;
            break;
        case 'P':
            job.pca.rule = TEP_PCA_RULE_PARALLEL;
            break;
        case 'l':
            if (tep_cli_long(cmd, "--lags", optarg, &n)) goto done;
            if (n < 0 || n > 100) {
                fprintf(stderr, "tep %s: --lags: expected 0..100\n", cmd);
                goto done;
            }
            job.pca.lags = (size_t)n;
            lags_given = true;
            break;
        case 'a':
            if (tep_cli_double(cmd, "--alpha", optarg, &alpha)) goto done;
            if (!(alpha > 0 && alpha < 0.5)) {
                fprintf(stderr, "tep %s: --alpha: expected a probability in (0, 0.5)\n", cmd);
                goto done;
            }
            break;
        case 'C':
            job.columns = optarg;
            break;
        case 'k':
            if (tep_cli_long(cmd, "--consecutive", optarg, &k)) goto done;
            if (k < 1 || k > 1000) {
                fprintf(stderr, "tep %s: --consecutive: expected 1..1000\n", cmd);
                goto done;
            }
            break;
        case 'M':
            job.model_in = optarg;
            break;
        case 'O':
            job.model_out = optarg;
            break;
        case 'p':
            job.published = optarg;
            break;
        case 'j':
            job.json_out = optarg;
            break;
        case 'r':
            job.report_out = optarg;
            break;
        case 'n':
            if (tep_cli_long(cmd, "--charts", optarg, &max_charts)) goto done;
            break;
        case 'h':
            analyze_usage(stdout, cmd);
            rc = 0;
            goto done;
        default:
            analyze_usage(stderr, cmd);
            goto done;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tep %s: unexpected argument '%s'\n", cmd, argv[optind]);
        goto done;
    }
    if (job.dpca && !lags_given) job.pca.lags = 2;
    if (!job.dpca && lags_given && job.pca.lags > 0) job.dpca = true;
    job.pca.confidence = 1.0 - alpha;
    job.consecutive = (size_t)k;
    job.max_charts = (size_t)(max_charts < 0 ? 0 : max_charts);
    job.tests = tests;
    rc = tep_cli_analysis(cmd, &job);
done:
    free(tests);
    return rc;
}

int tep_cmd_analyze(int argc, char **argv) { return run_analysis(argc, argv, false); }
int tep_cmd_report(int argc, char **argv) { return run_analysis(argc, argv, true); }
