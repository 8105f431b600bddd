/* cmd_run.c - `tep run`: the batch pipeline driven by config.yaml, then (with an
 * analysis: section) `tep report` on the runs stored in SQLite or PostgreSQL. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
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
        /* monitoring on what was just stored: the same engine as `tep report` */
        const struct tep_pipeline_analysis *a = &p.analysis;
        char components[32], lags[32], alpha[32], consecutive[32];
        char store[TEP_CFG_STRING_MAX + 4]; /* `tep report --store`: a path, a URI or pg:CONNINFO */
        bool uri = strncmp(p.store_path, "postgresql://", 13) == 0 ||
                   strncmp(p.store_path, "postgres://", 11) == 0;
        snprintf(store, sizeof store, "%s%s",
                 p.store_kind == TEP_ANALYSIS_STORE_POSTGRESQL && !uri ? "pg:" : "",
                 p.store_path);
        snprintf(components, sizeof components, "%ld", a->components);
        snprintf(lags, sizeof lags, "%ld", a->lags);
        snprintf(alpha, sizeof alpha, "%.17g", a->alpha);
        snprintf(consecutive, sizeof consecutive, "%ld", a->consecutive);
        char *args[32];
        int n = 0;
        args[n++] = "report";
        args[n++] = "--store";
        args[n++] = store;
        if (p.store_schema[0]) {
            args[n++] = "--schema";
            args[n++] = p.store_schema;
        }
        if (p.store_prefix[0]) {
            args[n++] = "--table-prefix";
            args[n++] = p.store_prefix;
        }
        args[n++] = "--out";
        args[n++] = (char *)a->report;
        args[n++] = "--json";
        args[n++] = (char *)a->json;
        args[n++] = "--method";
        args[n++] = a->method == 1 ? "dpca" : "pca";
        args[n++] = "--components";
        args[n++] = components;
        args[n++] = "--alpha";
        args[n++] = alpha;
        args[n++] = "--consecutive";
        args[n++] = consecutive;
        if (a->method == 1) {
            args[n++] = "--lags";
            args[n++] = lags;
        }
        if (a->train[0]) {
            args[n++] = "--train";
            args[n++] = (char *)a->train;
        }
        args[n] = NULL;
        int arc = tep_cmd_report(n, args);
        tep_pipeline_close(&p);
        return arc;
    }
    tep_pipeline_close(&p);
    return 0;
}
