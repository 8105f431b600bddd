/* cmd_run.c - `tep run`: the batch pipeline driven by config.yaml, then (with an
 * analysis: section) the analysis job of `tep report` on the runs stored in SQLite or
 * PostgreSQL. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/cmd_analyze.h"
#include "cli/commands.h"
#include "core/log.h"
#include "pipeline/pipeline.h"

static void run_usage(FILE *out)
{
    fputs("usage: tep run [-c config/config.yaml] [options]\n"
          "Run the pipeline: collect (simulator or files) -> preprocess -> store.\n\n"
          "  -c, --config FILE    configuration (default config/config.yaml)\n"
          "  --help-config        document every configuration key and exit\n"
          "  --log-level LEVEL    debug, info, warn, error, off (default info)\n"
          "  --log-json           log lines as JSON objects\n"
          "  --quiet              no progress bar and no summary\n"
          "Exit status: 0 on full success, 1 when a run failed (earlier runs stay stored),\n"
          "2 for a usage or configuration error.\n",
          out);
}

/* The analysis: section as a job on the store just written: train on its `train` run (or
 * the first normal one), test every stored run. */
static int run_analysis_section(const struct tep_pipeline *p)
{
    const struct tep_pipeline_analysis *a = &p->analysis;
    char store[TEP_CFG_STRING_MAX + 4]; /* as --store takes it: a path, a URI or pg:CONNINFO */
    bool uri = strncmp(p->store_path, "postgresql://", 13) == 0 ||
               strncmp(p->store_path, "postgres://", 11) == 0;
    snprintf(store, sizeof store, "%s%s",
             p->store_kind == TEP_ANALYSIS_STORE_POSTGRESQL && !uri ? "pg:" : "", p->store_path);
    struct tep_analysis_job job;
    tep_analysis_job_defaults(&job);
    job.store_defaults = true;
    job.store = store;
    job.schema = p->store_schema[0] ? p->store_schema : NULL;
    job.table_prefix = p->store_prefix[0] ? p->store_prefix : NULL;
    job.train = a->train[0] ? a->train : NULL;
    job.dpca = a->method == 1;
    job.pca.rule = TEP_PCA_RULE_FIXED;
    job.pca.ncomp = (size_t)a->components;
    job.pca.lags = job.dpca ? (size_t)a->lags : 0;
    job.pca.confidence = 1.0 - a->alpha;
    job.consecutive = (size_t)a->consecutive;
    job.report_out = a->report;
    job.json_out = a->json;
    return tep_cli_analysis("report", &job);
}

int tep_cmd_run(int argc, char **argv)
{
    const char *cmd = "run";
    static const struct option options[] = {
        {"config", required_argument, 0, 'c'},  {"help-config", no_argument, 0, 'H'},
        {"log-level", required_argument, 0, 'l'}, {"log-json", no_argument, 0, 'j'},
        {"quiet", no_argument, 0, 'q'},         {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *config = "config/config.yaml", *level = NULL;
    bool quiet = false, json = false;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "c:", options, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'H': tep_pipeline_print_config_help(stdout); return 0;
        case 'l': level = optarg; break;
        case 'j': json = true; break;
        case 'q': quiet = true; break;
        case 'h': run_usage(stdout); return 0;
        default: run_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tep %s: unexpected argument '%s'\n", cmd, argv[optind]);
        return 2;
    }
    struct tep_pipeline p;
    struct tep_error err;
    tep_error_clear(&err);
    if (tep_pipeline_open(&p, config, quiet, &err) != 0) {
        tep_cli_report(cmd, &err);
        tep_pipeline_close(&p);
        return err.code == TEP_ERR_CONFIG ? 2 : 1;
    }
    /* the command line wins over the logging: section */
    if (json) tep_log_set_json(true);
    if (level && tep_cli_log_level(cmd, level)) {
        tep_pipeline_close(&p);
        return 2;
    }
    int rc = tep_pipeline_run(&p, &err);
    if (!quiet) tep_pipeline_print_summary(&p, stdout);
    if (rc != 0) {
        tep_cli_report(cmd, &err);
        tep_pipeline_close(&p);
        return 1;
    }
    if (p.analysis.enabled && p.store_kind == TEP_ANALYSIS_STORE_NONE)
        fprintf(stderr, "tep run: analysis reads runs from the SQLite store; skipped with this "
                        "storage.type\n");
    if (p.analysis.enabled && p.store_kind != TEP_ANALYSIS_STORE_NONE) {
        /* monitoring on what was just stored: the job of `tep report`, whose name the
         * messages keep */
        int arc = run_analysis_section(&p);
        tep_pipeline_close(&p);
        return arc;
    }
    tep_pipeline_close(&p);
    return 0;
}
