/* pipeline.h - the batch pipeline: config.yaml -> input -> preprocessing -> store.
 *
 * The runner builds one input stage (simulator or files), the preprocessing
 * filter and the store(s) from the configuration, then moves every run
 * through them chunk by chunk (memory stays bounded by the chunk size). Each
 * run is stored in one transaction; a failing run is rolled back and the
 * pipeline stops with its error, runs stored before stay intact. When the
 * preprocessing needs a normal-operation model that does not exist yet, a
 * first pass over the inputs fits it.
 */
#ifndef TEP_PIPELINE_PIPELINE_H
#define TEP_PIPELINE_PIPELINE_H

#include <stdbool.h>
#include <stdio.h>

#include "core/config.h"
#include "core/stage.h"

#define TEP_PIPELINE_MAX_OUTPUTS 4

struct tep_run_summary {
    char run_id[TEP_RUN_ID_MAX];
    long long rows_read, rows_stored;
    int fault;
    char shutdown[128];
    char quality[512]; /* a compact one-line quality summary */
};

/* The optional `analysis:` section: monitoring run on the store after the pipeline. */
struct tep_pipeline_analysis {
    bool enabled;
    char train[TEP_CFG_STRING_MAX]; /* run id; "" = the first normal run */
    int method;                     /* 0 pca, 1 dpca */
    long components;
    long lags;
    double alpha;
    long consecutive;
    char report[TEP_CFG_STRING_MAX]; /* "" = <output_dir>/report.html */
    char json[TEP_CFG_STRING_MAX];   /* "" = <output_dir>/analysis.json */
};

struct tep_pipeline {
    struct tep_config cfg;
    struct tep_pipeline_env env;
    struct tep_stage input;
    struct tep_stage prep;
    struct tep_stage outputs[TEP_PIPELINE_MAX_OUTPUTS];
    size_t noutputs;
    char storage_description[TEP_CFG_STRING_MAX + 64];
    /* where analysis reads the runs: the SQLite file or the PostgreSQL connection
     * string (with its schema and table prefix); none for the other stores */
    enum { TEP_ANALYSIS_STORE_NONE, TEP_ANALYSIS_STORE_SQLITE, TEP_ANALYSIS_STORE_POSTGRESQL }
        store_kind;
    char store_path[TEP_CFG_STRING_MAX]; /* SQLite file or libpq conninfo / URI */
    char store_schema[TEP_CFG_STRING_MAX], store_prefix[TEP_CFG_STRING_MAX];
    struct tep_pipeline_analysis analysis;
    /* results */
    struct tep_run_summary *runs;
    size_t nruns, runs_allocated;
    double seconds;
};

/* Read and validate the configuration and create every stage. */
int tep_pipeline_open(struct tep_pipeline *p, const char *config_path, bool quiet,
                      struct tep_error *err);

/* Only the first half of tep_pipeline_open: read the configuration and apply every
 * key table (each stage's options filled and checked; the logging: section is
 * applied). No folder, file or connection is made (the config fuzz target relies
 * on it). Free with tep_pipeline_close, also after a failure. */
int tep_pipeline_configure(struct tep_pipeline *p, const char *config_path, bool quiet,
                           struct tep_error *err);

/* Move every run through the stages. */
int tep_pipeline_run(struct tep_pipeline *p, struct tep_error *err);

void tep_pipeline_close(struct tep_pipeline *p);

/* Print where the data went and a quality summary per run. */
void tep_pipeline_print_summary(const struct tep_pipeline *p, FILE *out);

/* Document every configuration key. */
void tep_pipeline_print_config_help(FILE *out);

#endif
