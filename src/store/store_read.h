/* store_read.h - reading runs, rows and quality metrics back from the SQLite store. */
#ifndef TEP_STORE_STORE_READ_H
#define TEP_STORE_STORE_READ_H

#include <stddef.h>

#include "core/error.h"
#include "core/frame.h"

struct tep_store_run {
    char run_id[TEP_RUN_ID_MAX];
    char source[1024];
    int fault;
    double fault_onset_h; /* NAN if none */
    long long rows;
    double seed, hours;   /* NAN if unknown */
    double shutdown_h;    /* NAN if none */
    char shutdown_reason[96];
    char sha256[65];
};

/* The complete runs of the store, in the order they were first stored (caller frees). */
int tep_store_list_runs(const char *path, struct tep_store_run **runs, size_t *nruns,
                        struct tep_error *err);

/* Load one run's rows: keys and the catalogue columns stored (into an empty frame, or
 * one whose columns are filled by name). */
int tep_store_load_run(const char *path, const char *run_id, struct tep_frame *out,
                       struct tep_error *err);

/* Visit the run's quality counters (column "*" = whole run). */
int tep_store_load_quality(const char *path, const char *run_id,
                           int (*visit)(void *user, const char *column, const char *metric,
                                        long long value),
                           void *user, struct tep_error *err);

#endif
