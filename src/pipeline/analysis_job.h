/* analysis_job.h - the analysis job behind `tep analyze`, `tep report` and the analysis:
 * section of `tep run`: read the training and test data (files any reader takes, or runs of
 * a store), fit a PCA / DPCA model on the normal rows (or load a saved one), score every
 * test (analysis/monitor.h), then write the model, the JSON results and the HTML report.
 *
 * Two calls, so that a caller can print the results between them: tep_analysis_job_score
 * does everything up to the scores (and writes model_out), tep_analysis_job_write writes the
 * JSON results and the report. The job prints nothing: results and errors go back to the
 * caller.
 */
#ifndef TEP_PIPELINE_ANALYSIS_JOB_H
#define TEP_PIPELINE_ANALYSIS_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/monitor.h"
#include "core/error.h"
#include "core/frame.h"
#include "store/store_read.h"

/* What to analyse and how; every pointer is borrowed for the job's duration. */
struct tep_analysis_job {
    const char *train;        /* a file, a run id or "run:ID"; NULL with model_in (or
                               * store_defaults) */
    const char *const *tests; /* ntests files, run ids or "run:ID" */
    size_t ntests;
    /* `tep report`: without train, train on the first normal run (fault 0) of the store;
     * without tests, test every stored run (in storage order) */
    bool store_defaults;
    const char *store;          /* SQLite file, postgresql:// URI or pg:CONNINFO (as --store) */
    const char *schema;         /* PostgreSQL schema, NULL = the search_path */
    const char *table_prefix;   /* PostgreSQL table prefix, NULL = none */
    bool dpca;                  /* the method's name in the outputs: "dpca", else "pca" */
    struct tep_pca_options pca; /* components rule, lags, confidence of the limits */
    const char *columns;        /* variables, comma-separated; NULL = the default 52 */
    size_t consecutive;         /* alarms in a row that make a detection (1..1000) */
    const char *model_in;       /* score with this saved model instead of fitting one */
    const char *model_out;      /* outputs (NULL = none, "-" = standard output) */
    const char *json_out;
    const char *report_out;
    const char *published; /* CSV of a published table (fault,FDR_T2_pct,...) to compare */
    size_t max_charts;     /* control charts for the first tests in the report */
};

/* Defaults: store data/tep.db, PCA with tep_pca_options_default, k = 1, 8 charts. */
void tep_analysis_job_defaults(struct tep_analysis_job *job);

/* One data set: its rows and where they came from. */
struct tep_analysis_dataset {
    char label[TEP_RUN_ID_MAX]; /* the file's name (escaped) or the run id */
    char source[1200];          /* "file PATH (format, sha256 ...)" or "store S, run R (...)" */
    struct tep_frame *frame;    /* NULL for a training set that was not loaded */
    int fault;
    double onset_h, shutdown_h; /* NAN when unknown / none */
    char shutdown_reason[96];
    bool from_store;
};

/* A row of the published table (percent, minutes). */
struct tep_analysis_published {
    bool present;
    double fdr_t2, fdr_q, far_t2, far_q, delay_t2_min, delay_q_min;
};

#define TEP_ANALYSIS_PUBLISHED_MAX 64 /* rows by fault number 0..63 */

struct tep_analysis_result {
    struct tep_store_ref store; /* the job's store, parsed */
    struct tep_pca_model *model;
    const char *method;                 /* "pca" or "dpca" */
    struct tep_analysis_dataset train;  /* frame NULL when scored with a saved model only */
    struct tep_analysis_dataset *tests; /* ntests, in the order given */
    struct tep_monitor_scores *scores;  /* ntests */
    size_t ntests;
    double interval_min; /* sampling interval of the first test (3 if unknown) */
    bool has_published;
    struct tep_analysis_published published[TEP_ANALYSIS_PUBLISHED_MAX];
};

/* Load, fit (or load the model), save model_out, load and score every test, read the
 * published table. TEP_ERR_ARG for what the user named wrongly (no such file or run,
 * a bad option value). Free *res with tep_analysis_result_free, also after a failure. */
int tep_analysis_job_score(const struct tep_analysis_job *job, struct tep_analysis_result *res,
                           struct tep_error *err);

/* Write json_out and report_out (when set) from the scored results. */
int tep_analysis_job_write(const struct tep_analysis_job *job,
                           const struct tep_analysis_result *res, struct tep_error *err);

void tep_analysis_result_free(struct tep_analysis_result *res);

#endif
