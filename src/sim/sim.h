/* sim.h - the closed-loop TEP simulator: plant + controllers + sampling.
 *
 * Drives the plant (plant.h) with the temain_mod.f controllers (control.h)
 * exactly as the reference main loop does (FACTS.md §6): per 1-s step, switch
 * faults on, run the controllers that are due, record a sample every
 * `interval_s` steps, take one explicit Euler step (DELTAT is the REAL*4
 * value of 1/3600 h), clamp the valves. A simulator is one heap object with no
 * shared state, so a program may run one per thread. Use it batch-wise
 * (loop over tep_sim_next_sample) or one sample at a time for streaming.
 */
#ifndef TEP_SIM_SIM_H
#define TEP_SIM_SIM_H

#include <stdbool.h>

#include "core/error.h"
#include "sim/control.h"
#include "sim/plant.h"

#define TEP_NEVER (-1.0)

struct tep_sim_options {
    double seed;                      /* RNG seed: a positive integer below 2^53 */
    double hours;                     /* simulated time (h) */
    int interval_s;                   /* sampling interval, whole seconds >= 1 (default 180) */
    double fault_onset_h[TEP_N_IDV];  /* onset time of IDV(k+1) in hours, TEP_NEVER = off */
    bool stop_at_shutdown;            /* stop at a shutdown instead of running on frozen */
};

/* Defaults: seed 4651207995, 48 h, 180 s, no faults, run on after a shutdown. */
void tep_sim_options_default(struct tep_sim_options *opt);

/* Parse a fault list "1", "1,4", "6@10.5" (IDV 6 from 10.5 h) into opt; IDVs
 * given without "@" start at `default_onset_h`. Errors name the bad item. */
int tep_sim_parse_faults(struct tep_sim_options *opt, const char *list, double default_onset_h,
                         struct tep_error *err);

struct tep_sample {
    long index;                 /* 1-based sample number */
    double time_h;              /* nominal sample time index * interval (h) */
    int fault;                  /* fault label: lowest active IDV number, 0 when normal */
    double xmeas[TEP_N_XMEAS];
    double xmv[TEP_N_XMV];
};

struct tep_sim {
    struct tep_sim_options opt;
    struct tep_plant plant;
    struct tep_control control;
    double yy[TEP_N_STATES];    /* plant state */
    double yp[TEP_N_STATES];    /* derivatives of the last evaluation */
    double time_h;              /* integration time TIME */
    double step_h;              /* DELTAT */
    long step;                  /* steps taken so far */
    long total_steps;           /* hours * 3600 */
    long onset_step[TEP_N_IDV]; /* first step with IDV(k+1) on, or -1 */
    long samples;               /* samples recorded so far */
    /* shutdown: the first evaluation that exceeded a limit */
    enum tep_shutdown_reason shutdown_reason;
    long shutdown_step;         /* 0 while running */
    double shutdown_time_h;
};

/* Validate options and build a simulator at t = 0 (plant initialised, the
 * controllers' initial valve positions applied). NULL on error. */
struct tep_sim *tep_sim_new(const struct tep_sim_options *opt, struct tep_error *err);
void tep_sim_free(struct tep_sim *sim);

/* Initialise a caller-owned simulator in place (no allocation). */
int tep_sim_init(struct tep_sim *sim, const struct tep_sim_options *opt, struct tep_error *err);

/* Advance one 1-s step. If a sample falls on this step it is written to
 * `sample` (when not NULL) and 1 is returned; otherwise 0. */
int tep_sim_step(struct tep_sim *sim, struct tep_sample *sample);

/* Run to the next sample and fill it: 1 = a sample, 0 = the run is over
 * (hours reached, or stopped at a shutdown). */
int tep_sim_next_sample(struct tep_sim *sim, struct tep_sample *sample);

/* True once the run is over. */
bool tep_sim_done(const struct tep_sim *sim);

#endif
