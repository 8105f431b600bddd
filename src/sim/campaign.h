/* campaign.h - many simulator runs (faults x seeds) written into a folder, in parallel.
 *
 * Each run is an independent simulator (no shared state), so runs are spread
 * over worker threads (`jobs`). A run writes one file (CSV, or the Braatz
 * .dat layout), optionally dropping its first rows (the Braatz training files
 * start at the fault) or transposing (d00.dat). A manifest campaign.csv lists
 * every run with its seed, fault, rows and shutdown. The "braatz" preset
 * regenerates the classic data set from the seeds that reproduce it
 * (../shared/tep-model/braatz-seeds.csv, FACTS.md §7).
 */
#ifndef TEP_SIM_CAMPAIGN_H
#define TEP_SIM_CAMPAIGN_H

#include <stdbool.h>

#include "core/error.h"
#include "io/csv_write.h"
#include "sim/sim.h"

struct tep_campaign_run {
    char name[64];              /* file stem: "d01_te", "idv01_seed4651207995" */
    int idv;                    /* main disturbance (0 = none), for the manifest */
    struct tep_sim_options opt;
    long skip_rows;             /* leading samples not written */
    bool transposed;            /* write variable-major (d00.dat) */
    /* results */
    long rows_written;
    long shutdown_step;         /* 0 = none */
    double shutdown_time_h;
    enum tep_shutdown_reason shutdown_reason;
    double seconds;
    int status;                 /* 0 ok, -1 failed (see err) */
    struct tep_error err;
};

struct tep_campaign {
    const char *out_dir;
    enum tep_sample_layout layout;
    const char *extension;      /* ".csv" or ".dat" */
    int jobs;                   /* worker threads (>= 1) */
    bool quiet;                 /* no progress bar */
    struct tep_campaign_run *runs;
    size_t nruns;
};

/* Fill `runs` (caller frees) with the Braatz preset: 22 runs. */
int tep_campaign_braatz_preset(struct tep_campaign_run **runs, size_t *nruns,
                               struct tep_error *err);

/* Fill `runs` with the product faults x seeds; seeds are base_seed + 1000003*k. */
int tep_campaign_grid(struct tep_campaign_run **runs, size_t *nruns, const int *idvs, size_t nidv,
                      size_t nseeds, double base_seed, const struct tep_sim_options *base,
                      double fault_at_h, struct tep_error *err);

/* Run everything; writes the files and campaign.csv. Returns 0 when every run
 * succeeded; otherwise -1 with err describing the first failure. */
int tep_campaign_execute(struct tep_campaign *c, struct tep_error *err);

#endif
