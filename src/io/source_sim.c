/* source_sim.c - collection from the simulator, in process: an input stage that
 * runs one simulation per (fault, seed) pair of the `simulator:` section and
 * hands its samples on in chunks. Run ids are stable
 * ("sim_idv01_seed4651207995_48h"), so rerunning a scenario replaces its rows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "core/stage.h"
#include "io/sources.h"
#include "sim/sim.h"

struct sim_source_options {
    struct tep_cfg_int_list faults;
    struct tep_cfg_double_list seeds;
    double hours;
    double fault_at;
    long interval;
    bool stop_at_shutdown;
};

struct sim_source_ctx {
    size_t next_run;           /* index into faults x seeds */
    struct tep_sim *sim;       /* the run in progress */
};

static const struct tep_cfg_key sim_keys[] = {
    {"faults", TEP_CFG_INT_LIST, "0, 1, 4, 6", offsetof(struct sim_source_options, faults),
     "disturbances to simulate, one run each (0 = normal operation)", NULL, 0, 20},
    {"seeds", TEP_CFG_DOUBLE_LIST, "4651207995", offsetof(struct sim_source_options, seeds),
     "random seeds (positive integers); every fault runs with every seed", NULL, 1,
     9007199254740991.0},
    {"hours", TEP_CFG_DOUBLE, "48", offsetof(struct sim_source_options, hours),
     "simulated hours per run", NULL, 0.001, 1e6},
    {"fault_at", TEP_CFG_DOUBLE, "8", offsetof(struct sim_source_options, fault_at),
     "hour at which the disturbance switches on", NULL, 0, 1e6},
    {"interval", TEP_CFG_INT, "180", offsetof(struct sim_source_options, interval),
     "sampling interval in seconds", NULL, 1, 86400},
    {"stop_at_shutdown", TEP_CFG_BOOL, "false", offsetof(struct sim_source_options, stop_at_shutdown),
     "stop a run when the plant trips a shutdown limit (else it runs on frozen)", NULL,
     TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

static int sim_init(struct tep_stage *stage, struct tep_error *err)
{
    struct sim_source_options *o = stage->options;
    if (o->faults.n == 0 || o->seeds.n == 0)
        return tep_error_set(err, TEP_ERR_CONFIG,
                             "simulator: expected at least one fault and one seed");
    for (size_t i = 0; i < o->seeds.n; i++)
        if (o->seeds.v[i] != floor(o->seeds.v[i]))
            return tep_error_set(err, TEP_ERR_CONFIG,
                                 "simulator.seeds[%zu]: expected a whole number, got %.17g", i,
                                 o->seeds.v[i]);
    stage->ctx = calloc(1, sizeof(struct sim_source_ctx));
    if (!stage->ctx) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    return 0;
}

static int sim_next_run(struct tep_stage *stage, struct tep_run_meta *meta, struct tep_error *err)
{
    struct sim_source_options *o = stage->options;
    struct sim_source_ctx *c = stage->ctx;
    size_t total = o->faults.n * o->seeds.n;
    tep_sim_free(c->sim);
    c->sim = NULL;
    if (c->next_run >= total) return 0;
    size_t k = c->next_run++;
    int idv = (int)o->faults.v[k / o->seeds.n];
    double seed = o->seeds.v[k % o->seeds.n];
    struct tep_sim_options opt;
    tep_sim_options_default(&opt);
    opt.seed = seed;
    opt.hours = o->hours;
    opt.interval_s = (int)o->interval;
    opt.stop_at_shutdown = o->stop_at_shutdown;
    if (idv > 0) opt.fault_onset_h[idv - 1] = o->fault_at;
    c->sim = tep_sim_new(&opt, err);
    if (!c->sim) return -1;
    snprintf(meta->run_id, sizeof meta->run_id, "sim_idv%02d_seed%.0f_%gh", idv, seed, o->hours);
    snprintf(meta->source_kind, sizeof meta->source_kind, "simulator");
    snprintf(meta->source, sizeof meta->source,
             "tep simulate --idv %d --fault-at %g --hours %g --seed %.0f --interval %ld", idv,
             o->fault_at, o->hours, seed, o->interval);
    meta->size_bytes = -1;
    meta->sha256[0] = '\0';
    meta->fault = idv;
    meta->fault_onset_h = idv > 0 ? o->fault_at : NAN;
    meta->seed = seed;
    meta->hours = o->hours;
    return 1;
}

static long sim_process(struct tep_stage *stage, struct tep_frame *frame, struct tep_run_meta *meta,
                        struct tep_error *err)
{
    struct sim_source_ctx *c = stage->ctx;
    if (frame->ncols == 0 && tep_frame_add_catalog_columns(frame, err) != 0) return -1;
    tep_frame_clear(frame);
    snprintf(frame->run_id, sizeof frame->run_id, "%s", meta->run_id);
    size_t limit = stage->env && stage->env->chunk_rows ? stage->env->chunk_rows : 4096;
    if (tep_frame_reserve(frame, limit, err) != 0) return -1;
    /* the first 53 columns are ours; later ones belong to the filters */
    struct tep_sample s;
    while (frame->nrows < limit && tep_sim_next_sample(c->sim, &s) == 1) {
        size_t r = frame->nrows++;
        frame->time_h[r] = s.time_h;
        frame->sample[r] = s.index;
        frame->fault[r] = s.fault;
        for (int v = 0; v < TEP_N_XMEAS; v++) frame->cols[v].data[r] = s.xmeas[v];
        for (int v = 0; v < TEP_N_XMV; v++) frame->cols[TEP_N_XMEAS + v].data[r] = s.xmv[v];
    }
    meta->rows_read += (long long)frame->nrows;
    if (c->sim->shutdown_step > 0 && meta->shutdown_step == 0) {
        meta->shutdown_step = c->sim->shutdown_step;
        meta->shutdown_time_h = c->sim->shutdown_time_h;
        snprintf(meta->shutdown_reason, sizeof meta->shutdown_reason, "%s",
                 tep_shutdown_reason_text(c->sim->shutdown_reason));
    }
    return (long)frame->nrows;
}

static void sim_destroy(struct tep_stage *stage)
{
    struct sim_source_ctx *c = stage->ctx;
    if (!c) return;
    tep_sim_free(c->sim);
    free(c);
    stage->ctx = NULL;
}

const struct tep_stage_plugin tep_source_simulator_plugin = {
    .name = "simulator",
    .description = "the TEP simulator in process: one run per fault and seed",
    .kind = TEP_STAGE_INPUT,
    .config_keys = sim_keys,
    .options_size = sizeof(struct sim_source_options),
    .init = sim_init,
    .next_run = sim_next_run,
    .process = sim_process,
    .destroy = sim_destroy,
};
