/* stage.h - the one narrow interface between pipeline stages.
 *
 * Like Fluent Bit's input/filter/output plugins: a stage plugin is one
 * registration struct (name, kind, config-key table, callbacks); an instance
 * owns its options (filled from config.yaml by the key table) and a context
 * created by init. The pipeline runner (src/pipeline/) knows nothing else:
 *
 *   input:  init -> { next_run -> process (fills a chunk)... -> end_run }... -> finish
 *   filter: init -> { begin_run -> process (in place)... -> end_run (tail) }... -> finish
 *   output: init -> { begin_run -> process (store)... -> end_run (commit) | abort_run }... -> finish
 *
 * Frames: an input fills the key arrays and the frame's first columns (its own,
 * always in the same order); columns after those were added by filters and
 * are theirs to overwrite, so one frame can be reused for every chunk.
 * A run is one time series (a file, a simulator scenario); its metadata and
 * lineage travel in struct tep_run_meta. Frames are chunks of bounded size.
 */
#ifndef TEP_CORE_STAGE_H
#define TEP_CORE_STAGE_H

#include <stdbool.h>

#include "core/config.h"
#include "core/error.h"
#include "core/frame.h"

enum tep_stage_kind { TEP_STAGE_INPUT, TEP_STAGE_FILTER, TEP_STAGE_OUTPUT };

/* Everything known about a run: identity, lineage, and (at the end) results. */
struct tep_run_meta {
    char run_id[TEP_RUN_ID_MAX]; /* stable: the same input gives the same id */
    char source_kind[16];        /* "simulator", "csv", "json", "dat", "parquet" */
    char source[4096];           /* file path, or the simulator scenario */
    long long size_bytes;        /* input file size, -1 if not a file */
    char sha256[65];             /* of the input file, "" if not a file */
    long long rows_read;         /* rows the input produced */
    long long rows_stored;       /* rows the output stored */
    int fault;                   /* the run's first disturbance (its rows' first non-zero
                                  * fault label; a simulator run's IDV), 0 = normal */
    double fault_onset_h;        /* NAN when unknown or none */
    double seed;                 /* simulator seed, NAN otherwise */
    double hours;                /* simulated / covered hours, NAN if unknown */
    long shutdown_step;          /* simulator: first step past a shutdown limit, 0 = none */
    double shutdown_time_h;
    char shutdown_reason[96];
    char config_sha256[65];      /* hash of the configuration used */
    double started_unix, finished_unix;
    void *quality;               /* the run's data-quality metrics (owned by the pipeline) */
};

struct tep_stage;

struct tep_stage_plugin {
    const char *name;        /* "simulator", "files", "missing", "sqlite", ... */
    const char *description;
    enum tep_stage_kind kind;
    const struct tep_cfg_key *config_keys; /* NULL-terminated; may be NULL */
    size_t options_size;                   /* sizeof the options struct the keys fill */

    int (*init)(struct tep_stage *stage, struct tep_error *err);
    /* input: start the next run and fill `meta`; 1 = a run, 0 = no more runs */
    int (*next_run)(struct tep_stage *stage, struct tep_run_meta *meta, struct tep_error *err);
    /* filter, output: a run starts */
    int (*begin_run)(struct tep_stage *stage, struct tep_run_meta *meta, struct tep_error *err);
    /* input: fill `frame` with the next chunk, return its rows (0 = end of run);
     * filter: transform `frame` in place; output: store it. -1 on error. */
    long (*process)(struct tep_stage *stage, struct tep_frame *frame, struct tep_run_meta *meta,
                    struct tep_error *err);
    /* filter: put rows held back into `tail` (already has the schema);
     * output: make the run durable (commit); input: lineage is final. */
    int (*end_run)(struct tep_stage *stage, struct tep_run_meta *meta, struct tep_frame *tail,
                   struct tep_error *err);
    /* output: the run failed, undo everything it stored (rollback) */
    void (*abort_run)(struct tep_stage *stage, struct tep_run_meta *meta);
    /* after the last run (flush models, close connections) */
    int (*finish)(struct tep_stage *stage, struct tep_error *err);
    void (*destroy)(struct tep_stage *stage);
};

struct tep_stage {
    const struct tep_stage_plugin *plugin;
    char name[64];   /* instance name used in messages: "preprocessing.steps[1].missing" */
    void *options;   /* plugin->options_size bytes, filled from the key table */
    void *ctx;       /* the plugin's own context, created by init */
    const struct tep_pipeline_env *env;
};

/* Shared settings every stage may read (set by the runner). */
struct tep_pipeline_env {
    const char *config_path;
    char config_sha256[65];
    char output_dir[TEP_CFG_STRING_MAX]; /* data.output_dir: models, reports */
    size_t chunk_rows;
    bool quiet;
};

#endif
